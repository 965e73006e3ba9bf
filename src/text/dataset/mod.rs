//! Reading posts: opening files or stdin (plain or gzip, detected by content), CSV/TSV with
//! named columns, JSONL and plain text, with every unusable row either an error that names the
//! file, line and problem, or — with `skip_bad_rows` — a skip counted by reason.
//! It owns the input formats; what the text means (tokens, labels as classes) lives elsewhere.

pub mod arrow;
pub mod columns;
pub mod rowcheck;
pub mod twarc;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Where posts come from: a path, or `-` for standard input.
pub const STDIN: &str = "-";

/// The layout of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// Delimited text with a header row; the delimiter comes from the options or the name.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// One JSON object a line.
    Jsonl,
    /// One post a line, no header.
    Text,
    /// Apache Parquet: columns by name, read a row group's batch at a time.
    Parquet,
    /// The Arrow IPC file format (Feather v2).
    Arrow,
    /// The Arrow IPC stream format.
    #[serde(rename = "arrows")]
    ArrowStream,
    /// JSON lines as twarc2 writes Twitter API v2 results: response pages of tweets with their
    /// `includes`, or one tweet a line as `twarc2 flatten` writes them.
    Twarc2,
}

impl InputFormat {
    pub fn parse(s: &str) -> Option<InputFormat> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(InputFormat::Csv),
            "tsv" | "tab" => Some(InputFormat::Tsv),
            "jsonl" | "ndjson" | "json" => Some(InputFormat::Jsonl),
            "text" | "txt" | "lines" => Some(InputFormat::Text),
            "parquet" | "pq" => Some(InputFormat::Parquet),
            "arrow" | "feather" | "ipc" => Some(InputFormat::Arrow),
            "arrows" | "arrow-stream" | "ipc-stream" => Some(InputFormat::ArrowStream),
            "twarc2" | "twarc" => Some(InputFormat::Twarc2),
            _ => None,
        }
    }

    /// The name `--input-format` takes for this layout.
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Csv => "csv",
            InputFormat::Tsv => "tsv",
            InputFormat::Jsonl => "jsonl",
            InputFormat::Text => "text",
            InputFormat::Parquet => "parquet",
            InputFormat::Arrow => "arrow",
            InputFormat::ArrowStream => "arrows",
            InputFormat::Twarc2 => "twarc2",
        }
    }

    /// Parquet or Arrow IPC: binary, with typed columns.
    pub fn is_columnar(self) -> bool {
        matches!(
            self,
            InputFormat::Parquet | InputFormat::Arrow | InputFormat::ArrowStream
        )
    }

    /// The format a file name implies (`.gz` looked through), if any.
    pub fn from_name(path: &str) -> Option<InputFormat> {
        let lower = path.to_ascii_lowercase();
        let name = lower.strip_suffix(".gz").unwrap_or(&lower);
        let ext = Path::new(name).extension()?.to_str()?;
        match ext {
            "csv" => Some(InputFormat::Csv),
            "tsv" | "tab" => Some(InputFormat::Tsv),
            "jsonl" | "ndjson" | "json" => Some(InputFormat::Jsonl),
            "txt" => Some(InputFormat::Text),
            "parquet" | "pq" => Some(InputFormat::Parquet),
            "arrow" | "feather" | "ipc" => Some(InputFormat::Arrow),
            "arrows" => Some(InputFormat::ArrowStream),
            _ => None,
        }
    }
}

/// Shared running SHA-256 of everything read through a `HashingReader`.
pub type Checksum = Arc<Mutex<Sha256>>;

/// Hex digest of a checksum's content so far.
pub fn checksum_hex(sum: &Checksum) -> String {
    let digest = sum.lock().map(|h| h.clone().finalize()).unwrap_or_default();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

struct HashingReader<R> {
    inner: R,
    sum: Checksum,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut h) = self.sum.lock() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// An opened input: decoded (gunzipped), with any UTF-8 byte-order mark removed.
pub struct Opened {
    pub reader: Box<dyn BufRead + Send>,
    pub gzip: bool,
    /// SHA-256 of the decoded bytes read so far (BOM included).
    pub checksum: Checksum,
}

/// Opens `path` (or stdin for `-`): gzip is recognized by its magic bytes, whatever the name.
pub fn open(path: &str) -> Result<Opened> {
    open_reader(shown_name(path), open_raw(path)?)
}

/// The bytes of `path` as they are, or stdin for `-`.
fn open_raw(path: &str) -> Result<Box<dyn Read + Send>> {
    if path == STDIN {
        return Ok(Box::new(io::stdin()));
    }
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::bad_input(
            path,
            "is a directory; give the path of a CSV, TSV, JSONL, text, Parquet or Arrow file",
        ));
    }
    Ok(Box::new(File::open(path).map_err(|e| Error::io(path, e))?))
}

/// As [`open`], without the checksum, for readers that do not report one (SHA-256 of every
/// decoded byte costs about two thirds of what parsing the CSV does).
pub fn open_unhashed(path: &str) -> Result<Box<dyn BufRead + Send>> {
    decode(shown_name(path), open_raw(path)?, false).map(|opened| opened.reader)
}

/// What messages call an input: its path, or `<stdin>` for `-`.
pub fn shown_name(path: &str) -> &str {
    if path == STDIN {
        "<stdin>"
    } else {
        path
    }
}

/// As [`open`], over bytes from anywhere; `name` is what messages call the input.
pub fn open_reader(name: &str, raw: Box<dyn Read + Send>) -> Result<Opened> {
    decode(name, raw, true)
}

/// [`open_reader`], with the decoded bytes hashed into the checksum when `hash`.
fn decode(name: &str, raw: Box<dyn Read + Send>, hash: bool) -> Result<Opened> {
    let path = name;
    let mut buffered = BufReader::with_capacity(1 << 18, raw);
    let head = buffered.fill_buf().map_err(|e| Error::io(path, e))?;
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let decoded: Box<dyn Read + Send> = if gzip {
        Box::new(flate2::bufread::MultiGzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    let checksum: Checksum = Arc::new(Mutex::new(Sha256::new()));
    let decoded: Box<dyn Read + Send> = if hash {
        Box::new(HashingReader {
            inner: decoded,
            sum: checksum.clone(),
        })
    } else {
        decoded
    };
    let mut reader = BufReader::with_capacity(1 << 18, decoded);
    let head = reader.fill_buf().map_err(|e| gzip_error(path, gzip, e))?;
    if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        return Err(Error::bad_input(
            path,
            "is UTF-16 (it starts with a UTF-16 byte-order mark); trollwatch reads UTF-8: \
             convert it first, e.g. `iconv -f UTF-16 -t UTF-8`",
        ));
    }
    if let Some(format) = arrow::sniff(head) {
        // Binary columns where text was expected: a compressed file, or a forced layout.
        return Err(Error::bad_input(
            path,
            format!(
                "is {}{}, not text: {}",
                arrow::format_name(format),
                if gzip { " compressed with gzip" } else { "" },
                if gzip {
                    "decompress it first (`gunzip`)".to_string()
                } else {
                    format!("read it with --input-format {}", format.name())
                }
            ),
        ));
    }
    if let Some(problem) = not_text(head) {
        return Err(Error::bad_input(path, problem));
    }
    if head.starts_with(&[0xef, 0xbb, 0xbf]) {
        reader.consume(3);
    }
    Ok(Opened {
        reader: Box::new(reader),
        gzip,
        checksum,
    })
}

/// Why the start of an input cannot be UTF-8 text, if it cannot: UTF-16 without a
/// byte-order mark (every other byte NUL), or NUL bytes in the first line, which no CSV
/// header, JSON object or post holds (a binary file, or a file preallocated and never
/// written).
fn not_text(head: &[u8]) -> Option<String> {
    let sample = &head[..head.len().min(512)];
    if sample.len() >= 8 {
        let (mut even_nul, mut odd_nul) = (0, 0);
        for (k, &b) in sample.iter().enumerate() {
            if b == 0 {
                if k % 2 == 0 {
                    even_nul += 1;
                } else {
                    odd_nul += 1;
                }
            }
        }
        let half = sample.len() / 2;
        let (le, be) = (
            odd_nul * 10 >= half * 9 && even_nul * 10 < half,
            even_nul * 10 >= half * 9 && odd_nul * 10 < half,
        );
        if le || be {
            return Some(format!(
                "looks like UTF-16{} without a byte-order mark (every other byte is NUL); \
                 trollwatch reads UTF-8: convert it first, e.g. `iconv -f UTF-16{} -t UTF-8`",
                if le { "LE" } else { "BE" },
                if le { "LE" } else { "BE" },
            ));
        }
    }
    let first_line = match memchr::memchr(b'\n', head) {
        Some(k) => &head[..k],
        None => head,
    };
    if let Some(k) = memchr::memchr(0, first_line) {
        return Some(format!(
            "is not text: its first line holds a NUL byte (at byte {k}); is it a binary file, \
             or a file that was never completely written?"
        ));
    }
    None
}

fn gzip_error(path: &str, gzip: bool, e: io::Error) -> Error {
    if gzip {
        Error::bad_input(
            path,
            format!(
                "cannot decompress the gzip stream ({e}); the file may be truncated or corrupt"
            ),
        )
    } else {
        Error::io(path, e)
    }
}

/// One post as read: its id (from the id column, or the row number), its text, any extra
/// columns that were asked for, and the line it started on.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub line: u64,
    pub id: String,
    pub text: String,
    pub fields: Vec<String>,
    /// The id came from the data (else it is the row or line number).
    pub id_given: bool,
}

/// How many rows were skipped, by reason, with the first line of each reason.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SkipReport {
    pub by_reason: BTreeMap<String, SkipCount>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SkipCount {
    pub rows: u64,
    pub first_line: u64,
}

impl SkipReport {
    pub fn add(&mut self, reason: &str, line: u64) {
        let entry = self.by_reason.entry(reason.to_string()).or_default();
        if entry.rows == 0 {
            entry.first_line = line;
        }
        entry.rows += 1;
    }

    pub fn total(&self) -> u64 {
        self.by_reason.values().map(|c| c.rows).sum()
    }

    /// As warnings: one message a reason, `data.csv: a byte-order mark inside the file ...: 2
    /// rows (first at line 40)`.
    pub fn warning_lines(&self, path: &str) -> Vec<String> {
        self.by_reason
            .iter()
            .map(|(reason, c)| {
                format!(
                    "{path}: {reason}: {} row{} (first at line {})",
                    c.rows,
                    if c.rows == 1 { "" } else { "s" },
                    c.first_line
                )
            })
            .collect()
    }

    /// One line for the terminal, e.g. `skipped 3 rows: 2 empty text (first at line 7), ...`.
    pub fn summary(&self, path: &str) -> Option<String> {
        if self.by_reason.is_empty() {
            return None;
        }
        let parts: Vec<String> = self
            .by_reason
            .iter()
            .map(|(r, c)| format!("{} {} (first at line {})", c.rows, r, c.first_line))
            .collect();
        Some(format!(
            "{path}: skipped {} bad rows: {}",
            self.total(),
            parts.join(", ")
        ))
    }
}

