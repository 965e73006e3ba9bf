//! Multi-class models through the command line: the synthetic demo posts' troll categories
//! (five troll styles and `ordinary`, written by `trollwatch::generate`) trained, scored in every
//! format, evaluated with grouped folds, and the errors for label columns that cannot make a
//! model.

use std::collections::HashMap;

use crate::workdir::{jsonl, Workdir};

const CLASSES: [&str; 6] = [
    "Fearmonger",
    "HashtagGamer",
    "LeftTroll",
    "NewsFeed",
    "RightTroll",
    "ordinary",
];

fn trained(w: &Workdir, extra: &[&str]) -> String {
    w.demo_csv("train.csv", 3000, 1);
    let mut args = vec![
        "train",
        "train.csv",
        "--label-col",
        "category",
        "--out",
        "m.model",
        "-q",
    ];
    args.extend_from_slice(extra);
    w.ok(&args);
    "m.model".into()
}

/// (id, category, author) of a demo CSV.
fn truth(path: &std::path::Path) -> Vec<(String, String, String)> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (i, c, a) = (col("id"), col("category"), col("author"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[i].to_string(), rec[c].to_string(), rec[a].to_string())
        })
        .collect()
}

#[test]
fn more_than_two_labels_train_a_multiclass_model() {
    let w = Workdir::new();
    let m = trained(&w, &[]);
    let bytes = std::fs::read(w.path(&m)).unwrap();
    assert_eq!(&bytes[16..20], &3u32.to_le_bytes(), "format version 3");
    let info: serde_json::Value = serde_json::from_str(&w.ok(&["inspect", &m, "--json"])).unwrap();
    let names: Vec<&str> = info["meta"]["classes"]["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(names, CLASSES, "every value a class, sorted");
    assert_eq!(info["meta"]["classes"]["strategy"], "softmax");
    assert_eq!(info["strongest_per_class"].as_array().unwrap().len(), 6);
    let text = w.ok(&["inspect", &m]);
    assert!(text.contains("6 (softmax model"), "{text}");
}

#[test]
fn score_gives_class_probabilities_in_every_format() {
    let w = Workdir::new();
    let m = trained(&w, &[]);
    let posts = [
        "Share this before it gets deleted! #WakeUpAmerica",
        "Lovely day at the beach",
    ];
    let out = w.ok(&[
        "score",
        "--model",
        &m,
        posts[0],
        posts[1],
        "--format",
        "jsonl",
        "--explain",
        "3",
    ]);
    let rows = jsonl(&out);
    assert_eq!(rows.len(), 2);
    for r in &rows {
        let probs = r["probabilities"].as_object().expect("probabilities");
        let keys: Vec<&str> = probs.keys().map(String::as_str).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, CLASSES, "{r}");
        let total: f64 = probs.values().map(|v| v.as_f64().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-9, "{r}");
        let (best, p) = probs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_f64().unwrap()))
            .fold(("", -1.0), |a, b| if b.1 > a.1 { b } else { a });
        assert_eq!(r["label"], best, "{r}");
        assert_eq!(r["probability"].as_f64().unwrap(), p, "{r}");
        let explain = r["explain"].as_array().expect("explain");
        assert!(!explain.is_empty() && explain.len() <= 3, "{r}");
    }
    let csv_out = w.ok(&["score", "-m", &m, posts[0], "--format", "csv"]);
    let mut lines = csv_out.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,label,probability,p_Fearmonger,p_HashtagGamer,p_LeftTroll,p_NewsFeed,p_RightTroll,p_ordinary"
    );
    let fields: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(fields.len(), 9);
    assert_eq!(fields[1], rows[0]["label"].as_str().unwrap());
    let table = w.ok(&["score", "-m", &m, posts[0], "--format", "table"]);
    assert!(
        table.starts_with("id") && table.contains("probability"),
        "{table}"
    );
    // The scoring-only binary takes multi-class models too.
    let out = w.run_stdin(
        "trollwatch-score",
        &[
            "-m",
            &m,
            "--input",
            "-",
            "--input-format",
            "text",
            "--format",
            "jsonl",
        ],
        b"first post here\nsecond post #MAGA\n",
    );
    assert!(out.status.success());
    assert_eq!(jsonl(&String::from_utf8(out.stdout).unwrap()).len(), 2);
    // A threshold means nothing for the most probable class.
    w.fails(
        &["score", "-m", &m, "x", "--threshold", "0.3"],
        2,
        &["--threshold applies to binary models"],
    );
    // Nor is a prior shift defined for K classes: refused, not ignored.
    w.fails(
        &["score", "-m", &m, "x", "--prior", "0.2"],
        2,
        &["--prior applies to binary models"],
    );
}

