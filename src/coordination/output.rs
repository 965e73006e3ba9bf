//! Writing what was found: edges.csv, clusters.csv, communities.csv, accounts.csv, posts.csv,
//! graph.graphml
//! (for Gephi) and summary.json, swapped in as one set, and the summary for the terminal.
//! Rows are sorted by account name and post order, so the same input gives byte-identical
//! files.

use std::fmt::Write as _;
use std::path::Path;

use super::graph::{Community, Edge, Graph, Indexes};
use super::input::Posts;
use super::{CoordValidParams, Kind, ANY, KINDS};
use crate::error::{Error, Result};
use crate::util::csv_field::push as push_field;
use crate::util::outdir::Sink;
use crate::util::time::format as iso;

/// The names of the files written into the output folder.
pub const FILES: [&str; 8] = [
    "edges.csv",
    "evidence.csv",
    "clusters.csv",
    "communities.csv",
    "accounts.csv",
    "posts.csv",
    "graph.graphml",
    "summary.json",
];

/// The object a dominant key names, as `kind:value` (shortened to 80 characters).
pub fn object_label(posts: &Posts, ix: &Indexes, kind: Kind, group: u32) -> String {
    let Some(idx) = &ix.keyed[kind.index()] else {
        return kind.name().to_string();
    };
    let g = idx.groups[group as usize];
    label_of(posts, kind, g.key, g.example_post as usize)
}

/// `kind:value` of the object `key` of post `p` (shortened to 80 characters).
fn label_of(posts: &Posts, kind: Kind, key: super::objects::Key, p: usize) -> String {
    label_in(&posts.text(p), posts.url_field(p), kind, key)
}

/// `kind:value` of the object `key` of a post with text `text` and URL column value `url`.
fn label_in(text: &str, url: Option<&str>, kind: Kind, key: super::objects::Key) -> String {
    let value = super::objects::describe(kind, text, url, key).unwrap_or_default();
    let mut short: String = value.chars().take(80).collect();
    if short.len() < value.len() {
        short.push('…');
    }
    format!("{}:{}", kind.name(), short)
}

fn csv_bytes(
    path: &str,
    f: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> csv::Result<()>,
) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: String| Error::io(path, std::io::Error::other(e));
    f(&mut w).map_err(|e| fail(e.to_string()))?;
    w.into_inner().map_err(|e| fail(e.to_string()))
}

/// Runs formatted in parallel a batch at a time ([`JOINED_RUNS`] runs), written in order
/// after the CSV header: `batch(runs)` formats the runs in that range of `0..n_runs`. Only
/// one batch of formatted runs is held at a time, never the whole file.
fn csv_in_runs(
    sink: &mut Sink,
    path: &str,
    header: &[&str],
    n_runs: usize,
    batch: impl Fn(std::ops::Range<usize>) -> Vec<Result<Vec<u8>>>,
) -> Result<()> {
    sink.put(&csv_bytes(path, |w| w.write_record(header))?)?;
    for from in (0..n_runs).step_by(JOINED_RUNS) {
        for run in batch(from..(from + JOINED_RUNS).min(n_runs)) {
            sink.put(&run?)?;
        }
    }
    Ok(())
}

/// [`csv_in_runs`] of `rows`, [`ROWS_A_RUN`] to a run, each run formatted by `format_run`.
fn csv_of_rows<T: Sync>(
    sink: &mut Sink,
    path: &str,
    header: &[&str],
    rows: &[T],
    format_run: impl Fn(&[T]) -> Result<Vec<u8>> + Sync,
) -> Result<()> {
    use rayon::prelude::*;
    let n_runs = rows.len().div_ceil(ROWS_A_RUN);
    csv_in_runs(sink, path, header, n_runs, |runs| {
        let of = &rows[runs.start * ROWS_A_RUN..(runs.end * ROWS_A_RUN).min(rows.len())];
        of.par_chunks(ROWS_A_RUN).map(&format_run).collect()
    })
}

/// Rows a run of [`csv_of_rows`].
const ROWS_A_RUN: usize = 1 << 13;

/// What `fill` writes, as bytes in memory (`name` names the file in errors).
fn in_memory(name: &str, fill: impl FnOnce(&mut Sink) -> Result<()>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    fill(&mut Sink::new(&mut out, name))?;
    Ok(out)
}

