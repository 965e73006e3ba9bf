//! From partners to the account graph. For every post p of account A and every kind, the set
//! of other accounts that shared an object of that kind with p inside τ (its size is p's
//! count in posts.csv); the directed edge A→B of a kind is weighted by how many distinct posts
//! of A have a partner from B, and the `total` edge by how many have one of any kind. Edges
//! under `min_weight` are dropped; clusters are the connected components of the kept total
//! edges, read as undirected. Work is split by account, so each account's edges are summed by
//! one thread with no shared state, and the result is the same at any thread count.

use rayon::prelude::*;

use super::community::{leiden, LeidenParams, UGraph};
use super::input::Posts;
use super::objects::{kind_index, Csr, Key, Objects};
use super::similar::SimilarIndex;
use super::window::{KeyIndex, Marks, Stamp};
use super::{CommunityWeights, CoordValidParams, Kind, ANY, KINDS};
use crate::util::pool::Pool;

/// A directed edge A→B of one kind (`kind` = 0..=5 as [`KINDS`], 6 = total over kinds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub a: u32,
    pub b: u32,
    pub kind: u8,
    /// Distinct posts of A with a partner from B.
    pub weight: u32,
    /// The same posts weighed by how rare the shared object is: each counts 1 / (n − 1) for
    /// the object of the fewest accounts n it shares with B (for `similar`, n − 1 is the
    /// number of accounts with near-duplicates of the post within τ; for the total, the
    /// rarest over kinds).
    pub rarity_weight: f64,
    /// Earliest and latest time of those posts of A.
    pub first: i64,
    pub last: i64,
}

impl Edge {
    pub fn kind_name(&self) -> &'static str {
        KINDS.get(self.kind as usize).map_or("total", |k| k.name())
    }
}

/// Per-account statistics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountStats {
    pub posts: u32,
    /// Posts with a partner from an account joined to this one by a kept edge.
    pub coordinated_posts: u32,
    /// Accounts joined by a kept total edge, either way.
    pub degree: u32,
    /// Largest kept total weight, either way.
    pub max_weight: u32,
    /// 1-based cluster id (largest first), 0 when in none.
    pub cluster: u32,
    /// 1-based community id (largest first), 0 when in none.
    pub community: u32,
}

/// A connected component of two or more accounts.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub id: u32,
    /// Account ids, ascending (= by name).
    pub accounts: Vec<u32>,
    /// Kept directed total edges inside.
    pub edges: usize,
    pub first: i64,
    pub last: i64,
    /// The objects the cluster's accounts shared most in coordinated posts: (kind, key group,
    /// posts), most first.
    pub dominant: Vec<(Kind, u32, u32)>,
}

/// A community of the account graph: found by the Leiden algorithm on the kept total edges
/// (see `coordination::community`), so a component held together by a few weak links splits into
/// the groups that are densely tied inside.
#[derive(Debug, Clone, PartialEq)]
pub struct Community {
    pub id: u32,
    /// Account ids, ascending (= by name).
    pub accounts: Vec<u32>,
    /// Kept directed total edges inside.
    pub edges: usize,
    /// The share of the members' pairs joined by a kept edge (either way).
    pub density: f64,
    /// The cluster (connected component) it lies in.
    pub cluster: u32,
    pub first: i64,
    pub last: i64,
    /// The objects most members used in coordinated posts: (kind, key group, members, posts),
    /// most members first.
    pub dominant: Vec<(Kind, u32, u32, u32)>,
}

/// The indexes of the enabled kinds.
#[derive(Debug, Default)]
pub struct Indexes {
    pub keyed: [Option<KeyIndex>; 6],
    pub similar: Option<SimilarIndex>,
}

