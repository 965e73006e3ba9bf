//! Malformed inputs, each made here: every one ends in a clear message (the file, the line
//! where there is one, what is wrong, how to get past it) with exit status 2, or with
//! --skip-bad-rows in a skip that is counted and reported, through `train`, `evaluate` and
//! `score --input` alike. None may panic, hang or pass silently: where a command does not
//! care about the defect (score reads no labels), it must read every row.

use std::io::Write;

use crate::workdir::Workdir;

/// The commands that read a case.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cmd {
    Train,
    Evaluate,
    Score,
}
use Cmd::{Evaluate, Score, Train};

/// What --skip-bad-rows does with a case.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Skip {
    /// This many rows are skipped, counted and reported; the command succeeds.
    Counted(u64),
    /// Nothing to skip: the same error.
    Fatal,
}
use Skip::{Counted, Fatal};

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    /// Arguments added to every command.
    args: &'static [&'static str],
    /// Commands that must refuse the file with exit status 2.
    fails: &'static [Cmd],
    /// Words the message must hold (besides the file name).
    needles: &'static [&'static str],
    /// The line the message must name.
    line: Option<u64>,
    skip: Skip,
    /// Rows `score --input` must print: when it is not among `fails`, without
    /// --skip-bad-rows; when it is and the skip is counted, with it.
    score_rows: Option<usize>,
}

const ALL: &[Cmd] = &[Train, Evaluate, Score];
const LABELED: &[Cmd] = &[Train, Evaluate];
const HEAD: &str = "id,text,label\n";

/// 40 good rows, so that a file is trainable apart from its defect.
fn good_rows() -> String {
    (0..40)
        .map(|i| format!("{i},post number {i} about the vote and more,{}\n", i % 2))
        .collect()
}

fn good_jsonl() -> String {
    (0..40)
        .map(|i| {
            format!(
                "{{\"id\": {i}, \"text\": \"post number {i} about the vote\", \"label\": {}}}\n",
                i % 2
            )
        })
        .collect()
}