/// Runs formatted in parallel before they are appended (see [`csv_in_runs`]).
const JOINED_RUNS: usize = 64;

/// edges.csv into `sink`, formatted in parallel runs of edges.
fn write_edges_csv(sink: &mut Sink, posts: &Posts, g: &Graph) -> Result<()> {
    let header = [
        "account_a",
        "account_b",
        "kind",
        "weight",
        "first_time",
        "last_time",
        "rarity_weight",
    ];
    let format_run = |run: &[Edge]| {
        csv_bytes("edges.csv", |w| {
            for e in run {
                w.write_record([
                    posts.author_names[e.a as usize].as_str(),
                    &posts.author_names[e.b as usize],
                    e.kind_name(),
                    &e.weight.to_string(),
                    &iso(e.first),
                    &iso(e.last),
                    &format!("{:.6}", e.rarity_weight),
                ])?;
            }
            Ok(())
        })
    };
    csv_of_rows(sink, "edges.csv", &header, &g.edges, format_run)
}

pub fn clusters_csv(posts: &Posts, ix: &Indexes, g: &Graph) -> Result<Vec<u8>> {
    csv_bytes("clusters.csv", |w| {
        w.write_record([
            "cluster",
            "size",
            "edges",
            "accounts",
            "dominant_objects",
            "first_time",
            "last_time",
        ])?;
        for c in &g.clusters {
            let accounts: Vec<&str> = c
                .accounts
                .iter()
                .map(|&a| posts.author_names[a as usize].as_str())
                .collect();
            let dominant: Vec<String> = c
                .dominant
                .iter()
                .map(|&(k, grp, n)| format!("{} ({n} posts)", object_label(posts, ix, k, grp)))
                .collect();
            w.write_record([
                c.id.to_string(),
                c.accounts.len().to_string(),
                c.edges.to_string(),
                accounts.join(" "),
                dominant.join(" | "),
                iso(c.first),
                iso(c.last),
            ])?;
        }
        Ok(())
    })
}

/// `kind:value (M accounts, P posts)` for each of a community's main objects.
pub fn shared_labels(posts: &Posts, ix: &Indexes, c: &Community) -> Vec<String> {
    c.dominant
        .iter()
        .map(|&(k, grp, members, n)| {
            format!(
                "{} ({members} accounts, {n} posts)",
                object_label(posts, ix, k, grp)
            )
        })
        .collect()
}

pub fn communities_csv(posts: &Posts, ix: &Indexes, g: &Graph) -> Result<Vec<u8>> {
    csv_bytes("communities.csv", |w| {
        w.write_record([
            "community",
            "size",
            "edges",
            "density",
            "cluster",
            "accounts",
            "main_objects",
            "first_time",
            "last_time",
        ])?;
        for c in &g.communities {
            let accounts: Vec<&str> = c
                .accounts
                .iter()
                .map(|&a| posts.author_names[a as usize].as_str())
                .collect();
            w.write_record([
                c.id.to_string(),
                c.accounts.len().to_string(),
                c.edges.to_string(),
                format!("{:.4}", c.density),
                c.cluster.to_string(),
                accounts.join(" "),
                shared_labels(posts, ix, c).join(" | "),
                iso(c.first),
                iso(c.last),
            ])?;
        }
        Ok(())
    })
}

