//! What two posts can share: the object keys of each kind, extracted from one post's text.
//! It owns the definitions — text normalization, the word tokens of `similar`, URLs, domains,
//! hashtags and the repost key — and turns each object into a 64-bit key (for n distinct
//! objects, about n²/2⁶⁵ pairs of them share a key: ~3·10⁻⁶ for ten million objects).
//! Finding partners in time is `window`'s business.

use rayon::prelude::*;
use unicode_segmentation::UnicodeSegmentation;

/// A 64-bit object key: the kind in the top 3 bits ([`tagged`]), a hash of the object in
/// the other 61.
pub type Key = u64;

/// `k` as a key of `kind` (its top 3 bits the kind's index), so that one list holds the keys
/// of every kind and equal objects of two kinds never share a key.
pub fn tagged(kind: super::Kind, k: Key) -> Key {
    (k & (u64::MAX >> 3)) | ((kind.index() as u64) << 61)
}

/// The index of the kind of a [`tagged`] key.
pub fn kind_index(k: Key) -> usize {
    (k >> 61) as usize
}

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

impl<T: Copy + Default> Csr<T> {
    /// The `(row, value)` pairs `items` lists (called twice) as `n_rows` rows, by a counting
    /// sort (stable: each row's values keep their order).
    pub fn grouped<I>(n_rows: usize, items: impl Fn() -> I) -> Csr<T>
    where
        I: Iterator<Item = (u32, T)>,
    {
        // Counts, then each row's start, used as its cursor: once every value is placed, a
        // row's cursor is where the next row starts, so the cursors shifted by one are the
        // offsets (no second array of cursors).
        let mut offsets = vec![0u32; n_rows + 1];
        for (r, _) in items() {
            offsets[r as usize + 1] += 1;
        }
        for r in 0..n_rows {
            offsets[r + 1] += offsets[r];
        }
        let mut values = vec![T::default(); offsets[n_rows] as usize];
        for (r, v) in items() {
            let slot = &mut offsets[r as usize];
            values[*slot as usize] = v;
            *slot += 1;
        }
        // Now offsets[r] is the end of row r (= the start of r + 1) for r < n_rows.
        offsets.copy_within(0..n_rows, 1);
        offsets[0] = 0;
        Csr { offsets, values }
    }
}

/// Post → its values when most posts have none: the offsets of the non-empty rows only,
/// found through a bit a row and a count of non-empty rows before every 64 (a fifth of a byte
/// a row, where [`Csr`] takes four).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseRows<T> {
    rows: usize,
    bits: Vec<u64>,
    /// Non-empty rows before each word of `bits`.
    before: Vec<u32>,
    /// Offsets of the non-empty rows, and the end.
    offsets: Vec<u32>,
    pub values: Vec<T>,
}

impl<T> From<Csr<T>> for SparseRows<T> {
    fn from(csr: Csr<T>) -> SparseRows<T> {
        let rows = csr.rows();
        let words = rows.div_ceil(64);
        let mut bits = vec![0u64; words];
        let mut before = Vec::with_capacity(words);
        let mut offsets = Vec::new();
        for (i, w) in csr.offsets.windows(2).enumerate() {
            if i % 64 == 0 {
                before.push(offsets.len() as u32);
            }
            if w[1] > w[0] {
                bits[i / 64] |= 1 << (i % 64);
                offsets.push(w[0]);
            }
        }
        offsets.push(csr.values.len() as u32);
        offsets.shrink_to_fit();
        SparseRows {
            rows,
            bits,
            before,
            offsets,
            values: csr.values,
        }
    }
}

impl<T> SparseRows<T> {
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Row `i`; empty for `i` past the last row.
    pub fn row(&self, i: usize) -> &[T] {
        let Some(&word) = self.bits.get(i / 64) else {
            return &[];
        };
        let bit = 1u64 << (i % 64);
        if word & bit == 0 {
            return &[];
        }
        let r = (self.before[i / 64] + (word & (bit - 1)).count_ones()) as usize;
        &self.values[self.offsets[r] as usize..self.offsets[r + 1] as usize]
    }

    /// Bytes held.
    #[cfg(test)]
    fn heap_bytes(&self) -> usize {
        self.bits.capacity() * 8
            + self.before.capacity() * 4
            + self.offsets.capacity() * 4
            + self.values.capacity() * std::mem::size_of::<T>()
    }
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

/// One fixed-seed hasher: keys only group equal objects, never decide an output order, so
/// they need not be the same on every machine, only within one run.
fn hasher() -> &'static ahash::RandomState {
    static H: std::sync::OnceLock<ahash::RandomState> = std::sync::OnceLock::new();
    H.get_or_init(|| {
        ahash::RandomState::with_seeds(
            0x243f_6a88_85a3_08d3,
            0x1319_8a2e_0370_7344,
            0xa409_3822_299f_31d0,
            0x082e_fa98_ec4e_6c89,
        )
    })
}

/// The 64-bit key of an object's bytes.
pub fn key(bytes: &[u8]) -> Key {
    hasher().hash_one(bytes)
}

