//! The base tokenizer for social-media text. It knows URLs (a `<url>` token and a
//! `<domain:host>` token), @mentions (one `@user` token, whoever is named), #hashtags (kept whole),
//! emoji (one token per emoji, ZWJ sequences, flags, skin tones and keycaps kept together),
//! numbers (`<num>`, `<year>`, `<pct>`) and words (lowercase, runs of three or more equal letters
//! squeezed to two: `sooooo` → `soo`). Punctuation is dropped. Every token keeps the byte range
//! of the text it came from.

use super::{Token, TokenKind};

/// Appends the tokens of `text` to `out`.
pub fn tokenize(text: &str, out: &mut Vec<Token>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if let Some(len) = url_len(rest) {
            let url = &rest[..len];
            out.push(tok("<url>".into(), i, i + len, TokenKind::Url));
            if let Some(host) = url_host(url) {
                out.push(tok(
                    format!("<domain:{host}>"),
                    i,
                    i + len,
                    TokenKind::Domain,
                ));
            }
            i += len;
            continue;
        }
        if (c == '@' || c == '#' || c == '＃') && i + c.len_utf8() < text.len() {
            let after = &rest[c.len_utf8()..];
            let name_len = after
                .char_indices()
                .find(|&(_, ch)| !is_word_char(ch))
                .map_or(after.len(), |(k, _)| k);
            if name_len > 0 {
                let end = i + c.len_utf8() + name_len;
                let (text, kind) = if c == '@' {
                    ("@user".to_string(), TokenKind::Mention)
                } else {
                    (
                        format!("#{}", squeeze(&after[..name_len].to_lowercase())),
                        TokenKind::Hashtag,
                    )
                };
                out.push(tok(text, i, end, kind));
                i = end;
                continue;
            }
        }
        if is_emoji_start(c) {
            let len = emoji_len(rest);
            out.push(tok(
                rest[..len]
                    .trim_end_matches(['\u{fe0f}', '\u{fe0e}'])
                    .to_string(),
                i,
                i + len,
                TokenKind::Emoji,
            ));
            i += len;
            continue;
        }
        if is_word_char(c) {
            let len = word_len(rest);
            let word = &rest[..len];
            let end = i + len;
            if word
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b',' || b == b'.')
            {
                let pct = bytes.get(end) == Some(&b'%');
                let name = if pct {
                    "<pct>"
                } else if word.len() == 4
                    && (word.starts_with("19") || word.starts_with("20"))
                    && word.bytes().all(|b| b.is_ascii_digit())
                {
                    "<year>"
                } else {
                    "<num>"
                };
                out.push(tok(
                    name.into(),
                    i,
                    end + usize::from(pct),
                    TokenKind::Number,
                ));
            } else {
                let lower = lower_word(word);
                let single_ascii = lower.len() == 1 && lower.is_ascii();
                if !single_ascii && lower != "_" {
                    out.push(tok(lower, i, end, TokenKind::Word));
                }
            }
            i = end;
            continue;
        }
        i += c.len_utf8();
    }
}

fn tok(text: String, start: usize, end: usize, kind: TokenKind) -> Token {
    Token {
        text,
        start,
        end,
        kind,
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || is_combining_mark(c)
}

fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036f}' | '\u{0610}'..='\u{061a}' | '\u{064b}'..='\u{065f}'
        | '\u{0900}'..='\u{0903}' | '\u{093a}'..='\u{094f}' | '\u{0b82}'..='\u{0bcd}')
}

/// Length of a word at the start of `s`: word characters, with an apostrophe, or a `.`/`,`
/// between digits, allowed inside.
fn word_len(s: &str) -> usize {
    let mut end = 0;
    let mut prev: Option<char> = None;
    let mut it = s.char_indices().peekable();
    while let Some((k, c)) = it.next() {
        let inner = matches!(c, '\'' | '’' | '.' | ',');
        if is_word_char(c) {
            end = k + c.len_utf8();
        } else if inner {
            let next = it.peek().map(|&(_, n)| n);
            let ok = match c {
                '.' | ',' => {
                    prev.is_some_and(|p| p.is_ascii_digit())
                        && next.is_some_and(|n| n.is_ascii_digit())
                }
                // A combining mark ends a letter too (`é` as e + U+0301, and `İ` lowercased).
                _ => {
                    prev.is_some_and(|p| p.is_alphabetic() || is_combining_mark(p))
                        && next.is_some_and(char::is_alphabetic)
                }
            };
            if !ok {
                break;
            }
        } else {
            break;
        }
        prev = Some(c);
    }
    end
}

