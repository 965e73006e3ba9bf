//! `trollwatch inspect`: what a model file is — format, labels, training data and options,
//! fit — and its strongest terms each way.

use std::path::PathBuf;

use std::fmt::Write;

use crate::pipeline::model::{CvSummary, Model, ModelMeta};

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
        return print_json(
            &args,
            m,
            [
                ("strongest_positive", serde_json::json!(pos)),
                ("strongest_negative", serde_json::json!(neg)),
            ],
        );
    }
    let mut o = header(&args, m);
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
    provenance(&mut o, m)?;
    pipeline_lines(&mut o, m)?;
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
            "  account model   {} accounts ({} positive), {}-fold out-of-fold post scores; {}",
            a.accounts,
            a.positives,
            a.folds,
            super::show::account_metrics(a)
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
    writeln!(o, "{}, intercept {:.4}", fit_line(m), m.intercept)?;
    if let Some(cv) = &m.cv {
        writeln!(
            o,
            "{}ROC-AUC {}, PR-AUC {}, F1 {}",
            cv_start(cv),
            cv_stat(cv, "roc_auc"),
            cv_stat(cv, "pr_auc"),
            cv_stat(cv, "f1")
        )?;
    }
    if let Some(c) = &m.calibration {
        calibration_section(&mut o, c, m.threshold)?;
    }
    terms_section(&mut o, &m.labels.positive, &pos)?;
    terms_section(&mut o, &m.labels.negative, &neg)?;
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
        return print_json(args, m, [("strongest_per_class", serde_json::json!(per))]);
    }
    let mut o = header(args, m);
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
    provenance(&mut o, m)?;
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
    writeln!(o, "{}", fit_line(m))?;
    writeln!(o, "  features        {} n-grams", m.n_features)?;
    if let Some(cv) = &m.cv {
        writeln!(
            o,
            "{}accuracy {}, macro F1 {}",
            cv_start(cv),
            cv_stat(cv, "accuracy"),
            cv_stat(cv, "macro_f1")
        )?;
    }
    for (n, t) in classes.names.iter().zip(&terms) {
        terms_section(&mut o, n, t)?;
    }
    super::print_out(&o)?;
    Ok(())
}

/// The model as JSON: its path, its metadata and the strongest terms under `terms`' keys.
fn print_json<const N: usize>(
    args: &Args,
    m: &ModelMeta,
    terms: [(&str, serde_json::Value); N],
) -> anyhow::Result<()> {
    let mut v = serde_json::json!({
        "path": args.model.display().to_string(),
        "meta": m,
    });
    for (k, t) in terms {
        v[k] = t;
    }
    super::print_out(&(serde_json::to_string_pretty(&v)? + "\n"))?;
    Ok(())
}

/// The model's path and format.
fn header(args: &Args, m: &ModelMeta) -> String {
    format!(
        "{}\n  format          {} v{} (trollwatch {})\n",
        args.model.display(),
        m.format,
        m.format_version,
        m.data.trollwatch_version
    )
}

/// The training data's warnings and checksum.
fn provenance(o: &mut String, m: &ModelMeta) -> std::fmt::Result {
    for w in &m.data.warnings {
        writeln!(o, "  warning         {w}")?;
    }
    writeln!(o, "  input sha256    {}", m.data.input_sha256)
}

/// The columns, tokenizer and features a two-class model reads posts with.
fn pipeline_lines(o: &mut String, m: &ModelMeta) -> std::fmt::Result {
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
    )
}

/// The fit: iterations, final loss, convergence.
fn fit_line(m: &ModelMeta) -> String {
    format!(
        "  fit             {} iterations, loss {:.4}, {} ({})",
        m.fit.iterations,
        m.fit.final_loss,
        if m.fit.converged {
            "converged"
        } else {
            "not converged"
        },
        m.fit.termination
    )
}

/// The cross-validation line up to its metrics: folds and grouping.
fn cv_start(cv: &CvSummary) -> String {
    format!(
        "  cross-validated {} folds{}: ",
        cv.folds,
        cv.group_by
            .as_ref()
            .map_or(String::new(), |g| format!(" grouped by {g}"))
    )
}

/// A cross-validated metric as mean ± sd, or `-` when the model does not hold it.
fn cv_stat(cv: &CvSummary, name: &str) -> String {
    cv.summary
        .iter()
        .find(|s| s.metric == name)
        .map_or("-".to_string(), |s| {
            format!("{:.4} ± {:.4}", s.stat.mean, s.stat.sd)
        })
}

/// The strongest terms toward one class.
fn terms_section(o: &mut String, class: &str, terms: &[(String, f64)]) -> std::fmt::Result {
    writeln!(o, "\n  strongest terms toward {class:?}:")?;
    for (t, w) in terms {
        writeln!(o, "    {w:+8.3}  {t}")?;
    }
    Ok(())
}

/// The calibration, the fewest known terms for a score, and the per-source table.
fn calibration_section(
    o: &mut String,
    c: &crate::pipeline::model::CalibrationMeta,
    threshold: f64,
) -> std::fmt::Result {
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
