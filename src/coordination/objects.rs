//! What two posts can share: the object keys of each kind, extracted from one post's text.
//! It owns the definitions — text normalization, the word tokens of `similar`, URLs, domains,
//! hashtags and the repost key — and turns each object into a 128-bit key (two independent
//! 64-bit hashes, so that two different objects share a key with probability ~2⁻¹²⁸ per pair).
//! Finding partners in time is `window`'s business.

use rayon::prelude::*;
use unicode_segmentation::UnicodeSegmentation;

/// A 128-bit object key.
pub type Key = u128;

/// Post → its values, in compressed sparse rows.
#[derive(Debug, Clone, Default)]
pub struct Csr<T> {
    pub offsets: Vec<u32>,
    pub values: Vec<T>,
}

impl<T> Csr<T> {
    pub fn new() -> Csr<T> {
        Csr {
            offsets: vec![0],
            values: Vec::new(),
        }
    }

    pub fn rows(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn row(&self, i: usize) -> &[T] {
        &self.values[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    pub fn push_row(&mut self, row: impl IntoIterator<Item = T>) {
        self.values.extend(row);
        self.offsets.push(self.values.len() as u32);
    }

    /// Appends the rows of `other` after this one's.
    pub fn append(&mut self, other: Csr<T>) {
        let base = self.values.len() as u32;
        self.offsets
            .extend(other.offsets[1..].iter().map(|o| o + base));
        self.values.extend(other.values);
    }
}

/// Two fixed-seed hashers: the keys only group equal objects, never decide an output order, so
/// they need not be the same on every machine, only within one run.
struct KeyHasher {
    lo: ahash::RandomState,
    hi: ahash::RandomState,
}

/// What `each(row, push)` pushes for every row `0..n_rows`, in row order, into one vector of
/// the exact size: rows are visited twice, in parallel chunks, first to count, then to fill
/// (no growth by doubling, no second copy: on a large input both cost more than the work).
pub fn gather<T, F>(n_rows: usize, zero: T, each: F) -> Vec<T>
where
    T: Copy + Send + Sync,
    F: Fn(usize, &mut dyn FnMut(T)) + Sync,
{
    const CHUNK: usize = 1 << 14;
    let chunk = |c: usize| c * CHUNK..((c + 1) * CHUNK).min(n_rows);
    let lens: Vec<usize> = (0..n_rows.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut n = 0;
            for r in chunk(c) {
                each(r, &mut |_| n += 1);
            }
            n
        })
        .collect();
    let mut out = vec![zero; lens.iter().sum()];
    let mut parts: Vec<(usize, &mut [T])> = Vec::with_capacity(lens.len());
    let mut rest: &mut [T] = &mut out;
    for (c, &len) in lens.iter().enumerate() {
        let (part, tail) = std::mem::take(&mut rest).split_at_mut(len);
        parts.push((c, part));
        rest = tail;
    }
    parts.into_par_iter().for_each(|(c, part)| {
        let mut slots = part.iter_mut();
        for r in chunk(c) {
            each(r, &mut |x| {
                if let Some(slot) = slots.next() {
                    *slot = x;
                }
            });
        }
    });
    out
}

fn hasher() -> &'static KeyHasher {
    static H: std::sync::OnceLock<KeyHasher> = std::sync::OnceLock::new();
    H.get_or_init(|| KeyHasher {
        lo: ahash::RandomState::with_seeds(
            0x243f_6a88_85a3_08d3,
            0x1319_8a2e_0370_7344,
            0xa409_3822_299f_31d0,
            0x082e_fa98_ec4e_6c89,
        ),
        hi: ahash::RandomState::with_seeds(
            0x4528_21e6_38d0_1377,
            0xbe54_66cf_34e9_0c6c,
            0xc0ac_29b7_c97c_50dd,
            0x3f84_d5b5_b547_0917,
        ),
    })
}

/// The 128-bit key of an object's bytes.
pub fn key(bytes: &[u8]) -> Key {
    let h = hasher();
    (u128::from(h.hi.hash_one(bytes)) << 64) | u128::from(h.lo.hash_one(bytes))
}

/// A 64-bit hash of a word token (collisions between distinct tokens, ~n²/2⁶⁵ for n distinct
/// tokens, could only make a Jaccard value slightly too high or too low).
pub fn token_hash(token: &str) -> u64 {
    hasher().lo.hash_one(token.as_bytes())
}

/// Whitespace as Python's `str.split()` sees it: Unicode White_Space and U+001C–U+001F.
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The `text` object, as coordination-network-toolkit's `message_preprocessor`: lowercase,
/// everything from an `@` up to the next whitespace removed, runs of whitespace folded to one
/// space, none at either end. Written into `out` (cleared first).
pub fn normalize_text(text: &str, out: &mut String) {
    out.clear();
    let mut in_mention = false;
    let mut pending_space = false;
    if text.is_ascii() {
        let mut bytes = std::mem::take(out).into_bytes();
        for &b in text.as_bytes() {
            if is_space(char::from(b)) {
                in_mention = false;
                pending_space = !bytes.is_empty();
            } else if in_mention {
            } else if b == b'@' {
                in_mention = true;
            } else {
                if pending_space {
                    bytes.push(b' ');
                    pending_space = false;
                }
                bytes.push(b.to_ascii_lowercase());
            }
        }
        *out = String::from_utf8(bytes).unwrap_or_default();
        return;
    }
    for c in text.chars().flat_map(char::to_lowercase) {
        if is_space(c) {
            in_mention = false;
            pending_space = !out.is_empty();
        } else if in_mention {
        } else if c == '@' {
            in_mention = true;
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
}

/// The word tokens of `similar`, as coordination-network-toolkit's `tokenize`, applied to an
/// already normalized text: the Unicode word-boundary segments (UAX #29) that are not
/// whitespace and not a lone ASCII apostrophe. Punctuation marks count as tokens, as there.
/// ASCII texts take a fast path that applies the same rules (tested against the general one).
pub fn word_tokens<'a>(normalized: &'a str, mut f: impl FnMut(&'a str)) {
    if !normalized.is_ascii() {
        for s in normalized.split_word_bounds() {
            if s != "'" && !s.chars().all(char::is_whitespace) {
                f(s);
            }
        }
        return;
    }
    let b = normalized.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if !is_word_class(c) {
            if c != b'\'' {
                f(&normalized[i..i + 1]);
            }
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < b.len() {
            let (prev, next) = (b[i - 1], b[i]);
            if is_word_class(next) {
                i += 1;
                continue;
            }
            // WB6/7 (letter, MidLetter or MidNumLetQ, letter) and WB11/12 (digit, MidNum or
            // MidNumLetQ, digit).
            let after = b.get(i + 1).copied().unwrap_or(b' ');
            let letters = prev.is_ascii_alphabetic()
                && matches!(next, b':' | b'.' | b'\'')
                && after.is_ascii_alphabetic();
            let digits = prev.is_ascii_digit()
                && matches!(next, b',' | b';' | b'.' | b'\'')
                && after.is_ascii_digit();
            if letters || digits {
                i += 2;
            } else {
                break;
            }
        }
        f(&normalized[start..i]);
    }
}

/// ALetter, Numeric or ExtendNumLet among ASCII characters.
fn is_word_class(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Characters trimmed from the end of a URL found in running text.
fn url_trailing(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | ')' | ']' | '}' | '>' | '…' | '”' | '’'
    )
}

/// URLs in running text: every `http://` or `https://` (any case) up to the next whitespace,
/// with trailing punctuation (`.,;:!?'")]}>…”’`) trimmed; a bare scheme is not a URL.
pub fn urls(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(k) = memchr::memmem::find(&bytes[from..], b"://") {
            let colon = from + k;
            from = colon + 3;
            let start = if colon >= 5 && bytes[colon - 5..colon].eq_ignore_ascii_case(b"https") {
                colon - 5
            } else if colon >= 4 && bytes[colon - 4..colon].eq_ignore_ascii_case(b"http") {
                colon - 4
            } else {
                continue;
            };
            let end = text[from..]
                .find(char::is_whitespace)
                .map_or(text.len(), |e| from + e);
            let url = text[start..end].trim_end_matches(url_trailing);
            from = end.max(from);
            if url.len() > colon + 3 - start {
                return Some(url);
            }
        }
        None
    })
}

/// URL shorteners and self-links whose domain says nothing about what was shared: `domain`
/// objects skip them (the full link is still a `link` object).
const UNINFORMATIVE_DOMAINS: &[&str] = &[
    "t.co",
    "bit.ly",
    "ow.ly",
    "goo.gl",
    "tinyurl.com",
    "dlvr.it",
    "ift.tt",
    "buff.ly",
    "fb.me",
    "j.mp",
    "is.gd",
    "tr.im",
    "twitter.com",
];

/// The host of a URL ([`crate::text::tokenize::social::url_host`]) when it is not a
/// shortener (see `UNINFORMATIVE_DOMAINS`).
pub fn domain(url: &str) -> Option<String> {
    crate::text::tokenize::social::url_host(url)
        .filter(|h| !UNINFORMATIVE_DOMAINS.contains(&h.as_str()))
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Hashtags: `#` (or `＃`) at the start or after a character that is not a word character,
/// followed by word characters, not all digits; lowercased (`#MAGA` = `#maga`).
pub fn hashtags(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut prev_word = false;
    let mut it = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some((i, c)) = it.next() {
            let starts = (c == '#' || c == '＃') && !prev_word;
            prev_word = is_word_char(c);
            if !starts {
                continue;
            }
            let body = i + c.len_utf8();
            let mut end = body;
            while let Some(&(k, n)) = it.peek() {
                if !is_word_char(n) {
                    break;
                }
                end = k + n.len_utf8();
                it.next();
                prev_word = true;
            }
            let name = &text[body..end];
            if !name.is_empty() && !name.bytes().all(|b| b.is_ascii_digit()) {
                return Some(format!("#{}", name.to_lowercase()));
            }
        }
        None
    })
}