/// 40 good rows with a timestamp column, for time splits.
fn good_timed() -> String {
    (0..40)
        .map(|i| {
            format!(
                "{i},post number {i} about the vote,{},2016-09-{:02}T12:00:00Z\n",
                i % 2,
                1 + i / 2
            )
        })
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn utf16(s: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut b = Vec::new();
    if bom {
        b.extend_from_slice(if big_endian {
            &[0xfe, 0xff]
        } else {
            &[0xff, 0xfe]
        });
    }
    for c in s.encode_utf16() {
        b.extend_from_slice(&if big_endian {
            c.to_be_bytes()
        } else {
            c.to_le_bytes()
        });
    }
    b
}

fn cases() -> Vec<Case> {
    let good = good_rows();
    let csv = |extra: &str| format!("{HEAD}{good}{extra}").into_bytes();
    let csv_bytes = |extra: &[u8]| {
        let mut b = csv("");
        b.extend_from_slice(extra);
        b
    };
    let jsonl = |extra: &str| format!("{}{extra}", good_jsonl()).into_bytes();
    let timed =
        |extra: &str| format!("id,text,label,timestamp\n{}{extra}", good_timed()).into_bytes();
    let full_gz = gzip(&csv(""));
    let time_args: &[&str] = &["--split", "time", "--time-col", "timestamp"];
    let case = |name, bytes, fails, needles, line, skip, score_rows| Case {
        name,
        bytes,
        args: &[],
        fails,
        needles,
        line,
        skip,
        score_rows,
    };
    vec![
        // ---- broken quoting, ragged and half-written rows
        case(
            "unbalanced_quote.csv",
            csv("41,\"never closed,1\n42,next,0\n"),
            ALL,
            &["expected 3 fields", "is a quote unbalanced"],
            Some(42),
            Counted(1),
            Some(40),
        ),
        Case {
            args: &["--max-field-bytes", "1K"],
            ..case(
                "unbalanced_quote_runaway.csv",
                {
                    // The quote swallows 2 MB of rows: reading stops at the row limit (1 MiB
                    // here) instead of holding the rest of the file as one field.
                    let tail: String = (0..40_000)
                        .map(|i| format!("{i},more rows after it,1\n"))
                        .collect();
                    csv(&format!("41,\"never closed,1\n{tail}"))
                },
                ALL,
                &[
                    "runs on for more than 1048576 bytes",
                    "is a quote unbalanced",
                    "--max-field-bytes",
                ],
                Some(42),
                Fatal,
                None,
            )
        },
        case(
            "ragged_short.csv",
            csv("41,too short\n"),
            ALL,
            &["expected 3 fields", "found 2"],
            Some(42),
            Counted(1),
            Some(40),
        ),
        case(
            "ragged_long.csv",
            csv("41,a,b,1\n42,fine,0\n"),
            ALL,
            &["expected 3 fields", "found 4"],
            Some(42),
            Counted(1),
            Some(41),
        ),
        case(
            "half_written_row.csv",
            csv("41,cut off in the midd"),
            ALL,
            &["expected 3 fields", "found 2"],
            Some(42),
            Counted(1),
            Some(40),
        ),
        case(
            "half_written_nul_tail.csv",
            csv_bytes(&[0u8; 4096]),
            ALL,
            &["expected 3 fields", "NUL bytes", "never completely written"],
            Some(42),
            Counted(1),
            Some(40),
        ),
        // ---- headers
        case(
            "missing_text_column.csv",
            format!("id,body,label\n{good}").into_bytes(),
            ALL,
            &["no column named \"text\"", "columns found: id, body, label"],
            None,
            Fatal,
            None,
        ),
        case(
            "missing_label_column.csv",
            format!("id,text,class\n{good}").into_bytes(),
            LABELED,
            &[
                "no column named \"label\"",
                "columns found: id, text, class",
            ],
            None,
            Fatal,
            Some(40),
        ),
        case(
            "duplicated_text_header.csv",
            format!(
                "id,text,text,label\n{}",
                good.replace(",1\n", ",x,1\n").replace(",0\n", ",x,0\n")
            )
            .into_bytes(),
            ALL,
            &["names column \"text\" 2 times (columns 2 and 3)", "rename"],
            None,
            Fatal,
            None,
        ),
        case(
            "duplicated_label_header.csv",
            format!(
                "id,text,label,label\n{}",
                good.replace(",1\n", ",1,1\n").replace(",0\n", ",0,0\n")
            )
            .into_bytes(),
            LABELED,
            &["names column \"label\" 2 times"],
            None,
            Fatal,
            Some(40),
        ),
        case(
            "empty.csv",
            Vec::new(),
            ALL,
            &["is empty"],
            None,
            Fatal,
            None,
        ),
        case(
            "header_only.csv",
            HEAD.as_bytes().to_vec(),
            LABELED,
            &["no data rows"],
            None,
            Fatal,
            Some(0),
        ),
        case(
            "tab_separated.csv",
            csv("")
                .iter()
                .map(|&b| if b == b',' { b'\t' } else { b })
                .collect(),
            ALL,
            &[
                "no column named \"text\"",
                "is this TSV? pass --delimiter tab",
            ],
            None,
            Fatal,
            None,
        ),
        case(
            "semicolons.csv",
            csv("")
                .iter()
                .map(|&b| if b == b',' { b';' } else { b })
                .collect(),
            ALL,
            &["no column named \"text\"", "--delimiter ';'"],
            None,
            Fatal,
            None,
        ),
        // ---- labels
        case(
            "single_class.csv",
            format!("{HEAD}1,a post here,1\n2,another post,1\n").into_bytes(),
            LABELED,
            &[
                "exactly two label values",
                "found 1",
                "add posts of the other class",
            ],
            None,
            Fatal,
            Some(2),
        ),
        // A third value trains a multi-class model, unless --positive asks for a binary one.
        Case {
            args: &["--positive", "1"],
            ..case(
                "unknown_label.csv",
                csv("41,a third label,maybe\n"),
                LABELED,
                &[
                    "exactly two label values",
                    "\"maybe\" (1 rows, first at line 42)",
                    "relabel",
                ],
                None,
                Fatal,
                // score takes no --positive (tests/multiclass.rs scores a three-label file).
                None,
            )
        },
        case(
            "positive_label_absent.csv",
            csv("")
                .iter()
                .map(|&b| match b {
                    b'1' => b'y',
                    b'0' => b'n',
                    _ => b,
                })
                .collect(),
            LABELED,
            &["positive label \"1\" does not occur", "--positive"],
            None,
            Fatal,
            Some(40),
        ),
        case(
            "no_shared_terms.csv",
            format!("{HEAD}1,alpha,1\n2,beta,0\n3,gamma,1\n4,delta,0\n").into_bytes(),
            LABELED,
            &["no term occurs in at least 2 posts", "--min-df"],
            None,
            Fatal,
            Some(4),
        ),
        case(
            "empty_label.csv",
            csv("41,some text,\n"),
            LABELED,
            &["label column \"label\" is empty", "--skip-bad-rows"],
            Some(42),
            Counted(1),
            Some(41),
        ),
        // ---- texts
        case(
            "empty_text.csv",
            csv("41,,1\n"),
            ALL,
            &["\"text\" is empty", "--skip-bad-rows"],
            Some(42),
            Counted(1),
            Some(40),
        ),
        case(
            "whitespace_text.csv",
            csv("41,   \t \u{3000} ,1\n42,\"\n\n\",0\n"),
            ALL,
            &["\"text\" is empty"],
            Some(42),
            Counted(2),
            Some(40),
        ),
        case(
            "nul_in_text.csv",
            csv("41,nul\0inside,1\n"),
            ALL,
            &["holds a NUL byte"],
            Some(42),
            Counted(1),
            Some(40),
        ),
        case(
            "ten_megabyte_field.csv",
            {
                let mut b = csv("41,");
                b.extend(std::iter::repeat_n(b'x', 10 << 20));
                b.extend_from_slice(b",1\n42,after it,0\n");
                b
            },
            ALL,
            &[
                "field \"text\" is 10485760 bytes long",
                "limit of 1048576 bytes",
                "raise the limit with --max-field-bytes",
            ],
            Some(42),
            Counted(1),
            Some(41),
        ),
        // ---- encodings and binary data
        case(
            "latin1_text.csv",
            csv_bytes(b"41,caf\xe9 au lait,1\n"),
            ALL,
            &["not valid UTF-8", "iconv"],
            Some(42),
            Counted(1),
            Some(40),
        ),
        case(
            "latin1_header.csv",
            {
                let mut b = b"id,t\xe9xt,text,label\n".to_vec();
                b.extend_from_slice(
                    good.replace(",1\n", ",x,1\n")
                        .replace(",0\n", ",x,0\n")
                        .as_bytes(),
                );
                b
            },
            ALL,
            &["header field 2 is not valid UTF-8", "iconv"],
            Some(1),
            Fatal,
            None,
        ),
        case(
            "utf16le_bom.csv",
            utf16(&format!("{HEAD}{good}"), false, true),
            ALL,
            &["UTF-16", "iconv"],
            None,
            Fatal,
            None,
        ),
        case(
            "utf16be_bom.csv",
            utf16(&format!("{HEAD}{good}"), true, true),
            ALL,
            &["UTF-16", "iconv"],
            None,
            Fatal,
            None,
        ),
        case(
            "utf16le_no_bom.csv",
            utf16(&format!("{HEAD}{good}"), false, false),
            ALL,
            &[
                "looks like UTF-16LE without a byte-order mark",
                "iconv -f UTF-16LE",
            ],
            None,
            Fatal,
            None,
        ),
        case(
            "binary.csv",
            {
                // An ELF header, then bytes that are not text.
                let mut b = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
                b.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
                b
            },
            ALL,
            &["is not text", "NUL byte", "binary"],
            None,
            Fatal,
            None,
        ),
        // ---- line ends
        case(
            "crlf_lf_mix.csv",
            csv("41,crlf row,1\r\n42,lf row,0\n43,,1\r\n44,last,0\r\n"),
            ALL,
            &["\"text\" is empty"],
            Some(44),
            Counted(1),
            Some(43),
        ),
        case(
            "cr_only.csv",
            csv("")
                .iter()
                .map(|&b| if b == b'\n' { b'\r' } else { b })
                .chain(b"41,too,many,fields\r42,fine,1\r".iter().copied())
                .collect(),
            ALL,
            &["expected 3 fields", "found 4"],
            Some(42),
            Counted(1),
            Some(41),
        ),
        // ---- compression
        case(
            "truncated.csv.gz",
            full_gz[..full_gz.len() / 2].to_vec(),
            ALL,
            &["cannot decompress the gzip stream", "truncated or corrupt"],
            None,
            Fatal,
            None,
        ),
        case(
            "corrupt.csv.gz",
            {
                let mut b = full_gz.clone();
                let k = b.len() / 2;
                for x in &mut b[k..k + 8] {
                    *x ^= 0x5a;
                }
                b
            },
            ALL,
            &["cannot decompress the gzip stream", "truncated or corrupt"],
            None,
            Fatal,
            None,
        ),
        case(
            "bad_row_inside.csv.gz",
            gzip(&csv("41,a,b,c,1\n")),
            ALL,
            &["expected 3 fields", "found 5"],
            Some(42),
            Counted(1),
            Some(40),
        ),
        // ---- JSONL
        case(
            "bad_line.jsonl",
            jsonl("{\"id\": 41, \"text\": \n{\"id\": 42, \"text\": \"fine\", \"label\": 1}\n"),
            ALL,
            &["invalid JSON"],
            Some(41),
            Counted(1),
            Some(41),
        ),
        case(
            "not_an_object.jsonl",
            jsonl("[1, 2]\n"),
            ALL,
            &["expected a JSON object"],
            Some(41),
            Counted(1),
            Some(40),
        ),
        case(
            "text_not_a_string.jsonl",
            jsonl("{\"id\": 41, \"text\": {\"nested\": true}, \"label\": 1}\n"),
            ALL,
            &["field \"text\" is not a string or number"],
            Some(41),
            Counted(1),
            Some(40),
        ),
        case(
            "missing_text_field.jsonl",
            jsonl("{\"id\": 41, \"label\": 1}\n"),
            ALL,
            &["no field \"text\" in this object"],
            Some(41),
            Counted(1),
            Some(40),
        ),
        case(
            "missing_label_field.jsonl",
            jsonl("{\"id\": 41, \"text\": \"no label\"}\n"),
            LABELED,
            &["label column \"label\" is empty"],
            Some(41),
            Counted(1),
            Some(41),
        ),
        case(
            "half_written.jsonl",
            jsonl("{\"id\": 41, \"text\": \"cut off in the mid"),
            ALL,
            &["invalid JSON", "EOF while parsing"],
            Some(41),
            Counted(1),
            Some(40),
        ),
        // ---- timestamps (evaluate --split time)
        Case {
            args: time_args,
            ..case(
                "unparsable_time.csv",
                timed("41,a post,1,yesterday\n"),
                &[Evaluate],
                &["column \"timestamp\" holds \"yesterday\", which is not a timestamp"],
                Some(42),
                Counted(1),
                None,
            )
        },
        Case {
            args: time_args,
            ..case(
                "empty_time.csv",
                timed("41,a post,1,\n"),
                &[Evaluate],
                &["column \"timestamp\" holds \"\", which is not a timestamp"],
                Some(42),
                Counted(1),
                None,
            )
        },
        Case {
            args: time_args,
            ..case(
                "milliseconds_time.csv",
                timed("41,a post,1,1472688000000\n"),
                &[Evaluate],
                &["not a timestamp from the years 1 to 9999"],
                Some(42),
                Counted(1),
                None,
            )
        },
        // ---- plain text input (score only)
        case(
            "posts_bad_utf8.txt",
            b"first post\nsecond \xff post\nthird post\n".to_vec(),
            &[Score],
            &["line is not valid UTF-8"],
            Some(2),
            Counted(1),
            Some(2),
        ),
        Case {
            args: &["--max-field-bytes", "1000"],
            ..case(
                "posts_long_line.txt",
                {
                    let mut b = b"first post\n".to_vec();
                    b.extend(std::iter::repeat_n(b'y', 3 << 20));
                    b.extend_from_slice(b"\nlast post\n");
                    b
                },
                &[Score],
                &["the post is 3145728 bytes long, over the limit of 1000 bytes"],
                Some(2),
                Counted(1),
                Some(2),
            )
        },
    ]
}

fn command(cmd: Cmd, name: &str, case_args: &[&str], skip: bool) -> Vec<String> {
    let mut v: Vec<String> = match cmd {
        Train => vec!["train", name, "--out", "t.model"],
        Evaluate => vec!["evaluate", name, "--folds", "2", "-q"],
        Score => vec![
            "score",
            "-m",
            "score.model",
            "--input",
            name,
            "--format",
            "csv",
        ],
    }
    .into_iter()
    .map(String::from)
    .collect();
    if cmd == Train && !skip {
        v.push("-q".into());
    }
    if skip {
        v.push("--skip-bad-rows".into());
    }
    v.extend(case_args.iter().map(|s| s.to_string()));
    v
}

fn check_refusal(w: &Workdir, c: &Case, cmd: Cmd, skip: bool) {
    let args = command(cmd, c.name, c.args, skip);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = w.run(&argv);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let what = format!(
        "{} via {cmd:?}{}",
        c.name,
        if skip { " --skip-bad-rows" } else { "" }
    );
    assert!(!stderr.contains("panicked"), "{what}: panic\n{stderr}");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what}: expected exit 2\n{stderr}"
    );
    assert!(
        stderr.contains(c.name),
        "{what}: message does not name the file:\n{stderr}"
    );
    for n in c.needles {
        assert!(stderr.contains(n), "{what}: expected {n:?} in:\n{stderr}");
    }
    if let Some(line) = c.line {
        assert!(
            stderr.contains(&format!("line {line}")),
            "{what}: expected line {line} in:\n{stderr}"
        );
    }
    assert!(
        stderr.lines().count() <= 3 && stderr.len() < 2000,
        "{what}: a clear message is short:\n{stderr}"
    );
}

