//! trollwatch: flag bot- and troll-like social media posts and coordinated accounts.
//!
//! # The library
//!
//! The public API is what this page re-exports: read labeled posts, train a model, save and
//! load it, score posts, cross-validate with a report, and find accounts acting in concert.
//!
//! ```no_run
//! use trollwatch::{read_labeled, train, Model, Progress, ReadOptions, ScoreOptions, TrainConfig};
//!
//! let data = read_labeled("posts.csv", ReadOptions::default(), "label", "troll", |_| {})?;
//! let columns = trollwatch::InputColumns { text_col: "text".into(), label_col: "label".into() };
//! let config = TrainConfig::default();
//! let (model, _timings) = train(data, "posts.csv", columns, &config, None, &[], &Progress::hidden())?;
//! model.save("my.model".as_ref())?;
//! let model = Model::load("my.model".as_ref())?;
//! for s in model.score_batch(&["Share this before it gets deleted!"], ScoreOptions::default(), 3) {
//!     println!("{:?} {}", s.score(), model.label_of(&s));
//! }
//! # Ok::<(), trollwatch::Error>(())
//! ```
//!
//! # Layers
//!
//! Inside, the crate is built in layers, each a module named after its stage, and each
//! importing only from the layers below it (a test checks this):
//!
//! 1. `error` and `util`: typed errors, atomic files, timestamps, random numbers, progress
//!    bars, memory.
//! 2. `text`: reading posts, tokenizing, vectorizing (TF-IDF).
//! 3. `learn`: sparse matrices, the optimiser, linear heads, metrics, calibration.
//! 4. `coordination`: accounts that share objects within a time window.
//! 5. `pipeline`: training, evaluating, scoring posts and accounts, the model file.
//! 6. `report`: terminal, Markdown and HTML reports.
//! 7. `server`: `trollwatch serve`, scoring over HTTP.
//! 8. `cli`: the command line the two binaries share.
//!
//! The layers are private to the crate; what users need is re-exported here.

pub(crate) mod coordination;
pub mod error;
pub(crate) mod learn;
pub(crate) mod pipeline;
pub(crate) mod report;
pub(crate) mod server;
pub(crate) mod text;
pub(crate) mod util;

/// The command line of the `trollwatch` and `trollwatch-score` binaries. Not a library API:
/// it may change with any release.
#[doc(hidden)]
pub mod cli;

pub use error::{Error, Result};
pub use util::progress::Progress;

// Reading posts.
pub use text::dataset::{
    read_labeled, read_labeled_classes, read_labeled_files, read_labeled_stream, ClassSpec,
    Classes, InputFormat, Inputs, Labeled, PostReader, ReadOptions, Record, SkipReport,
};
// Tokenizing.
pub use text::tokenize::{Analyzer, Language, Token, TokenKind, TokenizerConfig};
// Synthetic demo posts.
pub use text::synth::{generate, write_csv, SynthConfig, SynthPost};

// Training, the model file, scoring.
pub use learn::heldout::Method as CalibrationMethod;
pub use learn::logistic::{ClassWeight, LogisticParams, Strategy};
pub use pipeline::config::TrainConfig;
pub use pipeline::model::{InputColumns, Model};
pub use pipeline::score::{Contribution, ScoreOptions, Scored};
pub use pipeline::train::train;

// Cross-validation and its report.
pub use pipeline::evaluate::{evaluate, oof_csv, EvalReport, OofRow};
pub use pipeline::folds::{EvalOptions, RowInfo, SplitKind};
pub use report::{html as report_html, markdown as report_markdown, terminal_table, write_all};

/// The filters of a tokenizer chain, for [`Analyzer::builder`].
pub mod tokenize {
    pub use crate::text::tokenize::{AnalyzerBuilder, StemFilter, StopWordFilter, TokenFilter};
}

/// Metrics of scores against labels (scikit-learn's definitions).
pub mod metrics {
    pub use crate::learn::metrics::{
        average_precision, binary_metrics, brier, confusion, log_loss, roc_auc, BinaryMetrics,
        Confusion, MetricError,
    };
    pub use crate::learn::multiclass_metrics::{
        from_predictions, from_probabilities, majority_baseline, Baseline, MultiMetrics,
    };
}

/// Probability calibration fitted as scikit-learn fits it: Platt scaling and isotonic
/// regression of two-class decision values, Bayes' rule for a new prior, and temperature
/// scaling of K-class logits. `train --calibration` uses the two-class maps; the K-class
/// one is for callers who calibrate their own logits.
pub mod calibration {
    pub use crate::learn::calibration::{
        fit_isotonic, fit_platt, fit_temperature, shift_prior, softmax_with_temperature,
        Calibrator, Isotonic, Platt,
    };
}

/// Accounts that post the same objects (texts, near-duplicates, links, reposts, hashtags,
/// mentions) within a time window.
pub mod coordinated {
    pub use crate::coordination::{analyze, CoordParams, Kind, ANY, KINDS};
}

/// Pieces the crate's own tests, benchmarks and fuzz targets reach into. Not a library API:
/// they may change with any release.
#[doc(hidden)]
pub mod internals {
    pub use crate::coordination::{evidence, graph, input, objects, output, CoordValidParams};
    pub use crate::learn::logistic;
    pub use crate::text::dataset;
    pub use crate::text::tokenize::social;
    pub use crate::text::vectorize;
    pub use crate::util::rng::SplitMix64;
}
