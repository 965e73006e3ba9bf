//! Reading posts for coordination: the author, time, repost and URL columns beside the text,
//! checked row by row (an empty author or an unparsable time is an error naming the file,
//! line and column, or a counted skip with `skip_bad_rows`), and each post's objects extracted
//! while the next rows are read: one thread reads column batches
//! ([`crate::text::dataset::columns::ColumnReader`], any input format) and checks them, the
//! others extract objects.

/// Account name → id while reading (ahash: names are hashed once per row).
type Names = std::collections::HashMap<String, u32, ahash::RandomState>;
use std::sync::mpsc;

use rayon::prelude::*;

use super::objects::{self, Extract, Extracted, Objects};
use crate::error::{Error, Result};
pub use crate::text::dataset::columns::Texts;
use crate::text::dataset::columns::{ColumnBatch, ColumnReader};
use crate::text::dataset::{Inputs, ReadOptions, SkipReport};
use crate::util::packed::PackedTexts;

/// Where the columns are.
#[derive(Debug, Clone)]
pub struct InputSpec {
    /// Text and id columns, format, delimiter, `skip_bad_rows`.
    pub read: ReadOptions,
    pub author_col: String,
    pub time_col: String,
    /// A column and the value in it that marks a repost.
    pub repost: Option<(String, String)>,
    /// A column of space-separated URLs; without it URLs are found in the text.
    pub url_col: Option<String>,
}

/// The posts, in input order. Account ids are numbered in the order of their names, so that
/// everything sorted by id is sorted by name.
#[derive(Debug, Default)]
pub struct Posts {
    /// Kept compressed, as the texts: only outputs read them.
    pub ids: PackedTexts,
    pub authors: Vec<u32>,
    pub author_names: Vec<String>,
    pub times: Vec<i64>,
    /// Kept compressed: only the objects an output names need their post's text back.
    pub texts: PackedTexts,
    pub reposts: Vec<bool>,
    /// The URL column's values, when there is one.
    pub urls: Option<Texts>,
    pub skipped: SkipReport,
}

impl Posts {
    pub fn len(&self) -> usize {
        self.times.len()
    }

    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// The text of post `i` (decompressed: for many posts at once, `texts.fetch`).
    pub fn text(&self, i: usize) -> String {
        self.texts.get(i)
    }

    pub fn url_field(&self, i: usize) -> Option<&str> {
        self.urls.as_ref().map(|u| u.get(i))
    }

    /// Builds posts from columns (account ids numbered by name); for tests and callers that
    /// hold posts in memory.
    pub fn from_columns<'a>(rows: impl IntoIterator<Item = PostRow<'a>>) -> Posts {
        Posts::from_batch(&Batch::of(rows))
    }

    /// As [`Posts::from_columns`], with the posts' objects.
    pub fn with_objects<'a>(
        rows: impl IntoIterator<Item = PostRow<'a>>,
        extract: &Extract,
    ) -> (Posts, Objects) {
        let b = Batch::of(rows);
        let mut objects = Objects::default();
        let urls = b.with_urls.then_some(&b.urls);
        extract_range(&b.texts, &b.reposts, urls, extract, &mut objects);
        (Posts::from_batch(&b), objects)
    }

    fn from_batch(b: &Batch) -> Posts {
        let mut posts = Posts {
            urls: b.with_urls.then(Texts::default),
            ..Posts::default()
        };
        let mut names = Names::default();
        posts.take(b, &mut names);
        number_accounts_by_name(&mut posts, names);
        posts
    }

    /// Appends a batch, numbering new accounts in order of appearance.
    fn take(&mut self, b: &Batch, names: &mut Names) {
        for i in 0..b.authors.len() {
            let name = b.authors.get(i);
            let id = match names.get(name) {
                Some(&id) => id,
                None => {
                    let id = names.len() as u32;
                    names.insert(name.to_string(), id);
                    id
                }
            };
            self.authors.push(id);
        }
        self.ids.extend(b.ids.len(), |i| b.ids.get(i));
        self.texts.extend(b.texts.len(), |i| b.texts.get(i));
        if let Some(u) = &mut self.urls {
            u.append(&b.urls);
        }
        self.times.extend_from_slice(&b.times);
        self.reposts.extend_from_slice(&b.reposts);
    }
}

