//! report.md: the tables of a report in Markdown.

use super::*;
use crate::pipeline::evaluate::Pooled;

/// report.md: the headline, data and options, the fold table with mean ± sd, the pooled
/// confusion matrix and threshold advice, calibration and recall per category.
pub fn markdown(r: &EvalReport) -> String {
    if !r.is_binary() {
        return super::classes::markdown(r);
    }
    let mut out = md_headline(r);
    md_data_and_options(&mut out, r);
    md_folds(&mut out, r);
    md_fold_summary(&mut out, r);
    match &r.pooled_two() {
        Some(p) => {
            md_confusion(&mut out, r, p);
            out.push_str("## Threshold advice\n\n");
            md_table(&mut out, &["".into(), "".into()], &kv(advice_rows(r)), 2);
            md_calibration_bins(&mut out, p);
        }
        None => out.push_str(
            "No pooled metrics: the out-of-fold predictions do not hold both classes.\n\n",
        ),
    }
    md_categories(&mut out, r);
    if let Some(h) = &r.heldout {
        md_heldout(&mut out, h);
    }
    out.push_str(&format!("trollwatch {}\n", md(&r.trollwatch_version)));
    out
}

/// (key, value) pairs as two-cell table rows.
fn kv(rows: Vec<(&str, String)>) -> Vec<Vec<String>> {
    rows.into_iter()
        .map(|(k, v)| vec![k.to_string(), v])
        .collect()
}

/// The title and the headline: ROC-AUC and PR-AUC with their verdict and the split.
fn md_headline(r: &EvalReport) -> String {
    let d = &r.data;
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
        num(ratio(d.positives(), d.rows), 3),
        md(&split_text(r))
    ));
    out
}

fn md_data_and_options(out: &mut String, r: &EvalReport) {
    out.push_str("## Data\n\n");
    md_table(out, &["".into(), "".into()], &kv(data_rows(r, md)), 2);
    out.push_str("## Options\n\n");
    md_table(out, &["".into(), "".into()], &kv(option_rows(r, md)), 2);
}

/// One row per fold: its sizes and every metric, or its note.
fn md_folds(out: &mut String, r: &EvalReport) {
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
                    f.two()
                        .as_ref()
                        .map_or("—".into(), |m| num(metric(m, key), 4)),
                );
            }
            row.push(f.note.as_deref().map_or(String::new(), md));
            row
        })
        .collect();
    md_table(out, &head, &rows, 1);
}

/// Mean and sd of each metric over the folds that have it.
fn md_fold_summary(out: &mut String, r: &EvalReport) {
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
        out,
        &["metric", "mean", "sd", "folds"].map(String::from),
        &rows,
        1,
    );
}

/// The pooled confusion matrix at the decision threshold.
fn md_confusion(out: &mut String, r: &EvalReport, p: &Pooled) {
    let [neg, pos] = class_names(&r.data.labels()).map(|n| md(&n));
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
        out,
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
}

/// The pooled calibration bins: posts, mean predicted and observed rate.
fn md_calibration_bins(out: &mut String, p: &Pooled) {
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
        out,
        &["predicted", "posts", "mean predicted", "observed rate"].map(String::from),
        &rows,
        1,
    );
}

/// Recall per category, lowest first; nothing when there are no categories.
fn md_categories(out: &mut String, r: &EvalReport) {
    let cats = categories(r);
    if cats.is_empty() {
        return;
    }
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
        out,
        &[col, "positives".into(), "detected".into(), "recall".into()],
        &rows,
        1,
    );
}

/// The per-source table and, when calibration was checked, Brier and log-loss before and
/// after.
fn md_heldout(out: &mut String, h: &HeldOut) {
    out.push_str(&format!(
        "## By source\n\nOut-of-fold, flagged at {}.\n\n",
        md(&h.flagged_at)
    ));
    md_table(out, &SOURCE_HEAD.map(String::from), &source_rows(h, md), 1);
    out.push_str(&format!("{}\n\n", md(&heldout_summary(h))));
    let Some(c) = &h.calibration else {
        return;
    };
    out.push_str(&format!(
        "## Calibration before and after ({}, cross-fitted)\n\n",
        c.method.name()
    ));
    md_table(
        out,
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
