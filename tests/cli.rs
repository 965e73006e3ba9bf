use crate::workdir::{jsonl, Workdir};
use trollwatch::metrics::roc_auc;

fn trained(w: &Workdir) -> String {
    w.demo_csv("train.csv", 3000, 1);
    w.ok(&["train", "train.csv", "--out", "m.model", "--quiet"]);
    "m.model".into()
}

#[test]
fn train_then_score_arguments_as_jsonl() {
    let w = Workdir::new();
    let m = trained(&w);
    let out = w.ok(&[
        "score",
        "--model",
        &m,
        "Some post text",
        "Another post #news",
        "--format",
        "jsonl",
    ]);
    let rows = jsonl(&out);
    assert_eq!(rows.len(), 2);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["id"], (i + 1).to_string());
        let s = r["score"].as_f64().expect("score");
        assert!((0.0..=1.0).contains(&s), "{r}");
        let label = r["label"].as_str().expect("label");
        assert_eq!(label == "1", s >= 0.5, "{r}");
        assert_eq!(r["flagged"].as_bool(), Some(s >= 0.5));
    }
}

#[test]
fn held_out_synthetic_posts_are_ranked_well() {
    let w = Workdir::new();
    let m = trained(&w);
    // Another seed: other accounts and other texts than the training sample.
    let test = w.demo_csv("test.csv", 2000, 99);
    let out = w.ok(&[
        "score",
        "--model",
        &m,
        "--input",
        test.to_str().unwrap(),
        "--format",
        "csv",
        "-q",
    ]);
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let scores: Vec<f64> = rdr
        .records()
        .map(|r| r.unwrap()[1].parse().unwrap())
        .collect();
    let mut truth = csv::Reader::from_path(&test).unwrap();
    let labels: Vec<bool> = truth.records().map(|r| &r.unwrap()[2] == "1").collect();
    assert_eq!(scores.len(), labels.len());
    let a = roc_auc(&scores, &labels).unwrap();
    assert!(a > 0.8 && a < 1.0, "held-out ROC-AUC {a}");
}

#[test]
fn stdin_csv_in_input_order_and_formats_agree() {
    let w = Workdir::new();
    let m = trained(&w);
    let input = "id,text\nb7,\"Vote early, vote often! #election\"\na1,Lovely day at the beach 😍\nz9,BREAKING: read https://bit.ly/3x now\n";
    let csv_out = w.run_stdin(
        "trollwatch",
        &["score", "-m", &m, "--input", "-", "--format", "csv"],
        input.as_bytes(),
    );
    assert!(
        csv_out.status.success(),
        "{}",
        String::from_utf8_lossy(&csv_out.stderr)
    );
    let csv_text = String::from_utf8(csv_out.stdout).unwrap();
    let lines: Vec<&str> = csv_text.lines().collect();
    assert_eq!(lines[0], "id,score,label");
    let ids: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["b7", "a1", "z9"]);
    let j = w.run_stdin(
        "trollwatch",
        &["score", "-m", &m, "--input", "-", "--format", "jsonl"],
        input.as_bytes(),
    );
    let rows = jsonl(&String::from_utf8(j.stdout).unwrap());
    for (row, line) in rows.iter().zip(&lines[1..]) {
        let csv_score: f64 = line.split(',').nth(1).unwrap().parse().unwrap();
        assert!((row["score"].as_f64().unwrap() - csv_score).abs() < 1e-6);
    }
    // Non-terminal stdout defaults to JSONL.
    let d = w.run_stdin(
        "trollwatch",
        &["score", "-m", &m, "--input", "-"],
        input.as_bytes(),
    );
    assert_eq!(jsonl(&String::from_utf8(d.stdout).unwrap()), rows);
}

#[test]
fn scorer_binary_matches_subcommand_on_jsonl_and_text() {
    let w = Workdir::new();
    let m = trained(&w);
    w.write("posts.jsonl", "{\"id\": 10, \"text\": \"Crooked politicians lie #MAGA\"}\n{\"id\": \"x\", \"text\": \"my cat is asleep\"}\n");
    let a = w.ok(&[
        "score",
        "-m",
        &m,
        "--input",
        "posts.jsonl",
        "--explain",
        "2",
    ]);
    let out = w
        .cmd("trollwatch-score")
        .args(["-m", &m, "--input", "posts.jsonl", "--explain", "2"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), a);
    let rows = jsonl(&a);
    assert_eq!(rows[0]["id"], "10");
    assert_eq!(rows[1]["id"], "x");
    w.write(
        "posts.txt",
        "Crooked politicians lie #MAGA\nmy cat is asleep\n",
    );
    let t = w.ok(&["score", "-m", &m, "--input", "posts.txt", "--explain", "2"]);
    let trows = jsonl(&t);
    assert_eq!(trows[1]["id"], "2");
    assert_eq!(trows[0]["score"], rows[0]["score"]);
}

