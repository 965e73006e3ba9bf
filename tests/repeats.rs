use std::collections::HashMap;

use crate::workdir::Workdir;

/// A small labeled CSV: `n` rows of distinct texts, labels alternating 1/0.
fn labeled(n: usize) -> String {
    let mut s = String::from("id,text,label\n");
    for i in 0..n {
        s.push_str(&format!(
            "r{i},post {i} about the vote word{} and topic{},{}\n",
            i % 7,
            i % 5,
            i % 2
        ));
    }
    s
}

#[test]
fn a_header_repeated_inside_the_data_is_a_bad_row_at_its_line() {
    let w = Workdir::new();
    let one = labeled(40);
    let body = one.split_once('\n').unwrap().1;
    // `cat a.csv b.csv`: the second header on line 42.
    w.write("cat.csv", format!("{one}{one}"));
    w.fails(
        &["train", "cat.csv", "--out", "m.model"],
        2,
        &["cat.csv, line 42", "repeats the header", "--skip-bad-rows"],
    );
    let err = w.ok_stderr(&["train", "cat.csv", "--out", "m.model", "--skip-bad-rows"]);
    assert!(
        err.contains("1 repeated header (first at line 42)"),
        "{err}"
    );
    // Tab-separated and with a byte-order mark before the repeated header: the same.
    let tsv = one.replace(',', "\t");
    let mut joined = tsv.clone().into_bytes();
    joined.extend_from_slice(b"\xef\xbb\xbf");
    joined.extend_from_slice(tsv.as_bytes());
    w.write("cat.tsv", joined);
    w.fails(
        &["train", "cat.tsv", "--out", "m.model"],
        2,
        &["cat.tsv, line 42", "repeats the header"],
    );
    // A header with the columns in another order: the rows after it would be misread, so it
    // stops reading even with --skip-bad-rows.
    w.write("other.csv", format!("{one}label,id,text\n{body}"));
    for skip in [false, true] {
        let mut args = vec!["train", "other.csv", "--out", "m.model"];
        if skip {
            args.push("--skip-bad-rows");
        }
        w.fails(&args, 2, &["other.csv, line 42", "columns differ"]);
    }
    // One-column files are not checked: a post may read "text".
    w.write("one.txt.csv", "text\nhello\ntext\nworld\n");
    let out = w.ok(&[
        "score",
        "-m",
        "m.model",
        "--input",
        "one.txt.csv",
        "--format",
        "csv",
    ]);
    assert_eq!(out.lines().count(), 4, "{out}");
}

#[test]
fn a_byte_order_mark_inside_a_file_is_removed_with_a_warning_naming_its_line() {
    let w = Workdir::new();
    let one = labeled(40);
    let mut bytes = one.clone().into_bytes();
    bytes.extend_from_slice(b"\xef\xbb\xbfx1,one more post about the vote,1\n");
    w.write("bom.csv", &bytes);
    let err = w.ok_stderr(&["train", "bom.csv", "--out", "m.model", "-q"]);
    assert!(
        err.contains("warning: bom.csv: a byte-order mark inside the file")
            && err.contains("1 row (first at line 42)"),
        "{err}"
    );
    // The id lost its mark: it is `x1`, as scoring the file shows.
    let out = w.ok(&[
        "score", "-m", "m.model", "--input", "bom.csv", "--format", "csv",
    ]);
    assert!(out.lines().any(|l| l.starts_with("x1,")), "{out}");
    // JSON lines and plain text: the line is read without the mark, with the warning.
    w.write(
        "bom.jsonl",
        b"{\"id\": \"a\", \"text\": \"first post\"}\n\xef\xbb\xbf{\"id\": \"b\", \"text\": \"second post\"}\n",
    );
    let o = w.run(&[
        "score",
        "-m",
        "m.model",
        "--input",
        "bom.jsonl",
        "--format",
        "csv",
    ]);
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "{err}");
    assert!(out.lines().any(|l| l.starts_with("b,")), "{out}");
    assert!(err.contains("bom.jsonl") && err.contains("line 2"), "{err}");
    w.write("bom.txt", b"first post\n\xef\xbb\xbfsecond post\n");
    let o = w.run(&[
        "score", "-m", "m.model", "--input", "bom.txt", "--format", "csv",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && err.contains("bom.txt"), "{err}");
}

