//! `trollwatch score` over a whole batch: for models with coordination features (computed
//! over the batch, so every post waits for the analysis of the whole input before it is
//! scored) and for account-level scores (`--by author`: per account, the mean and max post
//! score, the share flagged, the coordination statistics, and the account model's probability
//! when the model has one). The input is read in batches and never held whole: per account
//! only running sums are kept, and the coordination analysis keeps each post's objects rather
//! than its text.

use std::io::Write;

use anyhow::Context;

use super::{csv_field, Args, Highlight, Output, OutputFormat};
use crate::coordination::input::Texts;
use crate::error::Error;
use crate::pipeline::account::{self, AccountScore};
use crate::pipeline::features::{self, CoordinationSpec};
use crate::pipeline::model::Model;
use crate::text::dataset::{PostReader, Record};

/// Scores `args.input` as one batch. `by_author` switches to account rows.
pub fn run(
    args: &Args,
    model: &Model,
    score_opts: crate::pipeline::score::ScoreOptions,
    format: OutputFormat,
    mut out: impl Write + Send,
) -> anyhow::Result<()> {
    let by_author = args.by.is_some();
    if !(args.shrinkage.is_finite() && args.shrinkage >= 0.0) {
        return Err(Error::param("shrinkage", args.shrinkage, "must be 0 or more").into());
    }
    let input = batch_input(args, model, by_author)?;
    let author_col = author_column(args, model);
    let spec = coordination_spec(args, model, &author_col, by_author);
    if by_author && spec.is_none() && !args.quiet {
        eprintln!(
            "note: no coordination statistics per account (the model has no coordination \
             features): pass --time-col NAME to compute them over this batch"
        );
    }
    let cols = input_columns(by_author, &author_col, spec.as_ref());
    let mut opts = super::read_options(args, model);
    opts.extra_cols = cols.clone();
    // Account rows and coordination models pass no input columns through (refused earlier).
    opts.keep_all = false;
    let mut reader = PostReader::open(input, opts)?;
    let progress = crate::util::progress::Progress::new(!args.quiet);
    let mut sink = Sink {
        model,
        score_opts,
        threshold: model.effective_threshold(&score_opts),
        cols: &cols,
        author_at: cols.iter().position(|c| *c == author_col),
        spec: spec.as_ref(),
        by_author,
        gatherer: spec.as_ref().map(features::Gatherer::new).transpose()?,
        accounts: account::Aggregator::default(),
        waiting: Waiting::default(),
    };
    let (kept, bad_rows) = sink.read_all(&mut reader, input, args, &progress)?;
    let mut skipped = reader.skipped.clone();
    for w in reader.warnings.warning_lines(input) {
        eprintln!("warning: {w}");
    }
    crate::text::dataset::columns::merge_skips(&mut skipped, bad_rows);
    let Sink {
        threshold,
        gatherer,
        mut accounts,
        waiting,
        ..
    } = sink;
    let analysis = gatherer.map(|g| finish_analysis(g, &progress));
    let summary = |what: String| {
        if !args.quiet {
            if let Some(s) = skipped.summary(input) {
                eprintln!("{s}");
            }
            eprintln!("{what}");
        }
    };
    if model.meta.coordination.is_some() {
        let dense = analysis.as_ref().map(|a| &a.dense);
        let explain = if by_author { 0 } else { args.explain };
        let mut w = (!by_author).then(|| {
            Output::new(format, args.explain, &mut out)
                .explain_format(args.explain_format, Highlight::Brackets)
        });
        if let Some(w) = &mut w {
            w.header()?;
        }
        let flagged = score_waiting(
            &waiting,
            dense,
            model,
            (score_opts, explain, threshold),
            w.as_mut(),
            &mut accounts,
        )?;
        if let Some(mut w) = w {
            w.finish()?;
            summary(format!(
                "scored {kept} posts with coordination features, {flagged} labeled {:?} at \
                 threshold {threshold}",
                model.meta.labels.positive
            ));
            return Ok(());
        }
    }
    let unnamed = accounts.unnamed();
    let (accounts, few) = ranked_accounts(
        accounts,
        analysis.as_ref(),
        model,
        (args.shrinkage, args.min_posts),
    );
    write_accounts(&accounts, format, out_label(model), out)?;
    let mut left_out = Vec::new();
    if unnamed > 0 {
        left_out.push(format!("{unnamed} posts without an account"));
    }
    if few > 0 {
        left_out.push(format!(
            "{few} accounts of fewer than {} posts (--min-posts)",
            args.min_posts
        ));
    }
    summary(format!(
        "scored {kept} posts of {} accounts{}",
        accounts.len() + few,
        if left_out.is_empty() {
            String::new()
        } else {
            format!(" ({} left out)", left_out.join(", "))
        }
    ));
    Ok(())
}

