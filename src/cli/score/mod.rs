//! `trollwatch score` (and the `trollwatch-score` binary): posts from arguments, a file or
//! stdin → probability, label and, on request, the terms behind each score. Input is read in
//! batches and scored in parallel, so memory stays flat however long the input is; output
//! order is input order.

mod batch;
mod multiclass;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;

use crate::cli::InputArgs;
use crate::error::Error;
use crate::pipeline::model::Model;
use crate::pipeline::score::Scored;
use crate::text::dataset::PostReader;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Jsonl,
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
    /// Read posts from a CSV/TSV, JSONL or text file (plain or gzip); `-` reads stdin.
    #[arg(long, short, value_name = "FILE")]
    pub input: Option<String>,
    #[command(flatten)]
    pub input_args: InputArgs,
    /// Output format [default: table on a terminal, else jsonl].
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
    /// Report the K terms that moved each score most, with their contributions.
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub explain: usize,
    /// Score accounts instead of posts: per account, the mean and max post score, the share
    /// flagged, coordination statistics, and the account model's probability when the model
    /// has one (`train --account-model`). Reads the whole input first.
    #[arg(long, value_enum, value_name = "author", requires = "input")]
    pub by: Option<ByWhat>,
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
        if args.by.is_some() {
            return Err(Error::param(
                "by",
                "author",
                "account-level scores are for two-class models; this model is multi-class",
            )
            .into());
        }
        return multiclass::run_score(args, model);
    }
    let opts = crate::pipeline::score::ScoreOptions {
        threshold: args.threshold,
        prior: args.prior,
    };
    let threshold = model.effective_threshold(&opts);
    let stdout = std::io::stdout();
    let format = args.format.unwrap_or(if stdout.is_terminal() {
        OutputFormat::Table
    } else {
        OutputFormat::Jsonl
    });
    if args.by.is_some() || model.needs_batch_columns().is_some() {
        let w = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
        return batch::run(&args, &model, opts, format, w);
    }
    let mut out = Output::new(
        format,
        args.explain,
        std::io::BufWriter::with_capacity(1 << 16, stdout.lock()),
    );
    out.header()?;
    let started = std::time::Instant::now();
    let (mut total, mut flagged, mut unscored) = (0u64, 0u64, 0u64);
    if let Some(input) = &args.input {
        let mut reader = PostReader::open(input, args.input_args.read_options())?;
        let bar = crate::util::progress::Progress::new(!args.quiet).bar(0, "scoring");
        let size = args.batch_size.max(1);
        let mut batch = reader.next_batch(size)?;
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
                flagged += u64::from(s.positive());
                unscored += u64::from(s.score().is_none());
                out.row(&rec.id, s, row_label(&model, s))?;
            }
            total += batch.len() as u64;
            bar.set_position(total);
            batch = next?;
        }
        bar.finish_and_clear();
        out.flush()?;
        for w in reader.warnings.warning_lines(input) {
            eprintln!("warning: {w}");
        }
        if !args.quiet {
            if let Some(s) = reader.skipped.summary(input) {
                eprintln!("{s}");
            }
            if format != OutputFormat::Table || !std::io::stderr().is_terminal() || total > 20 {
                eprintln!(
                    "scored {total} posts, {flagged} labeled {:?} at threshold {}{}, in {:.2}s",
                    model.meta.labels.positive,
                    short_num(threshold),
                    match unscored {
                        0 => String::new(),
                        n => format!("; {n} with no known term got no score"),
                    },
                    started.elapsed().as_secs_f64()
                );
            }
        }
    } else {
        let scored = model.score_batch(&args.posts, opts, args.explain);
        for (i, s) in scored.iter().enumerate() {
            out.row(&(i + 1).to_string(), s, row_label(&model, s))?;
        }
        out.flush()?;
    }
    Ok(())
}

/// The label column of a scored post: the class name, or empty when it got no score.
pub fn row_label<'a>(model: &'a Model, s: &Scored) -> &'a str {
    if s.score().is_none() {
        ""
    } else {
        model.label_name(s.positive())
    }
}

/// A threshold as printed: at most four decimals, no trailing zeros.
fn short_num(x: f64) -> String {
    let s = format!("{x:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Writes scored rows in one of the output formats.
pub struct Output<W: Write> {
    format: OutputFormat,
    explain: usize,
    w: W,
}

impl<W: Write> Output<W> {
    pub fn new(format: OutputFormat, explain: usize, w: W) -> Output<W> {
        Output { format, explain, w }
    }

    pub fn header(&mut self) -> std::io::Result<()> {
        match self.format {
            OutputFormat::Table => {
                write!(self.w, "{:<16} {:>7}  {:<10}", "id", "score", "label")?;
                if self.explain > 0 {
                    write!(self.w, "  terms (contribution)")?;
                }
                writeln!(self.w)
            }
            OutputFormat::Csv => {
                write!(self.w, "id,score,label")?;
                if self.explain > 0 {
                    write!(self.w, ",explain")?;
                }
                writeln!(self.w)
            }
            OutputFormat::Jsonl => Ok(()),
        }
    }

    pub fn row(&mut self, id: &str, s: &Scored, label: &str) -> anyhow::Result<()> {
        let terms = || {
            s.explain
                .iter()
                .map(|c| format!("{} ({:+.3})", c.term, c.contribution))
                .collect::<Vec<_>>()
                .join("; ")
        };
        match self.format {
            OutputFormat::Table => {
                let id: String = if id.chars().count() > 16 {
                    id.chars().take(15).chain(std::iter::once('…')).collect()
                } else {
                    id.to_string()
                };
                match s.score() {
                    Some(p) => write!(self.w, "{id:<16} {p:>7.4}  {label:<10}")?,
                    None => write!(self.w, "{id:<16} {:>7}  {:<10}", "—", "no known term")?,
                }
                if self.explain > 0 {
                    write!(self.w, "  {}", terms())?;
                }
                writeln!(self.w)?;
            }
            OutputFormat::Csv => {
                write!(
                    self.w,
                    "{},{},{}",
                    csv_field(id),
                    s.score().map_or(String::new(), |p| format!("{p:.6}")),
                    csv_field(label)
                )?;
                if self.explain > 0 {
                    write!(self.w, ",{}", csv_field(&terms()))?;
                }
                writeln!(self.w)?;
            }
            OutputFormat::Jsonl => {
                #[derive(serde::Serialize)]
                struct Row<'a> {
                    id: &'a str,
                    score: Option<f64>,
                    label: &'a str,
                    flagged: bool,
                    known_terms: u32,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    explain: Option<&'a [crate::pipeline::score::Contribution]>,
                }
                let row = Row {
                    id,
                    score: s.score(),
                    label,
                    flagged: s.positive(),
                    known_terms: s.known_terms,
                    explain: (self.explain > 0).then_some(&s.explain[..]),
                };
                serde_json::to_writer(&mut self.w, &row).context("writing JSON")?;
                writeln!(self.w)?;
            }
        }
        Ok(())
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

/// A CSV field, quoted when it needs to be.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}