/// Runs of three or more equal characters become two.
/// A word lowercased, `’` as `'`, and squeezed; ASCII words (most) in one pass and one
/// allocation.
fn lower_word(word: &str) -> String {
    if !word.is_ascii() {
        return squeeze(&word.to_lowercase().replace('’', "'"));
    }
    let mut out = String::with_capacity(word.len());
    let (mut last, mut run) = (0u8, 0);
    for b in word.bytes().map(|b| b.to_ascii_lowercase()) {
        if b == last {
            run += 1;
        } else {
            last = b;
            run = 1;
        }
        if run <= 2 {
            out.push(char::from(b));
        }
    }
    out
}

pub fn squeeze(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = '\0';
    let mut run = 0;
    for c in s.chars() {
        if c == last {
            run += 1;
        } else {
            last = c;
            run = 1;
        }
        if run <= 2 {
            out.push(c);
        }
    }
    out
}

fn url_len(s: &str) -> Option<usize> {
    let starts = |p: &str| {
        s.as_bytes()
            .get(..p.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(p.as_bytes()))
    };
    // What must follow for a URL: more than one character after a scheme, anything after
    // `www.` (so `www.` alone, or `www` before a full stop, is a word).
    let (prefix, after) = if starts("https://") {
        (8, 1)
    } else if starts("http://") {
        (7, 1)
    } else if starts("www.") {
        (4, 0)
    } else {
        return None;
    };
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    let url = s[..end].trim_end_matches(|c: char| {
        matches!(
            c,
            '.' | ','
                | ';'
                | ':'
                | '!'
                | '?'
                | '\''
                | '"'
                | ')'
                | ']'
                | '}'
                | '>'
                | '…'
                | '”'
                | '’'
        )
    });
    (url.len() > prefix + after).then_some(url.len())
}

/// The host of a URL, lowercase and without `www.`, if it has one that looks like a host:
/// after a leading scheme (`https://`, `ftp://`; none for `www.x.org`), before the path,
/// query or fragment, after any `user@`, before any `:port`. The tokenizer's `<domain:…>`
/// terms and the coordination `domain` objects are both this.
pub fn url_host(url: &str) -> Option<String> {
    let rest = match url.find("://") {
        Some(i)
            if i > 0
                && url[..i].starts_with(|c: char| c.is_ascii_alphabetic())
                && url[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')) =>
        {
            &url[i + 3..]
        }
        _ => url,
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..host_end];
    let host = host.rsplit('@').next().unwrap_or(host);
    let host = host.split(':').next().unwrap_or(host).to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let ok = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    ok.then(|| host.to_string())
}

fn is_emoji_start(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2300..=0x23FF | 0x2B00..=0x2BFF
        | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122
        | 0x2139 | 0x2194..=0x21AA)
}

fn is_regional_indicator(c: char) -> bool {
    matches!(c as u32, 0x1F1E6..=0x1F1FF)
}

