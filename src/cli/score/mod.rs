//! `trollwatch score` (and the `trollwatch-score` binary): posts from arguments, a file or
//! stdin → probability, label and, on request, the terms behind each score. Input is read in
//! batches and scored in parallel, so memory stays flat however long the input is; output
//! order is input order.

mod batch;
mod output;
mod parquet;

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::InputArgs;
use crate::error::Error;
use crate::pipeline::model::Model;
use crate::pipeline::score::Scored;
use crate::text::dataset::PostReader;

pub use output::{csv_field, Highlight, Output};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Jsonl,
    /// CSV's columns, typed, as a Parquet file on standard output (redirect it to a file).
    Parquet,
}

/// How CSV, the table and Parquet write the terms behind a score (`--explain-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ExplainFormat {
    /// The words as the post wrote them: `Hillary (+1.388)`.
    #[default]
    Words,
    /// The terms as the model knows them, lowercased and stemmed: `hillari (+1.388)`.
    Stems,
    /// The words and the byte offsets of each occurrence: `Hillary@0..7 (+1.388)`; the
    /// table also prints the post with the words marked.
    Spans,
}

/// What `--by` aggregates over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ByWhat {
    Author,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  trollwatch score --model models/my.model \"Some post text\" \"Another post\"\n  \
    trollwatch score --model models/my.model --input batch.csv --by author --format csv > accounts.csv\n  \
    cat new_posts.csv | trollwatch score --model models/my.model --input - --format jsonl\n  \
    trollwatch score --model models/my.model --input posts.jsonl --explain 5 --format csv > scores.csv"
)]
pub struct Args {
    /// The model file.
    #[arg(long, short, value_name = "PATH")]
    pub model: PathBuf,
    /// Posts to score, given as arguments (ids 1, 2, ...).
    #[arg(value_name = "POST", conflicts_with = "input")]
    pub posts: Vec<String>,
    /// Read posts from a CSV/TSV, JSONL (twarc2's too) or text file (plain or gzip), or from
    /// Parquet or Arrow IPC; `-` reads stdin.
    #[arg(long, short, value_name = "FILE")]
    pub input: Option<String>,
    #[command(flatten)]
    pub input_args: InputArgs,
    /// Output format [default: table on a terminal, else jsonl]. `parquet` writes CSV's
    /// columns typed (score a nullable float64, flagged a boolean) to standard output, which
    /// must then not be a terminal: redirect it to a file.
    #[arg(long, short, value_enum)]
    pub format: Option<OutputFormat>,
    /// Flag posts whose probability (at --prior) reaches this [default: the model's
    /// threshold, chosen for its target false-positive rate when it has one].
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Expected share of troll posts among the posts scored: probabilities are shifted to
    /// this prior by Bayes' rule [default: the model's, 0.5 unless trained otherwise]. It
    /// changes the probabilities, not which posts the model's threshold flags.
    #[arg(long, value_name = "P")]
    pub prior: Option<f64>,
    /// Input columns to pass through to the output, after the score's columns
    /// (comma-separated; CSV, JSONL and Parquet output, as text).
    #[arg(long, value_name = "A,B", value_delimiter = ',', requires = "input")]
    pub keep_cols: Vec<String>,
    /// Pass every input column through, in the input's order, after the score's columns
    /// (but the id column, whose values are `id`). A column named like one of the output's
    /// own (label, score, ...) is written as input_NAME, as stderr notes. JSON lines input:
    /// the keys of the first object.
    #[arg(long, conflicts_with = "keep_cols", requires = "input")]
    pub keep_all: bool,
    /// Report the K terms that moved each score most, with their contributions.
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub explain: usize,
    /// How CSV, the table and Parquet write the explained terms: the post's words, the
    /// model's stems, or the words with their byte offsets (the table then marks them in
    /// the post's text). JSON lines always carry all three.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ExplainFormat::Words)]
    pub explain_format: ExplainFormat,
    /// Score accounts instead of posts: per account, the mean and max post score, the share
    /// flagged, coordination statistics, and the account model's probability when the model
    /// has one (`train --account-model`). Rows come out when the whole input has been read
    /// (in batches: per account only running sums are kept).
    #[arg(long, value_enum, value_name = "author", requires = "input")]
    pub by: Option<ByWhat>,
    /// With --by author: rank accounts without an account model by their mean post score
    /// shrunk toward the batch's mean as if each had M more posts scoring that mean (0: the
    /// plain mean), so that a few high scores do not outrank many.
    #[arg(long, value_name = "M", default_value_t = 5.0)]
    pub shrinkage: f64,
    /// With --by author: leave out accounts with fewer posts than this (counted).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub min_posts: u32,
    /// Column naming the account [default: the model's, else author].
    #[arg(long, value_name = "NAME")]
    pub author_col: Option<String>,
    /// With --by author and a model without coordination features: compute the accounts'
    /// coordination statistics over the batch from this time column (60 s window, all kinds).
    #[arg(long, value_name = "NAME")]
    pub time_col: Option<String>,
    /// Posts read and scored at a time.
    #[arg(long, default_value_t = 8192, hide = true)]
    pub batch_size: usize,
    /// No summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// The flags of `trollwatch score`, as the `trollwatch-score` binary takes them.
#[derive(Debug, clap::Parser)]
#[command(
    name = "trollwatch-score",
    version,
    about = "Score posts with a trollwatch model"
)]
pub struct StandaloneArgs {
    #[command(flatten)]
    pub score: Args,
    /// Threads scoring in parallel [default: one per core].
    #[arg(long, value_name = "N", value_parser = crate::cli::parse_threads)]
    pub threads: Option<usize>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(t) = args.threshold {
        if !(0.0..=1.0).contains(&t) {
            return Err(Error::param("threshold", t, "must be in [0, 1]").into());
        }
    }
    if let Some(p) = args.prior {
        if !(p > 0.0 && p < 1.0) {
            return Err(Error::param("prior", p, "must be in (0, 1)").into());
        }
    }
    if args.format == Some(OutputFormat::Parquet) && std::io::stdout().is_terminal() {
        return Err(Error::param(
            "format",
            "parquet",
            "writes a binary file to standard output, which is a terminal here: redirect it, \
             e.g. `> scores.parquet`",
        )
        .into());
    }
    if args.posts.is_empty() && args.input.is_none() {
        return Err(Error::param(
            "input",
            "(none)",
            "give posts as arguments, or --input FILE (or - for stdin)",
        )
        .into());
    }
    let model = Model::load(&args.model)?;
    if !model.head.is_binary() {
        two_class_options(&args)?;
    }
    check_kept(&args, &model)?;
    let opts = crate::pipeline::score::ScoreOptions {
        threshold: args.threshold,
        prior: args.prior,
    };
    let threshold = model.effective_threshold(&opts);
    let stdout = std::io::stdout();
    let stdout_is_terminal = stdout.is_terminal();
    let format = args.format.unwrap_or(if stdout_is_terminal {
        OutputFormat::Table
    } else {
        OutputFormat::Jsonl
    });
    // Unlocked: the Parquet writer needs an output it may move across threads.
    let w = std::io::BufWriter::with_capacity(1 << 16, stdout);
    if args.by.is_some() || model.needs_batch_columns().is_some() {
        return batch::run(&args, &model, opts, format, w);
    }
    let highlight = if stdout_is_terminal && std::env::var_os("NO_COLOR").is_none() {
        Highlight::Bold
    } else {
        Highlight::Brackets
    };
    let mut out = Output::for_model(format, args.explain, &model, w)
        .explain_format(args.explain_format, highlight);
    let started = std::time::Instant::now();
    let mut tally = Tally::new(&model);
    if let Some(input) = &args.input {
        let mut reader = PostReader::open(input, read_options(&args, &model))?;
        let kept = kept_columns(&args, &model, &mut reader)?;
        out = out.keep(kept);
        out.header()?;
        let streaming = input == "-" && !stdin_is_file();
        let bar = crate::util::progress::Progress::new(!args.quiet && !streaming).bar(0, "scoring");
        let size = args.batch_size.max(1);
        if streaming {
            out.flush()?;
            // A pipe or a terminal: each post is scored and its row written as soon as it
            // is read, so a co-process gets an answer before it sends the next post.
            loop {
                let one = reader.next_batch(1)?;
                let Some(rec) = one.first() else { break };
                let s = model.score_one(&rec.text, opts, args.explain);
                tally.add(&s);
                out.row_with(&rec.id, &rec.text, &s, model.label_of(&s), &rec.fields)?;
                out.flush()?;
            }
        }
        let mut batch = if streaming {
            Vec::new()
        } else {
            reader.next_batch(size)?
        };
        while !batch.is_empty() {
            // The next batch is read while this one is scored.
            let (scored, next) = std::thread::scope(|s| {
                let scoring = s.spawn(|| {
                    let texts: Vec<&str> = batch.iter().map(|r| r.text.as_str()).collect();
                    model.score_batch(&texts, opts, args.explain)
                });
                let next = reader.next_batch(size);
                let scored = scoring
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (scored, next)
            });
            for (rec, s) in batch.iter().zip(&scored) {
                tally.add(s);
                out.row_with(&rec.id, &rec.text, s, model.label_of(s), &rec.fields)?;
            }
            bar.set_position(tally.total);
            batch = next?;
        }
        bar.finish_and_clear();
        out.finish()?;
        for w in reader.warnings.warning_lines(input) {
            eprintln!("warning: {w}");
        }
        if !args.quiet {
            if let Some(s) = reader.skipped.summary(input) {
                eprintln!("{s}");
            }
            let total = tally.total;
            if format != OutputFormat::Table || !std::io::stderr().is_terminal() || total > 20 {
                eprintln!(
                    "{} in {:.2}s",
                    tally.summary(&model, threshold),
                    started.elapsed().as_secs_f64()
                );
            }
        }
    } else {
        out.header()?;
        let scored = model.score_batch(&args.posts, opts, args.explain);
        for ((i, s), text) in scored.iter().enumerate().zip(&args.posts) {
            out.row(&(i + 1).to_string(), text, s, model.label_of(s))?;
        }
        out.finish()?;
    }
    Ok(())
}

