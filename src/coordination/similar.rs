//! Near-duplicate posts (`similar`): Jaccard similarity of word-token sets ≥ a threshold,
//! found without scoring every pair in a window, by prefix filtering. Tokens are ranked rarest
//! first; a set of s tokens indexes only its first s − o(s) + 1 tokens, o(s) being the
//! smallest overlap with J ≥ t possible for a set of s tokens. Two sets with J ≥ t must share
//! a token of their prefixes (standard prefix-filtering argument), so candidates are the posts
//! that share a prefix token within τ; each is then checked with the exact Jaccard value,
//! computed as coordination-network-toolkit does (`|a ∩ b| / |a ∪ b| >= t` in floating point).
//! That test is turned into the smallest intersection that passes it for the two sizes, so the
//! count of shared tokens stops as soon as it is reached or out of reach. Nothing above the
//! threshold is missed.
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

use rayon::prelude::*;

use super::objects::{Csr, SparseRows, TokenRanks};
use super::window::{by_post, mark_within_reach, Marks, Stamp};

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

/// Jaccard value of two sorted, distinct id lists, as the toolkit computes it: the oracle of
/// the tests.
#[cfg(test)]
pub fn jaccard<T: Ord>(a: &[T], b: &[T]) -> f64 {
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

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Candidate {
    post: u32,
    author: u32,
    size: u32,
    /// [`token_mask`] of the post's tokens.
    mask: u32,
}

/// One bit per token (5 bits of its rank): a token of one post whose bit the other's mask
/// lacks is not in the other post, so `popcount(a & !b)` bounds `|A \ B|` from below.
fn token_mask(ids: &[u32]) -> u32 {
    ids.iter().fold(0, |m, &k| m | 1 << (k & 31))
}

/// A post with a prefix token, in that token's run: ordered by time, then post.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    time: i64,
    post: u32,
    /// The post's account, inline: the runs are read without looking it up at random.
    author: u32,
}

/// The slices of `v` at `runs` (ascending, not overlapping), to be worked on in parallel.
fn split_runs<'a, T>(mut v: &'a mut [T], runs: &[(u32, u32)]) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(runs.len());
    let mut at = 0usize;
    for &(s, e) in runs {
        let (s, e) = (s as usize, e as usize);
        let rest = std::mem::take(&mut v).split_at_mut(s - at).1;
        let (run, rest) = rest.split_at_mut(e - s);
        out.push(run);
        v = rest;
        at = e;
    }
    out
}

/// Empties the rows of `csr` that `keep` refuses, in place (the kept values moved down, then
/// the values shrunk to size): no second copy of the values is held.
fn keep_rows(csr: &mut Csr<u32>, keep: impl Fn(usize) -> bool) {
    let n = csr.rows();
    let Csr { offsets, values } = csr;
    let mut end = 0u32;
    let mut start = offsets.first().copied().unwrap_or(0);
    for p in 0..n {
        let stop = offsets[p + 1];
        if keep(p) {
            let len = stop - start;
            values.copy_within(start as usize..stop as usize, end as usize);
            end += len;
        }
        start = stop;
        offsets[p + 1] = end;
    }
    values.truncate(end as usize);
    values.shrink_to_fit();
}

/// The sizes `c` of candidate sets for a post of `n` tokens that pass the size filter
/// `min(c, n) / max(c, n) ≥ t` (computed in floating point, as before the exact Jaccard count),
/// as an interval `lo..=hi`: found once a post, so that each candidate costs two integer
/// comparisons instead of a division. `n ≥ 1` and `0 < t ≤ 1`.
fn size_bounds(n: u32, t: f64) -> (u32, u32) {
    let ok = |c: u32| f64::from(c.min(n)) / f64::from(c.max(n)) >= t;
    let mut lo = ((t * f64::from(n)).ceil() as u32).min(n);
    while lo > 0 && ok(lo - 1) {
        lo -= 1;
    }
    while lo < n && !ok(lo) {
        lo += 1;
    }
    let mut hi = ((f64::from(n) / t).floor().min(f64::from(u32::MAX)) as u32).max(n);
    while hi < u32::MAX && ok(hi + 1) {
        hi += 1;
    }
    while hi > n && !ok(hi) {
        hi -= 1;
    }
    (lo, hi)
}

