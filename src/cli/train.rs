//! `trollwatch train`: a labeled file of posts → a model file.

use std::path::PathBuf;

use anyhow::Context;

use super::args::{FeatureArgs, FitArgs};
use super::show::calibration_lines;
use super::{CoordFeatureArgs, InputArgs, LabelArgs};
use crate::error::Error;
use crate::pipeline::config::TrainConfig;
use crate::pipeline::evaluate;
use crate::pipeline::folds::EvalOptions;
use crate::pipeline::model::{CvSummary, InputColumns};
use crate::pipeline::train;
use crate::text::dataset::Inputs;
use crate::util::progress::Progress;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  trollwatch train posts.csv --out models/my.model\n  \
    trollwatch train posts.tsv.gz --label-col is_troll --positive yes --ngrams 1-3 --max-features 200000 --out m.model"
)]
pub struct Args {
    /// Labeled posts: CSV, TSV or JSONL, plain or gzip, Parquet or Arrow IPC; `-` reads stdin.
    /// Several files are read as one set with the same column options.
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub source: super::args::SourceArgs,
    /// Where to write the model.
    #[arg(long, short, value_name = "PATH")]
    pub out: PathBuf,
    #[command(flatten)]
    pub input_args: InputArgs,
    #[command(flatten)]
    pub label: LabelArgs,
    #[command(flatten)]
    pub features: FeatureArgs,
    #[command(flatten)]
    pub fit: FitArgs,
    #[command(flatten)]
    pub coord: CoordFeatureArgs,
    /// Time column for coordination features (ISO 8601 or Unix seconds).
    #[arg(long, default_value = "timestamp", value_name = "NAME")]
    pub time_col: String,
    /// Also fit an account model (for `score --by author`): out-of-fold post scores from
    /// folds grouped by --author-col, aggregated per account, then a logistic regression
    /// (linfa-logistic) on the accounts. An account is positive when most of its posts are.
    #[arg(long)]
    pub account_model: bool,
    /// Folds for the account model's out-of-fold post scores.
    #[arg(long, default_value_t = 5, value_name = "K")]
    pub account_folds: usize,
    /// Flag at this probability instead of at the threshold chosen for --target-fpr.
    #[arg(long)]
    pub threshold: Option<f64>,
    #[command(flatten)]
    pub trust: super::args::TrustArgs,
    /// Folds of the out-of-fold scores that calibration and the threshold are fitted on.
    #[arg(long, default_value_t = 3, value_name = "K")]
    pub calibration_folds: usize,
    /// Grouping of those folds: the first of these columns a row has a value in (`source`:
    /// see --source-col). Posts of an author, or of a source without authors, are then
    /// scored by a model that never saw them. Ignored when --group-by is given.
    #[arg(long, default_value = "author,source", value_name = "COL[,COL]")]
    pub calibration_group_by: String,
    /// Expected share of troll posts where the model will be used: the prior `score`
    /// reports probabilities at (it can be changed there with --prior).
    #[arg(long, default_value_t = 0.5, value_name = "P")]
    pub prior: f64,
    /// A post with fewer known terms than this gets no score and is not flagged.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub min_known_terms: u32,
    /// Cross-validate with K folds first and store the summary in the model.
    #[arg(long, value_name = "K")]
    pub cv: Option<usize>,
    /// With --cv: keep each value of this column (e.g. author) inside one fold.
    #[arg(long, value_name = "COL", requires = "cv")]
    pub group_by: Option<String>,
    /// With --cv: seed of the fold shuffle.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// No progress bars or summary.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    super::check_output(&args.out, &args.inputs, "out", false)?;
    let progress = Progress::new(!args.quiet);
    let started = std::time::Instant::now();
    let input_name = args.inputs.join(" + ");
    let Trained {
        model,
        timings,
        read_s,
    } = train_model(&args, Inputs::Files(&args.inputs), &input_name, &progress)?;
    let t = std::time::Instant::now();
    model
        .save(&args.out)
        .with_context(|| format!("writing the model to {}", args.out.display()))?;
    let write_s = t.elapsed().as_secs_f64();
    if !args.quiet {
        print_summary(
            &args,
            &model,
            &timings,
            &input_name,
            [read_s, write_s],
            started,
        );
    }
    Ok(())
}

/// A model fitted as `trollwatch train` fits it, not yet written.
pub struct Trained {
    pub model: crate::pipeline::model::Model,
    pub timings: train::Timings,
    /// Seconds spent reading the input.
    pub read_s: f64,
}