/// A 64-bit hash of a word token (collisions between distinct tokens, ~n²/2⁶⁵ for n distinct
/// tokens, could only make a Jaccard value slightly too high or too low). Tokens of up to 16
/// bytes, nearly all of them, are read as two words and mixed by two folded multiplications
/// (as wyhash does), inline; longer ones go through the keys' hasher.
#[inline]
pub fn token_hash(token: &str) -> u64 {
    let b = token.as_bytes();
    let n = b.len();
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or_default());
    let half = |at: usize| {
        u64::from(u32::from_le_bytes(
            b[at..at + 4].try_into().unwrap_or_default(),
        ))
    };
    // Each length's bytes map one to one to (lo, hi); the length itself is mixed in below.
    let (lo, hi) = match n {
        0 => (0, 0),
        1..=3 => (
            (u64::from(b[0]) << 16) | (u64::from(b[n / 2]) << 8) | u64::from(b[n - 1]),
            0,
        ),
        4..=8 => (half(0), half(n - 4)),
        9..=16 => (word(0), word(n - 8)),
        _ => return hasher().hash_one(b),
    };
    const P0: u64 = 0xa076_1d64_78bd_642f;
    const P1: u64 = 0xe703_7ed1_a0b4_28db;
    const P2: u64 = 0x8ebc_6af0_9c88_c6e3;
    let mum = |a: u64, b: u64| {
        let r = u128::from(a) * u128::from(b);
        (r as u64) ^ ((r >> 64) as u64)
    };
    mum(P1 ^ n as u64, mum(lo ^ P1, hi ^ P0 ^ P2))
}