impl Indexes {
    /// Builds the index of every enabled kind from the posts' objects, each kind's objects
    /// given up once its index is built: the similar index first, then the keyed kinds side
    /// by side (each build has sequential stretches).
    pub fn build(posts: &Posts, objects: Objects, params: &CoordValidParams) -> Indexes {
        let t = &posts.times;
        let a = &posts.authors;
        let Objects { keys, tokens, dict } = objects;
        let keyed_kinds: Vec<Kind> = [
            Kind::Text,
            Kind::Link,
            Kind::Domain,
            Kind::Hashtag,
            Kind::Repost,
        ]
        .into_iter()
        .filter(|&k| params.has(k))
        .collect();
        let max = params.max_object_accounts;
        // The similar index first, then the keyed kinds side by side: building both at once
        // would hold the temporary entries of both.
        let similar = params.has(Kind::Similar).then(|| {
            let ranks = dict.ranks();
            let mut sim =
                SimilarIndex::build(tokens, &ranks, t, a, params.similarity, params.window);
            sim.cap(t, a, posts.author_names.len(), max);
            sim
        });
        let keyed: Vec<(usize, KeyIndex)> = keyed_kinds
            .into_par_iter()
            .map(|kind| {
                let of_kind = |k: Key| kind_index(k) == kind.index();
                let index = KeyIndex::build(&keys, of_kind, t, a, params.window, max);
                (kind.index(), index)
            })
            .collect();
        drop(keys);
        let mut ix = Indexes {
            similar,
            ..Indexes::default()
        };
        for (k, index) in keyed {
            ix.keyed[k] = Some(index);
        }
        ix
    }
}

/// Everything found.
#[derive(Debug, Default)]
pub struct Graph {
    /// Kept edges, sorted by (a, b, kind).
    pub edges: Vec<Edge>,
    /// Per post: distinct other accounts per kind (as [`KINDS`]) and of any kind.
    pub post_counts: PostCounts,
    pub accounts: Vec<AccountStats>,
    pub clusters: Vec<Cluster>,
    pub communities: Vec<Community>,
    /// The modularity (at resolution 1) of the communities on the weights they were found on,
    /// every account on a kept edge counted.
    pub modularity: f64,
}

/// Per post, the distinct other accounts that shared an object with it per kind (as
/// [`KINDS`]) and of any kind; only posts with a partner are held (20 bytes each), the others
/// count 0 throughout.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PostCounts {
    /// Posts in all.
    n: usize,
    /// (post, counts), by post; a count of `u16::MAX` or more is held as `u16::MAX`, and the
    /// post's counts in full in `wide`.
    held: Vec<(u32, [u16; 7])>,
    /// (post, counts) of the posts with a count of `u16::MAX` or more, by post.
    wide: Vec<(u32, [u32; 7])>,
}

impl PostCounts {
    /// Adds post `p`'s counts (posts in any order; [`PostCounts::finish`] sorts them).
    fn add(&mut self, p: u32, counts: [u32; 7]) {
        let narrow = counts.map(|c| c.min(u32::from(u16::MAX)) as u16);
        if narrow.contains(&u16::MAX) {
            self.wide.push((p, counts));
        }
        self.held.push((p, narrow));
    }

    /// Done adding the posts with a partner among `n`.
    fn finish(mut self, n: usize) -> PostCounts {
        self.held.par_sort_unstable_by_key(|&(p, _)| p);
        self.held.shrink_to_fit();
        self.wide.par_sort_unstable_by_key(|&(p, _)| p);
        self.wide.shrink_to_fit();
        self.n = n;
        self
    }

    fn full(&self, &(p, c): &(u32, [u16; 7])) -> [u32; 7] {
        if c.contains(&u16::MAX) {
            if let Ok(i) = self.wide.binary_search_by_key(&p, |&(q, _)| q) {
                return self.wide[i].1;
            }
        }
        c.map(u32::from)
    }

