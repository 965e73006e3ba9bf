//! Interning a corpus's terms and n-grams as ids, in parallel, with ids that do not depend on
//! the number of threads. It owns the tables that name n-grams while posts are read in; which
//! n-grams become columns is the vectorizer's business.
//!
//! Three stages per batch of posts, each parallel or short:
//! 1. Pieces of the batch are analyzed in parallel, each into term ids local to the piece and
//!    the piece's distinct term strings, so that the one global term table is consulted once
//!    per distinct term of a piece instead of once per token, and no token's string crosses
//!    threads.
//! 2. Term ids are made global in order of first occurrence (as if read post by post).
//! 3. N-grams of each length are interned as `(prefix n-gram, last term)` keys in a table
//!    split into shards by a hash of the key; each shard is one parallel task that takes its
//!    keys in the order of the posts, so its ids are the same whatever the scheduling.
//!    Unigrams use a plain array indexed by term id.
//!
//! While building, an n-gram's id is `local * TABLES + table` (tables: the hash shards, then
//! the unigrams); [`Interner::finish`] renumbers them densely.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::text::tokenize::{Analyzer, TokenKind};

type Map<K> = HashMap<K, u32, ahash::RandomState>;

fn new_map<K>() -> Map<K> {
    // Fixed seeds: nothing that can be the same between runs should differ.
    HashMap::with_hasher(ahash::RandomState::with_seeds(1, 2, 3, 4))
}

/// Hash shards of the table of n-grams of two terms or more: enough parallel tasks for a
/// many-core machine; each holds a sixteenth of the keys, so growing one is a small copy.
const SHARDS: usize = 16;
const UNIGRAMS: u32 = SHARDS as u32;
const TABLES: u32 = SHARDS as u32 + 1;
/// Largest local id a table may hand out, so that encoded ids (and ids + 1) fit a `u32`
/// (and a shard's slot, `(id + 1) << 4`, does too).
const LOCAL_MAX: u32 = (u32::MAX - TABLES) / TABLES;
const _: () = assert!(LOCAL_MAX < (1 << 28) - 1);
/// Marks a URL's domain annotation among a post's term ids (never part of longer n-grams).
const DOMAIN: u32 = 1 << 31;
/// Posts interned together: their per-position scratch is a few MB.
const BATCH: usize = if cfg!(test) { 1 << 10 } else { 1 << 15 };
/// Posts analyzed by one parallel task.
const PIECE: usize = if cfg!(test) { 1 << 7 } else { 1 << 11 };

/// The finished names of interned n-grams, densely numbered.
pub(crate) struct Grams {
    pub term_text: Vec<String>,
    /// N-gram `k` is n-gram `prefix - 1` (none when 0) followed by `term`: `(prefix, term)`.
    pub gram_parts: Vec<(u32, u32)>,
}

impl Grams {
    /// Appends n-gram `gram`'s text (terms joined by one space) to `out`.
    pub fn text(&self, gram: u32, out: &mut String) {
        let (prefix, term) = self.gram_parts[gram as usize];
        if prefix > 0 {
            self.text(prefix - 1, out);
            out.push(' ');
        }
        out.push_str(&self.term_text[term as usize]);
    }
}

/// One shard of the n-gram table: open addressing over the keys it already stores in
/// `parts`, so a key is held once (a general hash map would keep a second copy, with
/// padding: about 40 MB more on the 721k-post benchmark).
#[derive(Default)]
struct Shard {
    /// Linear probing over a power-of-two table, at most half full. A slot holds
    /// `(local id + 1) << 4` and 4 bits of the key's hash, which settle 15 of 16 probes that
    /// meet another key without reading its `parts`; 0 when empty.
    slots: Vec<u32>,
    /// Local id → `(prefix id + 1, term)`, prefix ids encoded: the key's two halves.
    parts: Vec<(u32, u32)>,
    /// Positions (in the current level's key array) of the keys this batch added.
    added_at: Vec<u32>,
    full: bool,
}