/// Whitespace as Python's `str.split()` sees it: Unicode White_Space and U+001C–U+001F.
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The `text` object, as coordination-network-toolkit's `message_preprocessor`: lowercase,
/// everything from an `@` up to the next whitespace removed, runs of whitespace folded to one
/// space, none at either end. Written into `out` (cleared first). ASCII bytes are handled a
/// byte at a time through a table, other characters one by one.
pub fn normalize_text(text: &str, out: &mut String) {
    let b = text.as_bytes();
    let mut v = std::mem::take(out).into_bytes();
    if text.is_ascii() {
        normalize_ascii(b, &mut v);
        debug_assert!(v.is_ascii());
        // SAFETY: `normalize_ascii` writes only bytes of `b` lowercased and spaces, all ASCII
        // (`b` is): valid UTF-8. Checking them again took about 1 % of a whole run.
        *out = unsafe { String::from_utf8_unchecked(v) };
        return;
    }
    v.clear();
    v.reserve(b.len());
    let mut pending_space = false;
    let mut in_mention = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let (space, at, lower, len) = if c < 0x80 {
            let class = ASCII_NORM[c as usize];
            (class == 1, class == 2, None, 1)
        } else {
            let ch = text[i..].chars().next().unwrap_or(' ');
            (is_space(ch), false, Some(ch), ch.len_utf8())
        };
        i += len;
        if space {
            in_mention = false;
            pending_space = !v.is_empty();
            continue;
        }
        if in_mention || at {
            in_mention = true;
            continue;
        }
        if pending_space {
            v.push(b' ');
            pending_space = false;
        }
        match lower {
            None => v.push(c.to_ascii_lowercase()),
            Some(ch) => {
                for l in ch.to_lowercase() {
                    let mut buf = [0u8; 4];
                    v.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
    }
    // Whole characters of a `str` were copied, and lowercase characters encoded as UTF-8.
    *out = String::from_utf8(v).unwrap_or_default();
}

/// [`normalize_text`] of ASCII bytes. Most texts hold no `@`, no control byte, no two spaces
/// in a row and none at either end: lowercasing is all, and the checks carry nothing from
/// byte to byte, so they run many bytes at a time. Other texts are taken word by word: the
/// runs between whitespace, each cut at its first `@`, joined by one space.
fn normalize_ascii(b: &[u8], v: &mut Vec<u8>) {
    v.clear();
    let special = b
        .iter()
        .fold(false, |acc, &c| acc | (c < 0x20) | (c == b'@'));
    let doubled = b
        .iter()
        .zip(b.iter().skip(1))
        .fold(false, |acc, (&x, &y)| acc | ((x == b' ') & (y == b' ')));
    if !special && !doubled && b.first() != Some(&b' ') && b.last() != Some(&b' ') {
        v.extend(b.iter().map(u8::to_ascii_lowercase));
        return;
    }
    v.reserve(b.len());
    for word in b.split(|&c| ASCII_NORM[usize::from(c & 0x7f)] == 1) {
        let kept = match word.iter().position(|&c| c == b'@') {
            Some(at) => &word[..at],
            None => word,
        };
        if kept.is_empty() {
            continue;
        }
        if !v.is_empty() {
            v.push(b' ');
        }
        v.extend(kept.iter().map(u8::to_ascii_lowercase));
    }
}

/// ASCII bytes for [`normalize_text`]: 1 whitespace (as [`is_space`]), 2 `@`, 0 the rest.
const ASCII_NORM: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut c = 0;
    while c < 128 {
        t[c] = match c as u8 {
            b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ' => 1,
            b'@' => 2,
            _ => 0,
        };
        c += 1;
    }
    t
};

/// The word tokens of `similar`, as coordination-network-toolkit's `tokenize`, applied to an
/// already normalized text: the Unicode word-boundary segments (UAX #29) that are not
/// whitespace and not a lone ASCII apostrophe. Punctuation marks count as tokens, as there.
/// Texts whose characters are all of the classes in `Wb` (ASCII, curly quotes, common
/// punctuation, symbols and pictographs) take a fast path that applies the same rules to
/// those classes (tested against the general one); other texts go through
/// unicode-segmentation.
pub fn word_tokens<'a>(normalized: &'a str, mut f: impl FnMut(&'a str)) {
    let s = normalized;
    if s.is_ascii() {
        ascii_word_tokens(s, f);
        return;
    }
    let known = s
        .chars()
        .all(|c| c.is_ascii() || wb_beyond_ascii(c).is_some());
    if !known {
        for t in s.split_word_bounds() {
            if t != "'" && !t.chars().all(char::is_whitespace) {
                f(t);
            }
        }
        return;
    }
    let b = s.as_bytes();
    let class_at = |i: usize| -> (Wb, usize) {
        let c = b[i];
        if c < 0x80 {
            (ASCII_WB[usize::from(c)], 1)
        } else {
            let ch = s[i..].chars().next().unwrap_or(' ');
            (wb_beyond_ascii(ch).unwrap_or(Wb::Other), ch.len_utf8())
        }
    };
    let mut i = 0;
    while i < b.len() {
        let (c, n) = class_at(i);
        if !is_word(c) {
            // Whitespace and a lone ASCII apostrophe are no tokens; every other mark is one.
            if !matches!(c, Wb::Space | Wb::Quote) {
                f(&s[i..i + n]);
            }
            i += n;
            continue;
        }
        let start = i;
        let mut prev = c;
        i += n;
        while i < b.len() {
            let (next, m) = class_at(i);
            if is_word(next) {
                prev = next;
                i += m;
                continue;
            }
            if joins(prev, next) && i + m < b.len() && class_at(i + m).0 == prev {
                i += m + class_at(i + m).1;
                continue;
            }
            break;
        }
        f(&s[start..i]);
    }
}

/// Whether characters of class `c` make up words (letters, digits, connectors).
const fn is_word(c: Wb) -> bool {
    matches!(c, Wb::Letter | Wb::Digit | Wb::Connector)
}

/// Whether `mid` may join two word characters of class `prev` (then the same on both
/// sides): WB6/7 (letter, MidLetter or MidNumLetQ, letter) and WB11/12 (digit, MidNum or
/// MidNumLetQ, digit).
fn joins(prev: Wb, mid: Wb) -> bool {
    match prev {
        Wb::Letter => matches!(mid, Wb::MidLetter | Wb::MidNumLet | Wb::Quote),
        Wb::Digit => matches!(mid, Wb::MidNum | Wb::MidNumLet | Wb::Quote),
        _ => false,
    }
}

/// [`word_tokens`] of an ASCII text: the fast path's rules a byte at a time, with no
/// character to decode.
fn ascii_word_tokens<'a>(s: &'a str, mut f: impl FnMut(&'a str)) {
    let b = s.as_bytes();
    let class = |i: usize| ASCII_WB[usize::from(b[i] & 0x7f)];
    let mut i = 0;
    while i < b.len() {
        let c = class(i);
        if !is_word(c) {
            // Whitespace and a lone apostrophe are no tokens; every other mark is one.
            if !matches!(c, Wb::Space | Wb::Quote) {
                f(&s[i..i + 1]);
            }
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        loop {
            while b.get(i).is_some_and(|&c| ASCII_WORD[usize::from(c & 0x7f)]) {
                i += 1;
            }
            let prev = class(i - 1);
            if i + 1 < b.len() && class(i + 1) == prev && joins(prev, class(i)) {
                i += 2;
                continue;
            }
            break;
        }
        f(&s[start..i]);
    }
}

/// Word-break classes (UAX #29) of the characters [`word_tokens`]' fast path knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wb {
    /// Whitespace: never part of a token.
    Space,
    /// ALetter.
    Letter,
    /// Numeric.
    Digit,
    /// ExtendNumLet (`_`): joins letters and digits.
    Connector,
    MidLetter,
    MidNum,
    MidNumLet,
    /// Single_Quote (`'`), which joins as MidNumLet does.
    Quote,
    /// A mark that is a segment of its own.
    Other,
}

/// [`Wb`] of each ASCII character.
const ASCII_WB: [Wb; 128] = {
    let mut t = [Wb::Other; 128];
    let mut c = 0;
    while c < 128 {
        t[c] = match c as u8 {
            b'a'..=b'z' | b'A'..=b'Z' => Wb::Letter,
            b'0'..=b'9' => Wb::Digit,
            b'_' => Wb::Connector,
            b':' => Wb::MidLetter,
            b',' | b';' => Wb::MidNum,
            b'.' => Wb::MidNumLet,
            b'\'' => Wb::Quote,
            b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' => Wb::Space,
            _ => Wb::Other,
        };
        c += 1;
    }
    t
};

/// Whether each ASCII character is a word character (letter, digit or connector).
const ASCII_WORD: [bool; 128] = {
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        t[c] = is_word(ASCII_WB[c]);
        c += 1;
    }
    t
};