/// One post given as values (see [`Posts::from_columns`]).
#[derive(Debug, Clone, Copy)]
pub struct PostRow<'a> {
    pub id: &'a str,
    pub author: &'a str,
    pub time: i64,
    pub text: &'a str,
    pub repost: bool,
    pub urls: Option<&'a str>,
}

/// Rows parsed by the reading thread, as columns.
#[derive(Debug, Default)]
struct Batch {
    ids: Texts,
    authors: Texts,
    times: Vec<i64>,
    texts: Texts,
    reposts: Vec<bool>,
    urls: Texts,
    /// Whether `urls` holds a URL column (else it is empty).
    with_urls: bool,
}

impl Batch {
    fn of<'a>(rows: impl IntoIterator<Item = PostRow<'a>>) -> Batch {
        let mut b = Batch::default();
        for r in rows {
            b.ids.push(r.id);
            b.authors.push(r.author);
            b.times.push(r.time);
            b.texts.push(r.text);
            b.reposts.push(r.repost);
            b.with_urls |= r.urls.is_some();
            b.urls.push(r.urls.unwrap_or(""));
        }
        if !b.with_urls {
            b.urls = Texts::default();
        }
        b
    }
}

/// Appends the objects of posts to `into`: post `i` has text `texts.get(i)`, is a repost when
/// `reposts[i]`, and has URL column value `urls.get(i)` when there is one. Extracted in
/// parallel chunks, each numbering its word tokens in `into`'s dictionary, then appended in
/// order.
pub fn extract_range(
    texts: &Texts,
    reposts: &[bool],
    urls: Option<&Texts>,
    extract: &Extract,
    into: &mut Objects,
) {
    const CHUNK: usize = 2048;
    let n = reposts.len();
    let dict = &into.dict;
    let chunks: Vec<(Extracted, objects::Csr<u32>)> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut out = Extracted::default();
            let mut scratch = objects::Scratch::default();
            let from = c * CHUNK;
            for (i, &repost) in reposts.iter().enumerate().skip(from).take(CHUNK) {
                extract.push_objects(
                    texts.get(i),
                    repost,
                    urls.map(|u| u.get(i)),
                    &mut scratch,
                    &mut out,
                );
            }
            let hashes = std::mem::replace(&mut out.tokens, objects::Csr::new());
            let ids = dict.intern(hashes);
            (out, ids)
        })
        .collect();
    for (x, ids) in chunks {
        into.append(x, ids);
    }
}

const BATCH_ROWS: usize = 32_768;

/// Opens the input for the columns asked for (author, time, ...), on the reading thread.
type OpenColumns = Box<dyn FnOnce(&[String]) -> Result<ColumnReader> + Send>;

/// Reads every post of `path` and extracts its objects. `progress` gets the rows read so far.
pub fn read(
    path: &str,
    spec: &InputSpec,
    extract: &Extract,
    progress: impl FnMut(u64),
) -> Result<(Posts, Objects)> {
    read_input(
        Inputs::Files(std::slice::from_ref(&path.to_string())),
        spec,
        extract,
        progress,
    )
}