/// The smallest intersection `o` with which two sets of `sum` tokens in all reach Jaccard `t`,
/// as [`jaccard`] computes it: `o / (sum − o) >= t` in floating point, which depends on the
/// sizes only through their sum and never falls as `o` grows, so `jaccard(a, b) >= t` exactly
/// when `|a ∩ b|` is at least this. Above `sum / 2` (so above the smaller set) when no
/// intersection reaches `t`. `0 < t ≤ 1`.
fn min_intersection(sum: u32, t: f64) -> u32 {
    let reaches = |o: u32| {
        let union = sum - o;
        union > 0 && f64::from(o) / f64::from(union) >= t
    };
    let most = sum / 2;
    let mut o = ((t * f64::from(sum) / (1.0 + t)).floor() as u32).min(most);
    while o > 0 && reaches(o - 1) {
        o -= 1;
    }
    while o <= most && !reaches(o) {
        o += 1;
    }
    o
}

/// Whether post sets of `na` and `nb` tokens with masks `ma` and `mb` could share `need`
/// tokens: their intersection is at most `min(na − |bits of A not in B|, nb − |bits of B not
/// in A|)`.
fn may_share(na: u32, ma: u32, nb: u32, mb: u32, need: u32) -> bool {
    let a_only = (ma & !mb).count_ones();
    let b_only = (mb & !ma).count_ones();
    na.saturating_sub(a_only).min(nb.saturating_sub(b_only)) >= need
}

/// Whether two sorted, distinct id lists share at least `need` ids. Branch-free steps, and it
/// stops once either list has passed more ids without a match than it can spare.
fn shares_at_least(a: &[u32], b: &[u32], need: u32) -> bool {
    let need = need as usize;
    if need > a.len().min(b.len()) {
        return false;
    }
    // Ids of each list that may go unmatched.
    let (spare_a, spare_b) = (a.len() - need, b.len() - need);
    let (mut i, mut j, mut inter) = (0usize, 0usize, 0usize);
    while i < a.len() && j < b.len() && inter < need {
        let (x, y) = (a[i], b[j]);
        inter += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
        if i - inter > spare_a || j - inter > spare_b {
            return false;
        }
    }
    inter >= need
}

/// The prefix index of near-duplicate candidates.
#[derive(Debug, Default)]
pub struct SimilarIndex {
    threshold: f64,
    /// The window the index was built for: a prefix token's posts with no other account's
    /// post of the token within it are not kept in its group.
    tau: i64,
    /// Post → its tokens' ranks ([`TokenRanks`]: rarest first), sorted (empty: not eligible).
    ids: SparseRows<u32>,
    /// Per group (a prefix token used by two or more accounts): its posts by time, with
    /// their account and token count inline so that most candidates are ruled out without
    /// touching their token lists.
    times: Vec<i64>,
    entries: Vec<Candidate>,
    groups: Vec<(u32, u32)>,
    /// Post → (group, position of its own entry) of its indexed tokens.
    post_groups: SparseRows<(u32, u32)>,
    /// By the sum of two posts' token counts, the tokens they must share to be near-duplicates
    /// ([`min_intersection`]).
    needs: Vec<u32>,
    /// Per post: left out, near-duplicates from too many accounts (empty: none is).
    crowded: Vec<bool>,
    /// Those posts, ascending.
    pub capped_posts: Vec<u32>,
}

/// Each post's provisional token numbers turned, in place, into their ranks, and sorted.
fn ordering_keys(tokens: Csr<u32>, ranks: &TokenRanks) -> Csr<u32> {
    let n_posts = tokens.rows();
    const CHUNK: usize = 1 << 14;
    let Csr {
        offsets,
        mut values,
    } = tokens;
    let mut parts: Vec<(usize, usize, &mut [u32])> = Vec::new();
    let mut rest: &mut [u32] = &mut values;
    for r0 in (0..n_posts).step_by(CHUNK) {
        let r1 = (r0 + CHUNK).min(n_posts);
        let len = (offsets[r1] - offsets[r0]) as usize;
        let (part, tail) = std::mem::take(&mut rest).split_at_mut(len);
        parts.push((r0, r1, part));
        rest = tail;
    }
    parts.into_par_iter().for_each(|(r0, r1, part)| {
        let base = offsets[r0] as usize;
        for r in r0..r1 {
            let row = &mut part[offsets[r] as usize - base..offsets[r + 1] as usize - base];
            for t in row.iter_mut() {
                *t = ranks.rank(*t);
            }
            row.sort_unstable();
        }
    });
    Csr { offsets, values }
}

