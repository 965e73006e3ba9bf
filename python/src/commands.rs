//! `train` and `evaluate` from Python: the command line's own options (keyword arguments
//! become `--flags`, parsed by the same parser, so defaults, checks and messages are the
//! command's) over files, or over a table in memory handed in through the Arrow C stream
//! interface. A table is handed to the library's reader as an Arrow IPC stream (typed columns:
//! times stay times), so every row is checked as a file's would be; a message's "line N" is
//! the table's row N, counting from 1.

use std::path::PathBuf;

use arrow::array::RecordBatchReader;
use arrow::ffi_stream::RecordBatchStreamReader;
use arrow::pyarrow::FromPyArrow;
use clap::Parser;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use trollwatch::cli::{Cli, Command};
use trollwatch::{Inputs, Progress};

use crate::errors::{from_anyhow, parameter_error};
use crate::PyModel;

/// Where a command reads its posts: files, or a table as Arrow IPC stream bytes.
enum Data {
    Files(Vec<String>),
    Table { name: String, ipc: Vec<u8> },
}

impl Data {
    /// Paths (a list of str), or anything with `__arrow_c_stream__` (a pyarrow Table,
    /// RecordBatchReader, a polars DataFrame, ...), read here with the GIL held.
    fn extract(py: Python<'_>, data: &Bound<'_, PyAny>, name: &str) -> PyResult<Data> {
        if let Ok(paths) = data.extract::<Vec<String>>() {
            if !data.is_instance_of::<PyString>() {
                return Ok(Data::Files(paths));
            }
        }
        let reader = RecordBatchStreamReader::from_pyarrow_bound(data)?;
        let ipc = py
            .detach(|| -> Result<Vec<u8>, arrow::error::ArrowError> {
                let schema = reader.schema();
                let mut writer = arrow::ipc::writer::StreamWriter::try_new(Vec::new(), &schema)?;
                for batch in reader {
                    writer.write(&batch?)?;
                }
                writer.finish()?;
                writer.into_inner()
            })
            .map_err(|e| PyRuntimeError::new_err(format!("reading the table: {e}")))?;
        Ok(Data::Table {
            name: name.to_string(),
            ipc,
        })
    }

    /// The command line: the command, its inputs, then `argv`.
    fn command_line(&self, command: &str, argv: &[String]) -> Vec<String> {
        let mut line = vec!["trollwatch".to_string(), command.to_string()];
        match self {
            Data::Files(paths) => line.extend(paths.iter().cloned()),
            Data::Table { name, .. } => {
                line.push(name.clone());
                line.extend(["--input-format".into(), "arrows".into()]);
            }
        }
        line.extend(argv.iter().cloned());
        line
    }

    /// What the library reads (a table's bytes are handed over: read once).
    fn inputs(&mut self) -> Inputs<'_> {
        match self {
            Data::Files(paths) => Inputs::Files(paths),
            Data::Table { name, ipc } => Inputs::Stream {
                name: name.clone(),
                raw: Box::new(std::io::Cursor::new(std::mem::take(ipc))),
            },
        }
    }

    /// What messages call the input.
    fn name(&self) -> String {
        match self {
            Data::Files(paths) => paths.join(" + "),
            Data::Table { name, .. } => name.clone(),
        }
    }
}

/// Parses a command line with the command line's parser; a mistake is a `ParameterError`
/// with clap's message (without its usage lines), naming the keyword argument.
fn parse(line: &[String]) -> PyResult<Command> {
    Cli::try_parse_from(line).map(|c| c.command).map_err(|e| {
        let text = e.to_string();
        let message = text
            .lines()
            .take_while(|l| !l.starts_with("Usage:") && !l.trim_start().starts_with("tip:"))
            .collect::<Vec<_>>()
            .join("\n");
        let message = message.trim().trim_start_matches("error: ");
        parameter_error(&format!(
            "{message} (keyword arguments are the command's options: max_features=N is \
             --max-features N; see `trollwatch {} --help`)",
            line.get(1).map_or("", String::as_str)
        ))
    })
}