/// Length of the emoji sequence at the start of `s` (which starts with an emoji).
fn emoji_len(s: &str) -> usize {
    let mut chars = s.char_indices().peekable();
    let Some((_, first)) = chars.next() else {
        return 0;
    };
    let mut end = first.len_utf8();
    if is_regional_indicator(first) {
        if let Some(&(k, c)) = chars.peek() {
            if is_regional_indicator(c) {
                return k + c.len_utf8();
            }
        }
        return end;
    }
    while let Some(&(k, c)) = chars.peek() {
        let modifier =
            matches!(c as u32, 0xFE0E | 0xFE0F | 0x1F3FB..=0x1F3FF | 0x20E3 | 0xE0020..=0xE007F);
        if modifier {
            end = k + c.len_utf8();
            chars.next();
        } else if c == '\u{200d}' {
            chars.next();
            match chars.peek() {
                Some(&(k2, c2)) if is_emoji_start(c2) => {
                    end = k2 + c2.len_utf8();
                    chars.next();
                }
                _ => break,
            }
        } else {
            break;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        tokenize(s, &mut out);
        out.into_iter().map(|t| t.text).collect()
    }

    fn assert_terms(s: &str, want: &[&str]) {
        let got = terms(s);
        assert_eq!(got, want, "tokens of {s:?}: expected {want:?}, got {got:?}");
    }

    #[test]
    fn urls_give_url_and_domain() {
        assert_terms(
            "read https://www.Example.com/a?b=1, now",
            &["read", "<url>", "<domain:example.com>", "now"],
        );
        assert_terms("see http://bit.ly/x.", &["see", "<url>", "<domain:bit.ly>"]);
        assert_terms("https:// alone", &["https", "alone"]);
        // The scheme is only ever the URL's start; a `://` later is part of the path.
        assert_eq!(
            url_host("www.x.org/r?u=http://y.com").as_deref(),
            Some("x.org")
        );
        assert_eq!(
            url_host("FTP://Files.Example.com:21/a").as_deref(),
            Some("files.example.com")
        );
        assert_eq!(
            url_host("https://user@ÉCOLE.fr/x").as_deref(),
            Some("école.fr")
        );
        assert_eq!(url_host("https://localhost/x"), None);
        // Found by the property tests: `www` before a full stop was a URL of source "www".
        assert_terms("www. or www.x", &["ww", "or", "<url>"]);
    }

    #[test]
    fn mentions_hashtags_numbers() {
        assert_terms(
            "@Bob_1 says #MAGA #Vote2016 in 2016 with 45% and 3,000.5 votes",
            &[
                "@user",
                "says",
                "#maga",
                "#vote2016",
                "in",
                "<year>",
                "with",
                "<pct>",
                "and",
                "<num>",
                "votes",
            ],
        );
        assert_terms("email a@b and # alone", &["email", "@user", "and", "alone"]);
    }

    #[test]
    fn emoji_sequences_are_one_token() {
        assert_terms("wow🔥🔥 🇺🇸!", &["wow", "🔥", "🔥", "🇺🇸"]);
        assert_terms("👩‍👩‍👧 👍🏽 ❤️", &["👩‍👩‍👧", "👍🏽", "❤"]);
    }

    #[test]
    fn words_lowercased_squeezed_with_apostrophes() {
        assert_terms(
            "Sooooo GOOOD don't It’s I",
            &["soo", "good", "don't", "it's"],
        );
        // Found by the property tests: `İ` lowercases to i + U+0307, which must still let an
        // apostrophe follow, or normalizing the word again splits it.
        assert_terms("İ’a e\u{301}'s", &["i\u{307}'a", "e\u{301}'s"]);
        assert_terms(
            "Élection à Paris, ÜBER",
            &["élection", "à", "paris", "über"],
        );
    }

    #[test]
    fn offsets_point_at_source_text() {
        let s = "Hi @x, see https://t.co/a 🇺🇸 #Tag";
        let mut out = Vec::new();
        tokenize(s, &mut out);
        let spans: Vec<&str> = out.iter().map(|t| &s[t.start..t.end]).collect();
        assert_eq!(
            spans,
            [
                "Hi",
                "@x",
                "see",
                "https://t.co/a",
                "https://t.co/a",
                "🇺🇸",
                "#Tag"
            ]
        );
    }

    #[test]
    fn ascii_fast_path_equals_general_path() {
        for w in [
            "Sooooo", "GOOOAL", "don't", "a", "AaAaA", "x__y", "aaa_bbb", "Zzzz9",
        ] {
            assert_eq!(lower_word(w), squeeze(&w.to_lowercase()), "{w}");
        }
        assert_eq!(lower_word("Don’t"), "don't");
        assert_eq!(lower_word("ÜBERRR"), "überr");
    }

    #[test]
    fn never_panics_on_odd_text() {
        for s in [
            "",
            "@",
            "#",
            "http://",
            "'",
            "a'",
            "1.",
            "\u{200d}",
            "🏽",
            "x\u{0301}",
            "www.",
            "🇺",
            "www.,",
        ] {
            let _ = terms(s);
        }
    }
}
