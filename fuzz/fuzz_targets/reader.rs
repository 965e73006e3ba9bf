//! Arbitrary bytes through the public reading API. The first byte chooses one combination per
//! input (so one execution is one read, not every combination): the layout (CSV, TSV, JSONL,
//! plain text, Parquet or detected), `--skip-bad-rows`, the field limit (16 bytes, 64 bytes or
//! the default), plain or gzip-compressed input (the rest compressed here, so the decoder sees
//! real streams), and the reader: `PostReader` for posts (with an extra and an optional
//! column half the time) or `read_labeled_from` for a labeled training set.
//!
//! Parquet is chosen by plain text's selector with the columns bit set (plain text has no
//! columns): the rest is read as a Parquet file when it starts with `PAR1`, else it is made
//! into one here, a column per tab-separated field of its lines, the first line naming them,
//! an empty field a null and a field that is not UTF-8 a binary value, so that the reader
//! meets real files with nulls, bad bytes and long values as well as broken ones. Detected
//! input starting with `PAR1` or `ARROW1` is read as Parquet or Arrow too.
//!
//! No panic. An error names the input and is bad input (exit code 2). Every record returned
//! has a non-empty text without NUL within the field limit, as many fields as columns were
//! asked for, and lines that start at 1 and never go back (twarc2 response pages, which
//! detected JSON lines may be, give several rows a line). A labeled set has both classes, one
//! label, id, line and text per row, lines in order, nothing skipped without
//! `--skip-bad-rows`, and the checksum of the bytes it read.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use trollwatch::internals::dataset;
use trollwatch::{InputFormat, PostReader, ReadOptions};
use trollwatch::Error;

const NAME: &str = "fuzz-input";

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let format = match selector % 5 {
        0 => Some(InputFormat::Csv),
        1 => Some(InputFormat::Tsv),
        2 => Some(InputFormat::Jsonl),
        3 if selector & 0x04 != 0 => Some(InputFormat::Parquet),
        3 => Some(InputFormat::Text),
        _ => None,
    };
    let built;
    let rest = if format == Some(InputFormat::Parquet) && !rest.starts_with(b"PAR1") {
        built = parquet_of(rest);
        &built[..]
    } else {
        rest
    };
    // Rows of a twarc2 page share its line.
    let strictly_increasing = format.is_some();
    let skip_bad_rows = selector & 0x08 != 0;
    // Small limits so the fuzzer reaches them.
    let max_field_bytes = match (selector >> 4) & 3 {
        0 => 16,
        1 => 64,
        _ => dataset::DEFAULT_MAX_FIELD_BYTES,
    };
    let gzip = selector & 0x40 != 0;
    let labeled = selector & 0x80 != 0;
    let input = if gzip {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(rest).expect("gzip into memory");
        enc.finish().expect("gzip into memory")
    } else {
        rest.to_vec()
    };
    let source = Box::new(std::io::Cursor::new(input));
    if labeled {
        let opts = ReadOptions {
            format,
            skip_bad_rows,
            max_field_bytes,
            extra_cols: vec!["author".into()],
            ..ReadOptions::default()
        };
        match dataset::read_labeled_from(NAME, source, opts, "label", "1", |_| {}) {
            Ok(data) => {
                let [neg, pos] = data.class_counts();
                assert!(
                    neg > 0 && pos > 0,
                    "a labeled set with one class was accepted"
                );
                let n = data.texts.len();
                assert_eq!(data.classes.of_row.len(), n);
                assert_eq!(data.ids.len(), n);
                assert_eq!(data.lines.len(), n);
                assert_eq!(data.extra.len(), n);
                assert!(
                    data.extra.iter().all(|e| e.len() == 1),
                    "extra columns per row"
                );
                assert_eq!(data.label_names()[1], "1");
                assert_ne!(data.label_names()[0], data.label_names()[1]);
                assert!(data.label_names().iter().all(|l| !l.trim().is_empty()));
                assert!(
                    data.lines.first().is_some_and(|&l| l >= 1)
                        && data
                            .lines
                            .windows(2)
                            .all(|w| w[0] < w[1] || (!strictly_increasing && w[0] == w[1])),
                    "row lines out of order: {:?}",
                    data.lines
                );
                for t in &data.texts {
                    check_text(t, max_field_bytes);
                }
                if !skip_bad_rows {
                    assert_eq!(
                        data.skipped.total(),
                        0,
                        "rows skipped without --skip-bad-rows"
                    );
                }
                let digest: String = Sha256::digest(rest)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                assert_eq!(data.checksum, digest, "checksum is not of the bytes read");
            }
            Err(e) => check_error(&e),
        }
        return;
    }
    let with_columns = selector & 0x04 != 0;
    let (extra_cols, optional_cols) = if with_columns {
        (vec!["author".to_string()], vec!["label".to_string()])
    } else {
        (Vec::new(), Vec::new())
    };
    let n_fields = extra_cols.len() + optional_cols.len();
    let opts = ReadOptions {
        format,
        skip_bad_rows,
        max_field_bytes,
        extra_cols,
        optional_cols,
        ..ReadOptions::default()
    };
    let mut reader = match PostReader::from_reader(NAME, source, opts) {
        Ok(r) => r,
        Err(e) => return check_error(&e),
    };
    let mut last_line = 0;
    loop {
        match reader.next_record() {
            Ok(Some(rec)) => {
                check_text(&rec.text, max_field_bytes);
                assert_eq!(rec.fields.len(), n_fields, "fields of {rec:?}");
                assert!(
                    rec.line >= 1
                        && (rec.line > last_line
                            || (!strictly_increasing && rec.line == last_line)),
                    "line went from {last_line} to {}",
                    rec.line
                );
                last_line = rec.line;
            }
            Ok(None) => break,
            Err(e) => {
                check_error(&e);
                break;
            }
        }
    }
    if !skip_bad_rows {
        assert_eq!(
            reader.skipped.total(),
            0,
            "rows skipped without --skip-bad-rows"
        );
    }
});

