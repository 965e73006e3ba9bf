//! `trollwatch coordination`: planted campaigns in synthetic timelines are found, and nothing
//! else (including pairs exactly τ and τ + 1 s apart); text, link and repost edges equal a
//! brute-force reference, weights included; `similar` misses no pair that exact all-pairs
//! Jaccard finds; the command's files, errors and determinism.

use std::collections::{BTreeMap, BTreeSet};

use trollwatch::coordinated::{analyze, CoordParams, Kind, ANY, KINDS};
use trollwatch::internals::evidence::post_pairs;
use trollwatch::internals::graph::Graph;
use trollwatch::internals::input::{PostRow, Posts};
use trollwatch::internals::objects;
use trollwatch::internals::{CoordValidParams, SplitMix64};

use crate::workdir::Workdir;

/// One synthetic post.
#[derive(Debug, Clone)]
struct Post {
    author: String,
    time: i64,
    text: String,
    repost: bool,
}

const TAU: i64 = 60;

fn run(posts: &[Post], params: CoordParams) -> (Posts, Graph) {
    let (table, _, graph, _) = run_all(posts, params);
    (table, graph)
}

fn run_all(
    posts: &[Post],
    params: CoordParams,
) -> (
    Posts,
    trollwatch::internals::graph::Indexes,
    Graph,
    CoordValidParams,
) {
    let ids: Vec<String> = (0..posts.len()).map(|i| format!("p{i}")).collect();
    let params = params.check().expect("valid params");
    let rows = posts.iter().zip(&ids).map(|(p, id)| PostRow {
        id,
        author: &p.author,
        time: p.time,
        text: &p.text,
        repost: p.repost,
        urls: None,
    });
    let (table, objects) = Posts::with_objects(rows, &params.extract());
    let (ix, graph) = analyze(&table, objects, &params);
    (table, ix, graph, params)
}

/// Directed edges of one kind: (a, b) → weight, by account name.
fn edges_of(posts: &Posts, g: &Graph, kind: usize) -> BTreeMap<(String, String), u32> {
    g.edges
        .iter()
        .filter(|e| e.kind as usize == kind)
        .map(|e| {
            let name = |i: u32| posts.author_names[i as usize].clone();
            ((name(e.a), name(e.b)), e.weight)
        })
        .collect()
}

/// Background posts: unique words, no links, hashtags or reposts — nothing to share.
fn background(rng: &mut SplitMix64, n: usize, accounts: usize, span: i64) -> Vec<Post> {
    (0..n)
        .map(|i| Post {
            author: format!("bg{}", rng.below(accounts)),
            time: rng.below(span as usize) as i64,
            text: format!("post{i} says w{i}a w{i}b w{i}c w{i}d about things{i}"),
            repost: false,
        })
        .collect()
}

/// A planted campaign: the accounts and what each posted.
struct Campaign {
    kind: Kind,
    posts: Vec<Post>,
}

/// Every ordered pair of distinct accounts among posts that are within τ of each other.
fn planted_pairs(posts: &[Post]) -> BTreeMap<(String, String), u32> {
    let mut out = BTreeMap::new();
    for p in posts {
        let partners: BTreeSet<&str> = posts
            .iter()
            .filter(|q| q.author != p.author && (q.time - p.time).abs() <= TAU)
            .map(|q| q.author.as_str())
            .collect();
        for b in partners {
            *out.entry((p.author.clone(), b.to_string())).or_insert(0) += 1;
        }
    }
    out
}

fn campaigns(rng: &mut SplitMix64, span: i64) -> Vec<Campaign> {
    // 20 distinct words: two paraphrases that each swap a different word share 18 of 22.
    let base = "the harbor council quietly approved seven new tolls on fishing boats tonight \
                while most residents slept and nobody asked why it mattered";
    let mut out = Vec::new();
    for c in 0..4 {
        let t0 = 1_000 + c as i64 * 20_000 + rng.below((span / 16) as usize) as i64;
        let members: Vec<String> = (0..3 + c).map(|k| format!("c{c}m{k}")).collect();
        // Each member posts within [t0, t0 + τ]: every pair is coordinated.
        let times: Vec<i64> = (0..members.len())
            .map(|k| {
                if k == 0 {
                    t0
                } else {
                    t0 + rng.below(TAU as usize + 1) as i64
                }
            })
            .collect();
        let (kind, texts): (Kind, Vec<String>) = match c {
            // Identical after normalization: case, mentions and spacing differ.
            0 => (
                Kind::Text,
                (0..members.len())
                    .map(|k| match k % 3 {
                        0 => format!("{base} @friend{k}"),
                        1 => base.to_uppercase().replace(' ', "  "),
                        _ => format!("@someone {base}"),
                    })
                    .collect(),
            ),
            // Paraphrases: each swaps one different word (Jaccard 18/22 ≥ 0.8, not equal).
            1 => (
                Kind::Similar,
                (0..members.len())
                    .map(|k| base.replace(["seven", "tolls", "boats", "tonight", "new"][k % 5], &format!("alt{k}")))
                    .collect(),
            ),
            // Reposts of one post.
            2 => (
                Kind::Repost,
                (0..members.len())
                    .map(|_| format!("RT @origin: {base} {c}"))
                    .collect(),
            ),
            // Different words around one link.
            _ => (
                Kind::Link,
                (0..members.len())
                    .map(|k| {
                        format!("look{k} here{k} now{k} pal{k} https://campaign{c}.example.org/story?id=9.")
                    })
                    .collect(),
            ),
        };
        let posts = members
            .iter()
            .zip(&times)
            .zip(texts)
            .map(|((m, &t), text)| Post {
                author: m.clone(),
                time: t,
                repost: text.starts_with("RT @"),
                text,
            })
            .collect();
        out.push(Campaign { kind, posts });
    }
    out
}

