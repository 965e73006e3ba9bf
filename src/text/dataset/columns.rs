//! Column batches: the id, text and a few named columns of many rows, read in batches from any
//! input format, for readers of millions of rows that keep columns rather than records
//! (coordination). CSV and TSV take a fast path: the csv parser fills column buffers with no
//! allocation per row, and a row's exact line is looked up only when a message shows it. Every
//! other format goes through [`PostReader`], so a format added there is read here too.

use std::io::{self, BufRead, Read};

use super::{InputFormat, PostReader, ReadOptions, SkipReport, STDIN};
use crate::error::{Error, Result};

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

    /// Keeps the first `n` strings.
    pub fn truncate(&mut self, n: usize) {
        self.ends.truncate(n);
        self.buf.truncate(self.ends.last().copied().unwrap_or(0));
    }

    pub fn append(&mut self, other: &Texts) {
        let base = self.buf.len();
        self.buf.push_str(&other.buf);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }
}

/// Rows read, as columns.
#[derive(Debug, Default)]
pub struct ColumnBatch {
    pub ids: Texts,
    pub texts: Texts,
    /// The columns asked for, in the order asked.
    pub columns: Vec<Texts>,
    /// Per row: the line the parser counted and, for CSV and TSV, the byte offset that finds
    /// the exact line (`u64::MAX`: the line is exact).
    positions: Vec<(u64, u64)>,
}

impl ColumnBatch {
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }
}

/// Reads column batches from a file or stdin in any format [`ReadOptions`] names.
pub struct ColumnReader {
    path: String,
    source: Source,
    /// Rows skipped for their shape (blank, wrong field count, invalid UTF-8, ...).
    pub skipped: SkipReport,
}

enum Source {
    Delimited(Box<Delimited>),
    /// Any other format, with the number of columns asked for.
    Posts(Box<PostReader>, usize),
}

/// The CSV/TSV fast path.
struct Delimited {
    reader: csv::Reader<Box<dyn BufRead + Send>>,
    names: Vec<String>,
    text_i: usize,
    id_i: Option<usize>,
    cols: Vec<usize>,
    skip_bad_rows: bool,
    record: csv::ByteRecord,
    row_no: u64,
    /// The row number as an id, when there is no id column.
    id_buf: String,
}

impl ColumnReader {
    /// Opens `path` for its id, text and `columns` (each must exist; an error names the
    /// columns found). Rows with an empty text are kept.
    pub fn open(path: &str, opts: &ReadOptions, columns: &[String]) -> Result<ColumnReader> {
        let format = opts
            .format
            .or_else(|| InputFormat::from_name(path))
            .or_else(|| super::arrow::sniff_path(path))
            .or((path != STDIN).then_some(InputFormat::Csv));
        let delimiter = match format {
            Some(InputFormat::Csv) => Some(opts.delimiter.unwrap_or(b',')),
            Some(InputFormat::Tsv) => Some(opts.delimiter.unwrap_or(b'\t')),
            _ => None,
        };
        let source = match delimiter {
            Some(d) => Source::Delimited(Box::new(Delimited::open(path, opts, columns, d)?)),
            None => {
                let mut opts = opts.clone();
                opts.extra_cols = columns.to_vec();
                opts.allow_empty_text = true;
                Source::Posts(Box::new(PostReader::open(path, opts)?), columns.len())
            }
        };
        Ok(ColumnReader {
            path: path.to_string(),
            source,
            skipped: SkipReport::default(),
        })
    }

    /// As [`ColumnReader::open`], over bytes from anywhere (any format [`PostReader`] reads;
    /// `name` is what messages call the input and, unless `opts.format` says, decides its
    /// layout).
    pub fn from_reader(
        name: &str,
        raw: Box<dyn Read + Send>,
        opts: &ReadOptions,
        columns: &[String],
    ) -> Result<ColumnReader> {
        let mut opts = opts.clone();
        opts.extra_cols = columns.to_vec();
        opts.allow_empty_text = true;
        Ok(ColumnReader {
            path: name.to_string(),
            source: Source::Posts(
                Box::new(PostReader::from_reader(name, raw, opts)?),
                columns.len(),
            ),
            skipped: SkipReport::default(),
        })
    }

