//! Reading posts for coordination: the author, time, repost and URL columns beside the text,
//! checked row by row (an empty author or an unparsable time is an error naming the file,
//! line and column, or a counted skip with `skip_bad_rows`), and each post's objects extracted
//! while the next rows are read. CSV and TSV take a fast path: one thread decompresses and
//! parses into column buffers (no allocation per row), the others extract objects; JSONL goes
//! through [`crate::text::dataset::PostReader`].

/// Account name → id while reading (ahash: names are hashed once per row).
type Names = std::collections::HashMap<String, u32, ahash::RandomState>;
use std::io::{self, BufRead, Read};
use std::sync::mpsc;

use rayon::prelude::*;

use super::objects::{self, Extract, Objects};
use crate::error::{Error, Result};
use crate::text::dataset::{InputFormat, PostReader, ReadOptions, SkipReport, STDIN};

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

/// Many strings in one buffer.
#[derive(Debug, Default, Clone)]
pub struct Texts {
    buf: String,
    ends: Vec<usize>,
}

impl Texts {
    pub fn push(&mut self, s: &str) {
        self.buf.push_str(s);
        self.ends.push(self.buf.len());
    }

    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn append(&mut self, other: &Texts) {
        let base = self.buf.len();
        self.buf.push_str(&other.buf);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }
}

/// The posts, in input order. Account ids are numbered in the order of their names, so that
/// everything sorted by id is sorted by name.
#[derive(Debug, Default)]
pub struct Posts {
    pub ids: Texts,
    pub authors: Vec<u32>,
    pub author_names: Vec<String>,
    pub times: Vec<i64>,
    pub texts: Texts,
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

    pub fn text(&self, i: usize) -> &str {
        self.texts.get(i)
    }

    pub fn url_field(&self, i: usize) -> Option<&str> {
        self.urls.as_ref().map(|u| u.get(i))
    }

    /// Builds posts from columns (account ids numbered by name); for tests and callers that
    /// hold posts in memory.
    pub fn from_columns<'a>(rows: impl IntoIterator<Item = PostRow<'a>>) -> Posts {
        let mut b = Batch::default();
        let mut with_urls = false;
        for r in rows {
            b.ids.push(r.id);
            b.authors.push(r.author);
            b.times.push(r.time);
            b.texts.push(r.text);
            b.reposts.push(r.repost);
            with_urls |= r.urls.is_some();
            b.urls.push(r.urls.unwrap_or(""));
        }
        if !with_urls {
            b.urls = Texts::default();
        }
        let mut posts = Posts {
            urls: with_urls.then(Texts::default),
            ..Posts::default()
        };
        let mut names = Names::default();
        posts.take(&b, &mut names);
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
        self.ids.append(&b.ids);
        self.texts.append(&b.texts);
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
}

/// The objects of posts `range` (parallel in chunks, appended in order).
pub fn extract_range(posts: &Posts, range: std::ops::Range<usize>, extract: &Extract) -> Objects {
    const CHUNK: usize = 2048;
    let (lo, hi) = (range.start, range.end);
    let chunks: Vec<Objects> = (0..(hi - lo).div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut out = Objects::default();
            let mut scratch = objects::Scratch::default();
            for i in lo + c * CHUNK..(lo + (c + 1) * CHUNK).min(hi) {
                extract.push_objects(
                    posts.text(i),
                    posts.reposts[i],
                    posts.url_field(i),
                    &mut scratch,
                    &mut out,
                );
            }
            out
        })
        .collect();
    let mut all = Objects::default();
    for c in chunks {
        all.append(c);
    }
    all
}

const BATCH_ROWS: usize = 32_768;

