//! Argument groups that several subcommands share: features, fitting, sources, the trust
//! settings and cross-validation, with their value parsers.

use crate::error::Error;
use crate::learn::logistic::{ClassWeight, LogisticParams, Strategy};
use crate::pipeline::folds::SplitKind;
use crate::text::tokenize::{Language, TokenizerConfig};
use crate::text::vectorize::VectorizerConfig;

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
    #[arg(long, default_value_t = crate::text::vectorize::DEFAULT_MAX_VOCABULARY, value_name = "N")]
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

/// Where each row's source comes from (`train`, `evaluate`, `tune`).
#[derive(Debug, Clone, clap::Args)]
pub struct SourceArgs {
    /// Column naming each row's source (the collection it came from). Rows with an empty
    /// value, and files without the column, take their file's name as their source.
    #[arg(long, default_value = "source", value_name = "NAME")]
    pub source_col: String,
}

/// How held-out scores become flags and probabilities (`train`, `evaluate`, `tune`).
#[derive(Debug, Clone, clap::Args)]
pub struct TrustArgs {
    /// Flag at the threshold that reaches this false-positive rate on held-out negatives,
    /// averaged over their sources (each source weighs the same), chosen from out-of-fold
    /// scores; `none`: flag at --threshold. The default 0.075 flagged 56–62 % of unseen troll
    /// authors' posts and 5.5–8 % of a held-out ordinary source's on average.
    #[arg(long, default_value = "0.075", value_parser = parse_target_fpr, value_name = "RATE|none")]
    pub target_fpr: TargetFpr,
    /// Probability calibration fitted on out-of-fold scores: `platt`, `isotonic` or `none`.
    #[arg(long, default_value = "platt", value_parser = parse_method, value_name = "METHOD")]
    pub calibration: crate::learn::heldout::Method,
}

/// `--target-fpr`: a rate, or `none` (a type of its own, so that clap does not read the
/// `Option` as "flag may be absent").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetFpr(pub Option<f64>);

pub fn parse_target_fpr(s: &str) -> Result<TargetFpr, String> {
    match s {
        "none" => Ok(TargetFpr(None)),
        _ => match s.parse::<f64>() {
            Ok(r) if (0.0..1.0).contains(&r) => Ok(TargetFpr(Some(r))),
            _ => Err(format!("{s:?} is not a rate in [0, 1) or `none`")),
        },
    }
}

pub fn parse_method(s: &str) -> Result<crate::learn::heldout::Method, String> {
    crate::learn::heldout::Method::parse(s)
        .ok_or_else(|| format!("{s:?} is not `platt`, `isotonic` or `none`"))
}

/// Fold settings shared with `train --cv`.
#[derive(Debug, Clone, clap::Args)]
pub struct CvArgs {
    /// Number of folds.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Keep each value of this column (e.g. author) inside one fold; empty values are groups
    /// of their own row. A list such as `author,source` groups each row by the first of
    /// those columns it has a value in (`source` is the row's source: see --source-col).
    #[arg(long, value_name = "COL[,COL]")]
    pub group_by: Option<String>,
    /// Seed of the fold shuffle.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

pub fn parse_split(s: &str) -> Result<SplitKind, String> {
    match s {
        "stratified" | "kfold" => Ok(SplitKind::Stratified),
        "time" => Ok(SplitKind::Time),
        _ => Err(format!("{s:?} is not `stratified` or `time`")),
    }
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
