use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary folder in which the built binaries run.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write fixture");
        p
    }

    /// The synthetic demo data (a small deterministic sample) as CSV.
    pub fn demo_csv(&self, name: &str, posts: usize, seed: u64) -> PathBuf {
        let cfg = trollwatch::SynthConfig {
            seed,
            posts,
            ..trollwatch::SynthConfig::default()
        };
        let rows = trollwatch::generate(&cfg);
        let mut buf = Vec::new();
        trollwatch::write_csv(&rows, &mut buf).expect("csv");
        self.write(name, buf)
    }

    pub fn cmd(&self, bin: &str) -> Command {
        let exe = match bin {
            "trollwatch" => env!("CARGO_BIN_EXE_trollwatch"),
            "trollwatch-score" => env!("CARGO_BIN_EXE_trollwatch-score"),
            other => panic!("unknown binary {other}"),
        };
        let mut c = Command::new(exe);
        c.current_dir(self.dir.path());
        c.env("SOURCE_DATE_EPOCH", "1700000000");
        c
    }

    /// Runs `trollwatch ARGS` and returns its output, whatever the status.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd("trollwatch")
            .args(args)
            .output()
            .expect("run trollwatch")
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "trollwatch {args:?} failed with {:?}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs and asserts success; returns stderr.
    pub fn ok_stderr(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "trollwatch {args:?} failed with {:?}\nstderr:\n{stderr}",
            out.status
        );
        stderr
    }

    /// Runs, asserts the exit code and that stderr contains every `needle`; returns stderr.
    pub fn fails(&self, args: &[&str], code: i32, needles: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "trollwatch {args:?}: expected exit {code}, got {:?}\nstderr:\n{stderr}",
            out.status
        );
        for n in needles {
            assert!(
                stderr.contains(n),
                "trollwatch {args:?}: expected stderr to contain {n:?}, got:\n{stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "panic in {args:?}:\n{stderr}");
        stderr
    }

    /// Runs with `stdin` fed in.
    pub fn run_stdin(&self, bin: &str, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = self
            .cmd(bin)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut input = child.stdin.take().expect("stdin");
        let data = stdin.to_vec();
        let feeder = std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
        let out = child.wait_with_output().expect("wait");
        feeder.join().expect("feeder");
        out
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// Lets `c`'s process take SIGINT as in a terminal, even when the tests run as a background
/// job (which starts with SIGINT ignored, and a child inherits that).
#[cfg(unix)]
pub fn sigint_as_in_a_terminal(c: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: signal() is async-signal-safe, as pre_exec requires.
    unsafe {
        c.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
}

/// Parses JSON lines.
pub fn jsonl(s: &str) -> Vec<serde_json::Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}