/// The columns read beside the text: the account column, then the coordination columns,
/// each once.
fn input_columns(
    by_author: bool,
    author_col: &str,
    spec: Option<&CoordinationSpec>,
) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    if by_author {
        cols.push(author_col.to_string());
    }
    if let Some(s) = spec {
        cols.extend(s.columns());
    }
    let mut seen = std::collections::HashSet::new();
    cols.retain(|c| seen.insert(c.clone()));
    cols
}

/// Where the posts of the input go as they are read. The input is never held whole: a
/// text-only model scores each batch as it comes and only per-account sums are kept; the
/// coordination analysis keeps each post's objects, not its text. A model with coordination
/// features needs the analysis of the whole input before it scores, so its posts wait, as
/// compact text.
struct Sink<'a> {
    model: &'a Model,
    score_opts: crate::pipeline::score::ScoreOptions,
    threshold: f64,
    /// The columns read beside the text.
    cols: &'a [String],
    /// The account column's place in `cols`.
    author_at: Option<usize>,
    spec: Option<&'a CoordinationSpec>,
    by_author: bool,
    gatherer: Option<features::Gatherer>,
    accounts: account::Aggregator,
    waiting: Waiting,
}

impl Sink<'_> {
    /// Reads every batch, each taken while the next is read; the posts kept and the rows left
    /// out for want of an author or a time.
    fn read_all(
        &mut self,
        reader: &mut PostReader,
        input: &str,
        args: &Args,
        progress: &crate::util::progress::Progress,
    ) -> anyhow::Result<(usize, crate::text::dataset::SkipReport)> {
        let bar = progress.bar(0, "reading");
        let cols = self.cols;
        let pos = |name: &str| cols.iter().position(|c| c == name);
        let mut bad_rows = crate::text::dataset::SkipReport::default();
        let mut kept = 0usize;
        let mut batch = reader.next_batch(BATCH)?;
        while !batch.is_empty() {
            let times = match self.spec {
                Some(s) => check_rows(&mut batch, s, &pos, input, args, &mut bad_rows)?,
                None => Vec::new(),
            };
            kept += batch.len();
            let records = &batch;
            // This batch is analysed and scored while the next one is read.
            let next = std::thread::scope(|scope| {
                let work = scope.spawn(|| self.take(records, &times));
                let next = reader.next_batch(BATCH);
                work.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                next
            });
            bar.set_position(kept as u64);
            batch = next?;
        }
        bar.finish_and_clear();
        Ok((kept, bad_rows))
    }

    /// Takes one batch: into the coordination analysis, then scored into the account sums or
    /// kept waiting.
    fn take(&mut self, records: &[Record], times: &[i64]) {
        let cols = self.cols;
        let pos = |name: &str| cols.iter().position(|c| c == name);
        let ai = self.author_at;
        let author = |r: &Record| ai.map_or("", |i| r.fields[i].as_str()).to_string();
        if let (Some(g), Some(s)) = (self.gatherer.as_mut(), self.spec) {
            g.push(&feature_rows(records, times, s, &pos));
        }
        if self.model.meta.coordination.is_some() {
            for r in records {
                self.waiting.texts.push(&r.text);
                if self.by_author {
                    self.waiting.authors.push(&author(r));
                } else {
                    self.waiting.ids.push(&r.id);
                }
            }
        } else {
            let texts: Vec<&str> = records.iter().map(|r| r.text.as_str()).collect();
            let scored = self.model.score_batch(&texts, self.score_opts, 0);
            for (r, sc) in records.iter().zip(&scored) {
                if let Some(p) = sc.score() {
                    self.accounts.add(&author(r), p, self.threshold);
                }
            }
        }
    }
}

/// The coordination analysis of the whole input, behind a spinner; its warning, if any, on
/// stderr.
fn finish_analysis(
    g: features::Gatherer,
    progress: &crate::util::progress::Progress,
) -> features::Analysis {
    let spinner = progress.bar(0, "coordination");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let a = g.finish();
    spinner.finish_and_clear();
    if let Some(w) = &a.capped {
        eprintln!("warning: {w}");
    }
    a
}

