//! `trollwatch coordination`: accounts that post the same text, a near-duplicate, the same
//! link, domain or hashtag, or repost the same post within a time window of each other —
//! edges, clusters, communities, per-account and per-post statistics, a GraphML file and a
//! summary.

use std::path::PathBuf;
use std::time::Instant;

use super::{CoordSettingsArgs, InputArgs};
use crate::coordination::input::{self, InputSpec};
use crate::coordination::{self, output, CoordParams};
use crate::text::dataset::Inputs;
use crate::util::progress::Progress;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    trollwatch coordination posts.csv --author-col author --time-col timestamp --window 60s --out coord/\n  \
    trollwatch coordination posts.csv --kinds text,similar,link,hashtag,repost --repost-col post_type --repost-value R\n  \
    trollwatch coordination posts.csv --similarity 0.8 --min-weight 2 --out coord/\n\n\
    Two posts by different accounts are coordinated when they share an object of a kind and their\n\
    times differ by at most the window (inclusive). Kinds: text (identical after lowercasing,\n\
    removing @mentions and folding whitespace), similar (Jaccard of word-token sets >= --similarity,\n\
    posts of 5+ tokens), link (same URL), domain (same web domain, shorteners excepted), hashtag,\n\
    repost (reposts of the same text). Reposts count only as reposts.")]
