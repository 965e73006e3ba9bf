//! Near-duplicate posts (`similar`): Jaccard similarity of word-token sets ≥ a threshold,
//! found without scoring every pair in a window, by prefix filtering. Tokens are ranked rarest
//! first; a set of s tokens indexes only its first s − o(s) + 1 tokens, o(s) being the
//! smallest overlap with J ≥ t possible for a set of s tokens. Two sets with J ≥ t must share
//! a token of their prefixes (standard prefix-filtering argument), so candidates are the posts
//! that share a prefix token within τ; each is then checked with the exact Jaccard value,
//! computed as coordination-network-toolkit does (`|a ∩ b| / |a ∪ b| >= t` in floating point).
//! Nothing above the threshold is missed.
//!
//! A post with near-duplicates from more accounts than a limit within τ is left out (it has
//! no `similar` partner and is no one's), as keys of too many accounts are in
//! [`super::window`]: such a crowd's pairs grow with the square of its size. Those posts are
//! found first, without listing partners: a post whose prefix groups hold no more candidates
//! within τ than the limit cannot be one, and the others are counted up to the limit.
//!
//! Two cheap tests keep most candidates from the exact count: the size ratio (J ≤ small/large),
//! and a 32-bit mask of each post's tokens kept beside the candidate, whose bits one post has and
//! the other lacks bound the intersection from above. A prefix token's posts with no other
//! account's post of the token within τ are not indexed at all (see
//! [`super::window::within_reach`]).

use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

use super::objects::{gather, Csr};
use super::window::{by_post, within_reach, Stamp};

/// The smallest overlap `o` with `o / s >= t`: a set of `s` tokens needs at least this many
/// shared tokens to reach J ≥ t with any other set (|a ∩ b| / s ≥ |a ∩ b| / |a ∪ b|).
fn min_overlap(s: usize, t: f64) -> usize {
    (0..=s).find(|&o| o as f64 / s as f64 >= t).unwrap_or(s)
}

/// Length of the indexed prefix of a set of `s` tokens.
pub fn prefix_len(s: usize, t: f64) -> usize {
    (s + 1)
        .saturating_sub(min_overlap(s, t).max(1))
        .clamp(1, s.max(1))
}

