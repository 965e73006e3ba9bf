//! Partners in time for one object kind: the posts of every object key sorted by time, so that
//! the posts sharing a key with post p within τ are one contiguous run found by binary search —
//! a sliding, inclusive window |t₁ − t₂| ≤ τ, never fixed bins. The index is built for one τ:
//! a key's posts with no other account's post of the key within τ are dropped at build time
//! (they can give no pair, and most posts of most keys are such), and within a key, posts with
//! the same time and account are kept once (they give the same partners). Keys used by more
//! accounts than a limit are dropped too, and listed (see [`Capped`]): their pairs would grow
//! with the square of their accounts. It answers "which other accounts shared an object with p
//! inside τ"; weights and graphs are [`super::graph`]'s.

use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

use super::objects::{gather, Csr, Key, SparseRows};

/// Post → its (group, position) memberships, from the `(post, group, position)` triples
/// `memberships` lists (called twice), each post's in their order ([`Csr::grouped`]).
pub fn by_post<I>(n_posts: usize, memberships: impl Fn() -> I) -> Csr<(u32, u32)>
where
    I: Iterator<Item = (u32, u32, u32)>,
{
    Csr::grouped(n_posts, || memberships().map(|(p, g, k)| (p, (g, k))))
}

/// Marks, in `reach`, the entries of one group (sorted by time; `entry(i)` is the time and
/// account of entry `i`) that have an entry of another account within `tau`, inclusive: only
/// those can give a partner or be one. Two passes, each keeping the latest time so far and the
/// latest time of any other account than its own, so it costs one step an entry however
/// crowded the window. Returns whether any entry is marked.
pub fn within_reach(
    n: usize,
    entry: impl Fn(usize) -> (i64, u32),
    tau: i64,
    reach: &mut Vec<bool>,
) -> bool {
    reach.clear();
    reach.resize(n, false);
    mark_within_reach(n, entry, tau, reach)
}

/// As [`within_reach`], into `reach` (`n` flags, all false to begin with).
pub fn mark_within_reach(
    n: usize,
    entry: impl Fn(usize) -> (i64, u32),
    tau: i64,
    reach: &mut [bool],
) -> bool {
    let mut any = false;
    let mut pass = |order: &mut dyn Iterator<Item = usize>| {
        // (account, time) of the latest entry seen, and the latest time of another account.
        let mut last: Option<(u32, i64)> = None;
        let mut other: Option<i64> = None;
        for i in order {
            let (t, a) = entry(i);
            let near = match last {
                Some((la, lt)) if la != a => Some(lt),
                _ => other,
            };
            if near.is_some_and(|u| t.abs_diff(u) <= tau.unsigned_abs()) {
                reach[i] = true;
                any = true;
            }
            match last {
                Some((la, lt)) if la != a => other = Some(lt),
                _ => {}
            }
            last = Some((a, t));
        }
    };
    pass(&mut (0..n));
    pass(&mut (0..n).rev());
    any
}

/// One key's posts inside the sorted arrays.
#[derive(Debug, Clone, Copy)]
pub struct Group {
    /// The key itself, to name the object in reports.
    pub key: Key,
    pub start: u32,
    pub end: u32,
    /// A post that has this key, to show what the key is.
    pub example_post: u32,
    /// Distinct accounts that used the key.
    pub accounts: u32,
}

/// A key left out because more accounts than the limit used it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capped {
    pub key: Key,
    /// Distinct accounts that used it.
    pub accounts: u32,
    /// Posts that have it.
    pub posts: u32,
    /// Its first post in time (then account, then input) order, to show what the key is.
    pub example_post: u32,
}

/// The time-sorted posts of every key that at least two accounts, and at most the limit,
/// used.
#[derive(Debug, Default)]
pub struct KeyIndex {
    /// The window the index was built for: posts with no other account's post of a key
    /// within it are not kept in that key's group.
    tau: i64,
    times: Vec<i64>,
    authors: Vec<u32>,
    /// The (first) post behind each entry.
    posts: Vec<u32>,
    pub groups: Vec<Group>,
    /// Keys of more accounts than the limit, by key order (a key's order is not stable
    /// between builds: sort before showing).
    pub capped: Vec<Capped>,
    /// Post → (group, position of its own entry) for its keys that two or more accounts
    /// used, the group of the fewest accounts first: a window is scanned outwards from the
    /// post's own place, without a search, and the first group to give a partner is the
    /// rarest object the two share.
    post_groups: SparseRows<(u32, u32)>,
}

