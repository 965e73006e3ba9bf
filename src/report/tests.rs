//! Tests of the reports, on a sample report built by hand.

use super::*;
use crate::learn::logistic::FitReport;
use crate::learn::metrics::{
    CalibrationBin, MetricSummary, PrPoint, RocPoint, ScoreHistogram, TargetPrecision,
    ThresholdAdvice,
};
use crate::pipeline::evaluate::{
    EvalData, FoldCurves, FoldMetrics, Pooled, PooledMetrics, ReadSummary,
};
use crate::pipeline::folds::EvalOptions;
use crate::text::dataset::{SkipCount, SkipReport};

/// A small, internally consistent report: four grouped folds, the last of which has only
/// one class in its test part and so no metrics. Curves are power-law ROC curves
/// tpr = 1 − (1 − fpr)^k, whose AUC is k / (k + 1). Every number has at most six decimals, so
/// the JSON round trip is exact.
#[doc(hidden)]
fn sample_report() -> EvalReport {
    let folds = sample_folds();
    let summary = sample_summary(&folds);
    EvalReport {
        trollwatch_version: env!("CARGO_PKG_VERSION").into(),
        strategy: None,
        options: sample_options(),
        data: sample_data(),
        folds,
        summary,
        mean_roc: Some(sample_mean_roc()),
        pooled: Some(PooledMetrics::Two(Box::new(sample_pooled()))),
        baseline: None,
        heldout: None,
    }
}

/// `x` rounded to six decimals.
fn r6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The metrics of a confusion matrix at threshold 0.5, with the given ranking and
/// probability figures.
fn binary_metrics(
    c: Confusion,
    roc_auc: f64,
    pr_auc: f64,
    log_loss: f64,
    brier: f64,
) -> BinaryMetrics {
    let (tp, fp, tn, fn_) = (c.tp as f64, c.fp as f64, c.tn as f64, c.fn_ as f64);
    let precision = tp / (tp + fp);
    let recall = tp / (tp + fn_);
    let mcc_scale = ((tp + fp) * (tp + fn_) * (tn + fp) * (tn + fn_)).sqrt();
    BinaryMetrics {
        roc_auc: r6(roc_auc),
        pr_auc: r6(pr_auc),
        log_loss: r6(log_loss),
        brier: r6(brier),
        accuracy: r6((tp + tn) / (tp + fp + tn + fn_)),
        precision: r6(precision),
        recall: r6(recall),
        f1: r6(2.0 * precision * recall / (precision + recall)),
        mcc: r6((tp * tn - fp * fn_) / mcc_scale),
        threshold: 0.5,
        confusion: c,
    }
}

/// Test rows and positives of every fold.
const N_TEST: usize = 500;
const TEST_POSITIVES: usize = 200;

/// The fitted folds: the ROC curve's power k and the confusion matrix at 0.5.
fn fitted() -> [(f64, Confusion); 3] {
    let c = |tp, fp, tn, fn_| Confusion { tp, fp, tn, fn_ };
    [
        (7.0, c(160, 36, 264, 40)),
        (10.0, c(170, 27, 273, 30)),
        (13.0, c(176, 22, 278, 24)),
    ]
}

/// Three fitted folds and a fourth whose test part holds only negatives.
fn sample_folds() -> Vec<FoldReport> {
    let mut folds: Vec<FoldReport> = fitted()
        .iter()
        .enumerate()
        .map(|(i, &(k, confusion))| fitted_fold(i, k, confusion))
        .collect();
    folds.push(FoldReport {
        repeat: 0,
        fold: 3,
        n_train: 1500,
        n_test: N_TEST,
        test_positives: Some(0),
        test_groups: Some(67),
        test_time_range: None,
        metrics: None,
        note: Some(
            "fold 4: roc_auc needs both classes, but only 500 rows of one class are present".into(),
        ),
        curves: Some(FoldCurves::default()),
        fit: None,
        n_features: 11_400,
    });
    folds
}

