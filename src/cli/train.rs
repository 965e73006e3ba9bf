//! `trollwatch train`: a labeled file of posts → a model file.

use std::path::PathBuf;

use anyhow::Context;

use super::{CoordFeatureArgs, InputArgs, LabelArgs};
use crate::error::Error;
use crate::evaluate::{self, EvalOptions};
use crate::logistic::{ClassWeight, LogisticParams};
use crate::model::{CvSummary, InputColumns};
use crate::multiclass::Strategy;
use crate::progress::Progress;
use crate::tokenize::{Language, TokenizerConfig};
use crate::train::{self, TrainConfig};
use crate::vectorize::VectorizerConfig;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  trollwatch train posts.csv --out models/my.model\n  \
    trollwatch train posts.tsv.gz --label-col is_troll --positive yes --ngrams 1-3 --max-features 200000 --out m.model"
)]
pub struct Args {
    /// Labeled posts: CSV, TSV or JSONL, plain or gzip; `-` reads stdin. Several files are
    /// read as one set with the same column options.
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub source: super::evaluate::SourceArgs,
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
    pub trust: super::evaluate::TrustArgs,
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

/// Tokenizer and vectorizer settings.
#[derive(Debug, Clone, clap::Args)]
pub struct FeatureArgs {
    /// Stemming and stop-word language (a Snowball language name or ISO code).
    #[arg(long, default_value = "english", value_parser = parse_language)]
    pub language: Language,
    /// Remove the language's stop words before forming n-grams.
    #[arg(long)]
    pub stop_words: bool,
    /// Do not stem words.
    #[arg(long)]
    pub no_stem: bool,
    /// Word n-gram lengths: `1-2`, `1..=2`, `2..3` or a single length.
    #[arg(long, default_value = "1-2", value_parser = parse_ngrams, value_name = "MIN-MAX")]
    pub ngrams: (usize, usize),
    /// Keep terms that occur in at least this many posts.
    #[arg(long, default_value_t = 2)]
    pub min_df: u32,
    /// Drop terms that occur in more than this fraction of posts.
    #[arg(long, default_value_t = 1.0)]
    pub max_df: f64,
    /// Keep at most this many terms (the most frequent), or `none`. The default cap of 100,000
    /// scored better on held-out authors and sources than no cap (ROC-AUC 0.8090 against
    /// 0.8071 on the benchmark split) and trains and scores faster in less memory.
    #[arg(long, default_value = "100000", value_parser = parse_max_features, value_name = "N|none")]
    pub max_features: FeatureCap,
    /// Stop with an error when the training posts hold more distinct n-grams than this
    /// (every candidate costs memory before --min-df and --max-features prune them).
    #[arg(long, default_value_t = crate::vectorize::DEFAULT_MAX_VOCABULARY, value_name = "N")]
    pub max_vocabulary: usize,
    /// Raw term counts instead of 1 + ln(count).
    #[arg(long)]
    pub linear_tf: bool,
}

/// Classifier settings.
#[derive(Debug, Clone, clap::Args)]
pub struct FitArgs {
    /// Inverse regularization strength (alpha = 1/C) [default: 1 for two classes, 4 for
    /// more; chosen with `tune` on folds that hold out authors and sources].
    #[arg(long = "c", value_name = "C", conflicts_with = "alpha")]
    pub c: Option<f64>,
    /// L2 penalty weight alpha [default: 1/C].
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Class weights: `none`; `balanced` (each class weighs the same in total); `source` (as
    /// balanced, and within a class each source weighs the same) [default: source for two
    /// classes, balanced for more].
    #[arg(long, alias = "balance", value_parser = parse_class_weight, value_name = "none|balanced|source")]
    pub class_weight: Option<ClassWeight>,
    /// Most L-BFGS iterations.
    #[arg(long, default_value_t = 1000)]
    pub max_iter: u64,
    /// Stop when the gradient norm falls below this fraction of its initial value.
    #[arg(long, default_value_t = 1e-3)]
    pub tol: f64,
    /// Multi-class models: `softmax` (multinomial) or `ovr` (one-vs-rest) [default: softmax].
    /// Given, it asks for a multi-class model even for two label values.
    #[arg(long, value_name = "softmax|ovr", value_parser = parse_multiclass, conflicts_with = "positive")]
    pub multiclass: Option<Strategy>,
}

impl FeatureArgs {
    pub fn configs(&self) -> (TokenizerConfig, VectorizerConfig) {
        (
            TokenizerConfig {
                language: self.language,
                stop_words: self.stop_words,
                stem: !self.no_stem,
            },
            VectorizerConfig {
                ngram_min: self.ngrams.0,
                ngram_max: self.ngrams.1,
                min_df: self.min_df,
                max_df: self.max_df,
                max_features: self.max_features.0,
                max_vocabulary: self.max_vocabulary,
                sublinear_tf: !self.linear_tf,
            },
        )
    }
}

/// The default L2 strength of a two-class model (C = 1) and the default class weighting
/// (`source`): the settings `tune` found to generalise best to held-out authors and sources on
/// the IRA benchmark with ordinary political posts. Multi-class models keep C = 4 and balanced
/// weights.
pub const BINARY_ALPHA: f64 = 1.0;

impl FitArgs {
    /// The classifier settings with the two-class defaults; [`FitArgs::for_classes`] adjusts
    /// them once the data says how many classes there are.
    pub fn params(&self) -> Result<LogisticParams, Error> {
        let alpha = match (self.c, self.alpha) {
            (Some(c), _) if !(c.is_finite() && c > 0.0) => {
                return Err(Error::param("c", c, "must be a positive number"))
            }
            (Some(c), _) => 1.0 / c,
            (None, Some(a)) => a,
            (None, None) => BINARY_ALPHA,
        };
        Ok(LogisticParams {
            alpha,
            class_weight: self.class_weight.unwrap_or(ClassWeight::Source),
            max_iter: self.max_iter,
            tol: self.tol,
            multiclass: self.multiclass.unwrap_or_default(),
            ..LogisticParams::default()
        })
    }
}

impl FitArgs {
    /// `p` with the multi-class defaults where the user gave no value, when the data turned
    /// out to hold more than two classes.
    pub fn for_classes(&self, p: &mut LogisticParams, multiclass: bool) {
        if multiclass {
            if self.c.is_none() && self.alpha.is_none() {
                p.alpha = LogisticParams::default().alpha;
            }
            if self.class_weight.is_none() {
                p.class_weight = ClassWeight::Balanced;
            }
        }
    }
}

pub fn parse_language(s: &str) -> Result<Language, String> {
    Language::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Language::ALL.iter().map(|l| l.name()).collect();
        format!("unknown language {s:?}; one of: {}", names.join(", "))
    })
}