/// Marks seen ids; `next()` starts a new set without clearing (an epoch counter).
pub struct Stamp {
    marks: Vec<u32>,
    epoch: u32,
}

impl Stamp {
    pub fn new(n: usize) -> Stamp {
        Stamp {
            marks: vec![0; n],
            epoch: 0,
        }
    }

    pub fn next(&mut self) {
        if self.epoch == u32::MAX {
            self.marks.fill(0);
            self.epoch = 0;
        }
        self.epoch += 1;
    }

    /// Marks `i`; true when it was not marked in the current set.
    pub fn mark(&mut self, i: u32) -> bool {
        let m = &mut self.marks[i as usize];
        if *m == self.epoch {
            false
        } else {
            *m = self.epoch;
            true
        }
    }

    pub fn is_marked(&self, i: u32) -> bool {
        self.marks[i as usize] == self.epoch
    }
}

/// A set of ids emptied in time proportional to its size: a bit per id and the list of ids
/// marked. For the few hundred candidates compared for one post out of millions of posts it
/// takes a thirty-second of a [`Stamp`]'s memory.
pub struct Marks {
    bits: Vec<u64>,
    marked: Vec<u32>,
}

impl Marks {
    pub fn new(n: usize) -> Marks {
        Marks {
            bits: vec![0; n.div_ceil(64)],
            marked: Vec::new(),
        }
    }

    /// Empties the set.
    pub fn next(&mut self) {
        // A word with a bit set holds only marked ids, so it is cleared whole.
        for &i in &self.marked {
            self.bits[(i >> 6) as usize] = 0;
        }
        self.marked.clear();
    }

    /// Marks `i`; true when it was not marked since the last `next()`.
    pub fn mark(&mut self, i: u32) -> bool {
        let w = &mut self.bits[(i >> 6) as usize];
        let bit = 1u64 << (i & 63);
        if *w & bit != 0 {
            false
        } else {
            *w |= bit;
            self.marked.push(i);
            true
        }
    }
}

/// Bits of a count sketch for `n` keys: four to eight slots a key, at most 2²² (16 MiB), so
/// that a small input does not clear a table sized for millions of keys. A smaller sketch only
/// lets more single keys through to the sort, where they are dropped all the same.
pub(super) fn sketch_bits(n: usize) -> u32 {
    (n.max(1).ilog2() + 3).clamp(8, 22)
}

impl KeyIndex {
    /// Builds the index of the keys `keep` accepts in `keys` (post → its distinct keys); keys
    /// of more than `max_accounts` accounts go to [`KeyIndex::capped`] instead.
    pub fn build(
        keys: &Csr<Key>,
        keep: impl Fn(Key) -> bool + Sync,
        times: &[i64],
        authors: &[u32],
        tau: i64,
        max_accounts: u32,
    ) -> KeyIndex {
        let bits = sketch_bits(keys.values.len());
        Self::build_with_sketch(keys, keep, times, authors, tau, max_accounts, bits)
    }

