//! The report of a K-class evaluation: the terminal table, `report.md`, and `report.html`
//! (self-contained, no network, with the confusion matrix as an SVG heat map): the fold table
//! of the K-class metrics, the per-class table, the majority-class baseline and the confusion
//! matrix. The report's entry points ([`super::terminal_table`], [`super::markdown`],
//! [`super::html`]) come here for K classes. The same report gives the same bytes.

use std::fmt::Write;

use crate::learn::multiclass_metrics::MultiMetrics;
use crate::pipeline::evaluate::EvalReport;
use crate::report::{esc, page_start, PAGE_END};

fn f4(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "-".into()
    }
}

fn strategy_name(r: &EvalReport) -> &'static str {
    r.strategy.map_or("", |s| s.name())
}

fn summary_line(r: &EvalReport) -> String {
    r.summary
        .iter()
        .map(|s| format!("{} {} ± {}", s.metric, f4(s.stat.mean), f4(s.stat.sd)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn split_text(r: &EvalReport) -> String {
    let o = &r.options;
    match (&o.split, &o.group_by) {
        (crate::pipeline::folds::SplitKind::Time, _) => format!(
            "{} time folds on {}",
            o.folds,
            o.time_col.as_deref().unwrap_or("?")
        ),
        (_, Some(g)) => format!("{} folds grouped by {g}, stratified", o.folds),
        _ => format!("{} stratified folds", o.folds),
    }
}

/// The per-class table (precision, recall, F1, support) with macro and weighted rows.
fn class_table(m: &MultiMetrics) -> String {
    let w = m
        .per_class
        .iter()
        .map(|c| c.class.chars().count())
        .max()
        .unwrap_or(5)
        .clamp(12, 28);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<w$} {:>9} {:>9} {:>9} {:>9}",
        "class", "precision", "recall", "f1", "support"
    );
    for c in &m.per_class {
        let name: String = c.class.chars().take(w).collect();
        let _ = writeln!(
            o,
            "{name:<w$} {:>9.4} {:>9.4} {:>9.4} {:>9}",
            c.precision, c.recall, c.f1, c.support
        );
    }
    let n: u64 = m.per_class.iter().map(|c| c.support).sum();
    let _ = writeln!(
        o,
        "{:<w$} {:>9} {:>9} {:>9.4} {n:>9}",
        "macro", "", "", m.macro_f1
    );
    let _ = writeln!(
        o,
        "{:<w$} {:>9} {:>9} {:>9.4} {n:>9}",
        "weighted", "", "", m.weighted_f1
    );
    let _ = writeln!(
        o,
        "{:<w$} {:>9} {:>9} {:>9.4} {n:>9}",
        "accuracy", "", "", m.accuracy
    );
    o
}

fn confusion_text(m: &MultiMetrics) -> String {
    let k = m.per_class.len();
    let w = 10usize;
    let short = |s: &str| -> String { s.chars().take(w).collect() };
    let mut o = String::new();
    let _ = write!(o, "{:<w$}", "true\\pred");
    for c in &m.per_class {
        let _ = write!(o, " {:>w$}", short(&c.class));
    }
    o.push('\n');
    for t in 0..k {
        let _ = write!(o, "{:<w$}", short(&m.per_class[t].class));
        for p in 0..k {
            let _ = write!(o, " {:>w$}", m.confusion[t][p]);
        }
        o.push('\n');
    }
    o
}

/// The table printed on the terminal.
pub(super) fn terminal_table(r: &EvalReport) -> String {
    let mut o = String::new();
    let d = &r.data;
    let _ = writeln!(
        o,
        "{}: {} posts, {} classes ({}), {}, {} model",
        d.source,
        d.rows,
        d.classes.len(),
        d.classes
            .iter()
            .zip(&d.counts)
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        split_text(r),
        strategy_name(r)
    );
    for x in &d.dropped {
        let _ = writeln!(o, "left out: {:?} ({} rows, {})", x.value, x.rows, x.reason);
    }
    let _ = writeln!(
        o,
        "\n{:>6} {:>5} {:>8} {:>7} {:>9} {:>9} {:>11} {:>9}",
        "repeat", "fold", "train", "test", "accuracy", "macro_f1", "weighted_f1", "log_loss"
    );
    for f in &r.folds {
        match f.classes() {
            Some(m) => {
                let _ = writeln!(
                    o,
                    "{:>6} {:>5} {:>8} {:>7} {:>9.4} {:>9.4} {:>11.4} {:>9.4}",
                    f.repeat + 1,
                    f.fold + 1,
                    f.n_train,
                    f.n_test,
                    m.accuracy,
                    m.macro_f1,
                    m.weighted_f1,
                    m.log_loss.unwrap_or(f64::NAN)
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "{:>6} {:>5} {:>8} {:>7}  {}",
                    f.repeat + 1,
                    f.fold + 1,
                    f.n_train,
                    f.n_test,
                    f.note.as_deref().unwrap_or("not fitted")
                );
            }
        }
    }
    let _ = writeln!(o, "mean ± sd: {}", summary_line(r));
    if let Some(p) = r.pooled_classes() {
        let _ = writeln!(o, "\npooled out-of-fold predictions:");
        o.push_str(&class_table(p));
        let _ = writeln!(o, "log-loss {}", f4(p.log_loss.unwrap_or(f64::NAN)));
        if let Some(b) = &r.baseline {
            let _ = writeln!(
                o,
                "majority-class guess ({:?}): accuracy {:.4}, macro F1 {:.4}, weighted F1 {:.4}",
                b.majority_class, b.accuracy, b.macro_f1, b.weighted_f1
            );
        }
        let _ = writeln!(
            o,
            "\nconfusion matrix (rows: true class, columns: predicted):"
        );
        o.push_str(&confusion_text(p));
    }
    o
}

/// report.md.
pub(super) fn markdown(r: &EvalReport) -> String {
    let mut o = String::new();
    let d = &r.data;
    let _ = writeln!(
        o,
        "# trollwatch multi-class evaluation: {}\n",
        md(&d.source)
    );
    let _ = writeln!(
        o,
        "{} posts, {} classes, {}, {} model; trollwatch {}.\n",
        d.rows,
        d.classes.len(),
        split_text(r),
        strategy_name(r),
        r.trollwatch_version
    );
    let _ = writeln!(o, "Mean ± sd over folds: {}.\n", summary_line(r));
    let _ = writeln!(o, "## Folds\n\n| repeat | fold | train | test | accuracy | macro F1 | weighted F1 | log-loss | note |\n|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for f in &r.folds {
        let m = f.classes();
        let v =
            |g: &dyn Fn(&MultiMetrics) -> Option<f64>| m.and_then(g).map_or("-".to_string(), f4);
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            f.repeat + 1,
            f.fold + 1,
            f.n_train,
            f.n_test,
            v(&|m| Some(m.accuracy)),
            v(&|m| Some(m.macro_f1)),
            v(&|m| Some(m.weighted_f1)),
            v(&|m| m.log_loss),
            md(f.note.as_deref().unwrap_or(""))
        );
    }
    if let Some(p) = r.pooled_classes() {
        o.push_str(&md_per_class(r, p));
        o.push_str(&md_confusion(p));
    }
    o
}

