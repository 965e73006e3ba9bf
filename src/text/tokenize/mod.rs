//! Turning a post into the terms the model counts. A base tokenizer that knows social media
//! ([`social`]) is followed by filters, each in its own file: stop-word removal ([`stopwords`])
//! and Snowball stemming ([`stemmer`]). The chain is described by a serde-able
//! [`TokenizerConfig`] that the model file stores, so loading rebuilds exactly the same chain.
//! N-grams and weights are the vectorizer's business, not this module's.

pub mod social;
pub mod stemmer;
pub mod stopwords;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use stemmer::Language;

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

/// Lowercased word → stem for one language, kept per thread across calls, so that each
/// distinct word is stemmed once per thread however the work is split into batches. Bounded:
/// it starts over when full, so scoring an endless stream does not grow memory.
struct StemCache {
    language: Option<Language>,
    map: HashMap<String, String, ahash::RandomState>,
}

const STEM_CACHE_LIMIT: usize = 1 << 18;

thread_local! {
    static STEMS: std::cell::RefCell<StemCache> = const {
        std::cell::RefCell::new(StemCache {
            language: None,
            // Fixed seeds: the cache never shows in results, but nothing should vary between
            // runs that need not.
            map: HashMap::with_hasher(ahash::RandomState::with_seeds(5, 6, 7, 8)),
        })
    };
}

/// Empties every thread's stem cache (rayon's workers and the caller's): the memory goes
/// back once a stage is done tokenizing.
pub fn clear_stem_caches() {
    let clear = || {
        STEMS.with(|cell| {
            let mut cache = cell.borrow_mut();
            cache.map = HashMap::with_hasher(ahash::RandomState::with_seeds(5, 6, 7, 8));
            cache.language = None;
        })
    };
    rayon::broadcast(|_| clear());
    clear();
}

/// The chain built from a [`TokenizerConfig`].
pub struct Analyzer {
    config: TokenizerConfig,
    stop: stopwords::StopWords,
    stemmer: Option<stemmer::Stemmer>,
}

impl Analyzer {
    pub fn new(config: TokenizerConfig) -> Analyzer {
        let stop = if config.stop_words {
            stopwords::StopWords::for_language(config.language)
        } else {
            stopwords::StopWords::empty()
        };
        let stemmer = config.stem.then(|| stemmer::Stemmer::new(config.language));
        Analyzer {
            config,
            stop,
            stemmer,
        }
    }

    pub fn config(&self) -> &TokenizerConfig {
        &self.config
    }

    /// Tokens of `text`, filtered and stemmed, in `out` (cleared first).
    pub fn analyze(&self, text: &str, out: &mut Vec<Token>) {
        out.clear();
        social::tokenize(text, out);
        if !self.stop.is_empty() {
            out.retain(|t| t.kind != TokenKind::Word || !self.stop.contains(&t.text));
        }
        let Some(stemmer) = &self.stemmer else {
            return;
        };
        STEMS.with(|cell| {
            let mut cache = cell.borrow_mut();
            if cache.language != Some(self.config.language) {
                cache.map.clear();
                cache.language = Some(self.config.language);
            }
            for t in out.iter_mut().filter(|t| t.kind == TokenKind::Word) {
                if let Some(stem) = cache.map.get(&t.text) {
                    if *stem != t.text {
                        t.text.clone_from(stem);
                    }
                    continue;
                }
                let stem = stemmer.stem(&t.text);
                if cache.map.len() >= STEM_CACHE_LIMIT {
                    cache.map.clear();
                }
                cache
                    .map
                    .insert(std::mem::replace(&mut t.text, stem.clone()), stem);
            }
        });
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