/// Prefix entries a part of the index is built from at a time (16 bytes each): the entries of
/// all tokens at once would be the largest thing in memory. At most [`MAX_PARTS`] parts, as
/// each part reads every post's prefix: more parts would make the build grow faster than the
/// posts.
const PART_ENTRIES: usize = 1 << 22;
const MAX_PARTS: usize = 4;

/// Each post's prefix (see [`prefix_len`]): the slice of its ranks up to the prefix length.
struct Prefixes<'a> {
    ids: &'a Csr<u32>,
    /// Prefix length by set size.
    len_of: Vec<u32>,
}

impl<'a> Prefixes<'a> {
    fn new(ids: &'a Csr<u32>, threshold: f64) -> Self {
        let longest = (0..ids.rows())
            .map(|p| ids.offsets[p + 1] - ids.offsets[p])
            .max()
            .unwrap_or(0);
        let len_of = (0..=longest as usize)
            .map(|s| prefix_len(s, threshold).min(s) as u32)
            .collect();
        Prefixes { ids, len_of }
    }

    /// Post `p`'s prefix ranks within `ranks`.
    fn of(&self, p: usize, ranks: &std::ops::Range<u32>) -> &'a [u32] {
        let row = self.ids.row(p);
        let prefix = &row[..self.len_of[row.len()] as usize];
        let from = prefix.partition_point(|&t| t < ranks.start);
        let to = prefix.partition_point(|&t| t < ranks.end);
        &prefix[from..to]
    }
}

/// Prefix entries by rank (from `singles` up: a token in one post only is in no group) in
/// each chunk of posts: counted once, in one pass over the posts, for all the parts.
struct RankCounts {
    singles: u32,
    /// Posts a chunk (the last may hold fewer).
    chunk: usize,
    n_posts: usize,
    /// Per chunk, its prefix entries of each rank (minus `singles`).
    per_chunk: Vec<Vec<u32>>,
}

impl RankCounts {
    fn new(pre: &Prefixes, singles: u32, distinct: u32) -> Self {
        let n_posts = pre.ids.rows();
        let chunks = rayon::current_num_threads().clamp(1, 8);
        let chunk = n_posts.div_ceil(chunks).max(1);
        let all = singles..distinct;
        let mut counts = RankCounts {
            singles,
            chunk,
            n_posts,
            per_chunk: Vec::new(),
        };
        counts.per_chunk = (0..chunks)
            .into_par_iter()
            .map(|c| {
                let mut n = vec![0u32; (distinct - singles) as usize];
                for p in counts.posts_of(c) {
                    for &t in pre.of(p, &all) {
                        n[(t - singles) as usize] += 1;
                    }
                }
                n
            })
            .collect();
        counts
    }

    fn posts_of(&self, c: usize) -> std::ops::Range<usize> {
        c * self.chunk..((c + 1) * self.chunk).min(self.n_posts)
    }

    /// Ranges of ranks, each with about `part_entries` prefix entries or a [`MAX_PARTS`]th of
    /// them, whichever is more (one token's entries are never split).
    fn parts(&self, part_entries: usize) -> Vec<std::ops::Range<u32>> {
        let width = self.per_chunk.first().map_or(0, Vec::len);
        let of_rank = |k: usize| -> usize { self.per_chunk.iter().map(|c| c[k] as usize).sum() };
        let total: usize = (0..width).map(of_rank).sum();
        let size = part_entries.max(total.div_ceil(MAX_PARTS)).max(1);
        let mut parts = Vec::new();
        let (mut start, mut n) = (self.singles, 0usize);
        for k in 0..width {
            n += of_rank(k);
            if n >= size {
                let end = self.singles + k as u32 + 1;
                parts.push(start..end);
                (start, n) = (end, 0);
            }
        }
        let distinct = self.singles + width as u32;
        if start < distinct {
            parts.push(start..distinct);
        }
        parts
    }
}

