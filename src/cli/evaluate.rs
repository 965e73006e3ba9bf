//! `trollwatch evaluate`: cross-validation of the whole pipeline with the same options as
//! `train` — stratified, grouped by a column (no group in two folds), or by time — with a
//! table on the terminal, and on request a report folder and the out-of-fold predictions.
//! Two classes or K: the same command, the report has the sections the task has.

use std::path::PathBuf;

use crate::cli::args::{parse_split, CvArgs, FeatureArgs, FitArgs, SourceArgs, TrustArgs};
use crate::cli::{CoordFeatureArgs, InputArgs, LabelArgs};
use crate::pipeline::config::TrainConfig;
use crate::pipeline::evaluate;

use crate::pipeline::folds::{EvalOptions, SplitKind};
use crate::pipeline::load::RowColumns;

use crate::util::progress::Progress;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  trollwatch evaluate posts.csv\n  \
    trollwatch evaluate posts.csv --folds 5 --group-by author --report out/\n  \
    trollwatch evaluate posts.csv --split time --time-col timestamp --folds 4\n  \
    trollwatch evaluate posts.csv --repeats 3 --seed 7 --oof out/oof.csv")]
pub struct Args {
    /// Labeled posts: CSV, TSV or JSONL, plain or gzip, Parquet or Arrow IPC; `-` reads stdin.
    /// Several files are read as one set with the same column options.
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub input_args: InputArgs,
    #[command(flatten)]
    pub label: LabelArgs,
    #[command(flatten)]
    pub cv: CvArgs,
    /// Split kind: `stratified` (shuffled; grouped with --group-by) or `time` (rolling origin).
    #[arg(long, default_value = "stratified", value_parser = parse_split)]
    pub split: SplitKind,
    /// Time column for `--split time` (ISO 8601 or Unix seconds).
    #[arg(long, value_name = "NAME")]
    pub time_col: Option<String>,
    /// Repeat the folds with new shuffles.
    #[arg(long, default_value_t = 1)]
    pub repeats: usize,
    /// Report the lowest threshold that reaches this precision, and its recall.
    #[arg(long, value_name = "P")]
    pub target_precision: Option<f64>,
    /// Column of categories (e.g. troll types) for recall per category.
    #[arg(long, value_name = "NAME")]
    pub category_col: Option<String>,
    /// Decision threshold for accuracy, precision, recall, F1, MCC.
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Write report.json, report.md and report.html into this folder.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Write out-of-fold predictions (id, label, score, fold, repeat) as CSV.
    #[arg(long, value_name = "FILE")]
    pub oof: Option<PathBuf>,
    #[command(flatten)]
    pub features: FeatureArgs,
    #[command(flatten)]
    pub fit: FitArgs,
    #[command(flatten)]
    pub coord: CoordFeatureArgs,
    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(p) = &args.oof {
        crate::cli::check_output(p, &args.inputs, "oof", false)?;
    }
    if let Some(p) = &args.report {
        crate::cli::check_output(p, &args.inputs, "report", true)?;
    }
    let progress = Progress::new(!args.quiet);
    let input = args.inputs.join(" + ");
    let Evaluated {
        report,
        oof,
        timings,
        data,
    } = evaluate_inputs(
        &args,
        crate::text::dataset::Inputs::Files(&args.inputs),
        &input,
        &progress,
    )?;
    crate::cli::print_out(&crate::report::terminal_table(&report))?;
    if !args.quiet {
        // Times go to the terminal only: the report files stay byte-identical between runs.
        let fits = &timings.fold_seconds;
        let (lo, hi) = fits.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &t| {
            (lo.min(t), hi.max(t))
        });
        eprintln!(
            "evaluated in {:.1}s ({} fold fits, {:.1}–{:.1}s each)",
            timings.elapsed_seconds,
            fits.len(),
            if fits.is_empty() { 0.0 } else { lo },
            hi
        );
    }
    if let Some(dir) = &args.report {
        crate::report::write_all(&report, dir)?;
        eprintln!(
            "wrote {}/report.json, report.md, report.html",
            dir.display()
        );
    }
    if let Some(path) = &args.oof {
        crate::util::atomic::write_atomic(path, &evaluate::oof_csv(&data, &oof)?)?;
        eprintln!(
            "wrote {} out-of-fold predictions to {}",
            oof.len(),
            path.display()
        );
    }
    Ok(())
}

