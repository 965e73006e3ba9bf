//! Parquet and Arrow IPC input (the file format, also called Feather v2, and the stream
//! format): record batches read one at a time, only the columns asked for, each value turned
//! into the text a [`Record`] holds. Rows are numbered from 1 and messages call the number the
//! row's line. It owns the binary formats' opening (magic bytes, seeking, checksum) and the
//! conversion of Arrow values to strings; which columns are needed comes from
//! [`ReadOptions`](super::ReadOptions), and what the strings mean (labels, times, URLs) is left
//! to the stages that read them.
//!
//! A null value reads as an empty field, as an empty CSV field does, except in the text and id
//! columns, where it is a bad row: a text, label, account or time that is empty is then a bad
//! row of the stage that needs it, and an empty URL or repost column means none.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Decimal256Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Schema, TimeUnit};
use sha2::{Digest, Sha256};

use super::{
    check_field, check_text, BadRow, Checksum, HashingReader, InputFormat, NextRow, Record,
    RowContext, STDIN,
};
use crate::error::{Error, Result};

/// Rows decoded at a time.
const BATCH_ROWS: usize = 8192;

/// Record batches from any of the binary formats.
type Batches = Box<dyn Iterator<Item = std::result::Result<RecordBatch, ArrowError>> + Send>;

/// The binary format whose magic bytes `head` starts with, if any.
pub fn sniff(head: &[u8]) -> Option<InputFormat> {
    if head.starts_with(b"PAR1") {
        Some(InputFormat::Parquet)
    } else if head.starts_with(b"ARROW1") {
        Some(InputFormat::Arrow)
    } else if head.starts_with(&[0xff; 4]) {
        // An IPC stream's first message starts with the continuation marker; no UTF-8 text
        // starts with 0xff.
        Some(InputFormat::ArrowStream)
    } else {
        None
    }
}

/// The binary format of the file at `path` by its first bytes, if it is one (`None` for
/// stdin, which cannot be looked at twice, and for files that cannot be opened: opening them
/// again reports why).
pub fn sniff_path(path: &str) -> Option<InputFormat> {
    if path == STDIN {
        return None;
    }
    let mut head = [0u8; 8];
    let mut file = File::open(path).ok()?;
    let n = read_up_to(&mut file, &mut head).ok()?;
    sniff(&head[..n])
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Where the bytes come from: a file that can be read twice and sought in, or a stream
/// (stdin, a reader) that is read once.
pub enum Source {
    Path(String),
    Stream(Box<dyn BufRead + Send>),
}

/// What messages call a format, with its article.
pub(super) fn format_name(format: InputFormat) -> &'static str {
    match format {
        InputFormat::Parquet => "a Parquet file",
        InputFormat::Arrow => "an Arrow IPC file",
        _ => "an Arrow IPC stream",
    }
}

/// The start every file of `format` has, for a message about one that lacks it.
fn magic_of(format: InputFormat) -> &'static str {
    match format {
        InputFormat::Parquet => "\"PAR1\"",
        InputFormat::Arrow => "\"ARROW1\"",
        _ => "the bytes ff ff ff ff",
    }
}

/// Refuses input whose first bytes are not those of `format`, saying what it looks like.
fn check_magic(name: &str, format: InputFormat, head: &[u8]) -> Result<()> {
    let found = sniff(head);
    if found == Some(format) {
        return Ok(());
    }
    let what = format_name(format);
    let problem = if head.is_empty() {
        format!("is empty, not {what}")
    } else if head.starts_with(&[0x1f, 0x8b]) {
        format!(
            "is gzip-compressed; {what} is read uncompressed (it compresses its own \
             data): decompress it first, e.g. `gunzip`"
        )
    } else if let Some(other) = found {
        format!(
            "is {}, not {what}: pass --input-format {}",
            format_name(other),
            other.name()
        )
    } else {
        format!(
            "is not {what}: it does not start with {}; if it is CSV, TSV or JSON lines, name \
             it so or pass --input-format",
            magic_of(format)
        )
    };
    Err(Error::bad_input(name, problem))
}

/// SHA-256 of the whole file at `path`: what a model records of its training data, the same
/// as `sha256sum` gives.
fn hash_file(name: &str, path: &str, sum: &Checksum) -> Result<()> {
    let mut file = File::open(path).map_err(|e| Error::io(name, e))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut h = Sha256::new();
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(name, e)),
        }
    }
    if let Ok(mut s) = sum.lock() {
        *s = h;
    }
    Ok(())
}

/// All of a stream in memory (the Parquet and IPC file formats are read from their end),
/// hashed on the way.
fn read_all(name: &str, mut r: impl Read, sum: &Checksum) -> Result<bytes::Bytes> {
    let mut all = Vec::new();
    r.read_to_end(&mut all).map_err(|e| Error::io(name, e))?;
    if let Ok(mut s) = sum.lock() {
        s.update(&all);
    }
    Ok(all.into())
}

/// The first bytes of a stream, left in it.
fn peek(name: &str, r: &mut dyn BufRead) -> Result<Vec<u8>> {
    let head = loop {
        match r.fill_buf() {
            Ok(h) => break h,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(name, e)),
        }
    };
    Ok(head[..head.len().min(8)].to_vec())
}