/// Which columns to read and how.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Forced layout; `None` = from the file name, else CSV (JSONL when stdin starts with `{`).
    pub format: Option<InputFormat>,
    /// Forced delimiter for CSV (`\t` for TSV).
    pub delimiter: Option<u8>,
    pub text_col: String,
    /// Id column; when `id_col_explicit` is false and it is missing, ids are row numbers.
    pub id_col: String,
    pub id_col_explicit: bool,
    /// Extra columns that must exist (e.g. the label column); values land in `Record::fields`.
    pub extra_cols: Vec<String>,
    /// Columns read when the file has them (after `extra_cols` in `Record::fields`); a file
    /// without one gives an empty value, as does a JSONL object without the key.
    pub optional_cols: Vec<String>,
    /// Read every column but the id column into `Record::fields`, in the file's order, in
    /// place of `extra_cols`: a header's or a schema's columns; of JSON lines the keys of the
    /// first object, a nested value as its JSON text (a key first seen later is left out,
    /// with a warning); of plain text the one column `text`. Not for twarc2 input, whose
    /// tweets have no fixed columns. [`PostReader::kept_columns`] names them.
    pub keep_all: bool,
    pub skip_bad_rows: bool,
    /// Longest field (post text, id, label or other column used) accepted, in bytes; a longer
    /// one is a bad row. A row (CSV record or JSONL line) may be [`ROW_LIMIT_FACTOR`] times
    /// as long, at least 1 MiB; past that, reading stops, so memory stays bounded even when an
    /// unbalanced quote swallows the rest of a huge file.
    pub max_field_bytes: usize,
    /// Accept rows whose text is empty (CSV/TSV/JSONL): for analyses where a post without
    /// text still counts, such as coordination (a repost of media, say).
    pub allow_empty_text: bool,
    /// Warn about ids read from the data that repeat an earlier row's (a warning naming the
    /// first such line; the ids are kept as 128-bit hashes).
    pub warn_repeated_ids: bool,
}

/// Default [`ReadOptions::max_field_bytes`]: 1 MiB. The longest posts any platform allows are
/// tens of kilobytes (Facebook 63,206 characters, Reddit 40,000, X 25,000 for subscribers),
/// so a field fifteen times longer is almost surely broken quoting or not a post.
pub const DEFAULT_MAX_FIELD_BYTES: usize = 1 << 20;

/// A row may be this many times [`ReadOptions::max_field_bytes`] long (and at least 1 MiB).
pub const ROW_LIMIT_FACTOR: usize = 16;

impl ReadOptions {
    /// With `keep_all`, these options for a file whose columns are `names`: `extra_cols`
    /// are then every column but the id column, in the file's order.
    pub(crate) fn for_columns(&self, names: &[String]) -> std::borrow::Cow<'_, ReadOptions> {
        if !self.keep_all {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut all = self.clone();
        all.extra_cols = names
            .iter()
            .filter(|n| **n != self.id_col)
            .cloned()
            .collect();
        std::borrow::Cow::Owned(all)
    }

    /// Longest row read before giving up on the input.
    pub fn max_row_bytes(&self) -> usize {
        self.max_field_bytes
            .saturating_mul(ROW_LIMIT_FACTOR)
            .max(1 << 20)
    }
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            delimiter: None,
            text_col: "text".into(),
            id_col: "id".into(),
            id_col_explicit: false,
            extra_cols: Vec::new(),
            optional_cols: Vec::new(),
            keep_all: false,
            skip_bad_rows: false,
            max_field_bytes: DEFAULT_MAX_FIELD_BYTES,
            allow_empty_text: false,
            warn_repeated_ids: true,
        }
    }
}

/// A streaming reader of posts in any supported format.
pub struct PostReader {
    path: String,
    opts: ReadOptions,
    kind: Kind,
    pub skipped: SkipReport,
    /// Questionable rows that were read (a byte-order mark inside the file, say), by reason
    /// with their first line: printed as warnings, never silently passed over.
    pub warnings: SkipReport,
    pub checksum: Checksum,
    rows: u64,
    gzip: bool,
    /// Hashes of the ids read from the data, when repeats are looked for.
    seen_ids: Option<std::collections::HashSet<u128>>,
    /// A post read ahead by [`PostReader::kept_columns`], returned next.
    peeked: Option<Record>,
}

/// The reason a repeated id is counted under in [`PostReader::warnings`].
pub const REPEATED_ID: &str = "an id seen on an earlier line (the same post twice?)";

/// An id as a 128-bit hash.
fn id_hash(id: &str) -> u128 {
    let mut h = crate::util::hash::Hash128::new(0x5851_f42d_4c95_7f2d);
    h.add(id);
    h.finish()
}

/// Where each line starts, for true line numbers: csv counts a CRLF's `\n` as the start of
/// the next record and so reports one line too few after every CRLF. A line ends at `\n`, at
/// `\r\n`, or at a `\r` alone (old Mac files), as csv's records do. It also guards memory:
/// a row that runs on past `row_limit` bytes stops the reader with [`RowTooLong`].
#[derive(Default)]
struct LineIndex {
    /// Line ends not yet passed: the offset of each line's last byte (the `\n` of a CRLF), and
    /// whether it is a CRLF.
    newlines: std::collections::VecDeque<(u64, bool)>,
    /// Offset where the line after the last passed line end begins.
    line_start: u64,
    read: u64,
    passed: u64,
    /// Offset of a `\r` that ended the last chunk: a line end unless a `\n` follows.
    pending_cr: Option<u64>,
    /// Where the row being read began.
    row_start: u64,
    row_limit: u64,
}

impl LineIndex {
    /// 1-based line of the byte at `offset`; offsets must not decrease between calls.
    fn line_at(&mut self, offset: u64) -> u64 {
        while let Some(&(nl, _)) = self.newlines.front() {
            if nl > offset {
                break;
            }
            self.newlines.pop_front();
            self.passed += 1;
            self.line_start = nl + 1;
        }
        self.passed + 1
    }

    /// The line a row starting at `offset` begins on: blank lines before it (which the csv
    /// reader passes over inside the row's span) are not the row's line.
    fn row_line_at(&mut self, offset: u64) -> u64 {
        let line = self.line_at(offset);
        // After a CRLF the csv reader may start the next row at the LF, the last byte of the
        // line end just passed.
        if offset != self.line_start && offset + 1 != self.line_start {
            return line;
        }
        while let Some(&(nl, crlf)) = self.newlines.front() {
            let blank = if crlf {
                nl == self.line_start + 1
            } else {
                nl == self.line_start
            };
            if !blank {
                break;
            }
            self.newlines.pop_front();
            self.passed += 1;
            self.line_start = nl + 1;
        }
        self.passed + 1
    }

    fn scan(&mut self, chunk: &[u8]) {
        let base = self.read;
        // A CR that ended the last chunk: a CRLF if this chunk starts with LF.
        let mut crlf_at = None;
        if let Some(cr) = self.pending_cr.take() {
            if chunk.first() == Some(&b'\n') {
                crlf_at = Some(base);
            } else {
                self.newlines.push_back((cr, false));
            }
        }
        for k in memchr::memchr2_iter(b'\n', b'\r', chunk) {
            let at = base + k as u64;
            if chunk[k] == b'\n' {
                let crlf = crlf_at == Some(at) || (k > 0 && chunk[k - 1] == b'\r');
                self.newlines.push_back((at, crlf));
            } else {
                match chunk.get(k + 1) {
                    Some(b'\n') => {}
                    Some(_) => self.newlines.push_back((at, false)),
                    None => self.pending_cr = Some(at),
                }
            }
        }
        self.read += chunk.len() as u64;
    }
}

/// The io error a [`LineCounting`] reader gives when a row outgrows its limit.
#[derive(Debug)]
struct RowTooLong {
    row_start: u64,
    limit: u64,
}

impl std::fmt::Display for RowTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a row longer than {} bytes", self.limit)
    }
}

impl std::error::Error for RowTooLong {}

struct LineCounting<R> {
    inner: R,
    index: Arc<Mutex<LineIndex>>,
}

impl<R: Read> Read for LineCounting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Ok(idx) = self.index.lock() {
            if idx.row_limit > 0 && idx.read - idx.row_start > idx.row_limit {
                return Err(io::Error::other(RowTooLong {
                    row_start: idx.row_start,
                    limit: idx.row_limit,
                }));
            }
        }
        let n = self.inner.read(buf)?;
        if let Ok(mut idx) = self.index.lock() {
            idx.scan(&buf[..n]);
        }
        Ok(n)
    }
}

#[allow(clippy::large_enum_variant)] // one per reader, never moved in a loop
enum Kind {
    Delimited(Delimited),
    Lines(Lines),
    Columnar(Box<arrow::Columnar>),
}

/// Where the columns a [`ReadOptions`] asks for sit among a file's column names.
pub(crate) struct ColumnPositions {
    pub text: usize,
    /// The id column, when it was named or a column has its default name.
    pub id: Option<usize>,
    /// `extra_cols`, each of which must exist.
    pub extra: Vec<usize>,
    /// `optional_cols`, where present.
    pub optional: Vec<Option<usize>>,
}

impl ColumnPositions {
    /// Finds them in `names`; a missing column is an error naming the file `path` and the
    /// columns it has (`delimiter` shapes the hint, 0 for a format without one).
    pub(crate) fn find(
        path: &str,
        names: &[String],
        opts: &ReadOptions,
        delimiter: u8,
    ) -> Result<ColumnPositions> {
        let find = |col: &str| find_column(path, names, col, delimiter);
        let id = if opts.id_col_explicit || names.contains(&opts.id_col) {
            Some(find(&opts.id_col)?)
        } else {
            None
        };
        Ok(ColumnPositions {
            text: find(&opts.text_col)?,
            id,
            extra: opts
                .extra_cols
                .iter()
                .map(|c| find(c))
                .collect::<Result<Vec<_>>>()?,
            optional: opts
                .optional_cols
                .iter()
                .map(|c| names.iter().position(|n| n == c))
                .collect(),
        })
    }
}

/// A CSV or TSV file being read.
struct Delimited {
    reader: csv::Reader<LineCounting<Box<dyn BufRead + Send>>>,
    lines: Arc<Mutex<LineIndex>>,
    record: csv::ByteRecord,
    n_fields: usize,
    text_idx: usize,
    id_idx: Option<usize>,
    extra_idx: Vec<usize>,
    /// `opts.optional_cols`' positions in this file's header, where present.
    optional_idx: Vec<Option<usize>>,
    delimiter: u8,
    /// The header's column names (trimmed), to recognize a header repeated in the data.
    header: Vec<String>,
}

/// A JSONL or plain-text file being read, one line at a time.
struct Lines {
    reader: Box<dyn BufRead + Send>,
    jsonl: bool,
    line_no: u64,
    buf: Vec<u8>,
    /// The last line ended with `\r`: a `\n` right after it belongs to that line end.
    after_cr: bool,
    /// The first object decides whether the lines are twarc2's.
    detect_twarc: bool,
    /// Reading twarc2 lines: the tweets of the last line not yet returned.
    twarc: Option<twarc::Twarc>,
    /// With `keep_all`, of JSON lines: the keys of the first object but the id's, once read.
    all_keys: Option<Vec<String>>,
}

/// What reading a row needs besides the file's own state.
struct RowContext<'a> {
    path: &'a str,
    opts: &'a ReadOptions,
    gzip: bool,
    warnings: &'a mut SkipReport,
    /// The id of a row read without an id column: its position among the rows read and
    /// skipped so far.
    next_id: u64,
}

/// The next row: `None` at the end, a post, or a bad row (skipped or fatal as the reader
/// decides).
type NextRow = Result<Option<std::result::Result<Record, BadRow>>>;

