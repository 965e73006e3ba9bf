//! The command line: one file per subcommand, each with its `Args` (clap derive, help beside
//! the flags) and its `run`. This is the binaries' edge: it may use `anyhow` and print; the
//! library below it may not. Options shared by several commands live here.

pub mod args;
pub mod coordination;
pub mod evaluate;
pub mod generate;
pub mod inspect;
pub mod score;
pub mod serve;
pub mod show;
pub mod train;
pub mod tune;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::text::dataset::{InputFormat, ReadOptions};

#[derive(Debug, Parser)]
#[command(
    name = "trollwatch",
    version,
    about = "Flag bot- and troll-like social media posts",
    long_about = "Train a TF-IDF + logistic regression model on labeled posts, and score new posts with it.\n\
                  Examples:\n  trollwatch train posts.csv --out models/my.model\n  \
                  trollwatch score --model models/my.model \"Some post text\"\n  \
                  trollwatch inspect models/my.model"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Threads for the work that runs in parallel [default: one per core].
    #[arg(long, global = true, value_name = "N", value_parser = parse_threads)]
    pub threads: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model from labeled posts (CSV/TSV, JSONL, Parquet or Arrow).
    Train(train::Args),
    /// Score posts with a saved model.
    Score(score::Args),
    /// Cross-validate the whole pipeline and report metrics an analyst can trust.
    Evaluate(evaluate::Args),
    /// Search C, n-grams, term cap and class weighting on grouped folds; keep the best.
    Tune(tune::Args),
    /// Show what a model is and its strongest terms.
    Inspect(inspect::Args),
    /// Write the synthetic demo dataset (deterministic).
    Generate(generate::Args),
    /// Find accounts that post the same objects within seconds of each other.
    Coordination(coordination::Args),
    /// Answer scoring requests over HTTP (JSON), with health checks and metrics.
    Serve(serve::Args),
}

impl Cli {
    pub fn run(self) -> anyhow::Result<()> {
        set_threads(self.threads)?;
        match self.command {
            Command::Train(a) => train::run(a),
            Command::Score(a) => score::run(a),
            Command::Evaluate(a) => evaluate::run(a),
            Command::Tune(a) => tune::run(a),
            Command::Inspect(a) => inspect::run(a),
            Command::Generate(a) => generate::run(a),
            Command::Coordination(a) => coordination::run(a),
            Command::Serve(a) => serve::run(a, self.threads),
        }
    }
}

/// What counts as coordination: the account column and the analysis settings, shared by
/// `coordination` and by the commands that use coordination features (`train`, `evaluate`).
/// The time column is each command's own `--time-col`.
#[derive(Debug, Clone, clap::Args)]
pub struct CoordSettingsArgs {
    /// Column naming the account.
    #[arg(long, default_value = "author", value_name = "NAME")]
    pub author_col: String,
    /// Largest time difference of coordinated posts: `60s`, `5m`, `1h` or seconds.
    #[arg(long, default_value = "60s", value_parser = crate::coordination::parse_duration, value_name = "DURATION")]
    pub window: i64,
    /// Kinds of shared objects, comma-separated, or `all`.
    #[arg(long, default_value = "all", value_name = "LIST")]
    pub kinds: String,
    /// Jaccard threshold of `similar`.
    #[arg(long, default_value_t = 0.8, value_name = "T")]
    pub similarity: f64,
    /// Posts with fewer distinct word tokens are never `similar`.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub min_tokens: usize,
    /// Column marking reposts (with --repost-value); texts starting `RT @x:` are reposts too.
    #[arg(long, value_name = "NAME", requires = "repost_value")]
    pub repost_col: Option<String>,
    /// The value of --repost-col that marks a repost.
    #[arg(long, value_name = "VALUE", requires = "repost_col")]
    pub repost_value: Option<String>,
    /// Column of space-separated URLs [default: URLs are found in the text].
    #[arg(long, value_name = "NAME")]
    pub url_col: Option<String>,
    /// Leave out objects (a text, link, domain, hashtag or reposted post) used by more accounts
    /// than this, and `similar` posts with near-duplicates from more accounts than this
    /// within the window: their pairs grow with the square of their accounts. What is left
    /// out is reported. 0: no limit.
    #[arg(long, default_value_t = crate::coordination::DEFAULT_MAX_OBJECT_ACCOUNTS, value_name = "N")]
    pub max_object_accounts: u32,
}

