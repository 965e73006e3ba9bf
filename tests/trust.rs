use crate::workdir::{jsonl, Workdir};
use trollwatch::{read_labeled_files, ClassSpec, ReadOptions};

/// The demo CSV split into two files: the first `cut` data rows, and the rest.
fn split_demo(w: &Workdir, posts: usize, seed: u64, cut: usize) -> (String, String, String) {
    let whole = w.demo_csv("whole.csv", posts, seed);
    let text = std::fs::read_to_string(&whole).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header = rdr.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    for (name, part) in [("a.csv", &rows[..cut]), ("b.csv", &rows[cut..])] {
        let mut out = csv::Writer::from_path(w.path(name)).unwrap();
        out.write_record(&header).unwrap();
        for r in part {
            out.write_record(r).unwrap();
        }
        out.flush().unwrap();
    }
    (
        "whole.csv".into(),
        w.path("a.csv").display().to_string(),
        w.path("b.csv").display().to_string(),
    )
}

#[test]
fn training_on_several_files_equals_training_on_their_concatenation() {
    let w = Workdir::new();
    let (_, a, b) = split_demo(&w, 1500, 21, 600);
    // Class weights by class: by source, two files would be two sources.
    let flags = [
        "--calibration",
        "none",
        "--target-fpr",
        "none",
        "--class-weight",
        "balanced",
        "-q",
    ];
    w.ok(&[
        &["train", "whole.csv", "--out", "one.model"][..],
        &flags[..],
    ]
    .concat());
    w.ok(&[&["train", &a, &b, "--out", "two.model"][..], &flags[..]].concat());
    let one = trollwatch::Model::load(&w.path("one.model")).unwrap();
    let two = trollwatch::Model::load(&w.path("two.model")).unwrap();
    assert_eq!(one.head, two.head, "weights differ");
    assert_eq!(one.vectorizer.idf, two.vectorizer.idf);
    assert_eq!(one.meta.data.rows, two.meta.data.rows);
    assert_eq!(two.meta.data.source, "a.csv + b.csv");
    // Rows keep their own file and line.
    let data = read_labeled_files(
        &[a.clone(), b.clone()],
        ReadOptions::default(),
        "label",
        &ClassSpec::binary("1"),
        |_| {},
    )
    .unwrap();
    assert_eq!(data.file(0), a);
    assert_eq!(data.lines[0], 2);
    assert_eq!(data.file(600), b);
    assert_eq!(data.lines[600], 2);
}

#[test]
fn a_bad_row_in_the_second_file_is_reported_with_that_file_and_line() {
    let w = Workdir::new();
    w.write("a.csv", "id,text,label\n1,hello world,1\n2,good day,0\n");
    w.write("b.csv", "id,text,label\n3,fine thanks,0\n4,,1\n");
    w.fails(
        &["train", "a.csv", "b.csv", "--out", "m.model"],
        2,
        &["b.csv", "line 3"],
    );
    w.fails(
        &["train", "a.csv", "a.csv", "--out", "m.model"],
        2,
        &["a.csv", "twice"],
    );
}

#[test]
fn one_file_may_hold_one_class_when_another_holds_the_other() {
    let w = Workdir::new();
    let a = w.demo_csv("a.csv", 800, 5);
    let mut neg = String::from("id,text,label,source\n");
    for i in 0..60 {
        neg.push_str(&format!(
            "n{i},watching the debate tonight with friends number {i},0,extra_source\n"
        ));
    }
    w.write("neg.csv", neg);
    w.fails(&["train", "neg.csv", "--out", "x.model"], 2, &["neg.csv"]);
    let stderr = w.ok_stderr(&[
        "train",
        a.to_str().unwrap(),
        "neg.csv",
        "--out",
        "m.model",
        "--class-weight",
        "source",
    ]);
    assert!(stderr.contains("read 860 posts"), "{stderr}");
    let m = trollwatch::Model::load(&w.path("m.model")).unwrap();
    let c = m.meta.calibration.unwrap();
    assert!(c
        .sources
        .iter()
        .any(|s| s.source == "extra_source" && s.negatives == 60));
}

