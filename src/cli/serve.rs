//! `trollwatch serve`: the HTTP API of `crate::server` behind command-line flags.

use std::time::Duration;

use crate::server::{Config, Limits, ModelSpec};

#[derive(Debug, clap::Args)]
#[command(after_help = "Endpoints:\n  \
    POST /v1/score       one post {\"id\", \"text\"} or a batch {\"posts\": [{\"id\", \"text\"}, ...]},\n                       \
    with optional \"explain\", \"threshold\", \"prior\", \"model\"\n  \
    GET  /v1/models      the models served\n  \
    GET  /health/live, /health/ready (also under /v2/)\n  \
    GET  /metrics        Prometheus metrics\n\
    SIGHUP reloads the model files (the old ones stay if a new one does not load); SIGTERM\n\
    finishes the requests under way and exits.\n\n\
    Examples:\n  trollwatch serve --model models/trollwatch-en.model\n  \
    trollwatch serve --model en=models/en.model --model de=models/de.model --addr 0.0.0.0:8080")]
pub struct Args {
    /// A model file, or NAME=PATH (repeat for several; the first is the default, and a bare
    /// path is named after its file stem).
    #[arg(long, short, value_name = "[NAME=]PATH", required = true, value_parser = ModelSpec::parse)]
    pub model: Vec<ModelSpec>,
    /// Address to listen on; port 0 takes a free port (the address is printed on stderr).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "HOST:PORT")]
    pub addr: String,
    /// Largest request body (413 above), with an optional K, M or G suffix.
    #[arg(long, default_value = "16M", value_name = "BYTES", value_parser = super::parse_bytes)]
    pub max_body_bytes: usize,
    /// Most posts in one request (413 above).
    #[arg(long, default_value_t = Limits::default().max_batch_posts, value_name = "N")]
    pub max_batch_posts: usize,
    /// Longest post text (413 above), with an optional K, M or G suffix.
    #[arg(long, default_value = "64K", value_name = "BYTES", value_parser = super::parse_bytes)]
    pub max_text_bytes: usize,
    /// Most terms explained per post (`explain`; 400 above).
    #[arg(long, default_value_t = Limits::default().max_explain, value_name = "K")]
    pub max_explain: usize,
    /// Scoring requests answered at once; more are refused at once with 429.
    #[arg(long, default_value_t = Limits::default().max_concurrent, value_name = "N")]
    pub max_concurrent: usize,
    /// Seconds a client may take to send a request's body (408 after).
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub body_timeout: u64,
}

pub fn run(args: Args, threads: Option<usize>) -> anyhow::Result<()> {
    let config = Config {
        models: args.model,
        addr: args.addr,
        limits: Limits {
            max_body_bytes: args.max_body_bytes,
            max_batch_posts: args.max_batch_posts,
            max_text_bytes: args.max_text_bytes,
            max_explain: args.max_explain,
            max_concurrent: args.max_concurrent,
            body_timeout: Duration::from_secs(args.body_timeout),
        },
        threads,
        log: Box::new(|line| eprintln!("trollwatch serve: {line}")),
    };
    crate::server::run(config, |_| {})?;
    Ok(())
}