/// How the input is read: `--text-col` defaults to the column the model was trained on.
pub(crate) fn read_options(args: &Args, model: &Model) -> crate::text::dataset::ReadOptions {
    let mut opts = args.input_args.read_options();
    if args.input_args.text_col.is_none() {
        opts.text_col.clone_from(&model.meta.input.text_col);
    }
    opts.extra_cols.clone_from(&args.keep_cols);
    opts.keep_all = args.keep_all;
    opts
}

/// The names under which the kept input columns are written: `--keep-cols` as given; with
/// `--keep-all` every column the reader found, one named like a column of the output's own
/// written as `input_NAME` (`input_input_NAME`, ... until the name is free), with a note on
/// stderr.
fn kept_columns(
    args: &Args,
    model: &Model,
    reader: &mut PostReader,
) -> anyhow::Result<Vec<String>> {
    if !args.keep_all {
        return Ok(args.keep_cols.clone());
    }
    let found = reader.kept_columns()?;
    let mut names: Vec<String> = Vec::with_capacity(found.len());
    for column in &found {
        let mut name = column.clone();
        while own_column(model, &name)
            || names.contains(&name)
            || (name != *column && found.contains(&name))
        {
            name = format!("input_{name}");
        }
        if name != *column && !args.quiet {
            eprintln!(
                "note: --keep-all: input column {column:?} is written as {name:?} (the output \
                 has a column {column:?} of its own)"
            );
        }
        names.push(name);
    }
    Ok(names)
}