/// evidence.csv: the post pairs behind each kept per-kind edge (see `coordination::evidence`),
/// with the community both accounts are in, if one, into `sink`. Rows are formatted in
/// parallel runs of pairs, written a batch at a time.
fn write_evidence_csv(
    sink: &mut Sink,
    posts: &Posts,
    ix: &Indexes,
    g: &Graph,
    pairs: &[super::evidence::PostPair],
) -> Result<()> {
    let example = |kind: Kind, grp: u32| {
        ix.keyed[kind.index()]
            .as_ref()
            .map(|idx| idx.groups[grp as usize])
    };
    // The posts whose texts name the objects, and the posts' ids, decompressed together.
    let (texts, ids) = rayon::join(
        || {
            posts.texts.fetch(pairs.iter().map(|x| match x.group {
                Some(grp) => example(x.kind, grp).map_or(0, |g| g.example_post),
                None => x.post_b,
            }))
        },
        || {
            posts
                .ids
                .fetch(pairs.iter().flat_map(|x| [x.post_a, x.post_b]))
        },
    );
    let object = |x: &super::evidence::PostPair| match x.group {
        Some(grp) => match example(x.kind, grp) {
            Some(g) => {
                let p = g.example_post;
                let text = texts.get(p).unwrap_or_default();
                label_in(text, posts.url_field(p as usize), x.kind, g.key)
            }
            None => x.kind.name().to_string(),
        },
        None => {
            let text = texts.get(x.post_b).unwrap_or_default();
            let mut short: String = text.chars().take(80).collect();
            if short.len() < text.len() {
                short.push('…');
            }
            format!("similar:{short}")
        }
    };
    let format_run = |run: &[super::evidence::PostPair]| {
        csv_bytes("evidence.csv", |w| {
            // Consecutive pairs of one object share its label.
            let mut label: Option<(Kind, Option<u32>, u32, String)> = None;
            let (mut time_a, mut time_b) = (Vec::new(), Vec::new());
            let mut digits = [0u8; 10];
            let mut delta = String::new();
            for x in run {
                let same = label.as_ref().is_some_and(|(k, grp, p, _)| {
                    *k == x.kind && *grp == x.group && (grp.is_some() || *p == x.post_b)
                });
                if !same {
                    label = Some((x.kind, x.group, x.post_b, object(x)));
                }
                let shown = label.as_ref().map_or("", |l| l.3.as_str());
                let (ta, tb) = (
                    posts.times[x.post_a as usize],
                    posts.times[x.post_b as usize],
                );
                crate::util::time::format_into(ta, &mut time_a);
                crate::util::time::format_into(tb, &mut time_b);
                delta.clear();
                let _ = write!(delta, "{}", tb - ta);
                let (ca, cb) = (
                    g.accounts[x.a as usize].community,
                    g.accounts[x.b as usize].community,
                );
                let community: &[u8] = if ca > 0 && ca == cb {
                    num(ca, &mut digits)
                } else {
                    b""
                };
                w.write_record([
                    posts.author_names[x.a as usize].as_bytes(),
                    posts.author_names[x.b as usize].as_bytes(),
                    x.kind.name().as_bytes(),
                    shown.as_bytes(),
                    ids.get(x.post_a).unwrap_or_default().as_bytes(),
                    &time_a,
                    ids.get(x.post_b).unwrap_or_default().as_bytes(),
                    &time_b,
                    delta.as_bytes(),
                    community,
                ])?;
            }
            Ok(())
        })
    };
    let header = [
        "account_a",
        "account_b",
        "kind",
        "object",
        "post_a",
        "time_a",
        "post_b",
        "time_b",
        "delta_seconds",
        "community",
    ];
    csv_of_rows(sink, "evidence.csv", &header, pairs, format_run)
}

pub fn accounts_csv(posts: &Posts, g: &Graph) -> Result<Vec<u8>> {
    csv_bytes("accounts.csv", |w| {
        w.write_record([
            "account",
            "posts",
            "coordinated_posts",
            "share_coordinated",
            "degree",
            "max_edge_weight",
            "cluster",
            "community",
        ])?;
        for (a, s) in g.accounts.iter().enumerate() {
            let share = if s.posts == 0 {
                0.0
            } else {
                f64::from(s.coordinated_posts) / f64::from(s.posts)
            };
            w.write_record([
                posts.author_names[a].clone(),
                s.posts.to_string(),
                s.coordinated_posts.to_string(),
                format!("{share:.4}"),
                s.degree.to_string(),
                s.max_weight.to_string(),
                if s.cluster == 0 {
                    String::new()
                } else {
                    s.cluster.to_string()
                },
                if s.community == 0 {
                    String::new()
                } else {
                    s.community.to_string()
                },
            ])?;
        }
        Ok(())
    })
}

/// The per-post columns: for each kind, how many distinct other accounts shared an object of
/// that kind with the post inside τ (empty when the kind was not computed); `any` over kinds.
pub const POST_COLUMNS: [&str; 7] = [
    "co_text",
    "co_similar",
    "co_link",
    "co_domain",
    "co_hashtag",
    "co_repost",
    "co_any",
];

