//! report.html: one self-contained page with the headline, the tables and the plots.

use super::*;
use crate::pipeline::evaluate::Pooled;

/// report.html: one self-contained page with the headline, four SVG plots (ROC,
/// precision–recall, calibration, score histograms), the tables and the settings.
pub fn html(r: &EvalReport) -> String {
    if !r.is_binary() {
        return super::classes::html(r);
    }
    let mut o = String::with_capacity(64 * 1024);
    o.push_str(&page_start(&format!(
        "trollwatch evaluation: {}",
        esc(&r.data.source)
    )));
    o.push_str(&html_header(r));
    o.push_str(&html_plots(r));
    o.push_str(&html_folds(r));
    if let Some(p) = &r.pooled_two() {
        o.push_str(&html_decisions(r, p));
    }
    o.push_str(&html_categories(r));
    o.push_str(&html_heldout(r));
    if let Some(p) = &r.pooled_two() {
        o.push_str(&html_calibration_bins(p));
    }
    o.push_str(&html_data_and_options(r));
    o.push_str(&format!(
        "<footer>trollwatch {} · every figure comes from out-of-fold predictions: \
         the model that scored a post never saw it in training.</footer>\n{PAGE_END}",
        esc(&r.trollwatch_version),
    ));
    o
}

/// The kicker, title, headline (ROC-AUC and its verdict), the split and the four cards.
fn html_header(r: &EvalReport) -> String {
    let d = &r.data;
    let auc = summary_or_nan(r, "roc_auc");
    let pr = summary_or_nan(r, "pr_auc");
    let base_rate = ratio(d.positives(), d.rows);
    let mut o = format!(
        "<header>\n<p class=\"kicker\">trollwatch {} · cross-validation report</p>\n<h1>{}</h1>\n",
        esc(&r.trollwatch_version),
        esc(&d.source)
    );
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
        esc(&class_names(&d.labels())[1])
    ));
    o.push_str(&html_cards(r, auc, pr, base_rate));
    o.push_str("</header>\n");
    o
}

/// The four headline cards: ROC-AUC, PR-AUC, the pooled best F1, log-loss and Brier.
fn html_cards(r: &EvalReport, auc: MeanSd, pr: MeanSd, base_rate: f64) -> String {
    let card = |k: &str, v: String, s: String| {
        format!(
            "<div class=\"card\"><div class=\"k\">{k}</div><div class=\"v\">{v}</div>\
             <div class=\"s\">{s}</div></div>\n"
        )
    };
    let mut o = String::from("<div class=\"cards\">\n");
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
    match &r.pooled_two() {
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
    o.push_str("</div>\n");
    o
}

/// The four plots with their captions: ROC, precision–recall, calibration, histogram.
fn html_plots(r: &EvalReport) -> String {
    let mut o = String::from(
        "<section>\n<h2>How the scores separate the classes</h2>\n<div class=\"plots\">\n",
    );
    let pos = esc(&class_names(&r.data.labels())[1]);
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
    o
}

/// The pooled decisions side by side: the confusion matrix and the threshold advice.
fn html_decisions(r: &EvalReport, p: &Pooled) -> String {
    let c = &p.metrics.confusion;
    let [neg, pos] = class_names(&r.data.labels()).map(|n| esc(&n));
    let (actual_pos, actual_neg) = (c.tp + c.fn_, c.fp + c.tn);
    let cell = |class: &str, n: u64, of: u64, what: &str| {
        format!(
            "<td class=\"n {class}\">{}<small>{what} · {} of row</small></td>",
            count(n),
            percent(ratio(n, of), 1)
        )
    };
    let mut o = String::from("<section class=\"two\">\n<div>\n");
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
    o
}

/// The pooled calibration bins with the gap between observed and predicted.
fn html_calibration_bins(p: &Pooled) -> String {
    let mut o = String::from(
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
    o
}

/// The data and the options side by side, as key–value tables.
fn html_data_and_options(r: &EvalReport) -> String {
    let mut o = String::from("<section class=\"two\">\n");
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
    o
}

/// One row per fold: its sizes and metrics, or its note; mean and sd below.
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
        let class = if f.two().is_none() {
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
        match &f.two() {
            Some(m) => {
                for (key, _, _) in METRICS {
                    o.push_str(&format!("<td class=\"n\">{}</td>", num(metric(m, key), 4)));
                }
                if let Some(fit) = f.fit.as_ref().filter(|fit| !fit.converged) {
                    unconverged.push(format!(
                        "{} ({})",
                        fold_label(f, r.options.repeats),
                        esc(&fit.termination)
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
        if let (Some(_), Some(note)) = (&f.two(), &f.note) {
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
    o.push_str(&html_fold_means(r, n, lead));
    o.push_str("</tfoot>\n</table>\n");
    o.push_str(&html_fold_warnings(r, n, &unconverged));
    o.push_str("</section>\n");
    o
}

/// The fold table's footer: the mean over the `n` folds with metrics, and the sd, under the
/// metric columns (the first `lead` columns merged for the label).
fn html_fold_means(r: &EvalReport, n: usize, lead: usize) -> String {
    let mut o = String::new();
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
    o
}

/// Warnings under the fold table: folds without metrics, and folds whose optimizer stopped
/// before converging.
fn html_fold_warnings(r: &EvalReport, n: usize, unconverged: &[String]) -> String {
    let mut o = String::new();
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
    o
}

/// Recall per category, lowest first, the weakest marked; nothing without categories.
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
        esc(&class_names(&r.data.labels())[1]),
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

/// Who gets flagged, per source, and the reliability of the scores before and after
/// calibration; nothing without held-out sources.
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
            svg::reliability(c, &class_names(&r.data.labels())[1]),
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