    /// Posts in all, with a partner or not.
    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The counts of every post, in post order.
    pub fn iter(&self) -> impl Iterator<Item = [u32; 7]> + '_ {
        self.range(0..self.n)
    }

    /// The counts of the posts in `rows`, in post order.
    pub fn range(&self, rows: std::ops::Range<usize>) -> impl Iterator<Item = [u32; 7]> + '_ {
        let from = self.held.partition_point(|h| (h.0 as usize) < rows.start);
        let mut held = self.held[from..].iter().peekable();
        rows.map(move |p| match held.peek() {
            Some(&h) if h.0 as usize == p => {
                held.next();
                self.full(h)
            }
            _ => [0; 7],
        })
    }

    /// Posts with a partner, by post, with their counts.
    pub fn with_partners(&self) -> impl Iterator<Item = (usize, [u32; 7])> + '_ {
        self.held.iter().map(|h| (h.0 as usize, self.full(h)))
    }

    /// Posts with a partner in kind `k` (as [`KINDS`], or `ANY`).
    pub fn count_with(&self, k: usize) -> usize {
        self.held.iter().filter(|(_, c)| c[k] > 0).count()
    }
}

/// What one account's pass yields.
#[derive(Default)]
struct AccountPass {
    edges: Vec<Edge>,
    counts: Vec<(u32, [u32; 7])>,
    coordinated_posts: u32,
    /// (kind, group) of keys that gave this account's posts a partner, once per post.
    hits: Vec<(u8, u32)>,
}

struct Scratch {
    seen: Stamp,
    any: Stamp,
    checked: Marks,
    found: Vec<u32>,
    /// The rarity of the object that gave each of `found`.
    found_rarity: Vec<f64>,
    any_list: Vec<u32>,
    /// Per partner of the current post, the rarest object they share over kinds.
    best: Vec<f64>,
    /// The pass's partner accounts: `slot[b]` is b's place in `sums` when `touched` marks b.
    touched: Stamp,
    slot: Vec<u32>,
    sums: Vec<Sums>,
    /// Posts whose coordination waits on the final weights, and their partners (flat).
    pending: Vec<(u32, u32)>,
    pending_partners: Vec<u32>,
}

/// Running sums of one partner account B over the pass's posts, per kind and total: how many
/// posts have a partner from B, and their earliest and latest times.
#[derive(Clone, Copy)]
struct Sums {
    b: u32,
    weight: [u32; 7],
    rarity: [f64; 7],
    first: [i64; 7],
    last: [i64; 7],
}

impl Scratch {
    /// Counts one post at time `t` with a partner from `b` in kind `k` over an object of
    /// rarity `r`.
    fn add(&mut self, b: u32, k: usize, t: i64, r: f64) -> u32 {
        if self.touched.mark(b) {
            self.slot[b as usize] = self.sums.len() as u32;
            self.sums.push(Sums {
                b,
                weight: [0; 7],
                rarity: [0.0; 7],
                first: [i64::MAX; 7],
                last: [i64::MIN; 7],
            });
        }
        let s = &mut self.sums[self.slot[b as usize] as usize];
        s.weight[k] += 1;
        s.rarity[k] += r;
        s.first[k] = s.first[k].min(t);
        s.last[k] = s.last[k].max(t);
        s.weight[k]
    }

    fn total_weight(&self, b: u32) -> u32 {
        self.sums[self.slot[b as usize] as usize].weight[ANY]
    }
}

/// Builds the graph: partners of every post, edges, clusters and statistics.
pub fn build(posts: &Posts, ix: &Indexes, params: &CoordValidParams) -> Graph {
    let n_accounts = posts.author_names.len();
    let n_posts = posts.len();
    let by_account = posts_by_account(posts);
    let starts = &by_account.offsets;
    let mut g = Graph {
        accounts: vec![AccountStats::default(); n_accounts],
        ..Graph::default()
    };
    let mut hits: Vec<Vec<(u8, u32)>> = Vec::with_capacity(n_accounts);
    let mut post_counts = PostCounts::default();
    // Accounts a sixteenth of the posts at a time: each pass's per-post counts (of posts
    // with a partner) are moved into `post_counts` and its scratch given up before the next
    // accounts', rather than all held at once.
    let pool = Pool::default();
    let mut from = 0;
    while from < n_accounts {
        let mut to = from + 1;
        while to < n_accounts && ((starts[to] - starts[from]) as usize) < n_posts.div_ceil(16) {
            to += 1;
        }
        let passes = account_passes(posts, ix, params, &by_account, from..to, &pool);
        for (a, pass) in (from..to).zip(passes) {
            for (p, c) in pass.counts {
                post_counts.add(p, c);
            }
            g.accounts[a].posts = by_account.row(a).len() as u32;
            g.accounts[a].coordinated_posts = pass.coordinated_posts;
            g.edges.extend(pass.edges);
            hits.push(pass.hits);
        }
        from = to;
    }
    drop(pool);
    g.post_counts = post_counts.finish(n_posts);
    let uf = degrees_and_components(&mut g);
    number_clusters(&mut g, uf);
    for cl in &mut g.clusters {
        cl.dominant = dominant_objects(cl, &hits);
    }
    find_communities(&mut g, &hits, params);
    g
}

