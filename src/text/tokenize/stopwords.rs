//! Stop-word filtering with NLTK's lists (through the stop-words crate), one per language.
//! Words are compared after lowercasing and squeezing, before stemming.

use std::collections::HashSet;

use super::{Language, Token, TokenFilter, TokenKind};

pub struct StopWords {
    words: HashSet<&'static str>,
}

impl StopWords {
    pub fn for_language(language: Language) -> StopWords {
        let words = stop_words::lookup(language.iso_code())
            .unwrap_or(&[])
            .iter()
            .copied()
            .collect();
        StopWords { words }
    }

    pub fn contains(&self, word: &str) -> bool {
        self.words.contains(word)
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// Drops the words of a language's stop-word list (hashtags, mentions and the rest stay).
pub struct StopWordFilter {
    words: StopWords,
}

impl StopWordFilter {
    pub fn new(language: Language) -> StopWordFilter {
        StopWordFilter {
            words: StopWords::for_language(language),
        }
    }
}

impl TokenFilter for StopWordFilter {
    fn filter(&self, tokens: &mut Vec<Token>) {
        if self.words.is_empty() {
            return;
        }
        tokens.retain(|t| t.kind != TokenKind::Word || !self.words.contains(&t.text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_list() {
        let s = StopWords::for_language(Language::English);
        assert!(s.contains("the") && s.contains("and"));
        assert!(!s.contains("election"));
    }
}
