//! `trollwatch tune`: a grid of C, n-gram ranges, term caps and class weightings, each scored
//! on the same grouped folds, the best chosen by how it does on held-out groups; the grid on
//! the terminal, as JSON and as a plot, and on request the chosen model trained and written.

use std::path::PathBuf;

use anyhow::Context;

use super::args::{parse_class_weight, parse_language, parse_ngrams};
use super::args::{SourceArgs, TrustArgs};
use super::{InputArgs, LabelArgs};
use crate::error::Error;
use crate::learn::logistic::{ClassWeight, LogisticParams};
use crate::pipeline::config::{CalibrationSettings, TrainConfig};
use crate::pipeline::folds::{EvalOptions, SplitKind};
use crate::pipeline::model::InputColumns;
use crate::pipeline::tune::{Criterion, Grid, TuneReport};
use crate::text::tokenize::{Language, TokenizerConfig};
use crate::text::vectorize::VectorizerConfig;
use crate::util::progress::Progress;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    trollwatch tune posts.csv --group-by author,source\n  \
    trollwatch tune bench.csv.gz ordinary.csv.gz --c 0.01,0.1,1,4 --class-weight balanced,source --report tune/ --out m.model\n  \
    trollwatch tune posts.csv --ngrams 1-1,1-2 --max-features 50000,100000,none --select recall")]
pub struct Args {
    /// Labeled posts: CSV, TSV or JSONL, plain or gzip, Parquet or Arrow IPC; several files are read as one set.
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub input_args: InputArgs,
    #[command(flatten)]
    pub label: LabelArgs,
    /// Folds.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Group the folds by the first of these columns a row has a value in: with the default,
    /// an author's posts, or a source's posts when they have no author, are never on both
    /// sides of a fold.
    #[arg(long, default_value = "author,source", value_name = "COL[,COL]")]
    pub group_by: String,
    /// Seed of the fold shuffle.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Values of C (inverse L2 strength) to try.
    #[arg(
        long = "c",
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "0.001,0.01,0.1,1,4,16"
    )]
    pub c: Vec<f64>,
    /// N-gram ranges to try.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "1-2", value_parser = parse_ngrams)]
    pub ngrams: Vec<(usize, usize)>,
    /// Term caps to try (`none`: no cap).
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "100000", value_parser = super::args::parse_max_features)]
    pub max_features: Vec<super::args::FeatureCap>,
    /// Class weightings to try: `none`, `balanced`, `source`.
    #[arg(long, value_name = "LIST", value_delimiter = ',', default_value = "balanced,source", value_parser = parse_class_weight)]
    pub class_weight: Vec<ClassWeight>,
    /// What the best setting is chosen by: `mean-source-auc` (mean over the negatives'
    /// sources of the ROC-AUC of all positives against that source), `recall` (at
    /// --target-fpr) or `roc-auc` (pooled).
    #[arg(long, default_value = "mean-source-auc", value_parser = parse_criterion, value_name = "CRITERION")]
    pub select: Criterion,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Stemming and stop-word language.
    #[arg(long, default_value = "english", value_parser = parse_language)]
    pub language: Language,
    /// Remove the language's stop words.
    #[arg(long)]
    pub stop_words: bool,
    /// Do not stem words.
    #[arg(long)]
    pub no_stem: bool,
    /// Keep terms that occur in at least this many posts.
    #[arg(long, default_value_t = 2)]
    pub min_df: u32,
    /// Most L-BFGS iterations per fit.
    #[arg(long, default_value_t = 1000)]
    pub max_iter: u64,
    /// Write tune.json, tune.md and tune.html into this folder.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Train the chosen setting on every row (calibrated, as `train` does) and write it here.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Prior of the written model's probabilities (see `train --prior`).
    #[arg(long, default_value_t = 0.5, value_name = "P")]
    pub prior: f64,
    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_criterion(s: &str) -> Result<Criterion, String> {
    Criterion::parse(s)
        .ok_or_else(|| format!("{s:?} is not `mean-source-auc`, `recall` or `roc-auc`"))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(p) = &args.out {
        super::check_output(p, &args.inputs, "out", false)?;
    }
    if let Some(p) = &args.report {
        super::check_output(p, &args.inputs, "report", true)?;
    }
    let settings = Settings::from_args(&args)?;
    let progress = Progress::new(!args.quiet);
    let cols = crate::pipeline::load::RowColumns {
        group_by: Some(&args.group_by),
        source_col: Some(&args.source.source_col),
        ..Default::default()
    };
    let input = args.inputs.join(" + ");
    let (data, mut info) = super::read_labeled(
        crate::text::dataset::Inputs::Files(&args.inputs),
        &args.input_args,
        &args.label,
        false,
        cols,
        &progress,
    )?;
    if let Some(s) = data.skipped.summary(&input) {
        eprintln!("{s}");
    }
    if !data.is_binary() {
        return Err(Error::param(
            "label-col",
            &args.label.label_col,
            "tune searches two-class models; this column holds more than two values",
        )
        .into());
    }
    for note in
        crate::pipeline::folds::split_thin_classes(&mut info, &data, args.folds, &args.group_by)
    {
        eprintln!("note: {note}");
    }
    let (report, timings) = crate::pipeline::tune::tune(
        &data,
        &info,
        &settings.opts,
        &settings.grid,
        args.select,
        settings.target_fpr,
        &input,
        &progress,
    )?;
    super::print_out(&crate::report::tune_terminal(&report))?;
    if !args.quiet {
        eprintln!(
            "searched {} settings with {} fits in {:.1}s",
            report.results.len(),
            timings.fits,
            timings.elapsed_seconds
        );
    }
    if let Some(dir) = &args.report {
        crate::report::write_tune(&report, dir)?;
        eprintln!("wrote {}/tune.json, tune.md, tune.html", dir.display());
    }
    if let Some(out) = &args.out {
        let run = TrainRun {
            data,
            info,
            input: &input,
            progress: &progress,
        };
        write_best(&args, &settings, &report, run, out)?;
    }
    Ok(())
}