/// The accounts' rows, with the account model's probability when the model has one, most
/// suspicious first (by that probability, else the shrunk mean post score; ties by name);
/// accounts under `min_posts` posts left out (their number returned).
fn ranked_accounts(
    accounts: account::Aggregator,
    analysis: Option<&features::Analysis>,
    model: &Model,
    (shrinkage, min_posts): (f64, u32),
) -> (Vec<AccountScore>, usize) {
    let mut accounts = accounts.finish(analysis.map(|a| (&a.posts, &a.graph)));
    account::shrink(&mut accounts, shrinkage);
    let before = accounts.len();
    accounts.retain(|a| a.posts >= min_posts);
    let few = before - accounts.len();
    if let Some(am) = &model.meta.account_model {
        for a in &mut accounts {
            let f = a.features();
            a.account_score = Some(am.probability(&f[..am.weights.len().min(f.len())]));
        }
    }
    accounts.sort_by(|a, b| {
        let key = |x: &AccountScore| x.account_score.unwrap_or(x.shrunk_score);
        key(b)
            .total_cmp(&key(a))
            .then_with(|| a.account.cmp(&b.account))
    });
    (accounts, few)
}

/// Scores the posts that waited for the coordination analysis of the whole input: as post
/// rows into `out`, or (without it) into the accounts' sums. The posts flagged.
fn score_waiting<W: Write + Send>(
    waiting: &Waiting,
    dense: Option<&features::Dense>,
    model: &Model,
    (score_opts, explain, threshold): (crate::pipeline::score::ScoreOptions, usize, f64),
    mut out: Option<&mut Output<W>>,
    accounts: &mut account::Aggregator,
) -> anyhow::Result<u64> {
    let mut flagged = 0u64;
    for start in (0..waiting.texts.len()).step_by(BATCH) {
        let end = (start + BATCH).min(waiting.texts.len());
        let texts: Vec<&str> = (start..end).map(|i| waiting.texts.get(i)).collect();
        let rows = dense.map(|d| features::Dense {
            names: d.names.clone(),
            values: d.values[start * d.width()..end * d.width()].to_vec(),
        });
        let scored = model.score_batch_with(&texts, rows.as_ref(), score_opts, explain);
        for (i, sc) in (start..end).zip(&scored) {
            match &mut out {
                Some(w) => {
                    flagged += u64::from(sc.positive());
                    w.row(
                        waiting.ids.get(i),
                        waiting.texts.get(i),
                        sc,
                        model.label_of(sc),
                    )?;
                }
                None => {
                    if let Some(p) = sc.score() {
                        accounts.add(waiting.authors.get(i), p, threshold);
                    }
                }
            }
        }
    }
    Ok(flagged)
}

/// The rows of a batch as the coordination analysis takes them.
fn feature_rows<'a>(
    records: &'a [Record],
    times: &[i64],
    s: &CoordinationSpec,
    pos: &dyn Fn(&str) -> Option<usize>,
) -> Vec<features::Row<'a>> {
    let field = |name: &Option<String>| name.as_deref().and_then(pos);
    let (ai, ri, ui) = (pos(&s.author_col), field(&s.repost_col), field(&s.url_col));
    records
        .iter()
        .zip(times)
        .map(|(r, &time)| features::Row {
            author: ai.map_or("", |i| r.fields[i].as_str()),
            time,
            text: &r.text,
            repost: ri.is_some_and(|i| s.is_repost(&r.fields[i])),
            urls: ui.map(|i| r.fields[i].as_str()),
        })
        .collect()
}

/// The file to score as one batch; an error saying why posts given as arguments will not do.
fn batch_input<'a>(args: &'a Args, model: &Model, by_author: bool) -> Result<&'a str, Error> {
    args.input.as_deref().ok_or_else(|| {
        let why = match model.needs_batch_columns() {
            Some(cols) if !by_author => format!(
                "this model uses coordination features, computed over a batch of posts from \
                 their columns {}; posts given as arguments have none: score a file with \
                 --input that has those columns",
                cols.join(", ")
            ),
            _ => "--by author needs posts from a file: pass --input FILE (or - for stdin)"
                .to_string(),
        };
        Error::param("input", "(none)", why)
    })
}

/// The column naming the account: `--author-col`, else the model's, else `author`.
fn author_column(args: &Args, model: &Model) -> String {
    args.author_col
        .clone()
        .or_else(|| model.meta.author_col.clone())
        .or_else(|| {
            model
                .meta
                .coordination
                .as_ref()
                .map(|c| c.author_col.clone())
        })
        .unwrap_or_else(|| "author".into())
}