    /// Up to `rows` rows; an empty batch at the end.
    pub fn next_batch(&mut self, rows: usize) -> Result<ColumnBatch> {
        match &mut self.source {
            Source::Delimited(d) => d.next_batch(rows, &self.path, &mut self.skipped),
            Source::Posts(reader, n_cols) => {
                let recs = reader.next_batch(rows)?;
                let mut b = ColumnBatch {
                    columns: vec![Texts::default(); *n_cols],
                    ..ColumnBatch::default()
                };
                for r in &recs {
                    b.ids.push(&r.id);
                    b.texts.push(&r.text);
                    for (c, v) in b.columns.iter_mut().zip(&r.fields) {
                        c.push(v);
                    }
                    b.positions.push((r.line, u64::MAX));
                }
                Ok(b)
            }
        }
    }

    /// The line of row `i` of `batch` for a message about it. The exact line of a CSV row
    /// takes reading the input again, so it is looked up for the first row of each `reason`
    /// only (`seen`: rows already skipped for it); later ones show the parser's count.
    pub fn line(&self, batch: &ColumnBatch, i: usize, seen: bool) -> u64 {
        let (rough, offset) = batch.positions[i];
        message_line(&self.path, rough, offset, seen)
    }

    /// Rows skipped for their shape, merged into `into`; and those the source skipped.
    pub fn finish(self, into: &mut SkipReport) {
        merge_skips(into, self.skipped);
        if let Source::Posts(reader, _) = self.source {
            merge_skips(into, reader.skipped);
        }
    }
}

impl Delimited {
    fn open(path: &str, opts: &ReadOptions, columns: &[String], delimiter: u8) -> Result<Self> {
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
        let find = |col: &str| super::find_column(path, &names, col, delimiter);
        let text_i = find(&opts.text_col)?;
        let id_i = if opts.id_col_explicit || names.contains(&opts.id_col) {
            Some(find(&opts.id_col)?)
        } else {
            None
        };
        let cols = columns.iter().map(|c| find(c)).collect::<Result<_>>()?;
        Ok(Delimited {
            reader,
            names,
            text_i,
            id_i,
            cols,
            skip_bad_rows: opts.skip_bad_rows,
            record: csv::ByteRecord::new(),
            row_no: 0,
            id_buf: String::new(),
        })
    }

