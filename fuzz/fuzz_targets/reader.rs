//! Arbitrary bytes through the public reading API: as CSV, TSV, JSONL, plain text or
//! detected, plain or gzip, with and without --skip-bad-rows, both as posts and as a labeled
//! training set. No panic; every record returned has a non-empty text within the field
//! limit, and line numbers never go backwards.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trollwatch::dataset::{self, InputFormat, PostReader, ReadOptions};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let format = match selector % 5 {
        0 => Some(InputFormat::Csv),
        1 => Some(InputFormat::Tsv),
        2 => Some(InputFormat::Jsonl),
        3 => Some(InputFormat::Text),
        _ => None,
    };
    let opts = ReadOptions {
        format,
        skip_bad_rows: selector & 0x08 != 0,
        // Small limits so the fuzzer reaches them.
        max_field_bytes: if selector & 0x10 != 0 { 64 } else { 1 << 20 },
        ..ReadOptions::default()
    };
    let input = rest.to_vec();
    if let Ok(mut reader) = PostReader::from_reader(
        "fuzz.csv",
        Box::new(std::io::Cursor::new(input.clone())),
        opts.clone(),
    ) {
        let mut last_line = 0;
        while let Ok(Some(rec)) = reader.next_record() {
            assert!(!rec.text.trim().is_empty(), "empty text returned: {rec:?}");
            assert!(
                rec.text.len() <= opts.max_field_bytes,
                "over-long text returned"
            );
            assert!(!rec.text.contains('\0'), "NUL in text returned");
            assert!(
                rec.line >= last_line,
                "line went back from {last_line} to {}",
                rec.line
            );
            last_line = rec.line;
        }
    }
    let labeled_opts = ReadOptions {
        extra_cols: vec!["author".into()],
        ..opts
    };
    if let Ok(data) = dataset::read_labeled_from(
        "fuzz.csv",
        Box::new(std::io::Cursor::new(input)),
        labeled_opts,
        "label",
        "1",
        |_| {},
    ) {
        let [neg, pos] = data.class_counts();
        assert!(
            neg > 0 && pos > 0,
            "a labeled set with one class was accepted"
        );
        assert_eq!(data.texts.len(), data.labels.len());
        assert_eq!(data.texts.len(), data.extra.len());
        assert_eq!(data.label_names[1], "1");
    }
});
