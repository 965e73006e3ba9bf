//! One integration-test binary; each module says what it covers.

// A fresh folder per test and helpers to run the built binaries in it.
mod workdir;

// train → model file → score, through the command line, in every input and output format.
mod cli;
// The model file: round trip, determinism, and refusal of broken or foreign files.
mod model_file;
// Bad input: clear errors with file and line, or counted skips.
mod bad_input;
// Malformed inputs: a clear error or a counted skip for each, never a panic.
mod malformed;
// Tokenizer properties over generated text (proptest): no panic, valid offsets, idempotent
// normalization.
mod tokenizer_props;
// Cross-validation: folds, reports, out-of-fold predictions.
mod evaluate;
// Multi-class models: train, score, evaluate, the model file, and label errors.
mod multiclass;
// report.html rendered by headless Chromium (skips when none is installed).
mod report_browser;
// Coordination: planted campaigns, brute-force references, the command's files and errors.
mod coordination;
// Coordination counts as model features, account-level scores and the account model.
mod coordination_features;
// Several input files, sources, calibration, the threshold for a target false-positive
// rate, the prior, the no-evidence rule, per-source reports and `tune`.
mod trust;
// Rows that repeat or contradict each other: headers, byte-order marks, label forms, JSON keys
// and numbers, ids, identical texts kept in one fold, sets a model cannot learn from.
mod repeats;
// Real data in ../shared/datasets (ignored unless asked for; .ci/run asks).
mod real_data;
// Outputs: folder sets swapped in whole, files through links, FIFOs and devices, bad paths.
mod outputs;
// The crate's layers: imports only downward, no module cycles.
mod layers;
// Parquet, Arrow IPC and twarc2 input, and Parquet score output, against the same posts as CSV.
mod formats;
// README: every command in its sh blocks runs as written on the bundled data; links resolve.
mod readme;
// `trollwatch serve` over HTTP: endpoints, limits, bad JSON, reload under load, shutdown.
mod serve;
// `score --input -` from a pipe: each post answered before the next is written.
mod stream;
// Score output for analysts: --keep-cols, the model's text column, --threads, whole ids.
mod analyst;
