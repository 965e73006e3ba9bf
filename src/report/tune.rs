//! What `tune` prints and writes: the grid of settings tried and the one chosen.

use super::*;

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
    let mut o = page_start(&format!("trollwatch tune: {}", esc(&t.source)));
    o.push_str(&format!(
        "<header>\n<p class=\"kicker\">trollwatch {} · model selection</p>\n<h1>{}</h1>\n\
         <p class=\"muted\">{}</p>\n</header>\n",
        esc(&t.trollwatch_version),
        esc(&t.source),
        esc(&tune_intro(t))
    ));
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
         out-of-fold predictions on groups the model never saw.</footer>\n{PAGE_END}",
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
