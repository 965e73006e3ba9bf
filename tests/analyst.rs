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
            &["keep-cols", "score"],
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
        // Not with account rows.
        (
            &["--format", "csv", "--keep-cols", "author", "--by", "author"],
            &["keep-cols", "--by"],
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