/// Accuracy and macro F1 on posts of other accounts than the training posts, against the
/// majority-class guess.
#[test]
fn held_out_synthetic_categories_are_learned() {
    let w = Workdir::new();
    let m = trained(&w, &[]);
    let test = w.demo_csv("test.csv", 2000, 99);
    let out = w.ok(&[
        "score", "-m", &m, "--input", "test.csv", "--format", "csv", "-q",
    ]);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let pred: Vec<String> = r.records().map(|x| x.unwrap()[1].to_string()).collect();
    let gold: Vec<String> = truth(&test).into_iter().map(|t| t.1).collect();
    assert_eq!(pred.len(), gold.len());
    let names: Vec<String> = CLASSES.iter().map(|s| s.to_string()).collect();
    let code = |s: &str| names.iter().position(|n| n == s).unwrap() as u32;
    let p: Vec<u32> = pred.iter().map(|s| code(s)).collect();
    let g: Vec<u32> = gold.iter().map(|s| code(s)).collect();
    let ours = trollwatch::metrics::from_predictions(&p, &g, None, &names);
    let base = trollwatch::metrics::majority_baseline(&g, &names);
    assert!(
        ours.accuracy > base.accuracy + 0.1,
        "accuracy {} vs majority {}",
        ours.accuracy,
        base.accuracy
    );
    assert!(
        ours.macro_f1 > 0.45 && ours.macro_f1 > 3.0 * base.macro_f1,
        "macro F1 {} vs majority {}",
        ours.macro_f1,
        base.macro_f1
    );
    for c in &ours.per_class {
        assert!(c.recall > 0.2, "class {} recall {}", c.class, c.recall);
    }
}

#[test]
fn multiclass_model_is_byte_identical_at_any_thread_count() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 2500, 3);
    let mut files = Vec::new();
    for strategy in ["softmax", "ovr"] {
        for threads in ["1", "2", "3"] {
            let name = format!("{strategy}-{threads}.model");
            let out = w
                .cmd("trollwatch")
                .args([
                    "train",
                    "d.csv",
                    "--label-col",
                    "category",
                    "--out",
                    &name,
                    "-q",
                ])
                .args(["--multiclass", strategy])
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            files.push(std::fs::read(w.path(&name)).unwrap());
        }
    }
    assert!(
        files[0] == files[1] && files[1] == files[2],
        "softmax bytes differ"
    );
    assert!(
        files[3] == files[4] && files[4] == files[5],
        "ovr bytes differ"
    );
    assert_ne!(files[0], files[3]);
}