/// A cross-validation as `trollwatch evaluate` runs it, with the set it ran on.
pub struct Evaluated {
    pub report: crate::pipeline::evaluate::EvalReport,
    pub oof: Vec<crate::pipeline::evaluate::OofRow>,
    pub timings: crate::pipeline::evaluate::EvalTimings,
    pub data: crate::text::dataset::Labeled,
}

/// Reads `inputs` (`input`: what messages call them) and cross-validates as `args` say;
/// everything but the input files, `--report` and `--oof` comes from `args`, and nothing is
/// written.
pub fn evaluate_inputs(
    args: &Args,
    inputs: crate::text::dataset::Inputs,
    input: &str,
    progress: &Progress,
) -> anyhow::Result<Evaluated> {
    let (tokenizer, vectorizer) = args.features.configs();
    let time_col = match (args.split, &args.time_col) {
        (SplitKind::Time, None) => Some("timestamp".to_string()),
        (_, None) if args.coord.features.coordination => Some("timestamp".to_string()),
        (_, t) => t.clone(),
    };
    let coordination = args
        .coord
        .spec(time_col.as_deref().unwrap_or("timestamp"))?;
    let mut opts = EvalOptions {
        folds: args.cv.folds,
        split: args.split,
        group_by: args.cv.group_by.clone(),
        time_col: time_col.clone(),
        repeats: args.repeats,
        seed: args.cv.seed,
        target_precision: args.target_precision,
        category_col: args.category_col.clone(),
        threshold: args.threshold,
        target_fpr: args.trust.target_fpr.0,
        calibration: args.trust.calibration,
        train: TrainConfig {
            tokenizer,
            vectorizer,
            logistic: args.fit.params()?,
            threshold: Some(args.threshold),
            coordination: coordination.clone(),
        },
    };
    opts.check()?;
    if coordination.is_some() && args.fit.multiclass.is_some() {
        return Err(crate::pipeline::load::two_class_only("features", "text,coordination").into());
    }
    if args.fit.multiclass.is_some() {
        two_class_options(args)?;
    }
    let cols = RowColumns {
        group_by: args.cv.group_by.as_deref(),
        source_col: Some(&args.source.source_col),
        time_col: time_col.as_deref(),
        category_col: args.category_col.as_deref(),
        coordination: coordination.as_ref(),
        keep_analysis: false,
    };
    let (data, info) = crate::cli::read_labeled(
        inputs,
        &args.input_args,
        &args.label,
        args.fit.multiclass.is_some(),
        cols,
        progress,
    )?;
    args.fit
        .for_classes(&mut opts.train.logistic, !data.is_binary());
    if let Some(s) = data.skipped.summary(input) {
        eprintln!("{s}");
    }
    if !data.is_binary() {
        two_class_options(args)?;
        crate::cli::show::print_dropped(&data.classes, &args.label.label_col);
    }
    let (report, oof, timings) = evaluate::evaluate(&data, &info, &opts, input, progress)?;
    Ok(Evaluated {
        report,
        oof,
        timings,
        data,
    })
}

/// Options that only a two-class evaluation has, refused for K classes.
fn two_class_options(args: &Args) -> Result<(), crate::error::Error> {
    let option = if args.target_precision.is_some() {
        "target-precision"
    } else if args.category_col.is_some() {
        "category-col"
    } else {
        return Ok(());
    };
    Err(crate::error::Error::param(
        option,
        "(set)",
        "applies to binary models only; per-class recall is in the multi-class report",
    ))
}
