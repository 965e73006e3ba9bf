//! Arbitrary UTF-8 through the social tokenizer and the analyzer chain. The first byte picks
//! the language and whether stop words are dropped and words stemmed; the analyzers are built
//! once per process (building one is setup, not input handling).
//!
//! No panic; every token's byte range lies on char boundaries inside the text and is not
//! empty, tokens come in text order. The chain only filters and stems the base tokens: without
//! stop words it keeps every token (same ranges and kinds, only words may change); without
//! stemming either it returns the base tokens unchanged; with stop words it keeps a
//! subsequence of them.
#![no_main]

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use trollwatch::internals::social;
use trollwatch::{Analyzer, Language, Token, TokenKind, TokenizerConfig};

thread_local! {
    static ANALYZERS: RefCell<Vec<Option<Analyzer>>> = const { RefCell::new(Vec::new()) };
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut base = Vec::new();
    social::tokenize(&text, &mut base);
    check(&text, &base);
    let languages = Language::ALL.len();
    let config = TokenizerConfig {
        language: Language::ALL[usize::from(selector & 0x3f) % languages],
        stop_words: selector & 0x40 != 0,
        stem: selector & 0x80 != 0,
    };
    let slot = (usize::from(selector & 0x3f) % languages) * 4 + usize::from(selector >> 6);
    let mut tokens = Vec::new();
    ANALYZERS.with(|cell| {
        let mut all = cell.borrow_mut();
        if all.len() <= slot {
            all.resize_with(slot + 1, || None);
        }
        all[slot]
            .get_or_insert_with(|| Analyzer::new(config.clone()))
            .analyze(&text, &mut tokens);
    });
    check(&text, &tokens);
    if !config.stop_words {
        assert_eq!(
            tokens.len(),
            base.len(),
            "the chain dropped or added tokens"
        );
        for (t, b) in tokens.iter().zip(&base) {
            assert!(
                (t.start, t.end, t.kind) == (b.start, b.end, b.kind)
                    && (t.kind == TokenKind::Word || t.text == b.text),
                "{t:?} from {b:?}"
            );
        }
        if !config.stem {
            assert_eq!(tokens, base, "an empty chain changed tokens");
        }
    } else {
        let mut rest = base.iter();
        for t in &tokens {
            assert!(
                rest.any(|b| (b.start, b.end, b.kind) == (t.start, t.end, t.kind)),
                "{t:?} is not one of the base tokens, in order"
            );
        }
    }
});

fn check(text: &str, tokens: &[Token]) {
    let mut last_start = 0;
    for t in tokens {
        assert!(t.start < t.end && t.end <= text.len(), "{t:?} in {text:?}");
        assert!(
            text.is_char_boundary(t.start) && text.is_char_boundary(t.end),
            "{t:?}"
        );
        assert!(t.start >= last_start, "tokens out of order: {t:?}");
        assert!(!t.text.is_empty(), "empty token {t:?}");
        last_start = t.start;
    }
}