    fn build_with_sketch(
        keys: &Csr<Key>,
        keep: impl Fn(Key) -> bool + Sync,
        times: &[i64],
        authors: &[u32],
        tau: i64,
        max_accounts: u32,
        sketch_bits: u32,
    ) -> KeyIndex {
        let n_posts = keys.rows();
        // Most keys occur once and can give no pair: a count sketch (which never undercounts)
        // drops them before the sort. The slot comes from the bits under the kind's 3.
        let slot = |k: Key| ((k << 3) >> (64 - sketch_bits)) as usize;
        let sketch: Vec<AtomicU32> = (0..1usize << sketch_bits)
            .map(|_| AtomicU32::new(0))
            .collect();
        keys.values.par_chunks(1 << 16).for_each(|c| {
            for &k in c.iter().filter(|&&k| keep(k)) {
                sketch[slot(k)].fetch_add(1, Ordering::Relaxed);
            }
        });
        let mut entries = gather(n_posts, (0, 0, 0, 0), |p, push| {
            for &k in keys.row(p).iter().filter(|&&k| keep(k)) {
                if sketch[slot(k)].load(Ordering::Relaxed) >= 2 {
                    push((k, times[p], authors[p], p as u32));
                }
            }
        });
        drop(sketch);
        entries.par_sort_unstable();
        let mut index = KeyIndex {
            tau,
            ..KeyIndex::default()
        };
        let mut memberships: Vec<(u32, u32, u32)> = Vec::new();
        let mut distinct: Vec<u32> = Vec::new();
        let mut reach: Vec<bool> = Vec::new();
        // Accounts seen in the current group: `marks[a] == group + 1`.
        let mut marks: Vec<u32> = vec![0; authors.iter().max().map_or(0, |&a| a as usize + 1)];
        let mut i = 0;
        while i < entries.len() {
            let k = entries[i].0;
            let mut j = i + 1;
            let mut two_accounts = false;
            while j < entries.len() && entries[j].0 == k {
                two_accounts |= entries[j].2 != entries[i].2;
                j += 1;
            }
            if two_accounts && j - i > max_accounts as usize {
                distinct.clear();
                distinct.extend(entries[i..j].iter().map(|e| e.2));
                distinct.sort_unstable();
                distinct.dedup();
                if distinct.len() > max_accounts as usize {
                    index.capped.push(Capped {
                        key: k,
                        accounts: distinct.len() as u32,
                        posts: (j - i) as u32,
                        example_post: entries[i].3,
                    });
                    i = j;
                    continue;
                }
            }
            let run = &entries[i..j];
            if two_accounts && within_reach(run.len(), |x| (run[x].1, run[x].2), tau, &mut reach) {
                let g = index.groups.len() as u32;
                let start = index.times.len() as u32;
                let mut last: Option<(i64, u32)> = None;
                let mut accounts = 0u32;
                for (e, &near) in run.iter().zip(&reach) {
                    // Every account counts towards the key's rarity; only posts with another
                    // account within τ are kept.
                    if marks[e.2 as usize] != g + 1 {
                        marks[e.2 as usize] = g + 1;
                        accounts += 1;
                    }
                    if !near {
                        continue;
                    }
                    if last != Some((e.1, e.2)) {
                        index.times.push(e.1);
                        index.authors.push(e.2);
                        index.posts.push(e.3);
                        last = Some((e.1, e.2));
                    }
                    memberships.push((e.3, g, index.times.len() as u32 - 1));
                }
                index.groups.push(Group {
                    key: k,
                    start,
                    end: index.times.len() as u32,
                    example_post: entries[i].3,
                    accounts,
                });
            }
            i = j;
        }
        drop(entries);
        let mut post_groups = by_post(n_posts, || memberships.iter().copied());
        drop(memberships);
        let groups = &index.groups;
        let Csr { offsets, values } = &mut post_groups;
        for w in offsets.windows(2) {
            let row = &mut values[w[0] as usize..w[1] as usize];
            if row.len() > 1 {
                row.sort_by_key(|&(g, _)| (groups[g as usize].accounts, g));
            }
        }
        index.post_groups = post_groups.into();
        index
    }

    /// The weight of a shared key as evidence: 1 / (accounts − 1), so that each key spreads
    /// one unit over the pairs of its accounts (Newman's weighting of a shared paper among its
    /// co-authors): two accounts sharing a rare object weigh more than two of a crowd.
    pub fn rarity(&self, g: u32) -> f64 {
        1.0 / f64::from(self.groups[g as usize].accounts.max(2) - 1)
    }

    /// (group, own position) of post `p`'s keys that two or more accounts used.
    pub fn groups_of(&self, p: usize) -> &[(u32, u32)] {
        self.post_groups.row(p)
    }

    /// Every post of another account than `author` in group `g` within τ of `t` (one per
    /// time and account), nearest first on each side, earlier side first: (account, post).
    pub fn partner_posts(
        &self,
        g: u32,
        own: u32,
        t: i64,
        author: u32,
        mut found: impl FnMut(u32, u32),
    ) {
        let grp = self.groups[g as usize];
        let (s, e, own) = (grp.start as usize, grp.end as usize, own as usize);
        let (lo_t, hi_t) = (t.saturating_sub(self.tau), t.saturating_add(self.tau));
        let before = (s..own).rev().take_while(|&k| self.times[k] >= lo_t);
        let after = (own + 1..e).take_while(|&k| self.times[k] <= hi_t);
        for k in before.chain(after) {
            if self.authors[k] != author {
                found(self.authors[k], self.posts[k]);
            }
        }
    }

