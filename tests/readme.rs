//! README.md as a test: every command of its ```sh blocks runs as written, and every relative
//! link in README.md and docs/ points at a file (and heading) that exists.
//!
//! The commands run in order, each with `bash -e -o pipefail -c`, in one temporary folder that
//! holds copies of the repository's `datasets/` and `models/` (bundled data only), with the
//! freshly built `trollwatch` and `trollwatch-score` first on PATH. Two kinds of line are
//! rewritten, because this test runs inside `cargo test` with the binaries already built:
//! `cargo run --release -- ARGS` becomes `trollwatch ARGS`, and `cargo test …` lines are
//! skipped (they would run this test again). Any other `cargo` line is refused, so that every
//! command a user copies is one this test ran.

use crate::workdir::Workdir;
use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const REPO: &str = env!("CARGO_MANIFEST_DIR");
/// Longest a single README command may take before it counts as hung.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// The shell commands of a Markdown text's ```sh blocks, with their line numbers: blank lines
/// and comment lines left out, lines ending in `\` joined with the next.
fn sh_commands(markdown: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let lineno = i + 1;
        let trimmed = line.trim();
        if !in_sh {
            in_sh = trimmed == "```sh";
            continue;
        }
        if trimmed.starts_with("```") {
            assert!(
                pending.is_none(),
                "README.md line {lineno}: a ```sh block ends inside a continued command"
            );
            in_sh = false;
            continue;
        }
        let (start, mut text) = pending.take().unwrap_or((lineno, String::new()));
        if let Some(head) = line.trim_end().strip_suffix('\\') {
            text.push_str(head);
            text.push(' ');
            pending = Some((start, text));
            continue;
        }
        text.push_str(line);
        let cmd = text.trim();
        if !cmd.is_empty() && !cmd.starts_with('#') {
            out.push((start, cmd.to_string()));
        }
    }
    assert!(!in_sh, "README.md: a ```sh block is never closed");
    out
}

/// What the test runs for a README command: `None` for a line it skips.
fn runnable(cmd: &str) -> Option<String> {
    if cmd.starts_with("cargo test") {
        return None;
    }
    if let Some(args) = cmd.strip_prefix("cargo run --release -- ") {
        return Some(format!("trollwatch {args}"));
    }
    assert!(
        !cmd.starts_with("cargo "),
        "README command {cmd:?} calls cargo in a way tests/readme.rs cannot run: use \
         `cargo run --release -- ARGS`, `cargo test …`, or the binaries by name"
    );
    Some(cmd.to_string())
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[test]
fn readme_commands_run_as_written() {
    let readme = std::fs::read_to_string(Path::new(REPO).join("README.md")).expect("README.md");
    let commands = sh_commands(&readme);
    assert!(
        commands.len() >= 10,
        "expected README.md's ```sh blocks to hold the quick start and the command tour, found {} commands",
        commands.len()
    );
    // The quick start's test command is the one CI runs (with --locked).
    assert!(
        commands.iter().any(|(_, c)| c == "cargo test --release"),
        "README.md's quick start should say `cargo test --release`"
    );
    let ci = std::fs::read_to_string(Path::new(REPO).join(".ci/run")).unwrap_or_default();
    assert!(
        ci.is_empty() || ci.contains("cargo test --release --locked"),
        ".ci/run no longer runs README's test command"
    );

    let work = Workdir::new();
    let repo = Path::new(REPO);
    copy_dir(&repo.join("datasets"), &work.path("datasets"));
    copy_dir(&repo.join("models"), &work.path("models"));
    let logs = tempfile::tempdir().expect("log folder");

    let exe = PathBuf::from(env!("CARGO_BIN_EXE_trollwatch"));
    let bin_dir = exe.parent().expect("binary folder").to_path_buf();
    assert!(
        Path::new(env!("CARGO_BIN_EXE_trollwatch-score")).parent() == Some(bin_dir.as_path()),
        "trollwatch and trollwatch-score are built into different folders"
    );
    let path = match std::env::var_os("PATH") {
        Some(p) => {
            let mut dirs = vec![bin_dir.clone()];
            dirs.extend(std::env::split_paths(&p));
            std::env::join_paths(dirs).expect("PATH")
        }
        None => bin_dir.clone().into_os_string(),
    };

    let mut ran = 0;
    for (n, (lineno, cmd)) in commands.iter().enumerate() {
        let Some(script) = runnable(cmd) else {
            continue;
        };
        let out_path = logs.path().join(format!("{n}.out"));
        let err_path = logs.path().join(format!("{n}.err"));
        let mut child = Command::new("bash")
            .args(["-e", "-o", "pipefail", "-c", &script])
            .current_dir(work.dir())
            .env("PATH", &path)
            .stdin(Stdio::null())
            .stdout(File::create(&out_path).expect("stdout file"))
            .stderr(File::create(&err_path).expect("stderr file"))
            .spawn()
            .expect("run bash");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break Some(status);
            }
            if started.elapsed() > COMMAND_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        match status {
            Some(s) if s.success() => {}
            Some(s) => panic!(
                "README.md line {lineno}: command failed with {s}:\n  {cmd}\nran as: {script}\n\
                 stderr (last lines):\n{}\nstdout (last lines):\n{}",
                tail(&err_path, 20),
                tail(&out_path, 10)
            ),
            None => panic!(
                "README.md line {lineno}: command still running after {COMMAND_TIMEOUT:?}:\n  {cmd}\n\
                 stderr (last lines):\n{}",
                tail(&err_path, 20)
            ),
        }
        let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
        assert!(
            !stderr.contains("panicked"),
            "README.md line {lineno}: {cmd}\npanicked:\n{stderr}"
        );
        ran += 1;
    }
    assert!(ran >= 10, "only {ran} README commands ran");
}