/// As [`read`], from one file or a stream of bytes (a caller's table in memory, say).
pub fn read_input(
    input: Inputs,
    spec: &InputSpec,
    extract: &Extract,
    mut progress: impl FnMut(u64),
) -> Result<(Posts, Objects)> {
    let (name, open): (String, OpenColumns) = match input {
        Inputs::Files([path]) => {
            let path = path.clone();
            let read = spec.read.clone();
            (
                path.clone(),
                Box::new(move |cols| ColumnReader::open(&path, &read, cols)),
            )
        }
        Inputs::Files(paths) => {
            return Err(Error::param(
                "input",
                paths.join(" "),
                "coordination reads one input",
            ))
        }
        Inputs::Stream { name, raw } => {
            let read = spec.read.clone();
            let shown = name.clone();
            (
                name,
                Box::new(move |cols| ColumnReader::from_reader(&shown, raw, &read, cols)),
            )
        }
    };
    let path = name.as_str();
    // Batches come and go while the posts' columns grow: large vectors in mappings of their
    // own leave no holes behind (see `util::memory`).
    crate::util::memory::map_large_allocations();
    let (tx, rx) = mpsc::sync_channel::<Result<Batch>>(4);
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || {
            let read = read_rows(path, open, spec, &tx);
            // The consumer reports the error; the producer's result only says it failed.
            read.map_err(|e| {
                let shown = e.to_string();
                let _ = tx.send(Err(e));
                Error::bad_input(path, shown)
            })
        });
        let mut posts = Posts::default();
        let mut objects = Objects::default();
        let mut names = Names::default();
        let mut failed = None;
        let mut first = true;
        for batch in rx.iter() {
            let batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            };
            if first {
                posts.urls = spec.url_col.as_ref().map(|_| Texts::default());
                first = false;
            }
            let urls = spec.url_col.as_ref().map(|_| &batch.urls);
            extract_range(&batch.texts, &batch.reposts, urls, extract, &mut objects);
            posts.take(&batch, &mut names);
            progress(posts.len() as u64);
        }
        drop(rx);
        let skipped = producer
            .join()
            .map_err(|_| Error::bad_input(path, "the reading thread failed"))?;
        if let Some(e) = failed {
            return Err(e);
        }
        posts.skipped = skipped?;
        if posts.is_empty() {
            return Err(Error::bad_input(
                path,
                match posts.skipped.summary(path) {
                    Some(s) => format!("no usable rows ({s})"),
                    None => "no data rows after the header".into(),
                },
            ));
        }
        number_accounts_by_name(&mut posts, names);
        objects.shrink_to_fit();
        crate::util::memory::release_free_memory();
        Ok((posts, objects))
    })
}

/// Which extra values a row needs beside text and id, checked and added to a batch.
struct RowCheck<'a> {
    path: &'a str,
    spec: &'a InputSpec,
    skipped: SkipReport,
}

impl RowCheck<'_> {
    /// Adds one row, or counts or reports it as bad. `Ok(false)` = skipped.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        batch: &mut Batch,
        line: &dyn Fn(&str, &RowCheck) -> u64,
        id: &str,
        text: &str,
        author: &str,
        time: &str,
        repost_value: Option<&str>,
        urls: Option<&str>,
    ) -> Result<bool> {
        let author = author.trim();
        let parsed = crate::util::time::parse(time);
        let bad = if author.is_empty() {
            Some((
                "empty author",
                format!("column {:?} (the account) is empty", self.spec.author_col),
            ))
        } else if parsed.is_none() {
            Some((
                "unparsable time",
                format!(
                    "column {:?} holds {time:?}, which is not a timestamp (ISO 8601 such as \
                     2016-09-01T13:05:00Z, or Unix seconds)",
                    self.spec.time_col
                ),
            ))
        } else {
            None
        };
        if let Some((reason, problem)) = bad {
            let line = line(reason, self);
            return self.bad(line, reason, problem).map(|_| false);
        }
        let repost = is_repost(self.spec, repost_value, text);
        batch.ids.push(id);
        batch.authors.push(author);
        batch.times.push(parsed.unwrap_or_default());
        batch.texts.push(text);
        batch.reposts.push(repost);
        batch.urls.push(urls.unwrap_or(""));
        Ok(true)
    }

    fn bad(&mut self, line: u64, reason: &'static str, problem: String) -> Result<()> {
        if self.spec.read.skip_bad_rows {
            self.skipped.add(reason, line);
            return Ok(());
        }
        Err(Error::BadRow {
            path: self.path.into(),
            line,
            problem,
            hint: "; fix the row, or pass --skip-bad-rows to skip such rows".into(),
        })
    }
}