/// Everything the options decide, checked before any data is read.
struct Settings {
    grid: Grid,
    target_fpr: f64,
    /// The training settings the grid varies.
    base: TrainConfig,
    opts: EvalOptions,
    cal: CalibrationSettings,
}

impl Settings {
    fn from_args(args: &Args) -> anyhow::Result<Settings> {
        let grid = Grid {
            c: args.c.clone(),
            ngrams: args.ngrams.clone(),
            max_features: args.max_features.iter().map(|f| f.0).collect(),
            class_weight: args.class_weight.clone(),
        };
        grid.check()?;
        let target_fpr = args
            .trust
            .target_fpr
            .0
            .unwrap_or(crate::learn::heldout::DEFAULT_TARGET_FPR);
        let base = TrainConfig {
            tokenizer: TokenizerConfig {
                language: args.language,
                stop_words: args.stop_words,
                stem: !args.no_stem,
            },
            vectorizer: VectorizerConfig {
                min_df: args.min_df,
                ..VectorizerConfig::default()
            },
            logistic: LogisticParams {
                max_iter: args.max_iter,
                ..LogisticParams::default()
            },
            threshold: Some(0.5),
            coordination: None,
        };
        let opts = EvalOptions {
            folds: args.folds,
            split: SplitKind::Stratified,
            group_by: Some(args.group_by.clone()),
            time_col: None,
            repeats: 1,
            seed: args.seed,
            target_precision: None,
            category_col: None,
            threshold: 0.5,
            target_fpr: Some(target_fpr),
            calibration: crate::learn::heldout::Method::None,
            train: base.clone(),
        };
        opts.check()?;
        let cal = CalibrationSettings {
            method: args.trust.calibration,
            target_fpr: args.trust.target_fpr.0,
            folds: 3,
            group_by: Some(args.group_by.clone()),
            seed: args.seed,
            prior: args.prior,
            min_known_terms: 1,
        };
        cal.check()?;
        Ok(Settings {
            grid,
            target_fpr,
            base,
            opts,
            cal,
        })
    }
}

/// The labeled set read for the search, handed on to train the chosen setting.
struct TrainRun<'a> {
    data: crate::text::dataset::Labeled,
    info: crate::pipeline::folds::RowInfo,
    input: &'a str,
    progress: &'a Progress,
}

/// Trains the chosen setting on every row, calibrated, and writes it to `out`.
fn write_best(
    args: &Args,
    settings: &Settings,
    report: &TuneReport,
    run: TrainRun,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let TrainRun {
        data,
        info,
        input,
        progress,
    } = run;
    let (base, cal) = (&settings.base, &settings.cal);
    let best = report
        .best
        .and_then(|b| report.results.get(b))
        .ok_or_else(|| anyhow::anyhow!("no setting had a score: nothing to write"))?;
    let config = best.setting.apply(base);
    let cols = InputColumns {
        text_col: args.input_args.text_col().to_string(),
        label_col: args.label.label_col.clone(),
    };
    let (mut model, _) =
        crate::pipeline::train::train_calibrated(data, info, input, cols, &config, cal, progress)
            .map_err(|e| e.for_input(input, ""))?;
    model.meta.format_version = model.meta.file_version();
    model
        .save(out)
        .with_context(|| format!("writing the model to {}", out.display()))?;
    if let Some(c) = &model.meta.calibration {
        eprintln!(
            "{}",
            super::show::calibration_lines(c, model.meta.threshold)
        );
    }
    eprintln!("wrote {} ({})", out.display(), best.setting.describe());
    Ok(())
}

/// `--c` parsing is clap's; a value that is not positive is refused by the grid check.
#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        a: Args,
    }

    #[test]
    fn default_grid_has_twelve_settings_reaching_c_one_thousandth() {
        let t = T::parse_from(["tune", "x.csv"]);
        let grid = Grid {
            c: t.a.c.clone(),
            ngrams: t.a.ngrams.clone(),
            max_features: t.a.max_features.iter().map(|f| f.0).collect(),
            class_weight: t.a.class_weight.clone(),
        };
        assert_eq!(grid.len(), 12);
        assert!(grid.c.iter().any(|&c| c <= 1e-3));
        let bad = T::parse_from(["tune", "x.csv", "--c", "0,1"]);
        let grid = Grid { c: bad.a.c, ..grid };
        assert!(grid.check().is_err());
    }
}