/// `RT @handle:` at the start of a text: the length of that prefix (with the spaces after it).
pub fn rt_prefix_len(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("RT @")?;
    let name = rest
        .char_indices()
        .find(|&(_, c)| !is_word_char(c))
        .map_or(rest.len(), |(k, _)| k);
    if name == 0 || !rest[name..].starts_with(':') {
        return None;
    }
    let after = 4 + name + 1;
    Some(text.len() - text[after..].trim_start().len())
}

/// The repost key: what was reposted. The data names no original post, so the reposted text
/// is the key: the text without any `RT @handle:` prefix, trimmed.
pub fn repost_body(text: &str) -> &str {
    let start = rt_prefix_len(text).unwrap_or(0);
    text[start..].trim()
}

/// Every post's objects, by kind (post → its distinct keys), and its word-token hashes.
#[derive(Debug, Clone)]
pub struct Objects {
    pub text: Csr<Key>,
    pub repost: Csr<Key>,
    pub link: Csr<Key>,
    pub domain: Csr<Key>,
    pub hashtag: Csr<Key>,
    /// Distinct word-token hashes, sorted; empty when the post has fewer than `min_tokens`.
    pub tokens: Csr<u64>,
}

impl Default for Objects {
    fn default() -> Self {
        Objects {
            text: Csr::new(),
            repost: Csr::new(),
            link: Csr::new(),
            domain: Csr::new(),
            hashtag: Csr::new(),
            tokens: Csr::new(),
        }
    }
}

