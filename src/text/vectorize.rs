//! Terms → TF-IDF rows. Fitting builds a vocabulary of word n-grams (document-frequency
//! limits, an optional cap on features) and the IDF vector from the training posts only;
//! transforming a post uses exactly that vocabulary and IDF, whatever else is in its batch.
//! Weights: sublinear tf (1 + ln tf), smooth IDF (ln((1 + n) / (1 + df)) + 1), rows scaled to
//! unit L2 norm — the same definitions as scikit-learn's TfidfVectorizer.

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::text::tokenize::{Analyzer, Token, TokenKind};
use crate::text::vocab::Vocabulary;
use crate::util::progress::Progress;
use crate::util::sparse::Csr;

mod intern;

use intern::{Grams, Interner};

/// Vectorizer settings, as stored in a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorizerConfig {
    /// Smallest and largest n-gram length (in terms).
    pub ngram_min: usize,
    pub ngram_max: usize,
    /// Keep terms found in at least this many training posts.
    pub min_df: u32,
    /// Drop terms found in more than this fraction of training posts.
    pub max_df: f64,
    /// Keep at most this many terms, the most frequent by document frequency.
    pub max_features: Option<usize>,
    /// Refuse training data with more distinct n-grams than this: a limit that protects the
    /// machine (each candidate costs memory until the df limits prune it).
    #[serde(default = "default_max_vocabulary")]
    pub max_vocabulary: usize,
    pub sublinear_tf: bool,
}

/// Default [`VectorizerConfig::max_features`]: on the benchmark's held-out split the cap
/// scored ROC-AUC 0.8090 against 0.8071 without it (the rarest n-grams fit single authors),
/// and it trains and scores faster in less memory.
pub const DEFAULT_MAX_FEATURES: usize = 100_000;

/// Default [`VectorizerConfig::max_vocabulary`]: 20 million distinct n-grams, about 1 GB of
/// bookkeeping while fitting. The 721k-post benchmark holds 2.4 million.
pub const DEFAULT_MAX_VOCABULARY: usize = 20_000_000;

fn default_max_vocabulary() -> usize {
    DEFAULT_MAX_VOCABULARY
}

impl Default for VectorizerConfig {
    fn default() -> Self {
        VectorizerConfig {
            ngram_min: 1,
            ngram_max: 2,
            min_df: 2,
            max_df: 1.0,
            max_features: Some(DEFAULT_MAX_FEATURES),
            max_vocabulary: DEFAULT_MAX_VOCABULARY,
            sublinear_tf: true,
        }
    }
}

impl VectorizerConfig {
    /// Checks the settings before any data is read.
    pub fn check(&self) -> Result<()> {
        if self.ngram_min == 0 || self.ngram_min > self.ngram_max || self.ngram_max > 5 {
            return Err(Error::param(
                "ngrams",
                format!("{}..={}", self.ngram_min, self.ngram_max),
                "n-gram lengths must satisfy 1 <= min <= max <= 5",
            ));
        }
        if self.min_df == 0 {
            return Err(Error::param("min-df", 0, "must be at least 1"));
        }
        if !(self.max_df > 0.0 && self.max_df <= 1.0) {
            return Err(Error::param(
                "max-df",
                self.max_df,
                "must be a fraction in (0, 1]",
            ));
        }
        if self.max_vocabulary == 0 || self.max_vocabulary >= u32::MAX as usize {
            return Err(Error::param(
                "max-vocabulary",
                self.max_vocabulary,
                format!("must be in 1..{}", u32::MAX),
            ));
        }
        if self.max_features == Some(0) {
            return Err(Error::param("max-features", 0, "must be at least 1"));
        }
        Ok(())
    }
}

/// A fitted vectorizer: settings, vocabulary (most frequent first) and IDF.
#[derive(Debug, Clone, PartialEq)]
pub struct Vectorizer {
    pub config: VectorizerConfig,
    /// N-gram strings (terms joined by one space), in column order.
    pub vocabulary: Vocabulary,
    pub idf: Vec<f64>,
}

/// What fitting saw, for the model's summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FitStats {
    pub documents: usize,
    pub distinct_terms: usize,
    pub candidate_ngrams: usize,
    pub kept_ngrams: usize,
    pub nnz: usize,
    pub empty_rows: usize,
}

