//! `trollwatch inspect`: what a model file is — format, labels, training data and options,
//! fit — and its strongest terms each way.

use std::path::PathBuf;

use crate::pipeline::model::Model;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  trollwatch inspect models/my.model\n  trollwatch inspect models/my.model --top 50 --json"
)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// How many terms to list for each class.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Print the metadata and terms as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let model = Model::load(&args.model)?;
    if !model.head.is_binary() {
        return run_multi(&args, &model);
    }
    let (pos, neg) = model.strongest_terms(args.top);
    let m = &model.meta;
    if args.json {
        let v = serde_json::json!({
            "path": args.model.display().to_string(),
            "meta": m,
            "strongest_positive": pos,
            "strongest_negative": neg,
        });
        super::print_out(&(serde_json::to_string_pretty(&v)? + "\n"))?;
        return Ok(());
    }
    let mut o = String::new();
    use std::fmt::Write;
    writeln!(o, "{}", args.model.display())?;
    writeln!(
        o,
        "  format          {} v{} (trollwatch {})",
        m.format, m.format_version, m.data.trollwatch_version
    )?;
    writeln!(
        o,
        "  labels          positive {:?}, negative {:?}; threshold {}",
        m.labels.positive, m.labels.negative, m.threshold
    )?;
    writeln!(
        o,
        "  trained on      {} ({} rows: {} positive, {} negative; {} skipped) on {}",
        m.data.source,
        m.data.rows,
        m.data.positives,
        m.data.negatives,
        m.data.skipped.total(),
        m.data.trained_on
    )?;
    for w in &m.data.warnings {
        writeln!(o, "  warning         {w}")?;
    }
    writeln!(o, "  input sha256    {}", m.data.input_sha256)?;
    writeln!(
        o,
        "  columns         text {:?}, label {:?}",
        m.input.text_col, m.input.label_col
    )?;
    writeln!(
        o,
        "  tokenizer       {}, stop words {}, stemming {}",
        m.tokenizer.language.name(),
        if m.tokenizer.stop_words {
            "removed"
        } else {
            "kept"
        },
        if m.tokenizer.stem { "on" } else { "off" }
    )?;
    let v = &m.vectorizer;
    writeln!(
        o,
        "  features        {} n-grams ({}..={}), min_df {}, max_df {}, max_features {}, {} tf",
        m.n_features,
        v.ngram_min,
        v.ngram_max,
        v.min_df,
        v.max_df,
        v.max_features.map_or("none".into(), |n| n.to_string()),
        if v.sublinear_tf { "sublinear" } else { "raw" }
    )?;
    if let Some(c) = &m.coordination {
        writeln!(
            o,
            "{}",
            coordination_line(c, &model.head.weights[m.n_features..])
        )?;
    }
    if let Some(a) = &m.account_model {
        writeln!(
            o,
            "  account model   {} accounts ({} positive), {}-fold out-of-fold post scores; training ROC-AUC {:.4} (mean post score alone {:.4})",
            a.accounts, a.positives, a.folds, a.train_auc, a.mean_score_auc
        )?;
    }
    let l = &m.logistic;
    writeln!(
        o,
        "  classifier      L2 logistic regression, alpha {} (C {}), class weight {}, tol {}, max_iter {}",
        l.alpha,
        1.0 / l.alpha,
        l.class_weight.name(),
        l.tol,
        l.max_iter
    )?;
    writeln!(
        o,
        "  fit             {} iterations, loss {:.4}, {} ({}), intercept {:.4}",
        m.fit.iterations,
        m.fit.final_loss,
        if m.fit.converged {
            "converged"
        } else {
            "not converged"
        },
        m.fit.termination,
        m.intercept
    )?;
    if let Some(cv) = &m.cv {
        let stat = |name: &str| {
            cv.summary
                .iter()
                .find(|s| s.metric == name)
                .map_or("-".to_string(), |s| {
                    format!("{:.4} ± {:.4}", s.stat.mean, s.stat.sd)
                })
        };
        writeln!(
            o,
            "  cross-validated {} folds{}: ROC-AUC {}, PR-AUC {}, F1 {}",
            cv.folds,
            cv.group_by
                .as_ref()
                .map_or(String::new(), |g| format!(" grouped by {g}")),
            stat("roc_auc"),
            stat("pr_auc"),
            stat("f1")
        )?;
    }
    if let Some(c) = &m.calibration {
        calibration_section(&mut o, c, m.threshold)?;
    }
    writeln!(o, "\n  strongest terms toward {:?}:", m.labels.positive)?;
    for (t, w) in &pos {
        writeln!(o, "    {w:+8.3}  {t}")?;
    }
    writeln!(o, "\n  strongest terms toward {:?}:", m.labels.negative)?;
    for (t, w) in &neg {
        writeln!(o, "    {w:+8.3}  {t}")?;
    }
    super::print_out(&o)?;
    Ok(())
}

