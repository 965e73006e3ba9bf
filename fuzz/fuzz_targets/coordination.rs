//! Arbitrary bytes as the input of `trollwatch coordination` (columns `id`, `text`, `author`,
//! `time`, and `type` and `urls` when the settings name them): read as `coordination` reads
//! a file, and for inputs that parse, the whole analysis and every output file made in
//! memory. The first two bytes choose the settings: layout (CSV by name, TSV, JSONL, CSV with
//! `;`), `--skip-bad-rows`, a repost column, a URL column, the window (0 s, 1 s, 60 s, 1 h),
//! the smallest weight (1 or 2), the kinds, and the similarity threshold with its smallest
//! token count. The work runs on a one-thread rayon pool built once, so one execution uses
//! one core.
//!
//! No panic, no hang. A refused input gets an error that names the file and is bad input
//! (exit code 2, a bad row's line at least 1). For an accepted one: posts, accounts (sorted,
//! unique, non-empty names) and per-post counts agree; every edge joins two distinct accounts
//! with a weight of at least the smallest weight (so positive), is sorted and unique, and is
//! no heavier than the posts of its account with a partner; every kind's edge has a total
//! edge at least as heavy; with a smallest weight of 1 every edge has its reverse; clusters
//! hold two or more sorted accounts, largest first, and an account is in a cluster exactly
//! when it has a kept edge. Reading and analyzing the same input twice gives byte-identical
//! output files and summary.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use trollwatch::coordinated::{self as coordination, CoordParams, Kind, ANY, KINDS};
use trollwatch::internals::graph::Graph;
use trollwatch::internals::input::{self, InputSpec, Posts};
use trollwatch::internals::objects::Objects;
use trollwatch::internals::{evidence, output, CoordValidParams};
use trollwatch::Error;
use trollwatch::{InputFormat, ReadOptions};

fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a one-thread pool")
    })
}

/// A folder of this process for the input file (in memory where /dev/shm exists).
fn work_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = PathBuf::from("/dev/shm");
        let base = if base.is_dir() {
            base
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("trollwatch-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a work folder");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let [a, b, rest @ ..] = data else {
        return;
    };
    let (a, b) = (*a, *b);
    let (format, delimiter, ext) = match a & 3 {
        0 => (None, None, "csv"),
        1 => (Some(InputFormat::Tsv), None, "tsv"),
        2 => (Some(InputFormat::Jsonl), None, "jsonl"),
        _ => (Some(InputFormat::Csv), Some(b';'), "csv"),
    };
    let skip_bad_rows = a & 0x04 != 0;
    let repost = (a & 0x08 != 0).then(|| ("type".to_string(), "R".to_string()));
    let url_col = (a & 0x10 != 0).then(|| "urls".to_string());
    let window = [0, 1, 60, 3600][usize::from((a >> 5) & 3)];
    let min_weight = if a & 0x80 != 0 { 2 } else { 1 };
    let kinds: Vec<Kind> = match b & 0x3f {
        0 => KINDS.to_vec(),
        mask => KINDS
            .into_iter()
            .filter(|k| mask & (1 << k.index()) != 0)
            .collect(),
    };
    let (similarity, min_tokens) = [(0.5, 1), (0.8, 2), (1.0, 1), (0.8, 5)][usize::from(b >> 6)];
    let params = CoordParams::default()
        .window(window)
        .kinds(kinds)
        .similarity(similarity)
        .min_tokens(min_tokens)
        .min_weight(min_weight)
        .check()
        .expect("valid settings");
    let spec = InputSpec {
        read: ReadOptions {
            format,
            delimiter,
            skip_bad_rows,
            ..ReadOptions::default()
        },
        author_col: "author".into(),
        time_col: "time".into(),
        repost,
        url_col,
    };
    let path = work_dir().join(format!("input.{ext}"));
    std::fs::write(&path, rest).expect("writing the input");
    let path = path.to_str().expect("a UTF-8 path");
    pool().install(|| {
        let (posts, objects) = match input::read(path, &spec, &params.extract(), |_| {}) {
            Ok(read) => read,
            Err(e) => return check_error(path, &e),
        };
        check_posts(&posts, &spec);
        let first = analyze(&posts, objects, &params);
        // The objects are consumed by an analysis (their token dictionary is not cloneable):
        // the second analysis reads the input again.
        let (posts, objects) =
            input::read(path, &spec, &params.extract(), |_| {}).expect("a second read");
        let again = analyze(&posts, objects, &params);
        assert!(
            first == again,
            "a second read and analysis gave other output"
        );
    });
});

/// Analyzes what was read, checks what was found, and returns the output files and summary.
fn analyze(posts: &Posts, objects: Objects, params: &CoordValidParams) -> Vec<Vec<u8>> {
    let (ix, g) = coordination::analyze(posts, objects, params);
    check_graph(posts, &g, params);
    let pairs = evidence::DEFAULT_PAIRS_PER_EDGE;
    let files = output::render_all(posts, &ix, &g, params, pairs).expect("the output files");
    let mut out: Vec<Vec<u8>> = files.into_iter().map(|(_, bytes)| bytes).collect();
    out.push(output::summary(posts, &ix, &g, params).into_bytes());
    out
}