/// The columns a reader needs: each role's position among the columns decoded.
#[derive(Debug)]
struct Columns {
    /// The file's columns decoded, by their index in the file's schema, ascending (the order
    /// a projection keeps).
    decoded: Vec<usize>,
    text: usize,
    id: Option<usize>,
    extra: Vec<usize>,
    /// The names of `extra`: `extra_cols`, or with `keep_all` every column but the id.
    extra_names: Vec<String>,
    optional: Vec<Option<usize>>,
}

impl Columns {
    /// Finds the columns `cx` asks for in `schema`: a missing one is an error listing the
    /// columns the file has, and so is one whose values cannot be read as text.
    fn find(name: &str, schema: &Schema, opts: &super::ReadOptions) -> Result<Columns> {
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let opts = opts.for_columns(&names);
        let super::ColumnPositions {
            text,
            id,
            extra,
            optional,
        } = super::ColumnPositions::find(name, &names, &opts, 0)?;
        let mut decoded: Vec<usize> = std::iter::once(text)
            .chain(id)
            .chain(extra.iter().copied())
            .chain(optional.iter().flatten().copied())
            .collect();
        decoded.sort_unstable();
        decoded.dedup();
        for &i in &decoded {
            let dt = schema.field(i).data_type();
            if !readable(dt) {
                return Err(Error::bad_input(
                    name,
                    format!(
                        "column {} holds values of type {dt}, which are not read as text; \
                         give strings, numbers, booleans, times or dates (or lists of them)",
                        crate::error::shown(&names[i])
                    ),
                ));
            }
        }
        let slot = |i: usize| decoded.iter().position(|&d| d == i).unwrap_or(0);
        Ok(Columns {
            text: slot(text),
            id: id.map(slot),
            extra: extra.iter().map(|&i| slot(i)).collect(),
            extra_names: opts.extra_cols.clone(),
            optional: optional.iter().map(|i| i.map(slot)).collect(),
            decoded,
        })
    }
}

/// Whether values of `dt` can be read as text.
fn readable(dt: &DataType) -> bool {
    match dt {
        DataType::List(f) | DataType::LargeList(f) => {
            !matches!(f.data_type(), DataType::List(_) | DataType::LargeList(_))
                && readable(f.data_type())
        }
        DataType::Dictionary(_, v) => readable(v),
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(_, _)
        | DataType::Decimal256(_, _)
        | DataType::Timestamp(_, _)
        | DataType::Date32
        | DataType::Date64
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView => true,
        _ => false,
    }
}

/// A Parquet or Arrow IPC input being read, a batch at a time.
pub struct Columnar {
    batches: Batches,
    format: InputFormat,
    columns: Columns,
    /// The columns decoded of the current batch, in `columns.decoded` order.
    batch: Vec<ArrayRef>,
    /// Rows of the current batch, and the next one to read.
    len: usize,
    at: usize,
    /// Rows read so far (the last row's number).
    row: u64,
    done: bool,
    /// Reused for each value.
    buf: String,
}

impl Columnar {
    /// The columns read besides the text and the id, in `Record::fields` order (before the
    /// optional ones).
    pub fn extra_cols(&self) -> &[String] {
        &self.columns.extra_names
    }

    /// Opens `source` as `format` (Parquet, Arrow IPC file or stream) for the columns `opts`
    /// asks for; `name` is what messages call it. Returns the reader and the checksum of the
    /// input's bytes: the whole file's for a file, the bytes read for a stream.
    pub fn open(
        name: &str,
        source: Source,
        format: InputFormat,
        opts: &super::ReadOptions,
    ) -> Result<(Columnar, Checksum)> {
        let checksum: Checksum = Arc::new(Mutex::new(Sha256::new()));
        let opened = catch_unwind(AssertUnwindSafe(|| {
            Self::open_batches(name, source, format, opts, &checksum)
        }))
        .unwrap_or_else(|_| Err(corrupt(name, format, 0, "the reader failed on its layout")))?;
        let (batches, columns) = opened;
        Ok((
            Columnar {
                batches,
                format,
                columns,
                batch: Vec::new(),
                len: 0,
                at: 0,
                row: 0,
                done: false,
                buf: String::new(),
            },
            checksum,
        ))
    }