impl FitStats {
    /// These stats with the matrix's non-zeros and empty rows.
    fn with_matrix(self, x: &Csr) -> FitStats {
        let empty_rows = (0..x.n_rows())
            .filter(|&i| x.indptr[i] == x.indptr[i + 1])
            .count();
        FitStats {
            nnz: x.nnz(),
            empty_rows,
            ..self
        }
    }
}

/// Calls `emit` with each n-gram of a post as a sequence of term ids: unigrams over every
/// term, longer n-grams over the terms other than URL-domain annotations.
fn for_each_ngram(
    terms: &[u32],
    is_domain: &[bool],
    nmin: usize,
    nmax: usize,
    mut emit: impl FnMut(&[u32]),
) {
    if nmin == 1 {
        for k in 0..terms.len() {
            emit(&terms[k..k + 1]);
        }
    }
    if nmax >= 2 {
        let seq: Vec<u32> = terms
            .iter()
            .zip(is_domain)
            .filter(|(_, &d)| !d)
            .map(|(&t, _)| t)
            .collect();
        for n in nmin.max(2)..=nmax {
            for w in seq.windows(n) {
                emit(w);
            }
        }
    }
}

/// Turns a post's column ids (with repeats) into a sorted, weighted, normalized row.
fn weigh_row(
    cols: &mut [u32],
    idf: &[f64],
    sublinear: bool,
    idx: &mut Vec<u32>,
    val: &mut Vec<f32>,
) {
    idx.clear();
    val.clear();
    cols.sort_unstable();
    let mut weights: Vec<f64> = Vec::with_capacity(cols.len());
    let mut k = 0;
    while k < cols.len() {
        let c = cols[k];
        let mut tf = 0usize;
        while k < cols.len() && cols[k] == c {
            tf += 1;
            k += 1;
        }
        let tf = if sublinear {
            1.0 + (tf as f64).ln()
        } else {
            tf as f64
        };
        idx.push(c);
        weights.push(tf * idf[c as usize]);
    }
    let norm = weights.iter().map(|w| w * w).sum::<f64>().sqrt();
    let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
    val.extend(weights.iter().map(|w| (w * scale) as f32));
}

const CHUNK: usize = 8192;

/// Posts analyzed once and interned as n-gram ids, so that several fits (one per
/// cross-validation fold) can share the tokenizing. Fitting on a subset of rows gives exactly
/// the vocabulary, IDF and rows that fitting on those posts alone would give: ids are only
/// names, document frequencies are counted over the fitted rows.
pub struct Corpus {
    grams: Grams,
    doc_grams: Vec<u32>,
    doc_ptr: Vec<usize>,
    ngram_min: usize,
    ngram_max: usize,
}

/// Which column each interned n-gram has in one fitted vocabulary (`u32::MAX`: none).
pub struct ColumnMap {
    col_of: Vec<u32>,
}

/// Builds a [`Corpus`] a batch of posts at a time, so that a caller can let go of each
/// batch's texts once they are analyzed.
pub struct CorpusBuilder {
    interner: Interner,
    doc_grams: Vec<u32>,
    doc_ptr: Vec<usize>,
    ngram_min: usize,
    ngram_max: usize,
}

impl CorpusBuilder {
    /// A builder for n-grams of `ngram_min..=ngram_max` terms that refuses to hold more
    /// than `max_ngrams` distinct ones.
    pub fn new(ngram_min: usize, ngram_max: usize, max_ngrams: usize) -> CorpusBuilder {
        CorpusBuilder {
            interner: Interner::new(ngram_min, ngram_max, max_ngrams),
            doc_grams: Vec::new(),
            doc_ptr: vec![0],
            ngram_min,
            ngram_max,
        }
    }

    /// Analyzes `texts` in parallel and interns their n-grams (see [`intern`]).
    pub fn add<S: AsRef<str> + Sync>(&mut self, analyzer: &Analyzer, texts: &[S]) -> Result<()> {
        self.interner
            .add(analyzer, texts, &mut self.doc_grams, &mut self.doc_ptr)
    }

