//! `score` output an analyst can use: input columns passed through (`--keep-cols`), the text
//! column the model was trained on by default, `--threads` on every command, whole ids in the
//! table.

use crate::workdir::{jsonl, Workdir};

const BUNDLED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/trollwatch-en.model");

/// The values of `column` in CSV text, in row order.
fn column(csv_text: &str, column: &str) -> Vec<String> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let at = r
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    r.records()
        .map(|rec| rec.expect("row")[at].to_string())
        .collect()
}

#[test]
fn kept_columns_come_after_the_score() {
    let w = Workdir::new();
    let data = w.demo_csv("posts.csv", 300, 21);
    let input = std::fs::read_to_string(&data).unwrap();
    let args = [
        "score",
        "-m",
        BUNDLED,
        "--input",
        "posts.csv",
        "--keep-cols",
        "author,category",
    ];
    let out = w.ok(&[&args[..], &["--format", "csv"]].concat());
    assert_eq!(out.lines().next(), Some("id,score,label,author,category"));
    assert_eq!(column(&out, "author"), column(&input, "author"));
    assert_eq!(column(&out, "category"), column(&input, "category"));
    // The score's own columns are those without --keep-cols.
    let plain = w.ok(&[
        "score",
        "-m",
        BUNDLED,
        "--input",
        "posts.csv",
        "--format",
        "csv",
    ]);
    assert_eq!(column(&out, "score"), column(&plain, "score"));

    let rows = jsonl(&w.ok(&[&args[..], &["--format", "jsonl"]].concat()));
    let authors = column(&input, "author");
    assert_eq!(rows.len(), authors.len());
    for (row, author) in rows.iter().zip(&authors) {
        assert_eq!(row["author"], author.as_str());
        assert!(row.get("known_terms").is_some());
    }

    // Each refusal: the flags after `score -m MODEL --input posts.csv`, and what stderr
    // must say.
    let refused: &[(&[&str], &[&str])] = &[
        // A column the file lacks: named, with the columns there are.
        (
            &["--format", "csv", "--keep-cols", "nope"],
            &["nope", "author"],
        ),
        // A column named like one of the output's own.
        (
            &["--format", "csv", "--keep-cols", "score"],
            &["keep-cols", "score", "input_NAME"],
        ),
        (
            &["--format", "csv", "--keep-cols", "author,author"],
            &["twice"],
        ),
        // The table has no room for input columns.
        (
            &["--format", "table", "--keep-cols", "author"],
            &["--format csv"],
        ),
        (
            &["--format", "table", "--keep-all"],
            &["keep-all", "--format csv"],
        ),
        // One way or the other.
        (
            &["--format", "csv", "--keep-all", "--keep-cols", "author"],
            &["--keep-all", "--keep-cols"],
        ),
        // Not with account rows.
        (
            &["--format", "csv", "--keep-all", "--by", "author"],
            &["keep-all", "--by"],
        ),
    ];
    for (flags, needles) in refused {
        let args = [&["score", "-m", BUNDLED, "--input", "posts.csv"][..], flags].concat();
        w.fails(&args, 2, needles);
    }
}

#[test]
fn the_text_column_defaults_to_the_models() {
    let w = Workdir::new();
    let data = w.demo_csv("posts.csv", 2000, 22);
    let renamed = std::fs::read_to_string(&data)
        .unwrap()
        .replacen("id,text,", "id,body,", 1);
    w.write("body.csv", renamed);
    w.ok(&[
        "train",
        "body.csv",
        "--text-col",
        "body",
        "--out",
        "body.model",
        "--quiet",
    ]);
    let by_default = w.ok(&[
        "score",
        "-m",
        "body.model",
        "--input",
        "body.csv",
        "--format",
        "csv",
    ]);
    let named = w.ok(&[
        "score",
        "-m",
        "body.model",
        "--input",
        "body.csv",
        "--text-col",
        "body",
        "--format",
        "csv",
    ]);
    assert_eq!(by_default, named);
    assert_eq!(by_default.lines().count(), 2001);
    // A file without the model's column: the error names it and the columns there are.
    w.fails(
        &[
            "score",
            "-m",
            "body.model",
            "--input",
            "posts.csv",
            "--format",
            "csv",
        ],
        2,
        &["body", "text"],
    );
}