/// [`Wb`] of a character beyond ASCII when the fast path knows it: the quotation marks that
/// are MidNumLet, and punctuation, symbols and pictographs that are segments of their own
/// (every one checked against unicode-segmentation in a test). `None` for letters, digits,
/// combining marks, joiners, variation selectors, skin tones, flags and all the rest.
fn wb_beyond_ascii(c: char) -> Option<Wb> {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{2024}' => Some(Wb::MidNumLet),
        '\u{a1}'..='\u{a9}'
        | '\u{ab}'..='\u{ac}'
        | '\u{ae}'..='\u{b1}'
        | '\u{b4}'
        | '\u{b6}'
        | '\u{bb}'
        | '\u{bf}'
        | '\u{d7}'
        | '\u{f7}'
        | '\u{2010}'..='\u{2017}'
        | '\u{201a}'..='\u{2023}'
        | '\u{2025}'..='\u{2026}'
        | '\u{2030}'..='\u{203e}'
        | '\u{2041}'..='\u{2043}'
        | '\u{2045}'..='\u{2053}'
        | '\u{2055}'..='\u{205e}'
        | '\u{20a0}'..='\u{20c0}'
        | '\u{2190}'..='\u{23ff}'
        | '\u{2500}'..='\u{27bf}'
        | '\u{2900}'..='\u{2bff}'
        | '\u{3008}'..='\u{3011}'
        | '\u{fffd}'
        | '\u{1f300}'..='\u{1f3fa}'
        | '\u{1f400}'..='\u{1f6ff}'
        | '\u{1f780}'..='\u{1faff}' => Some(Wb::Other),
        _ => None,
    }
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
        // Colons are few in posts: find each, then look for the `//` after it.
        while let Some(k) = memchr::memchr(b':', &bytes[from..]) {
            let colon = from + k;
            from = colon + 1;
            if !bytes[from..].starts_with(b"//") {
                continue;
            }
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
    hashtag_names(text).map(|name| format!("#{}", name.to_lowercase()))
}