/// The communities of the kept total edges, read as undirected with the weights (by rarity or
/// posts, as `params` says) of both directions added; those of two accounts or more numbered from 1, largest first (then by
/// first account), each with its edges, density, time span and main objects.
fn find_communities(g: &mut Graph, hits: &[Vec<(u8, u32)>], params: &CoordValidParams) {
    let members: Vec<u32> = (0..g.accounts.len() as u32)
        .filter(|&a| g.accounts[a as usize].degree > 0)
        .collect();
    let mut node_of = vec![u32::MAX; g.accounts.len()];
    for (i, &a) in members.iter().enumerate() {
        node_of[a as usize] = i as u32;
    }
    let mut edges: Vec<(u32, u32, f64)> = g
        .edges
        .iter()
        .filter(|e| e.kind as usize == ANY)
        .map(|e| {
            let (a, b) = (node_of[e.a as usize], node_of[e.b as usize]);
            match params.community_weights {
                CommunityWeights::Rarity => (a, b, e.rarity_weight),
                CommunityWeights::Posts => (a, b, f64::from(e.weight)),
                CommunityWeights::Pairs => (a.min(b), a.max(b), 1.0),
            }
        })
        .collect();
    if params.community_weights == CommunityWeights::Pairs {
        edges.sort_unstable_by_key(|&(a, b, _)| (a, b));
        edges.dedup_by_key(|e| (e.0, e.1));
    }
    let graph = UGraph::from_edges(members.len(), &edges);
    let leiden_params = LeidenParams {
        quality: params.quality,
        resolution: params.resolution,
        seed: params.seed,
        ..LeidenParams::default()
    };
    let membership = leiden(&graph, &leiden_params);
    g.modularity = graph.modularity(&membership, 1.0);
    let mut groups: Vec<Vec<u32>> = vec![Vec::new(); members.len()];
    for (i, &c) in membership.iter().enumerate() {
        groups[c as usize].push(members[i]);
    }
    for (i, accounts) in largest_first(groups).into_iter().enumerate() {
        let id = i as u32 + 1;
        for &a in &accounts {
            g.accounts[a as usize].community = id;
        }
        g.communities.push(Community {
            id,
            cluster: g.accounts[accounts[0] as usize].cluster,
            dominant: shared_objects(&accounts, hits),
            accounts,
            edges: 0,
            density: 0.0,
            first: i64::MAX,
            last: i64::MIN,
        });
    }
    let mut pairs = vec![0usize; g.communities.len()];
    for e in g.edges.iter().filter(|e| e.kind as usize == ANY) {
        let c = g.accounts[e.a as usize].community;
        if c > 0 && g.accounts[e.b as usize].community == c {
            let cm = &mut g.communities[c as usize - 1];
            cm.edges += 1;
            cm.first = cm.first.min(e.first);
            cm.last = cm.last.max(e.last);
            // A pair joined both ways is counted once: from its smaller account.
            let both = e.a > e.b && has_total_edge(&g.edges, e.b, e.a);
            if !both {
                pairs[c as usize - 1] += 1;
            }
        }
    }
    for (cm, p) in g.communities.iter_mut().zip(pairs) {
        let n = cm.accounts.len() as f64;
        cm.density = p as f64 / (n * (n - 1.0) / 2.0);
    }
}