/// Fold `i`, with ROC curve tpr = 1 − (1 − fpr)^k and the precision–recall curve that
/// follows from it at the fold's share of positives.
fn fitted_fold(i: usize, k: f64, confusion: Confusion) -> FoldReport {
    let prior = TEST_POSITIVES as f64 / N_TEST as f64;
    let roc: Vec<RocPoint> = (0..=40)
        .map(|j| {
            let fpr = r6((j as f64 / 40.0).powi(2));
            RocPoint {
                fpr,
                tpr: r6(1.0 - (1.0 - fpr).powf(k)),
                threshold: r6(1.0 - j as f64 / 40.0),
            }
        })
        .collect();
    let mut pr = vec![PrPoint {
        recall: 0.0,
        precision: 1.0,
        threshold: 1.0,
    }];
    pr.extend(roc.iter().skip(1).map(|p| PrPoint {
        recall: p.tpr,
        precision: r6(prior * p.tpr / (prior * p.tpr + (1.0 - prior) * p.fpr)),
        threshold: p.threshold,
    }));
    let pr_auc: f64 = pr
        .windows(2)
        .map(|w| (w[1].recall - w[0].recall) * (w[0].precision + w[1].precision) / 2.0)
        .sum();
    let metrics = binary_metrics(
        confusion,
        k / (k + 1.0),
        pr_auc,
        0.52 - 0.015 * k,
        0.17 - 0.005 * k,
    );
    FoldReport {
        repeat: 0,
        fold: i,
        n_train: 1500,
        n_test: N_TEST,
        test_positives: Some(TEST_POSITIVES),
        test_groups: Some(40 + 3 * i),
        test_time_range: None,
        metrics: Some(FoldMetrics::Two(metrics)),
        note: None,
        curves: Some(FoldCurves {
            roc,
            pr,
            category_recall: Vec::new(),
        }),
        fit: Some(sample_fit()),
        n_features: 11_000 + 250 * i,
    }
}

fn sample_fit() -> FitReport {
    FitReport {
        iterations: 57,
        evaluations: 63,
        final_loss: 412.5,
        converged: true,
        termination: "gradient norm below tolerance".into(),
        initial_gradient_norm: 0.5,
        final_gradient_norm: 0.00042,
    }
}

/// Mean and sd of every metric over the folds that have metrics.
fn sample_summary(folds: &[FoldReport]) -> Vec<MetricSummary> {
    METRICS
        .iter()
        .map(|(key, _, _)| {
            let v: Vec<f64> = folds
                .iter()
                .filter_map(|f| f.two().map(|m| metric(m, key)))
                .collect();
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            MetricSummary {
                metric: key.to_string(),
                stat: MeanSd {
                    mean: r6(mean),
                    sd: r6(sd),
                    n: v.len(),
                },
            }
        })
        .collect()
}

/// The mean of the fitted folds' ROC curves at 101 false positive rates.
fn sample_mean_roc() -> Vec<RocPoint> {
    let fitted = fitted();
    (0..=100)
        .map(|j| {
            let fpr = j as f64 / 100.0;
            let tpr = fitted
                .iter()
                .map(|(k, _)| 1.0 - (1.0 - fpr).powf(*k))
                .sum::<f64>()
                / fitted.len() as f64;
            RocPoint {
                fpr: r6(fpr),
                tpr: r6(tpr),
                threshold: r6(1.0 - fpr),
            }
        })
        .collect()
}

/// Positives and negatives of the whole sample.
const POSITIVES: u64 = 600;
const NEGATIVES: u64 = 1400;

/// Pooled: the three fitted folds plus the all-negative fold's 41 false alarms.
fn sample_pooled() -> Pooled {
    let pooled_confusion = Confusion {
        tp: 506,
        fp: 126,
        tn: 1274,
        fn_: 94,
    };
    Pooled {
        metrics: binary_metrics(pooled_confusion, 0.9012, 0.8134, 0.3921, 0.1187),
        advice: ThresholdAdvice {
            best_f1_threshold: 0.4375,
            best_f1: 0.8231,
            best_f1_precision: 0.805,
            best_f1_recall: 0.842,
            target_precision: Some(TargetPrecision {
                target: 0.9,
                threshold: 0.6632,
                precision: 0.9012,
                recall: 0.6733,
            }),
        },
        calibration: sample_calibration(),
        histogram: sample_histogram(),
        category_recall: sample_category_recall(),
    }
}