#[test]
fn calibrated_model_stores_its_threshold_and_scores_by_it() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 3000, 7);
    let stderr = w.ok_stderr(&["train", "d.csv", "--out", "m.model", "--target-fpr", "0.1"]);
    assert!(stderr.contains("threshold for target FPR 0.1"), "{stderr}");
    let model = trollwatch::Model::load(&w.path("m.model")).unwrap();
    assert_eq!(model.meta.format_version, 4);
    let c = model.meta.calibration.as_ref().expect("calibration");
    let t = c.threshold.as_ref().expect("threshold");
    assert!(t.fpr <= 0.1 + 1e-12, "{t:?}");
    assert!(t.recall > 0.0);
    // The stored probability threshold is the decision threshold through the calibration.
    assert!((model.meta.threshold - model.probability(t.decision, None)).abs() < 1e-12);
    // Scoring flags exactly the posts whose decision value reaches the stored threshold.
    let test = w.demo_csv("t.csv", 400, 8);
    let out = w.ok(&[
        "score",
        "-m",
        "m.model",
        "--input",
        test.to_str().unwrap(),
        "--format",
        "jsonl",
        "-q",
    ]);
    let rows = jsonl(&out);
    let texts: Vec<String> = csv::Reader::from_path(&test)
        .unwrap()
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    let scored = model.score_batch(&texts, trollwatch::ScoreOptions::default(), 0);
    assert_eq!(rows.len(), scored.len());
    let mut flagged = 0;
    for (r, s) in rows.iter().zip(&scored) {
        assert_eq!(r["flagged"].as_bool(), Some(s.positive()));
        if let Some(p) = s.score() {
            assert!((r["score"].as_f64().unwrap() - p).abs() < 1e-12);
            assert_eq!(
                s.positive(),
                p >= model.meta.threshold,
                "Platt is increasing"
            );
        }
        flagged += usize::from(s.positive());
    }
    assert!(flagged > 0 && flagged < rows.len());
    let inspect = w.ok(&["inspect", "m.model"]);
    assert!(
        inspect.contains("threshold for target FPR") && inspect.contains("by source"),
        "{inspect}"
    );
}

#[test]
fn prior_shifts_the_log_odds_by_hand() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 2000, 9);
    w.ok(&["train", "d.csv", "--out", "m.model", "-q"]);
    let post = "Share this before it gets deleted! #WakeUpAmerica";
    let at = |prior: &str| -> f64 {
        let out = w.ok(&[
            "score", "-m", "m.model", post, "--format", "jsonl", "--prior", prior,
        ]);
        jsonl(&out)[0]["score"].as_f64().unwrap()
    };
    let base = {
        let out = w.ok(&["score", "-m", "m.model", post, "--format", "jsonl"]);
        jsonl(&out)[0]["score"].as_f64().unwrap()
    };
    let logit = |p: f64| (p / (1.0 - p)).ln();
    // The model's prior is 0.5 unless trained otherwise: log-odds + logit(0.1) − logit(0.5).
    let want = 1.0 / (1.0 + (-(logit(base) + logit(0.1))).exp());
    assert!((at("0.1") - want).abs() < 1e-6, "{} vs {want}", at("0.1"));
    assert!((at("0.5") - base).abs() < 1e-12);
    w.fails(
        &["score", "-m", "m.model", post, "--prior", "1"],
        2,
        &["prior"],
    );
}

#[test]
fn a_post_without_a_known_term_gets_no_score_and_is_not_flagged() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 2000, 10);
    w.ok(&["train", "d.csv", "--out", "m.model", "-q"]);
    let out = w.ok(&[
        "score",
        "-m",
        "m.model",
        ".",
        "http://example.com @someone 2016",
        "zzqx qqvv",
        "#WakeUpAmerica now",
        "--format",
        "jsonl",
    ]);
    let rows = jsonl(&out);
    for r in &rows[..3] {
        assert!(r["score"].is_null(), "{r}");
        assert_eq!(r["flagged"], false, "{r}");
        assert_eq!(r["known_terms"], 0, "{r}");
        assert_eq!(r["label"], "", "{r}");
    }
    assert!(rows[3]["score"].as_f64().is_some(), "{}", rows[3]);
    assert!(rows[3]["known_terms"].as_u64().unwrap() > 0);
    let csv_out = w.ok(&["score", "-m", "m.model", ".", "--format", "csv"]);
    assert_eq!(csv_out.lines().nth(1), Some("1,,"));
    // The library says the same.
    let model = trollwatch::Model::load(&w.path("m.model")).unwrap();
    let s = model.score_one(".", trollwatch::ScoreOptions::default(), 3);
    assert_eq!((s.score(), s.positive(), s.known_terms), (None, false, 0));
}