fn check_error(path: &str, e: &Error) {
    let shown = e.to_string();
    assert!(
        shown.starts_with(path),
        "error does not name the file: {shown}"
    );
    assert_eq!(e.exit_code(), 2, "not a bad-input error: {shown}");
    if let Error::BadRow { line, .. } = e {
        assert!(*line >= 1, "a bad row at line 0: {shown}");
    }
}

fn check_posts(posts: &Posts, spec: &InputSpec) {
    let n = posts.len();
    assert!(n > 0, "no posts accepted");
    assert_eq!(posts.authors.len(), n);
    assert_eq!(posts.texts.len(), n);
    assert_eq!(posts.ids.len(), n);
    assert_eq!(posts.reposts.len(), n);
    assert_eq!(
        posts.urls.as_ref().map(|u| u.len()),
        spec.url_col.as_ref().map(|_| n)
    );
    let names = &posts.author_names;
    assert!(
        names.windows(2).all(|w| w[0] < w[1]),
        "account names not sorted and unique: {names:?}"
    );
    assert!(
        names.iter().all(|a| !a.is_empty() && a.trim() == a),
        "an empty or untrimmed account name: {names:?}"
    );
    assert!(posts.authors.iter().all(|&a| (a as usize) < names.len()));
    let mut used = vec![false; names.len()];
    for &a in &posts.authors {
        used[a as usize] = true;
    }
    assert!(used.iter().all(|&u| u), "an account without posts");
    if !spec.read.skip_bad_rows {
        assert_eq!(
            posts.skipped.total(),
            0,
            "rows skipped without --skip-bad-rows"
        );
    }
}

fn check_graph(posts: &Posts, g: &Graph, params: &CoordValidParams) {
    let n_accounts = posts.author_names.len();
    assert_eq!(g.post_counts.len(), posts.len());
    assert_eq!(g.accounts.len(), n_accounts);
    // Per post: partners per kind, none for a kind not computed, `any` between the largest
    // kind and their sum, never more than the other accounts.
    let mut with_partner = vec![0u32; n_accounts];
    for (p, c) in g.post_counts.iter().enumerate() {
        for k in KINDS {
            if !params.has(k) {
                assert_eq!(c[k.index()], 0, "{k} counted but not computed");
            }
        }
        let kinds = &c[..ANY];
        assert!(
            kinds.iter().all(|&x| x <= c[ANY]) && c[ANY] <= kinds.iter().sum::<u32>(),
            "post {p}: counts {c:?}"
        );
        assert!((c[ANY] as usize) < n_accounts, "post {p}: counts {c:?}");
        if c[ANY] > 0 {
            with_partner[posts.authors[p] as usize] += 1;
        }
    }
    let mut posts_of = vec![0u32; n_accounts];
    for &a in &posts.authors {
        posts_of[a as usize] += 1;
    }
    for (a, s) in g.accounts.iter().enumerate() {
        assert_eq!(s.posts, posts_of[a], "posts of account {a}");
        assert!(
            s.coordinated_posts <= with_partner[a],
            "account {a}: {s:?}, {} posts with a partner",
            with_partner[a]
        );
        assert!((s.degree as usize) < n_accounts.max(1));
        assert_eq!(s.cluster == 0, s.degree == 0, "account {a}: {s:?}");
    }
    // Edges: sorted and unique, two distinct accounts, weight at least the smallest kept.
    assert!(
        g.edges
            .windows(2)
            .all(|w| (w[0].a, w[0].b, w[0].kind) < (w[1].a, w[1].b, w[1].kind)),
        "edges not sorted and unique"
    );
    let find = |a: u32, b: u32, kind: u8| {
        g.edges
            .binary_search_by(|e| (e.a, e.b, e.kind).cmp(&(a, b, kind)))
            .ok()
            .map(|i| &g.edges[i])
    };
    for e in &g.edges {
        assert_ne!(e.a, e.b, "an edge from an account to itself: {e:?}");
        assert!((e.a as usize) < n_accounts && (e.b as usize) < n_accounts);
        assert!(e.weight >= params.min_weight && e.weight > 0, "{e:?}");
        assert!(e.first <= e.last, "{e:?}");
        assert!(e.weight <= with_partner[e.a as usize], "{e:?}");
        let kind = e.kind as usize;
        assert!(
            kind == ANY || params.has(KINDS[kind]),
            "{e:?} of a kind not computed"
        );
        if kind != ANY {
            let total = find(e.a, e.b, ANY as u8);
            assert!(
                total.is_some_and(|t| t.weight >= e.weight
                    && t.first <= e.first
                    && t.last >= e.last),
                "{e:?} without a total edge covering it: {total:?}"
            );
        }
        if params.min_weight == 1 {
            assert!(
                find(e.b, e.a, e.kind).is_some(),
                "{e:?} without its reverse"
            );
        }
    }
    // Clusters: ids 1.., two or more sorted accounts, largest first, members marked.
    let mut last_size = usize::MAX;
    for (i, c) in g.clusters.iter().enumerate() {
        assert_eq!(c.id as usize, i + 1);
        assert!(c.accounts.len() >= 2 && c.accounts.len() <= last_size);
        last_size = c.accounts.len();
        assert!(c.accounts.windows(2).all(|w| w[0] < w[1]));
        assert!(c
            .accounts
            .iter()
            .all(|&a| g.accounts[a as usize].cluster == c.id));
        assert!(c.edges >= 1 && c.first <= c.last, "{c:?}");
    }
}