/// A bad row: its line, the short reason counted by a skip, and the full problem.
type BadRow = (u64, &'static str, String);

impl PostReader {
    /// Opens `path` (`-`: stdin) in the layout `opts.format` names, else the one its name
    /// implies, else the one its first bytes show (Parquet, Arrow IPC, JSON lines), else CSV.
    pub fn open(path: &str, opts: ReadOptions) -> Result<PostReader> {
        let name = shown_name(path);
        let format = opts.format.or_else(|| InputFormat::from_name(path));
        match format {
            _ if path == STDIN && format.is_none_or(InputFormat::is_columnar) => {
                return Self::from_reader(name, Box::new(io::stdin()), opts)
            }
            Some(f) if f.is_columnar() => {
                return Self::columnar(name, arrow::Source::Path(path.to_string()), f, opts)
            }
            None => {
                if let Some(f) = arrow::sniff_path(path) {
                    return Self::columnar(name, arrow::Source::Path(path.to_string()), f, opts);
                }
            }
            Some(_) => {}
        }
        let opened = open(path)?;
        Self::from_opened(name, opened, opts)
    }

    /// Reads posts from any byte source (plain or gzip, or Parquet and Arrow IPC, held in
    /// memory whole when they need seeking); `name` is what messages call it and decides the
    /// layout when `opts.format` does not.
    pub fn from_reader(
        name: &str,
        raw: Box<dyn Read + Send>,
        opts: ReadOptions,
    ) -> Result<PostReader> {
        let format = opts.format.or_else(|| InputFormat::from_name(name));
        let mut buffered = BufReader::with_capacity(1 << 16, raw);
        let format = match format {
            Some(f) => Some(f),
            None => {
                let head = loop {
                    match buffered.fill_buf() {
                        Ok(h) => break h,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(Error::io(name, e)),
                    }
                };
                arrow::sniff(head)
            }
        };
        match format {
            Some(f) if f.is_columnar() => {
                Self::columnar(name, arrow::Source::Stream(Box::new(buffered)), f, opts)
            }
            _ => Self::from_opened(name, open_reader(name, Box::new(buffered))?, opts),
        }
    }

    fn check_options(opts: &ReadOptions) -> Result<()> {
        if opts.max_field_bytes == 0 {
            return Err(Error::param(
                "max-field-bytes",
                0,
                "must be at least 1 byte",
            ));
        }
        Ok(())
    }

    /// A reader of Parquet or Arrow IPC input.
    fn columnar(
        name: &str,
        source: arrow::Source,
        format: InputFormat,
        opts: ReadOptions,
    ) -> Result<PostReader> {
        Self::check_options(&opts)?;
        let (reader, checksum) = arrow::Columnar::open(name, source, format, &opts)?;
        let mut opts = opts;
        if opts.keep_all {
            opts.extra_cols = reader.extra_cols().to_vec();
        }
        let seen_ids = opts.warn_repeated_ids.then(Default::default);
        Ok(PostReader {
            path: name.to_string(),
            opts,
            kind: Kind::Columnar(Box::new(reader)),
            skipped: SkipReport::default(),
            warnings: SkipReport::default(),
            checksum,
            rows: 0,
            seen_ids,
            gzip: false,
            peeked: None,
        })
    }

    fn from_opened(path: &str, mut opened: Opened, mut opts: ReadOptions) -> Result<PostReader> {
        Self::check_options(&opts)?;
        let format = match opts.format.or_else(|| InputFormat::from_name(path)) {
            Some(f) => f,
            None => {
                let head = opened
                    .reader
                    .fill_buf()
                    .map_err(|e| gzip_error(path, opened.gzip, e))?;
                let first = head.iter().find(|b| !b.is_ascii_whitespace());
                if first == Some(&b'{') {
                    InputFormat::Jsonl
                } else {
                    InputFormat::Csv
                }
            }
        };
        if format != InputFormat::Text {
            let head = opened
                .reader
                .fill_buf()
                .map_err(|e| gzip_error(path, opened.gzip, e))?;
            if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
                return Err(Error::bad_input(
                    path,
                    "is a JSON array; trollwatch reads JSON lines, one object per line \
                     (pandas: to_json(orient=\"records\", lines=True); jq -c '.[]')",
                ));
            }
        }
        let kind = match format {
            InputFormat::Csv | InputFormat::Tsv => {
                let delimiter = opts.delimiter.unwrap_or(if format == InputFormat::Tsv {
                    b'\t'
                } else {
                    b','
                });
                Self::delimited(path, &mut opts, opened.reader, delimiter, opened.gzip)?
            }
            InputFormat::Parquet | InputFormat::Arrow | InputFormat::ArrowStream => {
                return Self::columnar(path, arrow::Source::Stream(opened.reader), format, opts)
            }
            InputFormat::Jsonl | InputFormat::Text | InputFormat::Twarc2 => {
                if format == InputFormat::Twarc2 && opts.keep_all {
                    return Err(twarc_keep_all(path));
                }
                if format == InputFormat::Text && !opts.extra_cols.is_empty() {
                    return Err(Error::bad_input(
                        path,
                        format!(
                            "plain text input has no columns, but column(s) {} are needed; \
                             give a CSV, TSV or JSONL file",
                            opts.extra_cols.join(", ")
                        ),
                    ));
                }
                Kind::Lines(Lines {
                    reader: opened.reader,
                    jsonl: format != InputFormat::Text,
                    line_no: 0,
                    buf: Vec::new(),
                    after_cr: false,
                    // JSON lines named or recognized as such may be twarc2's; forced
                    // `--input-format jsonl` reads them as they are.
                    detect_twarc: format == InputFormat::Jsonl
                        && opts.format != Some(InputFormat::Jsonl),
                    twarc: (format == InputFormat::Twarc2).then(Default::default),
                    all_keys: None,
                })
            }
        };
        let seen_ids = opts.warn_repeated_ids.then(Default::default);
        Ok(PostReader {
            path: path.to_string(),
            opts,
            kind,
            skipped: SkipReport::default(),
            warnings: SkipReport::default(),
            checksum: opened.checksum,
            rows: 0,
            seen_ids,
            gzip: opened.gzip,
            peeked: None,
        })
    }

    /// With `keep_all`, sets `opts.extra_cols` to the header's columns.
    fn delimited(
        path: &str,
        opts: &mut ReadOptions,
        input: Box<dyn BufRead + Send>,
        delimiter: u8,
        gzip: bool,
    ) -> Result<Kind> {
        let lines = Arc::new(Mutex::new(LineIndex {
            row_limit: opts.max_row_bytes() as u64,
            ..LineIndex::default()
        }));
        let counting = LineCounting {
            inner: input,
            index: lines.clone(),
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(counting);
        let headers = reader
            .byte_headers()
            .map_err(|e| csv_error(path, gzip, &lines, e))?
            .clone();
        if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
            return Err(Error::bad_input(path, "is empty: no header row"));
        }
        if let Ok(mut idx) = lines.lock() {
            idx.row_start = reader.position().byte();
        }
        let mut names = Vec::with_capacity(headers.len());
        for (i, h) in headers.iter().enumerate() {
            let name = std::str::from_utf8(h).map_err(|_| Error::BadRow {
                path: path.into(),
                line: 1,
                problem: format!("header field {} is not valid UTF-8", i + 1),
                hint: "; is the file in another encoding (Latin-1, Windows-1252)? convert it \
                       first, e.g. `iconv -f WINDOWS-1252 -t UTF-8`"
                    .into(),
            })?;
            names.push(name.trim().to_string());
        }
        if opts.keep_all {
            *opts = opts.for_columns(&names).into_owned();
        }
        let at = ColumnPositions::find(path, &names, opts, delimiter)?;
        Ok(Kind::Delimited(Delimited {
            reader,
            lines,
            record: csv::ByteRecord::new(),
            n_fields: names.len(),
            text_idx: at.text,
            id_idx: at.id,
            extra_idx: at.extra,
            optional_idx: at.optional,
            delimiter,
            header: names,
        }))
    }

    /// The next usable post; bad rows are errors, or skipped and counted with `skip_bad_rows`.
    pub fn next_record(&mut self) -> Result<Option<Record>> {
        if let Some(rec) = self.peeked.take() {
            return Ok(Some(rec));
        }
        loop {
            match self.read_one() {
                Ok(Some(Ok(rec))) => {
                    self.rows += 1;
                    if let (true, Some(seen)) = (rec.id_given, self.seen_ids.as_mut()) {
                        if !seen.insert(id_hash(&rec.id)) {
                            self.warnings.add(REPEATED_ID, rec.line);
                        }
                    }
                    return Ok(Some(rec));
                }
                Ok(Some(Err((line, reason, detail)))) => {
                    if self.opts.skip_bad_rows {
                        self.skipped.add(reason, line);
                        continue;
                    }
                    let hint = if reason == "field too long" {
                        "; raise the limit with --max-field-bytes, or pass --skip-bad-rows to \
                         skip such rows"
                    } else {
                        "; fix the row, or pass --skip-bad-rows to skip such rows"
                    };
                    return Err(Error::BadRow {
                        path: self.path.clone(),
                        line,
                        problem: detail,
                        hint: hint.into(),
                    });
                }
                Ok(None) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads up to `n` records.
    pub fn next_batch(&mut self, n: usize) -> Result<Vec<Record>> {
        let mut out = Vec::with_capacity(n.min(1 << 16));
        while out.len() < n {
            match self.next_record()? {
                Some(r) => out.push(r),
                None => break,
            }
        }
        Ok(out)
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// The columns whose values each post's `Record::fields` holds (before
    /// `optional_cols`): `extra_cols`, or with `keep_all` the columns found. Of JSON lines
    /// read with `keep_all` these are the first object's keys, so the first post is read
    /// ahead here (and returned by the next read).
    pub fn kept_columns(&mut self) -> Result<Vec<String>> {
        if !self.opts.keep_all {
            return Ok(self.opts.extra_cols.clone());
        }
        if let Kind::Lines(lines) = &self.kind {
            if !lines.jsonl {
                return Ok(vec!["text".to_string()]);
            }
            if lines.all_keys.is_none() && self.peeked.is_none() {
                self.peeked = self.next_record()?;
            }
        }
        Ok(match &self.kind {
            Kind::Lines(lines) => lines.all_keys.clone().unwrap_or_default(),
            _ => self.opts.extra_cols.clone(),
        })
    }

    /// Good rows returned so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// One raw row: `Ok(None)` at the end, `Ok(Some(Err(..)))` for a bad row.
    fn read_one(&mut self) -> NextRow {
        let mut cx = RowContext {
            path: &self.path,
            opts: &self.opts,
            gzip: self.gzip,
            warnings: &mut self.warnings,
            next_id: self.rows + 1 + self.skipped.total(),
        };
        match &mut self.kind {
            Kind::Delimited(file) => file.next_row(&mut cx),
            Kind::Lines(file) => file.next_row(&mut cx),
            Kind::Columnar(file) => file.next_row(&mut cx),
        }
    }
}

impl Delimited {
    fn next_row(&mut self, cx: &mut RowContext) -> NextRow {
        let more = match self.reader.read_byte_record(&mut self.record) {
            Ok(more) => more,
            Err(e) => return Err(csv_error(cx.path, cx.gzip, &self.lines, e)),
        };
        if !more {
            return Ok(None);
        }
        let offset = self.record.position().map_or(0, |p| p.byte());
        let line = self.lines.lock().map_or(0, |mut l| {
            l.row_start = self.reader.position().byte();
            l.row_line_at(offset)
        });
        match repeated_header(&self.record, &self.header) {
            Some(HeaderRow::Same) => {
                return Ok(Some(Err((
                    line,
                    "repeated header",
                    "this row repeats the header (were files joined with `cat`?); it is no \
                     post: remove it"
                        .into(),
                ))))
            }
            Some(HeaderRow::Other) => {
                return Err(Error::BadRow {
                    path: cx.path.into(),
                    line,
                    problem: "this row is a header whose columns differ from the first line's \
                              (were files with other columns joined with `cat`?); the rows \
                              after it would be read under the wrong columns"
                        .into(),
                    hint: "; give each file on its own (train, evaluate and tune take several \
                           files)"
                        .into(),
                })
            }
            None => {}
        }
        if self.record.get(0).is_some_and(|f| f.starts_with(BOM)) {
            // A byte-order mark at the start of a row: files joined with `cat`.
            let mut stripped =
                csv::ByteRecord::with_capacity(self.record.as_slice().len(), self.record.len());
            for (k, f) in self.record.iter().enumerate() {
                stripped.push_field(if k == 0 { &f[BOM.len()..] } else { f });
            }
            self.record = stripped;
            cx.warnings.add(
                "a byte-order mark inside the file (were files joined with `cat`?), removed",
                line,
            );
        }
        if let Some(bad) = shape_problem(&self.record, self.n_fields, self.delimiter, line) {
            return Ok(Some(Err(bad)));
        }
        Ok(Some(self.post(line, cx)))
    }

    /// The post in the current record, whose shape has been checked.
    fn post(&self, line: u64, cx: &RowContext) -> std::result::Result<Record, BadRow> {
        let opts = cx.opts;
        let field = |idx: usize, name: &str| -> std::result::Result<String, BadRow> {
            let raw = &self.record[idx];
            check_field(raw.len(), name, line, opts)?;
            std::str::from_utf8(raw).map(str::to_string).map_err(|e| {
                (
                    line,
                    "invalid UTF-8",
                    format!(
                        "field {name:?} is not valid UTF-8 (bad byte at offset {}); is the file \
                         in another encoding? convert it first, e.g. \
                         `iconv -f WINDOWS-1252 -t UTF-8`",
                        e.valid_up_to()
                    ),
                )
            })
        };
        let text = field(self.text_idx, &opts.text_col)?;
        check_text(&text, &opts.text_col, line, opts.allow_empty_text)?;
        let id = match self.id_idx {
            Some(i) => field(i, &opts.id_col)?,
            None => cx.next_id.to_string(),
        };
        let mut fields = Vec::with_capacity(self.extra_idx.len() + self.optional_idx.len());
        for (k, &i) in self.extra_idx.iter().enumerate() {
            fields.push(field(i, &opts.extra_cols[k])?);
        }
        for (k, i) in self.optional_idx.iter().enumerate() {
            fields.push(match i {
                Some(i) => field(*i, &opts.optional_cols[k])?,
                None => String::new(),
            });
        }
        Ok(Record {
            line,
            id,
            text,
            fields,
            id_given: self.id_idx.is_some(),
        })
    }
}

/// A row whose fields do not line up with the header: a blank line, the wrong number of
/// fields (with a guess at why), or a quote left open.
fn shape_problem(
    record: &csv::ByteRecord,
    n_fields: usize,
    delimiter: u8,
    line: u64,
) -> Option<BadRow> {
    if record.len() != n_fields {
        if record.len() == 1 && record[0].is_empty() {
            // A blank line between rows carries nothing; csv already skips most.
            return Some((line, "blank line", "blank line".into()));
        }
        let spans_lines = record.iter().any(|f| f.contains(&b'\n'));
        let nul = record.iter().any(|f| f.contains(&0));
        return Some((
            line,
            "wrong number of fields",
            format!(
                "expected {} fields as in the header, found {}{}",
                n_fields,
                record.len(),
                if nul {
                    " (the row holds NUL bytes: is this the end of a file that was never \
                     completely written?)"
                } else if spans_lines {
                    " (a quoted field runs over several lines: is a quote unbalanced?)"
                } else {
                    ""
                }
            ),
        ));
    }
    runaway_quote(record, n_fields, delimiter).map(|problem| (line, "unbalanced quote", problem))
}

impl Lines {
    fn next_row(&mut self, cx: &mut RowContext) -> NextRow {
        // A plain-text line is the post itself; a JSONL line holds several fields.
        let limit = if self.jsonl {
            cx.opts.max_row_bytes()
        } else {
            cx.opts.max_field_bytes
        };
        loop {
            if let Some(row) = self.twarc.as_mut().and_then(twarc::Twarc::pop) {
                return Ok(Some(row));
            }
            let (n, len) = read_line(
                self.reader.as_mut(),
                &mut self.buf,
                limit,
                &mut self.after_cr,
            )
            .map_err(|e| gzip_error(cx.path, cx.gzip, e))?;
            if n == 0 {
                return Ok(None);
            }
            self.line_no += 1;
            let line = self.line_no;
            if len > limit {
                return Ok(Some(Err((
                    line,
                    "field too long",
                    self.too_long(len, limit),
                ))));
            }
            let Ok(mut s) = std::str::from_utf8(&self.buf) else {
                return Ok(Some(Err((
                    line,
                    "invalid UTF-8",
                    "line is not valid UTF-8; is the file in another encoding? convert it first, \
                     e.g. `iconv -f WINDOWS-1252 -t UTF-8`"
                        .into(),
                ))));
            };
            if let Some(rest) = s.strip_prefix('\u{feff}') {
                // A byte-order mark at the start of a line: files joined with `cat`.
                cx.warnings.add(
                    "a byte-order mark inside the file (were files joined with `cat`?), removed",
                    line,
                );
                s = rest;
            }
            if s.trim().is_empty() {
                // A blank line between posts is no post (ids stay line numbers); JSONL allows
                // blank lines between objects.
                continue;
            }
            if self.detect_twarc {
                self.detect_twarc = false;
                if twarc::is_twarc(s) {
                    if cx.opts.keep_all {
                        return Err(twarc_keep_all(cx.path));
                    }
                    self.twarc = Some(twarc::Twarc::default());
                }
            }
            if let Some(t) = self.twarc.as_mut() {
                t.read_line(s, line, cx)?;
                continue;
            }
            if self.jsonl {
                let all = cx
                    .opts
                    .keep_all
                    .then_some((&mut self.all_keys, &mut *cx.warnings));
                return Ok(Some(json_record(s, line, cx.opts, all)));
            }
            if let Err(e) = check_text(s, "text", line, false) {
                return Ok(Some(Err(e)));
            }
            let text = s.to_string();
            return Ok(Some(Ok(Record {
                line,
                id: line.to_string(),
                fields: if cx.opts.keep_all {
                    vec![text.clone()]
                } else {
                    Vec::new()
                },
                text,
                id_given: false,
            })));
        }
    }

    /// The problem with a line over `limit` bytes.
    fn too_long(&self, len: usize, limit: usize) -> String {
        if self.jsonl {
            format!(
                "the line is {len} bytes long, over the limit of {limit} bytes for a JSONL line \
                 ({ROW_LIMIT_FACTOR} × --max-field-bytes)"
            )
        } else {
            format!(
                "the post is {len} bytes long, over the limit of {limit} bytes (--max-field-bytes)"
            )
        }
    }
}

/// The UTF-8 byte-order mark.
const BOM: &[u8] = &[0xef, 0xbb, 0xbf];

/// A data row that is a header: the same as the file's (files joined with `cat`), or one whose
/// names are all column names but in another order or number (files with other columns).
#[derive(Debug, PartialEq)]
enum HeaderRow {
    Same,
    Other,
}

/// Whether `record` is a header row: every field (trimmed; a byte-order mark and the quotes it
/// kept from being read as quotes taken off the first) is a name of `header`. Files with one
/// column are never checked: a post may well read `text`.
fn repeated_header(record: &csv::ByteRecord, header: &[String]) -> Option<HeaderRow> {
    if header.len() < 2 || record.len() < 2 {
        return None;
    }
    let name = |k: usize| -> &[u8] {
        let f = record[k].trim_ascii();
        if k > 0 {
            return f;
        }
        match f.strip_prefix(BOM) {
            Some(rest) => {
                let rest = rest.trim_ascii();
                rest.strip_prefix(b"\"")
                    .and_then(|r| r.strip_suffix(b"\""))
                    .unwrap_or(rest)
            }
            None => f,
        }
    };
    let is_name = |f: &[u8]| !f.is_empty() && header.iter().any(|h| h.as_bytes() == f);
    if !is_name(name(0)) || !(1..record.len()).all(|k| is_name(name(k))) {
        return None;
    }
    let same = record.len() == header.len()
        && header
            .iter()
            .enumerate()
            .all(|(k, h)| name(k) == h.as_bytes());
    Some(if same {
        HeaderRow::Same
    } else {
        HeaderRow::Other
    })
}

/// A field that runs over several lines shaped like rows (as many delimiters as the header
/// has, less one) is a quote that opened and did not close where it should have: the rows
/// after it were swallowed into one field. Returns the message, or `None`.
fn runaway_quote(record: &csv::ByteRecord, n_fields: usize, delimiter: u8) -> Option<String> {
    if n_fields < 2 {
        return None;
    }
    for (k, f) in record.iter().enumerate() {
        let breaks = memchr::memchr_iter(b'\n', f).count();
        if breaks < 2 {
            continue;
        }
        let shaped = f
            .split(|&b| b == b'\n')
            .skip(1)
            .filter(|l| memchr::memchr_iter(delimiter, l).count() + 1 >= n_fields)
            .count();
        if shaped >= 2 {
            return Some(format!(
                "field {} opens a quote that runs over {} lines, {shaped} of them shaped like \
                 rows of this file: is a quote unbalanced? (the rows inside it would be lost)",
                k + 1,
                breaks + 1
            ));
        }
    }
    None
}

/// A field longer than the limit is a bad row.
fn check_field(
    len: usize,
    name: &str,
    line: u64,
    opts: &ReadOptions,
) -> std::result::Result<(), BadRow> {
    if len > opts.max_field_bytes {
        return Err((
            line,
            "field too long",
            format!(
                "field {name:?} is {len} bytes long, over the limit of {} bytes \
                 (--max-field-bytes)",
                opts.max_field_bytes
            ),
        ));
    }
    Ok(())
}

/// The index of header column `col` in `names`: an error naming the columns found (with a hint
/// when the delimiter looks wrong) if there is none, or the positions if there are several.
/// The header's columns for a message: at most 20 names of at most 60 characters each, so that a
/// file that is no CSV (one huge "column") is not echoed whole.
fn columns_found(names: &[String]) -> String {
    let mut shown: Vec<String> = names
        .iter()
        .take(20)
        .map(|n| crate::error::shown(n).trim_matches('"').to_string())
        .collect();
    if names.len() > 20 {
        shown.push(format!("and {} more", names.len() - 20));
    }
    shown.join(", ")
}

pub fn find_column(path: &str, names: &[String], col: &str, delimiter: u8) -> Result<usize> {
    let hits: Vec<usize> = (0..names.len()).filter(|&i| names[i] == col).collect();
    match hits.len() {
        1 => Ok(hits[0]),
        0 => Err(Error::bad_input(
            path,
            format!(
                "no column named {col:?}; columns found: {}{}",
                columns_found(names),
                if delimiter == b',' && names.len() == 1 && names[0].contains('\t') {
                    " (the header has tabs: is this TSV? pass --delimiter tab)"
                } else if delimiter == b',' && names.len() == 1 && names[0].contains(';') {
                    " (the header has semicolons: pass --delimiter ';')"
                } else {
                    ""
                }
            ),
        )),
        _ => Err(Error::bad_input(
            path,
            format!(
                "the header names column {col:?} {} times (columns {}); rename all \
                     but one",
                hits.len(),
                hits.iter()
                    .map(|h| (h + 1).to_string())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        )),
    }
}

/// A post text must hold something, and no NUL: NUL bytes are what a file preallocated and
/// never completely written, or binary data, leaves; no post holds them.
fn check_text(
    text: &str,
    name: &str,
    line: u64,
    allow_empty: bool,
) -> std::result::Result<(), BadRow> {
    if !allow_empty && text.trim().is_empty() {
        return Err((line, "empty text", format!("field {name:?} is empty")));
    }
    if let Some(k) = memchr::memchr(0, text.as_bytes()) {
        return Err((
            line,
            "NUL byte",
            format!(
                "field {name:?} holds a NUL byte (at byte {k}); is this binary data, or part \
                 of a file that was never completely written?"
            ),
        ));
    }
    Ok(())
}

/// Reads one line (ended by `\n`, `\r\n` or a lone `\r`, which is not kept) into `buf`,
/// keeping at most `limit + 1` bytes; the rest of a longer line is read and dropped, so a
/// file without line breaks cannot fill the memory. Returns the bytes consumed (0 at the
/// end) and the line's full length.
fn read_line(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
    after_cr: &mut bool,
) -> io::Result<(usize, usize)> {
    buf.clear();
    let (mut consumed, mut len) = (0usize, 0usize);
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok((consumed, len));
        }
        if *after_cr {
            *after_cr = false;
            if chunk[0] == b'\n' {
                // The rest of the previous line's CRLF: not a line of its own, so it does not
                // count as read (a file ending in CRLF has no empty last line).
                reader.consume(1);
                continue;
            }
        }
        let (take, end) = match memchr::memchr2(b'\n', b'\r', chunk) {
            Some(k) => (k, Some(chunk[k])),
            None => (chunk.len(), None),
        };
        let room = (limit + 1).saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..take.min(room)]);
        len += take;
        match end {
            Some(b) => {
                reader.consume(take + 1);
                *after_cr = b == b'\r';
                return Ok((consumed + take + 1, len));
            }
            None => {
                reader.consume(take);
                consumed += take;
            }
        }
    }
}

/// One JSON object of a JSONL line, its keys in order with their values as written: a number
/// keeps its digits (an id beyond 2^53 or 2^64 is not rounded), and a key given twice is an
/// error instead of the last one silently winning.
struct JsonObject<'a>(Vec<(String, &'a serde_json::value::RawValue)>);

