//! Applying a model to posts: the positive-class probability, the label at the model's (or a
//! given) threshold, and the terms that moved the score most. Batches are scored in parallel
//! and returned in input order. Reading and printing are the caller's.

use rayon::prelude::*;
use serde::Serialize;

use crate::learn::multiclass_metrics::argmax;
use crate::pipeline::features::Dense;
use crate::pipeline::model::Model;
use crate::text::tokenize::Token;

/// One term's share of a post's decision value: `tfidf · weight`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The term as the model knows it: lowercased, stemmed, n-grams joined by spaces.
    pub term: String,
    pub contribution: f64,
    /// The words behind the term as they appear in the post (its first occurrence: `Hillary`
    /// for the stem `hillari`); `None` for a feature that is not a vocabulary term.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Byte offsets `[start, end)` of every occurrence in the post, to highlight them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<(usize, usize)>,
}

/// Where the tokens of `term` (space-separated) occur one after another in `tokens`: the
/// words of the first occurrence as `text` has them, and the byte span of every occurrence.
fn surface(text: &str, tokens: &[Token], term: &str) -> (Option<String>, Vec<(usize, usize)>) {
    let parts: Vec<&str> = term.split(' ').collect();
    let n = parts.len();
    let mut spans = Vec::new();
    if n > 0 && tokens.len() >= n {
        for w in tokens.windows(n) {
            if w.iter().zip(&parts).all(|(t, p)| t.text == *p) {
                spans.push((w[0].start, w[n - 1].end));
            }
        }
    }
    let words = spans
        .first()
        .and_then(|&(a, b)| text.get(a..b))
        .map(str::to_string);
    (words, spans)
}

/// Whether an n-gram of the vocabulary says something of its own: not made only of the
/// tokenizer's placeholders, which stand for any link, number or mention. A post that is a
/// bare link or "@user 2016" has no content term, and so no score.
pub fn is_content_term(term: &str) -> bool {
    term.split(' ')
        .any(|t| !matches!(t, "<url>" | "<num>" | "<year>" | "<pct>" | "@user" | ""))
}

/// A vocabulary term and its weight.
pub type TermWeight = (String, f64);

/// One post scored by a model of two or K classes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// Each class's probability, in the model's class order (two classes: negative, then
    /// positive); `None` when a two-class model finds fewer known terms in the post than it
    /// asks for: no evidence, no score.
    pub probabilities: Option<Vec<f64>>,
    /// The class the post is given: of K classes the most probable (the first of equals); of
    /// two, the positive one when the post is flagged at the threshold, else the negative.
    pub class: usize,
    /// Vocabulary terms of the model found in the post that carry content: n-grams with a
    /// word, hashtag, emoji or domain in them, not only the placeholders `<url>`, `<num>`,
    /// `<year>`, `<pct>` and `@user`.
    pub known_terms: u32,
    /// Terms with the largest absolute contributions to the decision value of the class
    /// scored (two classes: the positive one; K: the given one), largest first (empty unless
    /// asked).
    pub explain: Vec<Contribution>,
    /// With `explain`: the intercept of the class scored, the part of the decision value
    /// that is the same for every post (it and every term's contribution add up to it).
    pub intercept: Option<f64>,
}

impl Scored {
    /// The positive class's probability (of a two-class model: the score), if scored.
    pub fn score(&self) -> Option<f64> {
        self.probabilities.as_ref().and_then(|p| p.last().copied())
    }

    /// Whether a two-class model flags the post (gives it the positive class).
    pub fn positive(&self) -> bool {
        self.probabilities
            .as_ref()
            .is_some_and(|p| self.class + 1 == p.len())
    }

    /// The probability of the class given, if scored.
    pub fn probability(&self) -> Option<f64> {
        self.probabilities.as_ref().map(|p| p[self.class])
    }

    /// The terms behind the score with their contributions, `term (+0.123); …`.
    pub fn explanation(&self) -> String {
        self.explain
            .iter()
            .map(|c| format!("{} ({:+.3})", c.term, c.contribution))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// One scored post as `score --format jsonl` writes it and `serve` answers it: for a
/// two-class model `id`, `score` (null without evidence), `label`, `flagged` and
/// `known_terms`; for K classes `id`, `label`, `probability` and every class's
/// `probabilities`; with `explain` the terms behind the score.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum JsonRow<'a> {
    Two {
        id: &'a str,
        score: Option<f64>,
        label: &'a str,
        flagged: bool,
        known_terms: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        explain: Option<&'a [Contribution]>,
        #[serde(skip_serializing_if = "Option::is_none")]
        intercept: Option<f64>,
    },
    Classes {
        id: &'a str,
        label: &'a str,
        probability: f64,
        probabilities: ClassProbabilities<'a>,
        #[serde(skip_serializing_if = "Option::is_none")]
        explain: Option<&'a [Contribution]>,
        #[serde(skip_serializing_if = "Option::is_none")]
        intercept: Option<f64>,
    },
}

impl<'a> JsonRow<'a> {
    /// The row of `s`, labeled `label` ([`Model::label_of`]); `classes`: the model's class
    /// names ([`Model::class_names`]), `None` for two classes; `explain`: whether the terms
    /// were asked for.
    pub fn new(
        id: &'a str,
        s: &'a Scored,
        label: &'a str,
        classes: Option<&'a [String]>,
        explain: bool,
    ) -> JsonRow<'a> {
        let intercept = s.intercept.filter(|_| explain);
        let explain = explain.then_some(&s.explain[..]);
        match classes {
            None => JsonRow::Two {
                id,
                score: s.score(),
                label,
                flagged: s.positive(),
                known_terms: s.known_terms,
                explain,
                intercept,
            },
            Some(names) => JsonRow::Classes {
                id,
                label,
                probability: s.probability().unwrap_or(f64::NAN),
                probabilities: ClassProbabilities(names, s.probabilities.as_deref().unwrap_or(&[])),
                explain,
                intercept,
            },
        }
    }
}

