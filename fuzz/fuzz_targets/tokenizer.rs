//! Arbitrary UTF-8 through the social tokenizer and the whole analyzer chain: no panic, and
//! every token's byte range lies on char boundaries inside the text and is not empty.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trollwatch::tokenize::{social, Analyzer, Language, TokenizerConfig};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut tokens = Vec::new();
    social::tokenize(&text, &mut tokens);
    check(&text, &tokens);
    let language = Language::ALL[usize::from(selector) % Language::ALL.len()];
    let analyzer = Analyzer::new(TokenizerConfig {
        language,
        stop_words: selector & 0x40 != 0,
        stem: selector & 0x80 != 0,
    });
    analyzer.analyze(&text, &mut tokens);
    check(&text, &tokens);
});

fn check(text: &str, tokens: &[trollwatch::tokenize::Token]) {
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
