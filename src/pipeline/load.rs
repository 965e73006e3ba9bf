//! Reading a labeled set with the per-row columns training and cross-validation use: groups,
//! sources, times, categories and the coordination features, each checked with its line.

use crate::error::{Error, Result};
use crate::pipeline::features::{self, CoordinationSpec};
use crate::pipeline::folds::RowInfo;
use crate::text::dataset::{self, ClassSpec, Labeled, ReadOptions};
use crate::util::progress::Progress;

/// The error for an option that only two-class models take (`--features text,coordination`,
/// `--account-model`), given with a multi-class label column or `--multiclass`.
pub fn two_class_only(option: &'static str, value: &str) -> Error {
    Error::param(
        option,
        value,
        "coordination features and the account model are for two-class models; a multi-class \
         model takes `text` features",
    )
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
}

/// Reads the labeled file with the columns an evaluation needs, parsing times; rows whose
/// time cannot be parsed are errors, or skipped and counted with --skip-bad-rows.
pub fn read_for_eval(
    inputs: dataset::Inputs,
    mut opts: ReadOptions,
    label_col: &str,
    classes: &ClassSpec,
    cols: RowColumns,
    progress: &Progress,
) -> Result<(Labeled, RowInfo)> {
    let time_col = cols
        .coordination
        .map(|c| c.time_col.as_str())
        .or(cols.time_col);
    let skip_bad_rows = opts.skip_bad_rows;
    let group_cols: Vec<&str> = cols
        .group_by
        .map(|g| g.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let extra = ExtraColumns::new(&cols, time_col, &group_cols);
    opts.extra_cols = extra.wanted.iter().map(|s| s.to_string()).collect();
    opts.optional_cols = extra.optional.iter().map(|s| s.to_string()).collect();
    let bar = progress.bar(0, "reading");
    let mut data = inputs.read(opts, label_col, classes, |n| bar.set_position(n))?;
    bar.finish_and_clear();
    if cols.coordination.is_some() && !data.is_binary() {
        // Refused before the coordination analysis, the longest step of the reading.
        return Err(two_class_only("features", "text,coordination"));
    }
    let mut info = RowInfo::default();
    if let Some(tc) = time_col {
        info.times = Some(parse_times(
            &mut data,
            &extra,
            tc,
            cols.coordination,
            skip_bad_rows,
        )?);
    }
    if cols.source_col.is_some() {
        // The source is read after the other columns, as an optional one.
        number_sources(&data, extra.wanted.len(), &mut info);
    }
    info.groups = match group_cols.len() {
        0 => None,
        1 if Some(group_cols[0]) != cols.source_col => extra.column(Some(group_cols[0]), &data),
        _ => Some(first_group_value(
            &data,
            &extra,
            &group_cols,
            cols.source_col,
            &info,
        )),
    };
    info.categories = extra.column(cols.category_col, &data);
    if let Some(c) = cols.coordination {
        add_coordination(
            &mut data,
            &mut info,
            &extra,
            c,
            cols.keep_analysis,
            progress,
        )?;
    }
    info.find_same_text(&data.texts);
    for w in &data.warnings {
        eprintln!("warning: {w}");
    }
    Ok((data, info))
}

/// The columns read besides text and label: `wanted` must exist in every file, `optional`
/// may be missing (the source column, and the columns of a grouping list).
struct ExtraColumns<'a> {
    wanted: Vec<&'a str>,
    optional: Vec<&'a str>,
}