/// The groups of two accounts or more (each ascending), largest first, then by first account:
/// the order clusters and communities are numbered in, from 1.
fn largest_first(groups: Vec<Vec<u32>>) -> Vec<Vec<u32>> {
    let mut groups: Vec<Vec<u32>> = groups.into_iter().filter(|m| m.len() >= 2).collect();
    groups.sort_by(|x, y| y.len().cmp(&x.len()).then(x[0].cmp(&y[0])));
    groups
}

/// Whether the kept edges (sorted by a, b, kind) hold a total edge a→b.
fn has_total_edge(edges: &[Edge], a: u32, b: u32) -> bool {
    edges
        .binary_search_by(|e| (e.a, e.b, e.kind).cmp(&(a, b, ANY as u8)))
        .is_ok()
}

/// The three objects the most of `accounts` used in coordinated posts: (kind, group, members,
/// posts), most members first, then most posts.
fn shared_objects(accounts: &[u32], hits: &[Vec<(u8, u32)>]) -> Vec<(Kind, u32, u32, u32)> {
    // (object, account, posts) → per object, its members and posts.
    let mut per_account: Vec<((u8, u32), u32)> = Vec::new();
    for &a in accounts {
        let mut own: Vec<(u8, u32)> = hits[a as usize].clone();
        own.sort_unstable();
        per_account.extend(
            own.chunk_by(|x, y| x == y)
                .map(|run| (run[0], run.len() as u32)),
        );
    }
    per_account.sort_unstable();
    let mut counted: Vec<(u32, u32, (u8, u32))> = per_account
        .chunk_by(|x, y| x.0 == y.0)
        .map(|run| {
            let posts = run.iter().map(|r| r.1).sum();
            (run.len() as u32, posts, run[0].0)
        })
        .collect();
    counted.sort_by(|x, y| y.0.cmp(&x.0).then(y.1.cmp(&x.1)).then(x.2.cmp(&y.2)));
    counted
        .into_iter()
        .take(3)
        .map(|(members, posts, (k, grp))| (KINDS[k as usize], grp, members, posts))
        .collect()
}

/// Account → its post indexes, in input order.
fn posts_by_account(posts: &Posts) -> Csr<u32> {
    let authors = &posts.authors;
    Csr::grouped(posts.author_names.len(), || {
        authors.iter().enumerate().map(|(p, &a)| (a, p as u32))
    })
}

/// Every account's pass ([`account_pass`]), in parallel, in account order.
fn account_passes(
    posts: &Posts,
    ix: &Indexes,
    params: &CoordValidParams,
    by_account: &Csr<u32>,
    accounts: std::ops::Range<usize>,
    pool: &Pool<Scratch>,
) -> Vec<AccountPass> {
    let n_accounts = posts.author_names.len();
    let n_posts = posts.len();
    // Scratch (arrays the size of the accounts, one the size of the posts) is pooled rather
    // than remade per rayon job.
    let new_scratch = || Scratch {
        seen: Stamp::new(n_accounts),
        any: Stamp::new(n_accounts),
        checked: Marks::new(if ix.similar.is_some() { n_posts } else { 0 }),
        found: Vec::new(),
        found_rarity: Vec::new(),
        any_list: Vec::new(),
        best: vec![0.0; n_accounts],
        touched: Stamp::new(n_accounts),
        slot: vec![0; n_accounts],
        sums: Vec::new(),
        pending: Vec::new(),
        pending_partners: Vec::new(),
    };
    accounts
        .into_par_iter()
        .map_init(
            || pool.lease(new_scratch),
            |lease, a| {
                let s = lease.get();
                account_pass(a as u32, by_account.row(a), posts, ix, params, s)
            },
        )
        .collect()
}

/// Each account's degree and largest weight over the kept total edges, either way; returns
/// the accounts joined by those edges.
fn degrees_and_components(g: &mut Graph) -> UnionFind {
    let mut uf = UnionFind::new(g.accounts.len());
    let mut neighbours: Vec<(u32, u32)> = Vec::new();
    for e in g.edges.iter().filter(|e| e.kind as usize == ANY) {
        uf.union(e.a, e.b);
        neighbours.push((e.a.min(e.b), e.a.max(e.b)));
        for x in [e.a, e.b] {
            let s = &mut g.accounts[x as usize];
            s.max_weight = s.max_weight.max(e.weight);
        }
    }
    neighbours.sort_unstable();
    neighbours.dedup();
    for &(x, y) in &neighbours {
        g.accounts[x as usize].degree += 1;
        g.accounts[y as usize].degree += 1;
    }
    uf
}