/// The names of [`hashtags`] as they are written (no `#`, case kept). Each `#` is found
/// with memchr (or, in a text with a fullwidth `＃`, by walking its characters), and the
/// character before it looked at.
pub fn hashtag_names(text: &str) -> impl Iterator<Item = &str> + '_ {
    let fullwidth = text.contains('＃');
    let ascii = (!fullwidth).then(|| memchr::memchr_iter(b'#', text.as_bytes()));
    let any = fullwidth.then(|| text.match_indices(['#', '＃']).map(|(i, _)| i));
    let marks = ascii.into_iter().flatten().chain(any.into_iter().flatten());
    marks.filter_map(move |i| {
        if text[..i].chars().next_back().is_some_and(is_word_char) {
            return None;
        }
        let body = i + if text.as_bytes()[i] == b'#' {
            1
        } else {
            '＃'.len_utf8()
        };
        let end = text[body..]
            .char_indices()
            .find(|&(_, c)| !is_word_char(c))
            .map_or(text.len(), |(k, _)| body + k);
        let name = &text[body..end];
        (!name.is_empty() && !name.bytes().all(|b| b.is_ascii_digit())).then_some(name)
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

/// The objects of a run of posts as [`Extract::push_objects`] finds them: by kind (post → its
/// distinct keys), and the hashes of its word tokens, not yet numbered.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// Distinct [`tagged`] keys of every kind but `similar`, sorted (so grouped by kind).
    pub keys: Csr<Key>,
    /// Distinct word-token hashes, in no particular order; empty when the post has fewer than
    /// `min_tokens`.
    pub tokens: Csr<u64>,
}

impl Default for Extracted {
    fn default() -> Self {
        Extracted {
            keys: Csr::new(),
            tokens: Csr::new(),
        }
    }
}

/// Every post's objects, by kind (post → its distinct keys), and its word tokens as numbers
/// of [`Objects::dict`] (32 bits a token where a hash took 64).
#[derive(Debug)]
pub struct Objects {
    /// Distinct [`tagged`] keys of every kind but `similar`, sorted: one list a post rather
    /// than one a kind (most posts have one or two keys, and a list's offsets cost 4 bytes a
    /// post).
    pub keys: Csr<Key>,
    /// Each post's distinct word tokens as the dictionary's provisional numbers (unsorted);
    /// empty when the post has fewer than `min_tokens`.
    pub tokens: Csr<u32>,
    pub dict: TokenDict,
}

impl Default for Objects {
    fn default() -> Self {
        Objects {
            keys: Csr::new(),
            tokens: Csr::new(),
            dict: TokenDict::default(),
        }
    }
}

impl Objects {
    /// Appends `x`, whose tokens `ids` numbered in this dictionary ([`TokenDict::intern`]).
    pub fn append(&mut self, x: Extracted, ids: Csr<u32>) {
        self.keys.append(x.keys);
        self.tokens.append(ids);
    }

    pub fn rows(&self) -> usize {
        self.keys.rows()
    }

    /// Gives back the memory that growing by appends left unused.
    pub fn shrink_to_fit(&mut self) {
        self.keys.values.shrink_to_fit();
        self.keys.offsets.shrink_to_fit();
        self.tokens.values.shrink_to_fit();
        self.tokens.offsets.shrink_to_fit();
    }
}

/// Shards of the token dictionary: 2⁶, so that extracting threads seldom wait for one another.
const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;

/// Hashes the token hashes a shard keeps: they are hashes already, only mixed so that the
/// table's bits do not coincide with the shard's.
#[derive(Default, Clone, Copy)]
struct Mix(u64);

impl std::hash::Hasher for Mix {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, h: u64) {
        self.0 = (h >> SHARD_BITS).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[derive(Debug, Default, Clone)]
struct TokenShard {
    /// A token's hash → its local number and the posts it is in (side by side: one memory
    /// access a token).
    ids: std::collections::HashMap<u64, (u32, u32), std::hash::BuildHasherDefault<Mix>>,
}

/// The word tokens of `similar`, numbered as they are met, each with the number of posts it
/// is in (exact: a post's tokens are distinct). Many extracting threads fill it at once: its
/// shards each sit behind a lock, and a thread takes each shard once per run of posts. The
/// numbers therefore depend on thread timing and are provisional; [`TokenDict::ranks`] turns
/// them into an order that does not (fewest posts first, ties by hash).
#[derive(Debug)]
pub struct TokenDict {
    shards: Vec<std::sync::Mutex<TokenShard>>,
}

impl Default for TokenDict {
    fn default() -> Self {
        TokenDict {
            shards: (0..SHARDS).map(|_| Default::default()).collect(),
        }
    }
}

/// Each token's place in the order prefix filtering wants: rarest first.
#[derive(Debug, Default)]
pub struct TokenRanks {
    /// Provisional number → rank.
    rank: Vec<u32>,
    /// Tokens in one post only: ranks `0..singles`.
    pub singles: u32,
    /// Distinct tokens.
    pub distinct: u32,
}

impl TokenRanks {
    pub fn rank(&self, provisional: u32) -> u32 {
        self.rank[provisional as usize]
    }
}

impl TokenDict {
    /// Numbers the tokens of `rows` (hashes), counting each once per post: the same rows
    /// with each hash replaced by its number. A shard's number `local` is `local · 2⁶ +
    /// shard`, so numbers stay unique up to 2³² distinct tokens (far beyond what memory holds).
    pub fn intern(&self, rows: Csr<u64>) -> Csr<u32> {
        let Csr { offsets, values } = rows;
        let shard_of = |h: u64| (h & (SHARDS as u64 - 1)) as usize;
        let mut starts = [0usize; SHARDS + 1];
        for &h in &values {
            starts[shard_of(h) + 1] += 1;
        }
        for s in 0..SHARDS {
            starts[s + 1] += starts[s];
        }
        let mut order = vec![0u32; values.len()];
        let mut next = starts;
        for (pos, &h) in values.iter().enumerate() {
            let s = shard_of(h);
            order[next[s]] = pos as u32;
            next[s] += 1;
        }
        let mut out = vec![0u32; values.len()];
        // Shards another thread holds are left for a second round rather than waited for.
        let mut busy = Vec::new();
        let used = (0..SHARDS).filter(|&s| starts[s] < starts[s + 1]);
        let first = used.filter_map(|s| {
            let guard = match self.shards[s].try_lock() {
                Ok(g) => g,
                Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) => {
                    busy.push(s);
                    return None;
                }
            };
            Some((s, guard))
        });
        let mut number = |s: usize, mut guard: std::sync::MutexGuard<TokenShard>| {
            let mine = &order[starts[s]..starts[s + 1]];
            let ids = &mut guard.ids;
            for &pos in mine {
                let h = values[pos as usize];
                let next = ids.len() as u32;
                let (local, count) = ids.entry(h).or_insert((next, 0));
                *count += 1;
                out[pos as usize] = (*local << SHARD_BITS) | s as u32;
            }
        };
        for (s, guard) in first {
            number(s, guard);
        }
        for s in busy {
            let guard = self.shards[s]
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            number(s, guard);
        }
        Csr {
            offsets,
            values: out,
        }
    }

    /// The ranks of the tokens met: by the number of posts they are in, ascending, ties by
    /// hash; the same whatever order the posts were numbered in.
    pub fn ranks(self) -> TokenRanks {
        let shards: Vec<TokenShard> = self
            .shards
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
            })
            .collect();
        let mut all: Vec<(u32, u64, u32)> = Vec::new();
        let mut span = 0usize;
        for (s, sh) in shards.into_iter().enumerate() {
            span = span.max(sh.ids.len() << SHARD_BITS);
            all.extend(
                sh.ids
                    .iter()
                    .map(|(&h, &(local, c))| (c, h, (local << SHARD_BITS) | s as u32)),
            );
        }
        all.par_sort_unstable();
        let mut rank = vec![0u32; span];
        for (r, &(_, _, id)) in all.iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        TokenRanks {
            rank,
            singles: all.partition_point(|&(c, _, _)| c <= 1) as u32,
            distinct: all.len() as u32,
        }
    }
}

