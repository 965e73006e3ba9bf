//! Rendering an [`EvalReport`] for people: a compact table for the terminal, and the report
//! folder `evaluate --report DIR` writes: report.json (the report itself, for programs),
//! report.md (the tables) and report.html (one self-contained page: a headline, the tables,
//! and ROC, precision–recall, calibration and score-histogram plots drawn by hand as inline
//! SVG, with no script, font, style sheet or image fetched from anywhere).
//!
//! It owns presentation only. Every number comes from `evaluate` and `metrics`; nothing here
//! computes a metric (it only sums category counts when no pooled figures exist). Strings
//! that come from the user or the data (labels, categories, file and column names) are escaped
//! for the format they land in, and a number that is not finite prints as "n/a", never as
//! NaN or inf.

pub mod multiclass;

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::learn::metrics::{BinaryMetrics, CategoryRecall, Confusion, MeanSd};
use crate::pipeline::evaluate::{EvalReport, FoldReport};
use crate::pipeline::folds::SplitKind;

/// The per-fold metrics in table order: key in `EvalReport::summary`, terminal header,
/// document header.
const METRICS: [(&str, &str, &str); 9] = [
    ("roc_auc", "ROC-AUC", "ROC-AUC"),
    ("pr_auc", "PR-AUC", "PR-AUC"),
    ("log_loss", "logloss", "log-loss"),
    ("brier", "Brier", "Brier"),
    ("accuracy", "acc", "accuracy"),
    ("precision", "prec", "precision"),
    ("recall", "recall", "recall"),
    ("f1", "F1", "F1"),
    ("mcc", "MCC", "MCC"),
];

/// Terminal output fits this many columns.
const TERMINAL_WIDTH: usize = 100;

fn metric(m: &BinaryMetrics, key: &str) -> f64 {
    m.get(key).unwrap_or(f64::NAN)
}

/// Mean ± sd of a metric, NaN (shown as n/a) when no fold has it.
fn summary_or_nan(r: &EvalReport, key: &str) -> MeanSd {
    summary(r, key).copied().unwrap_or(MeanSd {
        mean: f64::NAN,
        sd: f64::NAN,
        n: 0,
    })
}

/// A metric's mean ± sd, or None when no fold had it (its mean is then a placeholder 0).
fn summary<'a>(r: &'a EvalReport, key: &str) -> Option<&'a MeanSd> {
    r.summary
        .iter()
        .find(|s| s.metric == key && s.stat.n > 0)
        .map(|s| &s.stat)
}

// ---------------------------------------------------------------------------------------------
// Numbers and words shared by the three formats

/// `x` with `decimals` places, or "n/a" when it is not a finite number.
fn num(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    let s = format!("{x:.decimals$}");
    // "-0.000" would show a sign where the value has none.
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

/// `x` with at most `decimals` places and no trailing zeros (0.25, 4), or "n/a".
fn short(x: f64, decimals: usize) -> String {
    let s = num(x, decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A share as a percentage, or "n/a".
fn percent(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        format!("{}%", num(100.0 * x, decimals))
    } else {
        "n/a".into()
    }
}

/// An integer with thousands separators: 12,345.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        f64::NAN
    } else {
        part as f64 / whole as f64
    }
}

/// At most `n` characters of `s`, with "…" when cut.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// "2" for fold 2, or "r1 f2" when there are repeats.
fn fold_label(f: &FoldReport, repeats: usize) -> String {
    if repeats > 1 {
        format!("r{} f{}", f.repeat + 1, f.fold + 1)
    } else {
        format!("{}", f.fold + 1)
    }
}

/// How the rows were split, and what that guarantees, in one phrase.
fn split_text(r: &EvalReport) -> String {
    let o = &r.options;
    let mut s = match o.split {
        SplitKind::Stratified => format!("{}-fold stratified", o.folds),
        SplitKind::Time => format!("{} folds rolling forward in time", o.folds),
    };
    if o.repeats > 1 {
        s.push_str(&format!(" × {} repeats", o.repeats));
    }
    match (o.split, &o.group_by, &o.time_col) {
        (SplitKind::Stratified, Some(g), _) => {
            s.push_str(&format!(", grouped by {g} — no {g} in two folds"));
        }
        (SplitKind::Time, _, Some(t)) => {
            s.push_str(&format!(
                " on {t} — each fold tests on posts later than all it trained on"
            ));
        }
        (SplitKind::Time, _, None) => {
            s.push_str(" — each fold tests on posts later than all it trained on");
        }
        (SplitKind::Stratified, None, _) => {
            s.push_str(&format!(
                " (seed {}); one author's posts may fall in several folds",
                o.seed
            ));
        }
    }
    s
}

/// How well a ROC-AUC separates the classes, in words.
fn verdict(auc: f64) -> &'static str {
    match auc {
        a if !a.is_finite() => "no fold held both classes, so there is no ROC-AUC",
        a if a >= 0.95 => "separates the classes very well",
        a if a >= 0.85 => "separates the classes well",
        a if a >= 0.75 => "separates the classes fairly well",
        a if a >= 0.65 => "separates the classes weakly",
        a if a >= 0.55 => "barely separates the classes",
        a if a >= 0.45 => "does no better than chance",
        _ => "ranks worse than chance: check which label is positive",
    }
}

/// Recall per category of positives, lowest first: the pooled figures, or when there are
/// none, the first repeat's folds summed.
fn categories(r: &EvalReport) -> Vec<CategoryRecall> {
    let mut v = match &r.pooled {
        Some(p) if !p.category_recall.is_empty() => p.category_recall.clone(),
        _ => {
            let mut sums: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
            for c in r
                .folds
                .iter()
                .filter(|f| f.repeat == 0)
                .flat_map(|f| &f.category_recall)
            {
                let e = sums.entry(&c.category).or_default();
                e.0 += c.positives;
                e.1 += c.detected;
            }
            sums.into_iter()
                .map(|(category, (positives, detected))| CategoryRecall {
                    category: category.to_string(),
                    positives,
                    detected,
                    recall: ratio(detected, positives),
                })
                .collect()
        }
    };
    v.sort_by(|a, b| {
        a.recall
            .total_cmp(&b.recall)
            .then_with(|| a.category.cmp(&b.category))
    });
    v
}

/// The classes as prose names them, [negative, positive]: the label itself when it is a
/// word ("troll"), else "negative (0)" and "positive (1)", since "share of 1 caught" or
/// "posts were yes" do not read.
fn class_names(labels: &[String; 2]) -> [String; 2] {
    let bare = |l: &str| {
        let l = l.trim().to_lowercase();
        !l.chars().any(char::is_alphabetic)
            || [
                "true", "false", "yes", "no", "y", "n", "t", "f", "pos", "neg", "positive",
                "negative",
            ]
            .contains(&l.as_str())
    };
    let name = |l: &str, role: &str| {
        if bare(l) {
            format!("{role} ({l})")
        } else {
            l.to_string()
        }
    };
    [name(&labels[0], "negative"), name(&labels[1], "positive")]
}

/// How many of the lowest-recall categories to point out.
fn weakest(n: usize) -> usize {
    match n {
        0 | 1 => 0,
        2..=5 => 1,
        _ => (n / 3).min(3),
    }
}

// ---------------------------------------------------------------------------------------------
// Terminal

/// A compact table for the terminal, at most 100 columns wide: one row per fold, mean and sd,
/// the pooled threshold advice and confusion matrix, and recall per category.
pub fn terminal_table(r: &EvalReport) -> String {
    let d = &r.data;
    let [neg, pos] = class_names(&d.labels).map(|n| clip(&n, 20));
    let mut lines: Vec<String> = vec![
        format!(
            "{}: {} posts, {} {pos} and {} {neg}",
            d.source,
            count(d.rows),
            count(d.positives),
            count(d.negatives)
        ),
        format!(
            "{}; threshold {}",
            split_text(r),
            num(r.options.threshold, 2)
        ),
        String::new(),
    ];
    // Room for counts up to 9,999,999 test rows without columns running together.
    const LEAD: usize = 25;
    let mut head = format!("{:<6}{:>10}{:>9}", "fold", "n_test", "pos");
    for (_, short, _) in METRICS {
        head.push_str(&format!("{short:>8}"));
    }
    lines.push(head);
    for f in &r.folds {
        let lead = format!(
            "{:<6}{:>10}{:>9}",
            fold_label(f, r.options.repeats),
            count(f.n_test as u64),
            count(f.test_positives as u64)
        );
        match &f.metrics {
            Some(m) => {
                let mut line = lead;
                for (key, _, _) in METRICS {
                    line.push_str(&format!("{:>8}", num(metric(m, key), 4)));
                }
                lines.push(line);
                if let Some(note) = &f.note {
                    lines.extend(
                        wrap(note, TERMINAL_WIDTH - LEAD - 2)
                            .into_iter()
                            .map(|l| format!("{:LEAD$}  {l}", "")),
                    );
                }
            }
            None => {
                let note = f.note.as_deref().unwrap_or("no metrics for this fold");
                for (i, l) in wrap(note, TERMINAL_WIDTH - LEAD - 2)
                    .into_iter()
                    .enumerate()
                {
                    let lead = if i == 0 { lead.as_str() } else { "" };
                    lines.push(format!("{lead:LEAD$}  {l}"));
                }
            }
        }
    }
    let mut mean = format!("{:<LEAD$}", "mean");
    let mut sd = format!("{:<LEAD$}", "± sd");
    let mut n_with = None;
    for (key, _, _) in METRICS {
        let s = summary(r, key);
        mean.push_str(&format!("{:>8}", num(s.map_or(f64::NAN, |s| s.mean), 4)));
        sd.push_str(&format!("{:>8}", num(s.map_or(f64::NAN, |s| s.sd), 4)));
        n_with = n_with.or(s.map(|s| s.n));
    }
    lines.push("-".repeat(LEAD + 8 * METRICS.len()));
    lines.push(mean);
    lines.push(sd);
    if let Some(n) = n_with.filter(|&n| n < r.folds.len()) {
        lines.push(format!(
            "(mean and sd over the {n} of {} folds that have metrics)",
            r.folds.len()
        ));
    }
    lines.push(String::new());

    match &r.pooled {
        Some(p) => {
            let m = &p.metrics;
            let a = &p.advice;
            let which = if r.options.repeats > 1 {
                " (first repeat)"
            } else {
                ""
            };
            lines.push(format!(
                "pooled out-of-fold{which} at threshold {}: precision {}, recall {}, F1 {}",
                num(m.threshold, 4),
                num(m.precision, 4),
                num(m.recall, 4),
                num(m.f1, 4)
            ));
            lines.push(format!(
                "best F1 {} at threshold {} (precision {}, recall {})",
                num(a.best_f1, 4),
                num(a.best_f1_threshold, 4),
                num(a.best_f1_precision, 4),
                num(a.best_f1_recall, 4)
            ));
            match (&a.target_precision, r.options.target_precision) {
                (Some(t), _) => lines.push(format!(
                    "precision ≥ {} from threshold {}: precision {}, recall {}",
                    num(t.target, 4),
                    num(t.threshold, 4),
                    num(t.precision, 4),
                    num(t.recall, 4)
                )),
                (None, Some(target)) => {
                    lines.push(format!("no threshold reaches precision {}", num(target, 4)))
                }
                (None, None) => {}
            }
            lines.push(String::new());
            lines.extend(confusion_lines(&m.confusion, &neg, &pos, m.threshold));
        }
        None => lines
            .push("no pooled metrics: the out-of-fold predictions do not hold both classes".into()),
    }

    let cats = categories(r);
    if !cats.is_empty() {
        lines.push(String::new());
        lines.push(format!(
            "recall by {} (lowest first)",
            r.options.category_col.as_deref().unwrap_or("category")
        ));
        lines.push(format!(
            "  {:<28}{:>10}{:>10}{:>8}",
            "category", "positives", "detected", "recall"
        ));
        for c in &cats {
            lines.push(format!(
                "  {:<28}{:>10}{:>10}{:>8}",
                clip(&c.category, 27),
                count(c.positives),
                count(c.detected),
                num(c.recall, 4)
            ));
        }
    }
    if let Some(h) = &r.heldout {
        lines.push(String::new());
        lines.extend(heldout_lines(h));
    }
    let mut out = String::new();
    for l in lines {
        out.push_str(clip(l.trim_end(), TERMINAL_WIDTH).as_str());
        out.push('\n');
    }
    out
}