/// 20 bins of scores: negatives falling off from 0, positives rising towards 1.
fn sample_histogram() -> ScoreHistogram {
    let spread = |total: u64, weight: &dyn Fn(usize) -> f64| -> Vec<u64> {
        let w: Vec<f64> = (0..20).map(weight).collect();
        let sum: f64 = w.iter().sum();
        let mut c: Vec<u64> = w
            .iter()
            .map(|x| (x / sum * total as f64).round() as u64)
            .collect();
        // Rounding leaves a few posts over or short: the fullest bin absorbs them.
        let fullest = (0..20).max_by_key(|&i| c[i]).unwrap_or(0);
        c[fullest] = (c[fullest] as i64 + total as i64 - c.iter().sum::<u64>() as i64) as u64;
        c
    };
    ScoreHistogram {
        edges: (0..=20).map(|i| r6(i as f64 / 20.0)).collect(),
        negatives: spread(NEGATIVES, &|i| (-(i as f64) / 3.2).exp()),
        positives: spread(POSITIVES, &|i| (-((19 - i) as f64) / 3.0).exp()),
    }
}

/// Ten calibration bins, one of them empty.
fn sample_calibration() -> Vec<CalibrationBin> {
    [
        (610, 0.032, 0.025),
        (260, 0.145, 0.119),
        (170, 0.248, 0.212),
        (120, 0.351, 0.308),
        (0, 0.0, 0.0),
        (110, 0.553, 0.591),
        (130, 0.652, 0.715),
        (150, 0.748, 0.807),
        (190, 0.853, 0.889),
        (260, 0.951, 0.962),
    ]
    .iter()
    .enumerate()
    .map(
        |(i, &(count, mean_predicted, observed_rate))| CalibrationBin {
            lo: r6(i as f64 / 10.0),
            hi: r6((i + 1) as f64 / 10.0),
            count,
            mean_predicted,
            observed_rate,
        },
    )
    .collect()
}

fn sample_category_recall() -> Vec<CategoryRecall> {
    [
        ("RightTroll", 220, 198),
        ("LeftTroll", 150, 132),
        ("NewsFeed", 110, 92),
        ("HashtagGamer", 80, 52),
        ("Fearmonger", 40, 32),
    ]
    .iter()
    .map(|&(category, positives, detected)| CategoryRecall {
        category: category.into(),
        positives,
        detected,
        recall: r6(detected as f64 / positives as f64),
    })
    .collect()
}

/// Four folds grouped by author, a target precision and a category column.
fn sample_options() -> EvalOptions {
    EvalOptions {
        folds: 4,
        split: SplitKind::Stratified,
        group_by: Some("author".into()),
        time_col: None,
        repeats: 1,
        seed: 42,
        target_precision: Some(0.9),
        category_col: Some("category".into()),
        threshold: 0.5,
        target_fpr: None,
        calibration: crate::learn::heldout::Method::None,
        train: crate::pipeline::config::TrainConfig::default(),
    }
}

/// demo.csv: 600 trolls and 1,400 ordinary posts from 190 authors, 3 empty rows skipped.
fn sample_data() -> EvalData {
    let mut skipped = SkipReport::default();
    skipped.by_reason.insert(
        "empty text".into(),
        SkipCount {
            rows: 3,
            first_line: 118,
        },
    );
    EvalData {
        source: "demo.csv".into(),
        rows: POSITIVES + NEGATIVES,
        classes: vec!["ordinary".into(), "troll".into()],
        counts: vec![NEGATIVES, POSITIVES],
        positive: Some(1),
        dropped: Vec::new(),
        read: ReadSummary {
            groups: Some(190),
            skipped,
            warnings: Vec::new(),
            untested: 0,
            input_sha256: "9f2c4e1a7b3d5f608c1e2a4b6d8f0a1c3e5b7d9f1a2c4e6b8d0f2a4c6e8b0d2f".into(),
        },
    }
}

/// Occurrences of `word` not inside a longer word ("inf" but not "info").
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn assert_no_bad_numbers(what: &str, text: &str) {
    for bad in ["NaN", "nan", "inf", "Infinity"] {
        assert!(!has_word(text, bad), "{what} contains {bad:?}");
    }
}

/// The report with every kind of number that must not print: NaN, ±inf.
fn broken_numbers() -> EvalReport {
    let mut r = sample_report();
    r.summary[0].stat.sd = f64::NAN;
    r.summary[2].stat.mean = f64::INFINITY;
    if let Some(FoldMetrics::Two(m)) = r.folds[0].metrics.as_mut() {
        m.log_loss = f64::INFINITY;
        m.mcc = f64::NAN;
    }
    r.folds[1].curves.as_mut().unwrap().roc[3].tpr = f64::NAN;
    r.mean_roc.as_mut().unwrap()[5].tpr = f64::NEG_INFINITY;
    let Some(PooledMetrics::Two(p)) = r.pooled.as_mut() else {
        unreachable!("the sample report has two classes")
    };
    p.calibration[1].observed_rate = f64::NAN;
    p.advice.best_f1_threshold = f64::NAN;
    p.category_recall[0].recall = f64::NAN;
    r
}