impl<'de> serde::Deserialize<'de> for JsonObject<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = JsonObject<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut pairs: Vec<(String, &'de serde_json::value::RawValue)> = Vec::new();
                let mut seen: std::collections::HashSet<String> = Default::default();
                while let Some(key) = map.next_key::<String>()? {
                    let value = map.next_value()?;
                    if !seen.insert(key.clone()) {
                        return Err(serde::de::Error::custom(format!(
                            "key {} appears twice in this object (which one is meant?)",
                            crate::error::shown(&key)
                        )));
                    }
                    pairs.push((key, value));
                }
                Ok(JsonObject(pairs))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A JSON value as a field: a string's content, a number as written, `true` or `false`;
/// `None` for null; `Err` (what it is) for an array or an object.
fn json_field(
    raw: &serde_json::value::RawValue,
) -> std::result::Result<Option<String>, &'static str> {
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text)
            .map(Some)
            .map_err(|_| "an invalid string"),
        Some(b'n') => Ok(None),
        Some(b'[') => Err("an array"),
        Some(b'{') => Err("an object"),
        _ => Ok(Some(text.to_string())),
    }
}

/// The reason a JSON key that `keep_all` leaves out is counted under in the warnings.
pub const KEY_NOT_KEPT: &str =
    "a key the first object lacks, not passed through (the columns are the first object's keys)";