#[test]
fn label_values_that_differ_only_in_form_are_an_error_naming_both() {
    let w = Workdir::new();
    let one = labeled(40);
    for (name, a, b) in [
        ("number.csv", ",1\n", ",1.0\n"),
        ("case.csv", ",1\n", ",Troll\n"),
        ("spaced.csv", ",0\n", ",not  troll\n"),
    ] {
        // The first 20 rows' positive (or negative) labels written another way.
        let mut s = String::new();
        for (k, line) in one.lines().enumerate() {
            let line = format!("{line}\n");
            if k > 0 && k <= 20 && line.ends_with(a) {
                s.push_str(&line.replace(a, b));
            } else if k > 20 && line.ends_with(a) && a == ",1\n" && b == ",Troll\n" {
                s.push_str(&line.replace(a, ",troll\n"));
            } else if k > 20 && line.ends_with(a) && b == ",not  troll\n" {
                s.push_str(&line.replace(a, ",Not Troll\n"));
            } else {
                s.push_str(&line);
            }
        }
        w.write(name, s);
        let err = w.fails(
            &["train", name, "--out", "m.model", "--positive", "1"],
            2,
            &[
                name,
                "differ only in case, spacing or number form",
                "first at line",
            ],
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    // JSON `true` beside `1`: the same class written two ways.
    let mut s = String::new();
    for i in 0..40 {
        let label = if i % 2 == 0 {
            "0".to_string()
        } else if i < 20 {
            "true".into()
        } else {
            "1".into()
        };
        s.push_str(&format!(
            "{{\"id\": {i}, \"text\": \"post {i} about topic{}\", \"label\": {label}}}\n",
            i % 5
        ));
    }
    w.write("bool.jsonl", s);
    w.fails(
        &["train", "bool.jsonl", "--out", "m.model"],
        2,
        &["bool.jsonl", "\"true\"", "\"1\"", "differ only"],
    );
    // --positive in another case than the data: the hint names the value found.
    w.write("cased.csv", one.replace(",1\n", ",Troll\n"));
    w.fails(
        &[
            "train",
            "cased.csv",
            "--out",
            "m.model",
            "--positive",
            "troll",
        ],
        2,
        &["\"Troll\" differs only in case", "--positive \"Troll\""],
    );
}

#[test]
fn json_keys_given_twice_booleans_as_text_and_large_integer_ids() {
    let w = Workdir::new();
    w.write("a.csv", labeled(40));
    w.ok(&["train", "a.csv", "--out", "m.model", "-q"]);
    w.write(
        "j.jsonl",
        "{\"id\": 1, \"text\": \"first post\"}\n\
         {\"id\": 2, \"text\": \"one\", \"text\": \"two\"}\n\
         {\"id\": 3, \"text\": true}\n\
         {\"id\": 123456789012345678901234567890, \"text\": \"big id post\"}\n\
         {\"id\": 18446744073709551617, \"text\": \"past u64\"}\n\
         {\"id\": 9007199254740993, \"text\": \"past 2^53\"}\n",
    );
    w.fails(
        &[
            "score", "-m", "m.model", "--input", "j.jsonl", "--format", "csv",
        ],
        2,
        &["j.jsonl, line 2", "key \"text\" appears twice"],
    );
    let o = w.run(&[
        "score",
        "-m",
        "m.model",
        "--input",
        "j.jsonl",
        "--format",
        "csv",
        "--skip-bad-rows",
    ]);
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "{err}");
    assert!(err.contains("2 invalid JSON (first at line 2)"), "{err}");
    let ids: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "1",
            "123456789012345678901234567890",
            "18446744073709551617",
            "9007199254740993"
        ]
    );
    // A boolean text alone: the bad row names the field.
    w.write("t.jsonl", "{\"id\": 3, \"text\": false}\n");
    w.fails(
        &["score", "-m", "m.model", "--input", "t.jsonl"],
        2,
        &["t.jsonl, line 1", "\"text\" is false"],
    );
}

#[test]
fn repeated_ids_are_a_warning_naming_both_lines_kept_in_the_model() {
    let w = Workdir::new();
    let s = labeled(40).replace("r7,", "r3,");
    w.write("ids.csv", s);
    let err = w.ok_stderr(&["train", "ids.csv", "--out", "m.model", "-q"]);
    assert!(
        err.contains("warning: ids.csv: 1 row repeat the id of an earlier row")
            && err.contains("id \"r3\" at line 5 and line 9"),
        "{err}"
    );
    let shown = w.ok(&["inspect", "m.model"]);
    assert!(shown.contains("repeat the id"), "{shown}");
    // Scoring warns too, in every layout and for account rows, naming the first repeat.
    w.write(
        "s.csv",
        "id,text,author
1,hello there,a
2,good morning,b
1,hello again,a
",
    );
    w.write(
        "s.jsonl",
        "{\"id\": 5, \"text\": \"a post\", \"author\": \"a\"}\n{\"id\": 5, \"text\": \"another\", \"author\": \"a\"}\n",
    );
    for (file, line) in [("s.csv", "line 4"), ("s.jsonl", "line 2")] {
        for by in [false, true] {
            let mut args = vec![
                "score", "-m", "m.model", "--input", file, "--format", "csv", "-q",
            ];
            if by {
                args.extend(["--by", "author"]);
            }
            let o = w.run(&args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(o.status.success(), "{err}");
            assert!(
                err.contains(&format!("warning: {file}: an id seen on an earlier line"))
                    && err.contains(&format!("first at {line}")),
                "{file} {by}: {err}"
            );
        }
    }
    // Posts without an id column are numbered: nothing repeats.
    w.write("n.csv", "text\nhello\nhello\n");
    let o = w.run(&[
        "score", "-m", "m.model", "--input", "n.csv", "--format", "csv", "-q",
    ]);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("earlier line"));
    // Ids that are row numbers (no id column) never repeat across files.
    let plain = labeled(40).replace("r", "");
    let no_ids: String = plain
        .lines()
        .map(|l| l.split_once(',').unwrap().1.to_string() + "\n")
        .collect();
    w.write("x.csv", &no_ids);
    w.write("y.csv", &no_ids);
    let err = w.ok_stderr(&["train", "x.csv", "y.csv", "--out", "m2.model", "-q"]);
    assert!(!err.contains("repeat the id"), "{err}");
    assert!(
        err.contains("x.csv + y.csv: 40 rows repeat the text"),
        "{err}"
    );
}