#[test]
fn html_has_the_four_plots() {
    let html = html(&sample_report());
    for class in ["plot-roc", "plot-pr", "plot-calibration", "plot-histogram"] {
        let at = html
            .find(&format!("<svg class=\"plot {class}\""))
            .unwrap_or_else(|| panic!("no {class} plot"));
        let end = at + html[at..].find("</svg>").expect("svg closed");
        let svg = &html[at..end];
        assert!(svg.contains("<title"), "{class} has no title");
        assert!(
            svg.contains("<path") || svg.contains("<rect") || svg.contains("<circle"),
            "{class} draws nothing"
        );
    }
    assert_eq!(html.matches("<svg").count(), 4);
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    // One point per non-empty calibration bin, and the legend's.
    let calib = &html[html.find("plot-calibration").unwrap()..];
    assert_eq!(
        calib[..calib.find("</svg>").unwrap()]
            .matches("<circle")
            .count(),
        9 + 1
    );
}

#[test]
fn a_report_without_metrics_still_renders() {
    let mut r = sample_report();
    for f in &mut r.folds {
        f.metrics = None;
        f.curves = Some(FoldCurves::default());
        f.note = Some("its test part holds only one class".into());
    }
    for s in &mut r.summary {
        s.stat = MeanSd::default();
    }
    r.mean_roc = Some(Vec::new());
    r.pooled = None;
    r.options.split = SplitKind::Time;
    r.options.group_by = None;
    r.options.time_col = Some("timestamp".into());
    r.folds[0].test_time_range =
        Some(("2016-09-01T00:00:00Z".into(), "2016-09-20T00:00:00Z".into()));
    let html = html(&r);
    for class in ["plot-roc", "plot-pr", "plot-calibration", "plot-histogram"] {
        assert!(
            html.contains(&format!("<svg class=\"plot {class}\"")),
            "no {class} plot"
        );
    }
    assert!(html.contains("2016-09-01T00:00:00Z – 2016-09-20T00:00:00Z"));
    assert!(html.contains("later than all it trained on"));
    let (md, t) = (markdown(&r), terminal_table(&r));
    for text in [&html, &md, &t] {
        assert_no_bad_numbers("report", text);
    }
    assert!(t.contains("no pooled metrics") && md.contains("No pooled metrics"));
    // No fold had metrics: no ROC-AUC of 0 and no verdict from it.
    assert!(
        html.contains("ROC-AUC n/a ± n/a") && !html.contains("0.000"),
        "{html}"
    );
    assert!(html.contains("no fold held both classes"));
}

#[test]
fn html_is_self_contained() {
    let html = html(&sample_report());
    let rest = html.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !rest.contains("http://") && !rest.contains("https://"),
        "a network reference"
    );
    for external in ["<script", "<link", "<img", "@import", "url(", "src="] {
        assert!(!rest.contains(external), "html contains {external}");
    }
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
}

#[test]
fn nothing_prints_nan_or_inf() {
    let sample = sample_report();
    for r in [&sample, &broken_numbers()] {
        assert_no_bad_numbers("html", &html(r));
        assert_no_bad_numbers("markdown", &markdown(r));
        assert_no_bad_numbers("terminal", &terminal_table(r));
    }
    assert!(has_word("x inf y", "inf") && !has_word("information", "inf"));
}

#[test]
fn user_strings_are_escaped() {
    let mut r = sample_report();
    r.data.classes[1] = "<b>&\"".into();
    r.data.source = "posts<script>.csv".into();
    if let Some(PooledMetrics::Two(p)) = r.pooled.as_mut() {
        p.category_recall[0].category = "<i>x</i>".into();
    }
    r.options.group_by = Some("a'b".into());
    let html = html(&r);
    assert!(html.contains("&lt;b&gt;&amp;&quot;"));
    assert!(!html.contains("<b>&\""), "raw label in html");
    assert!(!html.contains("<script") && html.contains("posts&lt;script&gt;.csv"));
    assert!(!html.contains("<i>x</i>") && html.contains("&lt;i&gt;x&lt;/i&gt;"));
    assert!(html.contains("a&#39;b") && !html.contains("a'b"));
    let md = markdown(&r);
    assert!(md.contains("&lt;b&gt;&amp;\"") && !md.contains("<b>"));
    assert!(md.contains("&lt;i&gt;x&lt;/i&gt;"));
}