/// twarc2 input asked for with `keep_all`.
fn twarc_keep_all(path: &str) -> Error {
    Error::bad_input(
        path,
        "is twarc2 JSON, whose tweets have no fixed columns, so every column cannot be passed \
         through: name the columns to pass",
    )
}

/// The post of JSONL line `s`. `all`, with `keep_all`: the keys kept (the first object's
/// but the id's, set from this object when not yet known), and the warnings, where a key
/// outside them is counted.
fn json_record(
    s: &str,
    line: u64,
    opts: &ReadOptions,
    all: Option<(&mut Option<Vec<String>>, &mut SkipReport)>,
) -> std::result::Result<Record, BadRow> {
    let obj: JsonObject = serde_json::from_str(s).map_err(|e| {
        let what = e.to_string();
        if what.starts_with("invalid type") {
            return (line, "invalid JSON", "expected a JSON object".into());
        }
        // serde_json's "at line 1 column N" is about the one line read: say the column only.
        let what = match what.rfind(" at line ") {
            Some(k) if e.line() > 0 => format!("{} (column {})", &what[..k], e.column()),
            _ => what,
        };
        (line, "invalid JSON", format!("invalid JSON: {what}"))
    })?;
    if let Some((_, raw)) = obj.0.iter().find(|(k, _)| *k == opts.text_col) {
        let t = raw.get().trim();
        if t == "true" || t == "false" {
            return Err((
                line,
                "invalid JSON",
                format!(
                    "field {:?} is {t}, not a post's text (a JSON string)",
                    opts.text_col
                ),
            ));
        }
    }
    let get = |name: &str| -> std::result::Result<Option<String>, BadRow> {
        let Some((_, raw)) = obj.0.iter().find(|(k, _)| k == name) else {
            return Ok(None);
        };
        match json_field(raw) {
            Ok(None) => Ok(None),
            Ok(Some(s)) => {
                check_field(s.len(), name, line, opts)?;
                Ok(Some(s))
            }
            Err(what) => Err((
                line,
                "invalid JSON",
                format!("field {name:?} is not a string or number (it is {what})"),
            )),
        }
    };
    let text = get(&opts.text_col)?.ok_or_else(|| {
        (
            line,
            "missing text",
            format!("no field {:?} in this object", opts.text_col),
        )
    })?;
    check_text(&text, &opts.text_col, line, opts.allow_empty_text)?;
    let given = get(&opts.id_col)?;
    let id_given = given.is_some();
    let id = match given {
        Some(id) => id,
        None if opts.id_col_explicit => {
            return Err((
                line,
                "missing id",
                format!("no field {:?} in this object", opts.id_col),
            ))
        }
        None => line.to_string(),
    };
    let fields = match all {
        Some((keys, warnings)) => {
            let own = |k: &str| k != opts.id_col;
            let keys = keys.get_or_insert_with(|| {
                obj.0
                    .iter()
                    .map(|(k, _)| k.clone())
                    .filter(|k| own(k))
                    .collect()
            });
            if obj.0.iter().any(|(k, _)| own(k) && !keys.contains(k)) {
                warnings.add(KEY_NOT_KEPT, line);
            }
            keys.iter()
                .map(|k| json_text(&obj, k, line, opts))
                .collect::<std::result::Result<_, _>>()?
        }
        None => {
            let mut fields = Vec::with_capacity(opts.extra_cols.len() + opts.optional_cols.len());
            for c in opts.extra_cols.iter().chain(&opts.optional_cols) {
                fields.push(get(c)?.unwrap_or_default());
            }
            fields
        }
    };
    Ok(Record {
        line,
        id,
        text,
        fields,
        id_given,
    })
}

/// The value of key `name` as a passed-through field: a string's content, a number as
/// written, `true` or `false`, an array or object as its JSON text; empty for null or no such
/// key.
fn json_text(
    obj: &JsonObject,
    name: &str,
    line: u64,
    opts: &ReadOptions,
) -> std::result::Result<String, BadRow> {
    let Some((_, raw)) = obj.0.iter().find(|(k, _)| k == name) else {
        return Ok(String::new());
    };
    let value = match json_field(raw) {
        Ok(v) => v.unwrap_or_default(),
        Err("an array" | "an object") => raw.get().trim().to_string(),
        Err(what) => return Err((line, "invalid JSON", format!("field {name:?} is {what}"))),
    };
    check_field(value.len(), name, line, opts)?;
    Ok(value)
}

fn csv_error(path: &str, gzip: bool, lines: &Mutex<LineIndex>, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => {
            if let Some(long) = io.get_ref().and_then(|e| e.downcast_ref::<RowTooLong>()) {
                let line = lines.lock().map_or(0, |mut l| l.line_at(long.row_start));
                return Error::BadRow {
                    path: path.into(),
                    line,
                    problem: format!(
                        "the row starting here runs on for more than {} bytes without ending",
                        long.limit
                    ),
                    hint: format!(
                        "; is a quote unbalanced (a quoted field then runs to the end of the \
                         file)? If rows really are this long, raise --max-field-bytes (a row \
                         may be {ROW_LIMIT_FACTOR} times as long, at least 1 MiB)"
                    ),
                };
            }
            gzip_error(path, gzip, io)
        }
        other => Error::BadRow {
            path: path.into(),
            line: line.unwrap_or(0),
            problem: format!("{other:?}"),
            hint: String::new(),
        },
    }
}

/// A labeled data set in memory, as training needs it.
#[derive(Debug, Clone)]
pub struct Labeled {
    pub ids: Vec<String>,
    /// Line each row started on, for messages about it.
    pub lines: Vec<u64>,
    pub texts: Vec<String>,
    /// The classes and each row's class. A two-class set read with a positive class has
    /// `[negative, positive]` as its names and `positive` set.
    pub classes: Classes,
    /// For a two-class set: the index of the positive (troll) class, always 1. `None` for a
    /// set of K classes (read with `--label-col` for several classes).
    pub positive: Option<u32>,
    /// Extra columns asked for besides the label, by row.
    pub extra: Vec<Vec<String>>,
    pub skipped: SkipReport,
    /// SHA-256 of the decoded input.
    pub checksum: String,
    /// The input files, as messages name them (one, unless several were read as one set).
    pub files: Vec<String>,
    /// Each row's file, an index into `files`.
    pub file_of_row: Vec<u32>,
    /// What was read but is questionable (repeated ids or texts, texts under two labels, a
    /// byte-order mark inside a file, ...), one message each, naming the file and lines.
    pub warnings: Vec<String>,
}

/// The classes of a labeled set, two or more.
#[derive(Debug, Clone, PartialEq)]
pub struct Classes {
    /// Class names, in model order (`--labels` order, else sorted).
    pub names: Vec<String>,
    /// Each row's class, an index into `names`.
    pub of_row: Vec<u32>,
    /// Values left out (not in `--labels`, or under `--min-class-count`) with their row
    /// counts, and why.
    pub dropped: Vec<DroppedClass>,
}

impl Classes {
    /// Rows per class, in `names` order.
    pub fn counts(&self) -> Vec<u64> {
        let mut c = vec![0u64; self.names.len()];
        for &k in &self.of_row {
            c[k as usize] += 1;
        }
        c
    }
}

/// A label value that is not a class of the model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DroppedClass {
    pub value: String,
    pub rows: u64,
    /// `not in --labels` or `fewer than N rows`.
    pub reason: String,
}

/// Most classes of a multi-class model: the weights take classes × terms numbers, and a
/// column with more distinct values is far more likely ids or free text than classes.
pub const MAX_CLASSES: usize = 100;