/// GitHub's anchors for a Markdown file's headings (outside fenced code).
fn anchors(markdown: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut in_code = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let title = rest.trim_start_matches('#');
        if !title.starts_with(' ') {
            continue;
        }
        let mut slug = String::new();
        for c in title.trim().chars() {
            if c == ' ' {
                slug.push('-');
            } else if c.is_alphanumeric() || c == '-' || c == '_' {
                slug.extend(c.to_lowercase());
            }
        }
        let mut unique = slug.clone();
        let mut k = 1;
        while seen.contains(&unique) {
            unique = format!("{slug}-{k}");
            k += 1;
        }
        seen.insert(unique);
    }
    seen
}

/// The targets of a Markdown text's `[text](target)` links outside code, with line numbers.
fn link_targets(markdown: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_code = false;
    for (i, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        // Leave out inline code spans.
        let text: String = line
            .split('`')
            .enumerate()
            .filter(|(k, _)| k % 2 == 0)
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join(" ");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let end = rest.find(')').unwrap_or(rest.len());
            out.push((i + 1, rest[..end].trim().to_string()));
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn readme_and_docs_links_resolve() {
    let repo = Path::new(REPO);
    let mut files = vec![repo.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo.join("docs"))
        .expect("docs/ folder")
        .map(|e| e.expect("docs entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    assert!(!docs.is_empty(), "docs/ holds no Markdown file");
    files.extend(docs);
    for extra in ["models/README.md", "benches/README-compare.md"] {
        if repo.join(extra).exists() {
            files.push(repo.join(extra));
        }
    }

    let mut broken = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read Markdown");
        let name = file
            .strip_prefix(repo)
            .unwrap_or(file)
            .display()
            .to_string();
        for (lineno, target) in link_targets(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path_part, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let dest = if path_part.is_empty() {
                file.clone()
            } else {
                file.parent().expect("parent").join(path_part)
            };
            if !dest.exists() {
                broken.push(format!("{name}:{lineno}: {target} (no such file)"));
                continue;
            }
            if let Some(anchor) = anchor {
                if dest.extension().is_some_and(|e| e == "md") {
                    let headings = anchors(&std::fs::read_to_string(&dest).expect("read target"));
                    if !headings.contains(anchor) {
                        broken.push(format!("{name}:{lineno}: {target} (no heading #{anchor})"));
                    }
                }
            }
        }
    }
    assert!(checked > 10, "only {checked} relative links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn readme_sh_blocks_are_parsed_as_a_shell_reads_them() {
    let md = "text\n```sh\ncargo test --release\n# a comment\n\ntrollwatch train a.csv \\\n    --out m.model   # trailing\n```\n```\nnot sh\n```\n";
    assert_eq!(
        sh_commands(md),
        vec![
            (3, "cargo test --release".to_string()),
            (
                6,
                "trollwatch train a.csv      --out m.model   # trailing".to_string()
            ),
        ]
    );
    assert_eq!(runnable("cargo test --release"), None);
    assert_eq!(
        runnable("cargo run --release -- score -m m.model x").as_deref(),
        Some("trollwatch score -m m.model x")
    );
    assert_eq!(
        anchors("# A b\n## `score --by author` — x\n## A b\n```sh\n# no\n```\n"),
        ["a-b", "score---by-author--x", "a-b-1"]
            .into_iter()
            .map(String::from)
            .collect()
    );
}