#[test]
fn threads_for_every_command_give_the_same_output() {
    let w = Workdir::new();
    w.demo_csv("posts.csv", 1500, 23);
    let score = [
        "score",
        "-m",
        BUNDLED,
        "--input",
        "posts.csv",
        "--format",
        "csv",
    ];
    let default = w.ok(&score);
    assert_eq!(
        w.ok(&[&["--threads", "1"][..], &score[..]].concat()),
        default
    );
    assert_eq!(w.ok(&[&score[..], &["--threads", "3"]].concat()), default);
    let standalone = w
        .cmd("trollwatch-score")
        .args(&score[1..])
        .args(["--threads", "2"])
        .output()
        .expect("run");
    assert!(standalone.status.success());
    assert_eq!(String::from_utf8_lossy(&standalone.stdout), default);
    w.ok(&[
        "train",
        "posts.csv",
        "--threads",
        "1",
        "--out",
        "a.model",
        "--quiet",
    ]);
    w.ok(&[
        "train",
        "posts.csv",
        "--threads",
        "2",
        "--out",
        "b.model",
        "--quiet",
    ]);
    assert_eq!(
        std::fs::read(w.path("a.model")).unwrap(),
        std::fs::read(w.path("b.model")).unwrap()
    );
    w.fails(&[&score[..], &["--threads", "0"]].concat(), 2, &["threads"]);
}

#[test]
fn the_table_prints_long_ids_whole() {
    let w = Workdir::new();
    let id = "1234567890123456789-a-long-post-id";
    w.write(
        "posts.csv",
        format!("id,text\n{id},Hillary lies again share this\nb,hello\n"),
    );
    let out = w.ok(&[
        "score",
        "-m",
        BUNDLED,
        "--input",
        "posts.csv",
        "--format",
        "table",
    ]);
    assert!(
        out.lines().any(|l| l.starts_with(&format!("{id} "))),
        "{out}"
    );
}

#[test]
fn explained_terms_carry_the_words_of_the_post() {
    let w = Workdir::new();
    let text = "HILLARY lies again, share this #MAGA";
    let out = w.ok(&[
        "score",
        "-m",
        BUNDLED,
        text,
        "--explain",
        "20",
        "--format",
        "jsonl",
    ]);
    let row = &jsonl(&out)[0];
    let terms = row["explain"].as_array().expect("explain");
    let hillary = terms
        .iter()
        .find(|t| t["term"] == "hillari")
        .unwrap_or_else(|| panic!("no hillari in {row}"));
    assert_eq!(hillary["text"], "HILLARY");
    assert_eq!(hillary["spans"], serde_json::json!([[0, 7]]));
    for t in terms {
        // Every span is the term's words in the post.
        for span in t["spans"].as_array().into_iter().flatten() {
            let (a, b) = (
                span[0].as_u64().unwrap() as usize,
                span[1].as_u64().unwrap() as usize,
            );
            assert!(a < b && b <= text.len(), "{t}");
        }
        if let Some(words) = t["text"].as_str() {
            let first = &t["spans"][0];
            let a = first[0].as_u64().unwrap() as usize;
            let b = first[1].as_u64().unwrap() as usize;
            assert_eq!(&text[a..b], words);
        }
    }
}

#[test]
fn the_intercept_and_the_terms_add_up_to_the_log_odds() {
    let w = Workdir::new();
    let text = "Share this before it gets deleted! #WakeUpAmerica";
    let out = w.ok(&[
        "score",
        "-m",
        BUNDLED,
        text,
        "--explain",
        "1000",
        "--format",
        "jsonl",
    ]);
    let row = &jsonl(&out)[0];
    let model = trollwatch::Model::load(BUNDLED.as_ref()).unwrap();
    let intercept = row["intercept"].as_f64().expect("intercept");
    assert_eq!(intercept, model.head.intercept());
    let z = intercept
        + row["explain"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["contribution"].as_f64().unwrap())
            .sum::<f64>();
    let p = model.probability(z, None);
    assert!((p - row["score"].as_f64().unwrap()).abs() < 1e-9, "{row}");
    // Without --explain, no intercept.
    let plain = &jsonl(&w.ok(&["score", "-m", BUNDLED, text, "--format", "jsonl"]))[0];
    assert!(plain.get("intercept").is_none());
}

