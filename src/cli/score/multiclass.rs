//! `score` with a multi-class model: the predicted class, its probability and every class's.

use std::io::{IsTerminal, Write};

use anyhow::Context;

use super::{csv_field, Args as ScoreArgs, OutputFormat};
use crate::pipeline::model::Model;
use crate::pipeline::score::{ScoreOptions, Scored};
use crate::text::dataset::PostReader;
use crate::util::progress::Progress;

/// `score` with a multi-class model: the predicted class, its probability, and (CSV, JSONL)
/// every class's probability.
pub fn run_score(args: ScoreArgs, model: Model) -> anyhow::Result<()> {
    if args.threshold.is_some() {
        return Err(crate::error::Error::param(
            "threshold",
            "(set)",
            "a multi-class model predicts the most probable class; --threshold applies to binary models",
        )
        .into());
    }
    let names = model.class_names().unwrap_or(&[]).to_vec();
    let stdout = std::io::stdout();
    let format = args.format.unwrap_or(if stdout.is_terminal() {
        OutputFormat::Table
    } else {
        OutputFormat::Jsonl
    });
    let mut out = ClassOutput {
        format,
        explain: args.explain,
        names: &names,
        w: std::io::BufWriter::with_capacity(1 << 16, stdout.lock()),
    };
    out.header()?;
    let started = std::time::Instant::now();
    if let Some(input) = &args.input {
        let mut reader = PostReader::open(input, args.input_args.read_options())?;
        let bar = Progress::new(!args.quiet).bar(0, "scoring");
        let size = args.batch_size.max(1);
        let mut counts = vec![0u64; names.len()];
        let mut total = 0u64;
        let mut batch = reader.next_batch(size)?;
        while !batch.is_empty() {
            let (scored, next) = std::thread::scope(|s| {
                let scoring = s.spawn(|| {
                    let texts: Vec<&str> = batch.iter().map(|r| r.text.as_str()).collect();
                    model.score_batch(&texts, ScoreOptions::default(), args.explain)
                });
                let next = reader.next_batch(size);
                let scored = scoring
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (scored, next)
            });
            for (rec, s) in batch.iter().zip(&scored) {
                counts[s.class] += 1;
                out.row(&rec.id, s)?;
            }
            total += batch.len() as u64;
            bar.set_position(total);
            batch = next?;
        }
        bar.finish_and_clear();
        out.w.flush()?;
        for w in reader.warnings.warning_lines(input) {
            eprintln!("warning: {w}");
        }
        if !args.quiet {
            if let Some(s) = reader.skipped.summary(input) {
                eprintln!("{s}");
            }
            if format != OutputFormat::Table || !std::io::stderr().is_terminal() || total > 20 {
                let per: Vec<String> = names
                    .iter()
                    .zip(&counts)
                    .map(|(n, c)| format!("{c} {n:?}"))
                    .collect();
                eprintln!(
                    "scored {total} posts ({}) in {:.2}s",
                    per.join(", "),
                    started.elapsed().as_secs_f64()
                );
            }
        }
    } else {
        let scored = model.score_batch(&args.posts, ScoreOptions::default(), args.explain);
        for (i, s) in scored.iter().enumerate() {
            out.row(&(i + 1).to_string(), s)?;
        }
        out.w.flush()?;
    }
    Ok(())
}

/// Writes multi-class scored rows.
struct ClassOutput<'a, W: Write> {
    format: OutputFormat,
    explain: usize,
    names: &'a [String],
    w: W,
}

/// Every class's probability as a JSON object in class order.
struct ClassProbabilities<'a>(&'a [String], &'a [f64]);

impl serde::Serialize for ClassProbabilities<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (n, p) in self.0.iter().zip(self.1) {
            m.serialize_entry(n, p)?;
        }
        m.end()
    }
}

impl<W: Write> ClassOutput<'_, W> {
    fn header(&mut self) -> std::io::Result<()> {
        match self.format {
            OutputFormat::Table => {
                write!(self.w, "{:<16} {:<16} {:>11}", "id", "class", "probability")?;
                if self.explain > 0 {
                    write!(self.w, "  terms toward the class (contribution)")?;
                }
                writeln!(self.w)
            }
            OutputFormat::Csv => {
                write!(self.w, "id,label,probability")?;
                for n in self.names {
                    write!(self.w, ",{}", csv_field(&format!("p_{n}")))?;
                }
                if self.explain > 0 {
                    write!(self.w, ",explain")?;
                }
                writeln!(self.w)
            }
            OutputFormat::Jsonl => Ok(()),
        }
    }

    fn row(&mut self, id: &str, s: &Scored) -> anyhow::Result<()> {
        let label = self.names.get(s.class).map_or("", |n| n.as_str());
        let probabilities = s.probabilities.as_deref().unwrap_or(&[]);
        let probability = s.probability().unwrap_or(f64::NAN);
        let terms = || {
            s.explain
                .iter()
                .map(|c| format!("{} ({:+.3})", c.term, c.contribution))
                .collect::<Vec<_>>()
                .join("; ")
        };
        match self.format {
            OutputFormat::Table => {
                let cut = |t: &str| -> String {
                    if t.chars().count() > 16 {
                        t.chars().take(15).chain(std::iter::once('…')).collect()
                    } else {
                        t.to_string()
                    }
                };
                write!(
                    self.w,
                    "{:<16} {:<16} {:>11.4}",
                    cut(id),
                    cut(label),
                    probability
                )?;
                if self.explain > 0 {
                    write!(self.w, "  {}", terms())?;
                }
                writeln!(self.w)?;
            }
            OutputFormat::Csv => {
                write!(
                    self.w,
                    "{},{},{:.6}",
                    csv_field(id),
                    csv_field(label),
                    probability
                )?;
                for p in probabilities {
                    write!(self.w, ",{p:.6}")?;
                }
                if self.explain > 0 {
                    write!(self.w, ",{}", csv_field(&terms()))?;
                }
                writeln!(self.w)?;
            }
            OutputFormat::Jsonl => {
                #[derive(serde::Serialize)]
                struct Row<'a> {
                    id: &'a str,
                    label: &'a str,
                    probability: f64,
                    probabilities: ClassProbabilities<'a>,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    explain: Option<&'a [crate::pipeline::score::Contribution]>,
                }
                let row = Row {
                    id,
                    label,
                    probability,
                    probabilities: ClassProbabilities(self.names, probabilities),
                    explain: (self.explain > 0).then_some(&s.explain[..]),
                };
                serde_json::to_writer(&mut self.w, &row).context("writing JSON")?;
                writeln!(self.w)?;
            }
        }
        Ok(())
    }
}