/// Data rows in `score --format csv` output.
fn scored_rows(stdout: &[u8]) -> usize {
    String::from_utf8_lossy(stdout)
        .lines()
        .count()
        .saturating_sub(1)
}

#[test]
fn every_malformed_input_fails_clearly_or_skips_counted() {
    let w = Workdir::new();
    w.write("good.csv", format!("{HEAD}{}", good_rows()));
    w.ok(&["train", "good.csv", "--out", "score.model", "-q"]);
    let cases = cases();
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names must be distinct");
    for c in &cases {
        w.write(c.name, &c.bytes);
        for &cmd in c.fails {
            check_refusal(&w, c, cmd, false);
            match c.skip {
                Fatal => check_refusal(&w, c, cmd, true),
                Counted(n) => {
                    let args = command(cmd, c.name, c.args, true);
                    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
                    let out = w.run(&argv);
                    let stderr = String::from_utf8_lossy(&out.stderr);
                    assert!(
                        out.status.success(),
                        "{} via {cmd:?} --skip-bad-rows failed:\n{stderr}",
                        c.name
                    );
                    let counted = format!("{}: skipped {n} bad rows", c.name);
                    assert!(
                        stderr.contains(&counted),
                        "{} via {cmd:?}: expected {counted:?} in:\n{stderr}",
                        c.name
                    );
                    if cmd == Score {
                        let want = c.score_rows.expect("score rows of a skippable case");
                        assert_eq!(scored_rows(&out.stdout), want, "{}: rows scored", c.name);
                    }
                }
            }
        }
        if !c.fails.contains(&Score) {
            if let Some(want) = c.score_rows {
                // Score reads no labels: it must read every row of a file whose only defect
                // is in them.
                let args = command(Score, c.name, c.args, false);
                let argv: Vec<&str> = args.iter().map(String::as_str).collect();
                let out = w.run(&argv);
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(out.status.success(), "{} via Score:\n{stderr}", c.name);
                assert_eq!(scored_rows(&out.stdout), want, "{}: rows scored", c.name);
            }
        }
    }
}