    fn open_batches(
        name: &str,
        source: Source,
        format: InputFormat,
        opts: &super::ReadOptions,
        checksum: &Checksum,
    ) -> Result<(Batches, Columns)> {
        let bad = |e: &dyn std::fmt::Display| corrupt(name, format, 0, &e.to_string());
        match (format, source) {
            (InputFormat::Parquet, source) => {
                use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
                use parquet::arrow::ProjectionMask;
                fn finish<T: parquet::file::reader::ChunkReader + 'static>(
                    name: &str,
                    builder: ParquetRecordBatchReaderBuilder<T>,
                    opts: &super::ReadOptions,
                    file_len: u64,
                ) -> Result<(Batches, Columns)> {
                    check_chunks(name, builder.metadata(), file_len)?;
                    let columns = Columns::find(name, builder.schema(), opts)?;
                    let mask = ProjectionMask::roots(
                        builder.parquet_schema(),
                        columns.decoded.iter().copied(),
                    );
                    let reader = builder
                        .with_projection(mask)
                        .with_batch_size(BATCH_ROWS)
                        .build()
                        .map_err(|e| corrupt(name, InputFormat::Parquet, 0, &e.to_string()))?;
                    Ok((Box::new(reader), columns))
                }
                match source {
                    Source::Path(path) => {
                        let mut file = open_file(name, &path)?;
                        let mut head = [0u8; 8];
                        let n = read_up_to(&mut file, &mut head).map_err(|e| Error::io(name, e))?;
                        check_magic(name, format, &head[..n])?;
                        file.seek(SeekFrom::Start(0))
                            .map_err(|e| Error::io(name, e))?;
                        hash_file(name, &path, checksum)?;
                        let len = file.metadata().map_err(|e| Error::io(name, e))?.len();
                        let builder =
                            ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| bad(&e))?;
                        finish(name, builder, opts, len)
                    }
                    Source::Stream(mut r) => {
                        check_magic(name, format, &peek(name, r.as_mut())?)?;
                        let bytes = read_all(name, r, checksum)?;
                        let len = bytes.len() as u64;
                        let builder =
                            ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(|e| bad(&e))?;
                        finish(name, builder, opts, len)
                    }
                }
            }
            (InputFormat::Arrow, source) => {
                use arrow_ipc::reader::FileReader;
                fn finish<R: Read + Seek + Send + 'static>(
                    name: &str,
                    mut open: impl FnMut() -> Result<R>,
                    opts: &super::ReadOptions,
                ) -> Result<(Batches, Columns)> {
                    let bad = |e: ArrowError| corrupt(name, InputFormat::Arrow, 0, &e.to_string());
                    check_blocks(name, open()?)?;
                    // The schema first, then only the columns needed.
                    let schema = FileReader::try_new(open()?, None).map_err(bad)?.schema();
                    let columns = Columns::find(name, &schema, opts)?;
                    let reader =
                        FileReader::try_new(open()?, Some(columns.decoded.clone())).map_err(bad)?;
                    Ok((Box::new(reader), columns))
                }
                match source {
                    Source::Path(path) => {
                        let mut file = open_file(name, &path)?;
                        let mut head = [0u8; 8];
                        let n = read_up_to(&mut file, &mut head).map_err(|e| Error::io(name, e))?;
                        check_magic(name, format, &head[..n])?;
                        hash_file(name, &path, checksum)?;
                        finish(
                            name,
                            || open_file(name, &path).map(|f| BufReader::with_capacity(1 << 16, f)),
                            opts,
                        )
                    }
                    Source::Stream(mut r) => {
                        check_magic(name, format, &peek(name, r.as_mut())?)?;
                        let bytes = read_all(name, r, checksum)?;
                        finish(name, || Ok(io::Cursor::new(bytes.clone())), opts)
                    }
                }
            }
            (_, source) => {
                use arrow_ipc::reader::StreamReader;
                let mut r: Box<dyn BufRead + Send> = match source {
                    Source::Path(path) => {
                        Box::new(BufReader::with_capacity(1 << 16, open_file(name, &path)?))
                    }
                    Source::Stream(r) => r,
                };
                check_magic(name, format, &peek(name, r.as_mut())?)?;
                let hashing = HashingReader {
                    inner: r,
                    sum: checksum.clone(),
                };
                let reader =
                    StreamReader::try_new(BufReader::with_capacity(1 << 16, hashing), None)
                        .map_err(|e| bad(&e))?;
                let columns = Columns::find(name, &reader.schema(), opts)?;
                Ok((Box::new(reader), columns))
            }
        }
    }

    /// The next row: `None` at the end, a post, or a bad row.
    pub(super) fn next_row(&mut self, cx: &mut RowContext) -> NextRow {
        while self.at >= self.len {
            if self.done {
                return Ok(None);
            }
            self.next_batch(cx.path)?;
        }
        let i = self.at;
        self.at += 1;
        self.row += 1;
        Ok(Some(self.post(i, self.row, cx)))
    }

    /// Decodes the next batch; at the end, marks the reader done.
    fn next_batch(&mut self, path: &str) -> Result<()> {
        let batches = &mut self.batches;
        let next = catch_unwind(AssertUnwindSafe(|| batches.next()));
        let batch = match next {
            Ok(None) => {
                self.done = true;
                return Ok(());
            }
            Ok(Some(Ok(b))) => b,
            Ok(Some(Err(e))) => {
                self.done = true;
                return Err(corrupt(path, self.format, self.row, &e.to_string()));
            }
            Err(_) => {
                self.done = true;
                self.batches = Box::new(std::iter::empty());
                return Err(corrupt(
                    path,
                    self.format,
                    self.row,
                    "the decoder failed on its bytes",
                ));
            }
        };
        // Parquet and the IPC file are read with a projection, so a batch holds the decoded
        // columns only; an IPC stream's batches hold all of the file's.
        let projected = self.format != InputFormat::ArrowStream;
        self.batch.clear();
        for &i in &self.columns.decoded {
            let k = if projected { self.batch.len() } else { i };
            match batch.columns().get(k) {
                Some(c) => self.batch.push(c.clone()),
                None => {
                    self.done = true;
                    return Err(corrupt(
                        path,
                        self.format,
                        self.row,
                        "a record batch lacks columns of the schema",
                    ));
                }
            }
        }
        self.len = batch.num_rows();
        self.at = 0;
        Ok(())
    }

    /// Row `i` of the current batch, the file's row `line`, as a post.
    fn post(
        &mut self,
        i: usize,
        line: u64,
        cx: &RowContext,
    ) -> std::result::Result<Record, BadRow> {
        let opts = cx.opts;
        let (text_slot, id_slot) = (self.columns.text, self.columns.id);
        let text = match self.value(text_slot, i, &opts.text_col, line, cx)? {
            Some(t) => t,
            None if opts.allow_empty_text => String::new(),
            None => {
                return Err((
                    line,
                    "missing text",
                    format!("column {:?} is null", opts.text_col),
                ))
            }
        };
        check_text(&text, &opts.text_col, line, opts.allow_empty_text)?;
        let (id, id_given) = match id_slot {
            Some(slot) => match self.value(slot, i, &opts.id_col, line, cx)? {
                Some(id) => (id, true),
                None => {
                    return Err((
                        line,
                        "missing id",
                        format!("column {:?} is null", opts.id_col),
                    ))
                }
            },
            None => (line.to_string(), false),
        };
        let n_extra = self.columns.extra.len();
        let mut fields = Vec::with_capacity(n_extra + self.columns.optional.len());
        for (k, name) in opts.extra_cols.iter().enumerate() {
            let slot = self.columns.extra[k];
            fields.push(self.value(slot, i, name, line, cx)?.unwrap_or_default());
        }
        for (k, name) in opts.optional_cols.iter().enumerate() {
            fields.push(match self.columns.optional.get(k).copied().flatten() {
                Some(slot) => self.value(slot, i, name, line, cx)?.unwrap_or_default(),
                None => String::new(),
            });
        }
        Ok(Record {
            line,
            id,
            text,
            fields,
            id_given,
        })
    }

    /// The value of decoded column `slot` in row `i` as text (`None`: null), within the
    /// field limit.
    fn value(
        &mut self,
        slot: usize,
        i: usize,
        name: &str,
        line: u64,
        cx: &RowContext,
    ) -> std::result::Result<Option<String>, BadRow> {
        self.buf.clear();
        let Some(array) = self.batch.get(slot) else {
            return Ok(None);
        };
        let limit = cx.opts.max_field_bytes;
        match write_value(array.as_ref(), i, &mut self.buf, limit) {
            Ok(false) => Ok(None),
            Ok(true) => {
                check_field(self.buf.len(), name, line, cx.opts)?;
                Ok(Some(self.buf.clone()))
            }
            Err(CellError::TooLong(len)) => {
                check_field(len.max(limit.saturating_add(1)), name, line, cx.opts)?;
                Ok(None)
            }
            Err(CellError::Utf8) => Err((
                line,
                "invalid UTF-8",
                format!(
                    "column {name:?} holds bytes that are not valid UTF-8; is the text in \
                     another encoding?"
                ),
            )),
            Err(CellError::Other(what)) => {
                Err((line, "unreadable value", format!("column {name:?}: {what}")))
            }
        }
    }
}