/// Whether the output of `model` has a column of this name (or may have: `intercept` with
/// `--explain`).
fn own_column(model: &Model, name: &str) -> bool {
    const OWN: [&str; 9] = [
        "id",
        "score",
        "label",
        "flagged",
        "known_terms",
        "explain",
        "probability",
        "probabilities",
        "intercept",
    ];
    OWN.contains(&name)
        || model
            .class_names()
            .is_some_and(|names| names.iter().any(|c| name.strip_prefix("p_") == Some(c)))
}

/// `--keep-cols` and `--keep-all`: for post rows in a format with columns; `--keep-cols`
/// named unlike the score's own.
fn check_kept(args: &Args, model: &Model) -> Result<(), Error> {
    let (flag, shown) = match args.keep_cols.first() {
        Some(_) => ("keep-cols", args.keep_cols.join(",")),
        None if args.keep_all => ("keep-all", "(set)".to_string()),
        None => return Ok(()),
    };
    if args.by.is_some() || model.needs_batch_columns().is_some() {
        return Err(Error::param(
            flag,
            shown,
            "passes columns through to post rows scored one by one; not with --by or a \
             model with coordination features",
        ));
    }
    let table = match args.format {
        Some(f) => f == OutputFormat::Table,
        None => std::io::stdout().is_terminal(),
    };
    if table {
        return Err(Error::param(
            flag,
            shown,
            "the table shows id, score and label only: use --format csv, jsonl or parquet",
        ));
    }
    for (i, k) in args.keep_cols.iter().enumerate() {
        if own_column(model, k) {
            return Err(Error::param(
                "keep-cols",
                k,
                "the output has a column of its own by that name (id, score, label, flagged, \
                 known_terms, explain, intercept, probability, p_CLASS); --keep-all writes \
                 such a column as input_NAME",
            ));
        }
        if k.is_empty() || args.keep_cols[..i].contains(k) {
            return Err(Error::param(
                "keep-cols",
                &shown,
                "names a column twice, or none",
            ));
        }
    }
    Ok(())
}