#[test]
fn a_raised_field_limit_reads_the_ten_megabyte_field() {
    let w = Workdir::new();
    let mut b = format!("{HEAD}{}41,", good_rows()).into_bytes();
    b.extend(std::iter::repeat_n(b'x', 10 << 20));
    b.extend_from_slice(b",1\n");
    w.write("big.csv", &b);
    w.fails(
        &[
            "train",
            "big.csv",
            "--out",
            "m.model",
            "--max-field-bytes",
            "8M",
        ],
        2,
        &[
            "big.csv, line 42",
            "field \"text\" is 10485760 bytes long",
            "limit of 8388608",
        ],
    );
    w.ok(&[
        "train",
        "big.csv",
        "--out",
        "m.model",
        "-q",
        "--max-field-bytes",
        "16M",
    ]);
    let json: serde_json::Value =
        serde_json::from_str(&w.ok(&["inspect", "m.model", "--json"])).unwrap();
    assert_eq!(json["meta"]["data"]["rows"], 41);
    w.fails(
        &[
            "train",
            "big.csv",
            "--out",
            "m.model",
            "--max-field-bytes",
            "0",
        ],
        2,
        &["at least 1 byte"],
    );
}

#[test]
fn label_values_in_a_message_are_few_and_short() {
    // An id column taken for labels: the message lists ten values, not a hundred thousand,
    // and no value runs on.
    let w = Workdir::new();
    let mut s = String::from("text,label\n");
    for i in 0..100_000 {
        s.push_str(&format!("post {i},{i}\n"));
    }
    s.push_str(&format!("long one,{}\n", "z".repeat(5000)));
    w.write("ids.csv", &s);
    let stderr = w.fails(
        &["train", "ids.csv", "--out", "m.model"],
        2,
        &[
            "found 100001",
            "and 99991 more values",
            "is \"label\" the label column?",
        ],
    );
    assert!(stderr.len() < 2000, "{}", stderr.len());
}