/// The header of CSV text, and its rows.
fn csv_rows(csv_text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("row").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// `score --keep-all --format csv` of `posts` written to its stdin through a pipe.
fn keep_all_from_a_pipe(w: &Workdir, posts: &[u8]) -> String {
    let args = [
        "score",
        "-m",
        BUNDLED,
        "--input",
        "-",
        "--keep-all",
        "--format",
        "csv",
        "-q",
    ];
    let out = w.run_stdin("trollwatch", &args, posts);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn keep_all_passes_every_column_in_the_inputs_order() {
    let w = Workdir::new();
    let data = w.demo_csv("posts.csv", 300, 24);
    let input = std::fs::read_to_string(&data).unwrap();
    let score = ["score", "-m", BUNDLED, "--input", "posts.csv", "--keep-all"];
    let out = w.run(&[&score[..], &["--format", "csv"]].concat());
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("input column \"label\" is written as \"input_label\""),
        "{stderr}"
    );
    let out = String::from_utf8(out.stdout).unwrap();
    // The id column is the output's id; `label` clashes with the output's own.
    assert_eq!(
        out.lines().next(),
        Some("id,score,label,text,input_label,author,timestamp,category,campaign")
    );
    for (kept, given) in [
        ("id", "id"),
        ("text", "text"),
        ("input_label", "label"),
        ("author", "author"),
        ("timestamp", "timestamp"),
        ("category", "category"),
        ("campaign", "campaign"),
    ] {
        assert_eq!(column(&out, kept), column(&input, given), "{kept}");
    }
    let plain = w.ok(&[
        "score",
        "-m",
        BUNDLED,
        "--input",
        "posts.csv",
        "--format",
        "csv",
    ]);
    for own in ["score", "label"] {
        assert_eq!(column(&out, own), column(&plain, own), "{own}");
    }

    // JSON lines: the same values, the keys in the same order after the score's fields.
    let lines = w.ok(&[&score[..], &["--format", "jsonl", "-q"]].concat());
    let rows = jsonl(&lines);
    let (_, csv_rows) = csv_rows(&out);
    for (row, c) in rows.iter().zip(&csv_rows) {
        assert_eq!(row["input_label"], c[4].as_str());
        assert_eq!(row["campaign"], c[8].as_str());
        assert_eq!(row["label"], c[2].as_str());
    }
    let first = lines.lines().next().unwrap();
    let at = |key: &str| {
        first
            .find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("no {key} in {first}"))
    };
    let order = [
        "known_terms",
        "text",
        "input_label",
        "author",
        "timestamp",
        "category",
        "campaign",
    ];
    assert!(order.windows(2).all(|p| at(p[0]) < at(p[1])), "{first}");

    // From a pipe, post by post: the same rows.
    assert_eq!(keep_all_from_a_pipe(&w, input.as_bytes()), out);
}