/// Which label values become classes, and whether the model is binary or multi-class.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClassSpec {
    /// The troll class of a binary model.
    pub positive: String,
    /// `--positive` was given: the model must be binary (exactly two values).
    pub binary_only: bool,
    /// `--labels`: the classes, in this order; rows with other values are left out.
    pub labels: Option<Vec<String>>,
    /// `--min-class-count`: values with fewer rows are left out.
    pub min_class_count: u64,
    /// `--multiclass` was given: a multi-class model even for two values.
    pub multiclass: bool,
}

impl ClassSpec {
    /// A binary model whose troll class is `positive` (the reading of old).
    pub fn binary(positive: &str) -> ClassSpec {
        ClassSpec {
            positive: positive.to_string(),
            binary_only: true,
            ..ClassSpec::default()
        }
    }
}

impl Labeled {
    pub fn len(&self) -> usize {
        self.classes.of_row.len()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// Whether the set has two classes, one of them the positive (troll) class.
    pub fn is_binary(&self) -> bool {
        self.positive.is_some()
    }

    /// The names of a two-class set, `[negative, positive]`; empty names for K classes.
    pub fn label_names(&self) -> [&str; 2] {
        match (self.positive, self.classes.names.as_slice()) {
            (Some(_), [neg, pos]) => [neg, pos],
            _ => ["", ""],
        }
    }

    /// Row `i` is of the positive class (false for every row of a K-class set).
    pub fn is_positive(&self, i: usize) -> bool {
        self.positive == Some(self.classes.of_row[i])
    }

    /// Each row: of the positive class or not, for the two-class solvers and metrics.
    pub fn labels(&self) -> Vec<bool> {
        match self.positive {
            Some(p) => self.classes.of_row.iter().map(|&c| c == p).collect(),
            None => vec![false; self.len()],
        }
    }

    /// Keeps the rows for which `keep` is true, in order.
    pub fn retain_rows(&mut self, keep: &[bool]) {
        fn filter<T>(v: &mut Vec<T>, keep: &[bool]) {
            let mut k = keep.iter();
            v.retain(|_| *k.next().unwrap_or(&true));
        }
        filter(&mut self.ids, keep);
        filter(&mut self.lines, keep);
        filter(&mut self.texts, keep);
        filter(&mut self.classes.of_row, keep);
        filter(&mut self.file_of_row, keep);
        if !self.extra.is_empty() {
            filter(&mut self.extra, keep);
        }
    }

    /// The file row `i` came from, as messages name it.
    pub fn file(&self, i: usize) -> &str {
        self.file_of_row
            .get(i)
            .and_then(|&f| self.files.get(f as usize))
            .map_or("", String::as_str)
    }

    /// Rows of a two-class set as [negatives, positives].
    pub fn class_counts(&self) -> [u64; 2] {
        let c = self.classes.counts();
        match (self.positive, c.as_slice()) {
            (Some(_), &[neg, pos]) => [neg, pos],
            _ => [0, 0],
        }
    }
}

/// Reads a whole labeled file: `label_col` must hold exactly two distinct values, one of them
/// `positive`. `opts.extra_cols` are kept per row (after the label).
pub fn read_labeled(
    path: &str,
    opts: ReadOptions,
    label_col: &str,
    positive: &str,
    progress: impl FnMut(u64),
) -> Result<Labeled> {
    read_labeled_with(
        opts,
        label_col,
        &ClassSpec::binary(positive),
        progress,
        1,
        |_, opts| PostReader::open(path, opts),
    )
}

/// As [`read_labeled`], with the classes chosen by `spec`: a binary set for two label values
/// (unless `spec` asks for multi-class), a multi-class one ([`Labeled::classes`]) for more.
pub fn read_labeled_classes(
    path: &str,
    opts: ReadOptions,
    label_col: &str,
    spec: &ClassSpec,
    progress: impl FnMut(u64),
) -> Result<Labeled> {
    read_labeled_files(&[path.to_string()], opts, label_col, spec, progress)
}

/// As [`read_labeled_classes`], over several files read as one set with the same column
/// options: rows keep their file and line ([`Labeled::file`]), the label values are pooled
/// before the classes are chosen (a file may hold one class only), and the checksum of more
/// than one file is the SHA-256 of the files' hex digests, one per line, in order.
pub fn read_labeled_files(
    paths: &[String],
    opts: ReadOptions,
    label_col: &str,
    spec: &ClassSpec,
    progress: impl FnMut(u64),
) -> Result<Labeled> {
    if paths.is_empty() {
        return Err(Error::param(
            "input",
            "(none)",
            "give at least one input file",
        ));
    }
    if paths.iter().filter(|p| p.as_str() == STDIN).count() > 1 {
        return Err(Error::param("input", "-", "stdin can be read once only"));
    }
    let mut names: Vec<String> = Vec::new();
    for p in paths {
        if names.iter().any(|n| n == p) {
            return Err(Error::param("input", p, "is given twice"));
        }
        names.push(p.clone());
    }
    read_labeled_with(opts, label_col, spec, progress, paths.len(), |i, opts| {
        PostReader::open(&paths[i], opts)
    })
}

/// As [`read_labeled`], over bytes from anywhere; `name` is what messages call the input.
pub fn read_labeled_from(
    name: &str,
    raw: Box<dyn Read + Send>,
    opts: ReadOptions,
    label_col: &str,
    positive: &str,
    progress: impl FnMut(u64),
) -> Result<Labeled> {
    read_labeled_stream(
        name,
        raw,
        opts,
        label_col,
        &ClassSpec::binary(positive),
        progress,
    )
}

/// As [`read_labeled_classes`], over bytes from anywhere (a caller's data in memory, say);
/// `name` is what messages call the input and, unless `opts.format` says, decides its layout.
pub fn read_labeled_stream(
    name: &str,
    raw: Box<dyn Read + Send>,
    opts: ReadOptions,
    label_col: &str,
    spec: &ClassSpec,
    progress: impl FnMut(u64),
) -> Result<Labeled> {
    let mut raw = Some(raw);
    read_labeled_with(opts, label_col, spec, progress, 1, |_, opts| {
        match raw.take() {
            Some(raw) => PostReader::from_reader(name, raw, opts),
            None => Err(Error::bad_input(name, "read twice")),
        }
    })
}

/// Where a labeled set is read from.
pub enum Inputs<'a> {
    /// Files (`-`: stdin), read as one set with the same column options.
    Files(&'a [String]),
    /// One stream of bytes in a format the reader knows; `name` is what messages call it.
    Stream {
        name: String,
        raw: Box<dyn Read + Send>,
    },
}

impl Inputs<'_> {
    /// Reads the set, as [`read_labeled_files`] or [`read_labeled_stream`].
    pub fn read(
        self,
        opts: ReadOptions,
        label_col: &str,
        spec: &ClassSpec,
        progress: impl FnMut(u64),
    ) -> Result<Labeled> {
        match self {
            Inputs::Files(paths) => read_labeled_files(paths, opts, label_col, spec, progress),
            Inputs::Stream { name, raw } => {
                read_labeled_stream(&name, raw, opts, label_col, spec, progress)
            }
        }
    }
}

fn read_labeled_with(
    mut opts: ReadOptions,
    label_col: &str,
    spec: &ClassSpec,
    mut progress: impl FnMut(u64),
    n_files: usize,
    mut open: impl FnMut(usize, ReadOptions) -> Result<PostReader>,
) -> Result<Labeled> {
    // Repeated ids are looked for over all files below, naming both lines.
    opts.warn_repeated_ids = false;
    let extra = std::mem::take(&mut opts.extra_cols);
    opts.extra_cols = std::iter::once(label_col.to_string())
        .chain(extra)
        .collect();
    let skip = opts.skip_bad_rows;
    let mut files: Vec<String> = Vec::with_capacity(n_files);
    let mut digests: Vec<String> = Vec::with_capacity(n_files);
    let mut skipped = SkipReport::default();
    let mut rows = LabelRows::default();
    let mut warnings: Vec<String> = Vec::new();
    for file in 0..n_files {
        let mut reader = open(file, opts.clone())?;
        let path = reader.path().to_string();
        let path = path.as_str();
        files.push(path.to_string());
        rows.read_file(&mut reader, file, label_col, spec, skip, &mut progress)?;
        warnings.extend(reader.warnings.warning_lines(path));
        digests.push(checksum_hex(&reader.checksum));
        for (reason, c) in &reader.skipped.by_reason {
            let e = skipped.by_reason.entry(reason.clone()).or_default();
            if e.rows == 0 {
                e.first_line = c.first_line;
            }
            e.rows += c.rows;
        }
    }
    let LabelRows {
        ids,
        lines,
        texts,
        raw_labels,
        values,
        first_lines,
        extras,
        repeated_ids,
        repeated_example,
        file_of_row,
        ..
    } = rows;
    // Messages about the whole set name every file.
    let path = files.join(" + ");
    let path = path.as_str();
    if let Some((a, b)) = repeated_example {
        let at = |i: usize| (files.len() > 1).then(|| files[file_of_row[i] as usize].as_str());
        warnings.push(repeated_id_warning(
            path,
            repeated_ids,
            &ids[b],
            (at(a), lines[a]),
            (at(b), lines[b]),
        ));
    }
    let checksum = combined_checksum(digests);
    let mut counts = vec![0u64; values.len()];
    for &c in &raw_labels {
        counts[c as usize] += 1;
    }
    let found = || found_values(&values, &counts, &first_lines, label_col);
    if texts.is_empty() {
        return Err(Error::bad_input(
            path,
            match skipped.summary(path) {
                Some(s) => format!("no usable rows ({s})"),
                None => "no data rows after the header".into(),
            },
        ));
    }
    if let Some(problem) = label_forms(&values, &counts, &first_lines, label_col) {
        return Err(Error::bad_input(path, problem));
    }
    let multiclass =
        !spec.binary_only && (values.len() > 2 || spec.multiclass || spec.labels.is_some());
    let found = found();
    let rows = CodedRows {
        path,
        label_col,
        ids,
        lines,
        texts,
        extras,
        codes: raw_labels,
        values,
        counts,
        found,
        skipped,
        checksum,
        files,
        file_of_row,
    };
    let mut data = if multiclass {
        multiclass_set(rows, spec)?
    } else {
        binary_set(rows, spec)?
    };
    warnings.extend(crate::text::dataset::rowcheck::check(
        &data,
        &opts.text_col,
        label_col,
    )?);
    data.warnings = warnings;
    Ok(data)
}

/// Rows of every file read so far, with their label values coded in order of appearance (a
/// map finds a row's value, so a column of ids taken for labels is not quadratic) and the ids
/// that repeat.
#[derive(Default)]
struct LabelRows {
    ids: Vec<String>,
    lines: Vec<u64>,
    texts: Vec<String>,
    raw_labels: Vec<u32>,
    /// Distinct label values, with the line each first appears on.
    values: Vec<String>,
    first_lines: Vec<u64>,
    codes: std::collections::HashMap<String, u32>,
    extras: Vec<Vec<String>>,
    /// Ids read from the data, with the first row of each.
    seen_ids: std::collections::HashMap<String, usize>,
    repeated_ids: usize,
    repeated_example: Option<(usize, usize)>,
    file_of_row: Vec<u32>,
}