#[test]
fn save_load_round_trip_gives_identical_probabilities() {
    let w = Workdir::new();
    let data = w.demo_csv("d.csv", 1500, 4);
    let spec = trollwatch::ClassSpec {
        positive: "1".into(),
        ..Default::default()
    };
    let labeled = trollwatch::read_labeled_classes(
        data.to_str().unwrap(),
        trollwatch::ReadOptions::default(),
        "category",
        &spec,
        |_| {},
    )
    .unwrap();
    let texts = labeled.texts.clone();
    let cols = trollwatch::InputColumns {
        text_col: "text".into(),
        label_col: "category".into(),
    };
    let (model, _) = trollwatch::train(
        labeled,
        "d.csv",
        cols,
        &trollwatch::TrainConfig::default(),
        None,
        &[],
        &trollwatch::Progress::hidden(),
    )
    .unwrap();
    let path = w.path("m.model");
    model.save(&path).unwrap();
    let loaded = trollwatch::Model::load(&path).unwrap();
    // The fit report's loss goes through JSON, which may round its last digit.
    let mut meta = loaded.meta.clone();
    meta.fit = model.meta.fit.clone();
    assert_eq!(meta, model.meta);
    assert_eq!(loaded.head, model.head);
    assert!(!loaded.head.is_binary());
    assert_eq!(
        loaded.score_batch(&texts[..200], 0.5, 2),
        model.score_batch(&texts[..200], 0.5, 2)
    );
}

#[test]
fn labels_restrict_and_order_the_classes_and_min_class_count_drops_rare_ones() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 2000, 5);
    let err = w.ok_stderr(&[
        "train",
        "d.csv",
        "--label-col",
        "category",
        "--labels",
        "RightTroll,LeftTroll,HashtagGamer",
        "--out",
        "l.model",
    ]);
    assert!(err.contains("left out label \"ordinary\""), "{err}");
    let info: serde_json::Value =
        serde_json::from_str(&w.ok(&["inspect", "l.model", "--json"])).unwrap();
    assert_eq!(
        info["meta"]["classes"]["names"],
        serde_json::json!(["RightTroll", "LeftTroll", "HashtagGamer"])
    );
    let dropped = info["meta"]["classes"]["dropped"].as_array().unwrap();
    assert_eq!(dropped.len(), 3, "{dropped:?}");
    let rows = info["meta"]["data"]["rows"].as_u64().unwrap();
    let counts: u64 = info["meta"]["classes"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(rows, counts);
    // The two smallest classes of this sample fall under a threshold between their sizes.
    let sizes: HashMap<String, usize> =
        truth(&w.path("d.csv"))
            .into_iter()
            .fold(HashMap::new(), |mut m, t| {
                *m.entry(t.1).or_default() += 1;
                m
            });
    let mut by_size: Vec<usize> = sizes.values().copied().collect();
    by_size.sort_unstable();
    let cut = (by_size[1] + 1).to_string();
    let err = w.ok_stderr(&[
        "train",
        "d.csv",
        "--label-col",
        "category",
        "--min-class-count",
        &cut,
        "--out",
        "c.model",
    ]);
    assert_eq!(err.matches("fewer than").count(), 2, "{err}");
    let info: serde_json::Value =
        serde_json::from_str(&w.ok(&["inspect", "c.model", "--json"])).unwrap();
    assert_eq!(
        info["meta"]["classes"]["names"].as_array().unwrap().len(),
        4
    );
}