impl Objects {
    pub fn append(&mut self, other: Objects) {
        self.text.append(other.text);
        self.repost.append(other.repost);
        self.link.append(other.link);
        self.domain.append(other.domain);
        self.hashtag.append(other.hashtag);
        self.tokens.append(other.tokens);
    }

    pub fn rows(&self) -> usize {
        self.text.rows()
    }
}

/// Scratch space reused between posts.
#[derive(Default)]
pub struct Scratch {
    normalized: String,
    keys: Vec<Key>,
    tokens: Vec<u64>,
    urls: Vec<(usize, usize)>,
}

/// Which object kinds to extract, and the token minimum of `similar`.
#[derive(Debug, Clone, Copy)]
pub struct Extract {
    pub text: bool,
    pub similar: bool,
    pub link: bool,
    pub domain: bool,
    pub hashtag: bool,
    pub repost: bool,
    pub min_tokens: usize,
}

fn push_distinct(csr: &mut Csr<Key>, keys: &mut Vec<Key>) {
    keys.sort_unstable();
    keys.dedup();
    csr.push_row(keys.drain(..));
}

impl Extract {
    /// Appends the objects of one post to `out` (one row in every kind). Reposts only carry
    /// their repost key: what they share with other reposts of the same post is the repost,
    /// not its text, links or hashtags (coordination-network-toolkit also drops the links of
    /// reposts). `url_field` is the URL column's value when there is one (space-separated
    /// URLs), else URLs come from the text.
    pub fn push_objects(
        &self,
        text: &str,
        is_repost: bool,
        url_field: Option<&str>,
        s: &mut Scratch,
        out: &mut Objects,
    ) {
        let none = std::iter::empty;
        if is_repost {
            let r = self.repost.then(|| key(repost_body(text).as_bytes()));
            out.repost.push_row(r);
            out.text.push_row(none());
            out.link.push_row(none());
            out.domain.push_row(none());
            out.hashtag.push_row(none());
            out.tokens.push_row(std::iter::empty());
            return;
        }
        out.repost.push_row(none());
        let (mut text_key, mut tokens_ok) = (None, false);
        if self.text || self.similar {
            normalize_text(text, &mut s.normalized);
            let norm = &s.normalized;
            if self.text && !norm.is_empty() {
                text_key = Some(key(norm.as_bytes()));
            }
            if self.similar {
                s.tokens.clear();
                word_tokens(norm, |t| s.tokens.push(token_hash(t)));
                s.tokens.sort_unstable();
                s.tokens.dedup();
                tokens_ok = s.tokens.len() >= self.min_tokens.max(1);
            }
        }
        out.text.push_row(text_key);
        if tokens_ok {
            out.tokens.push_row(s.tokens.drain(..));
        } else {
            out.tokens.push_row(std::iter::empty());
        }
        s.urls.clear();
        if self.link || self.domain {
            let base = |u: &str, within: &str| u.as_ptr() as usize - within.as_ptr() as usize;
            match url_field {
                Some(f) => s
                    .urls
                    .extend(f.split_whitespace().map(|u| (base(u, f), u.len()))),
                None => s.urls.extend(urls(text).map(|u| (base(u, text), u.len()))),
            }
        }
        let src = url_field.unwrap_or(text);
        if self.link {
            s.keys
                .extend(s.urls.iter().map(|&(a, n)| key(&src.as_bytes()[a..a + n])));
        }
        push_distinct(&mut out.link, &mut s.keys);
        if self.domain {
            let d = s.urls.iter().filter_map(|&(a, n)| domain(&src[a..a + n]));
            s.keys.extend(d.map(|d| key(d.as_bytes())));
        }
        push_distinct(&mut out.domain, &mut s.keys);
        // Most posts have no `#` at all: memchr says so faster than walking the characters.
        let may_tag = memchr::memchr(b'#', text.as_bytes()).is_some() || text.contains('＃');
        if self.hashtag && may_tag {
            s.keys.extend(hashtags(text).map(|h| key(h.as_bytes())));
        }
        push_distinct(&mut out.hashtag, &mut s.keys);
    }
}