/// Trains a model as `trollwatch train` does; writes it to `out` when given.
#[pyfunction]
#[pyo3(signature = (data, name, argv, out=None, progress=false))]
pub fn train(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    name: &str,
    argv: Vec<String>,
    out: Option<PathBuf>,
    progress: bool,
) -> PyResult<PyModel> {
    let mut data = Data::extract(py, data, name)?;
    let mut argv = argv;
    argv.push("--out".into());
    argv.push(
        out.as_ref()
            .map_or_else(|| "(not written)".into(), |p| p.display().to_string()),
    );
    if !progress {
        argv.push("--quiet".into());
    }
    let Command::Train(args) = parse(&data.command_line("train", &argv))? else {
        return Err(PyRuntimeError::new_err("not the train command"));
    };
    let input_name = data.name();
    let model = py
        .detach(|| -> anyhow::Result<trollwatch::Model> {
            let progress = Progress::new(progress);
            let trained =
                trollwatch::cli::train::train_model(&args, data.inputs(), &input_name, &progress)?;
            if let Some(out) = &out {
                trained.model.save(out)?;
            }
            Ok(trained.model)
        })
        .map_err(from_anyhow)?;
    PyModel::trained(model)
}

/// Cross-validates as `trollwatch evaluate` does: the report as JSON, Markdown and HTML, and
/// the out-of-fold predictions as CSV.
#[pyfunction]
#[pyo3(signature = (data, name, argv, progress=false))]
pub fn evaluate(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    name: &str,
    argv: Vec<String>,
    progress: bool,
) -> PyResult<(String, String, String, Vec<u8>)> {
    let mut data = Data::extract(py, data, name)?;
    let mut argv = argv;
    if !progress {
        argv.push("--quiet".into());
    }
    let Command::Evaluate(args) = parse(&data.command_line("evaluate", &argv))? else {
        return Err(PyRuntimeError::new_err("not the evaluate command"));
    };
    let input_name = data.name();
    py.detach(|| -> anyhow::Result<(String, String, String, Vec<u8>)> {
        let progress = Progress::new(progress);
        let e = trollwatch::cli::evaluate::evaluate_inputs(
            &args,
            data.inputs(),
            &input_name,
            &progress,
        )?;
        let json = serde_json::to_string(&e.report)?;
        let oof = trollwatch::oof_csv(&e.data, &e.oof)?;
        Ok((
            json,
            trollwatch::report_markdown(&e.report),
            trollwatch::report_html(&e.report),
            oof,
        ))
    })
    .map_err(from_anyhow)
}

/// Output files by name, with their bytes.
type Files = Vec<(String, Vec<u8>)>;

/// Finds coordinated accounts as `trollwatch coordination` does: the summary it prints, and
/// every file of `--out` and `--report` as bytes, by name.
#[pyfunction]
#[pyo3(signature = (data, name, argv, progress=false))]
pub fn coordination(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    name: &str,
    argv: Vec<String>,
    progress: bool,
) -> PyResult<(String, Files)> {
    let mut data = Data::extract(py, data, name)?;
    let mut argv = argv;
    if !progress {
        argv.push("--quiet".into());
    }
    let Command::Coordination(args) = parse(&data.command_line("coordination", &argv))? else {
        return Err(PyRuntimeError::new_err("not the coordination command"));
    };
    if let Data::Files(paths) = &data {
        if paths.len() != 1 {
            return Err(parameter_error("coordination reads one file"));
        }
    }
    let input_name = data.name();
    py.detach(|| -> anyhow::Result<(String, Files)> {
        let progress = Progress::new(progress);
        let analysis =
            trollwatch::cli::coordination::analyze_input(&args, data.inputs(), &progress)?;
        let files = analysis
            .files(args.evidence_per_edge, &input_name)?
            .into_iter()
            .map(|(n, b)| (n.to_string(), b))
            .collect();
        Ok((analysis.summary(), files))
    })
    .map_err(from_anyhow)
}
