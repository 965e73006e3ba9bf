//! The posts behind the edges: for every kept edge A→B of a kind, up to a cap of pairs of a
//! post of A and a post of B that share an object of that kind within τ, with the object.
//! A's posts are taken in time order (then input order), each with B's post met first when
//! scanning outwards in time from it (the nearest earlier one first, then the nearest later
//! one), so the same input gives the same pairs.

use rayon::prelude::*;

use super::graph::{Graph, Indexes};
use super::input::Posts;
use super::window::{Marks, Stamp};
use super::{CoordValidParams, Kind, ANY};
use crate::util::pool::Pool;

/// One pair of posts behind an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostPair {
    pub a: u32,
    pub b: u32,
    pub kind: Kind,
    /// The shared object's key group in the kind's index; `None` for `similar` (the object
    /// is the near-duplicate text itself).
    pub group: Option<u32>,
    pub post_a: u32,
    pub post_b: u32,
}

/// Default of the pairs kept per edge and kind.
pub const DEFAULT_PAIRS_PER_EDGE: usize = 3;

/// Up to `cap` post pairs for every kept per-kind edge, sorted by account A, account B, kind,
/// then A's post time.
pub fn post_pairs(
    posts: &Posts,
    ix: &Indexes,
    g: &Graph,
    params: &CoordValidParams,
    cap: usize,
) -> Vec<PostPair> {
    if cap == 0 {
        return Vec::new();
    }
    let n_accounts = posts.author_names.len();
    // Each account's posts with a partner, with the kinds they have one in (a bit a kind):
    // only those can give a pair.
    let mut own: Vec<Vec<(u32, u8)>> = vec![Vec::new(); n_accounts];
    for (p, counts) in g.post_counts.with_partners() {
        let kinds = (0..ANY)
            .filter(|&k| counts[k] > 0)
            .fold(0u8, |m, k| m | 1 << k);
        own[posts.authors[p] as usize].push((p as u32, kinds));
    }
    for list in &mut own {
        list.sort_by_key(|&(p, _)| (posts.times[p as usize], p));
    }
    let pool = Pool::default();
    let per_account: Vec<Vec<PostPair>> = (0..n_accounts as u32)
        .into_par_iter()
        .map_init(
            || pool.lease(|| Scratch::new(n_accounts, posts.len(), ix.similar.is_some())),
            |s, a| account_pairs(a, &own[a as usize], posts, ix, g, params, cap, s.get()),
        )
        .collect();
    per_account.into_iter().flatten().collect()
}

struct Scratch {
    /// Pairs still wanted from each partner account in the current kind.
    wanted: Vec<usize>,
    seen: Stamp,
    checked: Marks,
}

impl Scratch {
    fn new(n_accounts: usize, n_posts: usize, similar: bool) -> Scratch {
        Scratch {
            wanted: vec![0; n_accounts],
            seen: Stamp::new(n_accounts),
            checked: Marks::new(if similar { n_posts } else { 0 }),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn account_pairs(
    a: u32,
    own: &[(u32, u8)],
    posts: &Posts,
    ix: &Indexes,
    g: &Graph,
    params: &CoordValidParams,
    cap: usize,
    s: &mut Scratch,
) -> Vec<PostPair> {
    let from = g.edges.partition_point(|e| e.a < a);
    let to = g.edges.partition_point(|e| e.a <= a);
    let edges = &g.edges[from..to];
    let mut out: Vec<PostPair> = Vec::new();
    if edges.is_empty() {
        return out;
    }
    for &kind in &params.kinds {
        let k = kind.index();
        let partners: Vec<u32> = edges
            .iter()
            .filter(|e| e.kind as usize == k)
            .map(|e| e.b)
            .collect();
        if partners.is_empty() {
            continue;
        }
        for &b in &partners {
            s.wanted[b as usize] = cap;
        }
        let mut left = partners.len() * cap;
        let start = out.len();
        for &(p, kinds) in own {
            if left == 0 {
                break;
            }
            if kinds & 1 << k == 0 {
                continue;
            }
            let pi = p as usize;
            let t = posts.times[pi];
            s.seen.next();
            // The partner posts of p in this kind, each partner account once.
            let mut found: Vec<(u32, u32, Option<u32>)> = Vec::new();
            if kind == Kind::Similar {
                if let Some(sim) = &ix.similar {
                    s.checked.next();
                    sim.partner_posts(
                        pi,
                        &posts.times,
                        &posts.authors,
                        &mut s.seen,
                        &mut s.checked,
                        |b, q| found.push((b, q, None)),
                    );
                }
            } else if let Some(idx) = &ix.keyed[k] {
                let seen = &mut s.seen;
                for &(grp, own_pos) in idx.groups_of(pi) {
                    idx.partner_posts(grp, own_pos, t, a, |b, q| {
                        if seen.mark(b) {
                            found.push((b, q, Some(grp)));
                        }
                    });
                }
            }
            for (b, q, group) in found {
                if s.wanted[b as usize] > 0 {
                    s.wanted[b as usize] -= 1;
                    left -= 1;
                    out.push(PostPair {
                        a,
                        b,
                        kind,
                        group,
                        post_a: p,
                        post_b: q,
                    });
                }
            }
        }
        for &b in &partners {
            s.wanted[b as usize] = 0;
        }
        out[start..].sort_by_key(|x| {
            (
                x.b,
                posts.times[x.post_a as usize],
                x.post_a,
                posts.times[x.post_b as usize],
                x.post_b,
            )
        });
    }
    out.sort_by_key(|x| (x.b, x.kind.index()));
    debug_assert!(out.iter().all(|x| (x.kind.index()) < ANY));
    out
}