#[test]
fn evaluate_reports_each_source_and_names_the_worst() {
    let w = Workdir::new();
    let (_, a, b) = split_demo(&w, 2400, 12, 1200);
    let out = w.ok(&[
        "evaluate",
        &a,
        &b,
        "--group-by",
        "author,source",
        "--report",
        "rep",
        "--folds",
        "3",
    ]);
    assert!(out.contains("by source, out-of-fold"), "{out}");
    assert!(out.contains("worst source:"), "{out}");
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("rep/report.json")).unwrap()).unwrap();
    let h = &r["heldout"];
    let sources = h["sources"].as_array().unwrap();
    // No source column: each file is a source.
    let names: Vec<&str> = sources
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a.csv", "b.csv"]);
    let rows: u64 = sources.iter().map(|s| s["rows"].as_u64().unwrap()).sum();
    // Every row is in the table, but those whose texts also lie in other folds (untested).
    let untested = r["data"]["untested"].as_u64().unwrap();
    assert_eq!(rows + untested, 2400);
    assert!(untested < 2400 / 3, "{untested}");
    for s in sources {
        let (neg, fl) = (
            s["negatives"].as_f64().unwrap(),
            s["flagged"].as_f64().unwrap(),
        );
        assert!((s["fpr"].as_f64().unwrap() - fl / neg).abs() < 1e-12);
    }
    let c = &h["calibration"];
    assert!(c["after"]["log_loss"].as_f64().unwrap() > 0.0);
    let html = std::fs::read_to_string(w.path("rep/report.html")).unwrap();
    assert!(html.contains("plot-reliability") && html.contains("By source"));
}

#[test]
fn tune_searches_the_grid_and_writes_the_chosen_model() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 2000, 13);
    let out = w.ok(&[
        "tune",
        "d.csv",
        "--c",
        "0.01,1",
        "--class-weight",
        "balanced,none",
        "--folds",
        "3",
        "--report",
        "t",
        "--out",
        "best.model",
        "-q",
    ]);
    assert!(out.contains("chosen:"), "{out}");
    let t: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("t/tune.json")).unwrap()).unwrap();
    let results = t["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    let best = t["best"].as_u64().unwrap() as usize;
    let top = results
        .iter()
        .map(|r| r["score"].as_f64().unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(results[best]["score"].as_f64().unwrap(), top);
    let html = std::fs::read_to_string(w.path("t/tune.html")).unwrap();
    assert!(html.contains("plot-tune"));
    let m = trollwatch::Model::load(&w.path("best.model")).unwrap();
    let s = &results[best]["setting"];
    assert!((1.0 / m.meta.logistic.alpha - s["c"].as_f64().unwrap()).abs() < 1e-9);
    assert!(m.meta.calibration.is_some());
}

#[test]
fn the_bundled_model_flags_no_bare_punctuation_or_link_and_says_so() {
    let w = Workdir::new();
    let bundled = concat!(env!("CARGO_MANIFEST_DIR"), "/models/trollwatch-en.model");
    let rows = jsonl(&w.ok(&[
        "score",
        "-m",
        bundled,
        ".",
        "http://example.com",
        "--format",
        "jsonl",
    ]));
    for r in &rows {
        assert_eq!(r["flagged"], false, "{r}");
        assert!(r["score"].is_null(), "{r}");
    }
    let m = trollwatch::Model::load(std::path::Path::new(bundled)).unwrap();
    let c = m.meta.calibration.expect("the bundled model is calibrated");
    assert!(c.threshold.is_some() && c.sources.len() >= 10);
}
