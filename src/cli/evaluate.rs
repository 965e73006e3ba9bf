//! `trollwatch evaluate`: cross-validation of the whole pipeline with the same options as
//! `train` — stratified, grouped by a column (no group in two folds), or by time — with a
//! table on the terminal, and on request a report folder and the out-of-fold predictions.

use std::path::PathBuf;

use super::train::{FeatureArgs, FitArgs};
use super::{CoordFeatureArgs, InputArgs, LabelArgs};
use crate::dataset::{self, Labeled};
use crate::error::Error;
use crate::evaluate::{self, EvalOptions, RowInfo, SplitKind};
use crate::features::{self, CoordinationSpec};
use crate::progress::Progress;
use crate::train::TrainConfig;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  trollwatch evaluate posts.csv\n  \
    trollwatch evaluate posts.csv --folds 5 --group-by author --report out/\n  \
    trollwatch evaluate posts.csv --split time --time-col timestamp --folds 4\n  \
    trollwatch evaluate posts.csv --repeats 3 --seed 7 --oof out/oof.csv")]
pub struct Args {
    /// Labeled posts: CSV, TSV or JSONL, plain or gzip; `-` reads stdin. Several files are
    /// read as one set with the same column options.
    #[arg(required = true, num_args = 1..)]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub input_args: InputArgs,
    #[command(flatten)]
    pub label: LabelArgs,
    #[command(flatten)]
    pub cv: CvArgs,
    /// Split kind: `stratified` (shuffled; grouped with --group-by) or `time` (rolling origin).
    #[arg(long, default_value = "stratified", value_parser = parse_split)]
    pub split: SplitKind,
    /// Time column for `--split time` (ISO 8601 or Unix seconds).
    #[arg(long, value_name = "NAME")]
    pub time_col: Option<String>,
    /// Repeat the folds with new shuffles.
    #[arg(long, default_value_t = 1)]
    pub repeats: usize,
    /// Report the lowest threshold that reaches this precision, and its recall.
    #[arg(long, value_name = "P")]
    pub target_precision: Option<f64>,
    /// Column of categories (e.g. troll types) for recall per category.
    #[arg(long, value_name = "NAME")]
    pub category_col: Option<String>,
    /// Decision threshold for accuracy, precision, recall, F1, MCC.
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f64,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Write report.json, report.md and report.html into this folder.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Write out-of-fold predictions (id, label, score, fold, repeat) as CSV.
    #[arg(long, value_name = "FILE")]
    pub oof: Option<PathBuf>,
    #[command(flatten)]
    pub features: FeatureArgs,
    #[command(flatten)]
    pub fit: FitArgs,
    #[command(flatten)]
    pub coord: CoordFeatureArgs,
    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Where each row's source comes from (`train`, `evaluate`, `tune`).
#[derive(Debug, Clone, clap::Args)]
pub struct SourceArgs {
    /// Column naming each row's source (the collection it came from). Rows with an empty
    /// value, and files without the column, take their file's name as their source.
    #[arg(long, default_value = "source", value_name = "NAME")]
    pub source_col: String,
}

/// How held-out scores become flags and probabilities (`train`, `evaluate`, `tune`).
#[derive(Debug, Clone, clap::Args)]
pub struct TrustArgs {
    /// Flag at the threshold that reaches this false-positive rate on held-out negatives,
    /// averaged over their sources (each source weighs the same), chosen from out-of-fold
    /// scores; `none`: flag at --threshold. The default 0.075 flagged 56–62 % of unseen troll
    /// authors' posts and 5.5–8 % of a held-out ordinary source's on average.
    #[arg(long, default_value = "0.075", value_parser = parse_target_fpr, value_name = "RATE|none")]
    pub target_fpr: TargetFpr,
    /// Probability calibration fitted on out-of-fold scores: `platt`, `isotonic` or `none`.
    #[arg(long, default_value = "platt", value_parser = parse_method, value_name = "METHOD")]
    pub calibration: crate::heldout::Method,
}

/// `--target-fpr`: a rate, or `none` (a type of its own, so that clap does not read the
/// `Option` as "flag may be absent").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetFpr(pub Option<f64>);

pub fn parse_target_fpr(s: &str) -> Result<TargetFpr, String> {
    match s {
        "none" => Ok(TargetFpr(None)),
        _ => match s.parse::<f64>() {
            Ok(r) if (0.0..1.0).contains(&r) => Ok(TargetFpr(Some(r))),
            _ => Err(format!("{s:?} is not a rate in [0, 1) or `none`")),
        },
    }
}

pub fn parse_method(s: &str) -> Result<crate::heldout::Method, String> {
    crate::heldout::Method::parse(s)
        .ok_or_else(|| format!("{s:?} is not `platt`, `isotonic` or `none`"))
}

/// Fold settings shared with `train --cv`.
#[derive(Debug, Clone, clap::Args)]
pub struct CvArgs {
    /// Number of folds.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Keep each value of this column (e.g. author) inside one fold; empty values are groups
    /// of their own row. A list such as `author,source` groups each row by the first of
    /// those columns it has a value in (`source` is the row's source: see --source-col).
    #[arg(long, value_name = "COL[,COL]")]
    pub group_by: Option<String>,
    /// Seed of the fold shuffle.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

fn parse_split(s: &str) -> Result<SplitKind, String> {
    match s {
        "stratified" | "kfold" => Ok(SplitKind::Stratified),
        "time" => Ok(SplitKind::Time),
        _ => Err(format!("{s:?} is not `stratified` or `time`")),
    }
}

/// The optional per-row columns an evaluation reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct RowColumns<'a> {
    pub group_by: Option<&'a str>,
    /// The source column (`--source-col`), read where files have it.
    pub source_col: Option<&'a str>,
    pub time_col: Option<&'a str>,
    pub category_col: Option<&'a str>,
    /// Coordination features to compute (their time column is `time_col`).
    pub coordination: Option<&'a CoordinationSpec>,
    /// Keep the coordination analysis (posts and graph) in the row info.
    pub keep_analysis: bool,
    /// `--multiclass` was given: a multi-class set even for two label values.
    pub multiclass: bool,
}

/// Reads the labeled file with the columns an evaluation needs, parsing times; rows whose
/// time cannot be parsed are errors, or skipped and counted with --skip-bad-rows.
pub fn read_for_eval(
    inputs: &[String],
    input_args: &InputArgs,
    label: &LabelArgs,
    cols: RowColumns,
    progress: &Progress,
) -> anyhow::Result<(Labeled, RowInfo)> {
    let RowColumns {
        group_by,
        source_col,
        time_col,
        category_col,
        coordination,
        keep_analysis,
        ..
    } = cols;
    let time_col = coordination.map(|c| c.time_col.as_str()).or(time_col);
    let mut opts = input_args.read_options();
    let group_cols: Vec<&str> = group_by
        .map(|g| g.split(',').map(str::trim).collect())
        .unwrap_or_default();
    // A list's columns may be missing from a file (a row without a value there goes on to
    // the next column); a single grouping column must exist.
    let listed = group_cols.len() > 1;
    let mut wanted: Vec<&str> = group_cols
        .iter()
        .copied()
        .filter(|&g| Some(g) != source_col && !listed)
        .chain([time_col, category_col].into_iter().flatten())
        .collect();
    let optional: Vec<&str> = source_col
        .into_iter()
        .chain(
            group_cols
                .iter()
                .copied()
                .filter(|&g| listed && Some(g) != source_col),
        )
        .collect();
    if let Some(c) = coordination {
        wanted.push(&c.author_col);
        wanted.extend(c.repost_col.as_deref());
        wanted.extend(c.url_col.as_deref());
    }
    let mut seen = std::collections::HashSet::new();
    wanted.retain(|w| seen.insert(*w));
    opts.extra_cols = wanted.iter().map(|s| s.to_string()).collect();
    opts.optional_cols = optional.iter().map(|s| s.to_string()).collect();
    let bar = progress.bar(0, "reading");
    let mut data = dataset::read_labeled_files(
        inputs,
        opts,
        &label.label_col,
        &label.class_spec(cols.multiclass),
        |n| bar.set_position(n),
    )?;
    bar.finish_and_clear();
    let column = |name: Option<&str>, data: &Labeled| -> Option<Vec<String>> {
        let pos = wanted.iter().position(|w| Some(*w) == name).or_else(|| {
            optional
                .iter()
                .position(|w| Some(*w) == name)
                .map(|k| wanted.len() + k)
        })?;
        Some(data.extra.iter().map(|r| r[pos].clone()).collect())
    };
    let mut info = RowInfo::default();
    if let Some(tc) = time_col {
        let raw = column(Some(tc), &data).unwrap_or_default();
        let mut keep = vec![true; raw.len()];
        let authors = coordination.and_then(|c| column(Some(&c.author_col), &data));
        let mut times = Vec::with_capacity(raw.len());
        for (i, v) in raw.iter().enumerate() {
            if let (Some(c), Some(a)) = (coordination, &authors) {
                if a[i].trim().is_empty() {
                    if input_args.skip_bad_rows {
                        keep[i] = false;
                        data.skipped.add("empty author", data.lines[i]);
                        continue;
                    }
                    return Err(
                        crate::features::empty_author(c, data.file(i), data.lines[i]).into(),
                    );
                }
            }
            match crate::timeparse::parse(v) {
                Some(t) => times.push(t),
                None if input_args.skip_bad_rows => {
                    keep[i] = false;
                    data.skipped.add("unparsable time", data.lines[i]);
                }
                None => {
                    return Err(Error::BadRow {
                        path: data.file(i).into(),
                        line: data.lines[i],
                        problem: format!(
                            "column {tc:?} holds {}, which is not a timestamp from the years \
                             1 to 9999 (ISO 8601 such as 2016-09-01T13:05:00Z, or Unix seconds)",
                            crate::error::shown(v)
                        ),
                        hint: "; fix it, or pass --skip-bad-rows to skip such rows".into(),
                    }
                    .into())
                }
            }
        }
        if keep.iter().any(|k| !k) {
            data.retain_rows(&keep);
        }
        info.times = Some(times);
    }
    if source_col.is_some() {
        // The source is read after the other columns, as an optional one.
        let pos = wanted.len();
        let mut ids: std::collections::HashMap<String, u32> = Default::default();
        for (i, row) in data.extra.iter().enumerate() {
            let v = row.get(pos).map_or("", |v| v.trim());
            let name = if v.is_empty() {
                crate::train::source_name(data.file(i))
            } else {
                v.to_string()
            };
            let next = ids.len() as u32;
            let id = *ids.entry(name.clone()).or_insert_with(|| {
                info.source_names.push(name);
                next
            });
            info.sources.push(id);
        }
    }
    info.groups = match group_cols.len() {
        0 => None,
        1 if Some(group_cols[0]) != source_col => column(Some(group_cols[0]), &data),
        _ => {
            // The first listed column with a value; values carry their column's name, so that
            // an author and a source of the same name stay apart.
            let cols: Vec<Option<Vec<String>>> = group_cols
                .iter()
                .map(|&g| {
                    if Some(g) == source_col {
                        Some(
                            info.sources
                                .iter()
                                .map(|&s| info.source_names[s as usize].clone())
                                .collect(),
                        )
                    } else {
                        column(Some(g), &data)
                    }
                })
                .collect();
            let single = group_cols.len() == 1;
            Some(
                (0..data.len())
                    .map(|i| {
                        for (c, vals) in group_cols.iter().zip(&cols) {
                            if let Some(v) = vals.as_ref().map(|v| v[i].trim()) {
                                if !v.is_empty() {
                                    return if single {
                                        v.to_string()
                                    } else {
                                        format!("{c}={v}")
                                    };
                                }
                            }
                        }
                        String::new()
                    })
                    .collect(),
            )
        }
    };
    info.categories = column(category_col, &data);
    if let Some(c) = coordination {
        let authors = column(Some(&c.author_col), &data).unwrap_or_default();
        let reposts = column(c.repost_col.as_deref(), &data);
        let urls = column(c.url_col.as_deref(), &data);
        let times = info.times.as_deref().unwrap_or_default();
        let rows = features::rows_from_columns(
            c,
            &data.texts,
            times,
            &authors,
            reposts.as_deref(),
            urls.as_deref(),
            &data.lines,
            &data.files.join(" + "),
        )?;
        let spinner = progress.bar(0, "coordination features");
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
        let analysis = features::coordination(c, &rows)?;
        spinner.finish_and_clear();
        data.warnings.extend(analysis.capped);
        info.dense = Some(analysis.dense);
        if keep_analysis {
            info.coordination = Some((analysis.posts, analysis.graph));
        }
    }
    info.find_same_text(&data.texts);
    for w in &data.warnings {
        eprintln!("warning: {w}");
    }
    Ok((data, info))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(p) = &args.oof {
        super::check_output(p, &args.inputs, "oof", false)?;
    }
    if let Some(p) = &args.report {
        super::check_output(p, &args.inputs, "report", true)?;
    }
    let (tokenizer, vectorizer) = args.features.configs();
    let time_col = match (args.split, &args.time_col) {
        (SplitKind::Time, None) => Some("timestamp".to_string()),
        (_, None) if args.coord.features.coordination => Some("timestamp".to_string()),
        (_, t) => t.clone(),
    };
    let coordination = args
        .coord
        .spec(time_col.as_deref().unwrap_or("timestamp"))?;
    let mut opts = EvalOptions {
        folds: args.cv.folds,
        split: args.split,
        group_by: args.cv.group_by.clone(),
        time_col: time_col.clone(),
        repeats: args.repeats,
        seed: args.cv.seed,
        target_precision: args.target_precision,
        category_col: args.category_col.clone(),
        threshold: args.threshold,
        target_fpr: args.trust.target_fpr.0,
        calibration: args.trust.calibration,
        train: TrainConfig {
            tokenizer,
            vectorizer,
            logistic: args.fit.params()?,
            threshold: Some(args.threshold),
            coordination: coordination.clone(),
        },
    };
    opts.check()?;
    let progress = Progress::new(!args.quiet);
    let cols = RowColumns {
        group_by: args.cv.group_by.as_deref(),
        source_col: Some(&args.source.source_col),
        time_col: time_col.as_deref(),
        category_col: args.category_col.as_deref(),
        coordination: coordination.as_ref(),
        keep_analysis: false,
        multiclass: args.fit.multiclass.is_some(),
    };
    let input = args.inputs.join(" + ");
    let (data, info) = read_for_eval(&args.inputs, &args.input_args, &args.label, cols, &progress)?;
    args.fit
        .for_classes(&mut opts.train.logistic, data.classes.is_some());
    if let Some(s) = data.skipped.summary(&input) {
        eprintln!("{s}");
    }
    if data.classes.is_some() && coordination.is_some() {
        return Err(Error::param(
            "features",
            "text,coordination",
            "coordination features are for two-class models; a multi-class model takes `text`",
        )
        .into());
    }
    if data.classes.is_some() {
        return super::multiclass::run_evaluate(&args, &data, &info, &opts, &progress);
    }
    let (report, oof, timings) = evaluate::evaluate(&data, &info, &opts, &input, &progress)?;
    super::print_out(&crate::report::terminal_table(&report))?;
    if !args.quiet {
        // Times go to the terminal only: the report files stay byte-identical between runs.
        let fits = &timings.fold_seconds;
        let (lo, hi) = fits.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &t| {
            (lo.min(t), hi.max(t))
        });
        eprintln!(
            "evaluated in {:.1}s ({} fold fits, {:.1}–{:.1}s each)",
            timings.elapsed_seconds,
            fits.len(),
            if fits.is_empty() { 0.0 } else { lo },
            hi
        );
    }
    if let Some(dir) = &args.report {
        crate::report::write_all(&report, dir)?;
        eprintln!(
            "wrote {}/report.json, report.md, report.html",
            dir.display()
        );
    }
    if let Some(path) = &args.oof {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["id", "label", "score", "fold", "repeat"])?;
        for o in &oof {
            let label = &data.label_names[usize::from(data.labels[o.row])];
            w.write_record([
                data.ids[o.row].as_str(),
                label.as_str(),
                &format!("{:.6}", o.score),
                &(o.fold + 1).to_string(),
                &(o.repeat + 1).to_string(),
            ])?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| anyhow::anyhow!("formatting {}: {e}", path.display()))?;
        crate::model::write_atomic(path, &bytes)?;
        eprintln!(
            "wrote {} out-of-fold predictions to {}",
            oof.len(),
            path.display()
        );
    }
    Ok(())
}