impl LabelRows {
    /// Reads the rows of one file; an empty label is a bad row (unless `--labels` names the
    /// classes: then it is one more value left out).
    fn read_file(
        &mut self,
        reader: &mut PostReader,
        file: usize,
        label_col: &str,
        spec: &ClassSpec,
        skip: bool,
        progress: &mut impl FnMut(u64),
    ) -> Result<()> {
        while let Some(mut rec) = reader.next_record()? {
            let raw = rec.fields.remove(0);
            let value = raw.trim();
            // With --labels, an empty label is one more value left out, not a bad row.
            if value.is_empty() && spec.labels.is_none() {
                if skip {
                    reader.skipped.add("empty label", rec.line);
                    continue;
                }
                return Err(Error::BadRow {
                    path: reader.path().into(),
                    line: rec.line,
                    problem: format!("label column {label_col:?} is empty"),
                    hint: "; fix the row, or pass --skip-bad-rows to skip such rows".into(),
                });
            }
            let code = match self.codes.get(value) {
                Some(&c) => c,
                None => {
                    let c = self.values.len() as u32;
                    self.codes.insert(value.to_string(), c);
                    self.values.push(value.to_string());
                    self.first_lines.push(rec.line);
                    c
                }
            };
            if rec.id_given {
                let row = self.ids.len();
                match self.seen_ids.entry(rec.id.clone()) {
                    std::collections::hash_map::Entry::Occupied(e) => {
                        self.repeated_ids += 1;
                        self.repeated_example.get_or_insert((*e.get(), row));
                    }
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(row);
                    }
                }
            }
            self.raw_labels.push(code);
            self.lines.push(rec.line);
            self.file_of_row.push(file as u32);
            self.ids.push(rec.id);
            self.texts.push(rec.text);
            if !rec.fields.is_empty() {
                self.extras.push(rec.fields);
            }
            if self.texts.len().is_multiple_of(16384) {
                progress(self.texts.len() as u64);
            }
        }
        Ok(())
    }
}

/// The checksum of a set: the one file's, or the SHA-256 of the files' checksums, one per
/// line.
fn combined_checksum(mut digests: Vec<String>) -> String {
    if digests.len() == 1 {
        return digests.swap_remove(0);
    }
    let mut h = Sha256::new();
    for d in &digests {
        h.update(d.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The warning about `n` rows that repeat an earlier row's id, with the first example
/// (`a`, `b`: the file when the set has several, and the line).
fn repeated_id_warning(
    path: &str,
    n: usize,
    id: &str,
    a: (Option<&str>, u64),
    b: (Option<&str>, u64),
) -> String {
    let at = |(file, line): (Option<&str>, u64)| match file {
        Some(f) => format!("{f} line {line}"),
        None => format!("line {line}"),
    };
    format!(
        "{path}: {n} row{} repeat the id of an earlier row, e.g. id {} at {} and {}; reports \
         and out-of-fold scores name rows by id, so these are ambiguous (the same post twice?)",
        if n == 1 { "" } else { "s" },
        crate::error::shown(id),
        at(a),
        at(b)
    )
}

/// The label values found, for messages: the ten most common with their rows and first
/// lines, so that a column of ids given as labels stays one line.
fn found_values(values: &[String], counts: &[u64], first_lines: &[u64], label_col: &str) -> String {
    let mut pairs: Vec<(&String, u64, u64)> = values
        .iter()
        .zip(counts.iter().copied())
        .zip(first_lines.iter().copied())
        .map(|((v, c), l)| (v, c, l))
        .collect();
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut shown: Vec<(&String, u64, u64)> = pairs.iter().take(10).copied().collect();
    shown.sort();
    let mut list = shown
        .iter()
        .map(|(v, c, l)| format!("{} ({c} rows, first at line {l})", crate::error::shown(v)))
        .collect::<Vec<_>>()
        .join(", ");
    if pairs.len() > shown.len() {
        list.push_str(&format!(
            " and {} more values (is {label_col:?} the label column?)",
            pairs.len() - shown.len()
        ));
    }
    list
}

/// The two-class set: exactly two label values, one of them the positive class.
fn binary_set(rows: CodedRows, spec: &ClassSpec) -> Result<Labeled> {
    let CodedRows {
        path,
        label_col,
        values,
        found,
        ..
    } = &rows;
    let (path, label_col) = (*path, *label_col);
    let positive = spec.positive.as_str();
    if values.len() != 2 {
        return Err(Error::bad_input(
            path,
            format!(
                "{} in column {label_col:?}, found {}: {}; {}",
                if spec.binary_only {
                    "a binary model needs exactly two label values"
                } else {
                    "a model needs two or more classes (exactly two label values for a binary \
                     model, more for a multi-class one)"
                },
                values.len(),
                found,
                if values.len() < 2 {
                    "add posts of the other class"
                } else {
                    "remove or relabel the rows with other values, or name another --label-col \
                     (without --positive, more than two values train a multi-class model)"
                }
            ),
        ));
    }
    let Some(pos) = values.iter().position(|v| v == positive) else {
        return Err(Error::bad_input(
            path,
            format!(
                "the positive label {positive:?} does not occur in column {label_col:?}; values found: {}; \
                 name the troll class with --positive{}",
                found,
                match values.iter().find(|v| label_key(v) == label_key(positive)) {
                    Some(v) => format!(
                        " ({} differs only in case, spacing or number form: --positive {})",
                        crate::error::shown(v),
                        crate::error::shown(v)
                    ),
                    None => String::new(),
                }
            ),
        ));
    };
    let names = vec![values[1 - pos].clone(), values[pos].clone()];
    // Value code → class: the positive value is class 1.
    let class_of = [u32::from(pos == 0), u32::from(pos == 1)];
    Ok(rows.into_set(names, &class_of, Vec::new(), Some(1)))
}

/// A label value as a class name is meant: case, spacing and number form left out (`Troll`,
/// ` troll`, `TROLL`; `1`, `1.0`, `01`, JSON `true`).
fn label_key(value: &str) -> String {
    let lower = value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    match lower.as_str() {
        "true" => return "1".into(),
        "false" => return "0".into(),
        _ => {}
    }
    match lower.parse::<f64>() {
        Ok(x) if x.is_finite() => format!("{}", x + 0.0),
        _ => lower,
    }
}

/// Label values that are one class written two ways are an error: read as two classes, they
/// would train a model on a split class. Names both values with their rows and first lines.
fn label_forms(
    values: &[String],
    counts: &[u64],
    first_lines: &[u64],
    label_col: &str,
) -> Option<String> {
    let mut by_key: std::collections::HashMap<String, usize> = Default::default();
    let mut clashes: Vec<(usize, usize)> = Vec::new();
    for (k, v) in values.iter().enumerate() {
        match by_key.entry(label_key(v)) {
            std::collections::hash_map::Entry::Occupied(e) => clashes.push((*e.get(), k)),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(k);
            }
        }
    }
    let &(a, b) = clashes.first()?;
    let show = |k: usize| {
        format!(
            "{} ({} rows, first at line {})",
            crate::error::shown(&values[k]),
            counts[k],
            first_lines[k]
        )
    };
    Some(format!(
        "label values {} and {} of column {label_col:?} differ only in case, spacing or number \
         form{}: is that one class? write each class one way (e.g. `sed`, or pandas' \
         str.lower())",
        show(a),
        show(b),
        if clashes.len() > 1 {
            format!(" ({} more such pairs)", clashes.len() - 1)
        } else {
            String::new()
        }
    ))
}

/// The rows read with their label values coded, before the classes are chosen.
struct CodedRows<'a> {
    path: &'a str,
    label_col: &'a str,
    ids: Vec<String>,
    lines: Vec<u64>,
    texts: Vec<String>,
    extras: Vec<Vec<String>>,
    /// Each row's value, an index into `values`.
    codes: Vec<u32>,
    values: Vec<String>,
    counts: Vec<u64>,
    /// The values found, with counts and first lines, for messages.
    found: String,
    skipped: SkipReport,
    checksum: String,
    files: Vec<String>,
    file_of_row: Vec<u32>,
}

impl CodedRows<'_> {
    /// The labeled set with classes `names`: `class_of[code]` is the class of each label
    /// value (`u32::MAX`: left out, with its rows), `positive` the positive class of a
    /// two-class set.
    fn into_set(
        self,
        names: Vec<String>,
        class_of: &[u32],
        dropped: Vec<DroppedClass>,
        positive: Option<u32>,
    ) -> Labeled {
        let of_row: Vec<u32> = self.codes.iter().map(|&v| class_of[v as usize]).collect();
        let keep: Vec<bool> = of_row.iter().map(|&c| c != u32::MAX).collect();
        let mut data = Labeled {
            ids: self.ids,
            lines: self.lines,
            texts: self.texts,
            classes: Classes {
                names,
                of_row,
                dropped,
            },
            positive,
            extra: self.extras,
            skipped: self.skipped,
            checksum: self.checksum,
            files: self.files,
            file_of_row: self.file_of_row,
            warnings: Vec::new(),
        };
        if keep.iter().any(|k| !k) {
            data.retain_rows(&keep);
        }
        data
    }
}