#[test]
fn planted_campaigns_are_found_and_nothing_else() {
    let mut rng = SplitMix64::new(11);
    let span = 80_000;
    let planted = campaigns(&mut rng, span);
    let mut posts = background(&mut rng, 3_000, 40, span);
    // Edge cases: identical text exactly τ apart (a pair) and τ + 1 s apart (none).
    let edge = |a: &str, t: i64, text: &str| Post {
        author: a.into(),
        time: t,
        text: text.into(),
        repost: false,
    };
    let at_tau = "exactly one minute apart these two accounts posted this";
    let past_tau = "one minute and one second apart these two accounts posted";
    posts.push(edge("tau_a", 90_000, at_tau));
    posts.push(edge("tau_b", 90_000 + TAU, at_tau));
    posts.push(edge("late_a", 95_000, past_tau));
    posts.push(edge("late_b", 95_000 + TAU + 1, past_tau));
    for c in &planted {
        posts.extend(c.posts.iter().cloned());
    }
    rng.shuffle(&mut posts);
    let (table, g) = run(&posts, CoordParams::default());

    let mut want: BTreeMap<Kind, BTreeMap<(String, String), u32>> = BTreeMap::new();
    for c in &planted {
        want.entry(c.kind)
            .or_default()
            .extend(planted_pairs(&c.posts));
    }
    let text = want.entry(Kind::Text).or_default();
    text.insert(("tau_a".into(), "tau_b".into()), 1);
    text.insert(("tau_b".into(), "tau_a".into()), 1);
    // Identical texts of five or more tokens are near-duplicates too; a shared link's domain
    // is a shared domain.
    let similar: Vec<_> = want[&Kind::Text].clone().into_iter().collect();
    want.entry(Kind::Similar).or_default().extend(similar);
    let domain = want[&Kind::Link].clone();
    want.insert(Kind::Domain, domain);
    want.insert(Kind::Hashtag, BTreeMap::new());
    for kind in KINDS {
        let got = edges_of(&table, &g, kind.index());
        assert_eq!(got, want[&kind], "kind {kind}");
    }
    let all: BTreeSet<(String, String)> = want.values().flat_map(|m| m.keys().cloned()).collect();
    let total: BTreeSet<(String, String)> = edges_of(&table, &g, ANY).into_keys().collect();
    assert_eq!(total, all);
    assert!(!total.contains(&("late_a".into(), "late_b".into())));
    // One cluster per campaign plus the τ pair, and as many communities, the same accounts.
    assert_eq!(g.clusters.len(), planted.len() + 1);
    let members = |accounts: &[u32]| -> BTreeSet<String> {
        accounts
            .iter()
            .map(|&a| table.author_names[a as usize].clone())
            .collect()
    };
    let clusters: BTreeSet<BTreeSet<String>> =
        g.clusters.iter().map(|c| members(&c.accounts)).collect();
    let communities: BTreeSet<BTreeSet<String>> =
        g.communities.iter().map(|c| members(&c.accounts)).collect();
    assert_eq!(communities, clusters);
    for c in &g.communities {
        assert_eq!(c.density, 1.0, "a campaign's accounts are all tied: {c:?}");
    }
}

#[test]
fn a_weak_tie_joins_clusters_but_not_communities() {
    // Two groups of six accounts, each posting its own text together three times (every pair
    // tied both ways), and one account of each sharing one hashtag once: one component,
    // two communities, each with its text as the object all its members shared.
    let mut posts = Vec::new();
    for (g, text) in [
        "the dam upstream is failing tell everyone",
        "polls close early today in the north",
    ]
    .iter()
    .enumerate()
    {
        for round in 0..3 {
            for m in 0..6 {
                posts.push(Post {
                    author: format!("g{g}m{m}"),
                    time: 10_000 * (g as i64 * 3 + round) + m,
                    text: format!("{text} {round}"),
                    repost: false,
                });
            }
        }
    }
    for g in 0..2 {
        posts.push(Post {
            author: format!("g{g}m0"),
            time: 100_000 + g,
            text: format!("unrelated words {g} #bridge"),
            repost: false,
        });
    }
    let (table, g) = run(&posts, CoordParams::default());
    assert_eq!(g.clusters.len(), 1);
    assert_eq!(g.clusters[0].accounts.len(), 12);
    assert_eq!(g.communities.len(), 2, "{:?}", g.communities);
    for c in &g.communities {
        let names: BTreeSet<String> = c
            .accounts
            .iter()
            .map(|&a| table.author_names[a as usize][..2].to_string())
            .collect();
        assert_eq!(names.len(), 1, "a community mixes the groups: {names:?}");
        assert_eq!(c.cluster, 1);
        // Each member's three posts tie it to five others; the bridge adds no pair inside.
        assert_eq!(c.density, 1.0);
        assert_eq!(c.edges, 30);
        let (kind, _, accounts, posts) = c.dominant[0];
        assert!(matches!(kind, Kind::Text | Kind::Similar), "{kind:?}");
        assert_eq!((accounts, posts), (6, 6));
    }
    assert!(g.modularity > 0.4, "{}", g.modularity);
    // The same with another seed.
    let (_, again) = run(&posts, CoordParams::default().seed(7));
    assert_eq!(
        again
            .communities
            .iter()
            .map(|c| c.accounts.clone())
            .collect::<Vec<_>>(),
        g.communities
            .iter()
            .map(|c| c.accounts.clone())
            .collect::<Vec<_>>()
    );
}