#[test]
fn keep_all_renames_clashing_columns_deterministically() {
    let w = Workdir::new();
    // `score` clashes, and so would its first new name; `p_x` is no column of a two-class
    // model.
    w.write(
        "posts.csv",
        "text,score,id,input_score,label,p_x,known_terms\n\
         Hillary lies again,s1,a,is1,l1,px1,k1\n\
         hello there,s2,b,is2,l2,px2,k2\n",
    );
    let args = [
        "score",
        "-m",
        BUNDLED,
        "--input",
        "posts.csv",
        "--keep-all",
        "--format",
        "csv",
    ];
    let stderr = w.ok_stderr(&args);
    for (from, to) in [
        ("score", "input_input_score"),
        ("label", "input_label"),
        ("known_terms", "input_known_terms"),
    ] {
        assert!(
            stderr.contains(&format!("{from:?} is written as {to:?}")),
            "{stderr}"
        );
    }
    let (header, rows) = csv_rows(&w.ok(&args));
    assert_eq!(
        header,
        [
            "id",
            "score",
            "label",
            "text",
            "input_input_score",
            "input_score",
            "input_label",
            "p_x",
            "input_known_terms"
        ]
    );
    assert_eq!(rows[0][0], "a");
    assert_eq!(
        rows[0][3..],
        ["Hillary lies again", "s1", "is1", "l1", "px1", "k1"]
    );
    assert_eq!(
        rows[1][3..],
        ["hello there", "s2", "is2", "l2", "px2", "k2"]
    );
    // The same names every time, and in JSON lines.
    assert_eq!(w.ok(&args), w.ok(&args));
    let json = &jsonl(&w.ok(&[&args[..6], &["--format", "jsonl"]].concat()))[0];
    assert_eq!(json["input_input_score"], "s1");
    assert_eq!(json["input_score"], "is1");
    assert_eq!(json["score"].as_f64().map(|p| p > 0.0), Some(true));
    // Another id column: the input's `id` is then an input column like any other.
    let (header, rows) = csv_rows(&w.ok(&[&args[..], &["--id-col", "p_x", "-q"]].concat()));
    assert_eq!(header[3..5], ["text", "input_input_score"]);
    assert!(header.contains(&"input_id".to_string()), "{header:?}");
    assert!(!header.contains(&"p_x".to_string()), "{header:?}");
    assert_eq!(rows[0][0], "px1");
}

#[test]
fn keep_all_takes_json_lines_columns_from_the_first_object() {
    let w = Workdir::new();
    let posts = "{\"id\": \"a\", \"text\": \"Hillary lies #MAGA\", \"n\": 5, \"tags\": [\"x\", \"y\"], \"ok\": true}\n\
                 {\"id\": \"b\", \"text\": \"hello there\", \"late\": \"z\", \"n\": null}\n";
    w.write("posts.jsonl", posts);
    let args = [
        "score",
        "-m",
        BUNDLED,
        "--input",
        "posts.jsonl",
        "--keep-all",
        "--format",
        "csv",
    ];
    let out = w.run(&args);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("a key the first object lacks") && stderr.contains("line 2"),
        "{stderr}"
    );
    let out = String::from_utf8(out.stdout).unwrap();
    let (header, rows) = csv_rows(&out);
    assert_eq!(header, ["id", "score", "label", "text", "n", "tags", "ok"]);
    assert_eq!(
        rows[0][3..],
        ["Hillary lies #MAGA", "5", "[\"x\", \"y\"]", "true"]
    );
    // A key missing or null: empty.
    assert_eq!(rows[1][3..], ["hello there", "", "", ""]);
    // From a pipe: the same.
    assert_eq!(keep_all_from_a_pipe(&w, posts.as_bytes()), out);
    // Plain text: the one column `text`.
    w.write("posts.txt", "first post #MAGA\nsecond post\n");
    let (header, rows) = csv_rows(&w.ok(&[
        "score",
        "-m",
        BUNDLED,
        "--input",
        "posts.txt",
        "--keep-all",
        "--format",
        "csv",
    ]));
    assert_eq!(header, ["id", "score", "label", "text"]);
    assert_eq!(rows[1][3], "second post");
    // twarc2 tweets have no fixed columns.
    w.write(
        "tweets.jsonl",
        "{\"id\": \"1\", \"text\": \"hi there\", \"author_id\": \"9\", \"created_at\": \"2022-01-01T00:00:00.000Z\", \"edit_history_tweet_ids\": [\"1\"]}\n",
    );
    w.fails(
        &[
            "score",
            "-m",
            BUNDLED,
            "--input",
            "tweets.jsonl",
            "--input-format",
            "twarc2",
            "--keep-all",
            "--format",
            "csv",
        ],
        2,
        &["twarc2", "no fixed columns"],
    );
}