fn check_text(text: &str, max_field_bytes: usize) {
    assert!(!text.trim().is_empty(), "empty text returned: {text:?}");
    assert!(text.len() <= max_field_bytes, "over-long text returned");
    assert!(!text.contains('\0'), "NUL in text returned");
}

/// Reading bytes from memory can only fail on the bytes: the message names the input, and
/// the error is the user's to fix.
fn check_error(e: &Error) {
    let shown = e.to_string();
    assert!(
        shown.starts_with(NAME),
        "error does not name the input: {shown}"
    );
    assert_eq!(e.exit_code(), 2, "not a bad-input error: {shown}");
    if let Error::BadRow { line, .. } = e {
        assert!(*line >= 1, "a bad row at line 0: {shown}");
    }
}

/// A Parquet file of `bytes`: a column per tab-separated field of its lines, the first line
/// naming them (`text` when it names none); an empty field is a null, and a column whose
/// values are not all UTF-8 holds them as binary.
fn parquet_of(bytes: &[u8]) -> Vec<u8> {
    use std::sync::Arc;
    use arrow_array::{ArrayRef, BinaryArray, RecordBatch, StringArray};
    let mut lines = bytes.split(|&b| b == b'\n');
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split(|&b| b == b'\t')
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    let rows: Vec<Vec<&[u8]>> = lines.map(|l| l.split(|&b| b == b'\t').collect()).collect();
    let mut columns: Vec<(String, ArrayRef)> = Vec::new();
    for (k, name) in header.iter().enumerate() {
        let values: Vec<Option<&[u8]>> = rows
            .iter()
            .map(|r| r.get(k).copied().filter(|v| !v.is_empty()))
            .collect();
        let array: ArrayRef = if values.iter().flatten().all(|v| std::str::from_utf8(v).is_ok()) {
            Arc::new(StringArray::from(
                values
                    .iter()
                    .map(|v| v.map(|v| std::str::from_utf8(v).unwrap_or_default()))
                    .collect::<Vec<_>>(),
            ))
        } else {
            Arc::new(BinaryArray::from(values))
        };
        columns.push((name.clone(), array));
    }
    let mut out = Vec::new();
    let Ok(batch) = RecordBatch::try_from_iter(columns) else {
        return out;
    };
    let Ok(mut w) = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None) else {
        return Vec::new();
    };
    if w.write(&batch).is_err() || w.close().is_err() {
        return Vec::new();
    }
    out
}
