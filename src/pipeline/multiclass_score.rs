//! Scoring posts with a multi-class model: the predicted class, its probability, every
//! class's probability, and the terms behind the predicted class.

use rayon::prelude::*;
use serde::Serialize;

use crate::learn::multiclass_metrics::argmax;
use crate::pipeline::model::Model;
use crate::pipeline::score::Contribution;

/// One post scored by a multi-class model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassScored {
    /// Index of the predicted class (the most probable; ties: the first).
    pub class: usize,
    /// Its probability.
    pub probability: f64,
    /// Every class's probability, in the model's class order.
    pub probabilities: Vec<f64>,
    /// Terms with the largest absolute contributions to the predicted class's decision value
    /// (TF-IDF value × the term's weight for that class), largest first; empty unless asked.
    pub explain: Vec<Contribution>,
}

impl Model {
    /// Scores `texts` with a multi-class model, in parallel, in input order; `explain` terms
    /// per post. Empty for a binary model.
    pub fn score_classes<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        explain: usize,
    ) -> Vec<ClassScored> {
        if self.head.is_binary() {
            return Vec::new();
        }
        let multi = &self.head;
        texts
            .par_iter()
            .with_min_len(64)
            .map_init(
                || (Vec::new(), Vec::new(), Vec::new()),
                |(tokens, idx, val), text| {
                    self.analyzer.analyze(text.as_ref(), tokens);
                    self.vectorizer.transform_tokens(tokens, idx, val);
                    let mut p = vec![0.0; multi.n_classes];
                    multi.probabilities(idx, val, &mut p);
                    let class = argmax(&p);
                    let mut terms = Vec::new();
                    if explain > 0 {
                        let mut parts: Vec<(u32, f64)> = idx
                            .iter()
                            .zip(val.iter())
                            .map(|(&c, &v)| (c, v as f64 * multi.term(c as usize)[class]))
                            .collect();
                        parts.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
                        terms = parts
                            .into_iter()
                            .take(explain)
                            .map(|(c, contribution)| Contribution {
                                term: self.vectorizer.vocabulary.term(c as usize).to_string(),
                                contribution,
                            })
                            .collect();
                    }
                    ClassScored {
                        class,
                        probability: p[class],
                        probabilities: p,
                        explain: terms,
                    }
                },
            )
            .collect()
    }

    /// The `k` terms with the largest weights toward each class.
    pub fn strongest_class_terms(&self, k: usize) -> Vec<Vec<crate::pipeline::score::TermWeight>> {
        if self.head.is_binary() {
            return Vec::new();
        }
        let multi = &self.head;
        let d = self.vectorizer.n_features();
        (0..multi.n_classes)
            .map(|c| {
                let mut order: Vec<usize> = (0..d).collect();
                order.sort_by(|&a, &b| {
                    multi.term(b)[c]
                        .total_cmp(&multi.term(a)[c])
                        .then(a.cmp(&b))
                });
                order
                    .into_iter()
                    .take(k)
                    .filter(|&j| multi.term(j)[c] > 0.0)
                    .map(|j| {
                        (
                            self.vectorizer.vocabulary.term(j).to_string(),
                            multi.term(j)[c],
                        )
                    })
                    .collect()
            })
            .collect()
    }
}
