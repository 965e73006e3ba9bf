//! What several subcommands print: the calibration summary, the labels left out, the
//! multi-class "read" line.

use crate::pipeline::model::Model;
use crate::text::dataset::Classes;

/// What the calibration step found, for the terminal (and `inspect`).
pub fn calibration_lines(c: &crate::pipeline::model::CalibrationMeta, threshold: f64) -> String {
    let mut out = format!(
        "calibration: {} on {}-fold out-of-fold scores{}{}; probabilities at prior {}",
        c.map
            .as_ref()
            .map_or("none (the model's sigmoid)", |m| match m {
                crate::learn::calibration::Calibrator::Platt(_) => "Platt scaling",
                crate::learn::calibration::Calibrator::Isotonic(_) => "isotonic regression",
            }),
        c.folds,
        if c.group_by.is_empty() {
            String::new()
        } else {
            format!(" grouped by {}", c.group_by)
        },
        c.oof_roc_auc
            .map_or(String::new(), |a| format!(" (ROC-AUC {a:.4})")),
        c.prior
    );
    match &c.threshold {
        Some(t) => out.push_str(&format!(
            "\nthreshold for target FPR {}: probability {:.4} (log-odds {:.4}); out-of-fold mean \
             source FPR {:.4} over {} sources, pooled FPR {:.4}, recall {:.4}",
            t.target_fpr, threshold, t.decision, t.fpr, t.sources, t.pooled_fpr, t.recall
        )),
        None => out.push_str(&format!("\nthreshold: probability {threshold}")),
    }
    if let Some((name, fpr)) = crate::learn::heldout::worst_source(&c.sources) {
        out.push_str(&format!(
            "\nworst source out-of-fold: {name} ({:.1}% of its negatives flagged)",
            100.0 * fpr
        ));
    }
    out
}

/// Tells which label values were left out, on stderr.
pub fn print_dropped(classes: &Classes, label_col: &str) {
    for d in &classes.dropped {
        eprintln!(
            "left out label {:?} of column {label_col:?}: {} rows, {}",
            d.value, d.rows, d.reason
        );
    }
}

/// The "read N posts" line of `train` for a multi-class model.
pub fn read_line(model: &Model, read_s: f64) -> String {
    let m = &model.meta;
    let classes = m
        .classes
        .as_ref()
        .map(|c| {
            c.names
                .iter()
                .zip(&c.counts)
                .map(|(n, k)| format!("{k} {n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    format!(
        "read {} posts in {} classes ({classes}) in {:.1}s; {} model",
        m.data.rows,
        m.classes.as_ref().map_or(0, |c| c.names.len()),
        read_s,
        m.classes.as_ref().map_or("", |c| c.strategy.name())
    )
}

/// An account model's figures: out of fold when the model has them, then on its training
/// accounts.
pub fn account_metrics(a: &crate::pipeline::account::AccountModel) -> String {
    let train = format!(
        "training ROC-AUC {:.4} (mean post score alone {:.4})",
        a.train_auc, a.mean_score_auc
    );
    match &a.oof {
        Some(o) => format!(
            "out-of-fold account ROC-AUC {:.4}, PR-AUC {:.4} (mean post score alone ROC-AUC \
             {:.4}, PR-AUC {:.4}); {train}",
            o.roc_auc, o.pr_auc, a.mean_score_auc, o.mean_score_pr_auc
        ),
        None => train,
    }
}