/// SplitMix64's finalizer: the slot index uses its low bits, the tag its top 4.
fn slot_hash(key: u64) -> u64 {
    let mut z = key;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn key_of((prefix, term): (u32, u32)) -> u64 {
    (u64::from(prefix) << 32) | u64::from(term)
}

impl Shard {
    fn intern(&mut self, key: u64, at: u32, table: u32) -> u32 {
        if self.parts.len() * 2 >= self.slots.len() {
            self.grow();
        }
        let h = slot_hash(key);
        let tag = (h >> 60) as u32;
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let s = self.slots[i];
            if s == 0 {
                let local = self.parts.len() as u32;
                if local > LOCAL_MAX {
                    self.full = true;
                    return 0;
                }
                self.slots[i] = ((local + 1) << 4) | tag;
                self.parts.push(((key >> 32) as u32, key as u32));
                self.added_at.push(at);
                return local * TABLES + table;
            }
            if s & 0xf == tag {
                let local = (s >> 4) - 1;
                if key_of(self.parts[local as usize]) == key {
                    return local * TABLES + table;
                }
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(1 << 10);
        let mut slots = vec![0u32; size];
        let mask = size - 1;
        for (local, &part) in self.parts.iter().enumerate() {
            let h = slot_hash(key_of(part));
            let mut i = h as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = ((local as u32 + 1) << 4) | (h >> 60) as u32;
        }
        self.slots = slots;
    }
}

/// A piece's posts as term ids local to the piece (`DOMAIN` marks domain annotations).
struct Piece {
    terms: Vec<String>,
    ids: Vec<u32>,
    /// End of each post's ids.
    ends: Vec<u32>,
}

fn analyze_piece<S: AsRef<str>>(analyzer: &Analyzer, docs: &[S]) -> Piece {
    let mut local: Map<String> = new_map();
    let (mut tokens, mut ids) = (Vec::new(), Vec::new());
    let mut ends = Vec::with_capacity(docs.len());
    for d in docs {
        analyzer.analyze(d.as_ref(), &mut tokens);
        for t in &mut tokens {
            let id = match local.get(t.text.as_str()) {
                Some(&id) => id,
                None => {
                    let id = local.len() as u32;
                    local.insert(std::mem::take(&mut t.text), id);
                    id
                }
            };
            ids.push(if t.kind == TokenKind::Domain {
                id | DOMAIN
            } else {
                id
            });
        }
        ends.push(ids.len() as u32);
    }
    let mut terms = vec![String::new(); local.len()];
    for (s, id) in local {
        terms[id as usize] = s;
    }
    Piece { terms, ids, ends }
}

/// One batch's posts in global term ids.
struct BatchTerms {
    /// Every term of every post (domain annotations marked `DOMAIN`).
    toks: Vec<u32>,
    /// End of each post in `toks`.
    tok_ends: Vec<u32>,
    /// The terms that form longer n-grams (all but domain annotations); empty when only
    /// unigrams are counted.
    seq: Vec<u32>,
    /// End of each post in `seq`; empty when `seq` is.
    seq_ends: Vec<u32>,
}

/// Interns posts' n-grams of `nmin..=nmax` terms, refusing more than `max_ngrams` distinct
/// n-grams (counting the shorter prefixes of longer n-grams, which are interned too).
pub(crate) struct Interner {
    nmin: usize,
    nmax: usize,
    max_ngrams: usize,
    terms: Map<String>,
    term_text: Vec<String>,
    /// Term id → encoded unigram id (`u32::MAX`: not interned).
    unigram: Vec<u32>,
    /// Local unigram id → term.
    unigram_terms: Vec<u32>,
    shards: Vec<Shard>,
    /// Posts interned so far.
    docs: usize,
}

fn too_many(post: usize, max: usize) -> Error {
    Error::bad_input(
        "training data",
        format!(
            "post {post} brings the distinct n-grams past {max} (--max-vocabulary); raise \
             --max-vocabulary if the machine has the memory (each costs memory until \
             --min-df and --max-features prune them), \
             or count shorter n-grams (--ngrams 1-1)"
        ),
    )
}

impl Interner {
    pub fn new(nmin: usize, nmax: usize, max_ngrams: usize) -> Interner {
        Interner {
            nmin,
            nmax,
            max_ngrams,
            terms: new_map(),
            term_text: Vec::new(),
            unigram: Vec::new(),
            unigram_terms: Vec::new(),
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            docs: 0,
        }
    }

    fn distinct(&self) -> usize {
        self.unigram_terms.len() + self.shards.iter().map(|s| s.parts.len()).sum::<usize>()
    }

    fn term_id(&mut self, text: String) -> Result<u32> {
        if let Some(&id) = self.terms.get(&text) {
            return Ok(id);
        }
        let id = self.term_text.len() as u32;
        if id > LOCAL_MAX {
            return Err(too_many(self.docs + 1, self.max_ngrams));
        }
        self.terms.insert(text.clone(), id);
        self.term_text.push(text);
        self.unigram.push(u32::MAX);
        Ok(id)
    }

    fn unigram(&mut self, term: u32, doc: u32, added: &mut Vec<u32>) -> u32 {
        let u = &mut self.unigram[term as usize];
        if *u == u32::MAX {
            *u = self.unigram_terms.len() as u32 * TABLES + UNIGRAMS;
            self.unigram_terms.push(term);
            added.push(doc);
        }
        *u
    }

    /// Analyzes `texts` and appends each post's n-gram ids to `doc_grams` (unigrams first,
    /// then by length, each in text order), and the end of each post to `doc_ptr`.
    pub fn add<S: AsRef<str> + Sync>(
        &mut self,
        analyzer: &Analyzer,
        texts: &[S],
        doc_grams: &mut Vec<u32>,
        doc_ptr: &mut Vec<usize>,
    ) -> Result<()> {
        for batch in texts.chunks(BATCH) {
            self.add_batch(analyzer, batch, doc_grams, doc_ptr)?;
        }
        Ok(())
    }

    fn add_batch<S: AsRef<str> + Sync>(
        &mut self,
        analyzer: &Analyzer,
        texts: &[S],
        doc_grams: &mut Vec<u32>,
        doc_ptr: &mut Vec<usize>,
    ) -> Result<()> {
        let before = self.distinct();
        let pieces: Vec<Piece> = texts
            .par_chunks(PIECE)
            .map(|docs| analyze_piece(analyzer, docs))
            .collect();
        // Positions in the batch are `u32`: halve a batch of extraordinarily long posts.
        let n_toks: usize = pieces.iter().map(|p| p.ids.len()).sum();
        if n_toks >= (u32::MAX / 2) as usize && texts.len() > 1 {
            let (a, b) = texts.split_at(texts.len() / 2);
            self.add_batch(analyzer, a, doc_grams, doc_ptr)?;
            return self.add_batch(analyzer, b, doc_grams, doc_ptr);
        }
        let batch = self.batch_terms(pieces, n_toks, texts.len())?;
        // Unigrams, post by post, then longer n-grams, one length at a time; `added_docs` is
        // the post that brought each new n-gram.
        let mut added_docs: Vec<u32> = Vec::new();
        let level = self.intern_unigrams(&batch, &mut added_docs);
        let levels = self.intern_longer(&batch, level, &mut added_docs)?;
        let total = self.distinct();
        if total > self.max_ngrams {
            // The post that went past the limit, as if posts were interned one by one.
            added_docs.sort_unstable();
            let d = added_docs[self.max_ngrams - before] as usize;
            return Err(too_many(self.docs + d + 1, self.max_ngrams));
        }
        self.push_doc_grams(&batch, &levels, doc_grams, doc_ptr);
        self.docs += batch.tok_ends.len();
        Ok(())
    }

    /// The batch's posts in global term ids: every term, in order of first occurrence, gets
    /// its id, and the posts' terms go in one array with each post's end.
    fn batch_terms(
        &mut self,
        mut pieces: Vec<Piece>,
        n_toks: usize,
        n_texts: usize,
    ) -> Result<BatchTerms> {
        let mut toks = Vec::with_capacity(n_toks);
        let mut tok_ends = Vec::with_capacity(n_texts);
        // Most of a piece's terms are known by then: they are looked up in parallel, and only
        // the new ones are added, in order.
        let terms = &self.terms;
        let known: Vec<Vec<u32>> = pieces
            .par_iter()
            .map(|p| {
                p.terms
                    .iter()
                    .map(|s| terms.get(s.as_str()).copied().unwrap_or(u32::MAX))
                    .collect()
            })
            .collect();
        for (p, mut global) in pieces.iter_mut().zip(known) {
            for (g, s) in global.iter_mut().zip(std::mem::take(&mut p.terms)) {
                if *g == u32::MAX {
                    *g = self.term_id(s)?;
                }
            }
            let base = toks.len() as u32;
            toks.extend(
                p.ids
                    .iter()
                    .map(|&id| global[(id & !DOMAIN) as usize] | (id & DOMAIN)),
            );
            tok_ends.extend(p.ends.iter().map(|&e| base + e));
        }
        drop(pieces);
        let mut seq = Vec::with_capacity(toks.len());
        let mut seq_ends = Vec::with_capacity(tok_ends.len());
        if self.nmax >= 2 {
            seq.extend(toks.iter().filter(|&&t| t & DOMAIN == 0));
            let mut start = 0usize;
            let mut n = 0u32;
            for &e in &tok_ends {
                n += toks[start..e as usize]
                    .iter()
                    .filter(|&&t| t & DOMAIN == 0)
                    .count() as u32;
                seq_ends.push(n);
                start = e as usize;
            }
        }
        Ok(BatchTerms {
            toks,
            tok_ends,
            seq,
            seq_ends,
        })
    }

    /// Interns the batch's unigrams and returns each `seq` position's unigram id. Every
    /// n-gram's shorter prefixes are interned with it, so with `nmin > 1` the unigrams that
    /// start an n-gram of `nmin` terms are too.
    fn intern_unigrams(&mut self, batch: &BatchTerms, added_docs: &mut Vec<u32>) -> Vec<u32> {
        let BatchTerms {
            toks,
            tok_ends,
            seq,
            seq_ends,
        } = batch;
        let longer = self.nmin.max(2);
        let mut level: Vec<u32> = vec![u32::MAX; seq.len()];
        let mut start = 0usize;
        for d in 0..tok_ends.len() {
            let end = seq_ends.get(d).map_or(0, |&e| e as usize);
            if self.nmin == 1 {
                let tstart = if d == 0 { 0 } else { tok_ends[d - 1] as usize };
                for &t in &toks[tstart..tok_ends[d] as usize] {
                    self.unigram(t & !DOMAIN, d as u32, added_docs);
                }
                for p in start..end {
                    level[p] = self.unigram[seq[p] as usize];
                }
            } else {
                for p in start..end.saturating_sub(longer - 1) {
                    level[p] = self.unigram(seq[p], d as u32, added_docs);
                }
            }
            start = end;
        }
        level
    }

    /// Interns the n-grams of 2 to `nmax` terms, one length at a time (an n-gram's key names
    /// its prefix's id); returns each length's ids per `seq` position, unigrams first.
    fn intern_longer(
        &mut self,
        batch: &BatchTerms,
        level: Vec<u32>,
        added_docs: &mut Vec<u32>,
    ) -> Result<Vec<Vec<u32>>> {
        let (seq, seq_ends) = (&batch.seq, &batch.seq_ends);
        let longer = self.nmin.max(2);
        let mut levels: Vec<Vec<u32>> = Vec::with_capacity(self.nmax);
        levels.push(level);
        for n in 2..=self.nmax {
            let prev = &levels[n - 2];
            let mut keys = vec![0u64; seq.len()];
            let reach = n.max(longer);
            let mut start = 0usize;
            for &end in seq_ends {
                let end = end as usize;
                for p in start..(end + 1).saturating_sub(reach).max(start) {
                    keys[p] = (u64::from(prev[p] + 1) << 32) | u64::from(seq[p + n - 1]);
                }
                start = end;
            }
            let ids = self.intern_level(&keys)?;
            for s in &mut self.shards {
                added_docs.extend(
                    s.added_at
                        .drain(..)
                        .map(|at| seq_ends.partition_point(|&e| e as usize <= at as usize) as u32),
                );
            }
            levels.push(ids);
        }
        Ok(levels)
    }

    /// Appends each post's n-gram ids to `doc_grams` (unigrams first, then by length) and its
    /// end to `doc_ptr`.
    fn push_doc_grams(
        &self,
        batch: &BatchTerms,
        levels: &[Vec<u32>],
        doc_grams: &mut Vec<u32>,
        doc_ptr: &mut Vec<usize>,
    ) {
        let BatchTerms {
            toks,
            tok_ends,
            seq_ends,
            ..
        } = batch;
        let longer = self.nmin.max(2);
        let mut start = 0usize;
        let mut tstart = 0usize;
        for d in 0..tok_ends.len() {
            if self.nmin == 1 {
                doc_grams.extend(
                    toks[tstart..tok_ends[d] as usize]
                        .iter()
                        .map(|&t| self.unigram[(t & !DOMAIN) as usize]),
                );
            }
            let end = seq_ends.get(d).map_or(0, |&e| e as usize);
            for n in longer..=self.nmax {
                doc_grams.extend_from_slice(
                    &levels[n - 1][start..(end + 1).saturating_sub(n).max(start)],
                );
            }
            doc_ptr.push(doc_grams.len());
            start = end;
            tstart = tok_ends[d] as usize;
        }
    }

    /// Interns the keys of one n-gram length (0: no n-gram at that position) in the hash
    /// shards, in parallel; returns each position's encoded id.
    fn intern_level(&mut self, keys: &[u64]) -> Result<Vec<u32>> {
        const SPAN: usize = 1 << 14;
        let shard_of = |k: u64| (k.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 60) as usize;
        // Each span of positions sorted by shard (a counting sort), in parallel.
        let spans: Vec<(Vec<u32>, [u32; SHARDS + 1])> = keys
            .par_chunks(SPAN)
            .enumerate()
            .map(|(c, chunk)| {
                let mut starts = [0u32; SHARDS + 1];
                for &k in chunk.iter().filter(|&&k| k != 0) {
                    starts[shard_of(k) + 1] += 1;
                }
                for s in 0..SHARDS {
                    starts[s + 1] += starts[s];
                }
                let mut next = starts;
                let mut at = vec![0u32; starts[SHARDS] as usize];
                for (i, &k) in chunk.iter().enumerate().filter(|(_, &k)| k != 0) {
                    let s = shard_of(k);
                    at[next[s] as usize] = (c * SPAN + i) as u32;
                    next[s] += 1;
                }
                (at, starts)
            })
            .collect();
        let ids: Vec<AtomicU32> = (0..keys.len()).map(|_| AtomicU32::new(u32::MAX)).collect();
        let full = AtomicBool::new(false);
        self.shards
            .par_iter_mut()
            .enumerate()
            .for_each(|(s, shard)| {
                for (at, starts) in &spans {
                    for &p in &at[starts[s] as usize..starts[s + 1] as usize] {
                        let id = shard.intern(keys[p as usize], p, s as u32);
                        ids[p as usize].store(id, Relaxed);
                    }
                }
                if shard.full {
                    full.store(true, Relaxed);
                }
            });
        if full.into_inner() {
            return Err(too_many(self.docs + 1, self.max_ngrams));
        }
        Ok(ids.into_iter().map(AtomicU32::into_inner).collect())
    }

    /// The n-grams' names, densely numbered, with `doc_grams` renumbered to match.
    pub fn finish(self, doc_grams: &mut [u32]) -> Grams {
        let mut base = [0u32; TABLES as usize];
        let mut total = self.unigram_terms.len() as u32;
        for (s, shard) in self.shards.iter().enumerate() {
            base[s] = total;
            total += shard.parts.len() as u32;
        }
        let dense = |enc: u32| base[(enc % TABLES) as usize] + enc / TABLES;
        let mut gram_parts = Vec::with_capacity(total as usize);
        gram_parts.extend(self.unigram_terms.iter().map(|&t| (0, t)));
        drop(self.unigram_terms);
        for shard in self.shards {
            drop(shard.slots);
            gram_parts.extend(
                shard
                    .parts
                    .iter()
                    .map(|&(prefix, term)| (dense(prefix - 1) + 1, term)),
            );
        }
        doc_grams
            .par_chunks_mut(1 << 16)
            .for_each(|c| c.iter_mut().for_each(|g| *g = dense(*g)));
        Grams {
            term_text: self.term_text,
            gram_parts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize::TokenizerConfig;
    use std::collections::HashSet;

    /// Posts' n-grams (sorted texts) and the distinct count after each post, the way
    /// interning post by post gives them: the reference the parallel interner must match.
    fn one_by_one(
        a: &Analyzer,
        texts: &[String],
        nmin: usize,
        nmax: usize,
    ) -> (Vec<Vec<String>>, Vec<usize>) {
        let mut seen = HashSet::new();
        let (mut docs, mut counts) = (Vec::new(), Vec::new());
        let mut tokens = Vec::new();
        for t in texts {
            a.analyze(t, &mut tokens);
            let all: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
            let seq: Vec<&str> = tokens
                .iter()
                .filter(|t| t.kind != TokenKind::Domain)
                .map(|t| t.text.as_str())
                .collect();
            let mut grams = Vec::new();
            if nmin == 1 {
                for w in &all {
                    seen.insert(w.to_string());
                    grams.push(w.to_string());
                }
            }
            for n in nmin.max(2)..=nmax {
                for w in seq.windows(n) {
                    for k in 1..=n {
                        seen.insert(w[..k].join(" "));
                    }
                    grams.push(w.join(" "));
                }
            }
            grams.sort();
            docs.push(grams);
            counts.push(seen.len());
        }
        (docs, counts)
    }

    fn texts() -> Vec<String> {
        let special = ["#food", "@x", "https://x.org/a", "🔥", "2016", "running"];
        (0..3000)
            .map(|i: usize| {
                (0..(i * 7) % 9)
                    .map(|k| match (i * 31 + k * k * 17 + k) % 13 {
                        s if s < special.len() => special[s].to_string(),
                        _ => format!("w{}", (i * i * 13 + k * 7) % 997),
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn equals_interning_post_by_post() {
        let a = Analyzer::new(TokenizerConfig::default());
        let texts = texts();
        for (nmin, nmax) in [(1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 4)] {
            let (want, counts) = one_by_one(&a, &texts, nmin, nmax);
            let mut i = Interner::new(nmin, nmax, usize::MAX - 1);
            let (mut grams, mut ptr) = (Vec::new(), vec![0]);
            i.add(&a, &texts, &mut grams, &mut ptr).unwrap();
            assert_eq!(i.distinct(), *counts.last().unwrap(), "{nmin}..={nmax}");
            let g = i.finish(&mut grams);
            for (d, want) in want.iter().enumerate() {
                let mut got: Vec<String> = grams[ptr[d]..ptr[d + 1]]
                    .iter()
                    .map(|&k| {
                        let mut s = String::new();
                        g.text(k, &mut s);
                        s
                    })
                    .collect();
                got.sort();
                assert_eq!(&got, want, "post {d} of {nmin}..={nmax}");
            }
            // The limit names the post that first goes past it, whichever batch it is in.
            let mut limits: Vec<usize> = counts.clone();
            limits.dedup();
            limits.pop();
            assert!(limits.len() > 5, "{limits:?}");
            for &max in limits.iter().step_by(limits.len() / 5).filter(|&&m| m > 0) {
                let post = counts.iter().position(|&c| c > max).unwrap() + 1;
                let mut i = Interner::new(nmin, nmax, max);
                let err = i
                    .add(&a, &texts, &mut Vec::new(), &mut vec![0])
                    .unwrap_err()
                    .to_string();
                assert!(err.contains(&format!("post {post} brings")), "{max}: {err}");
            }
        }
    }
}
