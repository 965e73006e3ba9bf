//! Stop-word filtering with NLTK's lists (through the stop-words crate), one per language.
//! Words are compared after lowercasing and squeezing, before stemming.

use std::collections::HashSet;

use super::Language;

pub struct StopWords {
    words: HashSet<&'static str>,
}

impl StopWords {
    pub fn empty() -> StopWords {
        StopWords {
            words: HashSet::new(),
        }
    }

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
