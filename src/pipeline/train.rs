//! The training pipeline: labeled posts → analyzer → TF-IDF → logistic regression → a
//! [`Model`] with its metadata. Reading the file and writing the model are the caller's.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::learn::head::LinearHead;
use crate::learn::logistic::{self, FitReport};
use crate::pipeline::config::{
    check_dense, row_weights, source_name, CalibrationSettings, TrainConfig,
};
use crate::pipeline::features::Dense;
use crate::pipeline::model::{self, DataSummary, InputColumns, Labels, Model, ModelMeta};
use crate::text::dataset::Labeled;
use crate::text::tokenize::Analyzer;
use crate::text::vectorize::{Corpus, CorpusBuilder, FitStats};
use crate::util::memory::{self, release_free_memory};
use crate::util::progress::Progress;

/// Out-of-fold scores of the classifier on the vectorized rows `x` (folds grouped by
/// `info.groups` when `cal.group_by` is set), the calibration map fitted on them, the threshold for the target
/// false-positive rate, and the per-source table at that threshold. `threshold` is the
/// probability threshold used when there is no target.
#[allow(clippy::too_many_arguments)]
pub fn calibrate(
    labels: &[bool],
    info: &crate::pipeline::folds::RowInfo,
    x: &crate::util::sparse::Csr,
    config: &TrainConfig,
    cal: &CalibrationSettings,
    source: &str,
    progress: &Progress,
) -> Result<model::CalibrationMeta> {
    cal.check()?;
    let opts = crate::pipeline::folds::EvalOptions::stratified(
        cal.folds,
        cal.group_by.clone().filter(|_| info.groups.is_some()),
        cal.seed,
        config.threshold.unwrap_or(0.5),
        config.clone(),
    );
    let (all_decision, fold) =
        crate::pipeline::folds::out_of_fold(labels, info, x, &opts, source, progress)?;
    // Rows no fold tested (copies of texts in other folds) take no part in calibration.
    let tested: Vec<usize> = (0..labels.len())
        .filter(|&i| fold[i] != usize::MAX)
        .collect();
    let all_labels = labels;
    let decision: Vec<f64> = tested.iter().map(|&i| all_decision[i]).collect();
    let labels_t: Vec<bool> = tested.iter().map(|&i| all_labels[i]).collect();
    let labels = labels_t.as_slice();
    let map = cal.method.fit(&decision, labels)?;
    let pos = labels.iter().filter(|&&l| l).count() as f64;
    let fitted_prior = match &map {
        Some(_) => pos / labels.len() as f64,
        // The model's own sigmoid under balanced weights.
        None => 0.5,
    };
    let sources: Vec<u32> = if info.sources.len() == all_labels.len() {
        tested.iter().map(|&i| info.sources[i]).collect()
    } else {
        vec![0; labels.len()]
    };
    let names: Vec<String> = if info.source_names.is_empty() {
        vec![source_name(source)]
    } else {
        info.source_names.clone()
    };
    let threshold = cal
        .target_fpr
        .and_then(|t| crate::learn::heldout::threshold_for_fpr(&decision, labels, &sources, t));
    let cut = threshold.as_ref().map_or_else(
        || {
            // The configured probability threshold, as a decision value through the map.
            let p = config.threshold.unwrap_or(0.5);
            let probe = |z: f64| match &map {
                Some(m) => crate::learn::calibration::shift_prior(
                    m.probability(z),
                    fitted_prior,
                    cal.prior,
                ),
                None => {
                    crate::learn::calibration::shift_prior(logistic::sigmoid(z), 0.5, cal.prior)
                }
            };
            decision
                .iter()
                .copied()
                .filter(|&z| probe(z) >= p)
                .fold(f64::INFINITY, f64::min)
        },
        |t| t.decision,
    );
    let flags: Vec<Option<bool>> = decision.iter().map(|&z| Some(z >= cut)).collect();
    Ok(model::CalibrationMeta {
        map,
        fitted_prior,
        prior: cal.prior,
        threshold,
        min_known_terms: cal.min_known_terms,
        folds: cal.folds,
        group_by: opts.group_by.clone().unwrap_or_default(),
        seed: cal.seed,
        oof_roc_auc: crate::learn::metrics::roc_auc(&decision, labels).ok(),
        sources: crate::learn::heldout::source_table(&flags, labels, &sources, &names),
        notes: Vec::new(),
    })
}

