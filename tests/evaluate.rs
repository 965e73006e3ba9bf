use crate::workdir::{jsonl, Workdir};

fn report(w: &Workdir, dir: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(w.path(dir).join("report.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn oof(w: &Workdir, name: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(w.path(name))
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn grouped_evaluation_keeps_authors_apart_and_writes_reports() {
    let w = Workdir::new();
    let data = w.demo_csv("d.csv", 2500, 11);
    let out = w.ok(&[
        "evaluate",
        "d.csv",
        "--folds",
        "4",
        "--group-by",
        "author",
        "--report",
        "rep",
        "--oof",
        "oof.csv",
        "--category-col",
        "category",
        "--target-precision",
        "0.9",
        "-q",
    ]);
    assert!(out.contains("mean"), "terminal table:\n{out}");
    for line in out.lines() {
        assert!(
            line.chars().count() <= 100,
            "line wider than 100 columns: {line}"
        );
    }
    let r = report(&w, "rep");
    assert_eq!(r["folds"].as_array().unwrap().len(), 4);
    let auc = r["summary"][0]["mean"].as_f64().unwrap();
    assert_eq!(r["summary"][0]["metric"], "roc_auc");
    assert!(auc > 0.7 && auc < 1.0, "mean ROC-AUC {auc}");
    assert!(r["pooled"]["advice"]["best_f1_threshold"]
        .as_f64()
        .is_some());
    assert!(r["pooled"]["category_recall"].as_array().unwrap().len() >= 5);
    let html = std::fs::read_to_string(w.path("rep").join("report.html")).unwrap();
    assert!(html.contains("<svg") && !html.contains("NaN"));
    assert!(w.path("rep").join("report.md").exists());
    // Every post scored exactly once, and no author in two folds.
    let rows = oof(&w, "oof.csv");
    let mut authors: std::collections::HashMap<String, String> = Default::default();
    let mut by_id: std::collections::HashMap<String, String> = Default::default();
    for rec in csv::Reader::from_path(&data).unwrap().records() {
        let rec = rec.unwrap();
        by_id.insert(rec[0].to_string(), rec[3].to_string());
    }
    // Every post scored once, but those whose texts also lie in other folds (untested).
    let untested = r["data"]["untested"].as_u64().unwrap() as usize;
    assert!(untested < 2500 / 3, "{untested}");
    assert_eq!(rows.len() + untested, 2500);
    let mut ids: Vec<&str> = rows.iter().map(|r| r.get(0).unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() + untested, 2500);
    for r in &rows {
        let author = &by_id[&r[0]];
        let fold = r[3].to_string();
        let prev = authors
            .entry(author.clone())
            .or_insert_with(|| fold.clone());
        assert_eq!(*prev, fold, "author {author} in folds {prev} and {fold}");
    }
}

#[test]
fn time_split_tests_on_the_future() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 2000, 12);
    w.ok(&[
        "evaluate",
        "d.csv",
        "--split",
        "time",
        "--time-col",
        "timestamp",
        "--folds",
        "3",
        "--report",
        "rep",
        "-q",
    ]);
    let r = report(&w, "rep");
    let folds = r["folds"].as_array().unwrap();
    assert_eq!(folds.len(), 3);
    let mut last_end = String::new();
    for (i, f) in folds.iter().enumerate() {
        let range = f["test_time_range"].as_array().unwrap();
        let (start, end) = (
            range[0].as_str().unwrap().to_string(),
            range[1].as_str().unwrap().to_string(),
        );
        assert!(
            start >= last_end,
            "fold {i} starts {start} before the previous test block ended {last_end}"
        );
        // Training grows with each fold: everything before the test block.
        assert_eq!(
            f["n_train"].as_u64().unwrap(),
            (i as u64 + 1) * 500,
            "fold {i}"
        );
        last_end = end;
    }
}

#[test]
fn unparsable_time_is_an_error_or_a_counted_skip() {
    let w = Workdir::new();
    let mut s = String::from("text,label,timestamp\n");
    for i in 0..60 {
        s.push_str(&format!(
            "post {i} about topic {},{},2016-09-{:02}T10:00:00Z\n",
            i % 7,
            i % 2,
            1 + i % 28
        ));
    }
    s.push_str("odd post,1,yesterday\n");
    w.write("t.csv", &s);
    w.fails(
        &["evaluate", "t.csv", "--split", "time", "--folds", "2"],
        2,
        &["t.csv, line 62", "\"yesterday\"", "not a timestamp"],
    );
    let out = w.run(&[
        "evaluate",
        "t.csv",
        "--split",
        "time",
        "--folds",
        "2",
        "--skip-bad-rows",
        "-q",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 unparsable time (first at line 62)"));
}

#[test]
fn a_single_class_fold_is_reported_not_hidden() {
    let w = Workdir::new();
    // In time order, four blocks of 30: mixed, ordinary only, mixed, mixed. The first test
    // block holds one class.
    let mut s = String::from("text,label,timestamp\n");
    for i in 0..120 {
        let label = if (30..60).contains(&i) { 0 } else { i % 2 };
        s.push_str(&format!(
            "word{} common words here {},{label},{}\n",
            i % 9,
            i % 5,
            1_500_000_000 + i * 60
        ));
    }
    w.write("t.csv", &s);
    let out = w.ok(&[
        "evaluate", "t.csv", "--split", "time", "--folds", "3", "--report", "rep", "-q",
    ]);
    assert!(
        out.contains("one class"),
        "terminal table should say why fold 1 has no metrics:\n{out}"
    );
    let r = report(&w, "rep");
    assert!(r["folds"][0]["metrics"].is_null());
    assert!(r["folds"][0]["note"].as_str().unwrap().contains("class"));
    assert_eq!(
        r["summary"][0]["n"], 2,
        "the mean is over the folds that have the metric"
    );
}

#[test]
fn repeats_and_train_with_cv() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 1500, 13);
    w.ok(&[
        "evaluate",
        "d.csv",
        "--folds",
        "3",
        "--repeats",
        "2",
        "--seed",
        "7",
        "--oof",
        "oof.csv",
        "-q",
    ]);
    let rows = oof(&w, "oof.csv");
    assert_eq!(rows.len(), 3000);
    assert_eq!(rows.iter().filter(|r| &r[4] == "2").count(), 1500);
    let out = w.run(&[
        "train",
        "d.csv",
        "--out",
        "m.model",
        "--cv",
        "3",
        "--group-by",
        "author",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inspect = w.ok(&["inspect", "m.model"]);
    assert!(
        inspect.contains("cross-validated 3 folds grouped by author"),
        "{inspect}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&w.ok(&["inspect", "m.model", "--json"])).unwrap();
    assert!(json["meta"]["cv"]["summary"][0]["mean"].as_f64().unwrap() > 0.5);
    let _ = jsonl("");
}

/// Runs `evaluate` on `d.csv` with `threads` rayon threads, writing `rep-NAME/` and
/// `oof-NAME.csv`, and returns their bytes.
fn evaluate_with_threads(w: &Workdir, name: &str, threads: &str, seed: &str) -> Vec<Vec<u8>> {
    let rep = format!("rep-{name}");
    let oof = format!("oof-{name}.csv");
    let out = w
        .cmd("trollwatch")
        .args([
            "evaluate",
            "d.csv",
            "--folds",
            "3",
            "--group-by",
            "author",
            "--category-col",
            "category",
            "--target-precision",
            "0.9",
            "--seed",
            seed,
            "--report",
            &rep,
            "--oof",
            &oof,
            "-q",
        ])
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ["report.json", "report.md", "report.html"]
        .iter()
        .map(|f| std::fs::read(w.path(&rep).join(f)).unwrap())
        .chain(std::iter::once(std::fs::read(w.path(&oof)).unwrap()))
        .collect()
}

#[test]
fn reports_and_predictions_are_byte_identical_across_runs_and_thread_counts() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 1200, 14);
    let first = evaluate_with_threads(&w, "a", "2", "7");
    let names = ["report.json", "report.md", "report.html", "oof.csv"];
    for (run, threads) in [("b", "2"), ("one", "1"), ("three", "3")] {
        let again = evaluate_with_threads(&w, run, threads, "7");
        for (k, name) in names.iter().enumerate() {
            assert!(
                again[k] == first[k],
                "{name} differs between a run at 2 threads and one at {threads}"
            );
        }
    }
    let json = String::from_utf8(first[0].clone()).unwrap();
    assert!(
        !json.contains("seconds"),
        "report.json holds wall-clock times, which differ between runs"
    );
    // The seed matters: another seed, other folds, another report.
    let other = evaluate_with_threads(&w, "seed8", "2", "8");
    assert_ne!(other[0], first[0]);
}

#[test]
fn killing_evaluate_leaves_each_report_file_old_or_new_and_no_temporary_file() {
    let w = Workdir::new();
    w.demo_csv("d.csv", 12000, 15);
    // The old report (seed 1) and what a finished run with seed 2 writes, in other folders.
    let old = evaluate_with_threads(&w, "old", "2", "1");
    let new = evaluate_with_threads(&w, "new", "2", "2");
    assert_ne!(old[0], new[0]);
    let files = ["report.json", "report.md", "report.html"];
    // Runs ended by kill -9: each may leave its staging folder (`.rep.tmp-PID-…`) until a
    // later run into rep gets as far as writing.
    let mut killed: Vec<u32> = Vec::new();
    // Spread over reading, fitting and writing (the whole run takes about half a second here).
    for (round, delay_ms) in [20u64, 60, 120, 180, 250, 320, 400, 500]
        .into_iter()
        .enumerate()
    {
        // Start from the old report every time.
        std::fs::create_dir_all(w.path("rep")).unwrap();
        for (k, f) in files.iter().enumerate() {
            std::fs::write(w.path("rep").join(f), &old[k]).unwrap();
        }
        let mut child = w
            .cmd("trollwatch")
            .args([
                "evaluate",
                "d.csv",
                "--folds",
                "3",
                "--group-by",
                "author",
                "--category-col",
                "category",
                "--target-precision",
                "0.9",
                "--seed",
                "2",
                "--report",
                "rep",
                "--oof",
                "oof-new.csv",
                "-q",
            ])
            .env("RAYON_NUM_THREADS", "2")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // SIGINT, as Ctrl-C sends, and SIGKILL in turn.
        let signal = if round % 2 == 0 {
            libc::SIGINT
        } else {
            libc::SIGKILL
        };
        unsafe { libc::kill(child.id() as i32, signal) };
        if signal == libc::SIGKILL {
            killed.push(child.id());
        }
        let status = child.wait().unwrap();
        let now: Vec<Vec<u8>> = files
            .iter()
            .map(|f| std::fs::read(w.path("rep").join(f)).unwrap())
            .collect();
        assert!(
            now[..] == old[..3] || now[..] == new[..3],
            "signal {signal} after {delay_ms} ms ({status:?}): rep is neither the old nor the \
             new report (a mix, or a torn file)"
        );
        let now = std::fs::read(w.path("oof-new.csv")).unwrap();
        assert_eq!(now, new[3], "oof-new.csv after {delay_ms} ms");
        for dir in [w.dir().to_path_buf(), w.path("rep")] {
            let leftovers: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".tmp"))
                // kill -9 can leave the staging folder; a later run into rep removes it.
                .filter(|n| {
                    !killed
                        .iter()
                        .any(|pid| n.starts_with(&format!(".rep.tmp-{pid}-")))
                })
                .collect();
            assert!(
                leftovers.is_empty(),
                "signal {signal} after {delay_ms} ms left {leftovers:?}"
            );
        }
    }
    w.ok(&["evaluate", "d.csv", "--folds", "3", "--report", "rep", "-q"]);
    let leftovers: Vec<String> = std::fs::read_dir(w.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "after a full run: {leftovers:?}");
}