impl CoordSettingsArgs {
    /// `--kinds`, parsed.
    pub fn kind_list(&self) -> Result<Vec<crate::coordination::Kind>, crate::error::Error> {
        crate::coordination::Kind::parse_list(&self.kinds)
            .map_err(|reason| crate::error::Error::param("kinds", &self.kinds, reason))
    }
}

/// Features beside the text (`train`, `evaluate`).
#[derive(Debug, Clone, clap::Args)]
pub struct CoordFeatureArgs {
    /// Features: `text`, or `text,coordination` to add each post's coordination counts
    /// (distinct other accounts sharing its text, near-duplicate, link, domain, hashtag or
    /// repost within --window), computed over the file; needs author and time columns.
    #[arg(long, default_value = "text", value_parser = crate::pipeline::features::FeatureSet::parse, value_name = "LIST")]
    pub features: crate::pipeline::features::FeatureSet,
    #[command(flatten)]
    pub settings: CoordSettingsArgs,
}

impl CoordFeatureArgs {
    /// The coordination settings, when `--features` asks for them, checked.
    pub fn spec(
        &self,
        time_col: &str,
    ) -> Result<Option<crate::pipeline::features::CoordinationSpec>, crate::error::Error> {
        if !self.features.coordination {
            return Ok(None);
        }
        let c = &self.settings;
        let spec = crate::pipeline::features::CoordinationSpec {
            author_col: c.author_col.clone(),
            time_col: time_col.to_string(),
            repost_col: c.repost_col.clone(),
            repost_value: c.repost_value.clone(),
            url_col: c.url_col.clone(),
            window_seconds: c.window,
            kinds: c
                .kind_list()?
                .iter()
                .map(|k| k.name().to_string())
                .collect(),
            similarity: c.similarity,
            min_tokens: c.min_tokens,
            max_object_accounts: c.max_object_accounts,
        };
        spec.params()?;
        Ok(Some(spec))
    }
}

/// Reads labeled inputs with the per-row columns `cols` (`pipeline::load`);
/// `multiclass`: `--multiclass` was given (a multi-class set even for two label values).
pub fn read_labeled(
    inputs: crate::text::dataset::Inputs,
    input: &InputArgs,
    label: &LabelArgs,
    multiclass: bool,
    cols: crate::pipeline::load::RowColumns,
    progress: &crate::util::progress::Progress,
) -> Result<
    (
        crate::text::dataset::Labeled,
        crate::pipeline::folds::RowInfo,
    ),
    crate::error::Error,
> {
    crate::pipeline::load::read_for_eval(
        inputs,
        input.read_options(),
        &label.label_col,
        &label.class_spec(multiclass),
        cols,
        progress,
    )
}