    fn next_batch(
        &mut self,
        rows: usize,
        path: &str,
        skipped: &mut SkipReport,
    ) -> Result<ColumnBatch> {
        let mut b = ColumnBatch {
            columns: vec![Texts::default(); self.cols.len()],
            ..ColumnBatch::default()
        };
        while b.len() < rows {
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| csv_error(path, e))?;
            if !more {
                break;
            }
            self.row_no += 1;
            let pos = self.record.position().cloned();
            let rough = pos.as_ref().map_or(0, |p| p.line());
            let offset = pos.as_ref().map_or(u64::MAX, |p| p.byte());
            let problem = match self.bad_shape() {
                None => self.push_row(&mut b),
                bad => bad,
            };
            if let Some((reason, problem)) = problem {
                let seen = skipped.by_reason.get(reason).is_some_and(|c| c.rows > 0);
                let line = message_line(path, rough, offset, seen);
                self.bad(path, skipped, line, reason, problem)?;
                continue;
            }
            b.positions.push((rough, offset));
        }
        Ok(b)
    }

    /// Adds the current record's text, id and columns to `b`, each checked once for UTF-8;
    /// if one is not, `b` is left as it was and the first such field (in the order text,
    /// id, then the columns asked for) is named.
    fn push_row(&mut self, b: &mut ColumnBatch) -> Option<(&'static str, String)> {
        let r = &self.record;
        let n = b.len();
        let undo = |b: &mut ColumnBatch| {
            b.texts.truncate(n);
            b.ids.truncate(n);
            for c in &mut b.columns {
                c.truncate(n);
            }
        };
        let bad = |i: usize| {
            Some((
                "invalid UTF-8",
                format!("field {:?} is not valid UTF-8", self.names[i]),
            ))
        };
        match simdutf8::basic::from_utf8(&r[self.text_i]) {
            Ok(t) => b.texts.push(t),
            Err(_) => return bad(self.text_i),
        }
        match self.id_i {
            Some(i) => match simdutf8::basic::from_utf8(&r[i]) {
                Ok(id) => b.ids.push(id),
                Err(_) => {
                    undo(b);
                    return bad(i);
                }
            },
            None => {
                use std::fmt::Write;
                self.id_buf.clear();
                let _ = write!(self.id_buf, "{}", self.row_no);
                b.ids.push(&self.id_buf);
            }
        }
        for (c, &i) in b.columns.iter_mut().zip(&self.cols) {
            match simdutf8::basic::from_utf8(&r[i]) {
                Ok(v) => c.push(v),
                Err(_) => {
                    undo(b);
                    return bad(i);
                }
            }
        }
        None
    }

    /// Why the current record cannot be a row: blank, or a wrong field count.
    fn bad_shape(&self) -> Option<(&'static str, String)> {
        let r = &self.record;
        if r.len() != self.names.len() {
            if r.len() == 1 && r[0].is_empty() {
                return Some(("blank line", "blank line".into()));
            }
            let spans_lines = r.iter().any(|f| f.contains(&b'\n'));
            return Some((
                "wrong number of fields",
                format!(
                    "expected {} fields as in the header, found {}{}",
                    self.names.len(),
                    r.len(),
                    if spans_lines {
                        " (a quoted field runs over several lines: is a quote unbalanced?)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        None
    }

    fn bad(
        &self,
        path: &str,
        skipped: &mut SkipReport,
        line: u64,
        reason: &'static str,
        problem: String,
    ) -> Result<()> {
        if self.skip_bad_rows {
            skipped.add(reason, line);
            return Ok(());
        }
        Err(Error::BadRow {
            path: path.into(),
            line,
            problem,
            hint: "; fix the row, or pass --skip-bad-rows to skip such rows".into(),
        })
    }
}

/// Adds the counts of `from` to `into`, keeping each reason's first line.
pub fn merge_skips(into: &mut SkipReport, from: SkipReport) {
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

/// The line to show for a row the parser counted at line `rough`, starting at byte `offset`
/// (`u64::MAX`: `rough` is exact): the exact line, read again from the input, unless rows
/// were already `seen` for the same reason (then the parser's count, to read it once).
fn message_line(path: &str, rough: u64, offset: u64, seen: bool) -> u64 {
    if offset == u64::MAX || seen {
        return rough;
    }
    line_of_offset(path, offset).unwrap_or(rough)
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

/// Opens and decodes `path` as every input is opened ([`super::open`]: gzip by content,
/// UTF-16 and binary files refused, a UTF-8 BOM skipped), without a checksum: column
/// readers report none.
fn open_decoded(path: &str) -> Result<Box<dyn BufRead + Send>> {
    super::open_unhashed(path)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(path: &str, opts: &ReadOptions, cols: &[String]) -> (Vec<Vec<String>>, u64) {
        let mut reader = ColumnReader::open(path, opts, cols).unwrap();
        let mut rows = Vec::new();
        loop {
            let b = reader.next_batch(2).unwrap();
            if b.is_empty() {
                break;
            }
            for i in 0..b.len() {
                let mut row = vec![b.ids.get(i).to_string(), b.texts.get(i).to_string()];
                row.extend(b.columns.iter().map(|c| c.get(i).to_string()));
                row.push(reader.line(&b, i, false).to_string());
                rows.push(row);
            }
        }
        let mut skipped = SkipReport::default();
        reader.finish(&mut skipped);
        (rows, skipped.by_reason.values().map(|c| c.rows).sum())
    }

    /// The CSV fast path and the path through `PostReader` give the same rows and columns,
    /// each with its file's lines: a format added to `PostReader` reads the same here.
    #[test]
    fn csv_and_jsonl_give_the_same_column_batches() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("p.csv");
        std::fs::write(
            &csv,
            "id,text,author,when\n1,hello,ann,2016-01-01\n2,\"two\nlines\",bob,5\n\n3,,cy,7\n",
        )
        .unwrap();
        let jsonl = dir.path().join("p.jsonl");
        std::fs::write(
            &jsonl,
            "{\"id\":\"1\",\"text\":\"hello\",\"author\":\"ann\",\"when\":\"2016-01-01\"}\n\
             {\"id\":\"2\",\"text\":\"two\\nlines\",\"author\":\"bob\",\"when\":\"5\"}\n\n\
             {\"id\":\"3\",\"text\":\"\",\"author\":\"cy\",\"when\":\"7\"}\n",
        )
        .unwrap();
        let cols = ["author".to_string(), "when".to_string()];
        let opts = ReadOptions {
            skip_bad_rows: true,
            ..ReadOptions::default()
        };
        let (from_csv, csv_skips) = read_all(csv.to_str().unwrap(), &opts, &cols);
        let (from_jsonl, _) = read_all(jsonl.to_str().unwrap(), &opts, &cols);
        let expected: Vec<Vec<String>> = [
            ["1", "hello", "ann", "2016-01-01", "2"],
            ["2", "two\nlines", "bob", "5", "3"],
            ["3", "", "cy", "7", "6"],
        ]
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
        assert_eq!(from_csv, expected);
        // The same rows and columns; lines are the file's own (no header, no raw newline).
        let lines = |rows: &[Vec<String>]| -> Vec<String> {
            rows.iter().map(|r| r[r.len() - 1].clone()).collect()
        };
        let values = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
            rows.iter().map(|r| r[..r.len() - 1].to_vec()).collect()
        };
        assert_eq!(values(&from_jsonl), values(&expected));
        assert_eq!(lines(&from_jsonl), ["1", "2", "4"]);
        assert_eq!(csv_skips, 0);
        // A row of the wrong shape is a counted skip, or an error naming its line.
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "id,text,author,when\n1,a,ann,5\n2,b\n3,c,cy,7\n").unwrap();
        let (rows, skips) = read_all(bad.to_str().unwrap(), &opts, &cols);
        assert_eq!((rows.len(), skips), (2, 1));
        let strict = ReadOptions::default();
        let mut reader = ColumnReader::open(bad.to_str().unwrap(), &strict, &cols).unwrap();
        let err = reader.next_batch(10).err().unwrap().to_string();
        assert!(
            err.contains("line 3") && err.contains("expected 4 fields"),
            "{err}"
        );
        // A field that is not UTF-8 after valid ones leaves no part of its row behind, and
        // the error names the first such field in the order text, id, columns.
        let latin = dir.path().join("latin.csv");
        let mut bytes = b"id,text,author,when\n1,a,ann,5\n2,b,\xe9ve,6\n".to_vec();
        bytes.extend_from_slice(b"3,\xff,\xe9,6\n4,d,dan,7\n");
        std::fs::write(&latin, bytes).unwrap();
        let (rows, skips) = read_all(latin.to_str().unwrap(), &opts, &cols);
        let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!((ids, skips), (vec!["1", "4"], 2));
        assert_eq!(rows[1], ["4", "d", "dan", "7", "5"]);
        let mut reader = ColumnReader::open(latin.to_str().unwrap(), &strict, &cols).unwrap();
        let err = reader.next_batch(10).err().unwrap().to_string();
        assert!(
            err.contains("line 3") && err.contains("field \"author\" is not valid UTF-8"),
            "{err}"
        );
        let mut reader = ColumnReader::open(latin.to_str().unwrap(), &opts, &cols).unwrap();
        assert_eq!(reader.next_batch(1).unwrap().len(), 1);
        let mut skipped = SkipReport::default();
        assert_eq!(reader.next_batch(10).unwrap().len(), 1);
        reader.finish(&mut skipped);
        assert_eq!(skipped.by_reason["invalid UTF-8"].first_line, 3);
        // A missing column is an error naming it.
        let err = ColumnReader::open(csv.to_str().unwrap(), &opts, &["who".to_string()])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("who"), "{err}");
    }
}
