//! `trollwatch score` over a whole batch: for models with coordination features (computed
//! over the batch, so the batch is read whole before scoring) and for account-level scores
//! (`--by author`: per account, the mean and max post score, the share flagged, the
//! coordination statistics, and the account model's probability when the model has one).

use std::io::Write;

use anyhow::Context;

use super::score::{csv_field, row_label, Args, Output, OutputFormat};
use crate::account::{self, AccountScore};
use crate::dataset::{PostReader, Record};
use crate::error::Error;
use crate::features::{self, CoordinationSpec};
use crate::model::Model;

/// Scores `args.input` as one batch. `by_author` switches to account rows.
pub fn run(
    args: &Args,
    model: &Model,
    score_opts: crate::score::ScoreOptions,
    format: OutputFormat,
    out: impl Write,
) -> anyhow::Result<()> {
    let by_author = args.by.is_some();
    let input = args.input.as_deref().ok_or_else(|| {
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
    })?;
    let author_col = args
        .author_col
        .clone()
        .or_else(|| model.meta.author_col.clone())
        .or_else(|| {
            model
                .meta
                .coordination
                .as_ref()
                .map(|c| c.author_col.clone())
        })
        .unwrap_or_else(|| "author".into());
    // The model's coordination settings; for account statistics without them, the defaults
    // over --time-col.
    let spec: Option<CoordinationSpec> = match (&model.meta.coordination, &args.time_col) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(t)) if by_author => Some(CoordinationSpec {
            author_col: author_col.clone(),
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
        }),
        _ => None,
    };
    if by_author && spec.is_none() && !args.quiet {
        eprintln!(
            "note: no coordination statistics per account (the model has no coordination \
             features): pass --time-col NAME to compute them over this batch"
        );
    }
    let mut cols: Vec<String> = Vec::new();
    if by_author {
        cols.push(author_col.clone());
    }
    if let Some(s) = &spec {
        cols.extend(s.columns());
    }
    let mut seen = std::collections::HashSet::new();
    cols.retain(|c| seen.insert(c.clone()));
    let pos = |name: &str| cols.iter().position(|c| c == name);
    let mut opts = args.input_args.read_options();
    opts.extra_cols = cols.clone();
    let mut reader = PostReader::open(input, opts)?;
    let progress = crate::progress::Progress::new(!args.quiet);
    let bar = progress.bar(0, "reading");
    let mut records: Vec<Record> = Vec::new();
    loop {
        let batch = reader.next_batch(8192)?;
        if batch.is_empty() {
            break;
        }
        records.extend(batch);
        bar.set_position(records.len() as u64);
    }
    bar.finish_and_clear();
    let mut skipped = reader.skipped.clone();
    for w in reader.warnings.warning_lines(input) {
        eprintln!("warning: {w}");
    }

    let mut times = Vec::new();
    if let Some(s) = &spec {
        let (ti, ai) = (pos(&s.time_col), pos(&s.author_col));
        let mut keep = Vec::with_capacity(records.len());
        for r in &records {
            let author = ai.map_or("", |i| r.fields[i].as_str());
            let time = ti.and_then(|i| crate::timeparse::parse(&r.fields[i]));
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
                            "column {:?} holds {}, which is not a timestamp (ISO 8601 such as \
                             2016-09-01T13:05:00Z, or Unix seconds)",
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
                    skipped.add(reason, r.line);
                }
                Some((_, e)) => return Err(e.into()),
            }
        }
        let mut k = keep.iter();
        records.retain(|_| *k.next().unwrap_or(&true));
    }
    let analysis = match &spec {
        Some(s) => {
            let field = |name: &Option<String>| name.as_deref().and_then(pos);
            let (ai, ri, ui) = (pos(&s.author_col), field(&s.repost_col), field(&s.url_col));
            let rows: Vec<features::Row> = records
                .iter()
                .zip(&times)
                .map(|(r, &time)| features::Row {
                    author: ai.map_or("", |i| r.fields[i].as_str()),
                    time,
                    text: &r.text,
                    repost: ri.is_some_and(|i| s.is_repost(&r.fields[i])),
                    urls: ui.map(|i| r.fields[i].as_str()),
                })
                .collect();
            let spinner = progress.bar(0, "coordination");
            spinner.enable_steady_tick(std::time::Duration::from_millis(120));
            let a = features::coordination(s, &rows)?;
            spinner.finish_and_clear();
            Some(a)
        }
        None => None,
    };
    let dense = analysis
        .as_ref()
        .filter(|_| model.meta.coordination.is_some())
        .map(|a| &a.dense);
    let texts: Vec<&str> = records.iter().map(|r| r.text.as_str()).collect();
    let explain = if by_author { 0 } else { args.explain };
    let scored = model.score_batch_with(&texts, dense, score_opts, explain);
    let threshold = model.effective_threshold(&score_opts);
    let summary = |what: String| {
        if !args.quiet {
            if let Some(s) = skipped.summary(input) {
                eprintln!("{s}");
            }
            eprintln!("{what}");
        }
    };
    if !by_author {
        let mut w = Output::new(format, args.explain, out);
        w.header()?;
        let mut flagged = 0u64;
        for (r, s) in records.iter().zip(&scored) {
            flagged += u64::from(s.positive);
            w.row(&r.id, s, row_label(model, s))?;
        }
        w.flush()?;
        summary(format!(
            "scored {} posts with coordination features, {flagged} labeled {:?} at threshold \
             {threshold}",
            records.len(),
            model.meta.labels.positive
        ));
        return Ok(());
    }
    let ai = pos(&author_col);
    // Posts with no known term carry no evidence about their account: left out.
    let (authors, scores): (Vec<&str>, Vec<f64>) = records
        .iter()
        .zip(&scored)
        .filter_map(|(r, s)| Some((ai.map_or("", |i| r.fields[i].as_str()), s.score?)))
        .unzip();
    let mut accounts = account::aggregate(
        &authors,
        &scores,
        threshold,
        analysis.as_ref().map(|a| (&a.posts, &a.graph)),
    );
    if let Some(am) = &model.meta.account_model {
        for a in &mut accounts {
            let f = a.features();
            a.account_score = Some(am.probability(&f[..am.weights.len().min(f.len())]));
        }
    }
    accounts.sort_by(|a, b| {
        let key = |x: &AccountScore| x.account_score.unwrap_or(x.mean_score);
        key(b)
            .total_cmp(&key(a))
            .then_with(|| a.account.cmp(&b.account))
    });
    let unnamed = authors.iter().filter(|a| a.is_empty()).count();
    write_accounts(&accounts, format, out_label(model), out)?;
    summary(format!(
        "scored {} posts of {} accounts{}",
        records.len(),
        accounts.len(),
        if unnamed > 0 {
            format!(" ({unnamed} posts without an account left out)")
        } else {
            String::new()
        }
    ));
    Ok(())
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
    mut w: impl Write,
) -> anyhow::Result<()> {
    let coord = accounts.first().is_some_and(|a| a.coordination.is_some());
    let model = accounts.first().is_some_and(|a| a.account_score.is_some());
    let label = |a: &AccountScore| match a.account_score {
        Some(p) if p >= 0.5 => positive,
        Some(_) => negative,
        None => "",
    };
    match format {
        OutputFormat::Jsonl => {
            for a in accounts {
                let mut v = serde_json::to_value(a)?;
                if model {
                    v["label"] = label(a).into();
                }
                serde_json::to_writer(&mut w, &v).context("writing JSON")?;
                writeln!(w)?;
            }
        }
        OutputFormat::Csv => {
            write!(w, "account,posts,mean_score,max_score,share_flagged")?;
            if coord {
                write!(
                    w,
                    ",coordinated_posts,share_coordinated,degree,max_edge_weight,cluster,cluster_size"
                )?;
            }
            if model {
                write!(w, ",account_score,label")?;
            }
            writeln!(w)?;
            for a in accounts {
                write!(
                    w,
                    "{},{},{:.6},{:.6},{:.6}",
                    csv_field(&a.account),
                    a.posts,
                    a.mean_score,
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
                    write!(w, ",{p:.6},{}", csv_field(label(a)))?;
                }
                writeln!(w)?;
            }
        }
        OutputFormat::Table => {
            write!(
                w,
                "{:<20} {:>6} {:>7} {:>7} {:>8}",
                "account", "posts", "mean", "max", "flagged"
            )?;
            if coord {
                write!(w, " {:>7} {:>6} {:>7}", "coord%", "degree", "cluster")?;
            }
            if model {
                write!(w, " {:>8}  label", "account")?;
            }
            writeln!(w)?;
            for a in accounts {
                let name: String = if a.account.chars().count() > 20 {
                    a.account
                        .chars()
                        .take(19)
                        .chain(std::iter::once('…'))
                        .collect()
                } else {
                    a.account.clone()
                };
                write!(
                    w,
                    "{name:<20} {:>6} {:>7.4} {:>7.4} {:>7.1}%",
                    a.posts,
                    a.mean_score,
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
                    write!(w, " {p:>8.4}  {}", label(a))?;
                }
                writeln!(w)?;
            }
        }
    }
    w.flush()?;
    Ok(())
}