/// Reads `inputs` (`input_name`: what messages call them) and fits the model `args` ask for:
/// cross-validation, the account model and calibration included. Everything but the input
/// files and `--out` comes from `args`; nothing is written.
pub fn train_model(
    args: &Args,
    inputs: Inputs,
    input_name: &str,
    progress: &Progress,
) -> anyhow::Result<Trained> {
    let (tokenizer, vectorizer) = args.features.configs();
    let threshold = args.threshold.unwrap_or(0.5);
    let mut config = TrainConfig {
        tokenizer,
        vectorizer,
        logistic: args.fit.params()?,
        threshold: Some(threshold),
        coordination: args.coord.spec(&args.time_col)?,
    };
    config.check()?;
    let (cal, calibrating) = calibration_settings(args);
    cal.check()?;
    // Options only two-class models take, refused before any data is read when --multiclass
    // asks for a multi-class model, else as soon as the labels are read.
    let two_class_only = two_class_option(args, &config);
    if let (Some((option, value)), Some(_)) = (two_class_only, args.fit.multiclass) {
        return Err(crate::pipeline::load::two_class_only(option, value).into());
    }
    let started = std::time::Instant::now();
    let cols = row_columns(args, &config, &cal, calibrating)?;
    let (data, mut info) = super::read_labeled(
        inputs,
        &args.input_args,
        &args.label,
        args.fit.multiclass.is_some(),
        cols,
        progress,
    )?;
    args.fit
        .for_classes(&mut config.logistic, !data.is_binary());
    let read_s = started.elapsed().as_secs_f64();
    if !data.is_binary() {
        super::show::print_dropped(&data.classes, &args.label.label_col);
        if let Some((option, value)) = two_class_only {
            return Err(crate::pipeline::load::two_class_only(option, value).into());
        }
    }
    let cv = match args.cv {
        Some(folds) => Some(cross_validate(
            args, folds, &data, &info, &config, input_name, progress,
        )?),
        None => None,
    };
    let input = InputColumns {
        text_col: args.input_args.text_col().to_string(),
        label_col: args.label.label_col.clone(),
    };
    let account = args
        .account_model
        .then(|| {
            let (folds, seed) = (args.account_folds, args.seed);
            crate::pipeline::account::fit_out_of_fold(
                &data, &info, &config, folds, seed, input_name, progress,
            )
        })
        .transpose()?;
    let (mut model, timings) = if calibrating && data.is_binary() {
        train::train_calibrated(data, info, input_name, input, &config, &cal, progress)
    } else {
        let dense = info.dense.take();
        let sources = std::mem::take(&mut info.sources);
        drop(info);
        let dense = dense.as_ref();
        train::train(data, input_name, input, &config, dense, &sources, progress)
    }
    .map_err(|e| e.for_input(input_name, ""))?;
    finish_model(&mut model, args, cv, account, input_name);
    Ok(Trained {
        model,
        timings,
        read_s,
    })
}

/// The cross-validation `--cv` runs before the final fit, printed unless quiet, as the model
/// stores it.
fn cross_validate(
    args: &Args,
    folds: usize,
    data: &crate::text::dataset::Labeled,
    info: &crate::pipeline::folds::RowInfo,
    config: &TrainConfig,
    input_name: &str,
    progress: &Progress,
) -> anyhow::Result<CvSummary> {
    let opts = EvalOptions::stratified(
        folds,
        args.group_by.clone(),
        args.seed,
        args.threshold.unwrap_or(0.5),
        config.clone(),
    );
    let (report, _, _) = evaluate::evaluate(data, info, &opts, input_name, progress)?;
    if !args.quiet {
        eprint!("{}", crate::report::terminal_table(&report));
    }
    Ok(CvSummary {
        folds,
        group_by: args.group_by.clone(),
        seed: args.seed,
        best_f1_threshold: report.pooled_two().map(|p| p.advice.best_f1_threshold),
        summary: report.summary,
    })
}

