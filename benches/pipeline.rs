//! Criterion benches of each pipeline stage on the committed synthetic demo data
//! (datasets/demo.csv, 6,000 posts): tokenize, intern (analysis and n-gram ids), vectorize,
//! fit, score. Each asserts what it computed, so a bench that silently stops doing the work
//! fails instead of getting faster.
//! No network, fixed data; sizes are in the benchmark ids.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use trollwatch::internals::logistic::{fit, LogisticParams};
use trollwatch::internals::vectorize::{
    CorpusBuilder, Vectorizer, VectorizerConfig, DEFAULT_MAX_VOCABULARY,
};
use trollwatch::train;
use trollwatch::InputColumns;
use trollwatch::Progress;
use trollwatch::TrainConfig;
use trollwatch::{read_labeled, ReadOptions};
use trollwatch::{Analyzer, TokenizerConfig};

fn demo() -> trollwatch::Labeled {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/demo.csv");
    read_labeled(path, ReadOptions::default(), "label", "1", |_| {}).expect("datasets/demo.csv")
}

fn stages(c: &mut Criterion) {
    let data = demo();
    let n = data.len();
    assert_eq!(n, 6000);
    let analyzer = Analyzer::new(TokenizerConfig::default());

    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function(BenchmarkId::new("tokenize", n), |b| {
        let mut tokens = Vec::new();
        b.iter(|| {
            let mut count = 0;
            for t in &data.texts {
                analyzer.analyze(t, &mut tokens);
                count += tokens.len();
            }
            assert!(count > 10 * n, "only {count} tokens");
            black_box(count)
        })
    });

    let (vectorizer, x, _) = Vectorizer::fit_transform(
        VectorizerConfig::default(),
        &analyzer,
        &data.texts,
        &Progress::hidden(),
    )
    .unwrap();
    g.bench_function(BenchmarkId::new("vectorize", n), |b| {
        b.iter(|| {
            let (v, x2, _) = Vectorizer::fit_transform(
                VectorizerConfig::default(),
                &analyzer,
                &data.texts,
                &Progress::hidden(),
            )
            .unwrap();
            assert_eq!(v.n_features(), vectorizer.n_features());
            black_box(x2.nnz())
        })
    });

    // Analysis and n-gram interning alone (the corpus the vectorizer's fit counts).
    g.bench_function(BenchmarkId::new("intern", n), |b| {
        b.iter(|| {
            let mut builder = CorpusBuilder::new(1, 2, DEFAULT_MAX_VOCABULARY);
            builder.add(&analyzer, &data.texts).unwrap();
            let corpus = builder.finish();
            assert_eq!(corpus.len(), n);
            black_box(corpus)
        })
    });

    g.bench_function(BenchmarkId::new("fit", format!("{n}x{}", x.n_cols)), |b| {
        b.iter(|| {
            let (m, report) = fit(
                &x,
                &data.labels(),
                &LogisticParams::default(),
                &Progress::hidden(),
            )
            .unwrap();
            assert!(report.converged, "{report:?}");
            black_box(m.intercept)
        })
    });

    let cols = InputColumns {
        text_col: "text".into(),
        label_col: "label".into(),
    };
    let (model, _) = train(
        data.clone(),
        "demo.csv",
        cols,
        &TrainConfig::default(),
        None,
        &[],
        &Progress::hidden(),
    )
    .unwrap();
    g.bench_function(BenchmarkId::new("score", n), |b| {
        b.iter(|| {
            let scored = model.score_batch(&data.texts, 0.5, 0);
            let hits = scored
                .iter()
                .zip(data.labels())
                .filter(|(s, l)| s.positive() == *l)
                .count();
            assert!(hits as f64 > 0.8 * n as f64, "training accuracy {hits}/{n}");
            black_box(hits)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = stages
}
criterion_main!(benches);
