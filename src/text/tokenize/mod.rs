//! Turning a post into the terms the model counts. A base tokenizer that knows social media
//! ([`social`]) is followed by a chain of filters ([`TokenFilter`]), each in its own file:
//! stop-word removal ([`stopwords`]) and Snowball stemming ([`stemmer`]). The standard chain
//! is described by a serde-able [`TokenizerConfig`] that the model file stores, so loading
//! rebuilds exactly the same chain; [`Analyzer::builder`] chains filters of your own.
//! N-grams and weights are the vectorizer's business, not this module's.
//!
//! A new filter is a type implementing [`TokenFilter`] in its own file here; to be stored in
//! model files it also needs a field in [`TokenizerConfig`] (with a serde default that leaves
//! older models as they were) and a step in [`Analyzer::new`].

pub mod social;
pub mod stemmer;
pub mod stopwords;

use serde::{Deserialize, Serialize};

pub use stemmer::{clear_stem_caches, Language, StemFilter};
pub use stopwords::StopWordFilter;

/// What a token is; n-grams are built from every kind but `Domain`, which only annotates the
/// URL before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenKind {
    Word,
    Number,
    Url,
    Domain,
    Mention,
    Hashtag,
    Emoji,
}

/// A term with the byte range of the text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
}

/// The analyzer chain, as stored in a model file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenizerConfig {
    /// Snowball language for stemming and the stop-word list.
    pub language: Language,
    /// Drop the language's stop words (NLTK's lists) from words, before n-grams are formed.
    pub stop_words: bool,
    /// Reduce words to their Snowball stem.
    pub stem: bool,
}

impl Default for TokenizerConfig {
    fn default() -> Self {
        TokenizerConfig {
            language: Language::English,
            stop_words: false,
            stem: true,
        }
    }
}

/// One step of the chain after the base tokenizer: rewrites or drops the tokens of one post
/// in place. A filter sees all of a post's tokens at once, so a chain costs one call per
/// filter per post, not per token.
pub trait TokenFilter: Send + Sync {
    fn filter(&self, tokens: &mut Vec<Token>);
}

/// The base tokenizer ([`social::tokenize`]) followed by its filters, in order.
///
/// [`Analyzer::new`] builds the standard chain a model file describes by its
/// [`TokenizerConfig`]; [`Analyzer::builder`] builds any other:
///
/// ```
/// use trollwatch::{Analyzer, Language};
/// use trollwatch::tokenize::{StemFilter, StopWordFilter};
///
/// let a = Analyzer::builder()
///     .filter(StopWordFilter::new(Language::English))
///     .filter(StemFilter::new(Language::English))
///     .build();
/// assert_eq!(a.terms("The voters are running"), ["voter", "run"]);
/// ```
pub struct Analyzer {
    config: Option<TokenizerConfig>,
    filters: Vec<Box<dyn TokenFilter>>,
}

/// Builds an [`Analyzer`]: the base tokenizer, then each filter in the order given.
#[derive(Default)]
pub struct AnalyzerBuilder {
    filters: Vec<Box<dyn TokenFilter>>,
}

impl AnalyzerBuilder {
    /// Appends a filter to the chain.
    pub fn filter(mut self, f: impl TokenFilter + 'static) -> AnalyzerBuilder {
        self.filters.push(Box::new(f));
        self
    }

    pub fn build(self) -> Analyzer {
        Analyzer {
            config: None,
            filters: self.filters,
        }
    }
}

impl Analyzer {
    /// A chain of your own: the base tokenizer, then the filters added.
    pub fn builder() -> AnalyzerBuilder {
        AnalyzerBuilder::default()
    }

    /// The standard chain `config` describes: social-media tokens, then the language's stop
    /// words dropped (`stop_words`), then Snowball stems (`stem`).
    pub fn new(config: TokenizerConfig) -> Analyzer {
        let mut chain = Analyzer::builder();
        if config.stop_words {
            chain = chain.filter(StopWordFilter::new(config.language));
        }
        if config.stem {
            chain = chain.filter(StemFilter::new(config.language));
        }
        Analyzer {
            config: Some(config),
            ..chain.build()
        }
    }