/// Decimal digits of `n` in `buf`.
fn num(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

/// posts.csv into `sink`, a run of posts a block of ids.
fn write_posts_csv(
    sink: &mut Sink,
    posts: &Posts,
    g: &Graph,
    params: &CoordValidParams,
) -> Result<()> {
    let mut header: Vec<&str> = vec!["id", "account", "time", "repost"];
    header.extend(POST_COLUMNS);
    // A run of posts a block of ids, each block decompressed once.
    // One row a post, written straight into the run's bytes (the csv writer's work a field
    // took about half of this file's instructions).
    let format_run = |first: usize, ids: &[&str]| -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(64 * ids.len());
        let (mut time, mut last_t) = (Vec::new(), None);
        let mut digits = [0u8; 10];
        let rows = first..first + ids.len();
        for ((i, counts), id) in rows.clone().zip(g.post_counts.range(rows)).zip(ids) {
            push_field(&mut out, id.as_bytes());
            out.push(b',');
            push_field(
                &mut out,
                posts.author_names[posts.authors[i] as usize].as_bytes(),
            );
            out.push(b',');
            if last_t != Some(posts.times[i]) {
                crate::util::time::format_into(posts.times[i], &mut time);
                last_t = Some(posts.times[i]);
            }
            push_field(&mut out, &time);
            out.extend_from_slice(if posts.reposts[i] { b",1" } else { b",0" });
            for k in KINDS {
                out.push(b',');
                if params.has(k) {
                    out.extend_from_slice(num(counts[k.index()], &mut digits));
                }
            }
            out.push(b',');
            out.extend_from_slice(num(counts[ANY], &mut digits));
            out.push(b'\n');
        }
        Ok(out)
    };
    csv_in_runs(sink, "posts.csv", &header, posts.ids.run_count(), |runs| {
        posts.ids.map_runs(runs, format_run)
    })
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// graph.graphml: the kept total edges (directed, with per-kind weights) and the accounts on
/// them, into `sink`, a megabyte or so at a time.
fn write_graphml(sink: &mut Sink, posts: &Posts, g: &Graph) -> Result<()> {
    // Written out, and emptied, once it holds a megabyte.
    let flush_full = |s: &mut String, sink: &mut Sink| -> Result<()> {
        if s.len() >= 1 << 20 {
            sink.put(s.as_bytes())?;
            s.clear();
        }
        Ok(())
    };
    let mut s = String::new();
    s.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n\
         \x20 <key id=\"label\" for=\"node\" attr.name=\"label\" attr.type=\"string\"/>\n\
         \x20 <key id=\"posts\" for=\"node\" attr.name=\"posts\" attr.type=\"int\"/>\n\
         \x20 <key id=\"coordinated_posts\" for=\"node\" attr.name=\"coordinated_posts\" attr.type=\"int\"/>\n\
         \x20 <key id=\"cluster\" for=\"node\" attr.name=\"cluster\" attr.type=\"int\"/>\n\
         \x20 <key id=\"community\" for=\"node\" attr.name=\"community\" attr.type=\"int\"/>\n\
         \x20 <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"int\"/>\n",
    );
    for k in KINDS {
        let _ = writeln!(
            s,
            "  <key id=\"w_{0}\" for=\"edge\" attr.name=\"{0}\" attr.type=\"int\"/>",
            k.name()
        );
    }
    s.push_str("  <graph id=\"coordination\" edgedefault=\"directed\">\n");
    for (a, st) in g.accounts.iter().enumerate() {
        if st.degree == 0 {
            continue;
        }
        let _ = writeln!(
            s,
            "    <node id=\"n{a}\"><data key=\"label\">{}</data><data key=\"posts\">{}</data>\
             <data key=\"coordinated_posts\">{}</data><data key=\"cluster\">{}</data>\
             <data key=\"community\">{}</data></node>",
            xml_escape(&posts.author_names[a]),
            st.posts,
            st.coordinated_posts,
            st.cluster,
            st.community
        );
        flush_full(&mut s, sink)?;
    }
    for run in g.edges.chunk_by(|x, y| (x.a, x.b) == (y.a, y.b)) {
        let Some(total) = run.iter().find(|e| e.kind as usize == ANY) else {
            continue;
        };
        let _ = write!(
            s,
            "    <edge source=\"n{}\" target=\"n{}\"><data key=\"weight\">{}</data>",
            total.a, total.b, total.weight
        );
        for e in run.iter().filter(|e| (e.kind as usize) < ANY) {
            let _ = write!(s, "<data key=\"w_{}\">{}</data>", e.kind_name(), e.weight);
        }
        s.push_str("</edge>\n");
        flush_full(&mut s, sink)?;
    }
    s.push_str("  </graph>\n</graphml>\n");
    sink.put(s.as_bytes())
}