/// The coordination settings the batch is analysed with: the model's; for account
/// statistics without them, the defaults over `--time-col`.
fn coordination_spec(
    args: &Args,
    model: &Model,
    author_col: &str,
    by_author: bool,
) -> Option<CoordinationSpec> {
    match (&model.meta.coordination, &args.time_col) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(t)) if by_author => Some(CoordinationSpec {
            author_col: author_col.to_string(),
            time_col: t.clone(),
            repost_col: None,
            repost_value: None,
            url_col: None,
            window_seconds: 60,
            kinds: crate::coordination::KINDS
                .iter()
                .map(|k| k.name().to_string())
                .collect(),
            similarity: 0.8,
            min_tokens: 5,
            max_object_accounts: crate::coordination::DEFAULT_MAX_OBJECT_ACCOUNTS,
        }),
        _ => None,
    }
}

/// Each row's time; rows without an author or a parsable time are errors or, with
/// `--skip-bad-rows`, dropped from `batch` and counted in `bad_rows`.
fn check_rows(
    batch: &mut Vec<Record>,
    s: &CoordinationSpec,
    pos: &dyn Fn(&str) -> Option<usize>,
    input: &str,
    args: &Args,
    bad_rows: &mut crate::text::dataset::SkipReport,
) -> Result<Vec<i64>, Error> {
    let mut times = Vec::new();
    let (ti, ai) = (pos(&s.time_col), pos(&s.author_col));
    let mut keep = Vec::with_capacity(batch.len());
    for r in batch.iter() {
        let author = ai.map_or("", |i| r.fields[i].as_str());
        let time = ti.and_then(|i| crate::util::time::parse(&r.fields[i]));
        let problem = if author.trim().is_empty() {
            Some(("empty author", features::empty_author(s, input, r.line)))
        } else if time.is_none() {
            let v = ti.map_or("", |i| r.fields[i].as_str());
            Some((
                "unparsable time",
                Error::BadRow {
                    path: input.into(),
                    line: r.line,
                    problem: format!(
                        "column {:?} holds {}, which is not a timestamp (ISO 8601 such \
                             as 2016-09-01T13:05:00Z, or Unix seconds)",
                        s.time_col,
                        crate::error::shown(v)
                    ),
                    hint: "; fix it, or pass --skip-bad-rows to skip such rows".into(),
                },
            ))
        } else {
            None
        };
        match problem {
            None => {
                keep.push(true);
                times.push(time.unwrap_or_default());
            }
            Some((reason, _)) if args.input_args.skip_bad_rows => {
                keep.push(false);
                bad_rows.add(reason, r.line);
            }
            Some((_, e)) => return Err(e),
        }
    }
    let mut k = keep.iter();
    batch.retain(|_| *k.next().unwrap_or(&true));
    Ok(times)
}

/// Posts read and scored at a time.
const BATCH: usize = 8192;

/// Posts of a model with coordination features, waiting for the analysis of the whole input.
#[derive(Default)]
struct Waiting {
    texts: Texts,
    ids: Texts,
    authors: Texts,
}

fn out_label(model: &Model) -> (&str, &str) {
    (&model.meta.labels.negative, &model.meta.labels.positive)
}

/// Writes account rows; the label (at 0.5 of the account model's probability) only when there
/// is an account model.
fn write_accounts(
    accounts: &[AccountScore],
    format: OutputFormat,
    (negative, positive): (&str, &str),
    mut w: impl Write + Send,
) -> anyhow::Result<()> {
    let columns = AccountColumns {
        coordination: accounts.first().is_some_and(|a| a.coordination.is_some()),
        model: accounts.first().is_some_and(|a| a.account_score.is_some()),
        negative,
        positive,
    };
    match format {
        OutputFormat::Jsonl => {
            for a in accounts {
                let mut v = serde_json::to_value(a)?;
                if columns.model {
                    v["label"] = columns.label(a).into();
                }
                serde_json::to_writer(&mut w, &v).context("writing JSON")?;
                writeln!(w)?;
            }
        }
        OutputFormat::Csv => accounts_csv(accounts, &columns, &mut w)?,
        OutputFormat::Table => accounts_table(accounts, &columns, &mut w)?,
        OutputFormat::Parquet => return Ok(accounts_parquet(accounts, &columns, w)?),
    }
    w.flush()?;
    Ok(())
}

/// Which account columns there are, and the labels of the account model's two sides.
struct AccountColumns<'a> {
    coordination: bool,
    model: bool,
    negative: &'a str,
    positive: &'a str,
}

impl AccountColumns<'_> {
    /// The account model's label at 0.5; empty without an account model.
    fn label(&self, a: &AccountScore) -> &str {
        match a.account_score {
            Some(p) if p >= 0.5 => self.positive,
            Some(_) => self.negative,
            None => "",
        }
    }
}