pub fn parse_ngrams(s: &str) -> Result<(usize, usize), String> {
    let s = s.trim();
    let parts: Vec<&str> = if let Some((a, b)) = s.split_once("..=") {
        vec![a, b]
    } else if let Some((a, b)) = s.split_once("..") {
        vec![a, b]
    } else if let Some((a, b)) = s.split_once('-') {
        vec![a, b]
    } else {
        vec![s, s]
    };
    let num = |p: &str| {
        p.trim()
            .parse::<usize>()
            .map_err(|_| format!("{s:?} is not an n-gram range like 1-2"))
    };
    let (a, b) = (num(parts[0])?, num(parts[1])?);
    if a == 0 || a > b || b > 5 {
        return Err(format!("{s:?}: need 1 <= min <= max <= 5"));
    }
    Ok((a, b))
}

/// `--max-features`: a number, or `none` (a type of its own, so that clap does not read the
/// `Option` as "flag may be absent").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureCap(pub Option<usize>);

pub fn parse_max_features(s: &str) -> Result<FeatureCap, String> {
    match s {
        "none" => Ok(FeatureCap(None)),
        _ => match s.parse::<usize>() {
            Ok(n) if n > 0 => Ok(FeatureCap(Some(n))),
            _ => Err(format!("{s:?} is not a positive number or `none`")),
        },
    }
}

