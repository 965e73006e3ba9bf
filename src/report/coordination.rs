//! report.html of `coordination --report DIR`: one self-contained page (the same style sheet
//! and conventions as the evaluation report: no script, nothing fetched) with what was found,
//! the largest communities (members, main objects, a timeline of their members' coordinated
//! posts and a drawing of the ties inside), the distribution of edge weights, and the settings
//! that shaped the result. Every number comes from the coordination result; nothing is
//! recomputed here but counts and bins for the plots.

use std::collections::HashMap;

use super::{esc, num, page_start, BLUE, GREY, INK, PAGE_END, SKY};
use crate::coordination::graph::Indexes;
use crate::coordination::graph::{Community, Graph};
use crate::coordination::input::Posts;
use crate::coordination::output::{capped_objects, kind_rows, shared_labels};
use crate::coordination::{CoordValidParams, ANY};
use crate::util::time::format as iso;

/// Communities drawn in full.
const SHOWN: usize = 10;
/// Members named in a community's table; the rest are counted.
const NAMED: usize = 40;
/// Members drawn in a community's graph: the most tied inside it.
const DRAWN: usize = 60;
/// Bars of a timeline.
const BINS: usize = 48;

/// The report page for the coordination of `source`.
pub fn coordination_html(
    source: &str,
    posts: &Posts,
    ix: &Indexes,
    g: &Graph,
    params: &CoordValidParams,
) -> String {
    let mut o = page_start(&format!("trollwatch coordination: {}", esc(source)));
    o.push_str(&headline(source, posts, g, params));
    o.push_str(&networks(g, params));
    if !g.communities.is_empty() {
        o.push_str(&overview(g));
    }
    let times = coordinated_times(posts, g);
    for c in g.communities.iter().take(SHOWN) {
        o.push_str(&community(posts, ix, g, c, &times[c.id as usize - 1]));
    }
    o.push_str(&weights(g));
    o.push_str(&settings(posts, ix, g, params));
    o.push_str(&format!(
        "<footer>trollwatch {} · edges, clusters and communities as in the folder's CSV files; \
         the same input and settings give the same page.</footer>\n",
        env!("CARGO_PKG_VERSION")
    ));
    o.push_str(PAGE_END);
    o
}

fn card(k: &str, v: &str, s: &str) -> String {
    format!(
        "<div class=\"card\"><div class=\"k\">{k}</div><div class=\"v\">{v}</div>\
         <div class=\"s\">{s}</div></div>\n"
    )
}

