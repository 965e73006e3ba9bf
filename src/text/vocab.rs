//! The vocabulary: terms in column order, stored as one string with end offsets, and an
//! open-addressing hash table from term to column. The table uses a hash function defined
//! here (not the standard library's, which is seeded per process and may change between Rust
//! versions), so the model file can carry the table and loading it rebuilds nothing: no string
//! per term, no hashing of 700k terms before the first post is scored.
//! It owns lookup and its layout; which terms are kept, and why, is the vectorizer's business.

use crate::error::{Error, Result};

/// Terms in column order with a term → column table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vocabulary {
    /// Every term, one after another.
    text: String,
    /// Term `i` is `text[ends[i - 1]..ends[i]]` (from 0 for the first).
    ends: Vec<u32>,
    /// Linear probing over a power-of-two table. A slot holds the term's hash's high 32 bits
    /// and, below them, column + 1; 0 when empty. The stored hash bits settle almost every
    /// probe without touching the term's text (a cache miss saved per probe).
    slots: Vec<u64>,
}

/// FxHash's word step (rotate, xor, multiply) over 8-byte little-endian words, then
/// MurmurHash3's finalizer so that the low bits the table uses are well mixed. Fixed forever:
/// model files store tables made with it.
pub fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let word = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ word).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Table size for `n` terms: a power of two, at most half full.
fn table_size(n: usize) -> usize {
    (2 * n).max(8).next_power_of_two()
}

fn dup_error(term: &str) -> Error {
    Error::param(
        "vocabulary",
        format!("{term:?}"),
        "holds this term more than once",
    )
}

impl Vocabulary {
    /// The vocabulary of `terms`, in that order; a term given twice is an error.
    pub fn new<S: AsRef<str>>(terms: impl IntoIterator<Item = S>) -> Result<Vocabulary> {
        let mut text = String::new();
        let mut ends = Vec::new();
        for t in terms {
            text.push_str(t.as_ref());
            let end = u32::try_from(text.len()).map_err(|_| {
                Error::param(
                    "vocabulary",
                    text.len(),
                    "its terms exceed 4 GiB of text; lower --max-features",
                )
            })?;
            ends.push(end);
        }
        if ends.len() >= u32::MAX as usize {
            return Err(Error::param("vocabulary", ends.len(), "too many terms"));
        }
        let mut v = Vocabulary {
            text,
            ends,
            slots: Vec::new(),
        };
        v.slots = vec![0; table_size(v.len())];
        let mask = v.slots.len() - 1;
        for col in 0..v.len() {
            let term = v.term(col);
            let h = hash(term.as_bytes());
            let mut at = h as usize & mask;
            loop {
                match v.slots[at] {
                    0 => {
                        v.slots[at] = (h & !0xffff_ffff) | (col as u64 + 1);
                        break;
                    }
                    s if v.term(s as u32 as usize - 1) == term => return Err(dup_error(term)),
                    _ => at = (at + 1) & mask,
                }
            }
        }
        Ok(v)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Term of column `i`.
    pub fn term(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// Terms in column order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.term(i))
    }

    /// The column of `term`, if it is in the vocabulary.
    pub fn get(&self, term: &str) -> Option<u32> {
        self.get_hashed(term, hash(term.as_bytes()))
    }

    /// [`Vocabulary::get`] with the term's [`hash`] already computed.
    pub fn get_hashed(&self, term: &str, h: u64) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut at = h as usize & mask;
        loop {
            let s = self.slots[at];
            if s == 0 {
                return None;
            }
            let col = s as u32 - 1;
            if (s ^ h) >> 32 == 0 && self.term(col as usize) == term {
                return Some(col);
            }
            at = (at + 1) & mask;
        }
    }

    /// The columns of many terms at once, in order, skipping those not in the vocabulary.
    /// `spans[k] = (start, end, hash)` names term `k` as `keys[start..end]` with its [`hash`].
    /// The memory each step needs (table slot, then term offsets, then term text) is asked
    /// for ahead for all terms before it is used, so the cache misses of a large vocabulary
    /// overlap instead of coming one after another.
    pub fn get_many(&self, keys: &str, spans: &[(usize, usize, u64)], out: &mut Vec<u32>) {
        if self.slots.is_empty() {
            return;
        }
        let mask = self.slots.len() - 1;
        for &(_, _, h) in spans {
            prefetch(&self.slots[h as usize & mask]);
        }
        for &(_, _, h) in spans {
            let s = self.slots[h as usize & mask];
            if s != 0 && (s ^ h) >> 32 == 0 {
                let col = (s as u32 - 1) as usize;
                prefetch(&self.ends[col.saturating_sub(1)]);
            }
        }
        for &(_, _, h) in spans {
            let s = self.slots[h as usize & mask];
            if s != 0 && (s ^ h) >> 32 == 0 {
                let col = (s as u32 - 1) as usize;
                let start = if col == 0 {
                    0
                } else {
                    self.ends[col - 1] as usize
                };
                if let Some(b) = self.text.as_bytes().get(start) {
                    prefetch(b);
                }
            }
        }
        out.extend(
            spans
                .iter()
                .filter_map(|&(a, b, h)| self.get_hashed(&keys[a..b], h)),
        );
    }

    /// The stored parts: all terms' text, their end offsets, the table.
    pub fn parts(&self) -> (&str, &[u32], &[u64]) {
        (&self.text, &self.ends, &self.slots)
    }