/// The object of kind `kind` in a post whose key is `wanted`, as text to show (`None` if the
/// post has no such object).
pub fn describe(
    kind: super::Kind,
    text: &str,
    url_field: Option<&str>,
    wanted: Key,
) -> Option<String> {
    use super::Kind;
    let found_urls = || -> Vec<&str> {
        match url_field {
            Some(f) => f.split_whitespace().collect(),
            None => urls(text).collect(),
        }
    };
    let candidates: Vec<String> = match kind {
        Kind::Text | Kind::Similar => {
            let mut n = String::new();
            normalize_text(text, &mut n);
            vec![n]
        }
        Kind::Repost => vec![repost_body(text).to_string()],
        Kind::Link => found_urls().into_iter().map(str::to_string).collect(),
        Kind::Domain => found_urls().into_iter().filter_map(domain).collect(),
        Kind::Hashtag => hashtags(text).collect(),
    };
    candidates
        .into_iter()
        .find(|c| kind == Kind::Similar || key(c.as_bytes()) == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_keeps_row_order_and_size() {
        for n in [0usize, 1, 5, 16_384, 16_385, 70_000] {
            let each = |r: usize, push: &mut dyn FnMut((u32, u32))| {
                for j in 0..(r * 7 + 3) % 4 {
                    push((r as u32, j as u32));
                }
            };
            let got = gather(n, (0, 0), each);
            let mut want = Vec::new();
            for r in 0..n {
                each(r, &mut |x| want.push(x));
            }
            assert_eq!(got, want, "{n} rows");
        }
    }

    fn norm(s: &str) -> String {
        let mut out = String::new();
        normalize_text(s, &mut out);
        out
    }

    #[test]
    fn text_normalization_is_the_toolkits() {
        assert_eq!(norm("  Hi @Bob,  THERE\n\tfriend "), "hi there friend");
        assert_eq!(norm("@bob hi @al there"), "hi there");
        assert_eq!(norm("a@b c"), "a c");
        assert_eq!(norm("ÉCOLE  Ça"), "école ça");
        assert_eq!(norm("@only"), "");
    }

    #[test]
    fn word_tokens_match_the_toolkit() {
        // Expected sets from coordination-network-toolkit 1.5.2's `tokenize`.
        let cases: [(&str, &[&str]); 3] = [
            (
                "Hello, world! http://t.co/AbC #tag don't 3.14 1,000 a.b e.g. RT: x",
                &[
                    "!", "#", ",", ".", "/", "1,000", "3.14", ":", "a.b", "abc", "don't", "e.g",
                    "hello", "http", "rt", "t.co", "tag", "world", "x",
                ],
            ),
            ("'orange' is it's 'cat'", &["cat", "is", "it's", "orange"]),
            (
                "the ’quote’ “dq” co-op U.S.A. 😀😀 ...",
                &[
                    "-", ".", "co", "dq", "op", "quote", "the", "u.s.a", "’", "“", "”", "😀",
                ],
            ),
        ];
        for (text, want) in cases {
            let n = norm(text);
            let mut got: Vec<&str> = Vec::new();
            word_tokens(&n, |t| got.push(t));
            got.sort_unstable();
            got.dedup();
            assert_eq!(got, want, "{text:?}");
        }
    }

    /// The ASCII fast path segments as unicode-segmentation's UAX #29 implementation does.
    #[test]
    fn ascii_fast_path_is_uax29() {
        let alphabet = b"ab1_.:,;' x-\"/#@";
        let mut rng = crate::util::rng::SplitMix64::new(3);
        for _ in 0..20_000 {
            let len = 1 + rng.below(12);
            let s: String = (0..len)
                .map(|_| char::from(alphabet[rng.below(alphabet.len())]))
                .collect();
            let mut fast = Vec::new();
            word_tokens(&s, |t| fast.push(t.to_string()));
            let general: Vec<&str> = s
                .split_word_bounds()
                .filter(|t| *t != "'" && !t.chars().all(char::is_whitespace))
                .collect();
            assert_eq!(fast, general, "{s:?}");
        }
    }

    #[test]
    fn urls_domains_hashtags_and_reposts() {
        let t = "See HTTPS://t.co/mJ4n1LcxvF. and live.http://on.wsj.com/xQjfMn, (http://x.org/a)";
        let found: Vec<&str> = urls(t).collect();
        assert_eq!(
            found,
            [
                "HTTPS://t.co/mJ4n1LcxvF",
                "http://on.wsj.com/xQjfMn",
                "http://x.org/a"
            ]
        );
        assert_eq!(urls("http:// nothing https://").count(), 0);
        assert_eq!(
            domain("https://WWW.Example.com:80/x?y"),
            Some("example.com".into())
        );
        assert_eq!(domain("https://t.co/abc"), None, "shorteners say nothing");
        assert_eq!(
            domain("www.news.org/out?to=http://t.co/x").as_deref(),
            Some("news.org"),
            "a `://` inside the path is not the scheme"
        );
        let tags: Vec<String> = hashtags("#MAGA and#no #1 #Vote2016! ＃Ok x#y").collect();
        assert_eq!(tags, ["#maga", "#vote2016", "#ok"]);
        assert_eq!(rt_prefix_len("RT @user_1: hello"), Some(12));
        assert_eq!(rt_prefix_len("RT @: x"), None);
        assert_eq!(rt_prefix_len("RT @a hello"), None);
        assert_eq!(repost_body("RT @user_1:   hello there "), "hello there");
        assert_eq!(repost_body(" hello there"), "hello there");
    }

    fn objects(e: &Extract, text: &str, repost: bool, url: Option<&str>) -> Objects {
        let mut out = Objects::default();
        e.push_objects(text, repost, url, &mut Scratch::default(), &mut out);
        out
    }

    #[test]
    fn reposts_carry_only_their_repost_key() {
        let all = Extract {
            text: true,
            similar: true,
            link: true,
            domain: true,
            hashtag: true,
            repost: true,
            min_tokens: 5,
        };
        let text = "RT @a: one two three four five #tag http://x.org/p";
        let o = objects(&all, text, true, None);
        assert!(o.text.row(0).is_empty() && o.link.row(0).is_empty());
        assert!(o.tokens.row(0).is_empty() && o.hashtag.row(0).is_empty());
        let body = "one two three four five #tag http://x.org/p #TAG http://x.org/p";
        let plain = objects(&all, body, false, None);
        assert_eq!(o.repost.row(0), [key(&body.as_bytes()[..43])]);
        assert!(plain.repost.row(0).is_empty());
        assert_eq!(plain.link.row(0), [key(b"http://x.org/p")], "distinct keys");
        assert_eq!(plain.domain.row(0), [key(b"x.org")]);
        assert_eq!(plain.hashtag.row(0), [key(b"#tag")]);
        assert!(plain.tokens.row(0).len() >= 5);
        let short = objects(&all, "one two, three http://x.org/p", false, Some(""));
        assert!(short.tokens.row(0).len() >= 5, "punctuation counts");
        let few = objects(&all, "one two three", false, None);
        assert!(
            few.tokens.row(0).is_empty(),
            "under 5 tokens: never similar"
        );
        assert!(short.link.row(0).is_empty(), "an empty URL cell is no URL");
        let cell = objects(
            &all,
            "no links here",
            false,
            Some("http://a.org/1 http://b.org/2"),
        );
        assert_eq!(cell.link.row(0).len(), 2, "URLs from the URL column");
    }
}