/// Small random timelines where objects collide often.
fn random_timeline(seed: u64, n: usize) -> Vec<Post> {
    let mut rng = SplitMix64::new(seed);
    let texts = [
        "Vote early, vote often",
        "vote EARLY,   vote often @x",
        "the quick brown fox jumps over the lazy dog",
        "the quick brown fox jumps over the lazy cat",
        "the quick brown fox leaps over the lazy dog",
        "a b c",
        "see https://news.example.com/a and http://t.co/xyz",
        "more at https://news.example.com/a!",
        "http://t.co/xyz http://t.co/xyz twice",
    ];
    (0..n)
        .map(|_| {
            let mut text = texts[rng.below(texts.len())].to_string();
            if rng.below(4) == 0 {
                text = format!("RT @src: {text}");
            }
            Post {
                author: format!("a{}", rng.below(6)),
                time: rng.below(400) as i64,
                repost: text.starts_with("RT @"),
                text,
            }
        })
        .collect()
}

/// For each post p: the accounts B ≠ author(p) with a post q, |t_p − t_q| ≤ τ, such that
/// `shares(p, q)`; edges A→B weighted by the number of such p.
fn brute_force(
    posts: &[Post],
    shares: impl Fn(&Post, &Post) -> bool,
) -> BTreeMap<(String, String), u32> {
    let mut out = BTreeMap::new();
    for p in posts {
        let partners: BTreeSet<&str> = posts
            .iter()
            .filter(|q| q.author != p.author && (q.time - p.time).abs() <= TAU && shares(p, q))
            .map(|q| q.author.as_str())
            .collect();
        for b in partners {
            *out.entry((p.author.clone(), b.to_string())).or_insert(0) += 1;
        }
    }
    out
}

fn norm(t: &str) -> String {
    let mut s = String::new();
    objects::normalize_text(t, &mut s);
    s
}

fn token_set(t: &str) -> BTreeSet<String> {
    let n = norm(t);
    let mut out = BTreeSet::new();
    objects::word_tokens(&n, |w| {
        out.insert(w.to_string());
    });
    out
}

#[test]
fn text_link_and_repost_edges_equal_brute_force() {
    for seed in 0..20 {
        let posts = random_timeline(seed, 120);
        let (table, g) = run(&posts, CoordParams::default());
        let text = brute_force(&posts, |p, q| {
            !p.repost && !q.repost && !norm(&p.text).is_empty() && norm(&p.text) == norm(&q.text)
        });
        let link = brute_force(&posts, |p, q| {
            let (a, b): (BTreeSet<&str>, BTreeSet<&str>) = (
                objects::urls(&p.text).collect(),
                objects::urls(&q.text).collect(),
            );
            !p.repost && !q.repost && !a.is_disjoint(&b)
        });
        let repost = brute_force(&posts, |p, q| {
            p.repost && q.repost && objects::repost_body(&p.text) == objects::repost_body(&q.text)
        });
        assert!(!text.is_empty() && !link.is_empty() && !repost.is_empty());
        assert_eq!(
            edges_of(&table, &g, Kind::Text.index()),
            text,
            "seed {seed}"
        );
        assert_eq!(
            edges_of(&table, &g, Kind::Link.index()),
            link,
            "seed {seed}"
        );
        assert_eq!(
            edges_of(&table, &g, Kind::Repost.index()),
            repost,
            "seed {seed}"
        );
        // Per-post counts agree with the edges: each post counts its partner accounts.
        let by_post: u32 = g.post_counts.iter().map(|c| c[Kind::Text.index()]).sum();
        assert_eq!(by_post, text.values().sum::<u32>(), "seed {seed}");
    }
}