/// A table cell in the K-class report.md: pipes escaped.
fn md(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The pooled per-class table, the overall figures and the majority-class baseline.
fn md_per_class(r: &EvalReport, p: &MultiMetrics) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "\n## Per class (pooled out-of-fold predictions)\n\n| class | precision | recall | F1 | support |\n|---|---:|---:|---:|---:|");
    for c in &p.per_class {
        let _ = writeln!(
            o,
            "| {} | {:.4} | {:.4} | {:.4} | {} |",
            md(&c.class),
            c.precision,
            c.recall,
            c.f1,
            c.support
        );
    }
    let _ = writeln!(
        o,
        "\naccuracy {:.4}, macro F1 {:.4}, weighted F1 {:.4}, log-loss {}",
        p.accuracy,
        p.macro_f1,
        p.weighted_f1,
        f4(p.log_loss.unwrap_or(f64::NAN))
    );
    if let Some(b) = &r.baseline {
        let _ = writeln!(
            o,
            "\nmajority-class guess ({}): accuracy {:.4}, macro F1 {:.4}, weighted F1 {:.4}",
            md(&b.majority_class),
            b.accuracy,
            b.macro_f1,
            b.weighted_f1
        );
    }
    o
}

/// The pooled confusion matrix as a table, true classes in rows.
fn md_confusion(p: &MultiMetrics) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "\n## Confusion matrix (rows: true, columns: predicted)\n\n| true \\ predicted |"
    );
    for c in &p.per_class {
        let _ = write!(o, " {} |", md(&c.class));
    }
    let _ = write!(o, "\n|---|");
    for _ in &p.per_class {
        o.push_str("---:|");
    }
    o.push('\n');
    for (t, row) in p.confusion.iter().enumerate() {
        let _ = write!(o, "| {} |", md(&p.per_class[t].class));
        for v in row {
            let _ = write!(o, " {v} |");
        }
        o.push('\n');
    }
    o
}

