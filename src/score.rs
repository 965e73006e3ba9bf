//! Applying a model to posts: the positive-class probability, the label at the model's (or a
//! given) threshold, and the terms that moved the score most. Batches are scored in parallel
//! and returned in input order. Reading and printing are the caller's.

use rayon::prelude::*;
use serde::Serialize;

use crate::features::Dense;
use crate::model::Model;

/// One term's share of a post's decision value: `tfidf · weight`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub term: String,
    pub contribution: f64,
}

/// A vocabulary term and its weight.
pub type TermWeight = (String, f64);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// Probability of the positive (troll) class.
    pub score: f64,
    pub positive: bool,
    /// Terms with the largest absolute contributions, largest first (empty unless asked).
    pub explain: Vec<Contribution>,
}

impl Model {
    /// Scores `texts` in parallel; `explain` is how many terms to report per post. For a
    /// model with coordination features use [`Model::score_batch_with`]: here they are zero.
    pub fn score_batch<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        threshold: f64,
        explain: usize,
    ) -> Vec<Scored> {
        self.score_batch_with(texts, None, threshold, explain)
    }

    /// Scores `texts` with their rows of dense features (the coordination features the model
    /// was trained with, computed over the same batch).
    pub fn score_batch_with<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        dense: Option<&Dense>,
        threshold: f64,
        explain: usize,
    ) -> Vec<Scored> {
        let base = self.vectorizer.n_features() as u32;
        texts
            .par_iter()
            .enumerate()
            .with_min_len(64)
            .map_init(
                || (Vec::new(), Vec::new(), Vec::new()),
                |(tokens, idx, val), (i, text)| {
                    self.analyzer.analyze(text.as_ref(), tokens);
                    self.vectorizer.transform_tokens(tokens, idx, val);
                    if let Some(d) = dense {
                        for (j, &v) in d.row(i).iter().enumerate() {
                            if v != 0.0 {
                                idx.push(base + j as u32);
                                val.push(v);
                            }
                        }
                    }
                    self.scored(idx, val, threshold, explain)
                },
            )
            .collect()
    }

    /// What a model needs beyond the text of each post, to say when it is missing: the
    /// coordination columns, computed over a batch.
    pub fn needs_batch_columns(&self) -> Option<Vec<String>> {
        self.meta.coordination.as_ref().map(|c| c.columns())
    }

    /// The name of column `c`: a vocabulary term, or a dense feature's name.
    pub fn column_name(&self, c: usize) -> String {
        let n = self.vectorizer.n_features();
        if c < n {
            self.vectorizer.vocabulary.term(c).to_string()
        } else {
            self.meta
                .coordination
                .as_ref()
                .and_then(|s| s.names().get(c - n).cloned())
                .unwrap_or_else(|| format!("feature {c}"))
        }
    }

    /// Scores one post.
    pub fn score_one(&self, text: &str, threshold: f64, explain: usize) -> Scored {
        let mut tokens = Vec::new();
        let (mut idx, mut val) = (Vec::new(), Vec::new());
        self.analyzer.analyze(text, &mut tokens);
        self.vectorizer
            .transform_tokens(&tokens, &mut idx, &mut val);
        self.scored(&idx, &val, threshold, explain)
    }

    fn scored(&self, idx: &[u32], val: &[f32], threshold: f64, explain: usize) -> Scored {
        let score = self.linear.probability(idx, val);
        let mut terms = Vec::new();
        if explain > 0 {
            let mut parts: Vec<(u32, f64)> = idx
                .iter()
                .zip(val)
                .map(|(&c, &v)| (c, v as f64 * self.linear.weights[c as usize]))
                .collect();
            parts.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
            terms = parts
                .into_iter()
                .take(explain)
                .map(|(c, contribution)| Contribution {
                    term: self.column_name(c as usize),
                    contribution,
                })
                .collect();
        }
        Scored {
            score,
            positive: score >= threshold,
            explain: terms,
        }
    }

    /// The label name for a decision.
    pub fn label_name(&self, positive: bool) -> &str {
        if positive {
            &self.meta.labels.positive
        } else {
            &self.meta.labels.negative
        }
    }

    /// The `k` terms with the largest positive and the largest negative weights.
    pub fn strongest_terms(&self, k: usize) -> (Vec<TermWeight>, Vec<TermWeight>) {
        let mut order: Vec<usize> = (0..self.linear.weights.len()).collect();
        order.sort_by(|&a, &b| {
            self.linear.weights[b]
                .total_cmp(&self.linear.weights[a])
                .then(a.cmp(&b))
        });
        let named = |i: &usize| (self.column_name(*i), self.linear.weights[*i]);
        let top: Vec<_> = order
            .iter()
            .take(k)
            .filter(|&&i| self.linear.weights[i] > 0.0)
            .map(named)
            .collect();
        let bottom: Vec<_> = order
            .iter()
            .rev()
            .take(k)
            .filter(|&&i| self.linear.weights[i] < 0.0)
            .map(named)
            .collect();
        (top, bottom)
    }
}