#[test]
fn unusable_paths_are_refused_by_every_command() {
    let w = Workdir::new();
    w.write("good.csv", format!("{HEAD}{}", good_rows()));
    w.ok(&["train", "good.csv", "--out", "m.model", "-q"]);
    std::fs::create_dir(w.path("folder.csv")).unwrap();
    let locked = w.write("locked.csv", format!("{HEAD}{}", good_rows()));
    let root = unsafe { libc::geteuid() } == 0;
    let mut paths = vec![
        ("folder.csv", vec!["is a directory"]),
        ("no/such/file.csv", vec!["No such file", "check the path"]),
        (
            "good.csv/inner.csv",
            vec!["Not a directory", "a folder in the path is a file"],
        ),
    ];
    if root {
        eprintln!(
            "unusable_paths: running as root, where permissions do not stop reads: the \
             unreadable-file case (chmod 000) is skipped"
        );
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        paths.push((
            "locked.csv",
            vec!["Permission denied", "check the permissions"],
        ));
    }
    for (path, needles) in &paths {
        let mut needles: Vec<&str> = needles.clone();
        needles.push(path);
        w.fails(&["train", path, "--out", "x.model"], 2, &needles);
        w.fails(&["evaluate", path, "-q"], 2, &needles);
        w.fails(&["score", "-m", "m.model", "--input", path], 2, &needles);
    }
    // Outputs that cannot be written.
    w.fails(
        &["train", "good.csv", "--out", "no/such/dir/m.model"],
        2,
        &["no/such/dir/m.model"],
    );
    w.fails(
        &["train", "good.csv", "--out", "folder.csv"],
        2,
        &["folder.csv"],
    );
    w.fails(
        &[
            "evaluate", "good.csv", "--folds", "2", "-q", "--report", "good.csv",
        ],
        2,
        &["good.csv", "not a folder"],
    );
    w.fails(
        &[
            "evaluate",
            "good.csv",
            "--folds",
            "2",
            "-q",
            "--oof",
            "no/such/oof.csv",
        ],
        2,
        &["no/such/oof.csv"],
    );
    // Nothing half-written was left by the refusals.
    let leftovers: Vec<String> = std::fs::read_dir(w.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp") || n == "x.model")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn standard_input_is_named_in_messages() {
    let w = Workdir::new();
    w.write("good.csv", format!("{HEAD}{}", good_rows()));
    w.ok(&["train", "good.csv", "--out", "m.model", "-q"]);
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0binary".to_vec();
    let out = w.run_stdin(
        "trollwatch",
        &["score", "-m", "m.model", "--input", "-"],
        &elf,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("<stdin>: is not text"), "{stderr}");
    let bad = format!("{HEAD}{}41,too,many,fields\n", good_rows());
    let out = w.run_stdin(
        "trollwatch",
        &["train", "-", "--out", "s.model", "-q"],
        bad.as_bytes(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("<stdin>, line 42: expected 3 fields"),
        "{stderr}"
    );
    assert!(!w.path("s.model").exists());
}