/// A multi-class model: its classes, intercepts and the strongest terms toward each class.
fn run_multi(args: &Args, model: &Model) -> anyhow::Result<()> {
    let m = &model.meta;
    let Some(classes) = &m.classes else {
        return Ok(());
    };
    let terms = model.strongest_class_terms(args.top);
    if args.json {
        let per: Vec<serde_json::Value> = classes
            .names
            .iter()
            .zip(&terms)
            .map(|(n, t)| serde_json::json!({"class": n, "strongest": t}))
            .collect();
        let v = serde_json::json!({
            "path": args.model.display().to_string(),
            "meta": m,
            "strongest_per_class": per,
        });
        super::print_out(&(serde_json::to_string_pretty(&v)? + "\n"))?;
        return Ok(());
    }
    let mut o = String::new();
    use std::fmt::Write;
    writeln!(o, "{}", args.model.display())?;
    writeln!(
        o,
        "  format          {} v{} (trollwatch {})",
        m.format, m.format_version, m.data.trollwatch_version
    )?;
    writeln!(
        o,
        "  classes         {} ({} model, column {:?})",
        classes.names.len(),
        classes.strategy.name(),
        m.input.label_col
    )?;
    for ((n, c), b) in classes
        .names
        .iter()
        .zip(&classes.counts)
        .zip(&model.head.intercepts)
    {
        writeln!(o, "    {n:<24} {c:>9} rows, intercept {b:+.4}")?;
    }
    for d in &classes.dropped {
        writeln!(
            o,
            "    left out {:?}: {} rows, {}",
            d.value, d.rows, d.reason
        )?;
    }
    writeln!(
        o,
        "  trained on      {} ({} rows; {} skipped) on {}",
        m.data.source,
        m.data.rows,
        m.data.skipped.total(),
        m.data.trained_on
    )?;
    for w in &m.data.warnings {
        writeln!(o, "  warning         {w}")?;
    }
    writeln!(o, "  input sha256    {}", m.data.input_sha256)?;
    let l = &m.logistic;
    writeln!(
        o,
        "  classifier      L2 logistic regression ({}), alpha {} (C {}), class weight {:?}, tol {}, max_iter {}",
        classes.strategy.name(),
        l.alpha,
        1.0 / l.alpha,
        l.class_weight,
        l.tol,
        l.max_iter
    )?;
    writeln!(
        o,
        "  fit             {} iterations, loss {:.4}, {} ({})",
        m.fit.iterations,
        m.fit.final_loss,
        if m.fit.converged {
            "converged"
        } else {
            "not converged"
        },
        m.fit.termination
    )?;
    writeln!(o, "  features        {} n-grams", m.n_features)?;
    if let Some(cv) = &m.cv {
        let stat = |name: &str| {
            cv.summary
                .iter()
                .find(|s| s.metric == name)
                .map_or("-".to_string(), |s| {
                    format!("{:.4} ± {:.4}", s.stat.mean, s.stat.sd)
                })
        };
        writeln!(
            o,
            "  cross-validated {} folds{}: accuracy {}, macro F1 {}",
            cv.folds,
            cv.group_by
                .as_ref()
                .map_or(String::new(), |g| format!(" grouped by {g}")),
            stat("accuracy"),
            stat("macro_f1")
        )?;
    }
    for (n, t) in classes.names.iter().zip(&terms) {
        writeln!(o, "\n  strongest terms toward {n:?}:")?;
        for (term, w) in t {
            writeln!(o, "    {w:+8.3}  {term}")?;
        }
    }
    super::print_out(&o)?;
    Ok(())
}

/// The calibration, the fewest known terms for a score, and the per-source table.
fn calibration_section(
    o: &mut String,
    c: &crate::pipeline::model::CalibrationMeta,
    threshold: f64,
) -> std::fmt::Result {
    use std::fmt::Write;
    for line in super::show::calibration_lines(c, threshold).lines() {
        writeln!(o, "  {line}")?;
    }
    writeln!(
        o,
        "  no score below  {} known term(s)\n\n  by source, out-of-fold at the stored threshold:",
        c.min_known_terms
    )?;
    writeln!(
        o,
        "    {:<28}{:>9}{:>10}{:>8}{:>10}{:>8}",
        "source", "rows", "negatives", "FPR", "positives", "recall"
    )?;
    let opt = |x: Option<f64>| x.map_or("—".to_string(), |v| format!("{v:.4}"));
    for r in &c.sources {
        writeln!(
            o,
            "    {:<28}{:>9}{:>10}{:>8}{:>10}{:>8}",
            r.source,
            r.rows,
            r.negatives,
            opt(r.fpr),
            r.positives,
            opt(r.recall)
        )?;
    }
    Ok(())
}

/// The coordination features' settings and weights.
fn coordination_line(c: &crate::pipeline::features::CoordinationSpec, weights: &[f64]) -> String {
    format!(
        "  coordination    kinds {}, window {} s, similarity {}, {}; columns author {:?}, time {:?}; weights {}",
        c.kinds.join(","),
        c.window_seconds,
        c.similarity,
        match c.max_object_accounts {
            0 => "no account limit per object".to_string(),
            n => format!("objects of at most {n} accounts"),
        },
        c.author_col,
        c.time_col,
        c.names()
            .iter()
            .zip(weights)
            .map(|(n, w)| format!("{n} {w:+.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}
