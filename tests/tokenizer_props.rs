//! Properties of the tokenizer over generated text: it never panics, every token's byte range
//! lies on char boundaries inside the text and re-tokenizes to the same token, and its
//! normalization (lowercasing, squeezing repeated letters, one apostrophe) is idempotent.
//! Stemming is left out of the idempotence property on purpose: Snowball does not promise that
//! a stem stems to itself, so idempotence is asked of the tokenizer's own normalization; the
//! whole chain (stop words, stemming) is checked for valid offsets.

use proptest::prelude::*;
use trollwatch::internals::social;
use trollwatch::{Analyzer, Language, Token, TokenKind, TokenizerConfig};

/// Pieces of social-media text that meet the tokenizer's special cases, joined at random.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("http://".to_string()),
        Just("https://t.co/".to_string()),
        Just("www.".to_string()),
        Just("WWW.Example.COM/a?b=1".to_string()),
        Just("@".to_string()),
        Just("#".to_string()),
        Just("＃".to_string()),
        Just("🇺🇸".to_string()),
        Just("🇺".to_string()),
        Just("👩\u{200d}👩\u{200d}👧".to_string()),
        Just("👍🏽".to_string()),
        Just("❤\u{fe0f}".to_string()),
        Just("\u{200d}".to_string()),
        Just("\u{fe0f}".to_string()),
        Just("\u{20e3}".to_string()),
        Just("x\u{0301}".to_string()),
        Just("İ".to_string()),
        Just("ΣΑΣ".to_string()),
        Just("ß".to_string()),
        Just("\u{212a}".to_string()), // Kelvin sign, lowercases to ASCII k
        Just("’".to_string()),
        Just("'".to_string()),
        Just("%".to_string()),
        Just(".".to_string()),
        Just(",".to_string()),
        Just("2016".to_string()),
        Just("3,000.5".to_string()),
        Just("…".to_string()),
        Just("εστε".to_string()), // the Greek stemmer takes all of it
        Just("Привет".to_string()),
        Just("مرحبا".to_string()),
        Just("வணக்கம்".to_string()),
        Just("\r\n".to_string()),
        Just(" ".to_string()),
        Just("\u{3000}".to_string()),
        "[a-zA-Z]{1,6}",
        "[oO]{2,5}",
        "[0-9]{1,5}",
        "\\PC{1,3}",
    ]
}

fn social_text() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..24).prop_map(|parts| parts.concat())
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    social::tokenize(text, &mut out);
    out
}

fn assert_offsets_valid(text: &str, toks: &[Token]) -> Result<(), TestCaseError> {
    let mut last = 0;
    for t in toks {
        prop_assert!(
            t.start < t.end && t.end <= text.len(),
            "{t:?} outside {text:?}"
        );
        prop_assert!(
            text.is_char_boundary(t.start) && text.is_char_boundary(t.end),
            "{t:?} not on char boundaries of {text:?}"
        );
        prop_assert!(t.start >= last, "tokens out of order in {text:?}: {toks:?}");
        prop_assert!(!t.text.is_empty(), "empty token in {text:?}");
        last = t.start;
    }
    Ok(())
}

fn check_text(text: &str) -> Result<(), TestCaseError> {
    let toks = tokens(text);
    assert_offsets_valid(text, &toks)?;
    for t in &toks {
        // The source slice alone gives the same token over its whole length.
        let source = &text[t.start..t.end];
        let again = tokens(source);
        prop_assert!(
            again.iter().any(|u| u.text == t.text
                && u.kind == t.kind
                && u.start == 0
                && u.end == source.len()),
            "{t:?} from {text:?}: its source {source:?} gives {again:?}"
        );
        // Normalizing the normalized text changes nothing.
        if matches!(
            t.kind,
            TokenKind::Word | TokenKind::Hashtag | TokenKind::Mention | TokenKind::Emoji
        ) {
            let renorm: Vec<(String, TokenKind)> = tokens(&t.text)
                .into_iter()
                .map(|u| (u.text, u.kind))
                .collect();
            prop_assert_eq!(
                renorm,
                vec![(t.text.clone(), t.kind)],
                "normalizing {:?} (from {:?}) again",
                &t.text,
                text
            );
        }
    }
    Ok(())
}

proptest! {
    // Failures are turned into unit tests beside the tokenizer rather than saved in a file.
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn social_text_tokens_are_valid_and_normalization_idempotent(text in social_text()) {
        check_text(&text)?;
    }

    #[test]
    fn arbitrary_unicode_tokens_are_valid_and_normalization_idempotent(text in any::<String>()) {
        check_text(&text)?;
    }

    #[test]
    fn analyzer_chain_keeps_offsets_valid(
        text in social_text(),
        lang in 0..Language::ALL.len(),
        stop_words in any::<bool>(),
        stem in any::<bool>(),
    ) {
        let analyzer = Analyzer::new(TokenizerConfig { language: Language::ALL[lang], stop_words, stem });
        let mut out = Vec::new();
        analyzer.analyze(&text, &mut out);
        assert_offsets_valid(&text, &out)?;
        // Filters only drop or rewrite tokens: every span is one the tokenizer produced.
        let base = tokens(&text);
        for t in &out {
            prop_assert!(base.iter().any(|b| b.start == t.start && b.end == t.end && b.kind == t.kind));
        }
    }
}
