//! The multi-class side of `train`, `score` and `evaluate`: what they print and write for a
//! model with more than two classes. The commands' flags stay in their own files; each hands
//! over here once it knows the data (or the model) is multi-class.

use std::io::{IsTerminal, Write};

use anyhow::Context;

use super::score::{Args as ScoreArgs, OutputFormat};
use crate::dataset::{Classes, Labeled, PostReader};
use crate::evaluate::{EvalOptions, RowInfo};
use crate::model::Model;
use crate::multiclass::score::ClassScored;
use crate::progress::Progress;

/// Tells which label values were left out, on stderr.
pub fn print_dropped(classes: &Classes, label_col: &str) {
    for d in &classes.dropped {
        eprintln!(
            "left out label {:?} of column {label_col:?}: {} rows, {}",
            d.value, d.rows, d.reason
        );
    }
}

/// `evaluate` on a multi-class set.
pub fn run_evaluate(
    args: &super::evaluate::Args,
    data: &Labeled,
    info: &RowInfo,
    opts: &EvalOptions,
    progress: &Progress,
) -> anyhow::Result<()> {
    if args.target_precision.is_some() || args.category_col.is_some() {
        return Err(crate::error::Error::param(
            if args.target_precision.is_some() {
                "target-precision"
            } else {
                "category-col"
            },
            "(set)",
            "applies to binary models only; per-class recall is in the multi-class report",
        )
        .into());
    }
    if let Some(c) = &data.classes {
        print_dropped(c, &args.label.label_col);
    }
    let (report, oof, timings) = crate::multiclass::evaluate::evaluate(
        data,
        info,
        opts,
        &args.inputs.join(" + "),
        progress,
    )?;
    super::print_out(&crate::multiclass::report::terminal_table(&report))?;
    if !args.quiet {
        let fits = &timings.fold_seconds;
        let (lo, hi) = fits.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &t| {
            (lo.min(t), hi.max(t))
        });
        eprintln!(
            "evaluated in {:.1}s ({} fold fits, {:.1}–{:.1}s each)",
            timings.elapsed_seconds,
            fits.len(),
            if fits.is_empty() { 0.0 } else { lo },
            hi
        );
    }
    if let Some(dir) = &args.report {
        crate::multiclass::report::write_all(&report, dir)?;
        eprintln!(
            "wrote {}/report.json, report.md, report.html",
            dir.display()
        );
    }
    if let Some(path) = &args.oof {
        let names = &report.data.classes;
        let classes = data.classes.as_ref().map(|c| &c.of_row[..]).unwrap_or(&[]);
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut head = vec![
            "id".to_string(),
            "label".into(),
            "predicted".into(),
            "probability".into(),
        ];
        head.extend(names.iter().map(|n| format!("p_{n}")));
        head.extend(["fold".to_string(), "repeat".into()]);
        w.write_record(&head)?;
        for o in &oof {
            let best = crate::multiclass::score::argmax(&o.probabilities);
            let mut rec = vec![
                data.ids[o.row].clone(),
                names[classes[o.row] as usize].clone(),
                names[best].clone(),
                format!("{:.6}", o.probabilities[best]),
            ];
            rec.extend(o.probabilities.iter().map(|p| format!("{p:.6}")));
            rec.extend([(o.fold + 1).to_string(), (o.repeat + 1).to_string()]);
            w.write_record(&rec)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| anyhow::anyhow!("formatting {}: {e}", path.display()))?;
        crate::model::write_atomic(path, &bytes)?;
        eprintln!(
            "wrote {} out-of-fold predictions to {}",
            oof.len(),
            path.display()
        );
    }
    Ok(())
}

/// The "read N posts" line of `train` for a multi-class model.
pub fn read_line(model: &Model, read_s: f64) -> String {
    let m = &model.meta;
    let classes = m
        .classes
        .as_ref()
        .map(|c| {
            c.names
                .iter()
                .zip(&c.counts)
                .map(|(n, k)| format!("{k} {n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    format!(
        "read {} posts in {} classes ({classes}) in {:.1}s; {} model",
        m.data.rows,
        m.classes.as_ref().map_or(0, |c| c.names.len()),
        read_s,
        m.classes.as_ref().map_or("", |c| c.strategy.name())
    )
}

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
                    model.score_classes(&texts, args.explain)
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
        let scored = model.score_classes(&args.posts, args.explain);
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

    fn row(&mut self, id: &str, s: &ClassScored) -> anyhow::Result<()> {
        let label = self.names.get(s.class).map_or("", |n| n.as_str());
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
                    s.probability
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
                    s.probability
                )?;
                for p in &s.probabilities {
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
                    explain: Option<&'a [crate::score::Contribution]>,
                }
                let row = Row {
                    id,
                    label,
                    probability: s.probability,
                    probabilities: ClassProbabilities(self.names, &s.probabilities),
                    explain: (self.explain > 0).then_some(&s.explain[..]),
                };
                serde_json::to_writer(&mut self.w, &row).context("writing JSON")?;
                writeln!(self.w)?;
            }
        }
        Ok(())
    }
}

/// A CSV field, quoted when it needs to be.
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}