/// The whole pipeline with a calibration step: posts tokenized once, out-of-fold scores from
/// folds grouped by `info.groups` ([`calibrate`]; a class with fewer groups than folds is
/// split by row, and a note says so), then the final fit on every row, sharing the corpus.
pub fn train_calibrated(
    mut data: Labeled,
    mut info: crate::pipeline::folds::RowInfo,
    source: &str,
    input: InputColumns,
    config: &TrainConfig,
    cal: &CalibrationSettings,
    progress: &Progress,
) -> Result<(Model, Timings)> {
    config.check()?;
    cal.check()?;
    if !data.is_binary() {
        return Err(Error::param(
            "calibration",
            "on",
            "calibration is for two-class models",
        ));
    }
    let t0 = std::time::Instant::now();
    let corpus = crate::pipeline::folds::tokenize_all(&data.texts, config, source, progress)?;
    info.find_same_text(&data.texts);
    data.texts = Vec::new();
    let notes = crate::pipeline::folds::split_thin_classes(
        &mut info,
        &data,
        cal.folds,
        cal.group_by.as_deref().unwrap_or(""),
    );
    let labels = data.labels();
    let dense = info.dense.take();
    let sources = info.sources.clone();
    let oof = |x: &crate::util::sparse::Csr| {
        let mut c = calibrate(&labels, &info, x, config, cal, source, progress)?;
        c.notes = notes.clone();
        Ok(c)
    };
    let (mut model, timings) = train_corpus(
        data,
        corpus,
        t0,
        source,
        input,
        config,
        dense.as_ref(),
        &sources,
        Some(&oof),
        progress,
    )?;
    if let Some(z) = model.decision_threshold() {
        model.meta.threshold = model.probability(z, None);
    }
    model.meta.format_version = model.meta.file_version();
    Ok((model, timings))
}

/// Posts analyzed between two releases of their texts' memory.
const TEXT_BATCH: usize = 1 << 16;

/// Seconds spent in each stage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub vectorize_s: f64,
    /// Out-of-fold fits and the calibration map (0 without calibration).
    #[serde(default)]
    pub calibrate_s: f64,
    pub fit_s: f64,
}

/// Fits the whole pipeline on `data`. `source` names the input in the model's summary.
/// `data` is consumed: the texts are dropped as soon as they are tokenized, before the
/// matrix and the fit need their memory. `dense` holds the rows' coordination features when
/// the configuration asks for them; `sources` each row's source (needed for source-balanced
/// weights only; may be empty otherwise).
pub fn train(
    mut data: Labeled,
    source: &str,
    input: InputColumns,
    config: &TrainConfig,
    dense: Option<&Dense>,
    sources: &[u32],
    progress: &Progress,
) -> Result<(Model, Timings)> {
    config.check()?;
    if !data.is_binary() && config.logistic.class_weight == logistic::ClassWeight::Source {
        return Err(Error::param(
            "class-weight",
            "source",
            "source balancing is for two-class models; use `balanced` for a multi-class one",
        ));
    }
    check_dense(config, dense, data.len())?;
    if !data.is_binary() && dense.is_some() {
        return Err(Error::param(
            "features",
            "text,coordination",
            "coordination features are for two-class models; a multi-class model takes `text`",
        ));
    }
    memory::map_large_allocations();
    let analyzer = Analyzer::new(config.tokenizer.clone());
    let t0 = std::time::Instant::now();
    data.ids = Vec::new();
    data.extra = Vec::new();
    data.lines = Vec::new();
    // Each batch of texts is let go of once analyzed: the texts and the growing corpus are
    // never in memory together.
    let mut texts = std::mem::take(&mut data.texts);
    let bar = progress.bar(texts.len() as u64, "tokenizing");
    let v = &config.vectorizer;
    let mut builder = CorpusBuilder::new(v.ngram_min, v.ngram_max, v.max_vocabulary);
    // Batches come off the end of the reversed texts, so that the vector of texts shrinks
    // with them.
    texts.reverse();
    while !texts.is_empty() {
        let mut batch = texts.split_off(texts.len().saturating_sub(TEXT_BATCH));
        texts.shrink_to_fit();
        batch.reverse();
        builder.add(&analyzer, &batch)?;
        bar.inc(batch.len() as u64);
        drop(batch);
        release_free_memory();
    }
    drop(texts);
    bar.finish_and_clear();
    let corpus = builder.finish();
    crate::text::tokenize::clear_stem_caches();
    release_free_memory();
    train_corpus(
        data, corpus, t0, source, input, config, dense, sources, None, progress,
    )
}

/// Fits the calibration on the vectorized rows, before the final fit.
pub type CalibrateWith<'a> =
    &'a dyn Fn(&crate::util::sparse::Csr) -> Result<model::CalibrationMeta>;