/// Reads the input's column batches (any format: see [`ColumnReader`]) on this thread,
/// checks each row's author and time, and sends the rows as batches.
fn read_rows(
    path: &str,
    open: OpenColumns,
    spec: &InputSpec,
    tx: &mpsc::SyncSender<Result<Batch>>,
) -> Result<SkipReport> {
    let mut cols = vec![spec.author_col.clone(), spec.time_col.clone()];
    let repost_pos = spec.repost.as_ref().map(|(c, _)| {
        cols.push(c.clone());
        cols.len() - 1
    });
    let url_pos = spec.url_col.as_ref().map(|c| {
        cols.push(c.clone());
        cols.len() - 1
    });
    let mut reader = open(&cols)?;
    let mut check = RowCheck {
        path,
        spec,
        skipped: SkipReport::default(),
    };
    loop {
        let mut rows = reader.next_batch(BATCH_ROWS)?;
        if rows.is_empty() {
            break;
        }
        // Most batches have no bad row: their columns become the batch as they are.
        if let Some(batch) = whole_batch(&mut rows, spec, repost_pos, url_pos) {
            if tx.send(Ok(batch)).is_err() {
                break;
            }
            continue;
        }
        let mut batch = Batch {
            with_urls: url_pos.is_some(),
            ..Batch::default()
        };
        for i in 0..rows.len() {
            let column = |k: Option<usize>| k.map(|k| rows.columns[k].get(i));
            let line = |reason: &str, check: &RowCheck| {
                let seen = check
                    .skipped
                    .by_reason
                    .get(reason)
                    .is_some_and(|c| c.rows > 0);
                reader.line(&rows, i, seen)
            };
            check.add(
                &mut batch,
                &line,
                rows.ids.get(i),
                rows.texts.get(i),
                rows.columns[0].get(i),
                rows.columns[1].get(i),
                column(repost_pos),
                column(url_pos),
            )?;
        }
        if tx.send(Ok(batch)).is_err() {
            break;
        }
    }
    let mut skipped = check.skipped;
    reader.finish(&mut skipped);
    Ok(skipped)
}

/// The batch of `rows` without copying their columns, when every row has an author (with
/// no space around it) and a time; `None` (and `rows` as they were) when one has not, for
/// [`RowCheck`] to report or skip it.
fn whole_batch(
    rows: &mut ColumnBatch,
    spec: &InputSpec,
    repost_pos: Option<usize>,
    url_pos: Option<usize>,
) -> Option<Batch> {
    let n = rows.len();
    let mut times = Vec::with_capacity(n);
    let mut reposts = Vec::with_capacity(n);
    for i in 0..n {
        let author = rows.columns[0].get(i);
        if author.is_empty() || author.trim().len() != author.len() {
            return None;
        }
        times.push(crate::util::time::parse(rows.columns[1].get(i))?);
        let value = repost_pos.map(|k| rows.columns[k].get(i));
        reposts.push(is_repost(spec, value, rows.texts.get(i)));
    }
    let take = |k: usize, rows: &mut ColumnBatch| std::mem::take(&mut rows.columns[k]);
    Some(Batch {
        ids: std::mem::take(&mut rows.ids),
        authors: take(0, rows),
        times,
        texts: std::mem::take(&mut rows.texts),
        reposts,
        urls: url_pos.map(|k| take(k, rows)).unwrap_or_default(),
        with_urls: url_pos.is_some(),
    })
}

/// A post is a repost when the repost column holds the repost value, or its text starts as
/// a retweet does (`RT @name:`).
fn is_repost(spec: &InputSpec, value: Option<&str>, text: &str) -> bool {
    matches!((&spec.repost, value), (Some((_, v)), Some(x)) if x.trim() == v.as_str())
        || objects::rt_prefix_len(text).is_some()
}

/// Renumbers accounts so that ids follow the order of names.
fn number_accounts_by_name(posts: &mut Posts, names: Names) {
    let mut by_name: Vec<(String, u32)> = names.into_iter().collect();
    by_name.sort_unstable();
    let mut new_id = vec![0u32; by_name.len()];
    for (i, (_, old)) in by_name.iter().enumerate() {
        new_id[*old as usize] = i as u32;
    }
    for a in &mut posts.authors {
        *a = new_id[*a as usize];
    }
    posts.author_names = by_name.into_iter().map(|(n, _)| n).collect();
}
