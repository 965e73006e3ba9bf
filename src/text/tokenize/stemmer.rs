//! Snowball stemming through rust-stemmers, behind a serde-able [`Language`] so that a model
//! file names its language and loading rebuilds the same stemmer. Input is already lowercase.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Token, TokenFilter, TokenKind};

/// Every language rust-stemmers has a Snowball algorithm for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Arabic,
    Danish,
    Dutch,
    English,
    Finnish,
    French,
    German,
    Greek,
    Hungarian,
    Italian,
    Norwegian,
    Portuguese,
    Romanian,
    Russian,
    Spanish,
    Swedish,
    Tamil,
    Turkish,
}

impl Language {
    pub const ALL: &'static [Language] = &[
        Language::Arabic,
        Language::Danish,
        Language::Dutch,
        Language::English,
        Language::Finnish,
        Language::French,
        Language::German,
        Language::Greek,
        Language::Hungarian,
        Language::Italian,
        Language::Norwegian,
        Language::Portuguese,
        Language::Romanian,
        Language::Russian,
        Language::Spanish,
        Language::Swedish,
        Language::Tamil,
        Language::Turkish,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Language::Arabic => "arabic",
            Language::Danish => "danish",
            Language::Dutch => "dutch",
            Language::English => "english",
            Language::Finnish => "finnish",
            Language::French => "french",
            Language::German => "german",
            Language::Greek => "greek",
            Language::Hungarian => "hungarian",
            Language::Italian => "italian",
            Language::Norwegian => "norwegian",
            Language::Portuguese => "portuguese",
            Language::Romanian => "romanian",
            Language::Russian => "russian",
            Language::Spanish => "spanish",
            Language::Swedish => "swedish",
            Language::Tamil => "tamil",
            Language::Turkish => "turkish",
        }
    }

    /// ISO 639-1 code, as the stop-word lists are keyed.
    pub fn iso_code(self) -> &'static str {
        match self {
            Language::Arabic => "ar",
            Language::Danish => "da",
            Language::Dutch => "nl",
            Language::English => "en",
            Language::Finnish => "fi",
            Language::French => "fr",
            Language::German => "de",
            Language::Greek => "el",
            Language::Hungarian => "hu",
            Language::Italian => "it",
            Language::Norwegian => "no",
            Language::Portuguese => "pt",
            Language::Romanian => "ro",
            Language::Russian => "ru",
            Language::Spanish => "es",
            Language::Swedish => "sv",
            Language::Tamil => "ta",
            Language::Turkish => "tr",
        }
    }

    /// Parses a name (`english`) or ISO code (`en`), case-insensitively.
    pub fn parse(s: &str) -> Option<Language> {
        let s = s.trim().to_ascii_lowercase();
        Language::ALL
            .iter()
            .copied()
            .find(|l| l.name() == s || l.iso_code() == s)
    }

    fn algorithm(self) -> rust_stemmers::Algorithm {
        use rust_stemmers::Algorithm as A;
        match self {
            Language::Arabic => A::Arabic,
            Language::Danish => A::Danish,
            Language::Dutch => A::Dutch,
            Language::English => A::English,
            Language::Finnish => A::Finnish,
            Language::French => A::French,
            Language::German => A::German,
            Language::Greek => A::Greek,
            Language::Hungarian => A::Hungarian,
            Language::Italian => A::Italian,
            Language::Norwegian => A::Norwegian,
            Language::Portuguese => A::Portuguese,
            Language::Romanian => A::Romanian,
            Language::Russian => A::Russian,
            Language::Spanish => A::Spanish,
            Language::Swedish => A::Swedish,
            Language::Tamil => A::Tamil,
            Language::Turkish => A::Turkish,
        }
    }
}

pub struct Stemmer {
    inner: rust_stemmers::Stemmer,
}

impl Stemmer {
    pub fn new(language: Language) -> Stemmer {
        Stemmer {
            inner: rust_stemmers::Stemmer::create(language.algorithm()),
        }
    }

    /// The stem of a lowercase word; the word itself where Snowball would leave nothing of it
    /// (the Greek stemmer takes all of `εστε`, found by fuzzing), since an empty term would
    /// stand for every such word at once.
    pub fn stem(&self, word: &str) -> String {
        let stem = self.inner.stem(word);
        if stem.is_empty() {
            word.to_string()
        } else {
            stem.into_owned()
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

/// Reduces words to their Snowball stem (hashtags, mentions and the rest stay). Each thread
/// keeps the stems it has made (see `clear_stem_caches`).
pub struct StemFilter {
    language: Language,
    stemmer: Stemmer,
}

impl StemFilter {
    pub fn new(language: Language) -> StemFilter {
        StemFilter {
            language,
            stemmer: Stemmer::new(language),
        }
    }
}

impl TokenFilter for StemFilter {
    fn filter(&self, tokens: &mut Vec<Token>) {
        STEMS.with(|cell| {
            let mut cache = cell.borrow_mut();
            if cache.language != Some(self.language) {
                cache.map.clear();
                cache.language = Some(self.language);
            }
            for t in tokens.iter_mut().filter(|t| t.kind == TokenKind::Word) {
                if let Some(stem) = cache.map.get(&t.text) {
                    if *stem != t.text {
                        t.text.clone_from(stem);
                    }
                    continue;
                }
                let stem = self.stemmer.stem(&t.text);
                if cache.map.len() >= STEM_CACHE_LIMIT {
                    cache.map.clear();
                }
                cache
                    .map
                    .insert(std::mem::replace(&mut t.text, stem.clone()), stem);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names_and_codes() {
        assert_eq!(Language::parse("English"), Some(Language::English));
        assert_eq!(Language::parse("de"), Some(Language::German));
        assert_eq!(Language::parse("klingon"), None);
        for l in Language::ALL {
            assert_eq!(Language::parse(l.name()), Some(*l));
        }
    }

    #[test]
    fn stems_per_language() {
        assert_eq!(Stemmer::new(Language::English).stem("elections"), "elect");
        assert_eq!(Stemmer::new(Language::French).stem("élections"), "élect");
        assert_eq!(Stemmer::new(Language::German).stem("wahlen"), "wahl");
    }

    #[test]
    fn a_word_stemmed_to_nothing_stays_whole() {
        assert_eq!(
            rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::Greek).stem("εστε"),
            "",
            "rust-stemmers changed: this test no longer covers the empty stem"
        );
        assert_eq!(Stemmer::new(Language::Greek).stem("εστε"), "εστε");
    }
}