#[test]
fn explanations_add_up_to_the_score() {
    let w = Workdir::new();
    let m = trained(&w);
    let model = trollwatch::Model::load(&w.path(&m)).unwrap();
    let text = "Hillary lies again, share this #MAGA https://bit.ly/x";
    let s = model.score_one(text, 0.5, 1000);
    assert!(!s.explain.is_empty());
    let logit = model.head.intercept() + s.explain.iter().map(|c| c.contribution).sum::<f64>();
    assert!(
        (model.probability(logit, None) - s.score().unwrap()).abs() < 1e-9,
        "{s:?}"
    );
    for pair in s.explain.windows(2) {
        assert!(pair[0].contribution.abs() >= pair[1].contribution.abs());
    }
    let out = w.ok(&[
        "score",
        "-m",
        &m,
        text,
        "--explain",
        "3",
        "--format",
        "jsonl",
    ]);
    let row = &jsonl(&out)[0];
    let terms = row["explain"].as_array().unwrap();
    assert_eq!(terms.len(), 3.min(s.explain.len()));
    assert_eq!(terms[0]["term"], s.explain[0].term.as_str());
}

#[test]
fn table_output_and_threshold() {
    let w = Workdir::new();
    let m = trained(&w);
    let out = w.ok(&[
        "score",
        "-m",
        &m,
        "a post",
        "--format",
        "table",
        "--threshold",
        "0",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("id") && lines[0].contains("score"),
        "{out}"
    );
    assert!(
        lines[1].split_whitespace().nth(2) == Some("1"),
        "threshold 0 flags everything: {out}"
    );
    w.fails(
        &["score", "-m", &m, "x", "--threshold", "2"],
        2,
        &["threshold"],
    );
}

#[test]
fn broken_pipe_ends_quietly() {
    let w = Workdir::new();
    let m = trained(&w);
    let big = w.demo_csv("big.csv", 20000, 5);
    let mut child = w
        .cmd("trollwatch")
        .args([
            "score",
            "-m",
            &m,
            "--input",
            big.to_str().unwrap(),
            "--format",
            "csv",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    use std::io::Read;
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "status {:?}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("error") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn inspect_shows_metadata_and_terms() {
    let w = Workdir::new();
    let m = trained(&w);
    let out = w.ok(&["inspect", &m, "--top", "5"]);
    for needle in [
        "trollwatch-model v4",
        "train.csv",
        "3000 rows",
        "strongest terms toward \"1\"",
        "english",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&w.ok(&["inspect", &m, "--json", "--top", "3"])).unwrap();
    assert_eq!(json["meta"]["data"]["rows"], 3000);
    assert_eq!(json["meta"]["data"]["trained_on"], "2023-11-14");
    assert!(json["strongest_positive"].as_array().unwrap().len() <= 3);
}

#[test]
fn gzip_tsv_and_custom_columns() {
    let w = Workdir::new();
    let mut tsv = String::from("post\tclass\n");
    let rows = trollwatch::generate(&trollwatch::SynthConfig {
        posts: 1500,
        ..Default::default()
    });
    for r in &rows {
        let text = r.text.replace(['\t', '\n', '\r'], " ");
        tsv.push_str(&format!(
            "{}\t{}\n",
            text,
            if r.label == 1 { "troll" } else { "human" }
        ));
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, tsv.as_bytes()).unwrap();
    w.write("posts.tsv.gz", enc.finish().unwrap());
    let err = w.fails(
        &[
            "train",
            "posts.tsv.gz",
            "--out",
            "m.model",
            "--text-col",
            "post",
            "--label-col",
            "class",
        ],
        2,
        &["\"troll\"", "--positive"],
    );
    assert!(err.contains("human"), "{err}");
    w.ok(&[
        "train",
        "posts.tsv.gz",
        "--out",
        "m.model",
        "--text-col",
        "post",
        "--label-col",
        "class",
        "--positive",
        "troll",
        "-q",
    ]);
    // A post of the training data: it holds known terms, so it gets a score and a label.
    let post = rows[0].text.replace(['\t', '\n', '\r'], " ");
    let out = w.ok(&["score", "-m", "m.model", &post, "--format", "csv"]);
    let label = out.lines().nth(1).unwrap().rsplit(',').next().unwrap();
    assert!(label == "troll" || label == "human", "{out}");
}

#[test]
fn every_command_ends_quietly_on_a_closed_pipe_and_with_a_message_on_a_full_disk() {
    let w = Workdir::new();
    let data = w.demo_csv("d.csv", 3000, 31);
    let d = data.to_str().unwrap();
    w.ok(&["train", d, "--out", "m.model", "-q"]);
    let commands: Vec<Vec<&str>> = vec![
        vec!["inspect", "m.model"],
        vec!["inspect", "m.model", "--json"],
        vec![
            "score", "-m", "m.model", "--input", d, "--format", "jsonl", "-q",
        ],
        vec![
            "score", "-m", "m.model", "--input", d, "--format", "csv", "-q",
        ],
        vec!["evaluate", d, "--folds", "2", "-q"],
        vec!["coordination", d],
        vec![
            "tune",
            d,
            "--c",
            "1",
            "--class-weight",
            "balanced",
            "--folds",
            "2",
            "-q",
        ],
    ];
    for args in &commands {
        // The reading end closed before the command writes.
        let mut child = w
            .cmd("trollwatch")
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?} on a closed pipe:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}:\n{stderr}");
        if std::path::Path::new("/dev/full").exists() {
            let full = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap();
            let out = w
                .cmd("trollwatch")
                .args(args)
                .stdout(full)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(1),
                "{args:?} to a full disk:\n{stderr}"
            );
            assert!(stderr.contains("No space left"), "{args:?}:\n{stderr}");
            assert!(!stderr.contains("panicked"), "{args:?}:\n{stderr}");
        }
    }
}
