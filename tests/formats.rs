//! Parquet, Arrow IPC and twarc2 input, and `score --format parquet`: files written here by the
//! Arrow and Parquet writers (typed columns of several kinds) give the same models, scores and
//! coordination as the same posts in CSV; nulls and missing columns are errors naming the file,
//! row and column; twarc2's two layouts read the same; Parquet score output reads back as CSV's.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, BooleanArray, DictionaryArray, Float64Array, Int64Array, LargeStringArray,
    RecordBatch, StringArray, StringViewArray, TimestampSecondArray, UInt32Array,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::workdir::Workdir;

/// The rows of a CSV file with a header, as strings by column name.
fn csv_columns(path: &Path) -> BTreeMap<String, Vec<String>> {
    let mut r = csv::Reader::from_path(path).expect("csv");
    let names: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let mut cols: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        for (n, v) in names.iter().zip(rec.iter()) {
            cols.entry(n.clone()).or_default().push(v.to_string());
        }
    }
    cols
}

/// The demo columns typed as a data frame library would write them: ids as strings, the text
/// as `text_kind`, labels as integers, authors dictionary-encoded, times as timestamps, the
/// category as a string view.
fn typed_batch(cols: &BTreeMap<String, Vec<String>>, text_kind: &str) -> RecordBatch {
    let text: ArrayRef = match text_kind {
        "large" => Arc::new(LargeStringArray::from(cols["text"].clone())),
        "view" => Arc::new(StringViewArray::from_iter_values(cols["text"].iter())),
        _ => Arc::new(StringArray::from(cols["text"].clone())),
    };
    let labels: Vec<i64> = cols["label"].iter().map(|l| l.parse().unwrap()).collect();
    let authors: DictionaryArray<Int32Type> = cols["author"].iter().map(String::as_str).collect();
    let times: Vec<i64> = cols["timestamp"]
        .iter()
        .map(|t| unix_seconds(t).expect("demo time"))
        .collect();
    RecordBatch::try_from_iter(vec![
        (
            "id",
            Arc::new(StringArray::from(cols["id"].clone())) as ArrayRef,
        ),
        ("text", text),
        ("label", Arc::new(Int64Array::from(labels))),
        ("author", Arc::new(authors)),
        (
            "timestamp",
            Arc::new(TimestampSecondArray::from(times).with_timezone("UTC")),
        ),
        (
            "category",
            Arc::new(StringViewArray::from_iter_values(cols["category"].iter())),
        ),
    ])
    .unwrap()
}

/// Unix seconds of `YYYY-MM-DDTHH:MM:SSZ`.
fn unix_seconds(t: &str) -> Option<i64> {
    let n = |a: usize, b: usize| t.get(a..b)?.parse::<i64>().ok();
    let (y, m, d) = (n(0, 4)?, n(5, 7)?, n(8, 10)?);
    let (hh, mm, ss) = (n(11, 13)?, n(14, 16)?, n(17, 19)?);
    // Days from civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// `batch` written in two row groups (Parquet) or two record batches (IPC), so that a reader
/// crosses from one to the next.
fn write_parquet(path: &Path, batch: &RecordBatch) {
    let file = std::fs::File::create(path).unwrap();
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(batch.num_rows() / 2 + 1))
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

fn halves(batch: &RecordBatch) -> [RecordBatch; 2] {
    let half = batch.num_rows() / 2;
    [
        batch.slice(0, half),
        batch.slice(half, batch.num_rows() - half),
    ]
}

fn write_ipc_file(path: &Path, batch: &RecordBatch) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = arrow_ipc::writer::FileWriter::try_new(file, &batch.schema()).unwrap();
    for b in halves(batch) {
        w.write(&b).unwrap();
    }
    w.finish().unwrap();
}

fn write_ipc_stream(path: &Path, batch: &RecordBatch) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = arrow_ipc::writer::StreamWriter::try_new(file, &batch.schema()).unwrap();
    for b in halves(batch) {
        w.write(&b).unwrap();
    }
    w.finish().unwrap();
}

fn score_csv(w: &Workdir, model: &str, input: &str) -> String {
    w.ok(&[
        "score", "-m", model, "--input", input, "--format", "csv", "-q",
    ])
}

