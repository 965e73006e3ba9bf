use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::workdir::Workdir;

/// The files of a folder (name → bytes); panics on a subfolder.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let e = e.expect("entry");
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

/// Hidden staging or backup folders left in the work folder.
fn leftovers(wd: &Workdir) -> Vec<String> {
    std::fs::read_dir(wd.dir())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-") || n.contains(".old-"))
        .collect()
}

/// Waits for a child, killing it and failing the test after `limit` (a command that blocks
/// forever must fail the test, not hang it).
fn wait_limited(mut child: Child, limit: Duration, what: &str) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not end within {limit:?} (blocked?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn spawn(mut cmd: Command) -> Child {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

/// Runs `trollwatch ARGS` with at most 60 s, asserting the exit code and message parts.
fn fails_soon(wd: &Workdir, args: &[&str], code: i32, needles: &[&str]) -> String {
    let mut cmd = wd.cmd("trollwatch");
    cmd.args(args).stdin(Stdio::null());
    let out = wait_limited(spawn(cmd), Duration::from_secs(60), &format!("{args:?}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: expected exit {code}, got {:?}\n{stderr}",
        out.status
    );
    for n in needles {
        assert!(stderr.contains(n), "{args:?}: no {n:?} in:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn coordination(wd: &Workdir, input: &str, out: &str) -> Command {
    let mut c = wd.cmd("trollwatch");
    c.args(["coordination", input, "--window", "1m", "-q", "--out", out]);
    c
}

fn run_ok(mut cmd: Command) -> Output {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

const COORD_FILES: [&str; 8] = [
    "accounts.csv",
    "clusters.csv",
    "communities.csv",
    "edges.csv",
    "evidence.csv",
    "graph.graphml",
    "posts.csv",
    "summary.json",
];

// ------------------------------------------------------------------ folder sets

#[test]
fn a_failed_write_keeps_the_old_set_and_no_temp_folder() {
    let wd = Workdir::new();
    wd.demo_csv("a.csv", 600, 1);
    wd.demo_csv("b.csv", 600, 2);
    run_ok(coordination(&wd, "a.csv", "out"));
    let old = snapshot(&wd.path("out"));
    assert_eq!(old.keys().collect::<Vec<_>>(), COORD_FILES);
    // Every position of the failing file: first, middle, last.
    for n in ["1", "3", "8"] {
        let mut c = coordination(&wd, "b.csv", "out");
        c.env("TROLLWATCH_FAULT", format!("outdir-fail-write={n}"));
        let out = c.output().expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("No space left on device"), "{stderr}");
        assert!(stderr.contains("out/"), "{stderr}");
        assert_eq!(snapshot(&wd.path("out")), old, "fault at file {n}");
        assert!(leftovers(&wd).is_empty(), "{:?}", leftovers(&wd));
    }
    // A report the same way, into a folder that does not exist yet: nothing appears.
    for (fault, dir) in [
        ("outdir-fail-write=1", "rep"),
        ("outdir-fail-write=3", "rep"),
    ] {
        let out = wd
            .cmd("trollwatch")
            .env("TROLLWATCH_FAULT", fault)
            .args(["evaluate", "a.csv", "--folds", "2", "-q", "--report", dir])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1));
        assert!(!wd.path(dir).exists());
        assert!(leftovers(&wd).is_empty(), "{:?}", leftovers(&wd));
    }
    let mut ok = wd.cmd("trollwatch");
    ok.args(["evaluate", "a.csv", "--folds", "2", "-q", "--report", "rep"]);
    run_ok(ok);
    let report = snapshot(&wd.path("rep"));
    let out = wd
        .cmd("trollwatch")
        .env("TROLLWATCH_FAULT", "outdir-fail-write=2")
        .args(["evaluate", "b.csv", "--folds", "2", "-q", "--report", "rep"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(snapshot(&wd.path("rep")), report);
    assert!(leftovers(&wd).is_empty(), "{:?}", leftovers(&wd));
    // tune --report into the same folder: a failure changes nothing, a success adds its set
    // and keeps evaluate's.
    let tune = |fault: Option<&str>| {
        let mut c = wd.cmd("trollwatch");
        c.args([
            "tune",
            "a.csv",
            "--c",
            "1",
            "--class-weight",
            "balanced",
            "--folds",
            "2",
            "--group-by",
            "author",
            "--report",
            "rep",
            "-q",
        ]);
        if let Some(f) = fault {
            c.env("TROLLWATCH_FAULT", f);
        }
        c.output().expect("run")
    };
    let out = tune(Some("outdir-fail-write=2"));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(snapshot(&wd.path("rep")), report);
    assert!(leftovers(&wd).is_empty(), "{:?}", leftovers(&wd));
    let out = tune(None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let both = snapshot(&wd.path("rep"));
    let names: Vec<&String> = both.keys().collect();
    assert_eq!(
        names,
        [
            "report.html",
            "report.json",
            "report.md",
            "tune.html",
            "tune.json",
            "tune.md"
        ]
    );
    for (name, bytes) in &report {
        assert_eq!(&both[name], bytes, "{name} kept");
    }
}

/// Starts a coordination run that pauses after its first staged file, and waits until that
/// file is there.
fn paused_run(wd: &Workdir, input: &str) -> Child {
    let mut c = coordination(wd, input, "out");
    c.env("TROLLWATCH_FAULT", "outdir-pause-ms=20000");
    #[cfg(unix)]
    crate::workdir::sigint_as_in_a_terminal(&mut c);
    let mut child = spawn(c);
    let start = Instant::now();
    let staged = || {
        leftovers(wd)
            .iter()
            .filter(|n| n.starts_with(".out.tmp-"))
            .any(|n| std::fs::read_dir(wd.path(n)).is_ok_and(|mut rd| rd.next().is_some()))
    };
    while !staged() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nothing staged");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[cfg(unix)]
#[test]
fn a_killed_run_leaves_the_old_set_and_its_temp_folder_goes() {
    use std::os::unix::process::ExitStatusExt;
    let wd = Workdir::new();
    wd.demo_csv("a.csv", 600, 1);
    wd.demo_csv("b.csv", 600, 2);
    run_ok(coordination(&wd, "a.csv", "out"));
    let old = snapshot(&wd.path("out"));

    // SIGINT, SIGTERM: the run removes its own temp folder on the way out.
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let child = paused_run(&wd, "b.csv");
        // SAFETY: signalling a child this test started.
        unsafe { libc::kill(child.id() as libc::pid_t, sig) };
        let out = wait_limited(child, Duration::from_secs(30), "signalled run");
        assert_eq!(out.status.signal(), Some(sig), "{:?}", out.status);
        assert_eq!(snapshot(&wd.path("out")), old);
        assert!(
            leftovers(&wd).is_empty(),
            "signal {sig}: {:?}",
            leftovers(&wd)
        );
    }

    // SIGKILL: the temp folder stays, the folder is untouched, the next run removes it.
    let mut child = paused_run(&wd, "b.csv");
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert_eq!(snapshot(&wd.path("out")), old);
    assert_eq!(leftovers(&wd).len(), 1, "{:?}", leftovers(&wd));
    run_ok(coordination(&wd, "b.csv", "out"));
    assert!(leftovers(&wd).is_empty(), "{:?}", leftovers(&wd));
    let new = snapshot(&wd.path("out"));
    assert_eq!(new.keys().collect::<Vec<_>>(), COORD_FILES);
    assert_ne!(new, old);
}

#[test]
fn concurrent_runs_into_one_folder_leave_one_complete_set() {
    let wd = Workdir::new();
    wd.demo_csv("a.csv", 600, 1);
    wd.demo_csv("b.csv", 600, 2);
    run_ok(coordination(&wd, "a.csv", "ref_a"));
    run_ok(coordination(&wd, "b.csv", "ref_b"));
    let (ref_a, ref_b) = (snapshot(&wd.path("ref_a")), snapshot(&wd.path("ref_b")));
    assert_ne!(ref_a, ref_b);
    std::fs::write(wd.path("notes.txt"), "mine").expect("write");
    for fault in [
        "outdir-pause-ms=150",
        "outdir-pause-ms=150,outdir-no-exchange",
    ] {
        for round in 0..3 {
            if round == 1 {
                // Into an existing folder that holds a file of the user's as well.
                std::fs::create_dir_all(wd.path("out")).expect("mkdir");
                std::fs::write(wd.path("out/notes.txt"), "mine").expect("write");
            }
            let children: Vec<Child> = ["a.csv", "b.csv", "a.csv", "b.csv"]
                .iter()
                .map(|input| {
                    let mut c = coordination(&wd, input, "out");
                    c.env("TROLLWATCH_FAULT", fault);
                    spawn(c)
                })
                .collect();
            for child in children {
                let out = wait_limited(child, Duration::from_secs(120), "concurrent run");
                assert!(
                    out.status.success(),
                    "{fault}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            let mut got = snapshot(&wd.path("out"));
            if round >= 1 {
                assert_eq!(got.remove("notes.txt").as_deref(), Some(&b"mine"[..]));
            }
            assert!(
                got == ref_a || got == ref_b,
                "{fault}, round {round}: a mixed set"
            );
            assert!(leftovers(&wd).is_empty(), "{:?}", leftovers(&wd));
        }
        std::fs::remove_dir_all(wd.path("out")).expect("rm");
    }
}

#[test]
fn other_files_in_the_folder_are_kept_and_folders_refused() {
    let wd = Workdir::new();
    wd.demo_csv("a.csv", 400, 1);
    std::fs::create_dir(wd.path("out")).expect("mkdir");
    std::fs::write(wd.path("out/notes.txt"), "mine").expect("write");
    std::fs::write(wd.path("out/edges.csv"), "stale").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink("notes.txt", wd.path("out/link")).expect("symlink");
    run_ok(coordination(&wd, "a.csv", "out"));
    let got = snapshot(&wd.path("out"));
    assert_eq!(got["notes.txt"], b"mine");
    assert_ne!(got["edges.csv"], b"stale");
    #[cfg(unix)]
    assert_eq!(
        std::fs::read_link(wd.path("out/link")).expect("still a link"),
        Path::new("notes.txt")
    );
    for f in COORD_FILES {
        assert!(got.contains_key(f), "{f}");
    }

    // A subfolder: refused before any work, nothing changed.
    std::fs::create_dir(wd.path("out/keep")).expect("mkdir");
    std::fs::write(wd.path("out/keep/x"), "x").expect("write");
    let before = std::fs::read_dir(wd.path("out")).expect("ls").count();
    fails_soon(
        &wd,
        &["coordination", "a.csv", "--out", "out"],
        2,
        &["out", "\"keep\", a folder", "new or empty folder"],
    );
    fails_soon(
        &wd,
        &["evaluate", "a.csv", "--report", "out"],
        2,
        &["\"keep\", a folder"],
    );
    assert_eq!(
        std::fs::read_dir(wd.path("out")).expect("ls").count(),
        before
    );
    assert_eq!(std::fs::read(wd.path("out/keep/x")).expect("kept"), b"x");

    // The current folder (or one above it) is never swapped.
    fails_soon(
        &wd,
        &["coordination", "a.csv", "--out", "."],
        2,
        &["current folder"],
    );
    fails_soon(
        &wd,
        &["evaluate", "a.csv", "--report", ".."],
        2,
        &["current folder"],
    );
    assert!(leftovers(&wd).is_empty());
}

#[cfg(unix)]
#[test]
fn a_report_folder_through_a_link_replaces_the_linked_folder() {
    let wd = Workdir::new();
    wd.demo_csv("a.csv", 400, 1);
    std::fs::create_dir(wd.path("real")).expect("mkdir");
    std::os::unix::fs::symlink("real", wd.path("rep")).expect("symlink");
    let mut c = wd.cmd("trollwatch");
    c.args(["evaluate", "a.csv", "--folds", "2", "-q", "--report", "rep"]);
    run_ok(c);
    assert!(wd.path("real/report.json").is_file());
    assert!(std::fs::symlink_metadata(wd.path("rep"))
        .expect("meta")
        .file_type()
        .is_symlink());
    assert!(leftovers(&wd).is_empty());
}

// ------------------------------------------------------------------ single files

#[cfg(unix)]
#[test]
fn a_file_output_through_a_link_writes_the_target() {
    let wd = Workdir::new();
    wd.demo_csv("a.csv", 400, 1);
    std::fs::create_dir(wd.path("models")).expect("mkdir");
    // A dangling link: the target is created, the link stays a link (as cp does).
    std::os::unix::fs::symlink("models/m.model", wd.path("m.model")).expect("symlink");
    wd.ok(&["train", "a.csv", "--out", "m.model", "-q"]);
    let meta = std::fs::symlink_metadata(wd.path("m.model")).expect("meta");
    assert!(meta.file_type().is_symlink());
    let first = std::fs::read(wd.path("models/m.model")).expect("target written");
    // An existing target is replaced in its own folder, no temp file left anywhere.
    wd.ok(&["train", "a.csv", "--out", "m.model", "-q", "--c", "2"]);
    assert!(std::fs::symlink_metadata(wd.path("m.model"))
        .expect("meta")
        .file_type()
        .is_symlink());
    assert_ne!(
        std::fs::read(wd.path("models/m.model")).expect("read"),
        first
    );
    assert_eq!(std::fs::read_dir(wd.path("models")).expect("ls").count(), 1);
    wd.ok(&["score", "-m", "m.model", "a calm post"]);
    // --oof through a link, too.
    std::os::unix::fs::symlink("models/oof.csv", wd.path("oof.csv")).expect("symlink");
    wd.ok(&[
        "evaluate", "a.csv", "--folds", "2", "-q", "--oof", "oof.csv",
    ]);
    assert!(std::fs::read_to_string(wd.path("models/oof.csv"))
        .expect("oof")
        .starts_with("id,label,score,fold,repeat"));
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_bad_paths() {
    let wd = Workdir::new();
    wd.demo_csv("a.csv", 400, 1);
    wd.ok(&["train", "a.csv", "--out", "m.model", "-q"]);
    std::os::unix::fs::symlink("loop", wd.path("loop")).expect("symlink");
    let loops = ["loop", "symbolic link"];
    fails_soon(&wd, &["score", "-m", "loop", "hello"], 2, &loops);
    fails_soon(&wd, &["inspect", "loop"], 2, &loops);
    fails_soon(
        &wd,
        &["score", "-m", "m.model", "--input", "loop"],
        2,
        &loops,
    );
    fails_soon(&wd, &["train", "loop", "--out", "x.model"], 2, &loops);
    fails_soon(&wd, &["evaluate", "loop", "--folds", "2"], 2, &loops);
    fails_soon(&wd, &["coordination", "loop"], 2, &loops);
    // As an output: refused before any work, whichever command.
    fails_soon(&wd, &["train", "a.csv", "--out", "loop"], 2, &loops);
    fails_soon(&wd, &["evaluate", "a.csv", "--oof", "loop"], 2, &loops);
    fails_soon(&wd, &["evaluate", "a.csv", "--report", "loop"], 2, &loops);
    fails_soon(&wd, &["coordination", "a.csv", "--out", "loop"], 2, &loops);
    fails_soon(&wd, &["generate", "--out", "loop"], 2, &loops);
    assert!(std::fs::symlink_metadata(wd.path("loop"))
        .expect("still there")
        .file_type()
        .is_symlink());
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

#[cfg(unix)]
fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

#[cfg(unix)]
#[test]
fn a_fifo_or_device_model_is_refused_without_blocking() {
    let wd = Workdir::new();
    mkfifo(&wd.path("fifo"));
    fails_soon(
        &wd,
        &["score", "-m", "fifo", "hello"],
        2,
        &["fifo", "is a FIFO", "not a model file"],
    );
    fails_soon(&wd, &["inspect", "fifo"], 2, &["fifo", "is a FIFO"]);
    fails_soon(
        &wd,
        &["score", "-m", "/dev/null", "hello"],
        2,
        &["/dev/null", "is a character device"],
    );
    let out = wait_limited(
        spawn({
            let mut c = wd.cmd("trollwatch-score");
            c.args(["-m", "fifo", "hello"]);
            c
        }),
        Duration::from_secs(60),
        "trollwatch-score -m fifo",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(is_fifo(&wd.path("fifo")));
}

#[cfg(unix)]
#[test]
fn a_fifo_output_is_written_into_or_refused_never_replaced() {
    let wd = Workdir::new();
    wd.demo_csv("a.csv", 400, 1);
    mkfifo(&wd.path("fifo"));
    // Nothing reads it: refused at once, with exit 2, instead of waiting forever.
    fails_soon(
        &wd,
        &["evaluate", "a.csv", "--folds", "2", "-q", "--oof", "fifo"],
        2,
        &["fifo", "nothing reads"],
    );
    assert!(is_fifo(&wd.path("fifo")));
    // With a reader, the output goes through it.
    let path = wd.path("fifo");
    let reader = std::thread::spawn(move || std::fs::read(path).expect("read fifo"));
    // The reader must hold the FIFO open before the writer opens it.
    std::thread::sleep(Duration::from_millis(300));
    let mut c = wd.cmd("trollwatch");
    c.args(["evaluate", "a.csv", "--folds", "2", "-q", "--oof", "fifo"]);
    let out = wait_limited(spawn(c), Duration::from_secs(120), "evaluate --oof fifo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = reader.join().expect("reader");
    assert!(got.starts_with(b"id,label,score,fold,repeat\n"));
    assert_eq!(got.iter().filter(|&&b| b == b'\n').count(), 401);
    assert!(is_fifo(&wd.path("fifo")));
    assert!(leftovers(&wd).is_empty());
}

#[cfg(unix)]
#[test]
fn a_device_output_is_written_into_and_a_socket_refused() {
    use std::os::unix::fs::FileTypeExt;
    let wd = Workdir::new();
    wd.demo_csv("a.csv", 400, 1);
    // A null device of our own first (mknod needs privileges; skipped without them), so that
    // a replace-by-rename would show on it before /dev/null is tried.
    let own = wd.path("null");
    let made = {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(own.as_os_str().as_bytes()).expect("path");
        // SAFETY: a valid path; 1,3 is the null device.
        unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) == 0 }
    };
    let mut targets = Vec::new();
    if made {
        targets.push("null".to_string());
    }
    targets.push("/dev/null".to_string());
    for t in &targets {
        wd.ok(&["train", "a.csv", "--out", t, "-q"]);
        wd.ok(&["evaluate", "a.csv", "--folds", "2", "-q", "--oof", t]);
        wd.ok(&["generate", "--out", t]);
        let meta = std::fs::symlink_metadata(if t == "null" { own.clone() } else { t.into() })
            .expect("meta");
        assert!(meta.file_type().is_char_device(), "{t} was replaced");
    }
    let _listener = std::os::unix::net::UnixListener::bind(wd.path("sock")).expect("bind a socket");
    fails_soon(
        &wd,
        &["train", "a.csv", "--out", "sock"],
        2,
        &["sock", "is a socket"],
    );
    assert!(leftovers(&wd).is_empty());
}

#[cfg(unix)]
#[test]
fn dev_stdout_as_an_output_is_written_into() {
    let wd = Workdir::new();
    wd.demo_csv("a.csv", 400, 1);
    let args = [
        "evaluate",
        "a.csv",
        "--folds",
        "2",
        "-q",
        "--oof",
        "/dev/stdout",
    ];
    // A pipe: the table, then the predictions.
    let piped = String::from_utf8(wd.ok(&args).into_bytes()).expect("utf-8");
    let at = piped
        .find("id,label,score,fold,repeat\n")
        .expect("oof in stdout");
    assert!(at > 0, "the table comes first");
    // A file: appended to after the table, not replaced.
    let file = std::fs::File::create(wd.path("all.txt")).expect("create");
    let out = wd
        .cmd("trollwatch")
        .args(args)
        .stdout(file)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(wd.path("all.txt")).expect("read"),
        piped
    );
}