/// How input columns are found; shared by every command that reads posts.
#[derive(Debug, Clone, clap::Args)]
pub struct InputArgs {
    /// Column (or JSON field) holding the post text [default: text; `score`: the model's
    /// training text column].
    #[arg(long, value_name = "NAME")]
    pub text_col: Option<String>,
    /// Column holding the post id [default: id, else the row number].
    #[arg(long, value_name = "NAME")]
    pub id_col: Option<String>,
    /// Field delimiter for delimited input: a character, or `tab` [default: from the file
    /// name: tab for .tsv, else comma].
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Input layout [default: from the file name (.csv, .tsv, .jsonl, .txt, .parquet/.pq,
    /// .arrow/.feather/.ipc for the Arrow IPC file format, .arrows for its stream format),
    /// else from the first bytes: Parquet, Arrow, JSONL if it starts with `{`, else CSV]. JSON
    /// lines whose first object is a twarc2 response page (a `data` array beside `includes`
    /// or `__twarc`) or a flattened tweet are read as `twarc2`: a row per tweet with columns
    /// id, text, author (username), timestamp (created_at), post_type
    /// (retweet/quote/reply/tweet) and urls (expanded, space-separated), beside the tweet's
    /// own string and number fields; `jsonl` forces plain JSON lines.
    #[arg(long, value_name = "csv|tsv|jsonl|text|parquet|arrow|arrows|twarc2", value_parser = parse_format)]
    pub input_format: Option<InputFormat>,
    /// Skip rows with a wrong field count, invalid UTF-8 or an empty text (counted and
    /// reported at the end) instead of stopping at the first.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Longest field accepted (post text, id, label, any column used), in bytes, with an
    /// optional K, M or G suffix (powers of 1024). A longer field is a bad row; a row may be
    /// 16 times as long (at least 1 MiB) before reading stops.
    #[arg(long, value_name = "BYTES", default_value = "1M", value_parser = parse_bytes)]
    pub max_field_bytes: usize,
}

impl InputArgs {
    /// `--text-col`, or `text`.
    pub fn text_col(&self) -> &str {
        self.text_col.as_deref().unwrap_or("text")
    }

    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            format: self.input_format,
            delimiter: self.delimiter,
            text_col: self.text_col().to_string(),
            id_col: self.id_col.clone().unwrap_or_else(|| "id".into()),
            id_col_explicit: self.id_col.is_some(),
            extra_cols: Vec::new(),
            optional_cols: Vec::new(),
            keep_all: false,
            skip_bad_rows: self.skip_bad_rows,
            max_field_bytes: self.max_field_bytes,
            allow_empty_text: false,
            warn_repeated_ids: true,
        }
    }
}

/// The label column and the classes; shared by the commands that read labeled posts.
#[derive(Debug, Clone, clap::Args)]
pub struct LabelArgs {
    /// Column holding the labels: two values make a binary model, more a multi-class one.
    #[arg(long, default_value = "label", value_name = "NAME")]
    pub label_col: String,
    /// The label value of the troll class of a binary model [default: 1]. Given, it asks for
    /// a binary model: the column must hold exactly two values.
    #[arg(long, value_name = "VALUE", conflicts_with_all = ["labels", "min_class_count"])]
    pub positive: Option<String>,
    /// Multi-class: only these classes, in this order (comma-separated); rows with other
    /// values are left out, and counted.
    #[arg(long, value_name = "A,B,C", value_delimiter = ',', num_args = 1..)]
    pub labels: Option<Vec<String>>,
    /// Multi-class: leave out classes with fewer rows than this (they are listed).
    #[arg(long, value_name = "N")]
    pub min_class_count: Option<u64>,
}

impl LabelArgs {
    /// Which label values become classes; `multiclass`: `--multiclass` was given.
    pub fn class_spec(&self, multiclass: bool) -> crate::text::dataset::ClassSpec {
        crate::text::dataset::ClassSpec {
            positive: self.positive.clone().unwrap_or_else(|| "1".into()),
            binary_only: self.positive.is_some(),
            labels: self
                .labels
                .as_ref()
                .map(|l| l.iter().map(|s| s.trim().to_string()).collect()),
            min_class_count: self.min_class_count.unwrap_or(1),
            multiclass,
        }
    }
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        "pipe" => Ok(b'|'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!("{s:?} is not one ASCII character (or `tab`)")),
    }
}

/// `--threads N`: at least 1.
pub(crate) fn parse_threads(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{s:?} is not a number of threads (1 or more)")),
    }
}

/// Sizes the thread pool every parallel stage runs on: `threads` threads, else the
/// `RAYON_NUM_THREADS` environment variable, else one per core.
pub fn set_threads(threads: Option<usize>) -> anyhow::Result<()> {
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| anyhow::anyhow!("starting {n} threads: {e}"))?;
    }
    Ok(())
}

/// A size in bytes: `1048576`, `512K`, `1M`, `1MiB`, `2G`.
pub(crate) fn parse_bytes(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let body = lower
        .strip_suffix("ib")
        .or_else(|| lower.strip_suffix('b'))
        .unwrap_or(&lower);
    let (digits, shift) = match body.chars().last() {
        Some('k') => (&body[..body.len() - 1], 10),
        Some('m') => (&body[..body.len() - 1], 20),
        Some('g') => (&body[..body.len() - 1], 30),
        _ => (body, 0),
    };
    let n: usize = digits
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a size such as 1048576, 512K or 4M"))?;
    let bytes = n
        .checked_mul(1usize << shift)
        .ok_or_else(|| format!("{s:?} is too large"))?;
    if bytes == 0 {
        return Err(format!("{s:?}: the limit must be at least 1 byte"));
    }
    Ok(bytes)
}