/// Rows of the per-source table: source, rows, negatives, FPR, positives, recall, AUC.
fn source_rows(
    h: &crate::pipeline::evaluate::HeldOut,
    escape: fn(&str) -> String,
) -> Vec<Vec<String>> {
    let opt = |x: Option<f64>| x.map_or("—".to_string(), |v| num(v, 4));
    h.sources
        .iter()
        .zip(h.source_auc.iter().chain(std::iter::repeat(&None)))
        .map(|(s, auc)| {
            vec![
                escape(&s.source),
                count(s.rows),
                count(s.negatives),
                opt(s.fpr),
                count(s.positives),
                opt(s.recall),
                opt(*auc),
            ]
        })
        .collect()
}

const SOURCE_HEAD: [&str; 7] = [
    "source",
    "rows",
    "negatives",
    "flagged (FPR)",
    "positives",
    "caught (recall)",
    "ROC-AUC vs positives",
];

/// One line on the held-out summary: mean and worst source FPR, recall, mean source AUC.
fn heldout_summary(h: &crate::pipeline::evaluate::HeldOut) -> String {
    let opt = |x: Option<f64>| x.map_or("—".to_string(), |v| num(v, 4));
    format!(
        "mean FPR over sources {}, worst {} ({}); recall {}; mean ROC-AUC of a negative source \
         against the positives {}",
        opt(h.mean_fpr),
        opt(h.worst_fpr),
        h.worst_source.as_deref().unwrap_or("—"),
        opt(h.recall),
        opt(h.mean_source_auc)
    )
}

fn heldout_lines(h: &crate::pipeline::evaluate::HeldOut) -> Vec<String> {
    let mut lines = vec![format!(
        "by source, out-of-fold, flagged at {}",
        h.flagged_at
    )];
    lines.push(format!(
        "  {:<27}{:>9}{:>10}{:>8}{:>10}{:>8}{:>8}",
        "source", "rows", "negatives", "FPR", "positives", "recall", "AUC"
    ));
    for r in source_rows(h, |s| s.to_string()) {
        lines.push(format!(
            "  {:<27}{:>9}{:>10}{:>8}{:>10}{:>8}{:>8}",
            clip(&r[0], 26),
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6]
        ));
    }
    lines.extend(wrap(&heldout_summary(h), TERMINAL_WIDTH));
    if let (Some(w), Some(f)) = (&h.worst_source, h.worst_fpr) {
        lines.push(format!(
            "worst source: {} ({} of its negatives flagged)",
            clip(w, 40),
            percent(f, 1)
        ));
    }
    if let Some(t) = &h.threshold {
        lines.extend(wrap(
            &format!(
                "threshold for target FPR {} on all out-of-fold scores: log-odds {} (probability \
                 {}), mean source FPR {}, pooled FPR {}, recall {}",
                num(t.target_fpr, 3),
                num(t.decision, 4),
                num(crate::learn::logistic::sigmoid(t.decision), 4),
                num(t.fpr, 4),
                num(t.pooled_fpr, 4),
                num(t.recall, 4)
            ),
            TERMINAL_WIDTH,
        ));
    }
    if let Some(c) = &h.calibration {
        lines.push(format!(
            "calibration ({}, cross-fitted): Brier {} → {}, log-loss {} → {}",
            c.method.name(),
            num(c.before.brier, 4),
            num(c.after.brier, 4),
            num(c.before.log_loss, 4),
            num(c.after.log_loss, 4)
        ));
        if let Some(a) = &c.after_at_prior {
            lines.push(format!(
                "  restated for each fold's own share of positives (--prior): Brier {}, log-loss {}",
                num(a.brier, 4),
                num(a.log_loss, 4)
            ));
        }
    }
    lines
}

fn confusion_lines(c: &Confusion, neg: &str, pos: &str, threshold: f64) -> Vec<String> {
    let row_head = [format!("actual {pos}"), format!("actual {neg}")];
    let col_head = [format!("predicted {pos}"), format!("predicted {neg}")];
    let w0 = row_head
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(22);
    let w = col_head
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(9)
        + 2;
    let title = format!("confusion at {}", num(threshold, 4));
    vec![
        format!("{title:<w0$}{:>w$}{:>w$}", col_head[0], col_head[1]),
        format!(
            "{:<w0$}{:>w$}{:>w$}",
            row_head[0],
            count(c.tp),
            count(c.fn_)
        ),
        format!("{:<w0$}{:>w$}{:>w$}", row_head[1], count(c.fp), count(c.tn)),
    ]
}

/// Words of `s` in lines of at most `width` characters (a longer word is cut).
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let word = clip(word, width);
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

// ---------------------------------------------------------------------------------------------
// Markdown

/// Text safe inside a Markdown table cell: no pipes, line breaks, markup or raw HTML.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn md_table(out: &mut String, head: &[String], rows: &[Vec<String>], numeric_from: usize) {
    out.push_str(&format!("| {} |\n|", head.join(" | ")));
    for i in 0..head.len() {
        out.push_str(if i >= numeric_from { "---:|" } else { "---|" });
    }
    out.push('\n');
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out.push('\n');
}

/// report.md: the headline, data and options, the fold table with mean ± sd, the pooled
/// confusion matrix and threshold advice, calibration and recall per category.
pub fn markdown(r: &EvalReport) -> String {
    let d = &r.data;
    let [neg, pos] = class_names(&d.labels).map(|n| md(&n));
    let mut out = format!("# trollwatch evaluation: {}\n\n", md(&d.source));
    let auc = summary_or_nan(r, "roc_auc");
    let pr = summary_or_nan(r, "pr_auc");
    out.push_str(&format!(
        "**ROC-AUC {} ± {}** over {} folds: the model {}. PR-AUC {} ± {} (base rate {}). \
         Split: {}.\n\n",
        num(auc.mean, 3),
        num(auc.sd, 3),
        auc.n,
        verdict(auc.mean),
        num(pr.mean, 3),
        num(pr.sd, 3),
        num(ratio(d.positives, d.rows), 3),
        md(&split_text(r))
    ));

    out.push_str("## Data\n\n");
    let kv = |rows: Vec<(&str, String)>| -> Vec<Vec<String>> {
        rows.into_iter()
            .map(|(k, v)| vec![k.to_string(), v])
            .collect()
    };
    md_table(&mut out, &["".into(), "".into()], &kv(data_rows(r, md)), 2);
    out.push_str("## Options\n\n");
    md_table(
        &mut out,
        &["".into(), "".into()],
        &kv(option_rows(r, md)),
        2,
    );

    out.push_str("## Folds\n\n");
    let extra = FoldExtras::of(r);
    let mut head: Vec<String> = ["fold", "train", "test", "positives"]
        .map(String::from)
        .to_vec();
    if extra.groups {
        head.push("groups".into());
    }
    if extra.period {
        head.push("test period".into());
    }
    head.extend(METRICS.iter().map(|(_, _, long)| long.to_string()));
    head.push("note".into());
    let rows: Vec<Vec<String>> = r
        .folds
        .iter()
        .map(|f| {
            let mut row = fold_lead(f, r, &extra, md);
            for (key, _, _) in METRICS {
                row.push(
                    f.metrics
                        .as_ref()
                        .map_or("—".into(), |m| num(metric(m, key), 4)),
                );
            }
            row.push(f.note.as_deref().map_or(String::new(), md));
            row
        })
        .collect();
    md_table(&mut out, &head, &rows, 1);

    out.push_str("### Mean ± sd over folds\n\n");
    let rows: Vec<Vec<String>> = METRICS
        .iter()
        .map(|(key, _, long)| {
            let s = summary(r, key);
            vec![
                long.to_string(),
                num(s.map_or(f64::NAN, |s| s.mean), 4),
                num(s.map_or(f64::NAN, |s| s.sd), 4),
                s.map_or("0".into(), |s| s.n.to_string()),
            ]
        })
        .collect();
    md_table(
        &mut out,
        &["metric", "mean", "sd", "folds"].map(String::from),
        &rows,
        1,
    );

    match &r.pooled {
        Some(p) => {
            let m = &p.metrics;
            let c = &m.confusion;
            out.push_str(&format!(
                "## Confusion matrix\n\nPooled out-of-fold predictions{}, threshold {}.\n\n",
                if r.options.repeats > 1 {
                    " of the first repeat"
                } else {
                    ""
                },
                num(m.threshold, 4)
            ));
            md_table(
                &mut out,
                &[
                    "".into(),
                    format!("predicted {pos}"),
                    format!("predicted {neg}"),
                ],
                &[
                    vec![format!("actual {pos}"), count(c.tp), count(c.fn_)],
                    vec![format!("actual {neg}"), count(c.fp), count(c.tn)],
                ],
                1,
            );
            out.push_str("## Threshold advice\n\n");
            md_table(&mut out, &["".into(), "".into()], &kv(advice_rows(r)), 2);
            out.push_str("## Calibration\n\n");
            let rows: Vec<Vec<String>> = p
                .calibration
                .iter()
                .map(|b| {
                    let empty = b.count == 0;
                    vec![
                        format!("{}–{}", num(b.lo, 2), num(b.hi, 2)),
                        count(b.count),
                        if empty {
                            "—".into()
                        } else {
                            num(b.mean_predicted, 4)
                        },
                        if empty {
                            "—".into()
                        } else {
                            num(b.observed_rate, 4)
                        },
                    ]
                })
                .collect();
            md_table(
                &mut out,
                &["predicted", "posts", "mean predicted", "observed rate"].map(String::from),
                &rows,
                1,
            );
        }
        None => out.push_str(
            "No pooled metrics: the out-of-fold predictions do not hold both classes.\n\n",
        ),
    }

    let cats = categories(r);
    if !cats.is_empty() {
        let col = md(r.options.category_col.as_deref().unwrap_or("category"));
        out.push_str(&format!(
            "## Recall by {col}\n\nLowest first: where the model fails.\n\n"
        ));
        let rows: Vec<Vec<String>> = cats
            .iter()
            .map(|c| {
                vec![
                    md(&c.category),
                    count(c.positives),
                    count(c.detected),
                    num(c.recall, 4),
                ]
            })
            .collect();
        md_table(
            &mut out,
            &[col, "positives".into(), "detected".into(), "recall".into()],
            &rows,
            1,
        );
    }
    if let Some(h) = &r.heldout {
        out.push_str(&format!(
            "## By source\n\nOut-of-fold, flagged at {}.\n\n",
            md(&h.flagged_at)
        ));
        md_table(
            &mut out,
            &SOURCE_HEAD.map(String::from),
            &source_rows(h, md),
            1,
        );
        out.push_str(&format!("{}\n\n", md(&heldout_summary(h))));
        if let Some(c) = &h.calibration {
            out.push_str(&format!(
                "## Calibration before and after ({}, cross-fitted)\n\n",
                c.method.name()
            ));
            md_table(
                &mut out,
                &["", "Brier", "log-loss"].map(String::from),
                &[
                    vec![
                        "model's sigmoid".into(),
                        num(c.before.brier, 4),
                        num(c.before.log_loss, 4),
                    ],
                    vec![
                        "calibrated".into(),
                        num(c.after.brier, 4),
                        num(c.after.log_loss, 4),
                    ],
                    match &c.after_at_prior {
                        Some(a) => vec![
                            "calibrated, at each fold's share of positives".into(),
                            num(a.brier, 4),
                            num(a.log_loss, 4),
                        ],
                        None => vec![
                            "calibrated, at each fold's share of positives".into(),
                            "—".into(),
                            "—".into(),
                        ],
                    },
                ],
                1,
            );
        }
    }
    out.push_str(&format!("trollwatch {}\n", md(&r.trollwatch_version)));
    out
}