/// `--explain` terms as CSV writes them in `format`, built from the JSON line's terms.
fn expected_terms(row: &serde_json::Value, format: &str) -> String {
    let terms: Vec<String> = row["explain"]
        .as_array()
        .expect("explain")
        .iter()
        .map(|t| {
            let term = t["term"].as_str().unwrap();
            let words = t["text"].as_str().unwrap_or(term);
            let spans: Vec<String> = t["spans"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| format!("{}..{}", s[0], s[1]))
                .collect();
            let shown = match format {
                "stems" => term.to_string(),
                "spans" if !spans.is_empty() => format!("{words}@{}", spans.join(",")),
                _ => words.to_string(),
            };
            format!("{shown} ({:+.3})", t["contribution"].as_f64().unwrap())
        })
        .collect();
    terms.join("; ")
}

#[test]
fn explain_formats_show_words_stems_or_spans_and_the_intercept() {
    let w = Workdir::new();
    let text = "HILLARY lies again, share this #MAGA. Hillary!";
    let score = ["score", "-m", BUNDLED, text, "--explain", "5"];
    let json = &jsonl(&w.ok(&[&score[..], &["--format", "jsonl"]].concat()))[0];
    let intercept = json["intercept"].as_f64().unwrap();
    let csv_explain = |format: Option<&str>| {
        let mut args = score.to_vec();
        args.extend(["--format", "csv"]);
        if let Some(f) = format {
            args.extend(["--explain-format", f]);
        }
        let (header, rows) = csv_rows(&w.ok(&args));
        assert_eq!(header, ["id", "score", "label", "explain", "intercept"]);
        assert_eq!(rows[0][4], format!("{intercept:.6}"));
        rows[0][3].clone()
    };
    // Words by default: the post's own, first occurrence.
    let words = csv_explain(None);
    assert_eq!(words, expected_terms(json, "words"));
    assert!(
        words.contains("HILLARY (+") && !words.contains("hillari"),
        "{words}"
    );
    assert_eq!(csv_explain(Some("words")), words);
    let stems = csv_explain(Some("stems"));
    assert_eq!(stems, expected_terms(json, "stems"));
    assert!(stems.contains("hillari (+"), "{stems}");
    let spans = csv_explain(Some("spans"));
    assert_eq!(spans, expected_terms(json, "spans"));
    assert!(spans.contains("HILLARY@0..7,38..45 (+"), "{spans}");
    // JSON lines carry every form whatever the flag.
    assert_eq!(
        w.ok(&[
            &score[..],
            &["--format", "jsonl", "--explain-format", "stems"]
        ]
        .concat()),
        w.ok(&[&score[..], &["--format", "jsonl"]].concat())
    );
    w.fails(
        &[&score[..], &["--explain-format", "lemmas"]].concat(),
        2,
        &["lemmas", "words", "stems", "spans"],
    );

    // The table: the terms, the intercept, and with spans the post with its words marked.
    let table = |format: &str| {
        w.ok(&[
            &score[..],
            &["--format", "table", "--explain-format", format],
        ]
        .concat())
    };
    let shown = format!("{intercept:+.3}");
    let words_table = table("words");
    let row = words_table.lines().nth(1).unwrap();
    assert!(
        row.ends_with(&format!("  {words} | intercept {shown}")),
        "{row}"
    );
    assert_eq!(words_table.lines().count(), 2);
    let spans_table = table("spans");
    let lines: Vec<&str> = spans_table.lines().collect();
    assert_eq!(lines.len(), 3, "{spans_table}");
    assert!(lines[1].contains(&spans), "{spans_table}");
    // Every explained span marked (a stdout that is no terminal: brackets), `share this`
    // and the `this` inside it as one.
    let terms: Vec<&str> = json["explain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap())
        .collect();
    assert_eq!(terms, ["hillari", "#maga", "this", "share this", "again"]);
    assert_eq!(
        lines[2],
        "    «HILLARY» lies «again», «share this» «#MAGA». «Hillary»!"
    );
}