/// Every column chunk the footer lists lies inside the file: the Parquet reader trusts the
/// footer's offsets (and panics on negative ones), so a corrupt footer is refused here.
fn check_chunks(
    name: &str,
    meta: &parquet::file::metadata::ParquetMetaData,
    file_len: u64,
) -> Result<()> {
    for (g, group) in meta.row_groups().iter().enumerate() {
        for chunk in group.columns() {
            let start = chunk
                .dictionary_page_offset()
                .unwrap_or_else(|| chunk.data_page_offset());
            let len = chunk.compressed_size();
            let inside = u64::try_from(start)
                .ok()
                .zip(u64::try_from(len).ok())
                .and_then(|(s, l)| s.checked_add(l))
                .is_some_and(|end| end <= file_len);
            if !inside {
                return Err(corrupt(
                    name,
                    InputFormat::Parquet,
                    0,
                    &format!("row group {} names a column chunk outside the file", g + 1),
                ));
            }
        }
    }
    Ok(())
}

/// Every block the footer of an Arrow IPC file lists lies inside the file: the IPC reader
/// trusts the footer's lengths (and panics on negative ones), so a corrupt footer is refused
/// here. Anything else wrong with the footer is left to the reader to report.
fn check_blocks(name: &str, mut r: impl Read + Seek) -> Result<()> {
    let bad = |what: &str| corrupt(name, InputFormat::Arrow, 0, what);
    let len = r.seek(SeekFrom::End(0)).map_err(|e| Error::io(name, e))?;
    if len < 10 {
        return Err(bad("too short for an Arrow IPC file"));
    }
    let mut trailer = [0u8; 10];
    r.seek(SeekFrom::End(-10))
        .and_then(|_| r.read_exact(&mut trailer))
        .map_err(|e| Error::io(name, e))?;
    let Ok(footer_len) = arrow_ipc::reader::read_footer_length(trailer) else {
        return Ok(());
    };
    let Some(start) = (len - 10).checked_sub(footer_len as u64) else {
        return Err(bad("its footer is longer than the file"));
    };
    let mut footer = vec![0u8; footer_len];
    r.seek(SeekFrom::Start(start))
        .and_then(|_| r.read_exact(&mut footer))
        .map_err(|e| Error::io(name, e))?;
    let Ok(footer) = arrow_ipc::root_as_footer(&footer) else {
        return Ok(());
    };
    let blocks = footer
        .dictionaries()
        .into_iter()
        .flatten()
        .chain(footer.recordBatches().into_iter().flatten());
    for b in blocks {
        let end = u64::try_from(b.offset()).ok().and_then(|o| {
            let meta = u64::try_from(b.metaDataLength()).ok()?;
            let body = u64::try_from(b.bodyLength()).ok()?;
            o.checked_add(meta)?.checked_add(body)
        });
        if end.is_none_or(|e| e > len) {
            return Err(bad("its footer names a block outside the file"));
        }
    }
    Ok(())
}