/// What was read, learned and written, on stderr.
fn print_summary(
    args: &Args,
    model: &crate::pipeline::model::Model,
    timings: &train::Timings,
    input_name: &str,
    [read_s, write_s]: [f64; 2],
    started: std::time::Instant,
) {
    let m = &model.meta;
    if let Some(s) = m.data.skipped.summary(input_name) {
        eprintln!("{s}");
    }
    if !m.is_binary() {
        eprintln!("{}", super::show::read_line(model, read_s));
    } else {
        eprintln!(
            "read {} posts ({} {:?}, {} {:?}) in {:.1}s",
            m.data.rows,
            m.data.positives,
            m.labels.positive,
            m.data.negatives,
            m.labels.negative,
            read_s
        );
    }
    eprintln!(
        "vocabulary: {} n-grams kept of {} ({} distinct terms), {} non-zeros, {:.1}s",
        m.features.kept_ngrams,
        m.features.candidate_ngrams,
        m.features.distinct_terms,
        m.features.nnz,
        timings.vectorize_s
    );
    eprintln!(
        "fit: {} iterations ({} evaluations), loss {:.4}, {} ({}), {:.1}s",
        m.fit.iterations,
        m.fit.evaluations,
        m.fit.final_loss,
        if m.fit.converged {
            "converged"
        } else {
            "NOT converged"
        },
        m.fit.termination,
        timings.fit_s
    );
    if let Some(c) = &m.calibration {
        for n in &c.notes {
            eprintln!("note: {n}");
        }
        let lines = calibration_lines(c, m.threshold);
        let (first, rest) = lines.split_once('\n').unwrap_or((&lines, ""));
        eprintln!("{first}, {:.1}s\n{rest}", timings.calibrate_s);
    }
    if let Some(c) = &m.coordination {
        eprintln!(
            "coordination features: {} (window {} s)",
            c.names().join(", "),
            c.window_seconds
        );
    }
    if let Some(a) = &m.account_model {
        eprintln!(
            "account model: {} accounts ({} positive); {}",
            a.accounts,
            a.positives,
            super::show::account_metrics(a)
        );
    }
    let size = std::fs::metadata(&args.out).map(|md| md.len()).unwrap_or(0);
    eprintln!(
        "wrote {} ({:.1} MB) in {:.1}s; total {:.1}s",
        args.out.display(),
        size as f64 / 1e6,
        write_s,
        started.elapsed().as_secs_f64()
    );
}

/// How `--calibration`, `--target-fpr` and their options calibrate the model, and whether
/// they do at all.
fn calibration_settings(args: &Args) -> (crate::pipeline::config::CalibrationSettings, bool) {
    let calibrating = args.trust.calibration != crate::learn::heldout::Method::None
        || (args.trust.target_fpr.0.is_some() && args.threshold.is_none());
    let cal = crate::pipeline::config::CalibrationSettings {
        method: args.trust.calibration,
        target_fpr: args.trust.target_fpr.0.filter(|_| args.threshold.is_none()),
        folds: args.calibration_folds,
        group_by: Some(
            args.group_by
                .clone()
                .unwrap_or_else(|| args.calibration_group_by.clone()),
        ),
        seed: args.seed,
        prior: args.prior,
        min_known_terms: args.min_known_terms,
    };
    (cal, calibrating)
}

/// The columns read besides text and label: groups for `--cv`, the account model and
/// calibration, sources, and what coordination features need.
fn row_columns<'a>(
    args: &'a Args,
    config: &'a TrainConfig,
    cal: &'a crate::pipeline::config::CalibrationSettings,
    calibrating: bool,
) -> anyhow::Result<crate::pipeline::load::RowColumns<'a>> {
    let author_col = args
        .account_model
        .then_some(args.coord.settings.author_col.as_str());
    if let (Some(g), Some(a)) = (&args.group_by, author_col) {
        if g != a {
            return Err(Error::param(
                "group-by",
                g,
                "with --account-model, --cv groups by --author-col; leave --group-by out or make them equal",
            )
            .into());
        }
    }
    Ok(crate::pipeline::load::RowColumns {
        group_by: args
            .group_by
            .as_deref()
            .or(author_col)
            .or(cal.group_by.as_deref().filter(|_| calibrating)),
        source_col: Some(&args.source.source_col),
        coordination: config.coordination.as_ref(),
        keep_analysis: args.account_model,
        ..Default::default()
    })
}

/// Adds to the fitted model what was found besides the fit: a warning when it learned
/// nothing, the cross-validation summary, the account model.
fn finish_model(
    model: &mut crate::pipeline::model::Model,
    args: &Args,
    cv: Option<CvSummary>,
    account: Option<crate::pipeline::account::AccountModel>,
    input_name: &str,
) {
    if model.head.is_binary() && model.head.weights.iter().all(|w| *w == 0.0) {
        let w = format!(
            "{input_name}: the model learned nothing from the texts (every weight is zero): it \
             gives every post the same score; check the labels and the text column"
        );
        eprintln!("warning: {w}");
        model.meta.data.warnings.push(w);
    }
    model.meta.cv = cv;
    if let Some(am) = account {
        model.meta.account_model = Some(am);
        model.meta.author_col = Some(args.coord.settings.author_col.clone());
    }
    model.meta.format_version = model.meta.file_version();
}

/// The first option given that only a two-class model takes, with its value.
fn two_class_option(args: &Args, config: &TrainConfig) -> Option<(&'static str, &'static str)> {
    if args.account_model {
        Some(("account-model", "on"))
    } else if config.coordination.is_some() {
        Some(("features", "text,coordination"))
    } else {
        None
    }
}