/// Writes one output file into its sink.
type MakeFile<'a> = &'a (dyn Fn(&mut Sink) -> Result<()> + Sync);

/// Writes the output files into `dir` (created if missing), swapped in as one set (see
/// `util::outdir::Staging`). The large files go out a batch at a time as they are formatted.
pub fn write_all(
    dir: &Path,
    posts: &Posts,
    ix: &Indexes,
    g: &Graph,
    params: &CoordValidParams,
    pairs_per_edge: usize,
) -> Result<()> {
    let staging = crate::util::outdir::Staging::new(dir, &FILES)?;
    with_files(posts, ix, g, params, pairs_per_edge, |jobs| {
        each_file(jobs, |name, make| staging.write_with(name, make))
    })?;
    staging.commit()
}

/// The files of [`write_all`] as bytes, by name, in [`FILES`] order, for callers that keep
/// them in memory.
pub fn render_all(
    posts: &Posts,
    ix: &Indexes,
    g: &Graph,
    params: &CoordValidParams,
    pairs_per_edge: usize,
) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let mut files = with_files(posts, ix, g, params, pairs_per_edge, |jobs| {
        each_file(jobs, |name, make| Ok((name, in_memory(name, make)?)))
    })?;
    files.sort_by_key(|(name, _)| FILES.iter().position(|f| f == name));
    Ok(files)
}