fn parse_format(s: &str) -> Result<InputFormat, String> {
    InputFormat::parse(s).ok_or_else(|| {
        format!("{s:?} is not one of csv, tsv, jsonl, text, parquet, arrow, arrows, twarc2")
    })
}

/// Checks an output path before any work is done: it is not one of the inputs (that would
/// overwrite the data being read), it is not a folder, and its folder exists. `dir_output`:
/// the path is a folder the command fills (`--report`), which may not exist yet but must not
/// be a file. `flag` names the option in messages.
pub fn check_output(
    path: &std::path::Path,
    inputs: &[String],
    flag: &'static str,
    dir_output: bool,
) -> Result<(), crate::error::Error> {
    use crate::error::Error;
    let shown = path.display().to_string();
    let same = |input: &str| -> bool {
        if input == "-" {
            return false;
        }
        match (std::fs::canonicalize(input), std::fs::canonicalize(path)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    };
    if dir_output && path.exists() && !path.is_dir() {
        return Err(Error::param(
            flag,
            &shown,
            "is not a folder; it takes a folder to write its files into",
        ));
    }
    if let Some(input) = inputs.iter().find(|i| same(i)) {
        return Err(Error::param(
            flag,
            &shown,
            format!("is the input {input}: writing it would overwrite the data being read"),
        ));
    }
    if dir_output {
        return crate::util::outdir::check_dir(path);
    }
    if path.is_dir() {
        return Err(Error::param(flag, &shown, "is a folder; give a file path"));
    }
    crate::util::outdir::check_file(path)?;
    let parent = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    if !parent.is_dir() {
        return Err(Error::param(
            flag,
            &shown,
            format!(
                "its folder {} does not exist; create it first",
                parent.display()
            ),
        ));
    }
    Ok(())
}

/// Writes `text` to stdout and flushes it: a closed pipe or a full disk is an error to
/// return (`finish` turns a closed pipe into a quiet exit 0), never the panic of `print!`.
pub fn print_out(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| std::io::Error::new(e.kind(), format!("writing to standard output: {e}")))
}

/// Whether an error chain ends in a closed output pipe, whichever library wrapped it.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        if let Some(e) = cause.downcast_ref::<crate::error::Error>() {
            return e.is_broken_pipe();
        }
        if let Some(e) = cause.downcast_ref::<std::io::Error>() {
            return e.kind() == std::io::ErrorKind::BrokenPipe;
        }
        if let Some(e) = cause.downcast_ref::<serde_json::Error>() {
            return e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe);
        }
        if let Some(e) = cause.downcast_ref::<csv::Error>() {
            return matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe);
        }
        false
    })
}

/// Runs a command and turns its outcome into an exit status: 0 on success and on a closed
/// output pipe, 2 for bad input or options, 1 for anything else; errors go to stderr.
pub fn finish(result: anyhow::Result<()>) -> ExitCode {
    let Err(err) = result else {
        return ExitCode::SUCCESS;
    };
    if is_broken_pipe(&err) {
        return ExitCode::SUCCESS;
    }
    eprintln!("trollwatch: error: {err:#}");
    let code = err
        .chain()
        .find_map(|c| c.downcast_ref::<crate::error::Error>())
        .map_or(1, crate::error::Error::exit_code);
    ExitCode::from(code as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_bytes("1048576"), Ok(1 << 20));
        assert_eq!(parse_bytes("1M"), Ok(1 << 20));
        assert_eq!(parse_bytes("1MiB"), Ok(1 << 20));
        assert_eq!(parse_bytes("512k"), Ok(512 << 10));
        assert_eq!(parse_bytes("2G"), Ok(2 << 30));
        assert_eq!(parse_bytes("100b"), Ok(100));
        assert!(parse_bytes("0").is_err());
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("99999999999999999999G").is_err());
    }
}