/// Whether standard input is a regular file (redirected from one), which is read in
/// batches; a pipe or a terminal is read post by post.
fn stdin_is_file() -> bool {
    use std::os::fd::AsFd;
    std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|f| f.metadata())
        .is_ok_and(|m| m.is_file())
}

/// Options that only a two-class model has, refused for K classes.
fn two_class_options(args: &Args) -> Result<(), Error> {
    if args.by.is_some() {
        return Err(Error::param(
            "by",
            "author",
            "account-level scores are for two-class models; this model is multi-class",
        ));
    }
    if args.threshold.is_some() {
        return Err(Error::param(
            "threshold",
            "(set)",
            "a multi-class model predicts the most probable class; --threshold applies to binary models",
        ));
    }
    if args.prior.is_some() {
        return Err(Error::param(
            "prior",
            "(set)",
            "a multi-class model's probabilities are not shifted to a prior; --prior applies to \
             binary models",
        ));
    }
    Ok(())
}

/// Posts scored so far, for the summary line.
struct Tally {
    total: u64,
    /// Per class (K classes), or [not flagged, flagged] (two).
    per_class: Vec<u64>,
    unscored: u64,
}

impl Tally {
    fn new(model: &Model) -> Tally {
        Tally {
            total: 0,
            per_class: vec![0; model.class_names().map_or(2, <[String]>::len)],
            unscored: 0,
        }
    }

    fn add(&mut self, s: &Scored) {
        self.total += 1;
        if s.score().is_none() {
            self.unscored += 1;
        } else {
            self.per_class[s.class] += 1;
        }
    }

    /// `scored N posts, F labeled "troll" at threshold T` (two classes) or `scored N posts
    /// (n "a", m "b", ...)` (K).
    fn summary(&self, model: &Model, threshold: f64) -> String {
        let total = self.total;
        match model.class_names() {
            Some(names) => {
                let per: Vec<String> = names
                    .iter()
                    .zip(&self.per_class)
                    .map(|(n, c)| format!("{c} {n:?}"))
                    .collect();
                format!("scored {total} posts ({})", per.join(", "))
            }
            None => format!(
                "scored {total} posts, {} labeled {:?} at threshold {}{},",
                self.per_class[1],
                model.meta.labels.positive,
                short_num(threshold),
                match self.unscored {
                    0 => String::new(),
                    n => format!("; {n} with no known term got no score"),
                },
            ),
        }
    }
}

/// A threshold as printed: at most four decimals, no trailing zeros.
fn short_num(x: f64) -> String {
    let s = format!("{x:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