pub fn parse_multiclass(s: &str) -> Result<Strategy, String> {
    match s {
        "softmax" | "multinomial" => Ok(Strategy::Softmax),
        "ovr" | "one-vs-rest" => Ok(Strategy::Ovr),
        _ => Err(format!("{s:?} is not `softmax` or `ovr`")),
    }
}

pub fn parse_class_weight(s: &str) -> Result<ClassWeight, String> {
    match s {
        "none" => Ok(ClassWeight::None),
        "balanced" | "class" => Ok(ClassWeight::Balanced),
        "source" => Ok(ClassWeight::Source),
        _ => Err(format!("{s:?} is not `none`, `balanced` or `source`")),
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (tokenizer, vectorizer) = args.features.configs();
    super::check_output(&args.out, &args.inputs, "out", false)?;
    let threshold = args.threshold.unwrap_or(0.5);
    let mut config = TrainConfig {
        tokenizer,
        vectorizer,
        logistic: args.fit.params()?,
        threshold: Some(threshold),
        coordination: args.coord.spec(&args.time_col)?,
    };
    config.check()?;
    let calibrating = args.trust.calibration != crate::heldout::Method::None
        || (args.trust.target_fpr.0.is_some() && args.threshold.is_none());
    let cal = crate::train::CalibrationSettings {
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
    cal.check()?;
    let progress = Progress::new(!args.quiet);
    let started = std::time::Instant::now();
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
    let cols = super::evaluate::RowColumns {
        group_by: args
            .group_by
            .as_deref()
            .or(author_col)
            .or(cal.group_by.as_deref().filter(|_| calibrating)),
        source_col: Some(&args.source.source_col),
        coordination: config.coordination.as_ref(),
        keep_analysis: args.account_model,
        multiclass: args.fit.multiclass.is_some(),
        ..Default::default()
    };
    let input_name = args.inputs.join(" + ");
    let (data, mut info) = super::evaluate::read_for_eval(
        &args.inputs,
        &args.input_args,
        &args.label,
        cols,
        &progress,
    )?;
    args.fit
        .for_classes(&mut config.logistic, data.classes.is_some());
    let read_s = started.elapsed().as_secs_f64();
    if let Some(c) = &data.classes {
        super::multiclass::print_dropped(c, &args.label.label_col);
    }
    let cv = match args.cv {
        Some(folds) if data.classes.is_some() => {
            let opts = EvalOptions::stratified(
                folds,
                args.group_by.clone(),
                args.seed,
                threshold,
                config.clone(),
            );
            let (report, _, _) =
                crate::multiclass::evaluate::evaluate(&data, &info, &opts, &input_name, &progress)?;
            if !args.quiet {
                eprint!("{}", crate::multiclass::report::terminal_table(&report));
            }
            Some(CvSummary {
                folds,
                group_by: args.group_by.clone(),
                seed: args.seed,
                summary: report.summary,
                best_f1_threshold: None,
            })
        }
        Some(folds) => {
            let opts = EvalOptions::stratified(
                folds,
                args.group_by.clone(),
                args.seed,
                threshold,
                config.clone(),
            );
            let (report, _, _) = evaluate::evaluate(&data, &info, &opts, &input_name, &progress)?;
            if !args.quiet {
                eprint!("{}", crate::report::terminal_table(&report));
            }
            Some(CvSummary {
                folds,
                group_by: args.group_by.clone(),
                seed: args.seed,
                summary: report.summary,
                best_f1_threshold: report.pooled.map(|p| p.advice.best_f1_threshold),
            })
        }
        None => None,
    };
    let input = InputColumns {
        text_col: args.input_args.text_col.clone(),
        label_col: args.label.label_col.clone(),
    };
    if data.classes.is_some() && (config.coordination.is_some() || args.account_model) {
        return Err(Error::param(
            if args.account_model {
                "account-model"
            } else {
                "features"
            },
            if args.account_model {
                "on"
            } else {
                "text,coordination"
            },
            "coordination features and the account model are for two-class models",
        )
        .into());
    }
    let account = if args.account_model {
        Some(crate::account::fit_out_of_fold(
            &data,
            &info,
            &config,
            args.account_folds,
            args.seed,
            &input_name,
            &progress,
        )?)
    } else {
        None
    };
    let (mut model, timings) = if calibrating && data.classes.is_none() {
        train::train_calibrated(data, info, &input_name, input, &config, &cal, &progress)
            .map_err(|e| e.for_input(&input_name, ""))?
    } else {
        let dense = info.dense.take();
        let sources = std::mem::take(&mut info.sources);
        drop(info);
        train::train(
            data,
            &input_name,
            input,
            &config,
            dense.as_ref(),
            &sources,
            &progress,
        )
        .map_err(|e| e.for_input(&input_name, ""))?
    };
    if model.multi.is_none() && model.linear.weights.iter().all(|w| *w == 0.0) {
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
    let t = std::time::Instant::now();
    model
        .save(&args.out)
        .with_context(|| format!("writing the model to {}", args.out.display()))?;
    let write_s = t.elapsed().as_secs_f64();
    if !args.quiet {
        let m = &model.meta;
        if let Some(s) = m.data.skipped.summary(&input_name) {
            eprintln!("{s}");
        }
        if m.classes.is_some() {
            eprintln!("{}", super::multiclass::read_line(&model, read_s));
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
                "account model: {} accounts ({} positive), training ROC-AUC {:.4} (mean post \
                 score alone {:.4})",
                a.accounts, a.positives, a.train_auc, a.mean_score_auc
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
    Ok(())
}

/// What the calibration step found, for the terminal (and `inspect`).
pub fn calibration_lines(c: &crate::model::CalibrationMeta, threshold: f64) -> String {
    let mut out = format!(
        "calibration: {} on {}-fold out-of-fold scores{}{}; probabilities at prior {}",
        c.map
            .as_ref()
            .map_or("none (the model's sigmoid)", |m| match m {
                crate::calibration::Calibrator::Platt(_) => "Platt scaling",
                crate::calibration::Calibrator::Isotonic(_) => "isotonic regression",
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
    if let Some((name, fpr)) = crate::heldout::worst_source(&c.sources) {
        out.push_str(&format!(
            "\nworst source out-of-fold: {name} ({:.1}% of its negatives flagged)",
            100.0 * fpr
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_features_values() {
        assert_eq!(parse_max_features("100000"), Ok(FeatureCap(Some(100_000))));
        assert_eq!(parse_max_features("none"), Ok(FeatureCap(None)));
        assert!(parse_max_features("0").is_err());
        assert!(parse_max_features("-3").is_err());
    }

    #[test]
    fn ngram_ranges() {
        assert_eq!(parse_ngrams("1-2"), Ok((1, 2)));
        assert_eq!(parse_ngrams("1..=3"), Ok((1, 3)));
        assert_eq!(parse_ngrams("2"), Ok((2, 2)));
        assert!(parse_ngrams("3-1").is_err());
        assert!(parse_ngrams("0-1").is_err());
        assert!(parse_ngrams("x").is_err());
    }

    #[test]
    fn c_and_alpha() {
        let mut f = FitArgs {
            c: Some(4.0),
            alpha: None,
            class_weight: Some(ClassWeight::None),
            max_iter: 10,
            tol: 1e-4,
            multiclass: None,
        };
        assert_eq!(f.params().unwrap().alpha, 0.25);
        f.c = Some(-1.0);
        assert!(f.params().is_err());
        f.c = None;
        f.alpha = Some(2.0);
        assert_eq!(f.params().unwrap().alpha, 2.0);
    }
}