fn html_heldout(r: &EvalReport) -> String {
    let Some(h) = &r.heldout else {
        return String::new();
    };
    let mut o = format!(
        "<section>\n<h2>By source: who gets flagged</h2>\n<p class=\"muted\">Out-of-fold, flagged at {}. \
         {}</p>\n<table>\n<thead><tr>",
        esc(&h.flagged_at),
        esc(&heldout_summary(h))
    );
    for (i, head) in SOURCE_HEAD.iter().enumerate() {
        o.push_str(&if i == 0 {
            format!("<th>{head}</th>")
        } else {
            format!("<th class=\"n\">{head}</th>")
        });
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for row in source_rows(h, esc) {
        let worst = h.worst_source.as_deref().map(esc).as_deref() == Some(row[0].as_str());
        o.push_str(&format!(
            "<tr{}>",
            if worst { " class=\"weak\"" } else { "" }
        ));
        for (i, c) in row.iter().enumerate() {
            o.push_str(&if i == 0 {
                format!(
                    "<td>{c}{}</td>",
                    if worst {
                        "<span class=\"tag\">worst</span>"
                    } else {
                        ""
                    }
                )
            } else {
                format!("<td class=\"n\">{c}</td>")
            });
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table>\n");
    if let Some(c) = &h.calibration {
        o.push_str(&format!(
            "<div class=\"plots\">\n<figure>\n{}<figcaption>Out-of-fold scores before (the model's \
             own sigmoid) and after calibration ({}, each fold's map fitted on the other folds). \
             Brier {} → {}, log-loss {} → {}.</figcaption>\n</figure>\n</div>\n",
            svg::reliability(c, &class_names(&r.data.labels)[1]),
            c.method.name(),
            num(c.before.brier, 4),
            num(c.after.brier, 4),
            num(c.before.log_loss, 4),
            num(c.after.log_loss, 4)
        ));
        if let Some(a) = &c.after_at_prior {
            o.push_str(&format!(
                "<p class=\"muted\">Probabilities depend on the share of trolls: restated for each \
                 held-out fold's own share of positives (what <code>--prior</code> does when that \
                 share is known), Brier {} and log-loss {}.</p>\n",
                num(a.brier, 4),
                num(a.log_loss, 4)
            ));
        }
    }
    o.push_str("</section>\n");
    o
}

/// Which optional fold columns the report has.
struct FoldExtras {
    groups: bool,
    period: bool,
}

impl FoldExtras {
    fn of(r: &EvalReport) -> FoldExtras {
        FoldExtras {
            groups: r.folds.iter().any(|f| f.test_groups.is_some()),
            period: r.folds.iter().any(|f| f.test_time_range.is_some()),
        }
    }
}

/// The cells before the metrics: fold, train, test, positives, and groups and test period
/// where the report has them, with `escape` applied to strings from the data.
fn fold_lead(
    f: &FoldReport,
    r: &EvalReport,
    extra: &FoldExtras,
    escape: fn(&str) -> String,
) -> Vec<String> {
    let mut row = vec![
        fold_label(f, r.options.repeats),
        count(f.n_train as u64),
        count(f.n_test as u64),
        count(f.test_positives as u64),
    ];
    if extra.groups {
        row.push(f.test_groups.map_or("—".into(), |g| count(g as u64)));
    }
    if extra.period {
        row.push(
            f.test_time_range
                .as_ref()
                .map_or("—".into(), |(a, b)| escape(&format!("{a} – {b}"))),
        );
    }
    row
}

fn data_rows(r: &EvalReport, escape: fn(&str) -> String) -> Vec<(&'static str, String)> {
    let d = &r.data;
    let mut rows = vec![
        ("source", escape(&d.source)),
        ("posts", count(d.rows)),
        (
            "positive class",
            format!("{} ({} posts)", escape(&d.labels[1]), count(d.positives)),
        ),
        (
            "negative class",
            format!("{} ({} posts)", escape(&d.labels[0]), count(d.negatives)),
        ),
        (
            "base rate",
            format!("{} positive", percent(ratio(d.positives, d.rows), 1)),
        ),
    ];
    if let Some(g) = d.groups {
        let column = escape(r.options.group_by.as_deref().unwrap_or("the group column"));
        rows.push((
            "groups",
            format!("{} distinct values of {column}", count(g)),
        ));
    }
    let skipped = d.skipped.total();
    rows.push((
        "skipped rows",
        if skipped == 0 {
            "none".into()
        } else {
            let parts: Vec<String> = d
                .skipped
                .by_reason
                .iter()
                .map(|(why, c)| {
                    format!(
                        "{}: {} (first at line {})",
                        escape(why),
                        count(c.rows),
                        c.first_line
                    )
                })
                .collect();
            format!("{} — {}", count(skipped), parts.join(", "))
        },
    ));
    if d.untested > 0 {
        rows.push((
            "untested rows",
            format!(
                "{} — their texts also lie in other folds, so they only train",
                count(d.untested)
            ),
        ));
    }
    for w in &d.warnings {
        rows.push(("warning", escape(w)));
    }
    rows.push(("input SHA-256", escape(&d.input_sha256)));
    rows
}

fn option_rows(r: &EvalReport, escape: fn(&str) -> String) -> Vec<(&'static str, String)> {
    let o = &r.options;
    let t = &o.train;
    let none = || "—".to_string();
    vec![
        ("split", escape(&split_text(r))),
        ("folds × repeats", format!("{} × {}", o.folds, o.repeats)),
        ("seed", o.seed.to_string()),
        ("group by", o.group_by.as_deref().map_or_else(none, escape)),
        (
            "time column",
            o.time_col.as_deref().map_or_else(none, escape),
        ),
        (
            "category column",
            o.category_col.as_deref().map_or_else(none, escape),
        ),
        ("decision threshold", short(o.threshold, 4)),
        (
            "target precision",
            o.target_precision.map_or_else(none, |p| short(p, 4)),
        ),
        (
            "tokens",
            format!(
                "{}, stemming {}, stop words {}",
                t.tokenizer.language.name(),
                if t.tokenizer.stem { "on" } else { "off" },
                if t.tokenizer.stop_words {
                    "removed"
                } else {
                    "kept"
                }
            ),
        ),
        (
            "features",
            format!(
                "{}–{}-grams, min df {}, max df {}, max features {}, {} tf",
                t.vectorizer.ngram_min,
                t.vectorizer.ngram_max,
                t.vectorizer.min_df,
                short(t.vectorizer.max_df, 3),
                t.vectorizer
                    .max_features
                    .map_or("none".into(), |m| count(m as u64)),
                if t.vectorizer.sublinear_tf {
                    "sublinear"
                } else {
                    "linear"
                }
            ),
        ),
        (
            "classifier",
            format!(
                "L2 logistic regression, α {} (C {}), class weight {}, max iter {}, tol {}",
                short(t.logistic.alpha, 6),
                short(1.0 / t.logistic.alpha, 3),
                t.logistic.class_weight.name(),
                t.logistic.max_iter,
                if t.logistic.tol.is_finite() {
                    t.logistic.tol.to_string()
                } else {
                    "n/a".into()
                }
            ),
        ),
    ]
}

/// The pooled operating points, as (what, result) rows; plain text (no user strings).
fn advice_rows(r: &EvalReport) -> Vec<(&'static str, String)> {
    let Some(p) = &r.pooled else {
        return Vec::new();
    };
    let (m, a) = (&p.metrics, &p.advice);
    let mut rows = vec![
        (
            "at the decision threshold",
            format!(
                "threshold {}: precision {}, recall {}, F1 {}",
                num(m.threshold, 4),
                num(m.precision, 4),
                num(m.recall, 4),
                num(m.f1, 4)
            ),
        ),
        (
            "best F1",
            format!(
                "threshold {}: precision {}, recall {}, F1 {}",
                num(a.best_f1_threshold, 4),
                num(a.best_f1_precision, 4),
                num(a.best_f1_recall, 4),
                num(a.best_f1, 4)
            ),
        ),
    ];
    match (&a.target_precision, r.options.target_precision) {
        (Some(t), _) => rows.push((
            "target precision",
            format!(
                "precision ≥ {} from threshold {}: precision {}, recall {}",
                num(t.target, 4),
                num(t.threshold, 4),
                num(t.precision, 4),
                num(t.recall, 4)
            ),
        )),
        (None, Some(target)) => rows.push((
            "target precision",
            format!("no threshold reaches precision {}", num(target, 4)),
        )),
        (None, None) => {}
    }
    rows
}

// ---------------------------------------------------------------------------------------------
// HTML

/// Text safe in HTML content and in quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
const BLUE: &str = "#0072B2";
const SKY: &str = "#56B4E9";
const VERMILLION: &str = "#D55E00";
const INK: &str = "#1f2937";
const GREY: &str = "#6b7280";

pub(crate) const STYLE: &str = r#"
:root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f4f5f7;--card:#fff;--blue:#0072B2;
  --warn:#92400e}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font-size:15px;line-height:1.5;
  font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1160px;margin:0 auto;padding:28px 24px 40px}
.kicker{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.08em;margin:0}
h1{font-size:26px;line-height:1.25;margin:4px 0 12px;overflow-wrap:anywhere}
h2{font-size:18px;margin:0 0 12px}
h3{font-size:15px;margin:0 0 8px}
.headline{font-size:21px;margin:0 0 4px}
.headline strong{color:var(--blue)}
.split{color:#4b5563;margin:0 0 18px}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px}
.card .k{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.06em}
.card .v{font-size:26px;font-weight:650;font-variant-numeric:tabular-nums;line-height:1.3}
.card .s{font-size:13px;color:var(--muted)}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 22px;
  margin-top:18px}
.plots{display:grid;grid-template-columns:1fr 1fr;gap:22px 28px}
figure{margin:0}
figcaption{font-size:13px;color:var(--muted);margin-top:2px}
svg.plot{width:100%;height:auto;display:block}
.plot-heading{font-size:15px;font-weight:650;fill:var(--ink)}
.tick{font-size:11.5px;fill:#4b5563;font-variant-numeric:tabular-nums}
.axis-label{font-size:12.5px;fill:#374151}
.legend{font-size:12px;fill:#374151}
.annot,.count{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.annot{font-size:11.5px;font-weight:600}
.count{font-size:10.5px;fill:#374151;font-variant-numeric:tabular-nums}
table.narrow{width:auto;min-width:60%}
.gridline{stroke:#e5e7eb;stroke-width:1}
.axis{stroke:#6b7280;stroke-width:1;fill:none}
.empty{font-size:14px;fill:var(--muted)}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:#f3f4f6;font-size:13px;font-weight:600;white-space:nowrap}
tbody th{font-weight:600}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tfoot td{font-weight:600;background:#f9fafb}
tfoot tr:first-child td{border-top:2px solid #d1d5db}
tr.nofit td{background:#fffbeb;color:var(--warn)}
tr.weak td{background:#fdf1ea}
td.note{font-style:italic}
.tag{display:inline-block;font-size:11px;font-weight:600;color:#fff;background:#D55E00;
  border-radius:4px;padding:0 6px;margin-left:6px;vertical-align:1px}
.bar{width:160px;height:9px;background:#e5e7eb;border-radius:5px;display:inline-block;
  vertical-align:middle}
.bar>span{display:block;height:100%;border-radius:5px;background:var(--blue)}
tr.weak .bar>span{background:#D55E00}
.two{display:grid;grid-template-columns:1fr 1fr;gap:28px}
table.confusion td{font-size:18px;font-weight:600}
table.confusion td small{display:block;font-size:12px;font-weight:400;color:var(--muted)}
table.confusion td.hit{background:#eef6fb}
table.confusion td.miss{background:#fdf1ea}
table.kv th{width:34%;font-weight:600;color:#374151}
table.kv td{overflow-wrap:anywhere}
.warn{color:var(--warn);font-size:14px;margin:10px 0 0}
.muted{color:var(--muted);font-size:13px}
footer{color:var(--muted);font-size:13px;margin-top:18px;text-align:center}
@media (max-width:820px){.plots,.two{grid-template-columns:1fr}
  .cards{grid-template-columns:1fr 1fr}}
@media print{body{background:#fff}section,.card{break-inside:avoid;border-color:#ccc}}
"#;

/// report.html: one self-contained page with the headline, four SVG plots (ROC,
/// precision–recall, calibration, score histograms), the tables and the settings.
pub fn html(r: &EvalReport) -> String {
    let d = &r.data;
    let auc = summary_or_nan(r, "roc_auc");
    let pr = summary_or_nan(r, "pr_auc");
    let base_rate = ratio(d.positives, d.rows);
    let mut o = String::with_capacity(64 * 1024);
    o.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>trollwatch evaluation: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        esc(&d.source)
    ));

    // Headline.
    o.push_str(&format!(
        "<header>\n<p class=\"kicker\">trollwatch {} · cross-validation report</p>\n<h1>{}</h1>\n",
        esc(&r.trollwatch_version),
        esc(&d.source)
    ));
    o.push_str(&format!(
        "<p class=\"headline\"><strong>ROC-AUC {} ± {}</strong> — the model {}.</p>\n",
        num(auc.mean, 3),
        num(auc.sd, 3),
        verdict(auc.mean)
    ));
    o.push_str(&format!(
        "<p class=\"split\">PR-AUC {} ± {} against a base rate of {} · {} · {} posts, {} {}</p>\n",
        num(pr.mean, 3),
        num(pr.sd, 3),
        num(base_rate, 3),
        esc(&split_text(r)),
        count(d.rows),
        percent(base_rate, 1),
        esc(&class_names(&d.labels)[1])
    ));
    let card = |k: &str, v: String, s: String| {
        format!(
            "<div class=\"card\"><div class=\"k\">{k}</div><div class=\"v\">{v}</div>\
             <div class=\"s\">{s}</div></div>\n"
        )
    };
    o.push_str("<div class=\"cards\">\n");
    o.push_str(&card(
        "ROC-AUC",
        num(auc.mean, 3),
        format!("± {} over {} folds · 0.5 = chance", num(auc.sd, 3), auc.n),
    ));
    o.push_str(&card(
        "PR-AUC",
        num(pr.mean, 3),
        format!("± {} · base rate {}", num(pr.sd, 3), num(base_rate, 3)),
    ));
    match &r.pooled {
        Some(p) => {
            o.push_str(&card(
                "best F1 (pooled)",
                num(p.advice.best_f1, 3),
                format!(
                    "at threshold {} · P {} / R {}",
                    num(p.advice.best_f1_threshold, 2),
                    num(p.advice.best_f1_precision, 2),
                    num(p.advice.best_f1_recall, 2)
                ),
            ));
            o.push_str(&card(
                "log-loss · Brier",
                format!(
                    "{} · {}",
                    num(p.metrics.log_loss, 3),
                    num(p.metrics.brier, 3)
                ),
                "pooled out-of-fold; lower is better".into(),
            ));
        }
        None => {
            o.push_str(&card(
                "best F1 (pooled)",
                "n/a".into(),
                "no pooled predictions".into(),
            ));
            o.push_str(&card(
                "log-loss · Brier",
                "n/a".into(),
                "no pooled predictions".into(),
            ));
        }
    }
    o.push_str("</div>\n</header>\n");

    // Plots.
    o.push_str("<section>\n<h2>How the scores separate the classes</h2>\n<div class=\"plots\">\n");
    let pos = esc(&class_names(&d.labels)[1]);
    let figures = [
        (
            svg::roc(r),
            "Each thin line is one fold's test part; the bold line averages them. The nearer the \
             top-left corner, the better; the diagonal is guessing."
                .to_string(),
        ),
        (
            svg::pr(r),
            format!(
                "Precision among flagged posts against the share of {pos} posts caught. The dashed \
                 line is what flagging at random achieves."
            ),
        ),
        (
            svg::calibration(r),
            format!(
                "A point on the diagonal means the predicted probability matches the share of \
                 {pos} posts actually in that bin. Point area shows how many posts it holds."
            ),
        ),
        (
            svg::histogram(r),
            "Scores of each class, as a share of that class. Posts right of the threshold line are \
             flagged; overlap is where mistakes happen."
                .to_string(),
        ),
    ];
    for (plot, caption) in figures {
        o.push_str(&format!(
            "<figure>\n{plot}<figcaption>{caption}</figcaption>\n</figure>\n"
        ));
    }
    o.push_str("</div>\n</section>\n");

    o.push_str(&html_folds(r));

    // Pooled decisions.
    if let Some(p) = &r.pooled {
        let c = &p.metrics.confusion;
        let [neg, pos] = class_names(&d.labels).map(|n| esc(&n));
        let (actual_pos, actual_neg) = (c.tp + c.fn_, c.fp + c.tn);
        let cell = |class: &str, n: u64, of: u64, what: &str| {
            format!(
                "<td class=\"n {class}\">{}<small>{what} · {} of row</small></td>",
                count(n),
                percent(ratio(n, of), 1)
            )
        };
        o.push_str("<section class=\"two\">\n<div>\n");
        o.push_str(&format!(
            "<h2>Confusion matrix</h2>\n<p class=\"muted\">Pooled out-of-fold predictions{} at threshold {}.</p>\n",
            if r.options.repeats > 1 { " of the first repeat" } else { "" },
            num(p.metrics.threshold, 2)
        ));
        o.push_str(&format!(
            "<table class=\"confusion\">\n<thead><tr><th></th><th class=\"n\">predicted {pos}</th>\
             <th class=\"n\">predicted {neg}</th></tr></thead>\n<tbody>\n\
             <tr><th>actual {pos}</th>{}{}</tr>\n<tr><th>actual {neg}</th>{}{}</tr>\n</tbody>\n</table>\n",
            cell("hit", c.tp, actual_pos, "caught"),
            cell("miss", c.fn_, actual_pos, "missed"),
            cell("miss", c.fp, actual_neg, "false alarms"),
            cell("hit", c.tn, actual_neg, "passed"),
        ));
        o.push_str(
            "</div>\n<div>\n<h2>Threshold advice</h2>\n<p class=\"muted\">Where to set the decision \
             threshold, from the pooled out-of-fold scores.</p>\n",
        );
        o.push_str("<table class=\"kv\">\n");
        for (k, v) in advice_rows(r) {
            o.push_str(&format!("<tr><th>{k}</th><td>{}</td></tr>\n", esc(&v)));
        }
        o.push_str("</table>\n</div>\n</section>\n");
    }

    o.push_str(&html_categories(r));
    o.push_str(&html_heldout(r));

    if let Some(p) = &r.pooled {
        o.push_str(
            "<section>\n<h2>Calibration bins</h2>\n<table class=\"narrow\">\n<thead><tr>\
             <th>predicted</th><th class=\"n\">posts</th><th class=\"n\">mean predicted</th>\
             <th class=\"n\">observed rate</th><th class=\"n\">gap</th></tr></thead>\n<tbody>\n",
        );
        for b in &p.calibration {
            let empty = b.count == 0;
            let cell = |x: f64| if empty { "—".to_string() } else { num(x, 3) };
            o.push_str(&format!(
                "<tr><td>{}–{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                num(b.lo, 2),
                num(b.hi, 2),
                count(b.count),
                cell(b.mean_predicted),
                cell(b.observed_rate),
                if empty { "—".into() } else { num(b.observed_rate - b.mean_predicted, 3) }
            ));
        }
        o.push_str("</tbody>\n</table>\n</section>\n");
    }

    // Data and options.
    o.push_str("<section class=\"two\">\n");
    for (title, rows) in [
        ("Data", data_rows(r, esc)),
        ("Options", option_rows(r, esc)),
    ] {
        o.push_str(&format!("<div>\n<h2>{title}</h2>\n<table class=\"kv\">\n"));
        for (k, v) in rows {
            o.push_str(&format!("<tr><th>{k}</th><td>{v}</td></tr>\n"));
        }
        o.push_str("</table>\n</div>\n");
    }
    o.push_str("</section>\n");
    o.push_str(&format!(
        "<footer>trollwatch {} · every figure comes from out-of-fold predictions: \
         the model that scored a post never saw it in training.</footer>\n</main>\n</body>\n</html>\n",
        esc(&r.trollwatch_version),
    ));
    o
}

fn html_folds(r: &EvalReport) -> String {
    let extra = FoldExtras::of(r);
    let mut o = String::from(
        "<section>\n<h2>Folds</h2>\n<table>\n<thead><tr><th>fold</th><th class=\"n\">train</th>\
         <th class=\"n\">test</th><th class=\"n\">positives</th>",
    );
    if extra.groups {
        o.push_str("<th class=\"n\">groups</th>");
    }
    if extra.period {
        o.push_str("<th>test period</th>");
    }
    let lead = 4 + usize::from(extra.groups) + usize::from(extra.period);
    for (_, _, long) in METRICS {
        o.push_str(&format!("<th class=\"n\">{long}</th>"));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    let mut unconverged = Vec::new();
    for f in &r.folds {
        let cells = fold_lead(f, r, &extra, esc);
        let class = if f.metrics.is_none() {
            " class=\"nofit\""
        } else {
            ""
        };
        o.push_str(&format!("<tr{class}>"));
        for (i, c) in cells.iter().enumerate() {
            let numeric = i > 0 && !(extra.period && i == cells.len() - 1);
            o.push_str(&format!(
                "<td{}>{c}</td>",
                if numeric { " class=\"n\"" } else { "" }
            ));
        }
        match &f.metrics {
            Some(m) => {
                for (key, _, _) in METRICS {
                    o.push_str(&format!("<td class=\"n\">{}</td>", num(metric(m, key), 4)));
                }
                if !f.fit.converged {
                    unconverged.push(format!(
                        "{} ({})",
                        fold_label(f, r.options.repeats),
                        esc(&f.fit.termination)
                    ));
                }
            }
            None => o.push_str(&format!(
                "<td class=\"note\" colspan=\"{}\">{}</td>",
                METRICS.len(),
                esc(f.note.as_deref().unwrap_or("no metrics for this fold"))
            )),
        }
        o.push_str("</tr>\n");
        if let (Some(_), Some(note)) = (&f.metrics, &f.note) {
            o.push_str(&format!(
                "<tr><td></td><td class=\"note\" colspan=\"{}\">{}</td></tr>\n",
                lead - 1 + METRICS.len(),
                esc(note)
            ));
        }
    }
    o.push_str("</tbody>\n<tfoot>\n");
    let n = METRICS
        .iter()
        .find_map(|(k, _, _)| summary(r, k))
        .map_or(0, |s| s.n);
    for (label, pick) in [("mean", true), ("± sd", false)] {
        let label = if pick {
            format!("mean of {n} folds")
        } else {
            label.to_string()
        };
        o.push_str(&format!("<tr><td colspan=\"{lead}\">{label}</td>"));
        for (key, _, _) in METRICS {
            let v = summary(r, key).map_or(f64::NAN, |s| if pick { s.mean } else { s.sd });
            o.push_str(&format!("<td class=\"n\">{}</td>", num(v, 4)));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tfoot>\n</table>\n");
    if n < r.folds.len() {
        o.push_str(&format!(
            "<p class=\"warn\">{} of {} folds have no metrics (see the highlighted rows); the mean \
             and sd are over the other {n}.</p>\n",
            r.folds.len() - n,
            r.folds.len()
        ));
    }
    if !unconverged.is_empty() {
        o.push_str(&format!(
            "<p class=\"warn\">The optimizer stopped before converging in fold {}.</p>\n",
            unconverged.join(", ")
        ));
    }
    o.push_str("</section>\n");
    o
}

fn html_categories(r: &EvalReport) -> String {
    let cats = categories(r);
    if cats.is_empty() {
        return String::new();
    }
    let col = esc(r.options.category_col.as_deref().unwrap_or("category"));
    let weak = weakest(cats.len());
    let mut o = format!(
        "<section>\n<h2>Where it fails: recall by {col}</h2>\n<p class=\"muted\">Share of each {col}'s {} posts \
         flagged at threshold {}, lowest first{}.</p>\n<table>\n<thead><tr><th>{col}</th><th class=\"n\">positives</th>\
         <th class=\"n\">detected</th><th class=\"n\">recall</th><th></th></tr></thead>\n<tbody>\n",
        esc(&class_names(&r.data.labels)[1]),
        num(r.options.threshold, 2),
        if weak > 0 { "; the weakest are marked" } else { "" }
    );
    for (i, c) in cats.iter().enumerate() {
        let is_weak = i < weak;
        let width = if c.recall.is_finite() {
            (c.recall.clamp(0.0, 1.0) * 100.0).round()
        } else {
            0.0
        };
        o.push_str(&format!(
            "<tr{}><td>{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td><span class=\"bar\"><span style=\"width:{width}%\"></span></span></td></tr>\n",
            if is_weak { " class=\"weak\"" } else { "" },
            esc(&c.category),
            if is_weak { "<span class=\"tag\">weakest</span>" } else { "" },
            count(c.positives),
            count(c.detected),
            num(c.recall, 3)
        ));
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
    o
}

/// The four plots, as inline SVG written by hand.
mod svg {
    use super::{class_names, clip, count, esc, num, percent, ratio, summary, EvalReport};
    use super::{BLUE, GREY, INK, SKY, VERMILLION};

    const W: f64 = 560.0;
    const H: f64 = 440.0;

    /// The plotting area inside the picture and the data ranges it shows.
    struct Frame {
        left: f64,
        top: f64,
        width: f64,
        height: f64,
        x: (f64, f64),
        y: (f64, f64),
    }

    impl Frame {
        fn new(x: (f64, f64), y: (f64, f64)) -> Frame {
            let (left, top, right, bottom) = (62.0, 72.0, 20.0, 54.0);
            Frame {
                left,
                top,
                width: W - left - right,
                height: H - top - bottom,
                x,
                y,
            }
        }

        fn unit() -> Frame {
            Frame::new((0.0, 1.0), (0.0, 1.0))
        }

        fn px(&self, v: f64) -> f64 {
            self.left + ((v - self.x.0) / (self.x.1 - self.x.0)).clamp(0.0, 1.0) * self.width
        }

        fn py(&self, v: f64) -> f64 {
            self.top + self.height
                - ((v - self.y.0) / (self.y.1 - self.y.0)).clamp(0.0, 1.0) * self.height
        }

        fn bottom(&self) -> f64 {
            self.top + self.height
        }

        fn right(&self) -> f64 {
            self.left + self.width
        }

        /// Path data through the points; a point that is not finite lifts the pen.
        fn path(&self, points: impl IntoIterator<Item = (f64, f64)>) -> String {
            let mut d = String::new();
            let mut down = false;
            for (x, y) in points {
                if !(x.is_finite() && y.is_finite()) {
                    down = false;
                    continue;
                }
                d.push_str(&format!(
                    "{}{:.1},{:.1}",
                    if down { "L" } else { "M" },
                    self.px(x),
                    self.py(y)
                ));
                down = true;
            }
            d
        }
    }

    enum Key {
        Line {
            color: &'static str,
            width: f64,
            dash: &'static str,
            opacity: f64,
        },
        Swatch(&'static str),
        Dot(&'static str),
    }

    fn open(o: &mut String, class: &str, heading: &str, desc: &str) {
        o.push_str(&format!(
            "<svg class=\"plot {class}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" role=\"img\" \
             aria-labelledby=\"{class}-title {class}-desc\">\n<title id=\"{class}-title\">{}</title>\n\
             <desc id=\"{class}-desc\">{}</desc>\n<rect x=\"0\" y=\"0\" width=\"{W}\" height=\"{H}\" fill=\"#fff\"/>\n\
             <text class=\"plot-heading\" x=\"62\" y=\"22\">{}</text>\n",
            esc(heading),
            esc(desc),
            esc(heading)
        ));
    }

    fn legend(o: &mut String, f: &Frame, items: &[(Key, String)]) {
        let y = 46.0;
        let mut x = f.left;
        for (key, label) in items {
            match key {
                Key::Line { color, width, dash, opacity } => o.push_str(&format!(
                    "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{color}\" stroke-width=\"{width}\" \
                     stroke-opacity=\"{opacity}\" stroke-dasharray=\"{dash}\"/>",
                    y - 4.0,
                    x + 22.0,
                    y - 4.0
                )),
                Key::Swatch(color) => o.push_str(&format!(
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"16\" height=\"11\" rx=\"2\" fill=\"{color}\"/>",
                    x + 3.0,
                    y - 10.0
                )),
                Key::Dot(color) => o.push_str(&format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{color}\"/>",
                    x + 11.0,
                    y - 4.0
                )),
            }
            o.push_str(&format!(
                "<text class=\"legend\" x=\"{:.1}\" y=\"{y:.1}\">{}</text>\n",
                x + 28.0,
                esc(label)
            ));
            x += 28.0 + 6.3 * label.chars().count() as f64 + 18.0;
        }
    }

    /// Grid, axes, tick labels and axis titles.
    fn axes(
        o: &mut String,
        f: &Frame,
        xticks: &[(f64, String)],
        yticks: &[(f64, String)],
        xlabel: &str,
        ylabel: &str,
    ) {
        o.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fcfcfd\"/>\n",
            f.left, f.top, f.width, f.height
        ));
        for (v, label) in xticks {
            let x = f.px(*v);
            o.push_str(&format!(
                "<line class=\"gridline\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\
                 <line class=\"axis\" x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\
                 <text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>\n",
                f.top,
                f.bottom(),
                f.bottom(),
                f.bottom() + 5.0,
                f.bottom() + 18.0
            ));
        }
        for (v, label) in yticks {
            let y = f.py(*v);
            o.push_str(&format!(
                "<line class=\"gridline\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>\
                 <line class=\"axis\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>\
                 <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>\n",
                f.left,
                f.right(),
                f.left - 5.0,
                f.left,
                f.left - 8.0,
                y + 4.0
            ));
        }
        o.push_str(&format!(
            "<path class=\"axis\" d=\"M{:.1},{:.1}V{:.1}H{:.1}\"/>\n\
             <text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n\
             <text class=\"axis-label\" transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
            f.left,
            f.top,
            f.bottom(),
            f.right(),
            f.left + f.width / 2.0,
            f.bottom() + 40.0,
            esc(xlabel),
            f.top + f.height / 2.0,
            esc(ylabel)
        ));
    }

    fn ticks01() -> Vec<(f64, String)> {
        (0..=5)
            .map(|i| (i as f64 / 5.0, num(i as f64 / 5.0, 1)))
            .collect()
    }

    /// A round top and step for an axis from 0 to at least `max`, about five steps.
    pub(super) fn nice(max: f64) -> (f64, f64) {
        if !(max.is_finite() && max > 0.0) {
            return (1.0, 0.2);
        }
        let raw = max / 5.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|&s| s >= raw)
            .unwrap_or(10.0 * mag);
        ((max / step - 1e-9).ceil().max(1.0) * step, step)
    }

    fn diagonal(o: &mut String, f: &Frame) {
        o.push_str(&format!(
            "<path d=\"{}\" fill=\"none\" stroke=\"{GREY}\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\"/>\n",
            f.path([(0.0, 0.0), (1.0, 1.0)])
        ));
    }

    fn empty(o: &mut String, f: &Frame, why: &str) {
        o.push_str(&format!(
            "<text class=\"empty\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            f.left + f.width / 2.0,
            f.top + f.height / 2.0,
            esc(why)
        ));
    }

    fn fold_line(n: usize) -> (Key, String) {
        (
            Key::Line {
                color: SKY,
                width: 1.6,
                dash: "none",
                opacity: 0.85,
            },
            format!("each fold ({n})"),
        )
    }

    pub(super) fn roc(r: &EvalReport) -> String {
        let auc = summary(r, "roc_auc");
        let heading = match auc {
            Some(s) if s.mean.is_finite() => {
                format!("ROC curves · AUC {} ± {}", num(s.mean, 3), num(s.sd, 3))
            }
            _ => "ROC curves".to_string(),
        };
        let [neg, pos] = class_names(&r.data.labels).map(|n| clip(&n, 22));
        let f = Frame::unit();
        let curves: Vec<_> = r.folds.iter().filter(|fo| !fo.roc.is_empty()).collect();
        let mut o = String::new();
        open(
            &mut o,
            "plot-roc",
            &heading,
            &format!(
                "True positive rate against false positive rate for each of {} folds, their mean, \
                 and the diagonal of chance.",
                curves.len()
            ),
        );
        legend(
            &mut o,
            &f,
            &[
                fold_line(curves.len()),
                (
                    Key::Line {
                        color: BLUE,
                        width: 3.0,
                        dash: "none",
                        opacity: 1.0,
                    },
                    "mean ROC".into(),
                ),
                (
                    Key::Line {
                        color: GREY,
                        width: 1.2,
                        dash: "5 4",
                        opacity: 1.0,
                    },
                    "chance".into(),
                ),
            ],
        );
        axes(
            &mut o,
            &f,
            &ticks01(),
            &ticks01(),
            &format!("false positive rate (share of {neg} flagged)"),
            &format!("true positive rate (share of {pos} caught)"),
        );
        diagonal(&mut o, &f);
        for fo in &curves {
            let d = f.path(fo.roc.iter().map(|p| (p.fpr, p.tpr)));
            if !d.is_empty() {
                let auc = fo.metrics.as_ref().map_or(f64::NAN, |m| m.roc_auc);
                o.push_str(&format!(
                    "<path d=\"{d}\" fill=\"none\" stroke=\"{SKY}\" stroke-width=\"1.6\" stroke-opacity=\"0.85\" \
                     stroke-linejoin=\"round\"><title>fold {}: AUC {}</title></path>\n",
                    super::fold_label(fo, r.options.repeats),
                    num(auc, 3)
                ));
            }
        }
        let d = f.path(r.mean_roc.iter().map(|p| (p.fpr, p.tpr)));
        if !d.is_empty() {
            o.push_str(&format!(
                "<path d=\"{d}\" fill=\"none\" stroke=\"{BLUE}\" stroke-width=\"3\" \
                 stroke-linejoin=\"round\"><title>mean ROC</title></path>\n"
            ));
        }
        if curves.is_empty() && r.mean_roc.is_empty() {
            empty(&mut o, &f, "no fold held both classes");
        }
        o.push_str("</svg>\n");
        o
    }

    pub(super) fn pr(r: &EvalReport) -> String {
        let heading = match summary(r, "pr_auc") {
            Some(s) if s.mean.is_finite() => {
                format!(
                    "Precision–recall · PR-AUC {} ± {}",
                    num(s.mean, 3),
                    num(s.sd, 3)
                )
            }
            _ => "Precision–recall".to_string(),
        };
        let [_, pos] = class_names(&r.data.labels).map(|n| clip(&n, 22));
        let base = ratio(r.data.positives, r.data.rows);
        let f = Frame::unit();
        let curves: Vec<_> = r.folds.iter().filter(|fo| !fo.pr.is_empty()).collect();
        let mut o = String::new();
        open(
            &mut o,
            "plot-pr",
            &heading,
            &format!(
                "Precision against recall for each of {} folds, with the positive base rate {} as \
                 a dashed line.",
                curves.len(),
                num(base, 3)
            ),
        );
        let best = r.pooled.as_ref().map(|p| &p.advice);
        let mut keys = vec![
            fold_line(curves.len()),
            (
                Key::Line {
                    color: VERMILLION,
                    width: 1.6,
                    dash: "6 4",
                    opacity: 1.0,
                },
                "base rate".to_string(),
            ),
        ];
        if best.is_some() {
            keys.push((Key::Dot(INK), "best F1 (pooled)".into()));
        }
        legend(&mut o, &f, &keys);
        axes(
            &mut o,
            &f,
            &ticks01(),
            &ticks01(),
            &format!("recall (share of {pos} caught)"),
            "precision (share of flagged that are right)",
        );
        if base.is_finite() {
            let y = f.py(base);
            o.push_str(&format!(
                "<path d=\"{}\" fill=\"none\" stroke=\"{VERMILLION}\" stroke-width=\"1.6\" stroke-dasharray=\"6 4\"/>\n\
                 <text class=\"annot\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{VERMILLION}\">base rate {}</text>\n",
                f.path([(0.0, base), (1.0, base)]),
                f.right() - 6.0,
                if base > 0.9 { y + 16.0 } else { y - 6.0 },
                num(base, 3)
            ));
        }
        for fo in &curves {
            let d = f.path(fo.pr.iter().map(|p| (p.recall, p.precision)));
            if !d.is_empty() {
                let ap = fo.metrics.as_ref().map_or(f64::NAN, |m| m.pr_auc);
                o.push_str(&format!(
                    "<path d=\"{d}\" fill=\"none\" stroke=\"{SKY}\" stroke-width=\"1.6\" stroke-opacity=\"0.85\" \
                     stroke-linejoin=\"round\"><title>fold {}: PR-AUC {}</title></path>\n",
                    super::fold_label(fo, r.options.repeats),
                    num(ap, 3)
                ));
            }
        }
        if let Some(a) = best {
            if a.best_f1_recall.is_finite() && a.best_f1_precision.is_finite() {
                let (x, y) = (f.px(a.best_f1_recall), f.py(a.best_f1_precision));
                let right = x > f.left + 0.7 * f.width;
                o.push_str(&format!(
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\" fill=\"{INK}\" stroke=\"#fff\" stroke-width=\"1.5\">\
                     <title>best F1 {} at threshold {}</title></circle>\n\
                     <text class=\"annot\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{}\" fill=\"{INK}\">F1 {} at {}</text>\n",
                    num(a.best_f1, 3),
                    num(a.best_f1_threshold, 3),
                    if right { x - 9.0 } else { x + 9.0 },
                    y + 16.0,
                    if right { "end" } else { "start" },
                    num(a.best_f1, 3),
                    num(a.best_f1_threshold, 2)
                ));
            }
        }
        if curves.is_empty() {
            empty(&mut o, &f, "no fold held both classes");
        }
        o.push_str("</svg>\n");
        o
    }

    pub(super) fn calibration(r: &EvalReport) -> String {
        let [_, pos] = class_names(&r.data.labels).map(|n| clip(&n, 22));
        let f = Frame::unit();
        let mut o = String::new();
        let heading = match &r.pooled {
            Some(p) => format!("Calibration · Brier {}", num(p.metrics.brier, 3)),
            None => "Calibration".to_string(),
        };
        let bins: Vec<_> = r
            .pooled
            .iter()
            .flat_map(|p| &p.calibration)
            .filter(|b| b.count > 0 && b.mean_predicted.is_finite() && b.observed_rate.is_finite())
            .collect();
        open(
            &mut o,
            "plot-calibration",
            &heading,
            &format!(
                "Observed share of {pos} against mean predicted probability in {} bins of pooled \
                 out-of-fold scores; point area shows the number of posts.",
                bins.len()
            ),
        );
        legend(
            &mut o,
            &f,
            &[
                (Key::Dot(BLUE), "bin (area ∝ posts, label = count)".into()),
                (
                    Key::Line {
                        color: GREY,
                        width: 1.2,
                        dash: "5 4",
                        opacity: 1.0,
                    },
                    "perfectly calibrated".into(),
                ),
            ],
        );
        axes(
            &mut o,
            &f,
            &ticks01(),
            &ticks01(),
            "mean predicted probability in bin",
            &format!("observed share of {pos}"),
        );
        diagonal(&mut o, &f);
        if bins.is_empty() {
            empty(&mut o, &f, "no pooled predictions");
        } else {
            let most = bins.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
            o.push_str(&format!(
                "<path d=\"{}\" fill=\"none\" stroke=\"{BLUE}\" stroke-width=\"1.5\" stroke-opacity=\"0.6\"/>\n",
                f.path(bins.iter().map(|b| (b.mean_predicted, b.observed_rate)))
            ));
            for b in &bins {
                let (x, y) = (f.px(b.mean_predicted), f.py(b.observed_rate));
                let radius = 3.5 + 9.5 * (b.count as f64 / most).sqrt();
                let label_y = if y - radius - 5.0 < f.top + 10.0 {
                    y + radius + 13.0
                } else {
                    y - radius - 5.0
                };
                o.push_str(&format!(
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{radius:.1}\" fill=\"{BLUE}\" \
                     fill-opacity=\"0.75\" stroke=\"#fff\" stroke-width=\"1.2\">\
                     <title>{}–{}: {} posts, mean predicted {}, observed {}</title></circle>\n\
                     <text class=\"count\" x=\"{x:.1}\" y=\"{label_y:.1}\" text-anchor=\"middle\">{}</text>\n",
                    num(b.lo, 2),
                    num(b.hi, 2),
                    count(b.count),
                    num(b.mean_predicted, 3),
                    num(b.observed_rate, 3),
                    count(b.count)
                ));
            }
        }
        o.push_str("</svg>\n");
        o
    }

    /// A metric of the grid against C (log axis), one line per series of the other settings.
    pub(super) fn tune(
        t: &crate::pipeline::tune::TuneReport,
        what: &str,
        value: fn(&crate::pipeline::tune::SettingResult) -> Option<f64>,
    ) -> String {
        let lc = |c: f64| c.log10();
        let (mut xlo, mut xhi) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut ylo, mut yhi) = (f64::INFINITY, f64::NEG_INFINITY);
        for r in &t.results {
            xlo = xlo.min(lc(r.setting.c));
            xhi = xhi.max(lc(r.setting.c));
            if let Some(v) = value(r).filter(|v| v.is_finite()) {
                ylo = ylo.min(v);
                yhi = yhi.max(v);
            }
        }
        if !(xlo.is_finite() && xhi > xlo) {
            xlo -= 1.0;
            xhi = xlo + 2.0;
        }
        if !(ylo.is_finite() && yhi.is_finite()) {
            (ylo, yhi) = (0.0, 1.0);
        }
        let pad = ((yhi - ylo) * 0.1).max(0.005);
        let (ylo, yhi) = ((ylo - pad).max(0.0), (yhi + pad).min(1.0));
        let f = Frame::new((xlo - 0.2, xhi + 0.2), (ylo, yhi));
        let mut o = String::new();
        open(
            &mut o,
            "plot-tune",
            &format!("{what} against C"),
            &format!("{what} of each setting against C on a log axis, one line per series."),
        );
        let mut series: Vec<String> = Vec::new();
        for r in &t.results {
            let s = &r.setting;
            let key = format!(
                "{}-{} · {} · {}",
                s.ngrams.0,
                s.ngrams.1,
                s.max_features
                    .map_or("no cap".into(), |n| format!("cap {n}")),
                s.class_weight.name()
            );
            if !series.contains(&key) {
                series.push(key);
            }
        }
        const COLORS: [&str; 4] = [BLUE, VERMILLION, SKY, INK];
        legend(
            &mut o,
            &f,
            &series
                .iter()
                .take(4)
                .enumerate()
                .map(|(i, k)| (Key::Dot(COLORS[i % 4]), k.clone()))
                .collect::<Vec<_>>(),
        );
        let xticks: Vec<(f64, String)> = (xlo.floor() as i64..=xhi.ceil() as i64)
            .map(|e| (e as f64, format!("1e{e}")))
            .collect();
        let step = (yhi - ylo) / 5.0;
        let yticks: Vec<(f64, String)> = (0..=5)
            .map(|i| (ylo + step * i as f64, num(ylo + step * i as f64, 3)))
            .collect();
        axes(&mut o, &f, &xticks, &yticks, "C (log scale)", what);
        for (si, key) in series.iter().enumerate() {
            let color = COLORS[si % 4];
            let pts: Vec<(usize, &crate::pipeline::tune::SettingResult)> = t
                .results
                .iter()
                .enumerate()
                .filter(|(_, r)| {
                    let s = &r.setting;
                    key == &format!(
                        "{}-{} · {} · {}",
                        s.ngrams.0,
                        s.ngrams.1,
                        s.max_features
                            .map_or("no cap".into(), |n| format!("cap {n}")),
                        s.class_weight.name()
                    )
                })
                .collect();
            let mut line: Vec<(f64, f64)> = pts
                .iter()
                .map(|(_, r)| (lc(r.setting.c), value(r).unwrap_or(f64::NAN)))
                .collect();
            line.sort_by(|a, b| a.0.total_cmp(&b.0));
            o.push_str(&format!(
                "<path d=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\"/>\n",
                f.path(line.iter().copied())
            ));
            for (i, r) in pts {
                let Some(v) = value(r).filter(|v| v.is_finite()) else {
                    continue;
                };
                let (x, y) = (f.px(lc(r.setting.c)), f.py(v));
                o.push_str(&format!(
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"{color}\"><title>{}: {}</title></circle>\n",
                    esc(&r.setting.describe()),
                    num(v, 4)
                ));
                if t.best == Some(i) {
                    o.push_str(&format!(
                        "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"8\" fill=\"none\" stroke=\"{INK}\" stroke-width=\"1.5\"/>\n"
                    ));
                }
            }
        }
        o.push_str("</svg>\n");
        o
    }

    /// Reliability diagram of out-of-fold scores before and after calibration.
    pub(super) fn reliability(c: &crate::learn::heldout::CalibrationCheck, pos: &str) -> String {
        let pos = clip(pos, 22);
        let f = Frame::unit();
        let mut o = String::new();
        open(
            &mut o,
            "plot-reliability",
            &format!(
                "Reliability · Brier {} → {}",
                num(c.before.brier, 3),
                num(c.after.brier, 3)
            ),
            &format!(
                "Observed share of {pos} against mean predicted probability in bins of \
                 out-of-fold scores, before and after calibration."
            ),
        );
        legend(
            &mut o,
            &f,
            &[
                (Key::Dot(VERMILLION), "before".into()),
                (Key::Dot(BLUE), "after".into()),
            ],
        );
        axes(
            &mut o,
            &f,
            &ticks01(),
            &ticks01(),
            "mean predicted probability in bin",
            &format!("observed share of {pos}"),
        );
        diagonal(&mut o, &f);
        for (bins, color) in [(&c.before.bins, VERMILLION), (&c.after.bins, BLUE)] {
            let pts: Vec<_> = bins
                .iter()
                .filter(|b| {
                    b.count > 0 && b.mean_predicted.is_finite() && b.observed_rate.is_finite()
                })
                .collect();
            if pts.is_empty() {
                continue;
            }
            o.push_str(&format!(
                "<path d=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\"/>\n",
                f.path(pts.iter().map(|b| (b.mean_predicted, b.observed_rate)))
            ));
            for b in pts {
                o.push_str(&format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{color}\"><title>{} posts, \
                     mean predicted {}, observed {}</title></circle>\n",
                    f.px(b.mean_predicted),
                    f.py(b.observed_rate),
                    count(b.count),
                    num(b.mean_predicted, 3),
                    num(b.observed_rate, 3)
                ));
            }
        }
        o.push_str("</svg>\n");
        o
    }

    pub(super) fn histogram(r: &EvalReport) -> String {
        let [neg, pos] = class_names(&r.data.labels).map(|n| clip(&n, 20));
        let mut o = String::new();
        let heading = "Score distribution by class";
        let desc = format!(
            "Histogram of pooled out-of-fold scores for {neg} and {pos} posts, each as a share of \
             its class, with the decision threshold marked."
        );
        let hist = r.pooled.as_ref().map(|p| &p.histogram);
        let n = hist.map_or(0, |h| {
            h.edges
                .len()
                .saturating_sub(1)
                .min(h.positives.len())
                .min(h.negatives.len())
        });
        let threshold = r
            .pooled
            .as_ref()
            .map_or(r.options.threshold, |p| p.metrics.threshold);
        let best = r
            .pooled
            .as_ref()
            .map(|p| p.advice.best_f1_threshold)
            .filter(|t| t.is_finite());
        let (x_lo, x_hi) = match hist {
            Some(h)
                if n > 0
                    && h.edges[0].is_finite()
                    && h.edges[n].is_finite()
                    && h.edges[n] > h.edges[0] =>
            {
                (h.edges[0], h.edges[n])
            }
            _ => (0.0, 1.0),
        };
        let (pos_total, neg_total) = hist.map_or((0, 0), |h| {
            (
                h.positives[..n].iter().sum::<u64>(),
                h.negatives[..n].iter().sum::<u64>(),
            )
        });
        let share = |c: u64, total: u64| ratio(c, total);
        let top_share = hist.map_or(0.0, |h| {
            (0..n)
                .flat_map(|i| {
                    [
                        share(h.positives[i], pos_total),
                        share(h.negatives[i], neg_total),
                    ]
                })
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max)
        });
        let (top, step) = nice(top_share);
        let f = Frame::new((x_lo, x_hi), (0.0, top));
        open(&mut o, "plot-histogram", heading, &desc);
        let mut keys = vec![
            (Key::Swatch(BLUE), neg.clone()),
            (Key::Swatch(VERMILLION), pos.clone()),
            (
                Key::Line {
                    color: INK,
                    width: 1.6,
                    dash: "6 3",
                    opacity: 1.0,
                },
                "threshold".to_string(),
            ),
        ];
        if best.is_some() {
            keys.push((
                Key::Line {
                    color: GREY,
                    width: 1.6,
                    dash: "2 3",
                    opacity: 1.0,
                },
                "best-F1 threshold".into(),
            ));
        }
        legend(&mut o, &f, &keys);
        let decimals = if step * 100.0 >= 1.0 { 0 } else { 1 };
        let yticks: Vec<(f64, String)> = (0..)
            .map(|i| i as f64 * step)
            .take_while(|v| *v <= top + step * 1e-6)
            .map(|v| (v, percent(v, decimals)))
            .collect();
        let xticks: Vec<(f64, String)> = (0..=5)
            .map(|i| x_lo + (x_hi - x_lo) * i as f64 / 5.0)
            .map(|v| (v, num(v, 1)))
            .collect();
        axes(
            &mut o,
            &f,
            &xticks,
            &yticks,
            &format!("score (predicted probability of {pos})"),
            "share of the class's posts",
        );
        match hist {
            Some(h) if n > 0 => {
                for i in 0..n {
                    let (x0, x1) = (f.px(h.edges[i]), f.px(h.edges[i + 1]));
                    let half = ((x1 - x0) / 2.0 - 1.0).max(0.5);
                    for (j, (c, total, color, label)) in [
                        (h.negatives[i], neg_total, BLUE, &neg),
                        (h.positives[i], pos_total, VERMILLION, &pos),
                    ]
                    .into_iter()
                    .enumerate()
                    {
                        let s = share(c, total);
                        if !(s.is_finite() && s > 0.0) {
                            continue;
                        }
                        let y = f.py(s);
                        o.push_str(&format!(
                            "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{half:.1}\" height=\"{:.1}\" \
                             fill=\"{color}\" fill-opacity=\"0.85\">\
                             <title>{}: {} posts ({}) with scores {}–{}</title></rect>\n",
                            x0 + 1.0 + j as f64 * half,
                            f.bottom() - y,
                            esc(label),
                            count(c),
                            percent(s, 1),
                            num(h.edges[i], 2),
                            num(h.edges[i + 1], 2)
                        ));
                    }
                }
                let mut marks = vec![(
                    threshold,
                    INK,
                    "6 3",
                    format!("threshold {}", num(threshold, 2)),
                )];
                if let Some(b) = best {
                    marks.push((b, GREY, "2 3", format!("best F1 {}", num(b, 2))));
                }
                marks.retain(|m| m.0.is_finite());
                // Two labels sit on the outer sides of their lines and on two rows, so they
                // never cross; one near the edge of the plot turns inwards.
                let at: Vec<f64> = marks.iter().map(|m| m.0).collect();
                for (k, (t, color, dash, label)) in marks.into_iter().enumerate() {
                    let x = f.px(t);
                    let outer_left = match (k, at.len()) {
                        (0, 2) => t < at[1],
                        (1, _) => t <= at[0],
                        _ => false,
                    };
                    let label_left = if outer_left {
                        x - f.left > 100.0
                    } else {
                        f.right() - x < 100.0
                    };
                    o.push_str(&format!(
                        "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{color}\" \
                         stroke-width=\"1.6\" stroke-dasharray=\"{dash}\"/>\n\
                         <text class=\"annot\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{}\" fill=\"{color}\">{}</text>\n",
                        f.top,
                        f.bottom(),
                        if label_left { x - 5.0 } else { x + 5.0 },
                        f.top + 14.0 + 16.0 * k as f64,
                        if label_left { "end" } else { "start" },
                        esc(&label)
                    ));
                }
            }
            _ => empty(&mut o, &f, "no pooled predictions"),
        }
        o.push_str("</svg>\n");
        o
    }
}

// ---------------------------------------------------------------------------------------------
// Files

/// Writes report.json, report.md and report.html into `dir` (created if needed) as one set, so
/// an interrupted run never leaves half a report or a mix of two.
pub fn write_all(r: &EvalReport, dir: &Path) -> Result<()> {
    write_files(dir, "report", r, &markdown(r), &html(r))
}

/// Writes `STEM.json` (`value`, pretty), `STEM.md` and `STEM.html` into `dir` (created if
/// needed), swapped in as one set (see [`crate::util::outdir::Staging`]).
pub fn write_files<T: serde::Serialize>(
    dir: &Path,
    stem: &str,
    value: &T,
    md: &str,
    html: &str,
) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::bad_input(
            dir.display().to_string(),
            format!("is not a folder; --report takes a folder for {stem}.json, {stem}.md and {stem}.html"),
        ));
    }
    let names = [
        format!("{stem}.json"),
        format!("{stem}.md"),
        format!("{stem}.html"),
    ];
    let mut json = serde_json::to_vec_pretty(value).map_err(|e| {
        Error::io(
            dir.join(&names[0]).display().to_string(),
            std::io::Error::other(e),
        )
    })?;
    json.push(b'\n');
    let staging = crate::util::outdir::Staging::new(dir, &names)?;
    staging.write(&names[0], &json)?;
    staging.write(&names[1], md.as_bytes())?;
    staging.write(&names[2], html.as_bytes())?;
    staging.commit()
}

// ---------------------------------------------------------------------------------------------
// Model selection (`tune`)

/// The grid's rows, with the chosen one marked: setting, criterion, ROC-AUC, mean and worst
/// source AUC, recall, mean and worst source FPR at the target.
fn tune_rows(
    t: &crate::pipeline::tune::TuneReport,
    escape: fn(&str) -> String,
) -> Vec<Vec<String>> {
    let opt = |x: Option<f64>| x.map_or("—".to_string(), |v| num(v, 4));
    t.results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let s = &r.setting;
            vec![
                if t.best == Some(i) {
                    "▶".into()
                } else {
                    String::new()
                },
                short(s.c, 6),
                format!("{}-{}", s.ngrams.0, s.ngrams.1),
                s.max_features.map_or("none".into(), |n| count(n as u64)),
                s.class_weight.name().into(),
                opt(r.score),
                opt(r.roc_auc),
                opt(r.mean_source_auc),
                opt(r.worst_source_auc),
                opt(r.recall),
                opt(r.mean_fpr),
                opt(r.worst_fpr),
                escape(r.worst_source.as_deref().unwrap_or("—")),
                format!("{:.0}{}", r.iterations, if r.converged { "" } else { "*" }),
            ]
        })
        .collect()
}

const TUNE_HEAD: [&str; 14] = [
    "",
    "C",
    "n-grams",
    "cap",
    "weights",
    "criterion",
    "ROC-AUC",
    "mean src AUC",
    "worst src AUC",
    "recall",
    "mean FPR",
    "worst FPR",
    "worst source",
    "iters",
];

fn tune_intro(t: &crate::pipeline::tune::TuneReport) -> String {
    format!(
        "{}: {} posts ({} positive, {} negative); {} folds grouped by {}{}, seed {}; chosen by {}; \
         recall and FPR at target FPR {} (each fold at the threshold chosen on the other folds)",
        t.source,
        count(t.rows),
        count(t.positives),
        count(t.negatives),
        t.folds,
        t.group_by.as_deref().unwrap_or("—"),
        t.groups.map_or(String::new(), |g| format!(" ({} groups)", count(g))),
        t.seed,
        t.criterion.name(),
        num(t.target_fpr, 3)
    )
}

/// The grid on the terminal.
pub fn tune_terminal(t: &crate::pipeline::tune::TuneReport) -> String {
    let mut out = String::new();
    for l in wrap(&tune_intro(t), TERMINAL_WIDTH) {
        out.push_str(&l);
        out.push('\n');
    }
    out.push('\n');
    let cols = [0usize, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11];
    let widths = [2usize, 8, 8, 9, 9, 10, 8, 8, 8, 9, 10];
    let mut head = String::new();
    for (&c, &w) in cols.iter().zip(&widths) {
        let h = match c {
            5 => "criterion",
            7 => "srcAUC",
            10 => "meanFPR",
            11 => "worstFPR",
            _ => TUNE_HEAD[c],
        };
        head.push_str(&format!("{h:>w$}"));
    }
    out.push_str(head.trim_end());
    out.push('\n');
    for row in tune_rows(t, |s| s.to_string()) {
        let mut line = String::new();
        for (&c, &w) in cols.iter().zip(&widths) {
            line.push_str(&format!("{:>w$}", row[c]));
        }
        out.push_str(clip(line.trim_end(), TERMINAL_WIDTH).as_str());
        out.push('\n');
    }
    if let Some(b) = t.best.and_then(|b| t.results.get(b)) {
        out.push_str(&format!(
            "\nchosen: {} ({} {})\n",
            b.setting.describe(),
            t.criterion.name(),
            b.score.map_or("—".to_string(), |v| num(v, 4))
        ));
        if let (Some(w), Some(f)) = (&b.worst_source, b.worst_fpr) {
            out.push_str(&format!(
                "worst source for it: {} ({} of its negatives flagged)\n",
                clip(w, 40),
                percent(f, 1)
            ));
        }
    }
    if t.results.iter().any(|r| !r.converged) {
        out.push_str("* a fold did not converge within --max-iter\n");
    }
    out
}

/// tune.md.
pub fn tune_markdown(t: &crate::pipeline::tune::TuneReport) -> String {
    let mut out = format!(
        "# trollwatch tune: {}\n\n{}\n\n",
        md(&t.source),
        md(&tune_intro(t))
    );
    md_table(&mut out, &TUNE_HEAD.map(String::from), &tune_rows(t, md), 1);
    if let Some(b) = t.best.and_then(|b| t.results.get(b)) {
        out.push_str(&format!("Chosen: {}.\n\n", md(&b.setting.describe())));
    }
    out.push_str(&format!("trollwatch {}\n", md(&t.trollwatch_version)));
    out
}

/// tune.html: the criterion against C, one line per other setting, and the table.
pub fn tune_html(t: &crate::pipeline::tune::TuneReport) -> String {
    let mut o = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>trollwatch tune: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <header>\n<p class=\"kicker\">trollwatch {} · model selection</p>\n<h1>{}</h1>\n<p class=\"muted\">{}</p>\n</header>\n",
        esc(&t.source),
        esc(&t.trollwatch_version),
        esc(&t.source),
        esc(&tune_intro(t))
    );
    o.push_str("<section>\n<div class=\"plots\">\n");
    for (plot, caption) in [
        (
            svg::tune(t, "criterion", |r| r.score),
            format!("The criterion ({}) against C, one line per n-gram range, cap and weighting; the ring marks the chosen setting.", t.criterion.name()),
        ),
        (
            svg::tune(t, "worst source FPR", |r| r.worst_fpr),
            format!("The worst held-out source's false-positive rate at target FPR {} (lower is better).", num(t.target_fpr, 3)),
        ),
    ] {
        o.push_str(&format!("<figure>\n{plot}<figcaption>{}</figcaption>\n</figure>\n", esc(&caption)));
    }
    o.push_str("</div>\n</section>\n<section>\n<h2>Every setting</h2>\n<table>\n<thead><tr>");
    for (i, h) in TUNE_HEAD.iter().enumerate() {
        o.push_str(&if i < 5 || i == 12 {
            format!("<th>{h}</th>")
        } else {
            format!("<th class=\"n\">{h}</th>")
        });
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for (k, row) in tune_rows(t, esc).into_iter().enumerate() {
        o.push_str(&format!(
            "<tr{}>",
            if t.best == Some(k) {
                " class=\"weak\""
            } else {
                ""
            }
        ));
        for (i, c) in row.iter().enumerate() {
            o.push_str(&if i < 5 || i == 12 {
                format!("<td>{c}</td>")
            } else {
                format!("<td class=\"n\">{c}</td>")
            });
        }
        o.push_str("</tr>\n");
    }
    o.push_str(&format!(
        "</tbody>\n</table>\n</section>\n<footer>trollwatch {} · every figure comes from \
         out-of-fold predictions on groups the model never saw.</footer>\n</main>\n</body>\n</html>\n",
        esc(&t.trollwatch_version)
    ));
    o
}

/// Writes tune.json, tune.md and tune.html into `dir` (created if missing), atomically.
pub fn write_tune(t: &crate::pipeline::tune::TuneReport, dir: &Path) -> Result<()> {
    write_files(dir, "tune", t, &tune_markdown(t), &tune_html(t))
}

// ---------------------------------------------------------------------------------------------
// A report made by hand, for tests and for looking at the rendering

/// A small, internally consistent report: four grouped folds, the last of which has only
/// one class in its test part and so no metrics. Curves are power-law ROC curves
/// tpr = 1 − (1 − fpr)^k, whose AUC is k / (k + 1). Every number has at most six decimals, so
/// the JSON round trip is exact.
#[doc(hidden)]
pub fn sample_report() -> EvalReport {
    use crate::learn::logistic::FitReport;
    use crate::learn::metrics::MetricSummary;
    use crate::learn::metrics::{
        CalibrationBin, PrPoint, RocPoint, ScoreHistogram, TargetPrecision, ThresholdAdvice,
    };
    use crate::pipeline::evaluate::{EvalData, Pooled};
    use crate::pipeline::folds::EvalOptions;
    use crate::text::dataset::{SkipCount, SkipReport};

    let r6 = |x: f64| (x * 1e6).round() / 1e6;
    let from_confusion = |c: Confusion, roc_auc: f64, pr_auc: f64, log_loss: f64, brier: f64| {
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
    };
    let fit = FitReport {
        iterations: 57,
        evaluations: 63,
        final_loss: 412.5,
        converged: true,
        termination: "gradient norm below tolerance".into(),
        initial_gradient_norm: 0.5,
        final_gradient_norm: 0.00042,
    };
    let (n_test, test_pos) = (500usize, 200usize);
    let prior = test_pos as f64 / n_test as f64;
    let fitted = [
        (
            7.0,
            Confusion {
                tp: 160,
                fp: 36,
                tn: 264,
                fn_: 40,
            },
        ),
        (
            10.0,
            Confusion {
                tp: 170,
                fp: 27,
                tn: 273,
                fn_: 30,
            },
        ),
        (
            13.0,
            Confusion {
                tp: 176,
                fp: 22,
                tn: 278,
                fn_: 24,
            },
        ),
    ];
    let mut folds = Vec::new();
    for (i, &(k, confusion)) in fitted.iter().enumerate() {
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
        let metrics = from_confusion(
            confusion,
            k / (k + 1.0),
            pr_auc,
            0.52 - 0.015 * k,
            0.17 - 0.005 * k,
        );
        folds.push(FoldReport {
            repeat: 0,
            fold: i,
            n_train: 1500,
            n_test,
            test_positives: test_pos,
            test_groups: Some(40 + 3 * i),
            test_time_range: None,
            metrics: Some(metrics),
            note: None,
            roc,
            pr,
            category_recall: Vec::new(),
            fit: fit.clone(),
            n_features: 11_000 + 250 * i,
        });
    }
    folds.push(FoldReport {
        repeat: 0,
        fold: 3,
        n_train: 1500,
        n_test,
        test_positives: 0,
        test_groups: Some(67),
        test_time_range: None,
        metrics: None,
        note: Some(
            "fold 4: roc_auc needs both classes, but only 500 rows of one class are present".into(),
        ),
        roc: Vec::new(),
        pr: Vec::new(),
        category_recall: Vec::new(),
        fit: fit.clone(),
        n_features: 11_400,
    });

    let summary = METRICS
        .iter()
        .map(|(key, _, _)| {
            let v: Vec<f64> = folds
                .iter()
                .filter_map(|f| f.metrics.as_ref().map(|m| metric(m, key)))
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
        .collect();
    let mean_roc = (0..=100)
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
        .collect();

    // Pooled: the three fitted folds plus the all-negative fold's 41 false alarms.
    let pooled_confusion = Confusion {
        tp: 506,
        fp: 126,
        tn: 1274,
        fn_: 94,
    };
    let (positives, negatives) = (600u64, 1400u64);
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
    let histogram = ScoreHistogram {
        edges: (0..=20).map(|i| r6(i as f64 / 20.0)).collect(),
        negatives: spread(negatives, &|i| (-(i as f64) / 3.2).exp()),
        positives: spread(positives, &|i| (-((19 - i) as f64) / 3.0).exp()),
    };
    let calibration = [
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
    .collect();
    let category_recall = [
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
    .collect();
    let mut skipped = SkipReport::default();
    skipped.by_reason.insert(
        "empty text".into(),
        SkipCount {
            rows: 3,
            first_line: 118,
        },
    );

    EvalReport {
        trollwatch_version: env!("CARGO_PKG_VERSION").into(),
        options: EvalOptions {
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
        },
        data: EvalData {
            source: "demo.csv".into(),
            rows: positives + negatives,
            positives,
            negatives,
            labels: ["ordinary".into(), "troll".into()],
            groups: Some(190),
            skipped,
            warnings: Vec::new(),
            untested: 0,
            input_sha256: "9f2c4e1a7b3d5f608c1e2a4b6d8f0a1c3e5b7d9f1a2c4e6b8d0f2a4c6e8b0d2f".into(),
        },
        folds,
        summary,
        mean_roc,
        pooled: Some(Pooled {
            metrics: from_confusion(pooled_confusion, 0.9012, 0.8134, 0.3921, 0.1187),
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
            calibration,
            histogram,
            category_recall,
        }),
        heldout: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        if let Some(m) = r.folds[0].metrics.as_mut() {
            m.log_loss = f64::INFINITY;
            m.mcc = f64::NAN;
        }
        r.folds[1].roc[3].tpr = f64::NAN;
        r.mean_roc[5].tpr = f64::NEG_INFINITY;
        let p = r.pooled.as_mut().unwrap();
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
            f.roc.clear();
            f.pr.clear();
            f.note = Some("its test part holds only one class".into());
        }
        for s in &mut r.summary {
            s.stat = MeanSd::default();
        }
        r.mean_roc.clear();
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
        r.data.labels[1] = "<b>&\"".into();
        r.data.source = "posts<script>.csv".into();
        r.pooled.as_mut().unwrap().category_recall[0].category = "<i>x</i>".into();
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
            let row = format!("| {} | 1,500 | 500 | {} |", f.fold + 1, f.test_positives);
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
        r.data.labels[1] = "z".repeat(80);
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
        r.data.labels = ["0".into(), "1".into()];
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
}