fn open_file(name: &str, path: &str) -> Result<File> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(name, e))?;
    if meta.is_dir() {
        return Err(Error::bad_input(
            name,
            "is a directory; give the path of a Parquet or Arrow file",
        ));
    }
    File::open(path).map_err(|e| Error::io(name, e))
}

/// The error of input that the format's reader cannot decode, after `row` good rows.
fn corrupt(path: &str, format: InputFormat, row: u64, what: &str) -> Error {
    let at = if row == 0 {
        String::new()
    } else {
        format!(" after row {row}")
    };
    Error::bad_input(
        path,
        format!(
            "cannot be read as {}{at} ({}); the file may be truncated or corrupt",
            format_name(format),
            crate::error::shown(what).trim_matches('"')
        ),
    )
}

/// Why a value cannot be read as text.
#[derive(Debug)]
enum CellError {
    Utf8,
    /// Longer than the field limit: its length, or for a list the length reached when it
    /// passed the limit (the rest not written).
    TooLong(usize),
    Other(&'static str),
}

/// Writes value `row` of `a` to `out` as text: `Ok(false)` for a null. Strings as they are,
/// numbers as Rust prints them (NaN is null), booleans `true`/`false`, times as RFC 3339 UTC
/// (`2016-05-01T12:00:00Z`, with a fraction when there is one), dates as `2016-05-01`, lists
/// as their values separated by spaces.
fn write_value(
    a: &dyn Array,
    row: usize,
    out: &mut String,
    limit: usize,
) -> std::result::Result<bool, CellError> {
    use std::fmt::Write;
    if row >= a.len() {
        return Err(CellError::Other("a row past the end of its batch"));
    }
    if a.is_null(row) || *a.data_type() == DataType::Null {
        return Ok(false);
    }
    let utf8 = |b: &[u8], out: &mut String| -> std::result::Result<(), CellError> {
        if b.len() > limit {
            return Err(CellError::TooLong(b.len()));
        }
        out.push_str(std::str::from_utf8(b).map_err(|_| CellError::Utf8)?);
        Ok(())
    };
    let text = |s: &str, out: &mut String| -> std::result::Result<(), CellError> {
        if s.len() > limit {
            return Err(CellError::TooLong(s.len()));
        }
        out.push_str(s);
        Ok(())
    };
    macro_rules! number {
        ($t:ty) => {{
            let _ = write!(out, "{}", a.as_primitive::<$t>().value(row));
        }};
    }
    match a.data_type() {
        DataType::Utf8 => text(a.as_string::<i32>().value(row), out)?,
        DataType::LargeUtf8 => text(a.as_string::<i64>().value(row), out)?,
        DataType::Utf8View => text(a.as_string_view().value(row), out)?,
        DataType::Binary => utf8(a.as_binary::<i32>().value(row), out)?,
        DataType::LargeBinary => utf8(a.as_binary::<i64>().value(row), out)?,
        DataType::BinaryView => utf8(a.as_binary_view().value(row), out)?,
        DataType::Boolean => out.push_str(if a.as_boolean().value(row) {
            "true"
        } else {
            "false"
        }),
        DataType::Int8 => number!(Int8Type),
        DataType::Int16 => number!(Int16Type),
        DataType::Int32 => number!(Int32Type),
        DataType::Int64 => number!(Int64Type),
        DataType::UInt8 => number!(UInt8Type),
        DataType::UInt16 => number!(UInt16Type),
        DataType::UInt32 => number!(UInt32Type),
        DataType::UInt64 => number!(UInt64Type),
        DataType::Float32 => {
            let v = a.as_primitive::<Float32Type>().value(row);
            if v.is_nan() {
                return Ok(false);
            }
            let _ = write!(out, "{v}");
        }
        DataType::Float64 => {
            let v = a.as_primitive::<Float64Type>().value(row);
            if v.is_nan() {
                return Ok(false);
            }
            let _ = write!(out, "{v}");
        }
        DataType::Decimal128(_, _) => {
            out.push_str(&a.as_primitive::<Decimal128Type>().value_as_string(row))
        }
        DataType::Decimal256(_, _) => {
            out.push_str(&a.as_primitive::<Decimal256Type>().value_as_string(row))
        }
        DataType::Timestamp(unit, _) => {
            use arrow_array::types::{
                TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
                TimestampSecondType,
            };
            let (v, per_second) = match unit {
                TimeUnit::Second => (a.as_primitive::<TimestampSecondType>().value(row), 1),
                TimeUnit::Millisecond => (
                    a.as_primitive::<TimestampMillisecondType>().value(row),
                    1_000,
                ),
                TimeUnit::Microsecond => (
                    a.as_primitive::<TimestampMicrosecondType>().value(row),
                    1_000_000,
                ),
                TimeUnit::Nanosecond => (
                    a.as_primitive::<TimestampNanosecondType>().value(row),
                    1_000_000_000,
                ),
            };
            write_time(out, v, per_second);
        }
        DataType::Date32 => {
            let days = a
                .as_primitive::<arrow_array::types::Date32Type>()
                .value(row);
            let (y, m, d) = crate::util::time::civil_from_days(i64::from(days));
            let _ = write!(out, "{y:04}-{m:02}-{d:02}");
        }
        DataType::Date64 => {
            let ms = a
                .as_primitive::<arrow_array::types::Date64Type>()
                .value(row);
            write_time(out, ms, 1_000);
        }
        DataType::Dictionary(_, _) => {
            let d = a.as_any_dictionary();
            let Some(key) = dictionary_key(d.keys(), row) else {
                return Ok(false);
            };
            if key >= d.values().len() {
                return Err(CellError::Other(
                    "a dictionary key past the dictionary's end",
                ));
            }
            return write_value(d.values().as_ref(), key, out, limit);
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let items = match a.data_type() {
                DataType::List(_) => a.as_list::<i32>().value(row),
                _ => a.as_list::<i64>().value(row),
            };
            let mut first = true;
            for k in 0..items.len() {
                let start = out.len();
                if !first {
                    out.push(' ');
                }
                if write_value(items.as_ref(), k, out, limit)? {
                    first = false;
                } else {
                    out.truncate(start);
                }
                if out.len() > limit {
                    return Err(CellError::TooLong(out.len()));
                }
            }
        }
        _ => return Err(CellError::Other("values of a type not read as text")),
    }
    Ok(true)
}

/// The dictionary key of row `row`, `None` for a null key.
fn dictionary_key(keys: &dyn Array, row: usize) -> Option<usize> {
    if keys.is_null(row) {
        return None;
    }
    let k: i64 = match keys.data_type() {
        DataType::Int8 => keys.as_primitive::<Int8Type>().value(row).into(),
        DataType::Int16 => keys.as_primitive::<Int16Type>().value(row).into(),
        DataType::Int32 => keys.as_primitive::<Int32Type>().value(row).into(),
        DataType::Int64 => keys.as_primitive::<Int64Type>().value(row),
        DataType::UInt8 => keys.as_primitive::<UInt8Type>().value(row).into(),
        DataType::UInt16 => keys.as_primitive::<UInt16Type>().value(row).into(),
        DataType::UInt32 => keys.as_primitive::<UInt32Type>().value(row).into(),
        DataType::UInt64 => i64::try_from(keys.as_primitive::<UInt64Type>().value(row)).ok()?,
        _ => return None,
    };
    usize::try_from(k).ok()
}

/// A time of `v` units, `per_second` to the second, since the Unix epoch, as the time parser
/// reads it: RFC 3339 UTC within the years it accepts, else Unix seconds (which it then
/// refuses with the row's line).
fn write_time(out: &mut String, v: i64, per_second: i64) {
    use std::fmt::Write;
    let secs = v.div_euclid(per_second);
    let frac = v.rem_euclid(per_second);
    let (lo, hi) = crate::util::time::RANGE;
    if !(lo..=hi).contains(&secs) {
        let _ = write!(out, "{secs}");
        return;
    }
    let stamp = crate::util::time::format(secs);
    if frac == 0 {
        out.push_str(&stamp);
        return;
    }
    let digits = per_second.ilog10() as usize;
    let fraction = format!("{frac:0digits$}");
    let _ = write!(
        out,
        "{}.{}Z",
        stamp.trim_end_matches('Z'),
        fraction.trim_end_matches('0')
    );
}

#[cfg(test)]
mod tests {
    use super::super::{columns::ColumnReader, PostReader, ReadOptions, SkipReport};
    use super::*;
    use arrow_array::builder::{ListBuilder, StringBuilder};
    use arrow_array::types::Int32Type as Key;
    use arrow_array::{
        BooleanArray, DictionaryArray, Int64Array, LargeStringArray, StringArray, StringViewArray,
        TimestampMillisecondArray,
    };
    use arrow_schema::Field;