fn window_words(seconds: i64) -> String {
    match seconds {
        s if s % 3600 == 0 && s > 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 && s > 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

fn headline(source: &str, posts: &Posts, g: &Graph, params: &CoordValidParams) -> String {
    let in_comm: usize = g.communities.iter().map(|c| c.accounts.len()).sum();
    let coordinated = g.post_counts.count_with(ANY);
    let largest = g.communities.first().map_or(0, |c| c.accounts.len());
    let found = if g.communities.is_empty() {
        "<strong>No</strong> community: no two accounts are tied by a kept edge.".to_string()
    } else {
        format!(
            "<strong>{}</strong> communities of 2 or more accounts ({in_comm} accounts), the \
             largest of {largest}.",
            g.communities.len()
        )
    };
    let mut o = format!(
        "<p class=\"kicker\">trollwatch coordination</p>\n<h1>{}</h1>\n\
         <p class=\"headline\">{found}</p>\n\
         <p class=\"split\">Two posts by different accounts are coordinated when they share an \
         object ({}) and their times differ by at most {}.</p>\n<div class=\"cards\">\n",
        esc(source),
        esc(&params
            .kinds
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join(", ")),
        window_words(params.window)
    );
    o.push_str(&card(
        "posts",
        &posts.len().to_string(),
        &format!("{coordinated} with a partner"),
    ));
    o.push_str(&card(
        "accounts",
        &posts.author_names.len().to_string(),
        &format!(
            "{} on a kept edge",
            g.accounts.iter().filter(|a| a.degree > 0).count()
        ),
    ));
    o.push_str(&card(
        "clusters",
        &g.clusters.len().to_string(),
        &format!(
            "connected components; the largest {}",
            g.clusters.first().map_or(0, |c| c.accounts.len())
        ),
    ));
    o.push_str(&card(
        "communities",
        &g.communities.len().to_string(),
        &format!("modularity {}", num(g.modularity, 3)),
    ));
    o.push_str("</div>\n");
    o
}

fn networks(g: &Graph, params: &CoordValidParams) -> String {
    let mut o = String::from(
        "<section>\n<h2>Networks</h2>\n<table class=\"narrow\">\n<thead><tr><th>kind</th>\
         <th class=\"n\">posts with a partner</th><th class=\"n\">edges (A→B)</th>\
         <th class=\"n\">account pairs</th></tr></thead>\n<tbody>\n",
    );
    for (kind, with, edges, pairs) in kind_rows(g, params) {
        o.push_str(&format!(
            "<tr><th>{kind}</th><td class=\"n\">{with}</td><td class=\"n\">{edges}</td>\
             <td class=\"n\">{pairs}</td></tr>\n"
        ));
    }
    o.push_str(&format!(
        "</tbody>\n</table>\n<p class=\"muted\">An edge A→B of a kind weighs the distinct posts \
         of A with a partner from B; edges under {} are dropped.</p>\n</section>\n",
        params.min_weight
    ));
    o
}

/// Per shown community, the times of its members' posts that have a partner (of any kind).
fn coordinated_times(posts: &Posts, g: &Graph) -> Vec<Vec<i64>> {
    let shown = g.communities.len().min(SHOWN);
    let mut times = vec![Vec::new(); shown];
    for (p, _) in g.post_counts.with_partners() {
        let comm = g.accounts[posts.authors[p] as usize].community as usize;
        if comm >= 1 && comm <= shown {
            times[comm - 1].push(posts.times[p]);
        }
    }
    for t in &mut times {
        t.sort_unstable();
    }
    times
}

fn community(posts: &Posts, ix: &Indexes, g: &Graph, c: &Community, times: &[i64]) -> String {
    let names: Vec<String> = c
        .accounts
        .iter()
        .take(NAMED)
        .map(|&a| esc(&posts.author_names[a as usize]))
        .collect();
    let more = c.accounts.len().saturating_sub(NAMED);
    let objects: Vec<String> = shared_labels(posts, ix, c)
        .iter()
        .map(|l| format!("<li>{}</li>", esc(l)))
        .collect();
    format!(
        "<section>\n<h2>Community {}: {} accounts</h2>\n<table class=\"kv\">\n\
         <tr><th>main objects (members who used it, posts)</th><td><ul>{}</ul></td></tr>\n\
         <tr><th>density</th><td>{} of member pairs tied</td></tr>\n\
         <tr><th>kept edges inside</th><td>{}</td></tr>\n\
         <tr><th>cluster</th><td>{}</td></tr>\n\
         <tr><th>time span</th><td>{} – {}</td></tr>\n\
         <tr><th>members</th><td>{}{}</td></tr>\n</table>\n\
         <div class=\"plots\">\n<figure>\n{}<figcaption>Posts by its members that have a partner \
         (any account, any kind) within the window, {} in all.</figcaption>\n</figure>\n\
         <figure>\n{}<figcaption>A filled cell: a kept edge (either direction) joins the two \
         members{}.</figcaption>\n</figure>\n\
         </div>\n</section>\n",
        c.id,
        c.accounts.len(),
        objects.join(""),
        num(c.density, 2),
        c.edges,
        c.cluster,
        iso(c.first),
        iso(c.last),
        names.join(", "),
        if more > 0 {
            format!(" … and {more} more (accounts.csv)")
        } else {
            String::new()
        },
        timeline(c.id, times),
        times.len(),
        ties(posts, g, c),
        if c.accounts.len() > DRAWN {
            format!("; the {DRAWN} members with the most ties inside, most tied first")
        } else {
            String::new()
        }
    )
}

const W: f64 = 520.0;
const H: f64 = 260.0;

fn svg_open(class: &str, title: &str) -> String {
    format!(
        "<svg class=\"plot {class}\" viewBox=\"0 0 {W} {H}\" role=\"img\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{}</title>\n",
        esc(title)
    )
}

/// A bar chart of coordinated posts over the community's time span.
fn timeline(id: u32, times: &[i64]) -> String {
    let mut o = svg_open(
        "timeline",
        &format!("Community {id}: coordinated posts over time"),
    );
    let (Some(&t0), Some(&t1)) = (times.first(), times.last()) else {
        o.push_str("<text class=\"empty\" x=\"20\" y=\"40\">no coordinated posts</text></svg>\n");
        return o;
    };
    let span = (t1 - t0).max(1) as f64;
    let mut bins = [0u32; BINS];
    for &t in times {
        let b = (((t - t0) as f64 / span) * BINS as f64) as usize;
        bins[b.min(BINS - 1)] += 1;
    }
    let top = f64::from(*bins.iter().max().unwrap_or(&1)).max(1.0);
    let (left, right, top_y, bottom) = (44.0, W - 12.0, 28.0, H - 34.0);
    let bw = (right - left) / BINS as f64;
    o.push_str(&format!(
        "<text class=\"plot-heading\" x=\"{left}\" y=\"18\">Coordinated posts per {}</text>\n\
         <line class=\"axis\" x1=\"{left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\"/>\n\
         <text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n\
         <text class=\"tick\" x=\"{}\" y=\"{bottom}\" text-anchor=\"end\">0</text>\n",
        bin_words(span / BINS as f64),
        left - 4.0,
        top_y + 4.0,
        top,
        left - 4.0
    ));
    for (i, &n) in bins.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let h = f64::from(n) / top * (bottom - top_y);
        let x = left + i as f64 * bw;
        let from = t0 + (span * i as f64 / BINS as f64) as i64;
        o.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{BLUE}\">\
             <title>{n} posts from {}</title></rect>\n",
            bottom - h,
            (bw - 1.0).max(0.5),
            iso(from)
        ));
    }
    o.push_str(&format!(
        "<text class=\"tick\" x=\"{left}\" y=\"{}\">{}</text>\n\
         <text class=\"tick\" x=\"{right}\" y=\"{}\" text-anchor=\"end\">{}</text>\n</svg>\n",
        bottom + 16.0,
        &iso(t0)[..10],
        bottom + 16.0,
        &iso(t1)[..10]
    ));
    o
}