    /// Accounts other than `author` with a post in group `g` at a time within τ of `t`
    /// (inclusive), scanning both ways from position `own` (the post's own entry, at time
    /// `t`). Each is passed to `found` once per `seen` set; returns whether the window held
    /// any other account at all.
    pub fn partners(
        &self,
        g: u32,
        own: u32,
        t: i64,
        author: u32,
        seen: &mut Stamp,
        mut found: impl FnMut(u32),
    ) -> bool {
        let grp = self.groups[g as usize];
        let (s, e, own) = (grp.start as usize, grp.end as usize, own as usize);
        let (lo_t, hi_t) = (t.saturating_sub(self.tau), t.saturating_add(self.tau));
        let mut any = false;
        let mut visit = |k: usize| {
            let b = self.authors[k];
            if b != author {
                any = true;
                if seen.mark(b) {
                    found(b);
                }
            }
        };
        let mut k = own;
        while k > s && self.times[k - 1] >= lo_t {
            k -= 1;
            visit(k);
        }
        let mut k = own + 1;
        while k < e && self.times[k] <= hi_t {
            visit(k);
            k += 1;
        }
        any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_post_is_a_stable_counting_sort() {
        let triples = [(3, 1, 10), (0, 2, 20), (3, 0, 30), (1, 5, 40), (3, 4, 50)];
        let csr = by_post(5, || triples.iter().copied());
        assert_eq!(csr.offsets, [0, 1, 2, 2, 5, 5]);
        assert_eq!(csr.row(0), [(2, 20)]);
        assert_eq!(csr.row(1), [(5, 40)]);
        assert!(csr.row(2).is_empty() && csr.row(4).is_empty());
        assert_eq!(csr.row(3), [(1, 10), (0, 30), (4, 50)]);
        let none = by_post(3, std::iter::empty);
        assert_eq!(none.offsets, [0; 4]);
    }

    #[test]
    fn marks_are_a_set_emptied_by_next() {
        let mut m = Marks::new(200);
        for round in 0..3u32 {
            // Ids sharing a word (0..64) and in different words, some twice.
            let ids = [0, 63, 64, 130 + round, 199, 63, 5 + round];
            let fresh: Vec<bool> = ids.iter().map(|&i| m.mark(i)).collect();
            assert_eq!(
                fresh,
                [true, true, true, true, true, false, true],
                "round {round}"
            );
            assert!(!m.mark(199));
            m.next();
        }
        assert!(m.bits.iter().all(|&w| w == 0));
        assert!(m.mark(1) && !m.mark(1));
    }

    fn csr(rows: &[&[Key]]) -> Csr<Key> {
        let mut c = Csr::new();
        for r in rows {
            c.push_row(r.iter().copied());
        }
        c
    }

    fn partners_of(idx: &KeyIndex, p: usize, t: i64, a: u32) -> Vec<u32> {
        let mut seen = Stamp::new(10);
        seen.next();
        let mut out = Vec::new();
        for &(g, own) in idx.groups_of(p) {
            idx.partners(g, own, t, a, &mut seen, |b| out.push(b));
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn inclusive_sliding_window() {
        // Key 1: accounts 0, 1, 2 at 0 s, 60 s, 121 s; key 2: only account 3 (dropped).
        let keys = csr(&[&[1], &[1], &[1], &[2], &[2]]);
        let times = [0, 60, 121, 5, 6];
        let authors = [0, 1, 2, 3, 3];
        let idx = KeyIndex::build(&keys, |_| true, &times, &authors, 60, u32::MAX);
        assert_eq!(idx.groups.len(), 1, "a key of one account is no group");
        assert_eq!(partners_of(&idx, 0, 0, 0), [1], "exactly τ apart: a pair");
        assert_eq!(partners_of(&idx, 1, 60, 1), [0], "61 s apart: none");
        assert_eq!(partners_of(&idx, 2, 121, 2), Vec::<u32>::new());
        assert!(
            idx.groups_of(2).is_empty(),
            "no other account within τ: not kept"
        );
        assert!(idx.groups_of(3).is_empty());
        let wider = KeyIndex::build(&keys, |_| true, &times, &authors, 61, u32::MAX);
        assert_eq!(partners_of(&wider, 1, 60, 1), [0, 2]);
        assert_eq!(partners_of(&wider, 2, 121, 2), [1]);
    }

    /// `within_reach` marks exactly the entries with another account's entry within τ.
    #[test]
    fn within_reach_against_all_pairs() {
        let mut rng = crate::util::rng::SplitMix64::new(5);
        let mut reach = Vec::new();
        for round in 0..300 {
            let n = rng.below(12);
            let mut run: Vec<(i64, u32)> = (0..n)
                .map(|_| (rng.below(200) as i64, rng.below(1 + round % 4) as u32))
                .collect();
            run.sort_unstable_by_key(|e| e.0);
            let tau = rng.below(40) as i64;
            let any = within_reach(n, |i| run[i], tau, &mut reach);
            let want: Vec<bool> = (0..n)
                .map(|i| (0..n).any(|j| run[j].1 != run[i].1 && (run[j].0 - run[i].0).abs() <= tau))
                .collect();
            assert_eq!(reach, want, "{run:?} τ {tau}");
            assert_eq!(any, want.contains(&true));
        }
    }

    #[test]
    fn sketch_size_does_not_change_the_index() {
        assert_eq!(sketch_bits(0), 8);
        assert_eq!(sketch_bits(1000), 12);
        assert_eq!(sketch_bits(100_000_000), 22);
        // Keys spread over the top bits (which pick the slot) and repeated by some accounts.
        let mut rows: Vec<Vec<Key>> = Vec::new();
        let mut x: u64 = 7;
        for p in 0..300u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = ((x % 40) << 56) | (p % 3);
            rows.push(vec![k, p << 44]);
        }
        let rows: Vec<&[Key]> = rows.iter().map(|r| r.as_slice()).collect();
        let keys = csr(&rows);
        let times: Vec<i64> = (0..300).map(|p| p * 7 % 500).collect();
        let authors: Vec<u32> = (0..300).map(|p| p % 11).collect();
        let groups = |ix: &KeyIndex| -> Vec<(Key, u32, u32, u32)> {
            ix.groups
                .iter()
                .map(|g| (g.key, g.start, g.end, g.example_post))
                .collect()
        };
        let big = KeyIndex::build_with_sketch(&keys, |_| true, &times, &authors, 60, u32::MAX, 22);
        assert!(!big.groups.is_empty());
        for bits in [1, 4, sketch_bits(keys.values.len())] {
            let small =
                KeyIndex::build_with_sketch(&keys, |_| true, &times, &authors, 60, u32::MAX, bits);
            assert_eq!(groups(&small), groups(&big), "{bits} bits");
            assert_eq!((&small.times, &small.authors), (&big.times, &big.authors));
            assert_eq!(small.post_groups, big.post_groups);
        }
    }

    #[test]
    fn several_keys_give_each_account_once() {
        let keys = csr(&[&[1, 2], &[1, 2], &[2]]);
        let idx = KeyIndex::build(&keys, |_| true, &[0, 10, 20], &[0, 1, 1], 60, u32::MAX);
        assert_eq!(partners_of(&idx, 0, 0, 0), [1]);
        assert_eq!(idx.groups_of(0).len(), 2);
    }

    #[test]
    fn keys_of_more_accounts_than_the_limit_are_capped() {
        // Key 1: accounts 0, 1, 2 (four posts); key 2: accounts 0, 1.
        let keys = csr(&[&[1, 2], &[1, 2], &[1], &[1]]);
        let (times, authors) = ([0, 1, 2, 3], [0, 1, 2, 2]);
        let idx = KeyIndex::build(&keys, |_| true, &times, &authors, 60, 2);
        assert_eq!(idx.groups.len(), 1);
        assert_eq!(idx.groups[0].key, 2);
        let want = Capped {
            key: 1,
            accounts: 3,
            posts: 4,
            example_post: 0,
        };
        assert_eq!(idx.capped, [want]);
        assert_eq!(partners_of(&idx, 2, 2, 2), Vec::<u32>::new());
        assert_eq!(partners_of(&idx, 0, 0, 0), [1], "through key 2 only");
        let all = KeyIndex::build(&keys, |_| true, &times, &authors, 60, 3);
        assert!(all.capped.is_empty());
        assert_eq!(partners_of(&all, 2, 2, 2), [0, 1]);
    }
}
