//! Rendering an [`EvalReport`] of two or K classes for people: a compact table for the
//! terminal, and the report folder `evaluate --report DIR` writes: report.json (the report itself, for programs),
//! report.md (the tables) and report.html (one self-contained page: a headline, the tables,
//! and ROC, precision–recall, calibration and score-histogram plots drawn by hand as inline
//! SVG, with no script, font, style sheet or image fetched from anywhere). Each entry point
//! renders the sections the task has: the two-class ones here and in `svg`, the K-class
//! ones (per-class table, confusion heat map, baseline) in `classes`.
//!
//! It owns presentation only. Every number comes from `evaluate` and `metrics`; nothing here
//! computes a metric (it only sums category counts when no pooled figures exist). Strings
//! that come from the user or the data (labels, categories, file and column names) are escaped
//! for the format they land in, and a number that is not finite prints as "n/a", never as
//! NaN or inf.

mod classes;
mod coordination;
mod html;
mod markdown;
mod svg;
mod terminal;
#[cfg(test)]
mod tests;
mod tune;

pub use coordination::coordination_html;
pub use html::html;
pub use markdown::markdown;
pub use terminal::terminal_table;
pub use tune::{tune_terminal, write_tune};

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::learn::metrics::{BinaryMetrics, CategoryRecall, Confusion, MeanSd};
use crate::pipeline::evaluate::{EvalReport, FoldReport, HeldOut};
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
pub(crate) fn clip(s: &str, n: usize) -> String {
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
    let mut v = match &r.pooled_two() {
        Some(p) if !p.category_recall.is_empty() => p.category_recall.clone(),
        _ => {
            let mut sums: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
            for c in r
                .folds
                .iter()
                .filter(|f| f.repeat == 0)
                .flat_map(|f| &f.curves().category_recall)
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
// Rows and lines of the sections, shared by the formats

/// Rows of the per-source table: source, rows, negatives, FPR, positives, recall, AUC.
fn source_rows(h: &HeldOut, escape: fn(&str) -> String) -> Vec<Vec<String>> {
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
fn heldout_summary(h: &HeldOut) -> String {
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

fn heldout_lines(h: &HeldOut) -> Vec<String> {
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

fn data_rows(r: &EvalReport, escape: fn(&str) -> String) -> Vec<(&'static str, String)> {
    let d = &r.data;
    let mut rows = vec![
        ("source", escape(&d.source)),
        ("posts", count(d.rows)),
        (
            "positive class",
            format!(
                "{} ({} posts)",
                escape(&d.labels()[1]),
                count(d.positives())
            ),
        ),
        (
            "negative class",
            format!(
                "{} ({} posts)",
                escape(&d.labels()[0]),
                count(d.negatives())
            ),
        ),
        (
            "base rate",
            format!("{} positive", percent(ratio(d.positives(), d.rows), 1)),
        ),
    ];
    if let Some(g) = d.read.groups {
        let column = escape(r.options.group_by.as_deref().unwrap_or("the group column"));
        rows.push((
            "groups",
            format!("{} distinct values of {column}", count(g)),
        ));
    }
    let skipped = d.read.skipped.total();
    rows.push((
        "skipped rows",
        if skipped == 0 {
            "none".into()
        } else {
            let parts: Vec<String> = d
                .read
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
    if d.read.untested > 0 {
        rows.push((
            "untested rows",
            format!(
                "{} — their texts also lie in other folds, so they only train",
                count(d.read.untested)
            ),
        ));
    }
    for w in &d.read.warnings {
        rows.push(("warning", escape(w)));
    }
    rows.push(("input SHA-256", escape(&d.read.input_sha256)));
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
    let Some(p) = &r.pooled_two() else {
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
// Wrapping and escaping text, Markdown tables, fold cells

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
        count(f.test_positives.unwrap_or(0) as u64),
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

/// The start of a self-contained HTML page, up to and including `<main>`: `title` (already
/// escaped), the style sheet, and a policy that lets the page fetch nothing.
fn page_start(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
    )
}

/// The end of a page [`page_start`] began.
const PAGE_END: &str = "</main>\n</body>\n</html>\n";

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
