//! The compact table `evaluate` prints on the terminal.

use super::*;

/// A compact table for the terminal, at most 100 columns wide: one row per fold, mean and sd,
/// the pooled threshold advice and confusion matrix, and recall per category.
pub fn terminal_table(r: &EvalReport) -> String {
    if !r.is_binary() {
        return super::classes::terminal_table(r);
    }
    let d = &r.data;
    let [neg, pos] = class_names(&d.labels()).map(|n| clip(&n, 20));
    let mut lines: Vec<String> = vec![
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

    lines.extend(pooled_lines(r, [&neg, &pos]));
    lines.extend(category_lines(r));
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

// ---------------------------------------------------------------------------------------------
// Markdown

/// The pooled metrics at the threshold, the threshold advice and the confusion matrix.
fn pooled_lines(r: &EvalReport, [neg, pos]: [&str; 2]) -> Vec<String> {
    let mut lines = Vec::new();
    match &r.pooled_two() {
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
            lines.extend(confusion_lines(&m.confusion, neg, pos, m.threshold));
        }
        None => lines
            .push("no pooled metrics: the out-of-fold predictions do not hold both classes".into()),
    }
    lines
}

/// Recall per category, lowest first (none without categories).
fn category_lines(r: &EvalReport) -> Vec<String> {
    let mut lines = Vec::new();
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
    lines
}
