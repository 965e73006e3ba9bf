use crate::workdir::Workdir;

#[test]
fn missing_columns_list_what_was_found() {
    let w = Workdir::new();
    w.write("a.csv", "id,body,label\n1,hello there,1\n");
    w.fails(
        &["train", "a.csv", "--out", "m.model"],
        2,
        &[
            "a.csv",
            "no column named \"text\"",
            "columns found: id, body, label",
        ],
    );
    w.fails(
        &[
            "train",
            "a.csv",
            "--out",
            "m.model",
            "--text-col",
            "body",
            "--label-col",
            "y",
        ],
        2,
        &["\"y\""],
    );
}

#[test]
fn bad_rows_name_file_and_line_or_are_counted() {
    let w = Workdir::new();
    let mut s = String::from("id,text,label\n");
    for i in 0..40 {
        s.push_str(&format!("{i},post number {i} about the vote,{}\n", i % 2));
    }
    s.push_str("41,,1\n");
    s.push_str("42,too,many,fields\n");
    w.write("a.csv", &s);
    w.fails(
        &["train", "a.csv", "--out", "m.model"],
        2,
        &["a.csv, line 42", "empty", "--skip-bad-rows"],
    );
    let out = w.run(&["train", "a.csv", "--out", "m.model", "--skip-bad-rows"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("skipped 2 bad rows"), "{stderr}");
    assert!(
        stderr.contains("1 empty text (first at line 42)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 wrong number of fields (first at line 43)"),
        "{stderr}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&w.ok(&["inspect", "m.model", "--json"])).unwrap();
    assert_eq!(json["meta"]["data"]["rows"], 40);
    assert_eq!(
        json["meta"]["data"]["skipped"]["by_reason"]["empty text"]["rows"],
        1
    );
}

#[test]
fn invalid_options_fail_before_reading() {
    let w = Workdir::new();
    w.fails(
        &[
            "train",
            "nothing.csv",
            "--out",
            "m.model",
            "--ngrams",
            "3-1",
        ],
        2,
        &["ngrams"],
    );
    w.fails(
        &["train", "nothing.csv", "--out", "m.model", "--c", "0"],
        2,
        &["invalid c"],
    );
    w.fails(
        &[
            "train",
            "nothing.csv",
            "--out",
            "m.model",
            "--max-df",
            "1.5",
        ],
        2,
        &["max-df"],
    );
    w.fails(
        &[
            "train",
            "nothing.csv",
            "--out",
            "m.model",
            "--language",
            "klingon",
        ],
        2,
        &["unknown language"],
    );
    w.fails(
        &["train", "nothing.csv", "--out", "m.model"],
        2,
        &["nothing.csv"],
    );
    w.fails(&["score", "-m", "x.model"], 2, &["give posts as arguments"]);
}

#[test]
fn empty_and_header_only_files() {
    let w = Workdir::new();
    w.write("empty.csv", "");
    w.fails(
        &["train", "empty.csv", "--out", "m.model"],
        2,
        &["empty.csv", "empty"],
    );
    w.write("header.csv", "text,label\n");
    w.fails(
        &["train", "header.csv", "--out", "m.model"],
        2,
        &["header.csv", "no data rows"],
    );
}

#[test]
fn vocabulary_limit_stops_training_with_a_clear_message() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 400, 3);
    w.fails(
        &[
            "train",
            "d.csv",
            "--out",
            "m.model",
            "--max-vocabulary",
            "50",
        ],
        2,
        &["d.csv", "--max-vocabulary", "past 50"],
    );
    assert!(!w.path("m.model").exists());
    w.fails(
        &["evaluate", "d.csv", "--max-vocabulary", "50"],
        2,
        &["d.csv", "--max-vocabulary"],
    );
    w.ok(&["train", "d.csv", "--out", "m.model", "-q"]);
}

#[test]
fn outputs_are_checked_before_any_work_and_never_overwrite_the_input() {
    let w = Workdir::new();
    w.demo_csv("x.csv", 600, 41);
    let before = std::fs::read(w.path("x.csv")).unwrap();
    for args in [
        vec!["train", "x.csv", "--out", "x.csv"],
        vec!["train", "x.csv", "--out", "./x.csv"],
        vec!["evaluate", "x.csv", "--oof", "x.csv"],
        vec!["tune", "x.csv", "--out", "x.csv"],
    ] {
        w.fails(&args, 2, &["x.csv", "overwrite the data being read"]);
    }
    assert_eq!(std::fs::read(w.path("x.csv")).unwrap(), before);
    for args in [
        vec!["train", "x.csv", "--out", "nodir/m.model"],
        vec!["evaluate", "x.csv", "--oof", "nodir/oof.csv"],
        vec!["tune", "x.csv", "--out", "nodir/m.model"],
    ] {
        w.fails(&args, 2, &["nodir", "does not exist", "create it first"]);
    }
}