fn bin_words(seconds: f64) -> String {
    match seconds {
        s if s >= 2.0 * 86_400.0 => format!("{} days", num(s / 86_400.0, 1)),
        s if s >= 2.0 * 3600.0 => format!("{} hours", num(s / 3600.0, 1)),
        s if s >= 120.0 => format!("{} minutes", num(s / 60.0, 1)),
        s => format!("{} seconds", num(s, 0)),
    }
}

/// The undirected pairs of `accounts` (indexes into it) joined by a kept total edge.
fn inner_pairs(g: &Graph, accounts: &[u32]) -> Vec<(usize, usize)> {
    // Edges are sorted by (a, b, kind) and members ascending: each member's own edges are one
    // run, and a partner's place among the members one binary search.
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (i, &a) in accounts.iter().enumerate() {
        let from = g.edges.partition_point(|e| e.a < a);
        let to = g.edges.partition_point(|e| e.a <= a);
        for e in g.edges[from..to].iter().filter(|e| e.kind as usize == ANY) {
            if let Ok(j) = accounts.binary_search(&e.b) {
                pairs.push((i.min(j), i.max(j)));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// The community's ties as an adjacency matrix: members (the most tied first, at most
/// [`DRAWN`]) on both axes, a filled cell where a kept edge joins two of them. Dense campaigns
/// show as a filled square, looser ones as bands.
fn ties(posts: &Posts, g: &Graph, c: &Community) -> String {
    let pairs = inner_pairs(g, &c.accounts);
    let mut degree = vec![0u32; c.accounts.len()];
    for &(x, y) in &pairs {
        degree[x] += 1;
        degree[y] += 1;
    }
    let mut order: Vec<usize> = (0..c.accounts.len()).collect();
    order.sort_by(|&x, &y| degree[y].cmp(&degree[x]).then(x.cmp(&y)));
    order.truncate(DRAWN);
    let mut place = vec![usize::MAX; c.accounts.len()];
    for (k, &i) in order.iter().enumerate() {
        place[i] = k;
    }
    let n = order.len().max(1) as f64;
    let side = H - 40.0;
    let cell = side / n;
    let (x0, y0) = ((W - side) / 2.0, 28.0);
    let mut o = svg_open(
        "ties",
        &format!("Community {}: ties among its members", c.id),
    );
    o.push_str(&format!(
        "<text class=\"plot-heading\" x=\"12\" y=\"18\">Ties among its members ({} pairs)</text>\n\
         <rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{side:.1}\" height=\"{side:.1}\" fill=\"#f3f4f6\" \
         stroke=\"{GREY}\" stroke-width=\"0.5\"/>\n",
        pairs.len()
    ));
    let mut d = String::new();
    for &(x, y) in &pairs {
        let (px, py) = (place[x], place[y]);
        if px == usize::MAX || py == usize::MAX {
            continue;
        }
        for (r, col) in [(px, py), (py, px)] {
            d.push_str(&format!(
                "M{:.1} {:.1}h{cell:.2}v{cell:.2}h-{cell:.2}z",
                x0 + col as f64 * cell,
                y0 + r as f64 * cell
            ));
        }
    }
    o.push_str(&format!("<path d=\"{d}\" fill=\"{BLUE}\"/>\n"));
    // Members named on hover, one strip per row.
    for (k, &i) in order.iter().enumerate() {
        o.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"6\" height=\"{cell:.2}\" fill=\"{INK}\">\
             <title>{} ({} ties inside)</title></rect>\n",
            x0 - 8.0,
            y0 + k as f64 * cell,
            esc(&posts.author_names[c.accounts[i] as usize]),
            degree[i]
        ));
    }
    o.push_str("</svg>\n");
    o
}

/// The shown communities as nodes (area by members) on a circle, joined by the kept ties
/// between their members (width by the number of tied pairs): how the campaigns connect.
fn overview(g: &Graph) -> String {
    let shown = g.communities.len().min(SHOWN);
    let mut between: HashMap<(usize, usize), u32> = HashMap::new();
    let mut seen: Vec<(u32, u32)> = Vec::new();
    for e in g.edges.iter().filter(|e| e.kind as usize == ANY) {
        let (ca, cb) = (
            g.accounts[e.a as usize].community as usize,
            g.accounts[e.b as usize].community as usize,
        );
        if ca == 0 || cb == 0 || ca == cb || ca > shown || cb > shown {
            continue;
        }
        seen.push((e.a.min(e.b), e.a.max(e.b)));
    }
    seen.sort_unstable();
    seen.dedup();
    for (a, b) in seen {
        let (ca, cb) = (
            g.accounts[a as usize].community as usize,
            g.accounts[b as usize].community as usize,
        );
        *between.entry((ca.min(cb), ca.max(cb))).or_insert(0) += 1;
    }
    let mut o = String::from(
        "<section>\n<h2>How the largest communities connect</h2>\n<div class=\"plots\">\n<figure>\n",
    );
    o.push_str(&svg_open(
        "overview",
        "The largest communities and the ties between them",
    ));
    let (cx, cy, r) = (W / 2.0, H / 2.0 + 8.0, H / 2.0 - 44.0);
    let at = |k: usize| {
        let a =
            std::f64::consts::TAU * k as f64 / shown.max(1) as f64 - std::f64::consts::FRAC_PI_2;
        (cx + r * 1.6 * a.cos(), cy + r * a.sin())
    };
    let most = between.values().copied().max().unwrap_or(1).max(1) as f64;
    let mut links: Vec<((usize, usize), u32)> = between.into_iter().collect();
    links.sort_unstable();
    for ((ca, cb), n) in &links {
        let ((x1, y1), (x2, y2)) = (at(ca - 1), at(cb - 1));
        o.push_str(&format!(
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{SKY}\" \
             stroke-width=\"{:.1}\" stroke-opacity=\"0.7\"><title>communities {ca} and {cb}: \
             {n} tied pairs</title></line>\n",
            1.0 + 7.0 * f64::from(*n) / most
        ));
    }
    let largest = g.communities.first().map_or(1, |c| c.accounts.len()).max(1) as f64;
    for (k, c) in g.communities.iter().take(shown).enumerate() {
        let (x, y) = at(k);
        let rad = 6.0 + 16.0 * (c.accounts.len() as f64 / largest).sqrt();
        o.push_str(&format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{rad:.1}\" fill=\"{BLUE}\" \
             fill-opacity=\"0.85\"><title>community {}: {} accounts</title></circle>\n\
             <text class=\"annot\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" \
             fill=\"{INK}\">{}</text>\n",
            c.id,
            c.accounts.len(),
            y + 4.0,
            c.id
        ));
    }
    o.push_str(&format!(
        "</svg>\n<figcaption>Circles: the {shown} largest communities, area by members. Lines: \
         pairs of accounts tied across two of them by a kept edge ({} links).</figcaption>\n\
         </figure>\n</div>\n</section>\n",
        links.len()
    ));
    o
}

/// Bins of edge weights: 1, 2, 3–4, 5–8, … (powers of two).
fn weight_bins(weights: impl Iterator<Item = u32>) -> Vec<(String, u32)> {
    let mut counts: Vec<u32> = Vec::new();
    for w in weights {
        let b = if w <= 1 {
            0
        } else {
            (w - 1).ilog2() as usize + 1
        };
        if counts.len() <= b {
            counts.resize(b + 1, 0);
        }
        counts[b] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(b, n)| {
            let label = match b {
                0 => "1".to_string(),
                1 => "2".to_string(),
                b => format!("{}–{}", (1u64 << (b - 1)) + 1, 1u64 << b),
            };
            (label, n)
        })
        .collect()
}

fn weights(g: &Graph) -> String {
    let bins = weight_bins(
        g.edges
            .iter()
            .filter(|e| e.kind as usize == ANY)
            .map(|e| e.weight),
    );
    let mut o = String::from("<section>\n<h2>Edge weights</h2>\n<div class=\"plots\">\n<figure>\n");
    o.push_str(&svg_open("weights", "Kept edges by weight"));
    let top = f64::from(bins.iter().map(|b| b.1).max().unwrap_or(1)).max(1.0);
    let (left, right, top_y, bottom) = (14.0, W - 12.0, 28.0, H - 34.0);
    let bw = (right - left) / bins.len().max(1) as f64;
    o.push_str(&format!(
        "<text class=\"plot-heading\" x=\"{left}\" y=\"18\">Kept edges (A→B, any kind) by weight \
         (posts)</text>\n<line class=\"axis\" x1=\"{left}\" y1=\"{bottom}\" x2=\"{right}\" \
         y2=\"{bottom}\"/>\n"
    ));
    if bins.is_empty() {
        o.push_str(&format!(
            "<text class=\"empty\" x=\"{left}\" y=\"{}\">no kept edges</text>\n",
            top_y + 40.0
        ));
    }
    // Bar heights on a log scale: the lightest edges outnumber the heavy ones by orders of
    // magnitude.
    let scale = (top + 1.0).ln();
    for (i, (label, n)) in bins.iter().enumerate() {
        let h = (f64::from(*n) + 1.0).ln() / scale * (bottom - top_y);
        let x = left + i as f64 * bw;
        o.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{BLUE}\">\
             <title>weight {label}: {n} edges</title></rect>\n\
             <text class=\"count\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{n}</text>\n\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>\n",
            x + 2.0,
            bottom - h,
            (bw - 4.0).max(1.0),
            x + bw / 2.0,
            bottom - h - 4.0,
            x + bw / 2.0,
            bottom + 16.0
        ));
    }
    o.push_str(&format!(
        "</svg>\n<figcaption>Bar heights on a log scale. Weight: distinct posts of A with a \
         partner from B. <span style=\"color:{GREY}\">Rarity weights are in edges.csv.</span>\
         </figcaption>\n</figure>\n</div>\n</section>\n"
    ));
    o
}