/// Rarity weights by brute force: for each post p of A and partner account B, the largest
/// 1 / (n − 1) over the objects p shares with a post of B within τ, n being the accounts that
/// used the object anywhere; summed per (A, B).
fn brute_rarity(
    posts: &[Post],
    objects_of: impl Fn(&Post) -> BTreeSet<String>,
) -> BTreeMap<(String, String), f64> {
    let mut users: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for p in posts {
        for o in objects_of(p) {
            users.entry(o).or_default().insert(&p.author);
        }
    }
    let mut out = BTreeMap::new();
    for p in posts {
        let mine = objects_of(p);
        let mut best: BTreeMap<&str, f64> = BTreeMap::new();
        for q in posts {
            if q.author == p.author || (q.time - p.time).abs() > TAU {
                continue;
            }
            for o in mine.intersection(&objects_of(q)) {
                let r = 1.0 / (users[o].len() - 1) as f64;
                let e = best.entry(&q.author).or_insert(0.0);
                *e = e.max(r);
            }
        }
        for (b, r) in best {
            *out.entry((p.author.clone(), b.to_string())).or_insert(0.0) += r;
        }
    }
    out
}

#[test]
fn rarity_weights_equal_brute_force() {
    for seed in 0..20 {
        let posts = random_timeline(seed, 120);
        let (table, g) = run(&posts, CoordParams::default());
        let links = |p: &Post| -> BTreeSet<String> {
            if p.repost {
                BTreeSet::new()
            } else {
                objects::urls(&p.text).map(str::to_string).collect()
            }
        };
        let texts = |p: &Post| -> BTreeSet<String> {
            let n = norm(&p.text);
            if p.repost || n.is_empty() {
                BTreeSet::new()
            } else {
                BTreeSet::from([n])
            }
        };
        for (kind, want) in [
            (Kind::Link, brute_rarity(&posts, links)),
            (Kind::Text, brute_rarity(&posts, texts)),
        ] {
            let got: BTreeMap<(String, String), f64> = g
                .edges
                .iter()
                .filter(|e| e.kind as usize == kind.index())
                .map(|e| {
                    let name = |i: u32| table.author_names[i as usize].clone();
                    ((name(e.a), name(e.b)), e.rarity_weight)
                })
                .collect();
            assert_eq!(
                got.keys().collect::<Vec<_>>(),
                want.keys().collect::<Vec<_>>(),
                "seed {seed}, {kind}"
            );
            for (k, w) in &want {
                assert!(
                    (got[k] - w).abs() < 1e-9,
                    "seed {seed}, {kind}, {k:?}: {} vs {w}",
                    got[k]
                );
            }
        }
        // A total edge weighs each post by the rarest object of any kind: no more than the
        // sum over kinds, no less than any one kind.
        for run in g.edges.chunk_by(|x, y| (x.a, x.b) == (y.a, y.b)) {
            let total = run.iter().find(|e| e.kind as usize == ANY).expect("total");
            let kinds: Vec<f64> = run
                .iter()
                .filter(|e| (e.kind as usize) < ANY)
                .map(|e| e.rarity_weight)
                .collect();
            assert!(total.rarity_weight <= kinds.iter().sum::<f64>() + 1e-9);
            assert!(kinds.iter().all(|&w| w <= total.rarity_weight + 1e-9));
        }
    }
}

#[test]
fn evidence_pairs_back_every_edge_up_to_the_cap() {
    for seed in 0..10 {
        let posts = random_timeline(seed, 120);
        let (table, ix, g, params) = run_all(&posts, CoordParams::default());
        for cap in [1, 3] {
            let pairs = post_pairs(&table, &ix, &g, &params, cap);
            // As many pairs as the edge's weight allows, up to the cap, for every kept edge.
            let mut per_edge: BTreeMap<(u32, u32, usize), usize> = BTreeMap::new();
            for x in &pairs {
                *per_edge.entry((x.a, x.b, x.kind.index())).or_default() += 1;
                let (pa, pb) = (&posts[x.post_a as usize], &posts[x.post_b as usize]);
                // Posts were given in order, so a post's index is its row.
                assert_eq!(table.author_names[x.a as usize], pa.author);
                assert_eq!(table.author_names[x.b as usize], pb.author);
                assert!((pa.time - pb.time).abs() <= TAU, "{x:?}");
                let shares = match x.kind {
                    Kind::Text => norm(&pa.text) == norm(&pb.text) && !pa.repost && !pb.repost,
                    Kind::Repost => {
                        objects::repost_body(&pa.text) == objects::repost_body(&pb.text)
                    }
                    Kind::Link => {
                        let a: BTreeSet<&str> = objects::urls(&pa.text).collect();
                        !a.is_disjoint(&objects::urls(&pb.text).collect())
                    }
                    Kind::Similar => {
                        let (a, b) = (token_set(&pa.text), token_set(&pb.text));
                        let inter = a.intersection(&b).count();
                        inter as f64 / (a.len() + b.len() - inter) as f64 >= 0.8
                    }
                    Kind::Domain | Kind::Hashtag => true,
                };
                assert!(shares, "seed {seed}: {x:?} {pa:?} {pb:?}");
            }
            for e in g.edges.iter().filter(|e| (e.kind as usize) < ANY) {
                let n = per_edge
                    .get(&(e.a, e.b, e.kind as usize))
                    .copied()
                    .unwrap_or(0);
                assert_eq!(
                    n,
                    (e.weight as usize).min(cap),
                    "seed {seed}, cap {cap}, {e:?}"
                );
            }
            assert_eq!(
                per_edge.len(),
                g.edges.iter().filter(|e| (e.kind as usize) < ANY).count()
            );
        }
        assert!(post_pairs(&table, &ix, &g, &params, 0).is_empty());
    }
}