    /// Three posts in every kind of column the readers meet: an integer id, a text with a
    /// null, a dictionary-encoded label, a time zone'd timestamp, a boolean and a list.
    fn posts() -> RecordBatch {
        let mut urls = ListBuilder::new(StringBuilder::new());
        urls.values().append_value("https://a.example/1");
        urls.values().append_value("https://b.example/2");
        urls.append(true);
        urls.append(true);
        urls.append_null();
        let label: DictionaryArray<Key> = vec!["troll", "ok", "troll"].into_iter().collect();
        RecordBatch::try_from_iter(vec![
            (
                "id",
                Arc::new(Int64Array::from(vec![10, 20, 30])) as ArrayRef,
            ),
            (
                "text",
                Arc::new(StringArray::from(vec![
                    Some("first post"),
                    None,
                    Some("third"),
                ])),
            ),
            ("label", Arc::new(label)),
            (
                "when",
                Arc::new(
                    TimestampMillisecondArray::from(vec![1_462_104_000_000, 0, 1_462_104_000_500])
                        .with_timezone("UTC"),
                ),
            ),
            (
                "repost",
                Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
            ),
            ("urls", Arc::new(urls.finish())),
        ])
        .unwrap()
    }

    fn parquet_bytes(batch: &RecordBatch) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
        w.write(batch).unwrap();
        w.close().unwrap();
        out
    }