fn settings(posts: &Posts, ix: &Indexes, g: &Graph, params: &CoordValidParams) -> String {
    let limit = if params.max_object_accounts == u32::MAX {
        "none".to_string()
    } else {
        format!("{} accounts", params.max_object_accounts)
    };
    let capped = capped_objects(posts, ix);
    let rows: Vec<(&str, String)> = vec![
        (
            "window",
            format!("{} (inclusive)", window_words(params.window)),
        ),
        (
            "kinds",
            params
                .kinds
                .iter()
                .map(|k| k.name())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "similar",
            format!(
                "Jaccard ≥ {} on posts of {}+ distinct word tokens",
                num(params.similarity, 2),
                params.min_tokens
            ),
        ),
        ("min edge weight", params.min_weight.to_string()),
        (
            "objects of too many accounts",
            format!("limit {limit}; {} left out", capped.len()),
        ),
        (
            "communities",
            format!(
                "Leiden, {} at resolution {} on {} weights, seed {}; modularity {}",
                params.quality.name(),
                num(params.resolution, 3),
                params.community_weights.name(),
                params.seed,
                num(g.modularity, 4)
            ),
        ),
    ];
    let mut o =
        String::from("<section>\n<h2>Settings and what they did</h2>\n<table class=\"kv\">\n");
    for (k, v) in rows {
        o.push_str(&format!("<tr><th>{k}</th><td>{}</td></tr>\n", esc(&v)));
    }
    o.push_str("</table>\n");
    if !capped.is_empty() {
        o.push_str(
            "<h3 style=\"margin-top:14px\">Left out for their many accounts</h3>\n\
             <table class=\"narrow\">\n<thead><tr><th>object</th><th class=\"n\">accounts</th>\
             <th class=\"n\">posts</th></tr></thead>\n<tbody>\n",
        );
        for c in capped.iter().take(SHOWN) {
            o.push_str(&format!(
                "<tr><td>{}:{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                c.kind.name(),
                esc(&c.object),
                c.accounts,
                c.posts
            ));
        }
        o.push_str("</tbody>\n</table>\n");
        if capped.len() > SHOWN {
            o.push_str(&format!(
                "<p class=\"muted\">… and {} more (summary.json).</p>\n",
                capped.len() - SHOWN
            ));
        }
    }
    o.push_str(
        "<p class=\"muted\">A longer window or more kinds find more pairs; a higher minimum \
         weight keeps only repeated coordination; a higher resolution gives more, smaller, \
         denser communities.</p>\n</section>\n",
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_bins_are_powers_of_two() {
        let bins = weight_bins([1, 1, 2, 3, 4, 5, 8, 9, 100].into_iter());
        let labels: Vec<&str> = bins.iter().map(|b| b.0.as_str()).collect();
        assert_eq!(
            labels,
            ["1", "2", "3–4", "5–8", "9–16", "17–32", "33–64", "65–128"]
        );
        let counts: Vec<u32> = bins.iter().map(|b| b.1).collect();
        assert_eq!(counts, [2, 1, 2, 2, 1, 0, 0, 1]);
    }
}