/// Out-of-fold rows of `evaluate --oof`: id → fold.
fn folds_of(w: &Workdir, oof: &str) -> HashMap<String, String> {
    let text = std::fs::read_to_string(w.path(oof)).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[3].to_string())
        })
        .collect()
}

#[test]
fn identical_texts_never_straddle_folds_and_copies_do_not_inflate_the_auc() {
    let w = Workdir::new();
    w.demo_csv("demo.csv", 600, 7);
    // Every row three times with new ids; the second copy's text upper-cased and spaced out.
    let mut reader = csv::Reader::from_path(w.path("demo.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let text_col = header.iter().position(|h| h == "text").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&header).unwrap();
    for copy in 0..3 {
        for r in &rows {
            let mut row: Vec<String> = r.iter().map(str::to_string).collect();
            row[0] = format!("{}-{copy}", row[0]);
            if copy == 1 {
                row[text_col] = row[text_col].to_uppercase().replace(' ', "  ");
            }
            out.write_record(&row).unwrap();
        }
    }
    let tripled = String::from_utf8(out.into_inner().unwrap()).unwrap();
    let ids: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    w.write("tripled.csv", &tripled);
    for group in [None, Some("author")] {
        let mut args = vec![
            "evaluate",
            "tripled.csv",
            "--folds",
            "5",
            "--oof",
            "oof.csv",
            "-q",
        ];
        let mut base = vec![
            "evaluate", "demo.csv", "--folds", "5", "--report", "base", "-q",
        ];
        if let Some(g) = group {
            args.extend(["--group-by", g]);
            base.extend(["--group-by", g]);
        }
        args.extend(["--report", "rep"]);
        w.ok(&args);
        let folds = folds_of(&w, "oof.csv");
        // A copy is tested in its text's fold, or (a text shared by groups that could not
        // join) no copy is tested.
        let mut tested = 0;
        for id in &ids {
            let f: Vec<Option<&String>> = (0..3).map(|c| folds.get(&format!("{id}-{c}"))).collect();
            assert!(f[0] == f[1] && f[0] == f[2], "{id}: {f:?}");
            tested += usize::from(f[0].is_some());
        }
        assert!(
            tested * 10 >= ids.len() * 9,
            "{tested} of {} tested",
            ids.len()
        );
        w.ok(&base);
        let auc = |dir: &str| -> f64 {
            let r: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(w.path(dir).join("report.json")).unwrap(),
            )
            .unwrap();
            r["summary"][0]["mean"].as_f64().unwrap()
        };
        let (tripled_auc, base_auc) = (auc("rep"), auc("base"));
        assert!(
            (tripled_auc - base_auc).abs() < 0.03,
            "{group:?}: tripled {tripled_auc} vs once {base_auc}"
        );
    }
}

#[test]
fn sets_a_model_cannot_learn_from_warn_or_stop() {
    let w = Workdir::new();
    // Every text under both labels.
    let mut s = String::from("id,text,label\n");
    for i in 0..30 {
        for l in [0, 1] {
            s.push_str(&format!(
                "{i}-{l},post {} about topic{},{l}\n",
                i % 6,
                i % 4
            ));
        }
    }
    w.write("both.csv", &s);
    let err = w.ok_stderr(&["train", "both.csv", "--out", "m.model", "-q"]);
    assert!(
        err.contains("appear under more than one label")
            && err.contains("every text appears under more than one label")
            && err.contains("the model will give every post about the same score"),
        "{err}"
    );
    // The label column as the text: no model.
    w.write("a.csv", labeled(40));
    w.fails(
        &["train", "a.csv", "--text-col", "label", "--out", "m.model"],
        2,
        &["the text of every row is its label value", "--text-col"],
    );
    // Two rows per class: warned that the model is little better than a guess.
    w.write(
        "tiny.csv",
        "id,text,label\n1,vote rigged fake news,1\n2,vote rigged lies,1\n3,nice weather vote,0\n4,nice weather today,0\n",
    );
    let err = w.ok_stderr(&[
        "train",
        "tiny.csv",
        "--out",
        "t.model",
        "--min-df",
        "1",
        "--calibration",
        "none",
        "--target-fpr",
        "none",
        "-q",
    ]);
    assert!(
        err.contains("class \"1\" has only 2 rows") && err.contains("little better than a guess"),
        "{err}"
    );
}