    /// The configuration a model file stores: that of the standard chain, `None` for a chain
    /// built by hand (which a model file cannot describe).
    pub fn config(&self) -> Option<&TokenizerConfig> {
        self.config.as_ref()
    }

    /// Tokens of `text`, through every filter, in `out` (cleared first).
    pub fn analyze(&self, text: &str, out: &mut Vec<Token>) {
        out.clear();
        social::tokenize(text, out);
        for f in &self.filters {
            f.filter(out);
        }
    }

    /// The terms alone, for tests and tools.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.analyze(text, &mut out);
        out.into_iter().map(|t| t.text).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_stems_and_drops_stop_words() {
        let a = Analyzer::new(TokenizerConfig {
            language: Language::English,
            stop_words: true,
            stem: true,
        });
        assert_eq!(
            a.terms("The voters are RUNNING to the polls #Vote2016 @bob"),
            ["voter", "run", "poll", "#vote2016", "@user"]
        );
        let plain = Analyzer::new(TokenizerConfig {
            stop_words: false,
            stem: false,
            ..TokenizerConfig::default()
        });
        assert_eq!(plain.terms("The voters"), ["the", "voters"]);
    }

    #[test]
    fn cache_gives_same_result_and_follows_the_language() {
        let en = Analyzer::new(TokenizerConfig::default());
        let de = Analyzer::new(TokenizerConfig {
            language: Language::German,
            ..TokenizerConfig::default()
        });
        // Twice each (the second time from the cache), switching language in between.
        for _ in 0..2 {
            assert_eq!(en.terms("running runners ran"), ["run", "runner", "ran"]);
            assert_eq!(de.terms("häuser"), ["haus"]);
            assert_eq!(en.terms("häuser"), ["häuser"]);
        }
    }

    /// A filter of one's own runs where it is put in the chain, and the standard chain built
    /// by hand gives the same terms as the one a configuration describes.
    #[test]
    fn filters_of_ones_own_run_in_chain_order() {
        struct NoHashtags;
        impl TokenFilter for NoHashtags {
            fn filter(&self, tokens: &mut Vec<Token>) {
                tokens.retain(|t| t.kind != TokenKind::Hashtag);
            }
        }
        /// Appends "xyz" to every word: shows whether stemming ran before or after it.
        struct Suffix;
        impl TokenFilter for Suffix {
            fn filter(&self, tokens: &mut Vec<Token>) {
                for t in tokens.iter_mut().filter(|t| t.kind == TokenKind::Word) {
                    t.text.push_str("xyz");
                }
            }
        }
        let text = "The voters are running #Vote2016";
        let by_hand = Analyzer::builder()
            .filter(StopWordFilter::new(Language::English))
            .filter(StemFilter::new(Language::English))
            .build();
        let standard = Analyzer::new(TokenizerConfig {
            stop_words: true,
            ..TokenizerConfig::default()
        });
        assert_eq!(by_hand.terms(text), standard.terms(text));
        assert!(by_hand.config().is_none() && standard.config().is_some());
        let own = Analyzer::builder()
            .filter(NoHashtags)
            .filter(StemFilter::new(Language::English))
            .filter(Suffix)
            .build();
        assert_eq!(own.terms(text), ["thexyz", "voterxyz", "arexyz", "runxyz"]);
        let reordered = Analyzer::builder()
            .filter(Suffix)
            .filter(StemFilter::new(Language::English))
            .build();
        assert_ne!(reordered.terms("running"), ["runxyz"]);
    }

    #[test]
    fn every_language_builds() {
        for lang in Language::ALL {
            let a = Analyzer::new(TokenizerConfig {
                language: *lang,
                stop_words: true,
                stem: true,
            });
            let _ = a.terms("un texte ordinaire 2016 #tag");
            assert!(
                !stopwords::StopWords::for_language(*lang).is_empty(),
                "{lang:?} has no stop words"
            );
        }
    }
}