/// As [`train`], over posts already tokenized into `corpus` (row i of the corpus is row i of
/// `data`, whose texts are not used); `t0` is when tokenizing began. `calibrate_with`, when
/// given, gets the whole matrix before the final fit and its result becomes the model's
/// calibration.
#[allow(clippy::too_many_arguments)]
pub fn train_corpus(
    data: Labeled,
    corpus: Corpus,
    t0: std::time::Instant,
    source: &str,
    input: InputColumns,
    config: &TrainConfig,
    dense: Option<&Dense>,
    sources: &[u32],
    calibrate_with: Option<CalibrateWith>,
    progress: &Progress,
) -> Result<(Model, Timings)> {
    let analyzer = Analyzer::new(config.tokenizer.clone());
    let (vectorizer, mut x, features) = corpus.fit_all(config.vectorizer.clone())?;
    if let Some(d) = dense {
        let rows: Vec<usize> = (0..x.n_rows()).collect();
        d.append_to(&mut x, &rows);
    }
    release_free_memory();
    let vectorize_s = t0.elapsed().as_secs_f64();
    let tc = std::time::Instant::now();
    let calibration = calibrate_with.map(|c| c(&x)).transpose()?;
    let calibrate_s = tc.elapsed().as_secs_f64();
    let t1 = std::time::Instant::now();
    let (head, fit) = fit_head(&x, &data, sources, config, progress)?;
    let fit_s = t1.elapsed().as_secs_f64();
    drop(x);
    let mut meta = model_meta(&data, &head, fit, features, source, input, config);
    meta.calibration = calibration;
    meta.n_features = vectorizer.n_features();
    meta.format_version = meta.file_version();
    Ok((
        Model {
            meta,
            analyzer,
            vectorizer,
            head,
        },
        Timings {
            vectorize_s,
            calibrate_s,
            fit_s,
        },
    ))
}

/// The linear head fitted on the whole matrix: the sigmoid problem for two classes (rows
/// weighted as the configuration says), else the configured K-class fit.
fn fit_head(
    x: &crate::util::sparse::Csr,
    data: &Labeled,
    sources: &[u32],
    config: &TrainConfig,
    progress: &Progress,
) -> Result<(LinearHead, FitReport)> {
    if data.positive.is_some() {
        let labels = data.labels();
        let weights = row_weights(&labels, sources, None, &config.logistic)?;
        let (linear, fit) =
            logistic::fit_weighted(x, &labels, weights.as_deref(), &config.logistic, progress)?;
        return Ok((LinearHead::binary(linear), fit));
    }
    let c = &data.classes;
    crate::learn::multiclass::fit(
        x,
        &c.of_row,
        c.names.len(),
        &config.logistic,
        config.logistic.multiclass,
        progress,
    )
}

/// What the model file says about how it was made: labels or classes, settings, the data
/// and the fit (no calibration, cross-validation or account model yet; `n_features` is the
/// vectorizer's, set by the caller).
fn model_meta(
    data: &Labeled,
    head: &LinearHead,
    fit: FitReport,
    features: FitStats,
    source: &str,
    input: InputColumns,
    config: &TrainConfig,
) -> ModelMeta {
    let [negatives, positives] = data.class_counts();
    let classes = match (data.is_binary(), head.strategy()) {
        (false, Some(strategy)) => {
            let c = &data.classes;
            Some(model::ClassesMeta {
                names: c.names.clone(),
                counts: c.counts(),
                strategy,
                dropped: c.dropped.clone(),
            })
        }
        _ => None,
    };
    ModelMeta {
        format: model::FORMAT_NAME.into(),
        format_version: 2,
        labels: Labels {
            negative: data.label_names()[0].to_string(),
            positive: data.label_names()[1].to_string(),
        },
        threshold: config.threshold.unwrap_or(0.5),
        intercept: if head.is_binary() {
            head.intercept()
        } else {
            0.0
        },
        n_features: 0,
        tokenizer: config.tokenizer.clone(),
        vectorizer: config.vectorizer.clone(),
        logistic: config.logistic.clone(),
        input,
        data: DataSummary {
            source: source_name(source),
            rows: data.len() as u64,
            negatives,
            positives,
            skipped: data.skipped.clone(),
            warnings: data.warnings.clone(),
            input_sha256: data.checksum.clone(),
            trained_on: crate::util::time::training_date(),
            trollwatch_version: env!("CARGO_PKG_VERSION").into(),
        },
        fit,
        features,
        cv: None,
        coordination: config.coordination.clone(),
        account_model: None,
        author_col: None,
        classes,
        calibration: None,
    }
}