/// The multi-class set: classes from `--labels` (in its order) or every value (sorted), less
/// those under `--min-class-count`; rows of other values are left out.
fn multiclass_set(rows: CodedRows, spec: &ClassSpec) -> Result<Labeled> {
    let CodedRows {
        path,
        label_col,
        values,
        counts,
        found,
        ..
    } = &rows;
    let (path, label_col) = (*path, *label_col);
    let mut dropped = Vec::new();
    let mut chosen: Vec<usize> = match &spec.labels {
        Some(wanted) => {
            let mut chosen = Vec::with_capacity(wanted.len());
            for (n, w) in wanted.iter().enumerate() {
                if wanted[..n].contains(w) {
                    return Err(Error::param("labels", w, "names a class twice"));
                }
                match values.iter().position(|v| v == w) {
                    Some(k) => chosen.push(k),
                    None => {
                        return Err(Error::bad_input(
                            path,
                            format!(
                                "--labels names {}, which does not occur in column \
                                 {label_col:?}; values found: {found}",
                                crate::error::shown(w)
                            ),
                        ))
                    }
                }
            }
            let mut others: Vec<usize> =
                (0..values.len()).filter(|k| !chosen.contains(k)).collect();
            others.sort_by(|&a, &b| values[a].cmp(&values[b]));
            for k in others {
                dropped.push(DroppedClass {
                    value: values[k].clone(),
                    rows: counts[k],
                    reason: "not in --labels".into(),
                });
            }
            chosen
        }
        None => {
            let mut all: Vec<usize> = (0..values.len()).collect();
            all.sort_by(|&a, &b| values[a].cmp(&values[b]));
            all
        }
    };
    if spec.min_class_count > 1 {
        chosen.retain(|&k| {
            let keep = counts[k] >= spec.min_class_count;
            if !keep {
                dropped.push(DroppedClass {
                    value: values[k].clone(),
                    rows: counts[k],
                    reason: format!("fewer than {} rows", spec.min_class_count),
                });
            }
            keep
        });
    }
    if chosen.len() < 2 {
        let what = if chosen.is_empty() {
            "no class is left".to_string()
        } else {
            format!(
                "only one class is left ({})",
                crate::error::shown(&values[chosen[0]])
            )
        };
        let how = if spec.min_class_count > 1 {
            format!(
                " after --min-class-count {} and --labels",
                spec.min_class_count
            )
        } else {
            String::new()
        };
        return Err(Error::bad_input(
            path,
            format!(
                "a model needs at least two classes, but {what}{how}; column {label_col:?} \
                 holds: {found}; lower --min-class-count, or name more classes with --labels"
            ),
        ));
    }
    if chosen.len() > MAX_CLASSES {
        return Err(Error::bad_input(
            path,
            format!(
                "found {} classes in column {label_col:?}, more than the {MAX_CLASSES} a \
                 multi-class model takes: {found}; name the classes with --labels, or leave out \
                 rare ones with --min-class-count",
                chosen.len()
            ),
        ));
    }
    // Value code → class index (u32::MAX: left out).
    let mut class_of = vec![u32::MAX; values.len()];
    for (c, &k) in chosen.iter().enumerate() {
        class_of[k] = c as u32;
    }
    let names = chosen.iter().map(|&k| values[k].clone()).collect();
    Ok(rows.into_set(names, &class_of, dropped, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    }

    fn read_all(path: &str, opts: ReadOptions) -> Result<(Vec<Record>, SkipReport)> {
        let mut r = PostReader::open(path, opts)?;
        let mut out = Vec::new();
        while let Some(rec) = r.next_record()? {
            out.push(rec);
        }
        Ok((out, r.skipped))
    }

    #[test]
    fn csv_with_bom_crlf_and_quotes() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "a.csv",
            b"\xef\xbb\xbfid,text,label\r\n7,\"hello, \"\"world\"\"\",1\r\n8,\"two\nlines\",0\r\n",
        );
        let (recs, _) = read_all(&p, ReadOptions::default()).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].id, "7");
        assert_eq!(recs[0].text, "hello, \"world\"");
        assert_eq!(recs[1].text, "two\nlines");
        assert_eq!(recs[1].line, 3);
        let p = write(&dir, "b.csv", b"id,text\n1,a\r\n2,b\n3,\"x\r\ny\"\r\n4,\n");
        let err = read_all(&p, ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 6"), "{err}");
    }

    #[test]
    fn gzip_detected_by_content_and_tsv_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"text\tlabel\nfoo bar\t1\n").unwrap();
        let gz = enc.finish().unwrap();
        // Named .tsv but gzip inside: content decides compression, the name the delimiter.
        let p = write(&dir, "posts.tsv", &gz);
        let (recs, _) = read_all(&p, ReadOptions::default()).unwrap();
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].text, "foo bar");
        assert_eq!(recs[0].id, "1", "row number when there is no id column");
    }

    #[test]
    fn missing_column_lists_columns_found() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "a.csv", b"id,body\n1,x\n");
        let err = read_all(&p, ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no column named \"text\""), "{err}");
        assert!(err.contains("columns found: id, body"), "{err}");
    }

    #[test]
    fn bad_rows_error_or_counted_skip() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "a.csv",
            b"id,text\n1,ok\n2,\n3,a,b\n4,\xff\xfe\n5,fine\n",
        );
        let err = read_all(&p, ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("empty"), "{err}");
        let opts = ReadOptions {
            skip_bad_rows: true,
            ..ReadOptions::default()
        };
        let (recs, skipped) = read_all(&p, opts).unwrap();
        assert_eq!(
            recs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["1", "5"]
        );
        assert_eq!(skipped.total(), 3);
        assert_eq!(skipped.by_reason["empty text"].rows, 1);
        assert_eq!(skipped.by_reason["wrong number of fields"].first_line, 4);
        assert_eq!(skipped.by_reason["invalid UTF-8"].rows, 1);
    }

    #[test]
    fn jsonl_and_text_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "a.jsonl",
            b"{\"id\": 5, \"text\": \"hi there\"}\n\n{\"text\": \"no id\"}\n{bad\n",
        );
        let err = read_all(&p, ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 4") && err.contains("invalid JSON"),
            "{err}"
        );
        let opts = ReadOptions {
            skip_bad_rows: true,
            ..ReadOptions::default()
        };
        let (recs, skipped) = read_all(&p, opts).unwrap();
        assert_eq!(recs[0].id, "5");
        assert_eq!(recs[1].id, "3");
        assert_eq!(skipped.total(), 1);
        let t = write(&dir, "a.txt", b"first post\r\nsecond post\n");
        let (recs, _) = read_all(&t, ReadOptions::default()).unwrap();
        assert_eq!(recs[1].text, "second post");
        assert_eq!(recs[1].id, "2");
    }

    #[test]
    fn labels_must_be_two_and_include_positive() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "a.csv", b"text,label\na b,troll\nc d,ok\ne f,ok\n");
        let err = read_labeled(&p, ReadOptions::default(), "label", "1", |_| {})
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"ok\" (2 rows, first at line 3)")
                && err.contains("\"troll\" (1 rows, first at line 2)"),
            "{err}"
        );
        let data = read_labeled(&p, ReadOptions::default(), "label", "troll", |_| {}).unwrap();
        assert_eq!(data.labels(), [true, false, false]);
        assert_eq!(data.label_names(), ["ok", "troll"]);
        assert_eq!(data.class_counts(), [2, 1]);
        let three = write(&dir, "b.csv", b"text,label\na,1\nb,0\nc,2\n");
        let err = read_labeled(&three, ReadOptions::default(), "label", "1", |_| {})
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("exactly two label values") && err.contains("found 3"),
            "{err}"
        );
    }

    #[test]
    fn line_ends_split_across_reads_are_counted_once() {
        // "a\r\n" with the CRLF split between reads, a lone CR split likewise, then LF.
        let mut idx = LineIndex::default();
        for chunk in [&b"a\r"[..], b"\nb\r", b"c\n", b"d\r", b""] {
            idx.scan(chunk);
        }
        let ends: Vec<u64> = idx.newlines.iter().map(|e| e.0).collect();
        assert_eq!(ends, [2, 4, 6, 8]);
        assert_eq!(idx.line_at(3), 2);
        assert_eq!(idx.line_at(5), 3);
        assert_eq!(idx.line_at(7), 4);
    }

    #[test]
    fn rows_after_blank_lines_are_on_their_own_line() {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in [
            ("lf.csv", "id,text\n1,a b\n\n\n2,c d\n3,e f,g\n"),
            (
                "crlf.csv",
                "id,text\r\n1,a b\r\n\r\n\r\n2,c d\r\n3,e f,g\r\n",
            ),
            ("cr.csv", "id,text\r1,a b\r\r\r2,c d\r3,e f,g\r"),
        ] {
            let path = write(&dir, name, body.as_bytes());
            let opts = ReadOptions {
                skip_bad_rows: true,
                ..ReadOptions::default()
            };
            let (recs, skipped) = read_all(&path, opts).unwrap();
            let lines: Vec<u64> = recs.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 5], "{name}");
            assert_eq!(
                skipped.by_reason["wrong number of fields"].first_line, 6,
                "{name}"
            );
        }
    }

    #[test]
    fn plain_text_takes_crlf_as_a_line_end_and_passes_over_blank_lines() {
        let dir = tempfile::tempdir().unwrap();
        for (name, body, lines) in [
            ("crlf.txt", "first post\r\nsecond post\r\n", vec![1, 2]),
            ("blank.txt", "first post\n\n  \nfourth post\n", vec![1, 4]),
            ("mixed.txt", "a\rb\r\n\r\nd", vec![1, 2, 4]),
        ] {
            let path = write(&dir, name, body.as_bytes());
            let opts = ReadOptions {
                format: Some(InputFormat::Text),
                ..ReadOptions::default()
            };
            let (recs, skipped) = read_all(&path, opts).unwrap();
            let got: Vec<u64> = recs.iter().map(|r| r.line).collect();
            assert_eq!(got, lines, "{name}");
            assert_eq!(skipped.total(), 0, "{name}");
            assert!(recs.iter().all(|r| !r.text.contains('\r')), "{name}");
        }
    }

    #[test]
    fn a_quote_that_swallows_rows_is_an_error_at_its_line_or_a_counted_skip() {
        let dir = tempfile::tempdir().unwrap();
        let mut body = String::from("id,label,text\n");
        for i in 1..=200 {
            let open = if i == 21 { "\"broken " } else { "" };
            body.push_str(&format!("{i},{},{open}post {i} about the vote\n", i % 2));
        }
        let path = write(&dir, "runaway.csv", body.as_bytes());
        let err = read_all(&path, ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 22") && err.contains("quote"), "{err}");
        let opts = ReadOptions {
            skip_bad_rows: true,
            ..ReadOptions::default()
        };
        let (recs, skipped) = read_all(&path, opts).unwrap();
        assert_eq!(recs.len(), 20);
        assert_eq!(skipped.by_reason["unbalanced quote"].first_line, 22);
        // A post over three lines with a comma on each is no runaway quote.
        let ok = "id,label,text\n1,0,\"one, two\nthree, four\nfive, six\"\n2,1,next\n";
        let path = write(&dir, "multiline.csv", ok.as_bytes());
        let (recs, _) = read_all(&path, ReadOptions::default()).unwrap();
        assert_eq!(recs.len(), 2);
    }

    #[test]
    fn a_json_array_is_refused_in_one_short_line_and_no_header_is_echoed_whole() {
        let dir = tempfile::tempdir().unwrap();
        let rows: Vec<String> = (0..300)
            .map(|i| format!("{{\"id\": {i}, \"text\": \"post number {i} about the vote\"}}"))
            .collect();
        let array = format!("[{}]", rows.join(", "));
        for name in ["a.json", "a.jsonl", "a.csv", "a"] {
            let path = write(&dir, name, array.as_bytes());
            let err = read_all(&path, ReadOptions::default())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("JSON array") && err.contains("lines=True"),
                "{name}: {err}"
            );
            assert!(err.len() < 300, "{name}: {} bytes: {err}", err.len());
        }
        let wide: Vec<String> = (0..500).map(|i| format!("column{i}")).collect();
        let path = write(&dir, "wide.csv", format!("{}\n", wide.join(",")).as_bytes());
        let err = read_all(&path, ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("and 480 more") && err.len() < 600, "{err}");
    }

    #[test]
    fn bounded_lines_across_tiny_buffers() {
        let data = b"one\r\ntwo\rthree-is-long\nfour";
        let mut r = BufReader::with_capacity(2, &data[..]);
        let (mut buf, mut after_cr) = (Vec::new(), false);
        let mut got = Vec::new();
        loop {
            let (n, len) = read_line(&mut r, &mut buf, 5, &mut after_cr).unwrap();
            if n == 0 {
                break;
            }
            got.push((String::from_utf8(buf.clone()).unwrap(), len));
        }
        assert_eq!(
            got,
            [
                ("one".to_string(), 3),
                ("two".to_string(), 3),
                ("three-".to_string(), 13), // kept: limit + 1 bytes, enough to know it is long
                ("four".to_string(), 4),
            ]
        );
    }

    #[test]
    fn text_sniffing() {
        let le: Vec<u8> = "id,text\n1,x\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "id,text\n1,x\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert!(not_text(&le).unwrap().contains("UTF-16LE"));
        assert!(not_text(&be).unwrap().contains("UTF-16BE"));
        assert!(not_text(b"id,te\0xt\n").unwrap().contains("NUL"));
        assert_eq!(
            not_text(b"id,text\n1,a\0b\n"),
            None,
            "a NUL in a row is that row's problem"
        );
        assert_eq!(not_text("id,text\n1,ünïcödé\n".as_bytes()), None);
    }

    #[test]
    fn utf16_and_directory_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "a.csv", b"\xff\xfet\x00e\x00");
        let err = read_all(&p, ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("UTF-16"), "{err}");
        let d = dir.path().to_str().unwrap();
        let err = read_all(d, ReadOptions::default()).unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
    }
}