/// Every post's prefix tokens with ranks in `ranks`, into `entries` (cleared first) by token,
/// each token's run sorted by time; returns the runs of two entries or more. A counting sort
/// by token (each chunk of posts, counted in `counted`, places its entries after the earlier
/// chunks' of the same token), then each run sorted: no sort of the whole, and runs in post
/// order are often in time order already. `entries` is reused from part to part, so that its
/// pages are not taken from the system afresh each time.
fn prefix_entries(
    pre: &Prefixes,
    ranks: &std::ops::Range<u32>,
    counted: &RankCounts,
    times: &[i64],
    authors: &[u32],
    entries: &mut Vec<Entry>,
) -> Vec<(u32, u32)> {
    let width = (ranks.end - ranks.start) as usize;
    let from = (ranks.start - counted.singles) as usize;
    // Per chunk, its entries of each token.
    let mut counts: Vec<Vec<u32>> = counted
        .per_chunk
        .iter()
        .map(|c| c[from..from + width].to_vec())
        .collect();
    // Each chunk's first slot for each token, in place of its counts.
    let mut at = 0u32;
    let mut runs = Vec::new();
    for t in 0..width {
        let start = at;
        for c in counts.iter_mut() {
            let n = c[t];
            c[t] = at;
            at += n;
        }
        if at - start >= 2 {
            runs.push((start, at));
        }
    }
    entries.clear();
    entries.resize(at as usize, Entry::default());
    {
        // Chunks write disjoint slots: each owns its own cursors.
        let out = SharedSlots(entries.as_mut_ptr());
        counts.par_iter_mut().enumerate().for_each(|(c, next)| {
            let out = &out;
            for p in counted.posts_of(c) {
                let entry = Entry {
                    time: times[p],
                    post: p as u32,
                    author: authors[p],
                };
                for &tok in pre.of(p, ranks) {
                    let slot = &mut next[(tok - ranks.start) as usize];
                    // SAFETY: slot `*slot` lies in this chunk's range for the token, given to
                    // no other chunk, and below `entries.len()`; each is written once.
                    unsafe { out.0.add(*slot as usize).write(entry) };
                    *slot += 1;
                }
            }
        });
    }
    drop(counts);
    split_runs(entries, &runs)
        .into_par_iter()
        .for_each(|run| run.sort_unstable());
    runs
}

/// The start of a vector whose slots parallel writers share, each writing only its own.
struct SharedSlots<T>(*mut T);
// SAFETY: writers through it touch disjoint slots (see `prefix_entries`).
unsafe impl<T: Send> Sync for SharedSlots<T> {}

impl SimilarIndex {
    /// `tokens`: post → its distinct tokens as provisional numbers (empty when too short to
    /// compare), which become their `ranks` in place. `tau` is the window the index answers
    /// for. The groups are made a range of ranks at a time, so that the prefix entries of
    /// only one range are held at once.
    pub fn build(
        tokens: Csr<u32>,
        ranks: &TokenRanks,
        times: &[i64],
        authors: &[u32],
        threshold: f64,
        tau: i64,
    ) -> Self {
        Self::build_in_parts(tokens, ranks, times, authors, threshold, tau, PART_ENTRIES)
    }