    /// Rebuilds a vocabulary from stored parts, checking that they fit together: offsets
    /// rising and on character boundaries, the table of the right size, naming only existing
    /// columns, as many as there are terms (so it has empty slots and every probe ends). That
    /// each term sits where its hash leads is left to the file's checksum: verifying it would
    /// be the rebuild that storing the table avoids.
    pub fn from_parts(text: String, ends: Vec<u32>, slots: Vec<u64>) -> Result<Vocabulary> {
        let n = ends.len();
        let bad = |what: String| Error::param("vocabulary", n, what);
        let mut start = 0usize;
        for (i, &e) in ends.iter().enumerate() {
            let e = e as usize;
            if e < start || e > text.len() || !text.is_char_boundary(e) {
                return Err(bad(format!("term {i} has a bad end offset {e}")));
            }
            start = e;
        }
        if start != text.len() {
            return Err(bad("its text has bytes after the last term".into()));
        }
        if slots.len() != table_size(ends.len()) {
            return Err(bad(format!(
                "its lookup table has {} slots, not {}",
                slots.len(),
                table_size(ends.len())
            )));
        }
        let v = Vocabulary { text, ends, slots };
        let mut used = 0usize;
        for &s in &v.slots {
            let col = s as u32 as usize;
            if col > v.len() || (col == 0 && s != 0) {
                return Err(bad(format!("its lookup table has a bad slot {s:#x}")));
            }
            used += usize::from(s != 0);
        }
        if used != v.len() {
            return Err(bad(format!(
                "its lookup table holds {used} terms, not {}",
                v.len()
            )));
        }
        Ok(v)
    }
}

/// Asks the CPU to bring the cache line holding `r` closer (a hint; it reads nothing).
#[inline]
fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch of any address is allowed, never faults and changes no state the
    // program can see; this one is of a live reference.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch((r as *const T).cast::<i8>(), _MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_term_and_nothing_else() {
        let terms: Vec<String> = (0..5000).map(|i| format!("t{i} x")).collect();
        let v = Vocabulary::new(&terms).unwrap();
        assert_eq!(v.len(), 5000);
        for (i, t) in terms.iter().enumerate() {
            assert_eq!(v.get(t), Some(i as u32));
            assert_eq!(v.term(i), t);
        }
        for miss in ["", "t5000 x", "t1", "x", "t12 x "] {
            assert_eq!(v.get(miss), None, "{miss:?}");
        }
        // The batch lookup gives what one-by-one lookups give, in order.
        let keys = "t7 xnopet4999 xt0 x";
        let spans: Vec<(usize, usize, u64)> = [(0, 4), (4, 8), (8, 15), (15, 19)]
            .iter()
            .map(|&(a, b)| (a, b, hash(&keys.as_bytes()[a..b])))
            .collect();
        let mut cols = Vec::new();
        v.get_many(keys, &spans, &mut cols);
        assert_eq!(cols, [7, 4999, 0]);
        assert_eq!(v.iter().count(), 5000);
    }

    #[test]
    fn empty_and_unicode_terms() {
        let v = Vocabulary::new(["", "über", "🔥", "a b"]).unwrap();
        assert_eq!(v.get(""), Some(0));
        assert_eq!(v.get("🔥"), Some(2));
        assert_eq!(v.term(1), "über");
        let none = Vocabulary::new(Vec::<String>::new()).unwrap();
        assert_eq!(none.get("a"), None);
    }

    #[test]
    fn refuses_duplicates() {
        let err = Vocabulary::new(["a", "b", "a"]).unwrap_err().to_string();
        assert!(err.contains("more than once"), "{err}");
    }

    #[test]
    fn hash_is_fixed() {
        // Model files carry tables made with this function: it must never change.
        assert_eq!(hash(b""), 0);
        assert_eq!(hash(b"rt"), hash(b"rt"));
        assert_ne!(hash(b"rt"), hash(b"rt "));
        assert_ne!(hash(b"abcdefgh"), hash(b"abcdefgh\0"));
        let pinned = [hash(b"a"), hash(b"#maga"), hash(b"lose weight")];
        assert_eq!(pinned, PINNED);
    }

    const PINNED: [u64; 3] = [
        12416787909638388046,
        1657815588401629001,
        2637415984777638114,
    ];

    #[test]
    fn round_trips_through_parts_and_refuses_tampering() {
        let v = Vocabulary::new(["red", "apple", "pie", "red apple"]).unwrap();
        let (t, e, s) = v.parts();
        let back = Vocabulary::from_parts(t.to_string(), e.to_vec(), s.to_vec()).unwrap();
        assert_eq!(back, v);
        let filled: Vec<usize> = (0..s.len()).filter(|&i| s[i] != 0).collect();
        // A table missing a term: some probe could never end.
        let mut holes = s.to_vec();
        holes[filled[0]] = 0;
        assert!(Vocabulary::from_parts(t.to_string(), e.to_vec(), holes).is_err());
        // An end offset inside a character, and one past the text.
        assert!(Vocabulary::from_parts("ü".into(), vec![1], vec![0; 8]).is_err());
        assert!(Vocabulary::from_parts("ab".into(), vec![3], vec![0; 8]).is_err());
        // A table of the wrong size, or naming a column that does not exist.
        assert!(Vocabulary::from_parts(t.to_string(), e.to_vec(), vec![0; 4]).is_err());
        let mut wild = s.to_vec();
        wild[filled[0]] = 99;
        assert!(Vocabulary::from_parts(t.to_string(), e.to_vec(), wild.clone()).is_err());
        wild[filled[0]] = 1 << 40;
        assert!(Vocabulary::from_parts(t.to_string(), e.to_vec(), wild).is_err());
    }
}