#[test]
fn label_columns_that_cannot_make_a_model_are_refused() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 400, 6);
    w.write(
        "one.csv",
        "text,label\nsome text here,a\nmore text here,a\n",
    );
    w.fails(
        &["train", "one.csv", "--out", "x.model"],
        2,
        &[
            "one.csv",
            "two or more classes",
            "found 1",
            "\"a\" (2 rows, first at line 2)",
        ],
    );
    w.fails(
        &[
            "train",
            "d.csv",
            "--label-col",
            "category",
            "--labels",
            "RightTroll,Nobody",
            "--out",
            "x.model",
        ],
        2,
        &[
            "d.csv",
            "--labels names \"Nobody\", which does not occur in column \"category\"",
            "RightTroll",
        ],
    );
    w.fails(
        &[
            "train",
            "d.csv",
            "--label-col",
            "category",
            "--min-class-count",
            "100000",
            "--out",
            "x.model",
        ],
        2,
        &["d.csv", "no class is left", "--min-class-count 100000"],
    );
    w.fails(
        &[
            "train",
            "d.csv",
            "--label-col",
            "category",
            "--labels",
            "RightTroll",
            "--out",
            "x.model",
        ],
        2,
        &["only one class is left (\"RightTroll\")"],
    );
    // --positive asks for a binary model: three values are an error, as they always were.
    w.fails(
        &[
            "train",
            "d.csv",
            "--label-col",
            "category",
            "--positive",
            "RightTroll",
            "--out",
            "x.model",
        ],
        2,
        &["a binary model needs exactly two label values", "found 6"],
    );
    w.fails(
        &[
            "evaluate",
            "d.csv",
            "--label-col",
            "category",
            "--folds",
            "100",
        ],
        2,
        &[
            "100 folds need at least 100 rows of each class",
            "--min-class-count",
        ],
    );
    w.fails(
        &[
            "evaluate",
            "d.csv",
            "--label-col",
            "category",
            "--target-precision",
            "0.9",
        ],
        2,
        &["binary models only"],
    );
    // With --multiclass the options are refused before any data is read: even a missing
    // file is not opened.
    w.fails(
        &[
            "evaluate",
            "missing.csv",
            "--label-col",
            "category",
            "--multiclass",
            "softmax",
            "--category-col",
            "kind",
        ],
        2,
        &["category-col", "binary models only"],
    );
    assert!(!w.path("x.model").exists());
}

#[test]
fn two_labels_stay_binary_unless_multiclass_is_asked_for() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 1500, 7);
    w.ok(&["train", "d.csv", "--out", "b.model", "-q"]);
    // A calibrated binary model: format 4 (a multi-class one would be 3).
    assert_eq!(
        &std::fs::read(w.path("b.model")).unwrap()[16..20],
        &4u32.to_le_bytes()
    );
    w.ok(&[
        "train",
        "d.csv",
        "--out",
        "m.model",
        "-q",
        "--multiclass",
        "softmax",
    ]);
    let info: serde_json::Value =
        serde_json::from_str(&w.ok(&["inspect", "m.model", "--json"])).unwrap();
    assert_eq!(
        info["meta"]["classes"]["names"],
        serde_json::json!(["0", "1"])
    );
    // Binary scores and two-class softmax probabilities rank the posts alike: both are
    // logistic regressions of the same data (the softmax one with the penalty split over two
    // weight vectors), so their predictions mostly agree.
    let b = jsonl(&w.ok(&[
        "score", "-m", "b.model", "--input", "d.csv", "--format", "jsonl", "-q",
    ]));
    let m = jsonl(&w.ok(&[
        "score", "-m", "m.model", "--input", "d.csv", "--format", "jsonl", "-q",
    ]));
    let agree = b
        .iter()
        .zip(&m)
        .filter(|(x, y)| x["label"] == y["label"])
        .count();
    assert!(
        agree as f64 > 0.95 * b.len() as f64,
        "{agree} of {}",
        b.len()
    );
}