/// Scratch space reused between posts.
#[derive(Default)]
pub struct Scratch {
    normalized: String,
    keys: Vec<Key>,
    tokens: Vec<u64>,
    urls: Vec<(usize, usize)>,
    tag: String,
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
        out: &mut Extracted,
    ) {
        use super::Kind;
        s.keys.clear();
        if is_repost {
            if self.repost {
                s.keys
                    .push(tagged(Kind::Repost, key(repost_body(text).as_bytes())));
            }
            out.keys.push_row(s.keys.drain(..));
            out.tokens.push_row(std::iter::empty());
            return;
        }
        let mut tokens_ok = false;
        if self.text || self.similar {
            normalize_text(text, &mut s.normalized);
            let norm = &s.normalized;
            if self.text && !norm.is_empty() {
                s.keys.push(tagged(Kind::Text, key(norm.as_bytes())));
            }
            if self.similar {
                // Distinct tokens, in no particular order (they are ranked later): up to
                // `CHECKED`, each new one is looked for among those kept, which costs less
                // than sorting a post's few; past it, all are kept, then sorted and deduped.
                const CHECKED: usize = 48;
                let tokens = &mut s.tokens;
                tokens.clear();
                word_tokens(norm, |t| {
                    let h = token_hash(t);
                    if tokens.len() >= CHECKED || !tokens.contains(&h) {
                        tokens.push(h);
                    }
                });
                if tokens.len() > CHECKED {
                    tokens.sort_unstable();
                    tokens.dedup();
                }
                tokens_ok = tokens.len() >= self.min_tokens.max(1);
            }
        }
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
            let l = s.urls.iter().map(|&(a, n)| key(&src.as_bytes()[a..a + n]));
            s.keys.extend(l.map(|k| tagged(Kind::Link, k)));
        }
        if self.domain {
            let d = s.urls.iter().filter_map(|&(a, n)| domain(&src[a..a + n]));
            s.keys
                .extend(d.map(|d| tagged(Kind::Domain, key(d.as_bytes()))));
        }
        if self.hashtag {
            for name in hashtag_names(text) {
                // The key of `hashtags`' `#name` lowercased, made without allocating.
                s.tag.clear();
                s.tag.push('#');
                if name.is_ascii() {
                    s.tag
                        .extend(name.bytes().map(|b| char::from(b.to_ascii_lowercase())));
                } else {
                    s.tag.push_str(&name.to_lowercase());
                }
                s.keys.push(tagged(Kind::Hashtag, key(s.tag.as_bytes())));
            }
        }
        s.keys.sort_unstable();
        s.keys.dedup();
        out.keys.push_row(s.keys.drain(..));
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
        .find(|c| kind == Kind::Similar || tagged(kind, key(c.as_bytes())) == tagged(kind, wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_rows_are_the_csr_rows() {
        for n in [0usize, 1, 63, 64, 65, 200, 1000] {
            let mut csr = Csr::new();
            let mut state = n as u64 + 7;
            for _ in 0..n {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let len = if state >> 60 < 13 {
                    0
                } else {
                    (state >> 33) as usize % 4
                };
                csr.push_row((0..len).map(|j| (state >> (j * 8)) as u32));
            }
            let sparse = SparseRows::from(csr.clone());
            assert_eq!(sparse.rows(), n);
            for i in 0..n {
                assert_eq!(sparse.row(i), csr.row(i), "row {i} of {n}");
            }
            assert!(sparse.row(n).is_empty() && sparse.row(n + 64).is_empty());
            assert_eq!(sparse.values, csr.values);
            if n == 1000 {
                let dense = csr.offsets.len() * 4 + csr.values.len() * 4;
                assert!(
                    sparse.heap_bytes() < dense,
                    "{} vs {dense}",
                    sparse.heap_bytes()
                );
            }
        }
    }

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

    /// [`normalize_text`] written plainly, a character at a time, as the toolkit does it.
    fn normalize_plainly(text: &str) -> String {
        let mut out = String::new();
        let mut in_mention = false;
        let mut pending_space = false;
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
        out
    }

    #[test]
    fn normalization_is_the_plain_one() {
        let alphabet: Vec<char> = "aB1 @\t\n\x1c\x1f\x0b#.'ZzÉİ\u{212a}\u{a0}\u{3000}\u{2028}’😀＠"
            .chars()
            .collect();
        let mut rng = crate::util::rng::SplitMix64::new(5);
        let mut fast = String::new();
        for _ in 0..40_000 {
            let len = rng.below(14);
            let s: String = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            normalize_text(&s, &mut fast);
            assert_eq!(fast, normalize_plainly(&s), "{s:?}");
        }
        // ASCII texts, which take a path of their own.
        let ascii: Vec<char> = "aB1  @\t\n\x1c\x1f\x0b\x01#.'Zz".chars().collect();
        for _ in 0..40_000 {
            let len = rng.below(20);
            let s: String = (0..len).map(|_| ascii[rng.below(ascii.len())]).collect();
            normalize_text(&s, &mut fast);
            assert_eq!(fast, normalize_plainly(&s), "{s:?}");
        }
        for b in 0..128u8 {
            assert_eq!(
                ASCII_NORM[b as usize] == 1,
                is_space(char::from(b)),
                "byte {b}"
            );
            assert_eq!(ASCII_NORM[b as usize] == 2, b == b'@', "byte {b}");
        }
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

    /// unicode-segmentation's tokens, as [`word_tokens`] keeps them.
    fn general_tokens(s: &str) -> Vec<&str> {
        s.split_word_bounds()
            .filter(|t| *t != "'" && !t.chars().all(char::is_whitespace))
            .collect()
    }

    /// The fast path segments as unicode-segmentation's UAX #29 implementation does.
    #[test]
    fn fast_path_is_uax29() {
        let alphabet: Vec<char> = "ab1_.:,;' x-\"/#@\t\x0b\x1c’‘…“😀❤�\u{2024}"
            .chars()
            .collect();
        let mut rng = crate::util::rng::SplitMix64::new(3);
        for _ in 0..40_000 {
            let len = 1 + rng.below(12);
            let s: String = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            let mut fast = Vec::new();
            word_tokens(&s, |t| fast.push(t.to_string()));
            assert_eq!(fast, general_tokens(&s), "{s:?}");
        }
        // ASCII texts, which take a path of their own.
        let ascii: Vec<char> = "ab1_.:,;' x-\"/#@\t\x0bA9".chars().collect();
        for _ in 0..40_000 {
            let len = 1 + rng.below(16);
            let s: String = (0..len).map(|_| ascii[rng.below(ascii.len())]).collect();
            let mut fast = Vec::new();
            word_tokens(&s, |t| fast.push(t.to_string()));
            assert_eq!(fast, general_tokens(&s), "{s:?}");
        }
    }

    /// Every character the fast path knows beyond ASCII has the class it says, beside
    /// letters, digits, marks and itself.
    #[test]
    fn fast_path_classes_are_uax29() {
        let mut known = 0;
        for c in (0x80..=0x10ffffu32).filter_map(char::from_u32) {
            let Some(class) = wb_beyond_ascii(c) else {
                continue;
            };
            known += 1;
            for (left, right) in [("a", "b"), ("1", "2"), ("a", "1"), (".", "'"), ("_", "_")] {
                for s in [
                    format!("{left}{c}{right}"),
                    format!("{c}{c}"),
                    format!("{c} {left}"),
                ] {
                    let mut fast = Vec::new();
                    word_tokens(&s, |t| fast.push(t.to_string()));
                    assert_eq!(fast, general_tokens(&s), "{c:?} in {s:?} ({class:?})");
                }
            }
        }
        assert!(known > 3000, "{known} characters");
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

    fn objects(e: &Extract, text: &str, repost: bool, url: Option<&str>) -> Extracted {
        let mut out = Extracted::default();
        e.push_objects(text, repost, url, &mut Scratch::default(), &mut out);
        out
    }

    /// The keys of `kind` in the first post, untagged.
    fn of(o: &Extracted, kind: crate::coordination::Kind) -> Vec<Key> {
        let keys = o.keys.row(0).iter().copied();
        keys.filter(|&k| kind_index(k) == kind.index())
            .map(|k| k & (u64::MAX >> 3))
            .collect()
    }

    /// Hashtags as a walk over every character finds them.
    fn hashtags_by_walking(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut prev_word = false;
        let mut it = text.char_indices().peekable();
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
                out.push(format!("#{}", name.to_lowercase()));
            }
        }
        out
    }

    #[test]
    fn hashtags_found_by_memchr_are_those_of_a_walk() {
        let texts = [
            "#MAGA and#no #1 #Vote2016! ＃Ok x#y",
            "##a #b#c é#d #é #ÉΣ ΣΑΣ #ΟΔΟΣ.",
            "#",
            "# #_ #__init__ #12ab #１２ a_#b 1#c",
            "end #",
            "＃＃x #＃y ＃#z",
            "😀#smile #😀 #tag😀 —#dash",
            "RT @a: #Breaking: #news,#politics",
        ];
        let e = Extract {
            text: false,
            similar: false,
            link: false,
            domain: false,
            hashtag: true,
            repost: false,
            min_tokens: 1,
        };
        for t in texts {
            let expected = hashtags_by_walking(t);
            assert_eq!(hashtags(t).collect::<Vec<_>>(), expected, "{t}");
            // push_objects lowercases without allocating: the same keys.
            let mut keys: Vec<Key> = expected
                .iter()
                .map(|h| tagged(crate::coordination::Kind::Hashtag, key(h.as_bytes())))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            let got = objects(&e, t, false, None);
            assert_eq!(got.keys.row(0), keys.as_slice(), "{t}");
        }
    }

    /// Short tokens: distinct ones hash apart, and the low bits (the dictionary's shard) and
    /// the bits above them (its tables' slots) are spread evenly.
    #[test]
    fn short_token_hashes_are_distinct_and_spread() {
        let mut tokens: Vec<String> = Vec::new();
        let alphabet: Vec<char> = "ab'z09#é.".chars().collect();
        for n in 1..=4 {
            let mut idx = vec![0usize; n];
            loop {
                tokens.push(idx.iter().map(|&i| alphabet[i]).collect());
                let mut d = 0;
                while d < n && idx[d] + 1 == alphabet.len() {
                    idx[d] = 0;
                    d += 1;
                }
                if d == n {
                    break;
                }
                idx[d] += 1;
            }
        }
        let mut rng = crate::util::rng::SplitMix64::new(3);
        for n in 5..=24 {
            for _ in 0..2000 {
                tokens.push(
                    (0..n)
                        .map(|_| alphabet[rng.below(alphabet.len())])
                        .collect(),
                );
            }
        }
        // Tokens that differ in length only by trailing zero bytes, or in one byte of a word
        // read twice.
        tokens
            .extend(["a", "a\0", "a\0\0", "abcdefgh", "abcdefghi", "abcdefgh\0"].map(String::from));
        tokens.sort_unstable();
        tokens.dedup();
        let mut hashes: Vec<u64> = tokens.iter().map(|t| token_hash(t)).collect();
        let n = hashes.len();
        let mut shards = [0usize; 64];
        let mut slots = [0usize; 64];
        for &h in &hashes {
            shards[(h & 63) as usize] += 1;
            slots[((h >> 6) & 63) as usize] += 1;
        }
        let mean = n / 64;
        for (name, counts) in [("shard", shards), ("slot", slots)] {
            for (i, &c) in counts.iter().enumerate() {
                assert!(
                    c > mean * 3 / 4 && c < mean * 5 / 4,
                    "{name} {i}: {c} of {n}"
                );
            }
        }
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), n, "a collision among {n} tokens");
    }

    /// Short objects (one-letter hashtags, numbers) get keys of their own: a hasher whose
    /// output is the same for all short inputs would merge them.
    #[test]
    fn distinct_short_objects_have_distinct_keys() {
        let objects: Vec<String> = (0..20_000)
            .map(|i| i.to_string())
            .chain((b'a'..=b'z').map(|c| format!("#{}", char::from(c))))
            .chain((0..500).map(|i| "x".repeat(1 + i % 40) + &i.to_string()))
            .collect();
        let mut keys: Vec<Key> = objects.iter().map(|o| key(o.as_bytes())).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), objects.len());
        let mut tokens: Vec<u64> = objects.iter().map(|o| token_hash(o)).collect();
        tokens.sort_unstable();
        tokens.dedup();
        assert_eq!(tokens.len(), objects.len());
    }

    #[test]
    fn reposts_carry_only_their_repost_key() {
        use crate::coordination::Kind as K;
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
        assert_eq!(o.keys.row(0).len(), 1, "the repost key alone");
        assert!(o.tokens.row(0).is_empty());
        let body = "one two three four five #tag http://x.org/p #TAG http://x.org/p";
        let plain = objects(&all, body, false, None);
        assert_eq!(
            of(&o, K::Repost),
            [key(&body.as_bytes()[..43]) & (u64::MAX >> 3)]
        );
        assert!(of(&plain, K::Repost).is_empty());
        assert_eq!(
            of(&plain, K::Link),
            [key(b"http://x.org/p") & (u64::MAX >> 3)],
            "distinct keys"
        );
        assert_eq!(of(&plain, K::Domain), [key(b"x.org") & (u64::MAX >> 3)]);
        assert_eq!(of(&plain, K::Hashtag), [key(b"#tag") & (u64::MAX >> 3)]);
        assert!(plain.tokens.row(0).len() >= 5);
        let short = objects(&all, "one two, three http://x.org/p", false, Some(""));
        assert!(short.tokens.row(0).len() >= 5, "punctuation counts");
        let few = objects(&all, "one two three", false, None);
        assert!(
            few.tokens.row(0).is_empty(),
            "under 5 tokens: never similar"
        );
        assert!(
            of(&short, K::Link).is_empty(),
            "an empty URL cell is no URL"
        );
        let cell = objects(
            &all,
            "no links here",
            false,
            Some("http://a.org/1 http://b.org/2"),
        );
        assert_eq!(of(&cell, K::Link).len(), 2, "URLs from the URL column");
    }
}