    pub fn finish(mut self) -> Corpus {
        // Only the names of n-grams are needed from here on, not the tables that found them
        // (the largest holds every distinct n-gram of the corpus).
        let grams = self.interner.finish(&mut self.doc_grams);
        Corpus {
            grams,
            doc_grams: self.doc_grams,
            doc_ptr: self.doc_ptr,
            ngram_min: self.ngram_min,
            ngram_max: self.ngram_max,
        }
    }
}

impl Corpus {
    /// Analyzes `texts` in parallel and interns their n-grams (ids in input order).
    pub fn build<S: AsRef<str> + Sync>(
        analyzer: &Analyzer,
        texts: &[S],
        ngram_min: usize,
        ngram_max: usize,
        max_ngrams: usize,
        progress: &Progress,
    ) -> Result<Corpus> {
        let bar = progress.bar(texts.len() as u64, "tokenizing");
        let mut b = CorpusBuilder::new(ngram_min, ngram_max, max_ngrams);
        for chunk in texts.chunks(CHUNK * 8) {
            b.add(analyzer, chunk)?;
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        Ok(b.finish())
    }

    pub fn len(&self) -> usize {
        self.doc_ptr.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn doc(&self, d: usize) -> &[u32] {
        &self.doc_grams[self.doc_ptr[d]..self.doc_ptr[d + 1]]
    }

    /// Fits vocabulary and IDF on `rows` and returns their TF-IDF matrix (rows in that order).
    pub fn fit(
        &self,
        config: VectorizerConfig,
        rows: &[usize],
    ) -> Result<(Vectorizer, Csr, FitStats, ColumnMap)> {
        let (vectorizer, map, stats) = self.fit_vocabulary(config, rows)?;
        let x = self.matrix(rows, &map, &vectorizer);
        let stats = stats.with_matrix(&x);
        Ok((vectorizer, x, stats, map))
    }

    /// [`Corpus::fit`] on every post, in order, when the corpus is needed no longer: the
    /// matrix's column indices are written over the posts' n-gram ids as they are read, so
    /// the two are never in memory side by side.
    pub fn fit_all(self, config: VectorizerConfig) -> Result<(Vectorizer, Csr, FitStats)> {
        let rows: Vec<usize> = (0..self.len()).collect();
        let (vectorizer, map, stats) = self.fit_vocabulary(config, &rows)?;
        drop(rows);
        let x = self.into_matrix(&map, &vectorizer);
        let stats = stats.with_matrix(&x);
        Ok((vectorizer, x, stats))
    }

    /// The vocabulary and IDF of `rows`, and which column each n-gram id has.
    fn fit_vocabulary(
        &self,
        config: VectorizerConfig,
        rows: &[usize],
    ) -> Result<(Vectorizer, ColumnMap, FitStats)> {
        config.check()?;
        if config.ngram_min != self.ngram_min || config.ngram_max != self.ngram_max {
            return Err(Error::param(
                "ngrams",
                format!("{}..={}", config.ngram_min, config.ngram_max),
                format!(
                    "the corpus was built for {}..={}",
                    self.ngram_min, self.ngram_max
                ),
            ));
        }
        let g = &self.grams;
        let n_docs = rows.len();
        // Counted in parallel: sums, so the same whatever the order.
        let df: Vec<AtomicU32> = (0..g.gram_parts.len()).map(|_| AtomicU32::new(0)).collect();
        rows.par_chunks(CHUNK).for_each(|block| {
            let mut seen: Vec<u32> = Vec::new();
            for &d in block {
                seen.clear();
                seen.extend_from_slice(self.doc(d));
                seen.sort_unstable();
                seen.dedup();
                for &s in &seen {
                    df[s as usize].fetch_add(1, Relaxed);
                }
            }
        });
        let df: Vec<u32> = df.into_iter().map(AtomicU32::into_inner).collect();
        // Select n-grams of the requested lengths by document frequency.
        let max_df = ((config.max_df * n_docs as f64).floor() as u32).max(1);
        let mut kept: Vec<u32> = (0..g.gram_parts.len() as u32)
            .filter(|&k| {
                let d = df[k as usize];
                d >= config.min_df && d <= max_df
            })
            .collect();
        // Under a cap, only n-grams at least as frequent as the last one it keeps can be
        // kept: the others' texts are never written out.
        if let Some(cap) = config.max_features.filter(|&cap| cap < kept.len()) {
            let mut dfs: Vec<u32> = kept.iter().map(|&k| df[k as usize]).collect();
            let (_, &mut last, _) = dfs.select_nth_unstable_by(cap - 1, |a, b| b.cmp(a));
            kept.retain(|&k| df[k as usize] >= last);
        }
        let mut named: Vec<(String, u32)> = kept
            .into_iter()
            .map(|k| {
                let mut s = String::new();
                g.text(k, &mut s);
                (s, k)
            })
            .collect();
        // Columns in order of falling document frequency (ties by text): the handful of
        // columns that hold most non-zeros sit together at the front, so the weights that
        // every product touches stay in cache while fitting and scoring.
        named.sort_by(|a, b| {
            df[b.1 as usize]
                .cmp(&df[a.1 as usize])
                .then_with(|| a.0.cmp(&b.0))
        });
        if let Some(cap) = config.max_features {
            named.truncate(cap);
        }
        let mut col_of = vec![u32::MAX; g.gram_parts.len()];
        let mut vocabulary = Vec::with_capacity(named.len());
        let mut idf = Vec::with_capacity(named.len());
        for (col, (s, k)) in named.into_iter().enumerate() {
            col_of[k as usize] = col as u32;
            idf.push(((1.0 + n_docs as f64) / (1.0 + df[k as usize] as f64)).ln() + 1.0);
            vocabulary.push(s);
        }
        if vocabulary.is_empty() {
            return Err(Error::bad_input(
                "training data",
                format!(
                    "no term occurs in at least {} posts (--min-df); the vocabulary would be empty",
                    config.min_df
                ),
            ));
        }
        let stats = FitStats {
            documents: n_docs,
            distinct_terms: g.term_text.len(),
            candidate_ngrams: df.iter().filter(|&&d| d > 0).count(),
            kept_ngrams: vocabulary.len(),
            ..FitStats::default()
        };
        drop(df);
        let vectorizer = Vectorizer::new(config, Vocabulary::new(vocabulary)?, idf)?;
        // The vocabulary's strings were copied into one; their holes go back before the
        // matrix, the largest allocation, is built.
        crate::util::memory::release_free_memory();
        Ok((vectorizer, ColumnMap { col_of }, stats))
    }

    /// The TF-IDF rows of a block of posts.
    fn weigh_block(
        &self,
        block: impl Iterator<Item = usize>,
        map: &ColumnMap,
        vectorizer: &Vectorizer,
    ) -> Csr {
        let mut part = Csr::new(vectorizer.n_features());
        let (mut cols, mut idx, mut val) = (Vec::new(), Vec::new(), Vec::new());
        for d in block {
            cols.clear();
            cols.extend(
                self.doc(d)
                    .iter()
                    .map(|&k| map.col_of[k as usize])
                    .filter(|&c| c != u32::MAX),
            );
            weigh_row(
                &mut cols,
                &vectorizer.idf,
                vectorizer.config.sublinear_tf,
                &mut idx,
                &mut val,
            );
            part.push_row(&idx, &val);
        }
        part
    }

    /// [`Corpus::matrix`] of every post, its column indices written over `doc_grams`: a
    /// post's kept columns are never more than its n-grams, so the write position never
    /// passes the posts still to be read.
    fn into_matrix(mut self, map: &ColumnMap, vectorizer: &Vectorizer) -> Csr {
        let n = self.len();
        let mut x = Csr::new(vectorizer.n_features());
        x.data.reserve_exact(self.doc_grams.len());
        x.indptr.reserve_exact(n);
        let mut written = 0;
        for group in (0..n).step_by(CHUNK * 8) {
            let end = (group + CHUNK * 8).min(n);
            let blocks: Vec<Csr> = (group..end)
                .into_par_iter()
                .step_by(CHUNK)
                .map(|b| self.weigh_block(b..(b + CHUNK).min(end), map, vectorizer))
                .collect();
            for part in blocks {
                let len = part.indices.len();
                debug_assert!(written + len <= self.doc_ptr[end]);
                self.doc_grams[written..written + len].copy_from_slice(&part.indices);
                x.indptr
                    .extend(part.indptr[1..].iter().map(|p| p + written));
                x.data.extend_from_slice(&part.data);
                written += len;
            }
        }
        self.doc_grams.truncate(written);
        self.doc_grams.shrink_to_fit();
        x.indices = std::mem::take(&mut self.doc_grams);
        x.data.shrink_to_fit();
        x
    }

    /// TF-IDF rows of `rows` under a fitted vocabulary (n-grams outside it are dropped).
    pub fn matrix(&self, rows: &[usize], map: &ColumnMap, vectorizer: &Vectorizer) -> Csr {
        let n_cols = vectorizer.n_features();
        // Blocks of rows are weighed in parallel, a few at a time, and appended in order to a
        // matrix with room reserved for every n-gram occurrence (an upper bound; untouched
        // room costs no memory): the matrix is never copied and never held twice.
        let bound: usize = rows.iter().map(|&d| self.doc(d).len()).sum();
        let mut x = Csr::new(n_cols);
        x.indices.reserve_exact(bound);
        x.data.reserve_exact(bound);
        x.indptr.reserve_exact(rows.len());
        for group in rows.chunks(CHUNK * 8) {
            let blocks: Vec<Csr> = group
                .par_chunks(CHUNK)
                .map(|block| self.weigh_block(block.iter().copied(), map, vectorizer))
                .collect();
            for part in blocks {
                x.append(&part);
            }
        }
        x.indices.shrink_to_fit();
        x.data.shrink_to_fit();
        x
    }
}

impl Vectorizer {
    /// Fits the vocabulary and IDF on `texts` and returns their TF-IDF matrix.
    pub fn fit_transform<S: AsRef<str> + Sync>(
        config: VectorizerConfig,
        analyzer: &Analyzer,
        texts: &[S],
        progress: &Progress,
    ) -> Result<(Vectorizer, Csr, FitStats)> {
        config.check()?;
        let corpus = Corpus::build(
            analyzer,
            texts,
            config.ngram_min,
            config.ngram_max,
            config.max_vocabulary,
            progress,
        )?;
        let rows: Vec<usize> = (0..corpus.len()).collect();
        let (v, x, stats, _) = corpus.fit(config, &rows)?;
        Ok((v, x, stats))
    }

    /// Rebuilds a fitted vectorizer (as when loading a model), checking its parts agree.
    pub fn new(
        config: VectorizerConfig,
        vocabulary: Vocabulary,
        idf: Vec<f64>,
    ) -> Result<Vectorizer> {
        if vocabulary.len() != idf.len() {
            return Err(Error::param(
                "vocabulary",
                vocabulary.len(),
                format!(
                    "has {} terms but {} IDF values",
                    vocabulary.len(),
                    idf.len()
                ),
            ));
        }
        if vocabulary.len() > u32::MAX as usize - 1 {
            return Err(Error::param(
                "vocabulary",
                vocabulary.len(),
                "too many terms",
            ));
        }
        Ok(Vectorizer {
            config,
            vocabulary,
            idf,
        })
    }

    pub fn n_features(&self) -> usize {
        self.vocabulary.len()
    }

    /// The TF-IDF row of already analyzed tokens: sorted column ids and values.
    pub fn transform_tokens(&self, tokens: &[Token], idx: &mut Vec<u32>, val: &mut Vec<f32>) {
        // All n-gram keys first, with their hashes, then one batch lookup that overlaps the
        // cache misses of a large vocabulary (see `Vocabulary::get_many`).
        let mut keys = String::new();
        let mut spans: Vec<(usize, usize, u64)> = Vec::with_capacity(tokens.len() * 2);
        let is_domain: Vec<bool> = tokens.iter().map(|t| t.kind == TokenKind::Domain).collect();
        let ids: Vec<u32> = (0..tokens.len() as u32).collect();
        for_each_ngram(
            &ids,
            &is_domain,
            self.config.ngram_min,
            self.config.ngram_max,
            |w| {
                let start = keys.len();
                for (k, &t) in w.iter().enumerate() {
                    if k > 0 {
                        keys.push(' ');
                    }
                    keys.push_str(&tokens[t as usize].text);
                }
                let h = crate::text::vocab::hash(&keys.as_bytes()[start..]);
                spans.push((start, keys.len(), h));
            },
        );
        let mut cols = Vec::with_capacity(spans.len());
        self.vocabulary.get_many(&keys, &spans, &mut cols);
        weigh_row(&mut cols, &self.idf, self.config.sublinear_tf, idx, val);
    }

    /// The TF-IDF matrix of `texts` (in parallel, in order).
    pub fn transform<S: AsRef<str> + Sync>(&self, analyzer: &Analyzer, texts: &[S]) -> Csr {
        let rows: Vec<(Vec<u32>, Vec<f32>)> = texts
            .par_iter()
            .map_init(Vec::new, |tokens, t| {
                analyzer.analyze(t.as_ref(), tokens);
                let (mut idx, mut val) = (Vec::new(), Vec::new());
                self.transform_tokens(tokens, &mut idx, &mut val);
                (idx, val)
            })
            .collect();
        let mut x = Csr::new(self.n_features());
        for (idx, val) in rows {
            x.push_row(&idx, &val);
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize::TokenizerConfig;

    fn plain() -> Analyzer {
        Analyzer::new(TokenizerConfig {
            stem: false,
            stop_words: false,
            ..TokenizerConfig::default()
        })
    }

    fn docs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn too_many_distinct_ngrams_is_a_clear_error() {
        let texts = docs(&["alpha beta", "gamma delta", "epsilon zeta"]);
        let cfg = VectorizerConfig {
            max_vocabulary: 4,
            ..VectorizerConfig::default()
        };
        let err = Vectorizer::fit_transform(cfg, &plain(), &texts, &Progress::hidden())
            .unwrap_err()
            .to_string();
        // Post 1 holds 3 n-grams (2 terms, 1 bigram); post 2 brings them to 6 > 4.
        assert!(err.contains("post 2"), "{err}");
        assert!(err.contains("--max-vocabulary"), "{err}");
        let ok = VectorizerConfig {
            max_vocabulary: 9,
            min_df: 1,
            ..VectorizerConfig::default()
        };
        assert!(Vectorizer::fit_transform(ok, &plain(), &texts, &Progress::hidden()).is_ok());
    }

    #[test]
    fn vocabulary_by_falling_df_and_df_limited() {
        let texts = docs(&["red apple pie", "red apple", "green pie", "red car"]);
        let (v, x, stats) = Vectorizer::fit_transform(
            VectorizerConfig::default(),
            &plain(),
            &texts,
            &Progress::hidden(),
        )
        .unwrap();
        // df: red 3, the others 2 (ties by text); "car" and "green" are under min_df.
        assert_eq!(
            v.vocabulary.iter().collect::<Vec<_>>(),
            ["red", "apple", "pie", "red apple"]
        );
        assert_eq!(stats.documents, 4);
        assert_eq!(x.n_rows(), 4);
        // idf = ln(5 / (1 + df)) + 1
        let idf_red = (5.0f64 / 4.0).ln() + 1.0;
        assert!((v.idf[0] - idf_red).abs() < 1e-12);
        // Row 3 ("red car") has only "red": unit norm.
        assert_eq!(x.row(3), (&[0u32][..], &[1.0f32][..]));
    }

    #[test]
    fn weights_match_hand_computation() {
        // Unigrams only, min_df 1: doc 0 = "a a b", doc 1 = "b c".
        let cfg = VectorizerConfig {
            ngram_max: 1,
            min_df: 1,
            ..VectorizerConfig::default()
        };
        let texts = docs(&["aa aa bb", "bb cc"]);
        let (v, x, _) =
            Vectorizer::fit_transform(cfg, &plain(), &texts, &Progress::hidden()).unwrap();
        assert_eq!(v.vocabulary.iter().collect::<Vec<_>>(), ["bb", "aa", "cc"]);
        let idf_a = (3.0f64 / 2.0).ln() + 1.0;
        let idf_b = 1.0;
        let wa = (1.0 + 2.0f64.ln()) * idf_a;
        let wb = idf_b;
        let norm = (wa * wa + wb * wb).sqrt();
        let (idx, val) = x.row(0);
        assert_eq!(idx, [0, 1]);
        assert!((val[0] as f64 - wb / norm).abs() < 1e-6);
        assert!((val[1] as f64 - wa / norm).abs() < 1e-6);
    }

    #[test]
    fn transform_of_one_post_equals_its_training_row() {
        let texts = docs(&[
            "Breaking: read https://bit.ly/x now #news",
            "read this now #news 🔥",
            "now read https://bit.ly/y 🔥",
            "nothing shared here",
        ]);
        let a = Analyzer::new(TokenizerConfig::default());
        let (v, x, _) =
            Vectorizer::fit_transform(VectorizerConfig::default(), &a, &texts, &Progress::hidden())
                .unwrap();
        assert!(v.vocabulary.get("<domain:bit.ly>").is_some());
        assert!(v.vocabulary.get("read <url>").is_some());
        for (i, t) in texts.iter().enumerate() {
            let alone = v.transform(&a, std::slice::from_ref(t));
            assert_eq!(alone.row(0), x.row(i), "post {i}: {t}");
        }
    }

    #[test]
    fn fitting_a_subset_of_a_corpus_equals_fitting_those_posts_alone() {
        let texts = docs(&[
            "red apple pie #food",
            "green apple https://x.org/a",
            "red car fast",
            "red apple again",
            "fast green car",
            "pie again please",
        ]);
        let a = Analyzer::new(TokenizerConfig::default());
        let corpus = Corpus::build(
            &a,
            &texts,
            1,
            2,
            DEFAULT_MAX_VOCABULARY,
            &Progress::hidden(),
        )
        .unwrap();
        let rows = [0usize, 2, 3, 4];
        let (v, x, _, map) = corpus.fit(VectorizerConfig::default(), &rows).unwrap();
        let subset: Vec<String> = rows.iter().map(|&r| texts[r].clone()).collect();
        let (v2, x2, _) = Vectorizer::fit_transform(
            VectorizerConfig::default(),
            &a,
            &subset,
            &Progress::hidden(),
        )
        .unwrap();
        assert_eq!(v, v2);
        assert_eq!(x, x2);
        // Held-out rows through the corpus equal transforming their text.
        let held = corpus.matrix(&[1, 5], &map, &v);
        assert_eq!(held, v.transform(&a, &[texts[1].clone(), texts[5].clone()]));
    }

    #[test]
    fn max_features_keeps_most_frequent() {
        let cfg = VectorizerConfig {
            ngram_max: 1,
            min_df: 1,
            max_features: Some(2),
            ..VectorizerConfig::default()
        };
        let texts = docs(&["xx yy zz", "xx yy", "xx"]);
        let (v, _, _) =
            Vectorizer::fit_transform(cfg, &plain(), &texts, &Progress::hidden()).unwrap();
        assert_eq!(v.vocabulary.iter().collect::<Vec<_>>(), ["xx", "yy"]);
    }

    #[test]
    fn cap_breaks_ties_by_text_and_fit_all_equals_fit() {
        let cfg = VectorizerConfig {
            min_df: 1,
            max_features: Some(3),
            ..VectorizerConfig::default()
        };
        let texts = docs(&["bb aa cc", "cc aa bb zz", "dd zz", "bb aa"]);
        let corpus = Corpus::build(
            &plain(),
            &texts,
            1,
            2,
            DEFAULT_MAX_VOCABULARY,
            &Progress::hidden(),
        )
        .unwrap();
        let rows: Vec<usize> = (0..texts.len()).collect();
        let (v, x, stats, _) = corpus.fit(cfg.clone(), &rows).unwrap();
        // df 3: aa, bb; df 2: cc, zz, "bb aa" — the cap keeps the first of those by text.
        assert_eq!(
            v.vocabulary.iter().collect::<Vec<_>>(),
            ["aa", "bb", "bb aa"]
        );
        let (v2, x2, stats2) = corpus.fit_all(cfg).unwrap();
        assert_eq!((v, x, stats), (v2, x2, stats2));
    }

    #[test]
    fn bad_settings_are_refused() {
        let bad = VectorizerConfig {
            ngram_min: 3,
            ngram_max: 2,
            ..VectorizerConfig::default()
        };
        assert!(bad.check().unwrap_err().to_string().contains("ngrams"));
        let texts = docs(&["one", "two"]);
        let err = Vectorizer::fit_transform(
            VectorizerConfig::default(),
            &plain(),
            &texts,
            &Progress::hidden(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("vocabulary would be empty"), "{err}");
    }
}