#[test]
fn evaluate_reports_per_class_metrics_with_grouped_folds() {
    let w = Workdir::new();
    let data = w.demo_csv("d.csv", 2500, 8);
    let table = w.ok(&[
        "evaluate",
        "d.csv",
        "--label-col",
        "category",
        "--folds",
        "4",
        "--group-by",
        "author",
        "--report",
        "rep",
        "--oof",
        "oof.csv",
        "-q",
    ]);
    for needle in [
        "macro_f1",
        "pooled out-of-fold",
        "majority-class guess",
        "confusion matrix",
        "RightTroll",
    ] {
        assert!(table.contains(needle), "{needle} missing:\n{table}");
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("rep/report.json")).unwrap()).unwrap();
    let pooled = &report["pooled"];
    let per_class = pooled["per_class"].as_array().unwrap();
    assert_eq!(per_class.len(), 6);
    let support: u64 = per_class
        .iter()
        .map(|c| c["support"].as_u64().unwrap())
        .sum();
    let untested = report["data"]["untested"].as_u64().unwrap();
    assert!(untested < 2500 / 3, "{untested}");
    assert_eq!(support + untested, 2500);
    let confusion = pooled["confusion"].as_array().unwrap();
    let cells: u64 = confusion
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()))
        .sum();
    assert_eq!(cells + untested, 2500);
    let macro_f1 = pooled["macro_f1"].as_f64().unwrap();
    assert!(macro_f1 > 2.0 * report["baseline"]["macro_f1"].as_f64().unwrap());
    assert_eq!(report["summary"].as_array().unwrap().len(), 4);
    let html = std::fs::read_to_string(w.path("rep/report.html")).unwrap();
    assert!(
        html.contains("class=\"plot heatmap\"") && html.matches("class=\"cell\"").count() == 36
    );
    assert!(std::fs::read_to_string(w.path("rep/report.md"))
        .unwrap()
        .contains("| class | precision | recall | F1 | support |"));
    // No author in two folds; every row predicted once.
    let authors: HashMap<String, String> = truth(&data).into_iter().map(|t| (t.0, t.2)).collect();
    let mut fold_of: HashMap<String, String> = HashMap::new();
    let mut r = csv::Reader::from_path(w.path("oof.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    assert_eq!(&h[2], "predicted");
    let fold_col = h.iter().position(|c| c == "fold").unwrap();
    let mut n = 0;
    for rec in r.records() {
        let rec = rec.unwrap();
        n += 1;
        let a = &authors[&rec[0]];
        if a.is_empty() {
            continue;
        }
        let f = fold_of
            .entry(a.clone())
            .or_insert_with(|| rec[fold_col].to_string());
        assert_eq!(f, &rec[fold_col], "author {a} in two folds");
    }
    assert_eq!(n + untested, 2500);
}

#[test]
fn evaluate_reports_are_byte_identical_at_any_thread_count() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 1500, 9);
    let mut runs = Vec::new();
    for threads in ["1", "3"] {
        let dir = format!("rep{threads}");
        let out = w
            .cmd("trollwatch")
            .args([
                "evaluate",
                "d.csv",
                "--label-col",
                "category",
                "--folds",
                "3",
                "-q",
            ])
            .args(["--multiclass", "softmax", "--report", &dir])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        runs.push(
            ["report.json", "report.md", "report.html"]
                .map(|f| std::fs::read(w.path(&format!("{dir}/{f}"))).unwrap()),
        );
    }
    assert!(runs[0] == runs[1], "reports differ between thread counts");
}