pub struct Args {
    /// Posts: CSV, TSV, JSONL (twarc2's too), plain or gzip, Parquet or Arrow IPC; `-` reads
    /// stdin.
    pub input: String,
    #[command(flatten)]
    pub input_args: InputArgs,
    #[command(flatten)]
    pub settings: CoordSettingsArgs,
    /// Column of post times: ISO 8601 (with or without zone, minute or second precision) or
    /// Unix seconds.
    #[arg(long, default_value = "timestamp", value_name = "NAME")]
    pub time_col: String,
    /// Keep edges A→B of at least this weight (distinct posts of A with a partner from B).
    #[arg(long, default_value_t = 1, value_name = "W")]
    pub min_weight: u32,
    /// Resolution of the community search: with `cpm`, the share of a community's member pairs
    /// that must be tied, about (default 0.5); with `modularity`, 1 is plain modularity
    /// (default). Higher gives more, smaller communities.
    #[arg(long, value_name = "GAMMA")]
    pub resolution: Option<f64>,
    /// Edge weights the communities are found on: `pairs` (each tied pair of accounts counts
    /// 1), `posts` (each coordinated post counts 1) or `rarity` (each coordinated post counts
    /// 1/(n-1), n the accounts that used the rarest object it shares).
    #[arg(long, default_value = "pairs", value_name = "W", value_parser = ["pairs", "posts", "rarity"])]
    pub community_weights: String,
    /// What communities maximise: `cpm` (the constant Potts model: ties inside less the
    /// resolution per member pair) or `modularity`.
    #[arg(long, default_value = "cpm", value_parser = ["cpm", "modularity"])]
    pub quality: String,
    /// Post pairs written to evidence.csv per kept edge and kind (0: none).
    #[arg(long, default_value_t = coordination::evidence::DEFAULT_PAIRS_PER_EDGE, value_name = "N")]
    pub evidence_per_edge: usize,
    /// Seed of the community search (the same seed gives the same communities).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write edges.csv, evidence.csv, clusters.csv, communities.csv, accounts.csv, posts.csv,
    /// graph.graphml and summary.json here.
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write report.html here: one self-contained page with the summary, the largest
    /// communities (members, main objects, a timeline of their coordinated posts, a drawing
    /// of their ties), the edge weights and the settings.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(dir) = &args.out {
        super::check_output(dir, std::slice::from_ref(&args.input), "out", true)?;
    }
    if let Some(dir) = &args.report {
        super::check_output(dir, std::slice::from_ref(&args.input), "report", true)?;
    }
    let progress = Progress::new(!args.quiet);
    let started = Instant::now();
    let Analysis {
        posts,
        ix,
        graph,
        params,
        read_s,
        found_s,
    } = analyze_input(
        &args,
        Inputs::Files(std::slice::from_ref(&args.input)),
        &progress,
    )?;
    super::print_out(&output::summary(&posts, &ix, &graph, &params))?;
    let written = Instant::now();
    if let Some(dir) = &args.out {
        output::write_all(dir, &posts, &ix, &graph, &params, args.evidence_per_edge)?;
        eprintln!("wrote {}/{{{}}}", dir.display(), output::FILES.join(","));
    }
    if let Some(dir) = &args.report {
        let page = crate::report::coordination_html(&args.input, &posts, &ix, &graph, &params);
        std::fs::create_dir_all(dir)
            .map_err(|e| crate::error::Error::io(dir.display().to_string(), e))?;
        let path = dir.join("report.html");
        crate::util::atomic::write_atomic(&path, page.as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    eprintln!(
        "time: read and extract {read_s:.2} s, find {found_s:.2} s, write {:.2} s, total {:.2} s",
        written.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A coordination analysis as `trollwatch coordination` runs it, before anything is written.
pub struct Analysis {
    pub posts: input::Posts,
    pub ix: coordination::graph::Indexes,
    pub graph: coordination::graph::Graph,
    pub params: coordination::CoordValidParams,
    /// Seconds reading (and extracting objects), and finding.
    pub read_s: f64,
    pub found_s: f64,
}

impl Analysis {
    /// Every output file as bytes, by name: those of `--out` (in `output::FILES` order) and
    /// `report.html` (naming the input `input_name`).
    pub fn files(
        &self,
        evidence_per_edge: usize,
        input_name: &str,
    ) -> crate::error::Result<Vec<(&'static str, Vec<u8>)>> {
        let (posts, ix, graph, params) = (&self.posts, &self.ix, &self.graph, &self.params);
        let mut files = output::render_all(posts, ix, graph, params, evidence_per_edge)?;
        let page = crate::report::coordination_html(input_name, posts, ix, graph, params);
        files.push(("report.html", page.into_bytes()));
        Ok(files)
    }

    /// The summary the command prints.
    pub fn summary(&self) -> String {
        output::summary(&self.posts, &self.ix, &self.graph, &self.params)
    }
}

/// Reads `input` and finds the coordinated accounts as `args` say (everything but the input
/// file, `--out` and `--report` comes from `args`); writes nothing.
pub fn analyze_input(args: &Args, input: Inputs, progress: &Progress) -> anyhow::Result<Analysis> {
    let c = &args.settings;
    let params = CoordParams::default()
        .window(c.window)
        .kinds(c.kind_list()?)
        .similarity(c.similarity)
        .min_tokens(c.min_tokens)
        .min_weight(args.min_weight)
        .max_object_accounts(c.max_object_accounts)
        .resolution(args.resolution.unwrap_or(match args.quality.as_str() {
            "modularity" => 1.0,
            _ => coordination::DEFAULT_CPM_RESOLUTION,
        }))
        .seed(args.seed)
        .community_weights(match args.community_weights.as_str() {
            "posts" => coordination::CommunityWeights::Posts,
            "rarity" => coordination::CommunityWeights::Rarity,
            _ => coordination::CommunityWeights::Pairs,
        })
        .quality(match args.quality.as_str() {
            "modularity" => coordination::community::Quality::Modularity,
            _ => coordination::community::Quality::Cpm,
        })
        .check()?;
    let spec = InputSpec {
        read: args.input_args.read_options(),
        author_col: c.author_col.clone(),
        time_col: args.time_col.clone(),
        repost: c.repost_col.clone().zip(c.repost_value.clone()),
        url_col: c.url_col.clone(),
    };
    let started = Instant::now();
    let bar = progress.bar(0, "reading posts");
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let (posts, objects) =
        input::read_input(input, &spec, &params.extract(), |n| bar.set_position(n))?;
    bar.finish_and_clear();
    let read_s = started.elapsed().as_secs_f64();
    if let Some(s) = posts.skipped.summary(&args.input) {
        eprintln!("{s}");
    }
    let spinner = progress.bar(0, "finding coordinated posts");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let (ix, graph) = coordination::analyze(&posts, objects, &params);
    spinner.finish_and_clear();
    let found_s = started.elapsed().as_secs_f64() - read_s;
    Ok(Analysis {
        posts,
        ix,
        graph,
        params,
        read_s,
        found_s,
    })
}
