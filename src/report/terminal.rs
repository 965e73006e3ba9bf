//! The compact table `evaluate` prints on the terminal.

use super::*;
use crate::pipeline::evaluate::Pooled;

/// A compact table for the terminal, at most 100 columns wide: one row per fold, mean and sd,
/// the pooled threshold advice and confusion matrix, and recall per category.
pub fn terminal_table(r: &EvalReport) -> String {
    if !r.is_binary() {
        return super::classes::terminal_table(r);
    }
    let [neg, pos] = class_names(&r.data.labels()).map(|n| clip(&n, 20));
    let mut lines = terminal_intro(r, &neg, &pos);
    lines.extend(terminal_folds(r));
    lines.extend(terminal_fold_summary(r));
    match &r.pooled_two() {
        Some(p) => lines.extend(terminal_pooled(r, p, &neg, &pos)),
        None => lines
            .push("no pooled metrics: the out-of-fold predictions do not hold both classes".into()),
    }
    lines.extend(terminal_categories(r));
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

/// Width of the fold table's cells before the metrics. Room for counts up to 9,999,999 test
/// rows without columns running together.
const LEAD: usize = 25;

/// The data in one line, the split and threshold in another, and a blank line.
fn terminal_intro(r: &EvalReport, neg: &str, pos: &str) -> Vec<String> {
    let d = &r.data;
    vec![
        format!(
            "{}: {} posts, {} {pos} and {} {neg}",
            d.source,
            count(d.rows),
            count(d.positives()),
            count(d.negatives())
        ),
        format!(
            "{}; threshold {}",
            split_text(r),
            num(r.options.threshold, 2)
        ),
        String::new(),
    ]
}

/// The header and one row per fold: its metrics and any note below them, or the note in
/// their place.
fn terminal_folds(r: &EvalReport) -> Vec<String> {
    let mut head = format!("{:<6}{:>10}{:>9}", "fold", "n_test", "pos");
    for (_, short, _) in METRICS {
        head.push_str(&format!("{short:>8}"));
    }
    let mut lines = vec![head];
    for f in &r.folds {
        let lead = format!(
            "{:<6}{:>10}{:>9}",
            fold_label(f, r.options.repeats),
            count(f.n_test as u64),
            count(f.test_positives.unwrap_or(0) as u64)
        );
        match &f.two() {
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
    lines
}

/// A rule, the mean and sd rows under the fold table, how many folds they cover when some
/// have no metrics, and a blank line.
fn terminal_fold_summary(r: &EvalReport) -> Vec<String> {
    let mut mean = format!("{:<LEAD$}", "mean");
    let mut sd = format!("{:<LEAD$}", "± sd");
    let mut n_with = None;
    for (key, _, _) in METRICS {
        let s = summary(r, key);
        mean.push_str(&format!("{:>8}", num(s.map_or(f64::NAN, |s| s.mean), 4)));
        sd.push_str(&format!("{:>8}", num(s.map_or(f64::NAN, |s| s.sd), 4)));
        n_with = n_with.or(s.map(|s| s.n));
    }
    let mut lines = vec!["-".repeat(LEAD + 8 * METRICS.len()), mean, sd];
    if let Some(n) = n_with.filter(|&n| n < r.folds.len()) {
        lines.push(format!(
            "(mean and sd over the {n} of {} folds that have metrics)",
            r.folds.len()
        ));
    }
    lines.push(String::new());
    lines
}

/// The pooled operating points (decision threshold, best F1, target precision) and the
/// confusion matrix.
fn terminal_pooled(r: &EvalReport, p: &Pooled, neg: &str, pos: &str) -> Vec<String> {
    let m = &p.metrics;
    let a = &p.advice;
    let which = if r.options.repeats > 1 {
        " (first repeat)"
    } else {
        ""
    };
    let mut lines = vec![
        format!(
            "pooled out-of-fold{which} at threshold {}: precision {}, recall {}, F1 {}",
            num(m.threshold, 4),
            num(m.precision, 4),
            num(m.recall, 4),
            num(m.f1, 4)
        ),
        format!(
            "best F1 {} at threshold {} (precision {}, recall {})",
            num(a.best_f1, 4),
            num(a.best_f1_threshold, 4),
            num(a.best_f1_precision, 4),
            num(a.best_f1_recall, 4)
        ),
    ];
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
    lines.extend(confusion_lines(&m.confusion, neg, pos, m.threshold));
    lines
}

/// Recall per category, lowest first, after a blank line; nothing without categories.
fn terminal_categories(r: &EvalReport) -> Vec<String> {
    let cats = categories(r);
    if cats.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![
        String::new(),
        format!(
            "recall by {} (lowest first)",
            r.options.category_col.as_deref().unwrap_or("category")
        ),
        format!(
            "  {:<28}{:>10}{:>10}{:>8}",
            "category", "positives", "detected", "recall"
        ),
    ];
    for c in &cats {
        lines.push(format!(
            "  {:<28}{:>10}{:>10}{:>8}",
            clip(&c.category, 27),
            count(c.positives),
            count(c.detected),
            num(c.recall, 4)
        ));
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