/// Reads every post of `path` and extracts its objects. `progress` gets the rows read so far.
pub fn read(
    path: &str,
    spec: &InputSpec,
    extract: &Extract,
    mut progress: impl FnMut(u64),
) -> Result<(Posts, Objects)> {
    let format = spec
        .read
        .format
        .or_else(|| InputFormat::from_name(path))
        .or((path != STDIN).then_some(InputFormat::Csv));
    let delimiter = match format {
        Some(InputFormat::Csv) => Some(spec.read.delimiter.unwrap_or(b',')),
        Some(InputFormat::Tsv) => Some(spec.read.delimiter.unwrap_or(b'\t')),
        _ => None,
    };
    let (tx, rx) = mpsc::sync_channel::<Result<Batch>>(4);
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || {
            let read = match delimiter {
                Some(d) => read_delimited(path, spec, d, &tx),
                None => read_generic(path, spec, &tx),
            };
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
            let start = posts.len();
            posts.take(&batch, &mut names);
            objects.append(extract_range(&posts, start..posts.len(), extract));
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
        let repost = matches!((&self.spec.repost, repost_value), (Some((_, v)), Some(x)) if x.trim() == v.as_str())
            || objects::rt_prefix_len(text).is_some();
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

/// Any layout, through `PostReader`.
fn read_generic(
    path: &str,
    spec: &InputSpec,
    tx: &mpsc::SyncSender<Result<Batch>>,
) -> Result<SkipReport> {
    let run = || -> Result<SkipReport> {
        let mut opts = spec.read.clone();
        let mut cols = vec![spec.author_col.clone(), spec.time_col.clone()];
        let repost_pos = spec.repost.as_ref().map(|(c, _)| {
            cols.push(c.clone());
            cols.len() - 1
        });
        let url_pos = spec.url_col.as_ref().map(|c| {
            cols.push(c.clone());
            cols.len() - 1
        });
        opts.extra_cols = cols;
        opts.allow_empty_text = true;
        let mut reader = PostReader::open(path, opts)?;
        let mut check = RowCheck {
            path,
            spec,
            skipped: SkipReport::default(),
        };
        loop {
            let recs = reader.next_batch(BATCH_ROWS)?;
            if recs.is_empty() {
                break;
            }
            let mut batch = Batch::default();
            for r in &recs {
                let f = |i: Option<usize>| i.map(|i| r.fields[i].as_str());
                check.add(
                    &mut batch,
                    &|_: &str, _: &RowCheck| r.line,
                    &r.id,
                    &r.text,
                    &r.fields[0],
                    &r.fields[1],
                    f(repost_pos),
                    f(url_pos),
                )?;
            }
            if tx.send(Ok(batch)).is_err() {
                break;
            }
        }
        merge_skips(&mut check.skipped, reader.skipped);
        Ok(check.skipped)
    };
    run()
}

fn merge_skips(into: &mut SkipReport, from: SkipReport) {
    for (reason, c) in from.by_reason {
        let e = into.by_reason.entry(reason).or_default();
        e.first_line = if e.rows == 0 {
            c.first_line
        } else {
            e.first_line.min(c.first_line)
        };
        e.rows += c.rows;
    }
}

/// The 1-based line of byte `offset` of the decoded input, found by reading it again (only
/// for messages about bad rows: csv's own count is off by one after each CRLF). `None` for
/// standard input, which cannot be read twice.
fn line_of_offset(path: &str, offset: u64) -> Option<u64> {
    if path == STDIN {
        return None;
    }
    // csv may report a CRLF record as starting at the `\n` that ends the line before it, so
    // the byte at `offset` itself counts (as in `dataset`'s line index).
    let mut r = open_decoded(path).ok()?.take(offset + 1);
    let mut buf = vec![0u8; 1 << 16];
    let mut lines = 1;
    loop {
        let n = r.read(&mut buf).ok()?;
        if n == 0 {
            return Some(lines);
        }
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
    }
}

/// Opens and decodes `path` as every input is opened ([`crate::text::dataset::open`]: gzip by
/// content, UTF-16 and binary files refused, a UTF-8 BOM skipped).
fn open_decoded(path: &str) -> Result<Box<dyn BufRead + Send>> {
    crate::text::dataset::open(path).map(|opened| opened.reader)
}

fn read_error(path: &str, e: io::Error) -> Error {
    if matches!(
        e.kind(),
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof
    ) {
        Error::bad_input(
            path,
            format!("cannot read the input ({e}); a gzip stream may be truncated or corrupt"),
        )
    } else {
        Error::io(path, e)
    }
}

fn csv_error(path: &str, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => read_error(path, io),
        other => Error::BadRow {
            path: path.into(),
            line: line.unwrap_or(0),
            problem: format!("{other:?}"),
            hint: String::new(),
        },
    }
}

/// CSV or TSV: decompress, parse and check on this thread, sending column batches.
fn read_delimited(
    path: &str,
    spec: &InputSpec,
    delimiter: u8,
    tx: &mpsc::SyncSender<Result<Batch>>,
) -> Result<SkipReport> {
    let run = || -> Result<SkipReport> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(open_decoded(path)?);
        let headers = reader
            .byte_headers()
            .map_err(|e| csv_error(path, e))?
            .clone();
        if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
            return Err(Error::bad_input(path, "is empty: no header row"));
        }
        let names: Vec<String> = headers
            .iter()
            .map(|h| String::from_utf8_lossy(h).trim().to_string())
            .collect();
        let find = |col: &str| crate::text::dataset::find_column(path, &names, col, delimiter);
        let opts = &spec.read;
        let text_i = find(&opts.text_col)?;
        let id_i = if opts.id_col_explicit || names.contains(&opts.id_col) {
            Some(find(&opts.id_col)?)
        } else {
            None
        };
        let author_i = find(&spec.author_col)?;
        let time_i = find(&spec.time_col)?;
        let repost_i = spec.repost.as_ref().map(|(c, _)| find(c)).transpose()?;
        let url_i = spec.url_col.as_ref().map(|c| find(c)).transpose()?;
        let col_name = |i: usize| names[i].as_str();
        let mut check = RowCheck {
            path,
            spec,
            skipped: SkipReport::default(),
        };
        let mut record = csv::ByteRecord::new();
        let mut batch = Batch::default();
        let mut row_no = 0u64;
        let mut id_buf = String::new();
        loop {
            let more = reader
                .read_byte_record(&mut record)
                .map_err(|e| csv_error(path, e))?;
            if !more {
                break;
            }
            row_no += 1;
            let pos = record.position().cloned();
            // The exact line is looked up only where a message shows it.
            let line = |reason: &str, check: &RowCheck| -> u64 {
                let rough = pos.as_ref().map_or(0, |p| p.line());
                if check
                    .skipped
                    .by_reason
                    .get(reason)
                    .is_some_and(|c| c.rows > 0)
                {
                    return rough;
                }
                pos.as_ref()
                    .and_then(|p| line_of_offset(path, p.byte()))
                    .unwrap_or(rough)
            };
            if record.len() != names.len() {
                if record.len() == 1 && record[0].is_empty() {
                    let line = line("blank line", &check);
                    check.bad(line, "blank line", "blank line".into())?;
                    continue;
                }
                let spans_lines = record.iter().any(|f| f.contains(&b'\n'));
                let line = line("wrong number of fields", &check);
                check.bad(
                    line,
                    "wrong number of fields",
                    format!(
                        "expected {} fields as in the header, found {}{}",
                        names.len(),
                        record.len(),
                        if spans_lines {
                            " (a quoted field runs over several lines: is a quote unbalanced?)"
                        } else {
                            ""
                        }
                    ),
                )?;
                continue;
            }
            let mut utf8_ok = true;
            let mut field = |i: usize| -> Option<&str> {
                match std::str::from_utf8(&record[i]) {
                    Ok(s) => Some(s),
                    Err(_) => {
                        utf8_ok = false;
                        None
                    }
                }
            };
            let text = field(text_i);
            let id = id_i.map(&mut field);
            let author = field(author_i);
            let time = field(time_i);
            let repost = repost_i.map(&mut field);
            let urls = url_i.map(&mut field);
            if !utf8_ok {
                let bad = [
                    Some(text_i),
                    id_i,
                    Some(author_i),
                    Some(time_i),
                    repost_i,
                    url_i,
                ]
                .into_iter()
                .flatten()
                .find(|&i| std::str::from_utf8(&record[i]).is_err())
                .unwrap_or(text_i);
                let line = line("invalid UTF-8", &check);
                check.bad(
                    line,
                    "invalid UTF-8",
                    format!("field {:?} is not valid UTF-8", col_name(bad)),
                )?;
                continue;
            }
            let id = match id {
                Some(Some(id)) => id,
                _ => {
                    id_buf.clear();
                    use std::fmt::Write;
                    let _ = write!(id_buf, "{}", row_no);
                    id_buf.as_str()
                }
            };
            check.add(
                &mut batch,
                &|reason: &str, check: &RowCheck| line(reason, check),
                id,
                text.unwrap_or_default(),
                author.unwrap_or_default(),
                time.unwrap_or_default(),
                repost.flatten(),
                urls.flatten(),
            )?;
            if batch.times.len() >= BATCH_ROWS && tx.send(Ok(std::mem::take(&mut batch))).is_err() {
                return Ok(check.skipped);
            }
        }
        if !batch.times.is_empty() {
            let _ = tx.send(Ok(batch));
        }
        Ok(check.skipped)
    };
    run()
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