#[test]
fn similar_misses_nothing_that_all_pairs_jaccard_finds() {
    for seed in 0..20 {
        let posts = random_timeline(100 + seed, 120);
        for t in [0.6, 0.8, 1.0] {
            let (table, g) = run(&posts, CoordParams::default().similarity(t));
            let want = brute_force(&posts, |p, q| {
                let (a, b) = (token_set(&p.text), token_set(&q.text));
                let inter = a.intersection(&b).count();
                let union = a.len() + b.len() - inter;
                !p.repost
                    && !q.repost
                    && a.len() >= 5
                    && b.len() >= 5
                    && inter as f64 / union as f64 >= t
            });
            assert!(!want.is_empty());
            assert_eq!(
                edges_of(&table, &g, Kind::Similar.index()),
                want,
                "seed {seed}, threshold {t}"
            );
        }
    }
}

#[test]
fn min_weight_drops_light_edges_and_their_clusters() {
    let posts = random_timeline(7, 150);
    let (table, all) = run(&posts, CoordParams::default());
    let (_, heavy) = run(&posts, CoordParams::default().min_weight(3));
    for kind in 0..=ANY {
        let want: BTreeMap<_, _> = edges_of(&table, &all, kind)
            .into_iter()
            .filter(|(_, w)| *w >= 3)
            .collect();
        assert_eq!(edges_of(&table, &heavy, kind), want, "kind {kind}");
    }
    assert_eq!(
        all.post_counts, heavy.post_counts,
        "per-post counts ignore min weight"
    );
}

/// Crowds: 30 accounts posting one hashtag within τ (each text otherwise its own), and 30
/// posting near-duplicates (ten shared words and one of their own: Jaccard 10/12).
fn crowds() -> Vec<Post> {
    let shared = "flood one two three four five six seven eight nine";
    (0..30)
        .flat_map(|i| {
            [
                Post {
                    author: format!("tag{i:02}"),
                    time: 5_000 + i,
                    text: format!("mine{i} only{i} #crowd"),
                    repost: false,
                },
                Post {
                    author: format!("dup{i:02}"),
                    time: 9_000 + i,
                    text: format!("{shared} own{i}"),
                    repost: false,
                },
            ]
        })
        .collect()
}

fn by_name(posts: &Posts, g: &Graph) -> Vec<BTreeMap<(String, String), u32>> {
    (0..=ANY).map(|k| edges_of(posts, g, k)).collect()
}

#[test]
fn objects_under_the_cap_give_the_same_pairs() {
    for seed in 0..10 {
        let plain = random_timeline(300 + seed, 150);
        let mut with_crowds = plain.clone();
        with_crowds.extend(crowds());
        SplitMix64::new(seed).shuffle(&mut with_crowds);
        let params = CoordParams::default().max_object_accounts(20);
        let (table, g) = run(&with_crowds, params.clone());
        let (plain_table, want) = run(&plain, CoordParams::default().max_object_accounts(0));
        assert_eq!(
            by_name(&table, &g),
            by_name(&plain_table, &want),
            "seed {seed}"
        );
        let names = |t: &Posts, g: &Graph| -> Vec<Vec<String>> {
            g.clusters
                .iter()
                .map(|c| {
                    c.accounts
                        .iter()
                        .map(|&a| t.author_names[a as usize].clone())
                        .collect()
                })
                .collect()
        };
        assert_eq!(names(&table, &g), names(&plain_table, &want));
        // Under the cap, the crowds are found like any other coordination.
        let (_, uncapped) = run(&with_crowds, params.max_object_accounts(30));
        let hashtag = edges_of(&table, &uncapped, Kind::Hashtag.index());
        assert_eq!(hashtag.len(), 30 * 29, "seed {seed}");
        let similar = edges_of(&table, &uncapped, Kind::Similar.index());
        assert!(similar.contains_key(&("dup00".into(), "dup29".into())));
    }
    // What was left out is reported: the hashtag with its accounts and posts, and the
    // near-duplicate posts.
    let mut posts = random_timeline(1, 100);
    posts.extend(crowds());
    let ids: Vec<String> = (0..posts.len()).map(|i| format!("p{i}")).collect();
    let params = CoordParams::default()
        .max_object_accounts(20)
        .check()
        .expect("valid");
    let rows = posts.iter().zip(&ids).map(|(p, id)| PostRow {
        id,
        author: &p.author,
        time: p.time,
        text: &p.text,
        repost: p.repost,
        urls: None,
    });
    let (table, objects) = Posts::with_objects(rows, &params.extract());
    let (ix, _) = analyze(&table, objects, &params);
    let capped = trollwatch::internals::output::capped_objects(&table, &ix);
    assert_eq!(capped.len(), 1, "{capped:?}");
    assert_eq!(
        (capped[0].kind, capped[0].object.as_str()),
        (Kind::Hashtag, "#crowd")
    );
    assert_eq!((capped[0].accounts, capped[0].posts), (30, 30));
    let similar = trollwatch::internals::output::capped_similar(&table, &ix).expect("similar");
    assert_eq!((similar.posts, similar.accounts), (30, 30));
    assert!(similar.example.starts_with("flood one two"), "{similar:?}");
}