/// The clusters (components of two accounts or more), largest first, then by their first
/// account, numbered from 1; each with its edges and time span.
fn number_clusters(g: &mut Graph, mut uf: UnionFind) {
    let n_accounts = g.accounts.len();
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); n_accounts];
    for a in 0..n_accounts as u32 {
        if g.accounts[a as usize].degree > 0 {
            members[uf.find(a) as usize].push(a);
        }
    }
    for (i, accounts) in largest_first(members).into_iter().enumerate() {
        let id = i as u32 + 1;
        for &a in &accounts {
            g.accounts[a as usize].cluster = id;
        }
        g.clusters.push(Cluster {
            id,
            accounts,
            edges: 0,
            first: i64::MAX,
            last: i64::MIN,
            dominant: Vec::new(),
        });
    }
    for e in g.edges.iter().filter(|e| e.kind as usize == ANY) {
        let c = g.accounts[e.a as usize].cluster;
        if c > 0 {
            let cl = &mut g.clusters[c as usize - 1];
            cl.edges += 1;
            cl.first = cl.first.min(e.first);
            cl.last = cl.last.max(e.last);
        }
    }
}

/// The three objects a cluster's accounts share most often (kind, group, count).
fn dominant_objects(cl: &Cluster, hits: &[Vec<(u8, u32)>]) -> Vec<(Kind, u32, u32)> {
    let mut all: Vec<(u8, u32)> = cl
        .accounts
        .iter()
        .flat_map(|&a| hits[a as usize].iter().copied())
        .collect();
    all.sort_unstable();
    let mut counted: Vec<(u32, u8, u32)> = all
        .chunk_by(|x, y| x == y)
        .map(|run| (run.len() as u32, run[0].0, run[0].1))
        .collect();
    counted.sort_by(|x, y| y.0.cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
    counted
        .into_iter()
        .take(3)
        .map(|(n, k, grp)| (KINDS[k as usize], grp, n))
        .collect()
}

/// One account's posts: their partners, summed per partner account as they are found (memory
/// grows with the partner accounts, not with the posts times their partners), then its edges.
fn account_pass(
    a: u32,
    own: &[u32],
    posts: &Posts,
    ix: &Indexes,
    params: &CoordValidParams,
    s: &mut Scratch,
) -> AccountPass {
    let mut out = AccountPass::default();
    let min_weight = params.min_weight;
    s.touched.next();
    s.sums.clear();
    s.pending.clear();
    s.pending_partners.clear();
    for &p in own {
        let pi = p as usize;
        let t = posts.times[pi];
        let mut counts = [0u32; 7];
        s.any.next();
        s.any_list.clear();
        for &kind in &params.kinds {
            s.seen.next();
            s.found.clear();
            s.found_rarity.clear();
            let found = &mut s.found;
            if kind == Kind::Similar {
                if let Some(sim) = &ix.similar {
                    s.checked.next();
                    sim.partners(
                        pi,
                        &posts.times,
                        &posts.authors,
                        &mut s.seen,
                        &mut s.checked,
                        |b| found.push(b),
                    );
                }
                // The near-duplicate text is the object, shared by the post's partners.
                let r = 1.0 / found.len().max(1) as f64;
                s.found_rarity.resize(found.len(), r);
            } else if let Some(idx) = &ix.keyed[kind.index()] {
                // Rarest object first: a partner's rarity is that of the first group to give it.
                for &(g, own) in idx.groups_of(pi) {
                    if idx.partners(g, own, t, a, &mut s.seen, |b| found.push(b)) {
                        out.hits.push((kind.index() as u8, g));
                    }
                    s.found_rarity.resize(found.len(), idx.rarity(g));
                }
            }
            counts[kind.index()] = s.found.len() as u32;
            for i in 0..s.found.len() {
                let (b, r) = (s.found[i], s.found_rarity[i]);
                s.add(b, kind.index(), t, r);
                if s.any.mark(b) {
                    s.any_list.push(b);
                    s.best[b as usize] = r;
                } else if r > s.best[b as usize] {
                    s.best[b as usize] = r;
                }
            }
        }
        counts[ANY] = s.any_list.len() as u32;
        // A post is coordinated when a partner's total edge is kept. Weights only grow: a
        // partner at `min_weight` already settles it; otherwise the post waits for the final
        // weights. Each waiting post adds 1 to each of its partners' weights, all still under
        // `min_weight`, so at most `min_weight - 1` waiting posts name any one partner.
        let mut settled = false;
        for i in 0..s.any_list.len() {
            let b = s.any_list[i];
            settled |= s.add(b, ANY, t, s.best[b as usize]) >= min_weight;
        }
        if settled {
            out.coordinated_posts += 1;
        } else if !s.any_list.is_empty() {
            let from = s.pending_partners.len() as u32;
            s.pending_partners.extend_from_slice(&s.any_list);
            s.pending.push((from, s.pending_partners.len() as u32));
        }
        if counts[ANY] > 0 {
            out.counts.push((p, counts));
        }
    }
    for &(from, to) in &s.pending {
        let partners = &s.pending_partners[from as usize..to as usize];
        if partners.iter().any(|&b| s.total_weight(b) >= min_weight) {
            out.coordinated_posts += 1;
        }
    }
    s.sums.sort_unstable_by_key(|x| x.b);
    for x in &s.sums {
        for kind in 0..7 {
            if x.weight[kind] >= min_weight {
                out.edges.push(Edge {
                    a,
                    b: x.b,
                    kind: kind as u8,
                    weight: x.weight[kind],
                    rarity_weight: x.rarity[kind],
                    first: x.first[kind],
                    last: x.last[kind],
                });
            }
        }
    }
    out
}

/// Union–find with path halving and union by size.
struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let gp = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = gp;
            x = gp;
        }
        x
    }

    fn union(&mut self, x: u32, y: u32) {
        let (mut rx, mut ry) = (self.find(x), self.find(y));
        if rx == ry {
            return;
        }
        if self.size[rx as usize] < self.size[ry as usize] {
            std::mem::swap(&mut rx, &mut ry);
        }
        self.parent[ry as usize] = rx;
        self.size[rx as usize] += self.size[ry as usize];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_counts_keep_large_counts_whole() {
        let big = u32::from(u16::MAX);
        let rows = [
            (7, [1, 0, 0, 0, 0, 0, 1]),
            (2, [0, 0, 0, big + 5, 0, 0, big + 5]),
            (4, [0, big, 0, 0, 0, 0, big]),
            (5, [0, 0, 3, big - 1, 0, 0, big - 1]),
        ];
        let mut c = PostCounts::default();
        for (p, counts) in rows {
            c.add(p, counts);
        }
        let c = c.finish(9);
        assert_eq!(c.len(), 9);
        let all: Vec<[u32; 7]> = c.iter().collect();
        assert_eq!(all.len(), 9);
        for (p, counts) in rows {
            assert_eq!(all[p as usize], counts, "post {p}");
        }
        assert_eq!(all[0], [0; 7]);
        assert_eq!(all[8], [0; 7]);
        let with: Vec<(usize, [u32; 7])> = c.with_partners().collect();
        assert_eq!(with.iter().map(|w| w.0).collect::<Vec<_>>(), [2, 4, 5, 7]);
        assert_eq!(with[0].1, rows[1].1);
        assert_eq!(c.count_with(3), 2);
        assert_eq!(c.count_with(ANY), 4);
        for from in 0..=9 {
            for to in from..=9 {
                let part: Vec<[u32; 7]> = c.range(from..to).collect();
                assert_eq!(part, all[from..to], "{from}..{to}");
            }
        }
    }
}