    /// As [`SimilarIndex::build`], with parts of about `part_entries` prefix entries.
    fn build_in_parts(
        tokens: Csr<u32>,
        ranks: &TokenRanks,
        times: &[i64],
        authors: &[u32],
        threshold: f64,
        tau: i64,
        part_entries: usize,
    ) -> Self {
        let n_posts = tokens.rows();
        let ids = ordering_keys(tokens, ranks);
        let mut index = SimilarIndex {
            threshold,
            tau,
            ..SimilarIndex::default()
        };
        {
            let pre = Prefixes::new(&ids, threshold);
            // Each post's size and token mask, read in post order rather than at random.
            let meta: Vec<(u32, u32)> = (0..n_posts)
                .into_par_iter()
                .map(|p| {
                    let row = ids.row(p);
                    (row.len() as u32, token_mask(row))
                })
                .collect();
            let (mut entries, mut near) = (Vec::new(), Vec::new());
            let counted = RankCounts::new(&pre, ranks.singles, ranks.distinct);
            for part in counted.parts(part_entries) {
                let runs = prefix_entries(&pre, &part, &counted, times, authors, &mut entries);
                index.add_groups(&entries, &runs, &meta, &mut near);
            }
        }
        let longest = (0..n_posts).map(|p| ids.row(p).len()).max().unwrap_or(0);
        index.needs = (0..=2 * longest as u32)
            .map(|sum| min_intersection(sum, threshold))
            .collect();
        index.index_posts(ids);
        index
    }

    /// The groups from the runs of prefix entries of tokens after those of the groups so
    /// far (each run a token's posts, by time): each token used by two accounts or more
    /// becomes a group of its posts by time, keeping only the posts with another account's
    /// post within τ. `near` is room for one flag an entry.
    fn add_groups(
        &mut self,
        entries: &[Entry],
        runs: &[(u32, u32)],
        meta: &[(u32, u32)],
        near: &mut Vec<bool>,
    ) {
        let tau = self.tau;
        near.clear();
        near.resize(entries.len(), false);
        // Which posts of each run are within reach of another account's, and how many.
        let kept: Vec<u32> = split_runs(near, runs)
            .into_par_iter()
            .zip(runs.par_iter())
            .map(|(flags, &(s, e))| {
                let run = &entries[s as usize..e as usize];
                let at = |i: usize| (run[i].time, run[i].author);
                if mark_within_reach(run.len(), at, tau, flags) {
                    flags.iter().filter(|&&x| x).count() as u32
                } else {
                    0
                }
            })
            .collect();
        let base = self.entries.len();
        let mut end = base as u32;
        let mut from: Vec<(u32, u32)> = Vec::new();
        let mut to: Vec<(u32, u32)> = Vec::new();
        for (&run, &n) in runs.iter().zip(&kept) {
            if n > 0 {
                self.groups.push((end, end + n));
                to.push((end - base as u32, end + n - base as u32));
                from.push(run);
                end += n;
            }
        }
        drop(kept);
        self.entries.resize(end as usize, Candidate::default());
        self.times.resize(end as usize, 0);
        let near = &near[..];
        split_runs(&mut self.entries[base..], &to)
            .into_par_iter()
            .zip(split_runs(&mut self.times[base..], &to))
            .zip(from.par_iter())
            .for_each(|((cands, times), &(s, e))| {
                let (s, e) = (s as usize, e as usize);
                let kept = entries[s..e].iter().zip(&near[s..e]).filter(|x| *x.1);
                for ((c, t), (x, _)) in cands.iter_mut().zip(times.iter_mut()).zip(kept) {
                    let (size, mask) = meta[x.post as usize];
                    *c = Candidate {
                        post: x.post,
                        author: x.author,
                        size,
                        mask,
                    };
                    *t = x.time;
                }
            });
    }

    /// Each post's groups, once all are made; then the token lists of posts in no group are
    /// given up: such a post has no near-duplicate within τ and is no one's candidate.
    fn index_posts(&mut self, mut ids: Csr<u32>) {
        self.entries.shrink_to_fit();
        self.times.shrink_to_fit();
        self.groups.shrink_to_fit();
        let (groups, entries) = (&self.groups, &self.entries);
        let post_groups = by_post(ids.rows(), || {
            groups.iter().enumerate().flat_map(move |(g, &(s, e))| {
                (s..e).map(move |k| (entries[k as usize].post, g as u32, k))
            })
        });
        keep_rows(&mut ids, |p| !post_groups.row(p).is_empty());
        self.ids = ids.into();
        self.post_groups = post_groups.into();
    }