#[test]
fn a_stray_third_label_makes_three_classes_and_score_reads_every_row() {
    let w = Workdir::new();
    let mut csv = String::from("id,text,label\n");
    for i in 0..40 {
        csv.push_str(&format!(
            "{i},post number {i} about the vote and more,{}\n",
            i % 2
        ));
    }
    csv.push_str("41,a third label,maybe\n");
    w.write("three.csv", &csv);
    let err = w.ok_stderr(&["train", "three.csv", "--out", "t.model"]);
    assert!(
        err.contains("3 classes") && err.contains("1 \"maybe\""),
        "{err}"
    );
    let out = w.ok(&[
        "score",
        "-m",
        "t.model",
        "--input",
        "three.csv",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(out.lines().count(), 42);
}

#[test]
fn more_classes_than_a_model_takes_are_refused_before_fitting() {
    let w = Workdir::new();
    let mut s = String::from("text,label\n");
    for i in 0..300 {
        s.push_str(&format!("post about {} things,{}\n", i % 7, i % 150));
    }
    w.write("many.csv", &s);
    w.fails(
        &["train", "many.csv", "--out", "m.model"],
        2,
        &[
            "found 150 classes",
            "more than the 100",
            "--min-class-count",
        ],
    );
    // Named, a subset of them trains.
    w.ok(&[
        "train", "many.csv", "--labels", "1,2,3", "--out", "m.model", "-q",
    ]);
}

/// `bytes` with the version field set to `v` and the checksum sealed again, as a buggy writer
/// would make them.
fn with_version(bytes: &[u8], v: u32) -> Vec<u8> {
    use sha2::Digest;
    let mut b = bytes[..bytes.len() - 32].to_vec();
    b[16..20].copy_from_slice(&v.to_le_bytes());
    let digest = sha2::Sha256::digest(&b);
    b.extend_from_slice(&digest);
    b
}

#[test]
fn binary_format_2_files_still_load_and_damaged_multiclass_files_are_refused() {
    let w = Workdir::new();
    let bundled = concat!(env!("CARGO_MANIFEST_DIR"), "/models/trollwatch-en.model");
    let rows = jsonl(&w.ok(&[
        "score",
        "-m",
        bundled,
        "Hillary lies again #MAGA",
        "--format",
        "jsonl",
    ]));
    let s = rows[0]["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&s) && rows[0]["flagged"].is_boolean());
    let m = trained(&w, &[]);
    let multi = std::fs::read(w.path(&m)).unwrap();
    // Without calibration a text-only binary model is still written as format 2.
    w.ok(&[
        "train",
        "train.csv",
        "--out",
        "b.model",
        "-q",
        "--calibration",
        "none",
        "--target-fpr",
        "none",
    ]);
    let binary = std::fs::read(w.path("b.model")).unwrap();
    for (name, bytes, needle) in [
        (
            "v3-binary.model",
            with_version(&binary, 3),
            "header says format version 3 (metadata 2), but it holds a text-only binary model",
        ),
        (
            "v2-multi.model",
            with_version(&multi, 2),
            "header says format version 2 (metadata 3), but it holds a class list",
        ),
        ("cut.model", multi[..multi.len() - 40].to_vec(), "checksum"),
        (
            "v5.model",
            with_version(&multi, 5),
            "newer than this trollwatch",
        ),
    ] {
        w.write(name, bytes);
        w.fails(&["score", "-m", name, "a post"], 2, &[name, needle]);
    }
    // Cut before its intercepts, and sealed again.
    use sha2::Digest;
    let mut short = multi[..multi.len() - 32 - 8].to_vec();
    let digest = sha2::Sha256::digest(&short);
    short.extend_from_slice(&digest);
    w.write("short.model", short);
    w.fails(
        &["inspect", "short.model"],
        2,
        &["truncated in its intercepts"],
    );
}

#[test]
fn train_cv_stores_the_multiclass_summary() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 1200, 12);
    w.ok(&[
        "train",
        "d.csv",
        "--label-col",
        "category",
        "--cv",
        "3",
        "--group-by",
        "author",
        "--out",
        "m.model",
        "-q",
    ]);
    let text = w.ok(&["inspect", "m.model"]);
    assert!(
        text.contains("cross-validated 3 folds grouped by author: accuracy 0."),
        "{text}"
    );
    let info: serde_json::Value =
        serde_json::from_str(&w.ok(&["inspect", "m.model", "--json"])).unwrap();
    let metrics: Vec<&str> = info["meta"]["cv"]["summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["metric"].as_str().unwrap())
        .collect();
    assert_eq!(metrics, ["accuracy", "macro_f1", "weighted_f1", "log_loss"]);
}

#[test]
fn with_labels_empty_labels_are_left_out_like_other_values() {
    let w = Workdir::new();
    let mut csv = String::from("text,kind\n");
    for i in 0..60 {
        let kind = ["a", "b", "c", ""][i % 4];
        csv.push_str(&format!("post {} about topic {kind}x,{kind}\n", i % 5));
    }
    w.write("k.csv", &csv);
    // Without --labels an empty label is a bad row, as always.
    w.fails(
        &["train", "k.csv", "--label-col", "kind", "--out", "m.model"],
        2,
        &["is empty"],
    );
    let err = w.ok_stderr(&[
        "train",
        "k.csv",
        "--label-col",
        "kind",
        "--labels",
        "a,b,c",
        "--out",
        "m.model",
    ]);
    assert!(
        err.contains("left out label \"\" of column \"kind\": 15 rows"),
        "{err}"
    );
}
