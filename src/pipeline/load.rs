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
    inputs: &[String],
    mut opts: ReadOptions,
    label_col: &str,
    classes: &ClassSpec,
    cols: RowColumns,
    progress: &Progress,
) -> Result<(Labeled, RowInfo)> {
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
    let skip_bad_rows = opts.skip_bad_rows;
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
    let mut data =
        dataset::read_labeled_files(inputs, opts, label_col, classes, |n| bar.set_position(n))?;
    bar.finish_and_clear();
    if coordination.is_some() && !data.is_binary() {
        // Refused before the coordination analysis, the longest step of the reading.
        return Err(two_class_only("features", "text,coordination"));
    }
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
        info.times = Some(times);
    }
    if source_col.is_some() {
        // The source is read after the other columns, as an optional one.
        let pos = wanted.len();
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