#[test]
fn markdown_has_every_fold_and_the_summary() {
    let r = sample_report();
    let md = markdown(&r);
    for f in &r.folds {
        let row = format!(
            "| {} | 1,500 | 500 | {} |",
            f.fold + 1,
            f.test_positives.unwrap()
        );
        assert!(md.contains(&row), "no row starting {row}\n{md}");
    }
    assert!(
        md.contains("| 1 | 1,500 | 500 | 200 | 40 | 0.8750 |"),
        "{md}"
    );
    assert!(md.contains("only 500 rows of one class"));
    assert!(md.contains("| ROC-AUC | 0.9042 | 0.0271 | 3 |"), "{md}");
    assert!(md.contains("| actual troll | 506 | 94 |"));
    assert!(md.contains("precision ≥ 0.9000 from threshold 0.6632"));
    assert!(md.contains("| HashtagGamer | 80 | 52 | 0.6500 |"));
    let hashtag = md.find("HashtagGamer").unwrap();
    assert!(
        hashtag < md.find("| RightTroll").unwrap(),
        "lowest recall first"
    );
    assert!(md.contains("| 0.40–0.50 | 0 | — | — |"));
}

#[test]
fn terminal_table_fits_100_columns() {
    let mut r = sample_report();
    let t = terminal_table(&r);
    for line in t.lines() {
        assert!(
            line.chars().count() <= 100,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    assert!(t.contains("mean") && t.contains("± sd"));
    assert!(t.contains("only 500 rows of one class"), "{t}");
    assert!(t.contains("best F1 0.8231 at threshold 0.4375"));
    assert!(t.contains("HashtagGamer"));
    // Long names and notes stay inside the width.
    r.data.source = "x".repeat(300);
    r.folds[3].note = Some(format!("{} {}", "word ".repeat(60), "y".repeat(200)));
    r.data.classes[1] = "z".repeat(80);
    for line in terminal_table(&r).lines() {
        assert!(
            line.chars().count() <= 100,
            "{} columns: {line}",
            line.chars().count()
        );
    }
}

#[test]
fn write_all_writes_three_files_and_json_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested").join("rep");
    let r = sample_report();
    write_all(&r, &out).unwrap();
    let names: Vec<String> = {
        let mut v: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names, ["report.html", "report.json", "report.md"]);
    let back: EvalReport =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(back, r);
    assert_eq!(
        std::fs::read_to_string(out.join("report.html")).unwrap(),
        html(&r)
    );
}

#[test]
fn numeric_labels_read_as_positive_and_negative() {
    assert_eq!(
        class_names(&["0".into(), "1".into()]),
        ["negative (0)", "positive (1)"]
    );
    assert_eq!(
        class_names(&["No".into(), "yes".into()]),
        ["negative (No)", "positive (yes)"]
    );
    assert_eq!(
        class_names(&["human".into(), "bot".into()]),
        ["human", "bot"]
    );
    let mut r = sample_report();
    r.data.classes = vec!["0".into(), "1".into()];
    let t = terminal_table(&r);
    assert!(t.contains("600 positive (1) and 1,400 negative (0)"), "{t}");
    assert!(html(&r).contains("30.0% positive (1)"));
}

#[test]
fn helpers() {
    assert_eq!(count(0), "0");
    assert_eq!(count(999), "999");
    assert_eq!(count(1_234_567), "1,234,567");
    assert_eq!(num(-0.00001, 3), "0.000");
    assert_eq!(num(f64::NAN, 3), "n/a");
    assert_eq!(nice_for_tests(0.37), (0.4, 0.1));
    assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
    assert_eq!(clip("abcdef", 4), "abc…");
    assert_eq!(weakest(5), 1);
    assert_eq!(weakest(9), 3);
}

fn nice_for_tests(max: f64) -> (f64, f64) {
    let (top, step) = svg::nice(max);
    ((top * 1e9).round() / 1e9, (step * 1e9).round() / 1e9)
}