/// Every class's probability as a JSON object in class order.
#[derive(Debug)]
pub struct ClassProbabilities<'a>(&'a [String], &'a [f64]);

impl Serialize for ClassProbabilities<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (n, p) in self.0.iter().zip(self.1) {
            m.serialize_entry(n, p)?;
        }
        m.end()
    }
}

/// How scores are reported and flagged.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ScoreOptions {
    /// Flag at this probability; `None`: at the model's threshold (for a calibrated model,
    /// the decision value chosen for its target false-positive rate).
    pub threshold: Option<f64>,
    /// Expected share of the positive class among the posts scored; `None`: the model's.
    pub prior: Option<f64>,
}

impl From<f64> for ScoreOptions {
    /// Flag at probability `threshold`, at the model's prior.
    fn from(threshold: f64) -> ScoreOptions {
        ScoreOptions {
            threshold: Some(threshold),
            prior: None,
        }
    }
}

impl Model {
    /// Scores `texts` in parallel, in input order; `explain` is how many terms to report per
    /// post. `opts` concern two-class models only (a K-class model gives the most probable
    /// class). For a
    /// model with coordination features use [`Model::score_batch_with`]: here they are zero.
    pub fn score_batch<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        opts: impl Into<ScoreOptions>,
        explain: usize,
    ) -> Vec<Scored> {
        self.score_batch_with(texts, None, opts, explain)
    }

    /// The probability of decision value `z` at `prior` (the model's when `None`): the
    /// calibration map, then Bayes' rule from the prior the map was fitted at. A model
    /// without calibration uses its sigmoid, whose balanced class weights make its prior ½.
    pub fn probability(&self, z: f64, prior: Option<f64>) -> f64 {
        let (p, fitted, default) = match &self.meta.calibration {
            Some(c) => (
                c.map
                    .as_ref()
                    .map_or_else(|| crate::learn::logistic::sigmoid(z), |m| m.probability(z)),
                c.fitted_prior,
                c.prior,
            ),
            None => (crate::learn::logistic::sigmoid(z), 0.5, 0.5),
        };
        crate::learn::calibration::shift_prior(p, fitted, prior.unwrap_or(default))
    }

    /// Whether decision value `z` (probability `p`) is flagged under `opts`.
    pub fn flagged(&self, z: f64, p: f64, opts: &ScoreOptions) -> bool {
        match (opts.threshold, self.decision_threshold()) {
            (Some(t), _) => p >= t,
            (None, Some(t)) => z >= t,
            (None, None) => p >= self.meta.threshold,
        }
    }

    /// The threshold on the decision value chosen for a target false-positive rate, if the
    /// model has one.
    pub fn decision_threshold(&self) -> Option<f64> {
        self.meta
            .calibration
            .as_ref()
            .and_then(|c| c.threshold.as_ref())
            .map(|t| t.decision)
    }

    /// The probability threshold `opts` flags at: the given one, else the model's decision
    /// threshold as a probability at the prior in use, else the stored threshold.
    pub fn effective_threshold(&self, opts: &ScoreOptions) -> f64 {
        match (opts.threshold, self.decision_threshold()) {
            (Some(t), _) => t,
            (None, Some(z)) => self.probability(z, opts.prior),
            (None, None) => self.meta.threshold,
        }
    }

    /// Fewest known terms a post needs for a score.
    pub fn min_known_terms(&self) -> u32 {
        self.meta
            .calibration
            .as_ref()
            .map_or(1, |c| c.min_known_terms)
    }

    /// Scores `texts` with their rows of dense features (the coordination features the model
    /// was trained with, computed over the same batch).
    pub fn score_batch_with<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        dense: Option<&Dense>,
        opts: impl Into<ScoreOptions>,
        explain: usize,
    ) -> Vec<Scored> {
        let opts = opts.into();
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
                    self.scored(idx, val, &opts, explain, (text.as_ref(), tokens))
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
    pub fn score_one(&self, text: &str, opts: impl Into<ScoreOptions>, explain: usize) -> Scored {
        let mut tokens = Vec::new();
        let (mut idx, mut val) = (Vec::new(), Vec::new());
        self.analyzer.analyze(text, &mut tokens);
        self.vectorizer
            .transform_tokens(&tokens, &mut idx, &mut val);
        self.scored(&idx, &val, &opts.into(), explain, (text, &tokens))
    }

    /// The score of a post's features; `post`: its text and tokens, where the explained
    /// terms are found.
    fn scored(
        &self,
        idx: &[u32],
        val: &[f32],
        opts: &ScoreOptions,
        explain: usize,
        post: (&str, &[Token]),
    ) -> Scored {
        let base = self.vectorizer.n_features() as u32;
        let known_terms = idx
            .iter()
            .filter(|&&c| c < base && is_content_term(self.vectorizer.vocabulary.term(c as usize)))
            .count() as u32;
        let (probabilities, class, column) = if self.head.is_binary() {
            if known_terms < self.min_known_terms() {
                // The intercept alone is the training mix, not evidence about this post.
                return Scored {
                    probabilities: None,
                    class: 0,
                    known_terms,
                    explain: Vec::new(),
                    intercept: None,
                };
            }
            let z = self.head.decision(idx, val);
            let score = self.probability(z, opts.prior);
            let class = usize::from(self.flagged(z, score, opts));
            (vec![1.0 - score, score], class, 0)
        } else {
            let mut p = vec![0.0; self.head.n_classes];
            self.head.probabilities(idx, val, &mut p);
            let class = argmax(&p);
            (p, class, class)
        };
        let mut terms = Vec::new();
        if explain > 0 {
            let mut parts: Vec<(u32, f64)> = idx
                .iter()
                .zip(val)
                .map(|(&c, &v)| (c, v as f64 * self.head.term(c as usize)[column]))
                .collect();
            parts.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
            terms = parts
                .into_iter()
                .take(explain)
                .map(|(c, contribution)| {
                    let term = self.column_name(c as usize);
                    let (text, spans) = if c < base {
                        surface(post.0, post.1, &term)
                    } else {
                        (None, Vec::new())
                    };
                    Contribution {
                        term,
                        contribution,
                        text,
                        spans,
                    }
                })
                .collect();
        }
        Scored {
            probabilities: Some(probabilities),
            class,
            known_terms,
            explain: terms,
            intercept: (explain > 0)
                .then(|| self.head.intercepts.get(column).copied())
                .flatten(),
        }
    }

    /// The label name for a decision.
    /// The label a scored post is given: its class's name (of two classes, the positive or
    /// the negative label), or empty when it got no score.
    pub fn label_of(&self, s: &Scored) -> &str {
        match self.class_names() {
            Some(names) => names.get(s.class).map_or("", String::as_str),
            None if s.score().is_none() => "",
            None => self.label_name(s.positive()),
        }
    }

    pub fn label_name(&self, positive: bool) -> &str {
        if positive {
            &self.meta.labels.positive
        } else {
            &self.meta.labels.negative
        }
    }

    /// The `k` terms with the largest weights toward each class.
    pub fn strongest_class_terms(&self, k: usize) -> Vec<Vec<TermWeight>> {
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

    /// The `k` terms with the largest positive and the largest negative weights.
    pub fn strongest_terms(&self, k: usize) -> (Vec<TermWeight>, Vec<TermWeight>) {
        let mut order: Vec<usize> = (0..self.head.weights.len()).collect();
        order.sort_by(|&a, &b| {
            self.head.weights[b]
                .total_cmp(&self.head.weights[a])
                .then(a.cmp(&b))
        });
        let named = |i: &usize| (self.column_name(*i), self.head.weights[*i]);
        let top: Vec<_> = order
            .iter()
            .take(k)
            .filter(|&&i| self.head.weights[i] > 0.0)
            .map(named)
            .collect();
        let bottom: Vec<_> = order
            .iter()
            .rev()
            .take(k)
            .filter(|&&i| self.head.weights[i] < 0.0)
            .map(named)
            .collect();
        (top, bottom)
    }
}

#[cfg(test)]
mod tests {
    use super::{is_content_term, surface};
    use crate::text::tokenize::{Analyzer, TokenizerConfig};

    #[test]
    fn terms_are_found_as_the_post_wrote_them() {
        let analyzer = Analyzer::new(TokenizerConfig::default());
        let text = "HILLARY lies. Hillary lies again #MAGA";
        let mut tokens = Vec::new();
        analyzer.analyze(text, &mut tokens);
        let (words, spans) = surface(text, &tokens, "hillari lie");
        assert_eq!(words.as_deref(), Some("HILLARY lies"));
        assert_eq!(spans.len(), 2);
        assert_eq!(&text[spans[1].0..spans[1].1], "Hillary lies");
        assert_eq!(surface(text, &tokens, "#maga").0.as_deref(), Some("#MAGA"));
        assert_eq!(surface(text, &tokens, "absent").0, None);
    }

    #[test]
    fn placeholders_alone_are_not_content() {
        for t in ["<url>", "@user", "<num>", "<year> <pct>", "@user <url>"] {
            assert!(!is_content_term(t), "{t}");
        }
        for t in [
            "vote",
            "<domain:bit.ly>",
            "#maga",
            "@user vote",
            "🇺🇸",
            "<url> now",
        ] {
            assert!(is_content_term(t), "{t}");
        }
    }
}