#[test]
fn parquet_and_arrow_train_score_and_coordinate_as_csv_does() {
    let w = Workdir::new();
    let csv = w.demo_csv("posts.csv", 1200, 5);
    let cols = csv_columns(&csv);
    write_parquet(&w.path("posts.parquet"), &typed_batch(&cols, "plain"));
    write_ipc_file(&w.path("posts.feather"), &typed_batch(&cols, "large"));
    write_ipc_stream(&w.path("posts.arrows"), &typed_batch(&cols, "view"));
    // An IPC file under a name that says nothing: read by its first bytes.
    write_ipc_file(&w.path("posts.bin"), &typed_batch(&cols, "plain"));
    // Each row's source is its category, not its file's name (which differs by format).
    let train = |input: &str, out: &str| {
        w.ok(&[
            "train",
            input,
            "--out",
            out,
            "--source-col",
            "category",
            "-q",
        ]);
    };
    train("posts.csv", "csv.model");
    let reference = score_csv(&w, "csv.model", "posts.csv");
    for input in [
        "posts.parquet",
        "posts.feather",
        "posts.arrows",
        "posts.bin",
    ] {
        // Scoring the same posts from another format gives the same rows.
        assert!(score_csv(&w, "csv.model", input) == reference, "{input}");
        // A model trained on them scores as the CSV-trained one.
        train(input, "other.model");
        assert!(
            score_csv(&w, "other.model", "posts.csv") == reference,
            "{input}"
        );
    }
    // The training data's checksum is the file's SHA-256.
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(std::fs::read(w.path("posts.bin")).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let shown = w.ok(&["inspect", "other.model"]);
    assert!(shown.contains(&digest[..16]), "{shown}");
    // Standard input: Parquet is held in memory, the IPC stream read as it comes.
    for (file, flag) in [("posts.parquet", "parquet"), ("posts.arrows", "arrows")] {
        let bytes = std::fs::read(w.path(file)).unwrap();
        let args = [
            "score",
            "-m",
            "csv.model",
            "--input",
            "-",
            "--format",
            "csv",
            "-q",
        ];
        let out = w.run_stdin("trollwatch", &args, &bytes);
        assert!(out.status.success(), "{file} on stdin");
        assert!(
            String::from_utf8(out.stdout).unwrap() == reference,
            "{file}"
        );
        let mut forced = args.to_vec();
        forced.extend(["--input-format", flag]);
        let out = w.run_stdin("trollwatch", &forced, &bytes);
        assert!(
            out.status.success(),
            "{file} on stdin, --input-format {flag}"
        );
        assert!(
            String::from_utf8(out.stdout).unwrap() == reference,
            "{file}"
        );
    }
    // Coordination reads the author dictionary and the timestamps as it reads the CSV.
    let mut outputs = Vec::new();
    for input in ["posts.csv", "posts.parquet", "posts.feather"] {
        let dir = format!("coord-{input}");
        w.ok(&["coordination", input, "-o", &dir, "-q"]);
        let mut files = BTreeMap::new();
        for name in [
            "edges.csv",
            "accounts.csv",
            "clusters.csv",
            "communities.csv",
        ] {
            files.insert(name, std::fs::read(w.path(&dir).join(name)).unwrap());
        }
        outputs.push(files);
    }
    assert!(
        outputs[0]["edges.csv"].len() > 100,
        "the demo set has coordinated accounts"
    );
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
    // Evaluate reads them too: the same report but for the file's name.
    let report = |input: &str| -> String {
        let out = w.ok(&[
            "evaluate",
            input,
            "--folds",
            "3",
            "--source-col",
            "category",
            "-q",
        ]);
        out.lines().skip(1).collect::<Vec<_>>().join("\n")
    };
    assert!(report("posts.csv") == report("posts.parquet"));
}

/// Three posts with a null where `null_in` says, labels as booleans.
fn small_batch(null_in: &str) -> RecordBatch {
    let text: Vec<Option<&str>> = vec![
        Some("first post about the vote"),
        if null_in == "text" {
            None
        } else {
            Some("second post")
        },
        Some("third post about the vote"),
    ];
    let label: Vec<Option<bool>> = vec![
        Some(true),
        Some(false),
        if null_in == "label" { None } else { Some(true) },
    ];
    let id: Vec<Option<i64>> = vec![
        Some(7),
        if null_in == "id" { None } else { Some(8) },
        Some(9),
    ];
    RecordBatch::try_from_iter(vec![
        ("id", Arc::new(Int64Array::from(id)) as ArrayRef),
        ("text", Arc::new(StringArray::from(text))),
        ("label", Arc::new(BooleanArray::from(label))),
    ])
    .unwrap()
}

#[test]
fn nulls_and_missing_columns_name_the_file_row_and_column() {
    let w = Workdir::new();
    write_parquet(&w.path("text.parquet"), &small_batch("text"));
    write_ipc_file(&w.path("label.arrow"), &small_batch("label"));
    write_ipc_stream(&w.path("id.arrows"), &small_batch("id"));
    let train = |input: &'static str| -> Vec<&'static str> {
        vec![
            "train",
            input,
            "--out",
            "m.model",
            "--positive",
            "true",
            "--min-df",
            "1",
        ]
    };
    // A null text: a bad row at its row number, naming the column.
    w.fails(
        &train("text.parquet"),
        2,
        &[
            "text.parquet, line 2",
            "column \"text\" is null",
            "--skip-bad-rows",
        ],
    );
    // A null label is an empty label, as in CSV; a null id a bad row.
    w.fails(
        &train("label.arrow"),
        2,
        &["label.arrow, line 3", "\"label\" is empty"],
    );
    w.fails(
        &train("id.arrows"),
        2,
        &["id.arrows, line 2", "column \"id\" is null"],
    );
    // Scoring: the same error, or a skip counted by reason with its first row.
    w.demo_csv("train.csv", 800, 3);
    w.ok(&["train", "train.csv", "--out", "demo.model", "-q"]);
    let score = [
        "score",
        "-m",
        "demo.model",
        "--input",
        "text.parquet",
        "--format",
        "csv",
    ];
    w.fails(
        &score,
        2,
        &["text.parquet, line 2", "column \"text\" is null"],
    );
    let mut skip = score.to_vec();
    skip.push("--skip-bad-rows");
    let err = w.ok_stderr(&skip);
    assert!(err.contains("1 missing text (first at line 2)"), "{err}");
    let out = w.ok(&skip);
    assert_eq!(out.lines().count(), 3, "a header and two rows: {out}");
    // A missing column lists the columns the file has.
    w.fails(
        &[
            "train",
            "text.parquet",
            "--label-col",
            "is_troll",
            "--out",
            "m.model",
        ],
        2,
        &[
            "text.parquet",
            "no column named \"is_troll\"",
            "columns found: id, text, label",
        ],
    );
    w.fails(
        &[
            "coordination",
            "label.arrow",
            "-o",
            "out",
            "--author-col",
            "user",
        ],
        2,
        &["label.arrow", "\"user\"", "columns found: id, text, label"],
    );
    // The wrong format for the name is said plainly.
    w.write("posts.parquet", "id,text\n1,hello\n");
    w.fails(
        &["coordination", "posts.parquet", "-o", "out"],
        2,
        &["posts.parquet", "is not a Parquet file", "--input-format"],
    );
}

/// Tweets of a small retweet campaign and some ordinary posts, as the Twitter API v2 gives
/// them: `(id, author_id, username, seconds after the start, text, type referenced, url)`.
type Tweet = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

const TWEETS: &[Tweet] = &[
    ("1500", "91", "patriot_joe", 0, "RT @newsdesk: The count was stopped at midnight, share before they delete it https://t.co/a1", Some("retweeted"), Some("https://leaks.example/count")),
    ("1501", "92", "mary_truth", 4, "RT @newsdesk: The count was stopped at midnight, share before they delete it https://t.co/a1", Some("retweeted"), Some("https://leaks.example/count")),
    ("1502", "93", "eagle_eye_1776", 9, "RT @newsdesk: The count was stopped at midnight, share before they delete it https://t.co/a1", Some("retweeted"), Some("https://leaks.example/count")),
    ("1503", "94", "gardening_gran", 300, "The tomatoes are finally red, a good week for the garden", None, None),
    ("1504", "92", "mary_truth", 1200, "@gardening_gran lovely, mine are still green", Some("replied_to"), None),
    ("1505", "95", "city_bus_fan", 2000, "Route 12 is back on its old timetable from Monday", None, Some("https://transit.example/r12")),
];

fn tweet_json(t: &Tweet, flattened: bool) -> serde_json::Value {
    let (id, author_id, username, at, text, reference, url) = *t;
    let mut v = serde_json::json!({
        "id": id,
        "text": text,
        "author_id": author_id,
        "created_at": format!("2020-11-04T06:{:02}:{:02}.000Z", at / 60, at % 60),
        "lang": "en",
        "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0},
        "edit_history_tweet_ids": [id],
    });
    if let Some(kind) = reference {
        v["referenced_tweets"] = serde_json::json!([{"type": kind, "id": "1400"}]);
    }
    if let Some(url) = url {
        v["entities"] = serde_json::json!({"urls": [{
            "start": 80, "end": 103, "url": "https://t.co/a1", "expanded_url": url,
            "display_url": url.trim_start_matches("https://")
        }]});
    }
    if flattened {
        v["author"] = serde_json::json!({"id": author_id, "username": username, "name": username});
        v["__twarc"] = serde_json::json!({"url": "https://api.twitter.com/2/tweets/search/all", "version": "2.14.0", "retrieved_at": "2024-01-01T00:00:00+00:00"});
    }
    v
}

/// The tweets as twarc2 writes a search: pages of three tweets with their users.
fn raw_pages() -> String {
    let mut out = String::new();
    for page in TWEETS.chunks(3) {
        let users: Vec<serde_json::Value> = page
            .iter()
            .map(|t| serde_json::json!({"id": t.1, "username": t.2, "name": t.2}))
            .collect();
        let v = serde_json::json!({
            "data": page.iter().map(|t| tweet_json(t, false)).collect::<Vec<_>>(),
            "includes": {"users": users},
            "meta": {"result_count": page.len(), "newest_id": page[0].0, "oldest_id": page[page.len() - 1].0},
            "__twarc": {"url": "https://api.twitter.com/2/tweets/search/all", "version": "2.14.0", "retrieved_at": "2024-01-01T00:00:00+00:00"},
        });
        out.push_str(&v.to_string());
        out.push('\n');
    }
    out
}

fn flattened() -> String {
    TWEETS
        .iter()
        .map(|t| tweet_json(t, true).to_string() + "\n")
        .collect()
}

#[test]
fn twarc2_pages_and_flattened_tweets_read_the_same() {
    let w = Workdir::new();
    w.write("search.jsonl", raw_pages());
    w.write("flat.jsonl", flattened());
    w.write("search.txt", raw_pages());
    let coord = |input: &str, dir: &str, extra: &[&str]| {
        let mut args = vec![
            "coordination",
            input,
            "-o",
            dir,
            "--repost-col",
            "post_type",
            "--repost-value",
            "retweet",
            "--url-col",
            "urls",
            "-q",
        ];
        args.extend(extra);
        w.ok(&args);
        (
            std::fs::read_to_string(w.path(dir).join("edges.csv")).unwrap(),
            std::fs::read_to_string(w.path(dir).join("accounts.csv")).unwrap(),
        )
    };
    let (edges, accounts) = coord("search.jsonl", "raw", &[]);
    // The campaign's three accounts, by username, tied by their retweets and link.
    for pair in [
        ("patriot_joe", "mary_truth"),
        ("patriot_joe", "eagle_eye_1776"),
    ] {
        assert!(
            edges
                .lines()
                .any(|l| l.contains(pair.0) && l.contains(pair.1) && l.contains("repost")),
            "no repost edge {pair:?} in\n{edges}"
        );
    }
    assert!(
        !edges.contains("gardening_gran") && !edges.contains("city_bus_fan"),
        "{edges}"
    );
    // Flattened output gives the same analysis; so does a forced --input-format.
    assert_eq!(
        coord("flat.jsonl", "flat", &[]),
        (edges.clone(), accounts.clone())
    );
    assert_eq!(
        coord("search.txt", "forced", &["--input-format", "twarc2"]),
        (edges, accounts)
    );
    // Scoring gives a row per tweet, under the tweet's id.
    let m = w.demo_csv("train.csv", 800, 3);
    w.ok(&["train", m.to_str().unwrap(), "--out", "m.model", "-q"]);
    let ids = |input: &str| -> Vec<String> {
        let out = w.ok(&[
            "score", "-m", "m.model", "--input", input, "--format", "jsonl", "-q",
        ]);
        crate::workdir::jsonl(&out)
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    let expected: Vec<String> = TWEETS.iter().map(|t| t.0.to_string()).collect();
    assert_eq!(ids("search.jsonl"), expected);
    assert_eq!(ids("flat.jsonl"), expected);
    // A column no tweet has is an error listing the columns there are.
    w.fails(
        &[
            "coordination",
            "flat.jsonl",
            "-o",
            "x",
            "--time-col",
            "posted",
        ],
        2,
        &["flat.jsonl", "\"posted\"", "post_type", "urls"],
    );
}

/// A Parquet file's columns, by name.
fn read_parquet(path: &Path) -> (Vec<String>, Vec<ArrayRef>) {
    let file = std::fs::File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    let schema = batches[0].schema();
    let names = schema.fields().iter().map(|f| f.name().clone()).collect();
    let merged = arrow_select_concat(&batches);
    (names, merged)
}

/// Each column of `batches`, concatenated, as arrays of the first batch's types.
fn arrow_select_concat(batches: &[RecordBatch]) -> Vec<ArrayRef> {
    (0..batches[0].num_columns())
        .map(|c| {
            let parts: Vec<&dyn Array> = batches.iter().map(|b| b.column(c).as_ref()).collect();
            arrow_concat(&parts)
        })
        .collect()
}

fn arrow_concat(parts: &[&dyn Array]) -> ArrayRef {
    use arrow_array::cast::AsArray;
    match parts[0].data_type() {
        arrow_schema::DataType::Utf8 => Arc::new(StringArray::from_iter(
            parts.iter().flat_map(|p| p.as_string::<i32>().iter()),
        )),
        arrow_schema::DataType::Float64 => {
            Arc::new(Float64Array::from_iter(parts.iter().flat_map(|p| {
                p.as_primitive::<arrow_array::types::Float64Type>().iter()
            })))
        }
        arrow_schema::DataType::Boolean => Arc::new(BooleanArray::from_iter(
            parts.iter().flat_map(|p| p.as_boolean().iter()),
        )),
        arrow_schema::DataType::UInt32 => {
            Arc::new(UInt32Array::from_iter(parts.iter().flat_map(|p| {
                p.as_primitive::<arrow_array::types::UInt32Type>().iter()
            })))
        }
        other => panic!("unexpected column type {other}"),
    }
}

#[test]
fn parquet_scores_read_back_as_the_csv_rows() {
    use arrow_array::cast::AsArray;
    let w = Workdir::new();
    w.demo_csv("train.csv", 1500, 11);
    w.ok(&["train", "train.csv", "--out", "m.model", "-q"]);
    // More rows than one Parquet batch, with posts that get no score.
    let test = w.demo_csv("test.csv", 9000, 12);
    let mut csv_in = std::fs::read_to_string(&test).unwrap();
    csv_in.push_str("x1,!!!,0,nobody,2016-09-01T00:00:00Z,NonTroll,\n");
    w.write("test.csv", &csv_in);
    let csv_out = w.ok(&[
        "score",
        "-m",
        "m.model",
        "--input",
        "test.csv",
        "--format",
        "csv",
        "--explain",
        "2",
        "-q",
    ]);
    let out = w.run(&[
        "score",
        "-m",
        "m.model",
        "--input",
        "test.csv",
        "--format",
        "parquet",
        "--explain",
        "2",
        "-q",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    w.write("scores.parquet", &out.stdout);
    let (names, cols) = read_parquet(&w.path("scores.parquet"));
    assert_eq!(
        names,
        [
            "id",
            "score",
            "label",
            "flagged",
            "known_terms",
            "explain",
            "intercept"
        ]
    );
    let mut rdr = csv::Reader::from_reader(csv_out.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), cols[0].len());
    let (ids, scores, labels) = (
        cols[0].as_string::<i32>(),
        cols[1].as_primitive::<arrow_array::types::Float64Type>(),
        cols[2].as_string::<i32>(),
    );
    let (flagged, explain) = (cols[3].as_boolean(), cols[5].as_string::<i32>());
    let intercept = cols[6].as_primitive::<arrow_array::types::Float64Type>();
    let mut unscored = 0;
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(ids.value(i), &r[0]);
        if r[1].is_empty() {
            assert!(scores.is_null(i), "row {i}: CSV leaves the score empty");
            assert!(!flagged.value(i));
            unscored += 1;
        } else {
            assert_eq!(format!("{:.6}", scores.value(i)), r[1], "row {i}");
        }
        assert_eq!(labels.value(i), &r[2]);
        assert_eq!(explain.value(i), &r[3]);
        if r[4].is_empty() {
            assert!(
                intercept.is_null(i),
                "row {i}: CSV leaves the intercept empty"
            );
        } else {
            assert_eq!(format!("{:.6}", intercept.value(i)), r[4], "row {i}");
        }
    }
    assert!(unscored >= 1);
    // The Parquet output is itself an input: its ids and labels read back.
    let again = w.ok(&[
        "score",
        "-m",
        "m.model",
        "--input",
        "scores.parquet",
        "--text-col",
        "explain",
        "--skip-bad-rows",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(again.lines().count(), 9001, "a header and the scored rows");
    // Accounts as Parquet: the columns of CSV, one row per account.
    let out = w.run(&[
        "score", "-m", "m.model", "--input", "test.csv", "--by", "author", "--format", "parquet",
        "-q",
    ]);
    assert!(out.status.success());
    w.write("accounts.parquet", &out.stdout);
    let accounts_csv = w.ok(&[
        "score", "-m", "m.model", "--input", "test.csv", "--by", "author", "--format", "csv", "-q",
    ]);
    let (names, cols) = read_parquet(&w.path("accounts.parquet"));
    let header: Vec<String> = accounts_csv
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    assert_eq!(names, header);
    assert_eq!(cols[0].len(), accounts_csv.lines().count() - 1);
}

#[test]
fn keep_all_passes_parquet_columns_through_and_writes_them_to_parquet() {
    use arrow_array::cast::AsArray;

    let w = Workdir::new();
    let csv = w.demo_csv("posts.csv", 400, 13);
    let cols = csv_columns(&csv);
    write_parquet(&w.path("posts.parquet"), &typed_batch(&cols, "plain"));
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/models/trollwatch-en.model");
    let score = |input: &str, format: &str| {
        let out = w.run(&[
            "score",
            "-m",
            model,
            "--input",
            input,
            "--keep-all",
            "--format",
            format,
            "-q",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    // The schema's columns in its order, typed values as text, as CSV input gives them.
    let from_parquet = String::from_utf8(score("posts.parquet", "csv")).unwrap();
    let mut r = csv::Reader::from_reader(from_parquet.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "id",
            "score",
            "label",
            "text",
            "input_label",
            "author",
            "timestamp",
            "category"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 400);
    for (k, given) in [
        (0, "id"),
        (3, "text"),
        (4, "label"),
        (5, "author"),
        (6, "timestamp"),
        (7, "category"),
    ] {
        let got: Vec<&str> = rows.iter().map(|r| &r[k]).collect();
        assert_eq!(got, cols[given], "{given}");
    }
    // Parquet out: the kept columns after the score's, as strings.
    w.write("scores.parquet", score("posts.csv", "parquet"));
    let (names, arrays) = read_parquet(&w.path("scores.parquet"));
    assert_eq!(
        names,
        [
            "id",
            "score",
            "label",
            "flagged",
            "known_terms",
            "text",
            "input_label",
            "author",
            "timestamp",
            "category",
            "campaign"
        ]
    );
    let campaign = arrays[10].as_string::<i32>();
    for (i, c) in cols["campaign"].iter().enumerate() {
        assert_eq!(campaign.value(i), c);
    }
    assert_eq!(arrays[6].as_string::<i32>().value(0), cols["label"][0]);
}