/// A post is coordinated when one of its partners has a kept total edge: checked against
/// brute force at several minimum weights.
#[test]
fn coordinated_posts_follow_the_kept_edges() {
    for seed in 0..10 {
        let posts = random_timeline(500 + seed, 150);
        let shares = |p: &Post, q: &Post| {
            if p.repost || q.repost {
                p.repost
                    && q.repost
                    && objects::repost_body(&p.text) == objects::repost_body(&q.text)
            } else {
                !norm(&p.text).is_empty() && norm(&p.text) == norm(&q.text)
            }
        };
        let partners: Vec<BTreeSet<&str>> = posts
            .iter()
            .map(|p| {
                posts
                    .iter()
                    .filter(|q| {
                        q.author != p.author && (q.time - p.time).abs() <= TAU && shares(p, q)
                    })
                    .map(|q| q.author.as_str())
                    .collect()
            })
            .collect();
        let mut weight: BTreeMap<(&str, &str), u32> = BTreeMap::new();
        for (p, ps) in posts.iter().zip(&partners) {
            for b in ps {
                *weight.entry((p.author.as_str(), *b)).or_insert(0) += 1;
            }
        }
        for min_weight in 1..=4 {
            let params = CoordParams::default()
                .kinds(vec![Kind::Text, Kind::Repost])
                .min_weight(min_weight);
            let (table, g) = run(&posts, params);
            let mut want: BTreeMap<&str, u32> = BTreeMap::new();
            for (p, ps) in posts.iter().zip(&partners) {
                let kept = ps
                    .iter()
                    .any(|b| weight[&(p.author.as_str(), *b)] >= min_weight);
                *want.entry(p.author.as_str()).or_insert(0) += u32::from(kept);
            }
            for (a, name) in table.author_names.iter().enumerate() {
                assert_eq!(
                    g.accounts[a].coordinated_posts,
                    want[name.as_str()],
                    "seed {seed}, min weight {min_weight}, account {name}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------- the command

#[test]
fn command_writes_all_files_deterministically() {
    let wd = Workdir::new();
    wd.demo_csv("demo.csv", 3000, 42);
    let run_with = |threads: &str, out: &str| {
        let o = wd
            .cmd("trollwatch")
            .env("RAYON_NUM_THREADS", threads)
            .args(["coordination", "demo.csv", "--window", "1m", "--out", out])
            .output()
            .expect("run");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).expect("utf-8")
    };
    let summary = run_with("1", "one");
    run_with("2", "two");
    assert!(
        summary.contains("clusters of 2 or more accounts"),
        "{summary}"
    );
    for f in [
        "edges.csv",
        "evidence.csv",
        "clusters.csv",
        "communities.csv",
        "accounts.csv",
        "posts.csv",
        "graph.graphml",
        "summary.json",
    ] {
        let a = std::fs::read(wd.path("one").join(f)).expect(f);
        let b = std::fs::read(wd.path("two").join(f)).expect(f);
        assert!(a.len() > 100, "{f} is nearly empty");
        assert_eq!(a, b, "{f} differs between 1 and 2 threads");
    }
    let edges = std::fs::read_to_string(wd.path("one/edges.csv")).expect("edges");
    assert!(
        edges.starts_with("account_a,account_b,kind,weight,first_time,last_time,rarity_weight\n")
    );
    for kind in ["text", "similar", "link", "hashtag", "repost", "total"] {
        assert!(
            edges.contains(&format!(",{kind},")),
            "no {kind} edge in the demo"
        );
    }
    let posts = std::fs::read_to_string(wd.path("one/posts.csv")).expect("posts");
    assert_eq!(posts.lines().count(), 3001);
    let communities = std::fs::read_to_string(wd.path("one/communities.csv")).expect("communities");
    assert!(communities.starts_with(
        "community,size,edges,density,cluster,accounts,main_objects,first_time,last_time\n1,"
    ));
    assert!(
        summary.contains("communities of 2 or more accounts"),
        "{summary}"
    );
    let accounts = std::fs::read_to_string(wd.path("one/accounts.csv")).expect("accounts");
    assert!(accounts.starts_with(
        "account,posts,coordinated_posts,share_coordinated,degree,max_edge_weight,cluster,community\n"
    ));
    let graphml = std::fs::read_to_string(wd.path("one/graph.graphml")).expect("graphml");
    assert!(graphml.contains("<graphml") && graphml.contains("<edge source="));
}

#[test]
fn report_page_shows_the_communities_and_is_deterministic() {
    let wd = Workdir::new();
    wd.demo_csv("demo.csv", 3000, 42);
    let run_with = |threads: &str, dir: &str| {
        let o = wd
            .cmd("trollwatch")
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "coordination",
                "demo.csv",
                "--out",
                dir,
                "--report",
                dir,
                "-q",
            ])
            .output()
            .expect("run");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read_to_string(wd.path(dir).join("report.html")).expect("report.html")
    };
    let page = run_with("1", "one");
    assert_eq!(
        page,
        run_with("2", "two"),
        "report differs between 1 and 2 threads"
    );
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
    assert!(!page.contains("<script") && !page.contains("<img") && !page.contains("<link"));
    // Every community the page shows is one of communities.csv, with its size.
    let communities =
        std::fs::read_to_string(wd.path("one/communities.csv")).expect("communities.csv");
    let rows: Vec<Vec<String>> = communities
        .lines()
        .skip(1)
        .take(10)
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    assert!(!rows.is_empty(), "the demo has communities");
    for r in &rows {
        assert!(
            page.contains(&format!("<h2>Community {}: {} accounts</h2>", r[0], r[1])),
            "community {} of {} accounts is not on the page",
            r[0],
            r[1]
        );
    }
    assert_eq!(
        page.matches("<svg class=\"plot timeline\"").count(),
        rows.len()
    );
    // Kept edges by weight add up to the total edges of edges.csv.
    let edges = std::fs::read_to_string(wd.path("one/edges.csv")).expect("edges.csv");
    let total = edges.lines().filter(|l| l.contains(",total,")).count();
    let binned: usize = page
        .match_indices(" edges</title>")
        .map(|(at, _)| {
            let start = page[..at].rfind(": ").expect("count") + 2;
            page[start..at].parse::<usize>().expect("a count")
        })
        .sum();
    assert_eq!(
        binned, total,
        "the weight histogram holds every kept total edge"
    );
    // Nothing coordinated: the page says so rather than drawing empty plots.
    wd.write(
        "none.csv",
        "id,author,timestamp,text\n1,a,2020-01-01T00:00:00Z,hello <world>\n\
         2,b,2020-01-02T00:00:00Z,hello <world>\n",
    );
    wd.ok(&["coordination", "none.csv", "--report", "none", "-q"]);
    let empty = std::fs::read_to_string(wd.path("none/report.html")).expect("report.html");
    assert!(empty.contains("<strong>No</strong> community"));
    assert!(empty.contains("no kept edges"));
    assert!(!empty.contains("Community 1:"));
}

#[test]
fn demo_pairs_at_tau_and_past_it() {
    // The demo's campaigns c01 and c02 post one text at 0 s, 60 s (c01) or 61 s (c02), 240 s.
    let wd = Workdir::new();
    wd.demo_csv("demo.csv", 6000, 42);
    wd.ok(&[
        "coordination",
        "demo.csv",
        "--kinds",
        "text",
        "--out",
        "out",
    ]);
    let data = std::fs::read_to_string(wd.path("demo.csv")).expect("demo");
    let mut rd = csv::Reader::from_reader(data.as_bytes());
    let mut by_campaign: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for r in rd.records() {
        let r = r.expect("row");
        if r[6].is_empty() {
            continue;
        }
        by_campaign
            .entry(r[6].to_string())
            .or_default()
            .push((r[3].to_string(), r[4].to_string()));
    }
    let edges = std::fs::read_to_string(wd.path("out/edges.csv")).expect("edges");
    let has = |a: &str, b: &str, t: &str| {
        edges
            .lines()
            .any(|l| l.starts_with(&format!("{a},{b},text,")) && l.contains(t))
    };
    let c01 = &by_campaign["c01"];
    assert!(has(&c01[0].0, &c01[1].0, &c01[0].1), "60 s apart: an edge");
    assert!(has(&c01[1].0, &c01[0].0, &c01[1].1));
    let c02 = &by_campaign["c02"];
    assert!(!has(&c02[0].0, &c02[1].0, &c02[0].1), "61 s apart: none");
}

/// With no pair at all, every CSV output still has its header (and posts.csv a row a post).
#[test]
fn a_timeline_without_pairs_still_gets_headers() {
    let wd = Workdir::new();
    wd.write(
        "calm.csv",
        "id,author,timestamp,text\n1,amy,2020-01-01T00:00:00Z,hello world\n2,bob,2020-03-01T00:00:00Z,another thing\n",
    );
    wd.ok(&["coordination", "calm.csv", "-q", "--out", "out"]);
    let read = |f: &str| std::fs::read_to_string(wd.path("out").join(f)).expect(f);
    assert_eq!(
        read("evidence.csv"),
        "account_a,account_b,kind,object,post_a,time_a,post_b,time_b,delta_seconds,community\n"
    );
    assert_eq!(
        read("edges.csv"),
        "account_a,account_b,kind,weight,first_time,last_time,rarity_weight\n"
    );
    let posts = read("posts.csv");
    assert!(posts.starts_with("id,account,time,repost,"), "{posts}");
    assert_eq!(posts.lines().count(), 3, "{posts}");
}

#[test]
fn bad_rows_name_file_line_and_column() {
    let wd = Workdir::new();
    wd.write(
        "bad.csv",
        "id,text,author,timestamp\n1,hello there,amy,2016-09-01T10:00:00Z\n2,\"two\nlines\",bob,yesterday\n3,x,,2016-09-01T10:00:00Z\n4,ok,cat,1472724000\n",
    );
    wd.fails(
        &["coordination", "bad.csv"],
        2,
        &[
            "bad.csv, line 3",
            "\"timestamp\"",
            "yesterday",
            "--skip-bad-rows",
        ],
    );
    let err = wd.fails(
        &[
            "coordination",
            "bad.csv",
            "--skip-bad-rows",
            "--time-col",
            "nope",
        ],
        2,
        &[
            "no column named \"nope\"",
            "columns found: id, text, author, timestamp",
        ],
    );
    assert!(!err.contains("panicked"));
    let out = wd.run(&["coordination", "bad.csv", "--skip-bad-rows"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("1 empty author (first at line 5)")
            && stderr.contains("1 unparsable time (first at line 3)"),
        "{stderr}"
    );
    wd.fails(
        &["coordination", "bad.csv", "--similarity", "2"],
        2,
        &["similarity = 2"],
    );
    wd.fails(
        &["coordination", "bad.csv", "--kinds", "text,memes"],
        2,
        &["\"memes\""],
    );
    wd.fails(
        &["coordination", "bad.csv", "--window", "soon"],
        2,
        &["soon"],
    );
    wd.write(
        "crlf.csv",
        "id,text,author,timestamp\r\n1,a,amy,2016-09-01\r\n2,b,bob,2016-09-01\r\n3,c,cat,later\r\n",
    );
    wd.fails(&["coordination", "crlf.csv"], 2, &["crlf.csv, line 4"]);
}

/// The IRA timeline in ../shared/datasets (ignored unless asked for; .ci/run asks).
#[test]
#[ignore]
fn real_data_ira_coordination_is_sane() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/datasets/ira_english_posts.csv.gz");
    assert!(path.exists(), "{} not found", path.display());
    let wd = Workdir::new();
    let p = path.to_str().expect("utf-8 path");
    let started = std::time::Instant::now();
    wd.ok(&[
        "coordination",
        p,
        "--author-col",
        "author_id",
        "--repost-col",
        "post_type",
        "--repost-value",
        "R",
        "--window",
        "60s",
        "--min-weight",
        "1",
        "--out",
        "out",
        "-q",
    ]);
    let secs = started.elapsed().as_secs_f64();
    let edges = std::fs::read_to_string(wd.path("out/edges.csv")).expect("edges");
    let mut pairs: BTreeMap<&str, BTreeSet<(&str, &str)>> = BTreeMap::new();
    for l in edges.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        pairs
            .entry(f[2])
            .or_default()
            .insert((f[0].min(f[1]), f[0].max(f[1])));
    }
    let n = |k: &str| pairs.get(k).map_or(0, BTreeSet::len);
    eprintln!(
        "IRA coordination in {secs:.1} s: text {} similar {} link {} repost {} total {} pairs",
        n("text"),
        n("similar"),
        n("link"),
        n("repost"),
        n("total")
    );
    // coordination-network-toolkit 1.5.2 finds 1,249 co_tweet, 298 co_link and 7,044
    // co_retweet pairs on this file (see the README); ours must be of that order.
    assert!((1_000..1_500).contains(&n("text")), "{}", n("text"));
    assert!((150..400).contains(&n("link")), "{}", n("link"));
    assert!((6_000..8_500).contains(&n("repost")), "{}", n("repost"));
    assert!(n("similar") >= n("text"));
}

/// 5,000 accounts post one hashtag within one minute: 25 million directed pairs. The hashtag
/// is left out and reported, and the run stays small and quick.
#[test]
fn a_hashtag_of_five_thousand_accounts_is_capped_and_reported() {
    let wd = Workdir::new();
    let mut csv = String::from("id,author,timestamp,text\n");
    for i in 0..5000 {
        csv.push_str(&format!(
            "{i},acct{i:05},2016-09-01T13:05:{:02}Z,words{i} of account {i} #breaking\n",
            i % 60
        ));
    }
    wd.write("hub.csv", csv);
    let started = std::time::Instant::now();
    let out = wd.ok(&["coordination", "hub.csv", "--out", "out", "-q"]);
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    assert!(
        out.contains("left out: 1 object used by more than 1000 accounts"),
        "{out}"
    );
    assert!(
        out.contains("hashtag:#breaking  5000 accounts, 5000 posts"),
        "{out}"
    );
    let edges = std::fs::read_to_string(wd.path("out/edges.csv")).expect("edges");
    assert_eq!(edges.lines().count(), 1, "only the header");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(wd.path("out/summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(summary["max_object_accounts"], 1000);
    let capped = &summary["capped_objects"];
    assert_eq!(capped.as_array().map(Vec::len), Some(1), "{summary}");
    assert_eq!(capped[0]["kind"], "hashtag");
    assert_eq!(capped[0]["object"], "#breaking");
    assert_eq!(capped[0]["accounts"], 5000);
    // Over the limit's default, the same accounts are coordinated.
    let out = wd.ok(&[
        "coordination",
        "hub.csv",
        "--max-object-accounts",
        "5000",
        "--kinds",
        "hashtag",
        "-q",
    ]);
    assert!(!out.contains("left out"), "{out}");
    assert!(
        out.contains("hashtag                 5000       24995000"),
        "{out}"
    );
    wd.fails(
        &["coordination", "hub.csv", "--max-object-accounts", "1"],
        2,
        &["max-object-accounts", "at least 2"],
    );
}