impl<'a> ExtraColumns<'a> {
    fn new(cols: &RowColumns<'a>, time_col: Option<&'a str>, group_cols: &[&'a str]) -> Self {
        let source_col = cols.source_col;
        // A list's columns may be missing from a file (a row without a value there goes on
        // to the next column); a single grouping column must exist.
        let listed = group_cols.len() > 1;
        let mut wanted: Vec<&str> = group_cols
            .iter()
            .copied()
            .filter(|&g| Some(g) != source_col && !listed)
            .chain([time_col, cols.category_col].into_iter().flatten())
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
        if let Some(c) = cols.coordination {
            wanted.push(&c.author_col);
            wanted.extend(c.repost_col.as_deref());
            wanted.extend(c.url_col.as_deref());
        }
        let mut seen = std::collections::HashSet::new();
        wanted.retain(|w| seen.insert(*w));
        ExtraColumns { wanted, optional }
    }

    /// The values of column `name` by row, if it was read.
    fn column(&self, name: Option<&str>, data: &Labeled) -> Option<Vec<String>> {
        let pos = self
            .wanted
            .iter()
            .position(|w| Some(*w) == name)
            .or_else(|| {
                self.optional
                    .iter()
                    .position(|w| Some(*w) == name)
                    .map(|k| self.wanted.len() + k)
            })?;
        Some(data.extra.iter().map(|r| r[pos].clone()).collect())
    }
}

/// Each row's time from column `tc` (and, for coordination features, a check that the row
/// has an author); rows that fail are errors or, with `skip_bad_rows`, dropped and counted.
fn parse_times(
    data: &mut Labeled,
    extra: &ExtraColumns,
    tc: &str,
    coordination: Option<&CoordinationSpec>,
    skip_bad_rows: bool,
) -> Result<Vec<i64>> {
    let raw = extra.column(Some(tc), data).unwrap_or_default();
    let mut keep = vec![true; raw.len()];
    let authors = coordination.and_then(|c| extra.column(Some(&c.author_col), data));
    let mut times = Vec::with_capacity(raw.len());
    for (i, v) in raw.iter().enumerate() {
        if let (Some(c), Some(a)) = (coordination, &authors) {
            if a[i].trim().is_empty() {
                if skip_bad_rows {
                    keep[i] = false;
                    data.skipped.add("empty author", data.lines[i]);
                    continue;
                }
                return Err(crate::pipeline::features::empty_author(
                    c,
                    data.file(i),
                    data.lines[i],
                ));
            }
        }
        match crate::util::time::parse(v) {
            Some(t) => times.push(t),
            None if skip_bad_rows => {
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
                })
            }
        }
    }
    if keep.iter().any(|k| !k) {
        data.retain_rows(&keep);
    }
    Ok(times)
}

/// Each row's source id from the optional column at `pos` of the extra columns (a row
/// without a value: its file's name), with the names in `info.source_names`.
fn number_sources(data: &Labeled, pos: usize, info: &mut RowInfo) {
    let mut ids: std::collections::HashMap<String, u32> = Default::default();
    for (i, row) in data.extra.iter().enumerate() {
        let v = row.get(pos).map_or("", |v| v.trim());
        let name = if v.is_empty() {
            crate::pipeline::config::source_name(data.file(i))
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

/// Each row's group for a list of grouping columns: the first listed column with a value.
/// Values carry their column's name, so that an author and a source of the same name stay
/// apart.
fn first_group_value(
    data: &Labeled,
    extra: &ExtraColumns,
    group_cols: &[&str],
    source_col: Option<&str>,
    info: &RowInfo,
) -> Vec<String> {
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
                extra.column(Some(g), data)
            }
        })
        .collect();
    let single = group_cols.len() == 1;
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
        .collect()
}

/// Computes the coordination features of every row into `info.dense` (and keeps the
/// analysis when asked); objects left out as too common become warnings.
fn add_coordination(
    data: &mut Labeled,
    info: &mut RowInfo,
    extra: &ExtraColumns,
    c: &CoordinationSpec,
    keep_analysis: bool,
    progress: &Progress,
) -> Result<()> {
    let authors = extra.column(Some(&c.author_col), data).unwrap_or_default();
    let reposts = extra.column(c.repost_col.as_deref(), data);
    let urls = extra.column(c.url_col.as_deref(), data);
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
    Ok(())
}