/// Jaccard value of two sorted, distinct id lists, as the toolkit computes it.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - inter;
    if union == 0 {
        0.0
    } else {
        inter as f64 / union as f64
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Candidate {
    post: u32,
    author: u32,
    size: u32,
    /// [`token_mask`] of the post's tokens.
    mask: u32,
}

/// One bit per token (5 bits of its key): a token of one post whose bit the other's mask
/// lacks is not in the other post, so `popcount(a & !b)` bounds `|A \ B|` from below.
fn token_mask(ids: &[u64]) -> u32 {
    ids.iter().fold(0, |m, &k| m | 1 << (k & 31))
}

/// What `f` makes of each kept run's entries within reach of another account (see
/// [`within_reach`]), in order, in one vector of the exact size; `kept` holds the runs.
fn kept_entries<T: Copy + Default + Send + Sync>(
    entries: &[(u64, i64, u32, u32)],
    kept: &[((u32, u32), u32)],
    tau: i64,
    f: impl Fn(&(u64, i64, u32, u32)) -> T + Sync,
) -> Vec<T> {
    thread_local! {
        static REACH: std::cell::RefCell<Vec<bool>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    gather(kept.len(), T::default(), |g, push| {
        let ((s, e), _) = kept[g];
        let run = &entries[s as usize..e as usize];
        REACH.with_borrow_mut(|reach| {
            within_reach(run.len(), |i| (run[i].1, run[i].3), tau, reach);
            for (x, _) in run.iter().zip(reach.iter()).filter(|(_, &near)| near) {
                push(f(x));
            }
        });
    })
}

/// `csr` with the rows `keep` refuses emptied, in an exact-size copy.
fn keep_rows(csr: &Csr<u64>, keep: impl Fn(usize) -> bool + Sync) -> Csr<u64> {
    let n = csr.rows();
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0u32);
    let mut end = 0u32;
    for p in 0..n {
        if keep(p) {
            end += csr.offsets[p + 1] - csr.offsets[p];
        }
        offsets.push(end);
    }
    let values = gather(n, 0u64, |p, push| {
        if keep(p) {
            for &v in csr.row(p) {
                push(v);
            }
        }
    });
    Csr { offsets, values }
}

/// Whether post sets of `na` and `nb` tokens with masks `ma` and `mb` could reach Jaccard
/// `t`: their intersection is at most `min(na − |bits of A not in B|, nb − |bits of B not in
/// A|)`, and J grows with the intersection, computed as [`jaccard`] does.
fn may_reach(na: u32, ma: u32, nb: u32, mb: u32, t: f64) -> bool {
    let a_only = (ma & !mb).count_ones();
    let b_only = (mb & !ma).count_ones();
    let inter = na.saturating_sub(a_only).min(nb.saturating_sub(b_only)) as usize;
    let union = na as usize + nb as usize - inter;
    union > 0 && inter as f64 / union as f64 >= t
}

/// The prefix index of near-duplicate candidates.
#[derive(Debug, Default)]
pub struct SimilarIndex {
    threshold: f64,
    /// The window the index was built for: a prefix token's posts with no other account's
    /// post of the token within it are not kept in its group.
    tau: i64,
    /// Post → its tokens as ordering keys, rarest first (empty: not eligible): an approximate
    /// count in the top 12 bits ([`count_code`]), then the top 52 bits of the token's hash.
    ids: Csr<u64>,
    /// Per group (a prefix token used by two or more accounts): its posts by time, with
    /// their account and token count inline so that most candidates are ruled out without
    /// touching their token lists.
    times: Vec<i64>,
    entries: Vec<Candidate>,
    groups: Vec<(u32, u32)>,
    /// Post → (group, position of its own entry) of its indexed tokens.
    post_groups: Csr<(u32, u32)>,
    /// Per post: left out, near-duplicates from too many accounts (empty: none is).
    crowded: Vec<bool>,
    /// Those posts, ascending.
    pub capped_posts: Vec<u32>,
}

/// A token count in 12 bits, order kept: exact under 256, then on a log scale (240 steps per
/// doubling, up to 2²⁴), so that counts keep their order however large the input (a plain cap
/// would tie every common token of a large input and lengthen its prefixes).
fn count_code(count: u32) -> u64 {
    if count < 256 {
        u64::from(count)
    } else {
        let steps = ((f64::from(count).log2() - 8.0) * 240.0) as u64;
        (256 + steps).min(4095)
    }
}

/// Each post's token hashes turned, in place, into ordering keys, rarest first, and sorted;
/// two tokens of a post whose keys coincide are kept once, as one token.
fn ordering_keys(tokens: Csr<u64>, sketch_bits: u32) -> Csr<u64> {
    let n_posts = tokens.rows();
    // Token frequencies, approximately: one row of counters indexed by hash bits (a
    // count-min sketch of width 2^sketch_bits). Any fixed total order keeps prefix
    // filtering exact; rarest-first only keeps the prefixes short and selective. A token's
    // slot is taken from the hash bits its key keeps, so equal keys get equal counts.
    let sketch: Vec<AtomicU32> = (0..1usize << sketch_bits)
        .map(|_| AtomicU32::new(0))
        .collect();
    let slot = |h: u64| (h >> (64 - sketch_bits)) as usize;
    tokens.values.par_chunks(1 << 16).for_each(|c| {
        for &h in c {
            sketch[slot(h)].fetch_add(1, Ordering::Relaxed);
        }
    });
    // Each row's hashes become ordering keys, sorted, in place, chunks of rows in parallel.
    const CHUNK: usize = 1 << 14;
    let Csr {
        offsets,
        mut values,
    } = tokens;
    let mut parts: Vec<(usize, usize, &mut [u64])> = Vec::new();
    let mut rest: &mut [u64] = &mut values;
    for r0 in (0..n_posts).step_by(CHUNK) {
        let r1 = (r0 + CHUNK).min(n_posts);
        let len = (offsets[r1] - offsets[r0]) as usize;
        let (part, tail) = std::mem::take(&mut rest).split_at_mut(len);
        parts.push((r0, r1, part));
        rest = tail;
    }
    let repeats = parts
        .into_par_iter()
        .map(|(r0, r1, part)| {
            let base = offsets[r0] as usize;
            let mut repeats = false;
            for r in r0..r1 {
                let row = &mut part[offsets[r] as usize - base..offsets[r + 1] as usize - base];
                for h in row.iter_mut() {
                    let count = count_code(sketch[slot(*h)].load(Ordering::Relaxed));
                    *h = (count << 52) | (*h >> 12);
                }
                row.sort_unstable();
                repeats |= row.windows(2).any(|w| w[0] == w[1]);
            }
            repeats
        })
        .reduce(|| false, |x, y| x || y);
    drop(sketch);
    let ids = Csr { offsets, values };
    if !repeats {
        return ids;
    }
    let mut deduped = Csr::new();
    let mut row = Vec::new();
    for p in 0..n_posts {
        row.clear();
        row.extend_from_slice(ids.row(p));
        row.dedup();
        deduped.push_row(row.iter().copied());
    }
    deduped
}

/// Every post's prefix tokens (see [`prefix_len`]) as (token key, time, post, account),
/// sorted; tokens counted once (the sketch never undercounts: in no other post) left out.
fn prefix_entries(
    ids: &Csr<u64>,
    times: &[i64],
    authors: &[u32],
    threshold: f64,
) -> Vec<(u64, i64, u32, u32)> {
    let mut entries = gather(ids.rows(), (0, 0, 0, 0), |p, push| {
        let row = ids.row(p);
        for &tok in &row[..prefix_len(row.len(), threshold).min(row.len())] {
            if tok >> 52 >= 2 {
                push((tok, times[p], p as u32, authors[p]));
            }
        }
    });
    entries.par_sort_unstable();
    entries
}

impl SimilarIndex {
    /// `tokens`: post → sorted distinct token hashes (empty when too short to compare); they
    /// become the index's token ids in place.
    /// `tau` is the window the index answers for.
    pub fn build(
        tokens: Csr<u64>,
        times: &[i64],
        authors: &[u32],
        threshold: f64,
        tau: i64,
    ) -> Self {
        let bits = super::window::sketch_bits(tokens.values.len());
        Self::build_with_sketch(tokens, times, authors, threshold, tau, bits)
    }

    fn build_with_sketch(
        tokens: Csr<u64>,
        times: &[i64],
        authors: &[u32],
        threshold: f64,
        tau: i64,
        sketch_bits: u32,
    ) -> Self {
        let n_posts = tokens.rows();
        let ids = ordering_keys(tokens, sketch_bits);
        let entries = prefix_entries(&ids, times, authors, threshold);
        let mut index = SimilarIndex {
            threshold,
            tau,
            ids,
            ..SimilarIndex::default()
        };
        index.fill_groups(entries, n_posts);
        index
    }

    /// The groups from the prefix entries (token key, time, post), sorted: each token used by
    /// two accounts or more becomes a group of its posts by time, keeping only the posts with
    /// another account's post within τ. Then the token lists of posts in no group are given
    /// up: such a post has no near-duplicate within τ and is no one's candidate.
    fn fill_groups(&mut self, entries: Vec<(u64, i64, u32, u32)>, n_posts: usize) {
        let tau = self.tau;
        // Each token's run of entries.
        let runs: Vec<(u32, u32)> = {
            let mut runs = Vec::new();
            let mut start = 0usize;
            for run in entries.chunk_by(|a, b| a.0 == b.0) {
                if run.len() >= 2 {
                    runs.push((start as u32, (start + run.len()) as u32));
                }
                start += run.len();
            }
            runs
        };
        // The runs that become groups, and their sizes.
        let kept: Vec<((u32, u32), u32)> = runs
            .par_iter()
            .map_init(Vec::new, |reach, &(s, e)| {
                let run = &entries[s as usize..e as usize];
                let any = within_reach(run.len(), |i| (run[i].1, run[i].3), tau, reach);
                let n = if any {
                    reach.iter().filter(|&&x| x).count() as u32
                } else {
                    0
                };
                ((s, e), n)
            })
            .filter(|&(_, n)| n > 0)
            .collect();
        drop(runs);
        let mut end = 0u32;
        self.groups = kept
            .iter()
            .map(|&(_, n)| {
                end += n;
                (end - n, end)
            })
            .collect();
        // Each post's size and token mask, read in post order rather than at random below.
        let meta: Vec<(u32, u32)> = (0..n_posts)
            .into_par_iter()
            .map(|p| {
                let row = self.ids.row(p);
                (row.len() as u32, token_mask(row))
            })
            .collect();
        self.entries = kept_entries(&entries, &kept, tau, |e| {
            let (size, mask) = meta[e.2 as usize];
            Candidate {
                post: e.2,
                author: e.3,
                size,
                mask,
            }
        });
        drop(meta);
        self.times = kept_entries(&entries, &kept, tau, |e| e.1);
        drop(kept);
        drop(entries);
        let (groups, entries) = (&self.groups, &self.entries);
        self.post_groups = by_post(n_posts, || {
            groups.iter().enumerate().flat_map(move |(g, &(s, e))| {
                (s..e).map(move |k| (entries[k as usize].post, g as u32, k))
            })
        });
        self.ids = keep_rows(&self.ids, |p| !self.post_groups.row(p).is_empty());
    }

    /// Leaves out the posts with near-duplicates from more than `max_accounts` other
    /// accounts within τ (listed in [`SimilarIndex::capped_posts`]); `n_accounts` bounds
    /// the account ids.
    pub fn cap(&mut self, times: &[i64], authors: &[u32], n_accounts: usize, max_accounts: u32) {
        let tau = self.tau;
        let limit = max_accounts as usize;
        let n_posts = self.post_groups.offsets.len().saturating_sub(1);
        if max_accounts == u32::MAX || n_posts == 0 {
            return;
        }
        // Candidates within τ in the post's prefix groups bound its partner accounts.
        let maybe: Vec<u32> = (0..n_posts as u32)
            .into_par_iter()
            .filter(|&p| {
                let t = times[p as usize];
                let (lo_t, hi_t) = (t.saturating_sub(tau), t.saturating_add(tau));
                let mut bound = 0usize;
                for &(g, _) in self.post_groups.row(p as usize) {
                    let (s, e) = self.groups[g as usize];
                    let span = &self.times[s as usize..e as usize];
                    let from = span.partition_point(|&x| x < lo_t);
                    let to = span.partition_point(|&x| x <= hi_t);
                    bound += to - from - 1;
                }
                bound > limit
            })
            .collect();
        if maybe.is_empty() {
            return;
        }
        let crowded: Vec<u32> = maybe
            .par_chunks(256)
            .flat_map_iter(|chunk| {
                let mut seen = Stamp::new(n_accounts);
                let mut out = Vec::new();
                for &p in chunk {
                    seen.next();
                    let mut n = 0usize;
                    self.scan(p as usize, times, authors, &mut seen, None, |_, _| {
                        n += 1;
                        n <= limit
                    });
                    if n > limit {
                        out.push(p);
                    }
                }
                out
            })
            .collect();
        if crowded.is_empty() {
            return;
        }
        self.crowded = vec![false; n_posts];
        for &p in &crowded {
            self.crowded[p as usize] = true;
        }
        self.capped_posts = crowded;
    }

    fn is_crowded(&self, p: usize) -> bool {
        self.crowded.get(p).copied().unwrap_or(false)
    }

    /// Accounts other than `authors[p]` with a post within τ of `times[p]` whose Jaccard
    /// similarity with post `p` reaches the threshold; each passed to `found` once per `seen`
    /// set. `checked` is a per-post stamp (started anew by the caller for each `p`).
    pub fn partners(
        &self,
        p: usize,
        times: &[i64],
        authors: &[u32],
        seen: &mut Stamp,
        checked: &mut Stamp,
        mut found: impl FnMut(u32),
    ) {
        self.partner_posts(p, times, authors, seen, checked, |b, _| found(b));
    }

    /// As [`SimilarIndex::partners`], with the post of each partner account that was found
    /// (the first near-duplicate met, scanning outwards in time from `p`).
    pub fn partner_posts(
        &self,
        p: usize,
        times: &[i64],
        authors: &[u32],
        seen: &mut Stamp,
        checked: &mut Stamp,
        mut found: impl FnMut(u32, u32),
    ) {
        if self.is_crowded(p) {
            return;
        }
        self.scan(p, times, authors, seen, Some(checked), |b, q| {
            found(b, q);
            true
        });
    }

    /// As [`SimilarIndex::partners`], skipping crowded posts, until `found` returns false;
    /// without `checked`, a candidate in several groups may be compared more than once.
    fn scan(
        &self,
        p: usize,
        times: &[i64],
        authors: &[u32],
        seen: &mut Stamp,
        mut checked: Option<&mut Stamp>,
        mut found: impl FnMut(u32, u32) -> bool,
    ) {
        if self.post_groups.offsets.len() <= p + 1 {
            return;
        }
        let (t, a) = (times[p], authors[p]);
        let mine = self.ids.row(p);
        let n_mine = mine.len() as u32;
        let my_mask = token_mask(mine);
        let (lo_t, hi_t) = (t.saturating_sub(self.tau), t.saturating_add(self.tau));
        for &(g, own) in self.post_groups.row(p) {
            let (s, e) = self.groups[g as usize];
            let (s, e, own) = (s as usize, e as usize, own as usize);
            // Outwards from the post's own entry: first back in time, then forward.
            let before = (s..own).rev().take_while(|&k| self.times[k] >= lo_t);
            let after = (own + 1..e).take_while(|&k| self.times[k] <= hi_t);
            for k in before.chain(after) {
                let c = self.entries[k];
                if c.author == a || seen.is_marked(c.author) {
                    continue;
                }
                let (small, large) = (c.size.min(n_mine), c.size.max(n_mine));
                if (f64::from(small) / f64::from(large)) < self.threshold
                    || !may_reach(n_mine, my_mask, c.size, c.mask, self.threshold)
                    || checked.as_mut().is_some_and(|ch| !ch.mark(c.post))
                    || self.is_crowded(c.post as usize)
                {
                    continue;
                }
                let theirs = self.ids.row(c.post as usize);
                let b = c.author;
                if jaccard(mine, theirs) >= self.threshold {
                    seen.mark(b);
                    if !found(b, c.post) {
                        return;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_lengths() {
        assert_eq!(min_overlap(5, 0.8), 4);
        assert_eq!(prefix_len(5, 0.8), 2);
        assert_eq!(prefix_len(10, 0.8), 3);
        assert_eq!(prefix_len(10, 1.0), 1);
        assert_eq!(prefix_len(10, 0.0), 10);
        assert_eq!(prefix_len(1, 0.5), 1);
    }

    #[test]
    fn count_codes_keep_order() {
        assert_eq!((count_code(0), count_code(1), count_code(255)), (0, 1, 255));
        let codes: Vec<u64> = (0..25).map(|b| count_code(1 << b)).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "{codes:?}");
        assert_eq!(count_code(u32::MAX), 4095);
        assert!((1..100_000).all(|c| count_code(c) <= count_code(c + 1)));
    }

    #[test]
    fn jaccard_values() {
        assert_eq!(jaccard(&[1, 2, 3, 4], &[1, 2, 3, 5]), 3.0 / 5.0);
        assert_eq!(jaccard(&[1, 2], &[1, 2]), 1.0);
        assert_eq!(jaccard(&[], &[]), 0.0);
    }

    /// Prefix filtering finds every pair that all-pairs Jaccard finds, on random sets, with
    /// the sketch sized for the input and with one so small that every count is wrong.
    #[test]
    fn misses_nothing_against_all_pairs() {
        let mut rng = crate::util::rng::SplitMix64::new(7);
        let n = 300;
        let mut tokens = Csr::new();
        let mut sets: Vec<Vec<u64>> = Vec::new();
        let base: Vec<u64> = (0..12).collect();
        for _ in 0..n {
            let mut row: Vec<u64> = Vec::new();
            for &b in &base {
                if rng.below(10) < 8 {
                    row.push(b);
                }
            }
            for _ in 0..rng.below(4) {
                row.push(100 + rng.below(40) as u64);
            }
            let mut row: Vec<u64> = row
                .iter()
                .map(|x| super::super::objects::token_hash(&x.to_string()))
                .collect();
            row.sort_unstable();
            row.dedup();
            sets.push(row.clone());
            tokens.push_row(row);
        }
        let times: Vec<i64> = (0..n).map(|_| rng.below(600) as i64).collect();
        let authors: Vec<u32> = (0..n).map(|_| rng.below(40) as u32).collect();
        for (t, bits) in [0.5, 0.7, 0.8, 0.9]
            .into_iter()
            .flat_map(|t| [(t, None), (t, Some(1))])
        {
            let idx = match bits {
                None => SimilarIndex::build(tokens.clone(), &times, &authors, t, 60),
                Some(b) => {
                    SimilarIndex::build_with_sketch(tokens.clone(), &times, &authors, t, 60, b)
                }
            };
            let (mut seen, mut checked) = (Stamp::new(40), Stamp::new(n));
            for p in 0..n {
                seen.next();
                checked.next();
                let mut got = Vec::new();
                idx.partners(p, &times, &authors, &mut seen, &mut checked, |b| {
                    got.push(b)
                });
                got.sort_unstable();
                let mut want: Vec<u32> = (0..n)
                    .filter(|&q| {
                        authors[q] != authors[p]
                            && (times[q] - times[p]).abs() <= 60
                            && jaccard(&sets[p], &sets[q]) >= t
                    })
                    .map(|q| authors[q])
                    .collect();
                want.sort_unstable();
                want.dedup();
                assert_eq!(got, want, "post {p}, threshold {t}");
            }
        }
    }

    /// Posts with near-duplicates from more accounts than the limit are left out on both
    /// sides; every other pair stays, against all-pairs Jaccard.
    #[test]
    fn crowded_posts_are_left_out_and_nothing_else() {
        let mut rng = crate::util::rng::SplitMix64::new(9);
        let n = 400;
        let mut tokens = Csr::new();
        let mut sets: Vec<Vec<u64>> = Vec::new();
        for i in 0..n {
            // A third of the posts are one text plus a word of their own.
            let mut row: Vec<u64> = if i % 3 == 0 {
                (0..10).chain([1000 + i as u64]).collect()
            } else {
                (0..6).map(|_| rng.below(30) as u64).collect()
            };
            row = row
                .iter()
                .map(|x| super::super::objects::token_hash(&x.to_string()))
                .collect();
            row.sort_unstable();
            row.dedup();
            sets.push(row.clone());
            tokens.push_row(row);
        }
        let times: Vec<i64> = (0..n).map(|_| rng.below(300) as i64).collect();
        let authors: Vec<u32> = (0..n).map(|_| rng.below(60) as u32).collect();
        let partners = |p: usize, left_out: &dyn Fn(usize) -> bool| -> Vec<u32> {
            let mut v: Vec<u32> = (0..n)
                .filter(|&q| {
                    authors[q] != authors[p]
                        && (times[q] - times[p]).abs() <= 60
                        && sets[p].len() >= 5
                        && sets[q].len() >= 5
                        && jaccard(&sets[p], &sets[q]) >= 0.8
                        && !left_out(q)
                })
                .map(|q| authors[q])
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        for limit in [3u32, 8, 20] {
            let crowded: Vec<bool> = (0..n)
                .map(|p| partners(p, &|_| false).len() > limit as usize)
                .collect();
            assert!(crowded.iter().any(|&c| c), "limit {limit}");
            let mut idx = SimilarIndex::build(tokens.clone(), &times, &authors, 0.8, 60);
            idx.cap(&times, &authors, 60, limit);
            let want: Vec<u32> = (0..n as u32).filter(|&p| crowded[p as usize]).collect();
            assert_eq!(idx.capped_posts, want, "limit {limit}");
            let (mut seen, mut checked) = (Stamp::new(60), Stamp::new(n));
            for p in 0..n {
                seen.next();
                checked.next();
                let mut got = Vec::new();
                idx.partners(p, &times, &authors, &mut seen, &mut checked, |b| {
                    got.push(b)
                });
                got.sort_unstable();
                let want = if crowded[p] {
                    Vec::new()
                } else {
                    partners(p, &|q| crowded[q])
                };
                assert_eq!(got, want, "post {p}, limit {limit}");
            }
        }
    }
}