/// The confusion matrix as an SVG heat map: cells shaded by the share of the true class's
/// rows (row-normalized recall), labelled with counts and shares.
fn heat_map(m: &MultiMetrics) -> String {
    let k = m.per_class.len();
    let cell = 64.0;
    let left = 150.0;
    let top = 120.0;
    let width = left + cell * k as f64 + 20.0;
    let height = top + cell * k as f64 + 50.0;
    let mut o = format!(
        "<svg class=\"plot heatmap\" viewBox=\"0 0 {width} {height}\" style=\"max-width:{width}px\" role=\"img\" \
         aria-label=\"Confusion matrix heat map\" xmlns=\"http://www.w3.org/2000/svg\">\n"
    );
    let _ = writeln!(
        o,
        "<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">predicted class</text>",
        left + cell * k as f64 / 2.0,
        height - 12.0
    );
    let short = |s: &str| super::clip(s, 16);
    for (c, pc) in m.per_class.iter().enumerate() {
        let x = left + cell * (c as f64 + 0.5);
        let _ = writeln!(
            o,
            "<text class=\"tick\" transform=\"translate({x},{}) rotate(-40)\">{}</text>",
            top - 8.0,
            esc(&short(&pc.class))
        );
        let _ = writeln!(
            o,
            "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            top + cell * (c as f64 + 0.5) + 4.0,
            esc(&short(&pc.class))
        );
    }
    for t in 0..k {
        let total: u64 = m.confusion[t].iter().sum();
        for p in 0..k {
            let n = m.confusion[t][p];
            let share = if total == 0 {
                0.0
            } else {
                n as f64 / total as f64
            };
            // From white to the report's blue (#0072B2) by share.
            let mix = |hi: f64| (255.0 - (255.0 - hi) * share).round() as u8;
            let fill = format!("#{:02x}{:02x}{:02x}", mix(0.0), mix(114.0), mix(178.0));
            let text = if share > 0.55 { "#ffffff" } else { "#1f2937" };
            let (x, y) = (left + cell * p as f64, top + cell * t as f64);
            let _ = writeln!(
                o,
                "<rect class=\"cell\" x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" \
                 fill=\"{fill}\" stroke=\"#ffffff\"><title>true {} → predicted {}: {n} ({:.1}%)</title></rect>",
                esc(&m.per_class[t].class),
                esc(&m.per_class[p].class),
                100.0 * share
            );
            let _ = writeln!(
                o,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" fill=\"{text}\">{n}</text>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"{text}\">{:.0}%</text>",
                x + cell / 2.0,
                y + cell / 2.0,
                x + cell / 2.0,
                y + cell / 2.0 + 14.0,
                100.0 * share
            );
        }
    }
    let _ = writeln!(
        o,
        "<text class=\"axis-label\" transform=\"translate(14,{}) rotate(-90)\" text-anchor=\"middle\">true class</text>",
        top + cell * k as f64 / 2.0
    );
    o.push_str("</svg>\n");
    o
}

/// report.html: one self-contained page.
pub(super) fn html(r: &EvalReport) -> String {
    let mut o = String::with_capacity(32 * 1024);
    o.push_str(&page_start(&format!(
        "trollwatch multi-class evaluation: {}",
        esc(&r.data.source)
    )));
    o.push_str(&html_header(r));
    if let Some(p) = r.pooled_classes() {
        o.push_str(&html_per_class(r, p));
        o.push_str("<section>\n<h2>Confusion matrix</h2>\n<figure>\n");
        o.push_str(&heat_map(p));
        o.push_str("<figcaption>Rows: true class; columns: predicted class. Shade: share of the true class's posts (recall on the diagonal).</figcaption>\n</figure>\n</section>\n");
    }
    o.push_str(&html_folds(r));
    o.push_str(&html_data(r));
    o.push_str("<footer>Made by trollwatch. Every number in report.json.</footer>\n");
    o.push_str(PAGE_END);
    o
}

/// The kicker, title, headline (macro F1 and accuracy over the folds) and the split.
fn html_header(r: &EvalReport) -> String {
    let d = &r.data;
    let stat = |name: &str| {
        r.summary
            .iter()
            .find(|s| s.metric == name)
            .map_or("-".to_string(), |s| {
                format!("{} ± {}", f4(s.stat.mean), f4(s.stat.sd))
            })
    };
    format!(
        "<header>\n<p class=\"kicker\">trollwatch {} · multi-class cross-validation report</p>\n<h1>{}</h1>\n\
         <p class=\"headline\"><strong>macro F1 {}</strong> · accuracy {}</p>\n\
         <p class=\"split\">{} posts · {} classes · {} · {} model</p>\n</header>\n",
        esc(&r.trollwatch_version),
        esc(&d.source),
        stat("macro_f1"),
        stat("accuracy"),
        d.rows,
        d.classes.len(),
        esc(&split_text(r)),
        strategy_name(r)
    )
}