    fn ipc_file_bytes(batch: &RecordBatch) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = arrow_ipc::writer::FileWriter::try_new(&mut out, &batch.schema()).unwrap();
        w.write(batch).unwrap();
        w.finish().unwrap();
        drop(w);
        out
    }

    fn ipc_stream_bytes(batch: &RecordBatch) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = arrow_ipc::writer::StreamWriter::try_new(&mut out, &batch.schema()).unwrap();
        w.write(batch).unwrap();
        w.finish().unwrap();
        drop(w);
        out
    }

    fn opts() -> ReadOptions {
        ReadOptions {
            extra_cols: vec!["label".into(), "when".into()],
            optional_cols: vec!["repost".into(), "urls".into(), "absent".into()],
            ..ReadOptions::default()
        }
    }

    fn read_all(r: &mut PostReader) -> crate::error::Result<Vec<Record>> {
        let mut out = Vec::new();
        while let Some(rec) = r.next_record()? {
            out.push(rec);
        }
        Ok(out)
    }

    fn expected() -> Vec<(u64, &'static str, &'static str, Vec<&'static str>)> {
        vec![
            (
                1,
                "10",
                "first post",
                vec![
                    "troll",
                    "2016-05-01T12:00:00Z",
                    "true",
                    "https://a.example/1 https://b.example/2",
                    "",
                ],
            ),
            (
                3,
                "30",
                "third",
                vec!["troll", "2016-05-01T12:00:00.5Z", "", "", ""],
            ),
        ]
    }

    fn shape(recs: &[Record]) -> Vec<(u64, &str, &str, Vec<&str>)> {
        recs.iter()
            .map(|r| {
                (
                    r.line,
                    r.id.as_str(),
                    r.text.as_str(),
                    r.fields.iter().map(String::as_str).collect(),
                )
            })
            .collect()
    }

    /// Parquet, the IPC file and the IPC stream, from a file (by extension and by content) and
    /// from a stream, give the same rows; a null text is a bad row at its row number, or a
    /// counted skip; the checksum is the SHA-256 of the file.
    #[test]
    fn every_binary_layout_gives_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let batch = posts();
        for (ext, bytes) in [
            ("parquet", parquet_bytes(&batch)),
            ("arrow", ipc_file_bytes(&batch)),
            ("arrows", ipc_stream_bytes(&batch)),
        ] {
            let named = dir.path().join(format!("p.{ext}"));
            std::fs::write(&named, &bytes).unwrap();
            let unnamed = dir.path().join(format!("{ext}-data"));
            std::fs::write(&unnamed, &bytes).unwrap();
            let digest: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            for path in [&named, &unnamed] {
                let path = path.to_str().unwrap();
                // Strict: the null text is an error naming the file, its row and the column.
                let mut r = PostReader::open(path, opts()).unwrap();
                let err = read_all(&mut r).unwrap_err().to_string();
                assert!(
                    err.starts_with(path)
                        && err.contains("line 2")
                        && err.contains("\"text\" is null"),
                    "{ext}: {err}"
                );
                let skip = ReadOptions {
                    skip_bad_rows: true,
                    ..opts()
                };
                let mut r = PostReader::open(path, skip.clone()).unwrap();
                let recs = read_all(&mut r).unwrap();
                assert_eq!(shape(&recs), expected(), "{ext}");
                assert_eq!(r.skipped.total(), 1);
                assert_eq!(r.skipped.by_reason["missing text"].first_line, 2);
                assert_eq!(super::super::checksum_hex(&r.checksum), digest, "{ext}");
                // From a stream (stdin), by content.
                let mut r = PostReader::from_reader(
                    "<stdin>",
                    Box::new(std::io::Cursor::new(bytes.clone())),
                    skip.clone(),
                )
                .unwrap();
                assert_eq!(shape(&read_all(&mut r).unwrap()), expected(), "{ext}");
                assert_eq!(super::super::checksum_hex(&r.checksum), digest, "{ext}");
            }
        }
    }

    #[test]
    fn string_columns_of_every_kind_and_missing_columns() {
        let dir = tempfile::tempdir().unwrap();
        let batch = RecordBatch::try_from_iter(vec![
            (
                "text",
                Arc::new(LargeStringArray::from(vec!["one", "two"])) as ArrayRef,
            ),
            (
                "author",
                Arc::new(StringViewArray::from(vec!["ann", "bob"])),
            ),
        ])
        .unwrap();
        let path = dir.path().join("s.parquet");
        std::fs::write(&path, parquet_bytes(&batch)).unwrap();
        let path = path.to_str().unwrap();
        let o = ReadOptions {
            extra_cols: vec!["author".into()],
            ..ReadOptions::default()
        };
        let recs = read_all(&mut PostReader::open(path, o.clone()).unwrap()).unwrap();
        assert_eq!(
            shape(&recs),
            vec![(1, "1", "one", vec!["ann"]), (2, "2", "two", vec!["bob"])]
        );
        assert!(recs.iter().all(|r| !r.id_given));
        // A value over the field limit is a bad row naming its length and column.
        let short = ReadOptions {
            max_field_bytes: 2,
            ..o.clone()
        };
        let err = read_all(&mut PostReader::open(path, short).unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 1") && err.contains("\"text\" is 3 bytes long"),
            "{err}"
        );
        // A missing column names itself and the columns there are.
        let missing = ReadOptions {
            extra_cols: vec!["label".into()],
            ..ReadOptions::default()
        };
        let err = PostReader::open(path, missing).err().unwrap().to_string();
        assert!(
            err.contains("\"label\"") && err.contains("columns found: text, author"),
            "{err}"
        );
        // So is an explicit id column that is not there.
        let id = ReadOptions {
            id_col: "tweet_id".into(),
            id_col_explicit: true,
            ..ReadOptions::default()
        };
        let err = PostReader::open(path, id).err().unwrap().to_string();
        assert!(err.contains("tweet_id"), "{err}");
        // Column batches read it as PostReader does.
        let mut cols = ColumnReader::open(path, &o, &["author".to_string()]).unwrap();
        let b = cols.next_batch(10).unwrap();
        assert_eq!(
            (b.len(), b.texts.get(1), b.columns[0].get(0)),
            (2, "two", "ann")
        );
        cols.finish(&mut SkipReport::default());
    }

    #[test]
    fn a_column_of_structs_and_broken_files_are_refused_in_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let inner = arrow_array::StructArray::from(vec![(
            Arc::new(Field::new("x", DataType::Int64, false)),
            Arc::new(Int64Array::from(vec![1])) as ArrayRef,
        )]);
        let batch = RecordBatch::try_from_iter(vec![
            ("text", Arc::new(StringArray::from(vec!["a"])) as ArrayRef),
            ("meta", Arc::new(inner)),
        ])
        .unwrap();
        let path = dir.path().join("n.parquet");
        let bytes = parquet_bytes(&batch);
        std::fs::write(&path, &bytes).unwrap();
        let o = ReadOptions {
            extra_cols: vec!["meta".into()],
            ..ReadOptions::default()
        };
        let err = PostReader::open(path.to_str().unwrap(), o)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("\"meta\"") && err.contains("not read as text"),
            "{err}"
        );
        // Truncated: an error naming the file, never a panic.
        let cut = dir.path().join("cut.parquet");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let err = PostReader::open(cut.to_str().unwrap(), ReadOptions::default())
            .err()
            .unwrap();
        assert!(err.to_string().contains("cut.parquet"), "{err}");
        assert_eq!(err.exit_code(), 2);
        // A CSV named .parquet says what it is not.
        let csv = dir.path().join("c.parquet");
        std::fs::write(&csv, "id,text\n1,a\n").unwrap();
        let err = PostReader::open(csv.to_str().unwrap(), ReadOptions::default())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("not a Parquet"), "{err}");
    }

    /// Bytes flipped all over small Parquet and Arrow files: every read ends in rows or an
    /// error that names the input, never in a panic.
    #[test]
    fn corrupted_files_are_an_error_or_rows() {
        let batch = posts();
        let mut rng = crate::util::rng::SplitMix64::new(7);
        for (format, bytes) in [
            (InputFormat::Parquet, parquet_bytes(&batch)),
            (InputFormat::Arrow, ipc_file_bytes(&batch)),
            (InputFormat::ArrowStream, ipc_stream_bytes(&batch)),
        ] {
            for _ in 0..300 {
                let mut b = bytes.clone();
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(b.len());
                    b[at] = rng.next_u64() as u8;
                }
                if rng.below(8) == 0 {
                    b.truncate(rng.below(b.len()));
                }
                let o = ReadOptions {
                    skip_bad_rows: true,
                    format: Some(format),
                    ..opts()
                };
                let result = PostReader::from_reader("x", Box::new(std::io::Cursor::new(b)), o)
                    .and_then(|mut r| read_all(&mut r));
                if let Err(e) = result {
                    assert!(e.to_string().starts_with("x:"), "{e}");
                    assert_eq!(e.exit_code(), 2, "{e}");
                }
            }
        }
    }

    #[test]
    fn times_read_as_the_time_parser_reads_them() {
        let mut s = String::new();
        write_time(&mut s, 1_462_104_000_250, 1_000);
        assert_eq!(s, "2016-05-01T12:00:00.25Z");
        assert_eq!(crate::util::time::parse(&s), Some(1_462_104_000));
        s.clear();
        write_time(&mut s, -1, 1);
        assert_eq!(s, "1969-12-31T23:59:59Z");
        s.clear();
        write_time(&mut s, i64::MAX, 1);
        assert_eq!(s, i64::MAX.to_string());
        assert_eq!(crate::util::time::parse(&s), None);
    }

    #[test]
    fn magic_bytes() {
        assert_eq!(sniff(b"PAR1\x15\x04"), Some(InputFormat::Parquet));
        assert_eq!(sniff(b"ARROW1\0\0"), Some(InputFormat::Arrow));
        assert_eq!(
            sniff(&[0xff, 0xff, 0xff, 0xff, 0x10]),
            Some(InputFormat::ArrowStream)
        );
        assert_eq!(sniff(b"id,text\n"), None);
        let err = check_magic("x.parquet", InputFormat::Parquet, b"id,text\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not a Parquet") && err.contains("PAR1"),
            "{err}"
        );
        let err = check_magic("x.parquet", InputFormat::Parquet, b"ARROW1\0\0")
            .unwrap_err()
            .to_string();
        assert!(err.contains("--input-format arrow"), "{err}");
        let err = check_magic("x.arrows", InputFormat::ArrowStream, &[0x1f, 0x8b, 8])
            .unwrap_err()
            .to_string();
        assert!(err.contains("gzip"), "{err}");
    }
}
