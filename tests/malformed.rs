//! Malformed inputs, each made here: every one ends in a clear message (file, line where
//! there is one, what is wrong) with exit status 2, or with --skip-bad-rows in a counted skip.
//! None may panic, hang or pass silently.

use std::io::Write;

use crate::workdir::Workdir;

/// 40 good rows so that a file is trainable apart from its defect.
fn good_rows() -> String {
    (0..40)
        .map(|i| format!("{i},post number {i} about the vote and more,{}\n", i % 2))
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// (file name, contents, words the error must contain, line the error must name or 0,
/// whether --skip-bad-rows turns it into a counted skip)
type Case = (&'static str, Vec<u8>, &'static [&'static str], u64, bool);

fn cases() -> Vec<Case> {
    let head = "id,text,label\n";
    let good = good_rows();
    let with = |extra: &str| format!("{head}{good}{extra}").into_bytes();
    let mut big = format!("{head}{good}41,").into_bytes();
    big.extend(std::iter::repeat_n(b'x', 10 << 20));
    big.extend_from_slice(b",1\n");
    let full_gz = gzip(format!("{head}{good}").as_bytes());
    vec![
        (
            "unbalanced_quote.csv",
            with("41,\"never closed,1\n42,next,0\n"),
            &["expected 3 fields", "is a quote unbalanced"],
            42,
            true,
        ),
        (
            "ragged_short.csv",
            with("41,too short\n"),
            &["expected 3 fields", "found 2"],
            42,
            true,
        ),
        (
            "ragged_long.csv",
            with("41,a,b,1\n"),
            &["expected 3 fields", "found 4"],
            42,
            true,
        ),
        (
            "no_text_col.csv",
            format!("id,body,label\n{good}").into_bytes(),
            &["no column named \"text\"", "columns found: id, body, label"],
            0,
            false,
        ),
        (
            "dup_header.csv",
            format!("id,text,text,label\n{good}").into_bytes(),
            &["names column \"text\" 2 times"],
            0,
            false,
        ),
        ("empty.csv", Vec::new(), &["empty"], 0, false),
        (
            "header_only.csv",
            head.as_bytes().to_vec(),
            &["no data rows"],
            0,
            false,
        ),
        (
            "single_class.csv",
            format!("{head}1,a post here,1\n2,another post,1\n").into_bytes(),
            &["exactly two label values", "found 1"],
            0,
            false,
        ),
        (
            "unknown_label.csv",
            with("41,a third label,maybe\n"),
            &["exactly two label values", "\"maybe\" (1 rows)"],
            0,
            false,
        ),
        (
            "empty_text.csv",
            with("41,,1\n"),
            &["\"text\" is empty"],
            42,
            true,
        ),
        (
            "blank_text.csv",
            with("41,   \t ,1\n"),
            &["\"text\" is empty"],
            42,
            true,
        ),
        (
            "empty_label.csv",
            with("41,some text,\n"),
            &["label column \"label\" is empty"],
            42,
            true,
        ),
        (
            "bad_utf8.csv",
            {
                let mut b = with("");
                b.extend_from_slice(b"41,caf\xe9 au lait,1\n");
                b
            },
            &["not valid UTF-8"],
            42,
            true,
        ),
        (
            "utf16.csv",
            {
                let mut b = vec![0xff, 0xfe];
                for c in "id,text,label\n1,a,1\n".encode_utf16() {
                    b.extend_from_slice(&c.to_le_bytes());
                }
                b
            },
            &["UTF-16", "iconv"],
            0,
            false,
        ),
        ("nul_bytes.csv", with("41,nul\0inside,1\n"), &[], 0, false),
        ("huge_field.csv", big, &[], 0, false),
        (
            "crlf_mix.csv",
            with("41,crlf row,1\r\n42,lf row,0\n43,,1\r\n"),
            &["\"text\" is empty"],
            44,
            true,
        ),
        (
            "truncated.csv.gz",
            full_gz[..full_gz.len() / 2].to_vec(),
            &["truncated or corrupt"],
            0,
            false,
        ),
        (
            "binary.csv",
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761u32) >> 24) as u8)
                .collect(),
            &[],
            0,
            false,
        ),
    ]
}

#[test]
fn every_malformed_training_file_fails_clearly_or_skips_counted() {
    let w = Workdir::new();
    for (name, bytes, needles, line, skippable) in cases() {
        w.write(name, &bytes);
        let out = w.run(&["train", name, "--out", "m.model", "-q"]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{name}: panic\n{stderr}");
        let code = out.status.code();
        if needles.is_empty() {
            // Files whose defect is not an error by itself (NUL bytes and a 10 MB field are
            // legal CSV; a binary file may parse as one odd column): either trained or refused
            // with a message naming the file.
            assert!(
                code == Some(0) || (code == Some(2) && stderr.contains(name)),
                "{name}: {code:?}\n{stderr}"
            );
            continue;
        }
        assert_eq!(code, Some(2), "{name}: expected exit 2\n{stderr}");
        assert!(
            stderr.contains(name),
            "{name}: message does not name the file:\n{stderr}"
        );
        for n in needles {
            assert!(stderr.contains(n), "{name}: expected {n:?} in:\n{stderr}");
        }
        if line > 0 {
            assert!(
                stderr.contains(&format!("line {line}")),
                "{name}: expected line {line} in:\n{stderr}"
            );
        }
        if skippable {
            let out = w.run(&["train", name, "--out", "m.model", "--skip-bad-rows"]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success(),
                "{name} with --skip-bad-rows:\n{stderr}"
            );
            assert!(
                stderr.contains("skipped"),
                "{name}: skip not reported:\n{stderr}"
            );
        }
    }
}

#[test]
fn malformed_scoring_input_and_paths() {
    let w = Workdir::new();
    w.write("d.csv", format!("id,text,label\n{}", good_rows()));
    w.ok(&["train", "d.csv", "--out", "m.model", "-q"]);
    w.write("bad.jsonl", "{\"id\": 1, \"text\": \"fine\"}\n{\"id\": 2, \"text\": \n{\"id\": 3, \"text\": 5}\n[1, 2]\n{\"id\": 5}\n");
    w.fails(
        &["score", "-m", "m.model", "--input", "bad.jsonl"],
        2,
        &["bad.jsonl, line 2", "invalid JSON"],
    );
    let out = w.run(&[
        "score",
        "-m",
        "m.model",
        "--input",
        "bad.jsonl",
        "--skip-bad-rows",
        "--format",
        "csv",
    ]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        3,
        "header + rows 1 and 3:\n{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped 3 bad rows"));
    w.fails(
        &["score", "-m", "m.model", "--input", "."],
        2,
        &["directory"],
    );
    w.fails(
        &["score", "-m", "m.model", "--input", "no/such/file.csv"],
        2,
        &["no/such/file.csv"],
    );
    w.fails(
        &["train", "d.csv", "--out", "no/such/dir/m.model"],
        2,
        &["no/such/dir/m.model"],
    );
}