/// `each` of the jobs, the first (the longest: evidence.csv, whose pairs are found inside its
/// own job) beside all the others, which run in parallel among themselves.
fn each_file<R: Send>(
    jobs: &[(&'static str, MakeFile)],
    each: impl Fn(&'static str, MakeFile) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    use rayon::prelude::*;
    let Some(((first, make), rest)) = jobs.split_first() else {
        return Ok(Vec::new());
    };
    let (first, rest) = rayon::join(
        || each(first, *make),
        || {
            rest.par_iter()
                .map(|(name, make)| each(name, *make))
                .collect::<Result<Vec<R>>>()
        },
    );
    let mut all = vec![first?];
    all.extend(rest?);
    Ok(all)
}

/// Calls `f` with a job making each output file, evidence.csv first (see [`each_file`]).
/// Formatted (and written, each with its fsync) in parallel.
fn with_files<R>(
    posts: &Posts,
    ix: &Indexes,
    g: &Graph,
    params: &CoordValidParams,
    pairs_per_edge: usize,
    f: impl FnOnce(&[(&'static str, MakeFile)]) -> R,
) -> R {
    let jobs: [(&'static str, MakeFile); 8] = [
        ("evidence.csv", &|sink| {
            let pairs = super::evidence::post_pairs(posts, ix, g, params, pairs_per_edge);
            write_evidence_csv(sink, posts, ix, g, &pairs)
        }),
        ("posts.csv", &|sink| write_posts_csv(sink, posts, g, params)),
        ("edges.csv", &|sink| write_edges_csv(sink, posts, g)),
        ("clusters.csv", &|sink| {
            sink.put(&clusters_csv(posts, ix, g)?)
        }),
        ("communities.csv", &|sink| {
            sink.put(&communities_csv(posts, ix, g)?)
        }),
        ("accounts.csv", &|sink| sink.put(&accounts_csv(posts, g)?)),
        ("graph.graphml", &|sink| write_graphml(sink, posts, g)),
        ("summary.json", &|sink| {
            sink.put(&summary_json(posts, ix, g, params)?)
        }),
    ];
    f(&jobs)
}

/// Undirected account pairs with a kept edge of `kind` (index as [`KINDS`], 6 = total).
pub fn undirected_pairs(edges: &[Edge], kind: usize) -> usize {
    let mut pairs: Vec<(u32, u32)> = edges
        .iter()
        .filter(|e| e.kind as usize == kind)
        .map(|e| (e.a.min(e.b), e.a.max(e.b)))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs.len()
}

/// An object left out because more accounts than `--max-object-accounts` used it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CappedObject {
    #[serde(serialize_with = "kind_name")]
    pub kind: Kind,
    /// The object, shortened to 80 characters.
    pub object: String,
    pub accounts: u32,
    pub posts: u32,
}

fn kind_name<S: serde::Serializer>(k: &Kind, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(k.name())
}

/// `similar` posts left out for having near-duplicates from more accounts than the limit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CappedSimilar {
    pub posts: usize,
    /// Accounts of those posts.
    pub accounts: usize,
    /// The normalized text of the first of them (shortened to 80 characters).
    pub example: String,
}

/// Objects left out for their many accounts: by kind, then most accounts, most posts, and
/// the time of their first post.
pub fn capped_objects(posts: &Posts, ix: &Indexes) -> Vec<CappedObject> {
    let mut out = Vec::new();
    for kind in KINDS {
        let Some(idx) = &ix.keyed[kind.index()] else {
            continue;
        };
        let mut capped = idx.capped.clone();
        capped.sort_by_key(|c| (std::cmp::Reverse((c.accounts, c.posts)), c.example_post));
        out.extend(capped.iter().map(|c| {
            CappedObject {
                kind,
                object: label_of(posts, kind, c.key, c.example_post as usize)
                    [kind.name().len() + 1..]
                    .to_string(),
                accounts: c.accounts,
                posts: c.posts,
            }
        }));
    }
    out
}

/// The `similar` posts left out, if any.
pub fn capped_similar(posts: &Posts, ix: &Indexes) -> Option<CappedSimilar> {
    let list = &ix.similar.as_ref()?.capped_posts;
    let &first = list.first()?;
    let mut accounts: Vec<u32> = list.iter().map(|&p| posts.authors[p as usize]).collect();
    accounts.sort_unstable();
    accounts.dedup();
    let label = label_of(posts, Kind::Similar, 0, first as usize);
    Some(CappedSimilar {
        posts: list.len(),
        accounts: accounts.len(),
        example: label["similar:".len()..].to_string(),
    })
}

/// Per kind (and `total`): posts with a partner, kept directed edges, account pairs.
pub fn kind_rows(g: &Graph, params: &CoordValidParams) -> Vec<(&'static str, usize, usize, usize)> {
    let mut kinds: Vec<(&'static str, usize)> =
        params.kinds.iter().map(|k| (k.name(), k.index())).collect();
    kinds.push(("total", ANY));
    kinds
        .into_iter()
        .map(|(name, k)| {
            let with = g.post_counts.count_with(k);
            let edges = g.edges.iter().filter(|e| e.kind as usize == k).count();
            (name, with, edges, undirected_pairs(&g.edges, k))
        })
        .collect()
}

/// summary.json: the settings, the terminal summary's counts, and what was left out for its
/// many accounts.
pub fn summary_json(
    posts: &Posts,
    ix: &Indexes,
    g: &Graph,
    params: &CoordValidParams,
) -> Result<Vec<u8>> {
    #[derive(serde::Serialize)]
    struct KindRow {
        kind: &'static str,
        posts_with_partner: usize,
        edges: usize,
        account_pairs: usize,
    }
    #[derive(serde::Serialize)]
    struct CommunityRow {
        community: u32,
        accounts: usize,
        density: f64,
        main_objects: Vec<String>,
    }
    #[derive(serde::Serialize)]
    struct Summary {
        posts: usize,
        reposts: usize,
        accounts: usize,
        window_seconds: i64,
        kinds: Vec<&'static str>,
        similarity: f64,
        min_tokens: usize,
        min_weight: u32,
        /// `null`: no limit.
        max_object_accounts: Option<u32>,
        networks: Vec<KindRow>,
        clusters: usize,
        accounts_in_clusters: usize,
        community_resolution: f64,
        community_seed: u64,
        community_weights: super::CommunityWeights,
        community_quality: super::community::Quality,
        communities: usize,
        accounts_in_communities: usize,
        modularity: f64,
        largest_communities: Vec<CommunityRow>,
        capped_objects: Vec<CappedObject>,
        capped_similar: Option<CappedSimilar>,
    }
    let summary = Summary {
        posts: posts.len(),
        reposts: posts.reposts.iter().filter(|&&r| r).count(),
        accounts: posts.author_names.len(),
        window_seconds: params.window,
        kinds: params.kinds.iter().map(|k| k.name()).collect(),
        similarity: params.similarity,
        min_tokens: params.min_tokens,
        min_weight: params.min_weight,
        max_object_accounts: (params.max_object_accounts != u32::MAX)
            .then_some(params.max_object_accounts),
        networks: kind_rows(g, params)
            .into_iter()
            .map(|(kind, with, edges, pairs)| KindRow {
                kind,
                posts_with_partner: with,
                edges,
                account_pairs: pairs,
            })
            .collect(),
        clusters: g.clusters.len(),
        accounts_in_clusters: g.clusters.iter().map(|c| c.accounts.len()).sum(),
        community_resolution: params.resolution,
        community_seed: params.seed,
        community_weights: params.community_weights,
        community_quality: params.quality,
        communities: g.communities.len(),
        accounts_in_communities: g.communities.iter().map(|c| c.accounts.len()).sum(),
        modularity: (g.modularity * 1e6).round() / 1e6,
        largest_communities: g
            .communities
            .iter()
            .take(COMMUNITIES_SHOWN)
            .map(|c| CommunityRow {
                community: c.id,
                accounts: c.accounts.len(),
                density: (c.density * 1e4).round() / 1e4,
                main_objects: shared_labels(posts, ix, c),
            })
            .collect(),
        capped_objects: capped_objects(posts, ix),
        capped_similar: params
            .has(Kind::Similar)
            .then(|| capped_similar(posts, ix))
            .flatten(),
    };
    let mut out = serde_json::to_vec_pretty(&summary)
        .map_err(|e| Error::io("summary.json", std::io::Error::other(e.to_string())))?;
    out.push(b'\n');
    Ok(out)
}

/// How many communities the summaries list.
const COMMUNITIES_SHOWN: usize = 10;

/// How many capped objects the terminal summary lists.
const CAPPED_SHOWN: usize = 10;

/// The terminal summary.
pub fn summary(posts: &Posts, ix: &Indexes, g: &Graph, params: &CoordValidParams) -> String {
    let mut s = String::new();
    let reposts = posts.reposts.iter().filter(|&&r| r).count();
    let _ = writeln!(
        s,
        "{} posts ({} reposts) by {} accounts; window ±{} s, min weight {}",
        posts.len(),
        reposts,
        posts.author_names.len(),
        params.window,
        params.min_weight
    );
    let _ = writeln!(
        s,
        "{:<9} {:>18} {:>14} {:>14}",
        "kind", "posts w/ partner", "edges (A→B)", "account pairs"
    );
    for (name, with, edges, pairs) in kind_rows(g, params) {
        let _ = writeln!(s, "{name:<9} {with:>18} {edges:>14} {pairs:>14}");
    }
    let capped = capped_objects(posts, ix);
    if !capped.is_empty() {
        let _ = writeln!(
            s,
            "left out: {} object{} used by more than {} accounts (--max-object-accounts):",
            capped.len(),
            if capped.len() == 1 { "" } else { "s" },
            params.max_object_accounts
        );
        for c in capped.iter().take(CAPPED_SHOWN) {
            let _ = writeln!(
                s,
                "  {}:{}  {} accounts, {} posts",
                c.kind, c.object, c.accounts, c.posts
            );
        }
        if capped.len() > CAPPED_SHOWN {
            let _ = writeln!(
                s,
                "  … and {} more (all in summary.json with --out)",
                capped.len() - CAPPED_SHOWN
            );
        }
    }
    if let Some(c) = capped_similar(posts, ix) {
        let _ = writeln!(
            s,
            "left out of similar: {} posts (of {} accounts) with near-duplicates from more than \
             {} accounts within the window (--max-object-accounts), such as {:?}",
            c.posts, c.accounts, params.max_object_accounts, c.example
        );
    }
    let in_clusters: usize = g.clusters.iter().map(|c| c.accounts.len()).sum();
    let _ = writeln!(
        s,
        "{} clusters of 2 or more accounts ({} accounts in them); largest:",
        g.clusters.len(),
        in_clusters
    );
    for c in g.clusters.iter().take(5) {
        let top = c
            .dominant
            .first()
            .map(|&(k, grp, n)| format!("{} ({n} posts)", object_label(posts, ix, k, grp)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  #{:<3} {:>4} accounts {:>6} edges  {} – {}  {}",
            c.id,
            c.accounts.len(),
            c.edges,
            iso(c.first),
            iso(c.last),
            top
        );
    }
    let in_communities: usize = g.communities.iter().map(|c| c.accounts.len()).sum();
    let _ = writeln!(
        s,
        "{} communities of 2 or more accounts ({} accounts in them; Leiden, {} at resolution \
         {} on {} weights; modularity {:.4}); largest, with the object most members shared:",
        g.communities.len(),
        in_communities,
        params.quality.name(),
        params.resolution,
        params.community_weights.name(),
        g.modularity
    );
    for c in g.communities.iter().take(COMMUNITIES_SHOWN) {
        let top = c
            .dominant
            .first()
            .map(|&(k, grp, members, n)| {
                format!(
                    "{} ({members} of {} accounts, {n} posts)",
                    object_label(posts, ix, k, grp),
                    c.accounts.len()
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "  #{:<3} {:>4} accounts  density {:.2}  {} – {}  {}",
            c.id,
            c.accounts.len(),
            c.density,
            iso(c.first),
            iso(c.last),
            top
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows written field by field (as bytes or as text) are the csv writer's rows, for fields with commas,
    /// quotes, CR, LF, spaces, non-ASCII characters and empty fields, in every position.
    #[test]
    fn fields_are_written_as_the_csv_writer_writes_them() {
        let mut rng = crate::util::rng::SplitMix64::new(5);
        let pieces = [
            "a", "7", ",", "\"", "\r", "\n", " ", "é", "@x", "#", "'", "\t",
        ];
        for _ in 0..5_000 {
            let fields: Vec<String> = (0..2 + rng.below(4))
                .map(|_| {
                    let n = rng.below(5);
                    (0..n).map(|_| pieces[rng.below(pieces.len())]).collect()
                })
                .collect();
            let mut mine = Vec::new();
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    mine.push(b',');
                }
                push_field(&mut mine, f.as_bytes());
            }
            mine.push(b'\n');
            let theirs = csv_bytes("t.csv", |w| w.write_record(&fields)).unwrap();
            assert_eq!(mine, theirs, "{fields:?}");
            let as_text: Vec<_> = fields
                .iter()
                .map(|f| crate::util::csv_field::quoted(f))
                .collect();
            assert_eq!(format!("{}\n", as_text.join(",")).as_bytes(), theirs);
        }
    }

    /// The header comes first even with no run; runs follow in order across batches; a run
    /// that fails fails the whole.
    #[test]
    fn csv_in_runs_keeps_the_header_and_the_order() {
        let runs = |n: usize, fail: Option<usize>| {
            in_memory("t.csv", |sink| {
                csv_in_runs(sink, "t.csv", &["a", "b"], n, |range| {
                    range
                        .map(|r| {
                            if Some(r) == fail {
                                return Err(Error::io("t.csv", std::io::Error::other("full")));
                            }
                            csv_bytes("t.csv", |w| w.write_record([r.to_string(), "x".into()]))
                        })
                        .collect()
                })
            })
        };
        assert_eq!(runs(0, None).unwrap(), b"a,b\n");
        let n = 2 * JOINED_RUNS + 3;
        let all = String::from_utf8(runs(n, None).unwrap()).unwrap();
        let want: String = std::iter::once("a,b\n".to_string())
            .chain((0..n).map(|r| format!("{r},x\n")))
            .collect();
        assert_eq!(all, want);
        assert!(runs(n, Some(JOINED_RUNS + 1)).is_err());
    }
}