fn accounts_csv(
    accounts: &[AccountScore],
    columns: &AccountColumns,
    w: &mut impl Write,
) -> std::io::Result<()> {
    write!(
        w,
        "account,posts,mean_score,shrunk_score,max_score,share_flagged"
    )?;
    if columns.coordination {
        write!(
            w,
            ",coordinated_posts,share_coordinated,degree,max_edge_weight,cluster,cluster_size"
        )?;
    }
    if columns.model {
        write!(w, ",account_score,label")?;
    }
    writeln!(w)?;
    for a in accounts {
        write!(
            w,
            "{},{},{:.6},{:.6},{:.6},{:.6}",
            csv_field(&a.account),
            a.posts,
            a.mean_score,
            a.shrunk_score,
            a.max_score,
            a.share_flagged
        )?;
        if let Some(c) = &a.coordination {
            write!(
                w,
                ",{},{:.6},{},{},{},{}",
                c.coordinated_posts,
                c.share_coordinated,
                c.degree,
                c.max_edge_weight,
                c.cluster,
                c.cluster_size
            )?;
        }
        if let Some(p) = a.account_score {
            write!(w, ",{p:.6},{}", csv_field(columns.label(a)))?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// The columns of [`accounts_csv`], typed.
fn accounts_parquet(
    accounts: &[AccountScore],
    columns: &AccountColumns,
    w: impl Write + Send,
) -> std::io::Result<()> {
    use super::parquet::{Kind, Table, Value};
    let mut names: Vec<(&str, Kind)> = vec![
        ("account", Kind::Text),
        ("posts", Kind::UInt),
        ("mean_score", Kind::Float),
        ("shrunk_score", Kind::Float),
        ("max_score", Kind::Float),
        ("share_flagged", Kind::Float),
    ];
    if columns.coordination {
        names.extend([
            ("coordinated_posts", Kind::UInt),
            ("share_coordinated", Kind::Float),
            ("degree", Kind::UInt),
            ("max_edge_weight", Kind::UInt),
            ("cluster", Kind::UInt),
            ("cluster_size", Kind::UInt),
        ]);
    }
    if columns.model {
        names.extend([("account_score", Kind::Float), ("label", Kind::Text)]);
    }
    let names: Vec<(String, Kind)> = names.into_iter().map(|(n, k)| (n.into(), k)).collect();
    let mut table = Table::new(w, &names)?;
    for a in accounts {
        let mut row = vec![
            Value::Text(&a.account),
            Value::UInt(a.posts),
            Value::Float(Some(a.mean_score)),
            Value::Float(Some(a.shrunk_score)),
            Value::Float(Some(a.max_score)),
            Value::Float(Some(a.share_flagged)),
        ];
        if columns.coordination {
            match &a.coordination {
                Some(c) => row.extend([
                    Value::UInt(c.coordinated_posts),
                    Value::Float(Some(c.share_coordinated)),
                    Value::UInt(c.degree),
                    Value::UInt(c.max_edge_weight),
                    Value::UInt(c.cluster),
                    Value::UInt(c.cluster_size),
                ]),
                None => row.extend([Value::Float(None); 6]),
            }
        }
        if columns.model {
            row.extend([Value::Float(a.account_score), Value::Text(columns.label(a))]);
        }
        table.push(&row)?;
    }
    table.finish()
}

fn accounts_table(
    accounts: &[AccountScore],
    columns: &AccountColumns,
    w: &mut impl Write,
) -> std::io::Result<()> {
    write!(
        w,
        "{:<20} {:>6} {:>7} {:>7} {:>7} {:>8}",
        "account", "posts", "mean", "shrunk", "max", "flagged"
    )?;
    if columns.coordination {
        write!(w, " {:>7} {:>6} {:>7}", "coord%", "degree", "cluster")?;
    }
    if columns.model {
        write!(w, " {:>8}  label", "account")?;
    }
    writeln!(w)?;
    for a in accounts {
        write!(
            w,
            "{:<20} {:>6} {:>7.4} {:>7.4} {:>7.4} {:>7.1}%",
            crate::report::clip(&a.account, 20),
            a.posts,
            a.mean_score,
            a.shrunk_score,
            a.max_score,
            100.0 * a.share_flagged
        )?;
        if let Some(c) = &a.coordination {
            write!(
                w,
                " {:>6.1}% {:>6} {:>7}",
                100.0 * c.share_coordinated,
                c.degree,
                if c.cluster == 0 {
                    "-".to_string()
                } else {
                    format!("{} ({})", c.cluster, c.cluster_size)
                }
            )?;
        }
        if let Some(p) = a.account_score {
            write!(w, " {p:>8.4}  {}", columns.label(a))?;
        }
        writeln!(w)?;
    }
    Ok(())
}
