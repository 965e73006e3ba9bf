//! `score --input -` as a co-process: from a pipe, each post's row comes out before the next
//! post is written; from a file, the same rows.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use crate::workdir::{jsonl, Workdir};

const BUNDLED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/trollwatch-en.model");

/// Writes `lines` to the scorer's stdin one at a time and asserts that each post's row
/// arrives (within 20 s) before the next post is written; returns the rows.
fn one_at_a_time(bin: &str, args: &[&str], header: Option<&str>, lines: &[String]) -> Vec<String> {
    let w = Workdir::new();
    let mut child = w
        .cmd(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn scorer");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut rows = Vec::new();
    if let Some(h) = header {
        writeln!(stdin, "{h}").expect("write header");
        stdin.flush().expect("flush");
        // The output's header comes out before any post is written.
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("{bin} {args:?}: no header before the first post"));
        rows.push(line);
    }
    for (i, line) in lines.iter().enumerate() {
        writeln!(stdin, "{line}").expect("write post");
        stdin.flush().expect("flush");
        let row = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| {
                panic!(
                    "post {} of {bin} {args:?}: no row before the next post was written",
                    i + 1
                )
            });
        rows.push(row);
    }
    drop(stdin);
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        rx.recv_timeout(Duration::from_secs(5)).is_err(),
        "a row more than posts"
    );
    rows
}

fn posts() -> Vec<(String, String)> {
    [
        ("p1", "Hillary lies again, share this #MAGA"),
        ("p2", "Lovely day at the beach"),
        ("p3", "Share this before it gets deleted! #WakeUpAmerica"),
    ]
    .iter()
    .map(|(i, t)| (i.to_string(), t.to_string()))
    .collect()
}

#[test]
fn each_post_is_answered_before_the_next_is_written() {
    let posts = posts();
    let json_lines: Vec<String> = posts
        .iter()
        .map(|(id, text)| serde_json::json!({"id": id, "text": text}).to_string())
        .collect();
    let args = [
        "-m", BUNDLED, "--input", "-", "--format", "jsonl", "--quiet",
    ];
    let rows = one_at_a_time("trollwatch-score", &args, None, &json_lines);
    // The same rows as the file read in batches.
    let w = Workdir::new();
    w.write("posts.jsonl", json_lines.join("\n") + "\n");
    let batched = w.ok(&[
        "score",
        "-m",
        BUNDLED,
        "--input",
        "posts.jsonl",
        "--format",
        "jsonl",
    ]);
    assert_eq!(jsonl(&rows.join("\n")), jsonl(&batched));

    // CSV with a header, through `trollwatch score`, and plain text lines.
    let csv_lines: Vec<String> = posts
        .iter()
        .map(|(id, text)| format!("{id},\"{text}\""))
        .collect();
    let args = [
        "score", "-m", BUNDLED, "--input", "-", "--format", "csv", "--quiet",
    ];
    let rows = one_at_a_time("trollwatch", &args, Some("id,text"), &csv_lines);
    assert_eq!(rows[0], "id,score,label");
    assert_eq!(rows.len(), 4);
    // Every column passed through: the header as soon as the input's is read.
    let keep_all = [&args[..], &["--keep-all"]].concat();
    let kept = one_at_a_time("trollwatch", &keep_all, Some("id,text"), &csv_lines);
    assert_eq!(kept[0], "id,score,label,text");
    assert_eq!(kept.len(), 4);
    for (row, plain) in kept[1..].iter().zip(&rows[1..]) {
        assert!(row.starts_with(&format!("{plain},")), "{row}");
    }
    let text: Vec<String> = posts.iter().map(|(_, t)| t.clone()).collect();
    let args = [
        "-m",
        BUNDLED,
        "--input",
        "-",
        "--input-format",
        "text",
        "--format",
        "jsonl",
    ];
    let rows = one_at_a_time("trollwatch-score", &args, None, &text);
    let ids: Vec<String> = jsonl(&rows.join("\n"))
        .iter()
        .map(|r| r["id"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(ids, ["1", "2", "3"]);
}

#[test]
fn stdin_from_a_file_gives_the_rows_of_the_path() {
    let w = Workdir::new();
    let data = w.demo_csv("posts.csv", 500, 8);
    let by_path = w.ok(&[
        "score",
        "-m",
        BUNDLED,
        "--input",
        "posts.csv",
        "--format",
        "csv",
    ]);
    let out = w
        .cmd("trollwatch")
        .args(["score", "-m", BUNDLED, "--input", "-", "--format", "csv"])
        .stdin(std::fs::File::open(&data).expect("open"))
        .output()
        .expect("run");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), by_path);
    assert_eq!(by_path.lines().count(), 501);
}