/// The pooled per-class table with macro, weighted, accuracy and log-loss rows, and the
/// majority-class baseline.
fn html_per_class(r: &EvalReport, p: &MultiMetrics) -> String {
    let mut o = String::from("<section>\n<h2>Per class (pooled out-of-fold predictions)</h2>\n<table>\n<thead><tr><th>class</th><th class=\"n\">precision</th><th class=\"n\">recall</th><th class=\"n\">F1</th><th class=\"n\">support</th></tr></thead>\n<tbody>\n");
    for c in &p.per_class {
        let _ = writeln!(
            o,
            "<tr><th>{}</th><td class=\"n\">{:.4}</td><td class=\"n\">{:.4}</td><td class=\"n\">{:.4}</td><td class=\"n\">{}</td></tr>",
            esc(&c.class),
            c.precision,
            c.recall,
            c.f1,
            c.support
        );
    }
    let n: u64 = p.per_class.iter().map(|c| c.support).sum();
    let _ = writeln!(
        o,
        "</tbody>\n<tfoot><tr><td>macro F1</td><td></td><td></td><td class=\"n\">{:.4}</td><td class=\"n\">{n}</td></tr>\
         <tr><td>weighted F1</td><td></td><td></td><td class=\"n\">{:.4}</td><td class=\"n\">{n}</td></tr>\
         <tr><td>accuracy</td><td></td><td></td><td class=\"n\">{:.4}</td><td class=\"n\">{n}</td></tr>\
         <tr><td>log-loss</td><td></td><td></td><td class=\"n\">{}</td><td></td></tr></tfoot>\n</table>",
        p.macro_f1,
        p.weighted_f1,
        p.accuracy,
        f4(p.log_loss.unwrap_or(f64::NAN))
    );
    if let Some(b) = &r.baseline {
        let _ = writeln!(
            o,
            "<p class=\"muted\">Majority-class guess ({}): accuracy {:.4}, macro F1 {:.4}, weighted F1 {:.4}.</p>",
            esc(&b.majority_class),
            b.accuracy,
            b.macro_f1,
            b.weighted_f1
        );
    }
    o.push_str("</section>\n");
    o
}

/// One row per fold: its sizes and K-class metrics, or its note.
fn html_folds(r: &EvalReport) -> String {
    let mut o = String::from("<section>\n<h2>Folds</h2>\n<table>\n<thead><tr><th class=\"n\">repeat</th><th class=\"n\">fold</th><th class=\"n\">train</th><th class=\"n\">test</th><th class=\"n\">accuracy</th><th class=\"n\">macro F1</th><th class=\"n\">weighted F1</th><th class=\"n\">log-loss</th><th>note</th></tr></thead>\n<tbody>\n");
    for f in &r.folds {
        let cells = match f.classes() {
            Some(m) => format!(
                "<td class=\"n\">{:.4}</td><td class=\"n\">{:.4}</td><td class=\"n\">{:.4}</td><td class=\"n\">{}</td><td></td>",
                m.accuracy,
                m.macro_f1,
                m.weighted_f1,
                f4(m.log_loss.unwrap_or(f64::NAN))
            ),
            None => format!(
                "<td></td><td></td><td></td><td></td><td class=\"note\">{}</td>",
                esc(f.note.as_deref().unwrap_or(""))
            ),
        };
        let _ = writeln!(
            o,
            "<tr{}><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>{cells}</tr>",
            if f.metrics.is_none() {
                " class=\"nofit\""
            } else {
                ""
            },
            f.repeat + 1,
            f.fold + 1,
            f.n_train,
            f.n_test
        );
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
    o
}

/// Posts per class, the values left out and why, and the input's hash.
fn html_data(r: &EvalReport) -> String {
    let d = &r.data;
    let mut o = String::from("<section>\n<h2>Data</h2>\n<table class=\"kv\">\n");
    for (c, n) in d.classes.iter().zip(&d.counts) {
        let _ = writeln!(o, "<tr><th>{}</th><td>{n} posts</td></tr>", esc(c));
    }
    for x in &d.dropped {
        let _ = writeln!(
            o,
            "<tr><th>{}</th><td>left out: {} posts, {}</td></tr>",
            esc(&x.value),
            x.rows,
            esc(&x.reason)
        );
    }
    let _ = writeln!(
        o,
        "<tr><th>input SHA-256</th><td>{}</td></tr>\n</table>\n</section>",
        esc(&d.read.input_sha256)
    );
    o
}