    /// Leaves out the posts with near-duplicates from more than `max_accounts` other
    /// accounts within τ (listed in [`SimilarIndex::capped_posts`]); `n_accounts` bounds
    /// the account ids.
    pub fn cap(&mut self, times: &[i64], authors: &[u32], n_accounts: usize, max_accounts: u32) {
        let tau = self.tau;
        let limit = max_accounts as usize;
        let n_posts = self.post_groups.rows();
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
    /// set. `checked` is the set of posts compared (emptied by the caller for each `p`).
    pub fn partners(
        &self,
        p: usize,
        times: &[i64],
        authors: &[u32],
        seen: &mut Stamp,
        checked: &mut Marks,
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
        checked: &mut Marks,
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
        mut checked: Option<&mut Marks>,
        mut found: impl FnMut(u32, u32) -> bool,
    ) {
        if p >= self.post_groups.rows() {
            return;
        }
        let (t, a) = (times[p], authors[p]);
        let mine = self.ids.row(p);
        let n_mine = mine.len() as u32;
        let my_mask = token_mask(mine);
        let (min_size, max_size) = size_bounds(n_mine, self.threshold);
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
                if c.size < min_size || c.size > max_size {
                    continue;
                }
                let need = self.needs[(n_mine + c.size) as usize];
                if !may_share(n_mine, my_mask, c.size, c.mask, need)
                    || checked.as_mut().is_some_and(|ch| !ch.mark(c.post))
                    || self.is_crowded(c.post as usize)
                {
                    continue;
                }
                let theirs = self.ids.row(c.post as usize);
                let b = c.author;
                if shares_at_least(mine, theirs, need) {
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
    fn size_bounds_are_the_size_filter() {
        for t in [
            0.3,
            1.0 / 3.0,
            0.5,
            0.6,
            0.7,
            0.75,
            0.8,
            0.85,
            0.9,
            0.95,
            0.99,
            1.0,
        ] {
            for n in 1..=300u32 {
                let (lo, hi) = size_bounds(n, t);
                for c in 0..=1000u32 {
                    let (small, large) = (c.min(n), c.max(n));
                    let passes = f64::from(small) / f64::from(large) >= t;
                    assert_eq!((lo..=hi).contains(&c), passes, "t {t} n {n} c {c}");
                }
            }
        }
    }

    #[test]
    fn keep_rows_empties_the_refused_rows_in_place() {
        let rows: [&[u32]; 5] = [&[1, 2], &[], &[3], &[4, 5, 6], &[7]];
        let mut csr = Csr::new();
        for r in rows {
            csr.push_row(r.iter().copied());
        }
        keep_rows(&mut csr, |p| p != 0 && p != 3);
        assert_eq!(csr.rows(), 5);
        let got: Vec<&[u32]> = (0..5).map(|p| csr.row(p)).collect();
        assert_eq!(got, [&[][..], &[], &[3], &[], &[7]]);
        assert_eq!(csr.values, [3, 7]);
        keep_rows(&mut csr, |_| false);
        assert!(csr.values.is_empty() && csr.rows() == 5);
    }

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
    fn jaccard_values() {
        assert_eq!(jaccard(&[1, 2, 3, 4], &[1, 2, 3, 5]), 3.0 / 5.0);
        assert_eq!(jaccard(&[1, 2], &[1, 2]), 1.0);
        assert_eq!(jaccard::<u32>(&[], &[]), 0.0);
    }

    /// The smallest intersection, the stopping count and the mask bound give the same answer
    /// as the Jaccard value itself, for sets that share most, some or none of their ids and
    /// for thresholds whose quotients sit exactly on the boundary (1/3, 0.5, 0.75, 1).
    #[test]
    fn the_count_that_stops_is_the_jaccard_test() {
        let mut rng = crate::util::rng::SplitMix64::new(11);
        let set = |rng: &mut crate::util::rng::SplitMix64, n: usize, universe: usize| {
            let mut v: Vec<u32> = (0..n).map(|_| rng.below(universe) as u32).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        for t in [0.3, 1.0 / 3.0, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0] {
            for round in 0..20_000 {
                let universe = [8, 30, 200][round % 3];
                let n = 1 + rng.below(40);
                let a = set(&mut rng, n, universe);
                let b = if round % 2 == 0 {
                    // Mostly the same ids: a few dropped and a few added.
                    let mut b: Vec<u32> = a.iter().copied().filter(|_| rng.below(8) > 0).collect();
                    let extra = rng.below(4);
                    b.extend(set(&mut rng, extra, universe));
                    b.sort_unstable();
                    b.dedup();
                    b
                } else {
                    let n = 1 + rng.below(40);
                    set(&mut rng, n, universe)
                };
                let (na, nb) = (a.len() as u32, b.len() as u32);
                let need = min_intersection(na + nb, t);
                let passes = jaccard(&a, &b) >= t;
                assert_eq!(shares_at_least(&a, &b, need), passes, "t {t} {a:?} {b:?}");
                assert_eq!(shares_at_least(&b, &a, need), passes, "t {t} {b:?} {a:?}");
                let (ma, mb) = (token_mask(&a), token_mask(&b));
                assert!(!passes || may_share(na, ma, nb, mb, need), "{a:?} {b:?}");
            }
        }
        // Sizes 4 and 5 at 0.8: 4 of 5 in the union. Equal sets only at 1. None for no tokens.
        assert_eq!(min_intersection(9, 0.8), 4);
        assert_eq!(min_intersection(6, 1.0), 3);
        assert!(min_intersection(0, 0.5) > 0);
    }

    /// The index of `rows` (token hashes), their tokens numbered seven rows at a time, the
    /// runs taken in reverse order when `reverse` (as threads might take them).
    fn index_of(
        rows: &Csr<u64>,
        reverse: bool,
        times: &[i64],
        authors: &[u32],
        t: f64,
    ) -> SimilarIndex {
        index_in_parts(rows, reverse, times, authors, t, PART_ENTRIES)
    }

    /// As [`index_of`], built in parts of about `part_entries` prefix entries.
    fn index_in_parts(
        rows: &Csr<u64>,
        reverse: bool,
        times: &[i64],
        authors: &[u32],
        t: f64,
        part_entries: usize,
    ) -> SimilarIndex {
        let dict = crate::coordination::objects::TokenDict::default();
        let n = rows.rows();
        let mut starts: Vec<usize> = (0..n).step_by(7).collect();
        if reverse {
            starts.reverse();
        }
        let mut parts: Vec<(usize, Csr<u32>)> = starts
            .into_iter()
            .map(|s| {
                let mut run = Csr::new();
                for r in s..(s + 7).min(n) {
                    run.push_row(rows.row(r).iter().copied());
                }
                (s, dict.intern(run))
            })
            .collect();
        parts.sort_by_key(|p| p.0);
        let mut ids = Csr::new();
        for (_, part) in parts {
            ids.append(part);
        }
        SimilarIndex::build_in_parts(ids, &dict.ranks(), times, authors, t, 60, part_entries)
    }

    /// Prefix filtering finds every pair that all-pairs Jaccard finds, on random sets; the
    /// token order does not depend on the order in which tokens were numbered.
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
        for t in [0.5, 0.7, 0.8, 0.9] {
            let idx = index_of(&tokens, false, &times, &authors, t);
            let other = index_of(&tokens, true, &times, &authors, t);
            assert_eq!(idx.ids, other.ids);
            // Built a range of tokens at a time (parts of a quarter of the entries), the
            // index is the same.
            let parts = index_in_parts(&tokens, false, &times, &authors, t, 1);
            assert_eq!(
                (&parts.groups, &parts.entries, &parts.times),
                (&idx.groups, &idx.entries, &idx.times)
            );
            assert_eq!(
                (&parts.post_groups, &parts.ids),
                (&idx.post_groups, &idx.ids)
            );
            let (mut seen, mut checked) = (Stamp::new(40), Marks::new(n));
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
            let mut idx = index_of(&tokens, false, &times, &authors, 0.8);
            idx.cap(&times, &authors, 60, limit);
            let want: Vec<u32> = (0..n as u32).filter(|&p| crowded[p as usize]).collect();
            assert_eq!(idx.capped_posts, want, "limit {limit}");
            let (mut seen, mut checked) = (Stamp::new(60), Marks::new(n));
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
