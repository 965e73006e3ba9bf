//! The rows `score` writes, as a table, CSV or JSON lines, for two classes or K.

use std::io::Write;

use anyhow::Context;

use super::OutputFormat;
use crate::pipeline::model::Model;
use crate::pipeline::score::Scored;
use crate::report::clip;

/// Writes scored rows in one of the output formats: for a two-class model the probability
/// of the positive class and the label given; for K classes the class given, its
/// probability and (CSV, JSONL) every class's.
pub struct Output<W: Write> {
    format: OutputFormat,
    explain: usize,
    /// The class names of a K-class model; `None` for two classes.
    classes: Option<Vec<String>>,
    w: W,
}

impl<W: Write> Output<W> {
    /// Rows of a two-class model.
    pub fn new(format: OutputFormat, explain: usize, w: W) -> Output<W> {
        Output {
            format,
            explain,
            classes: None,
            w,
        }
    }

    /// Rows of `model`, of two classes or K.
    pub fn for_model(format: OutputFormat, explain: usize, model: &Model, w: W) -> Output<W> {
        Output {
            classes: model.class_names().map(<[String]>::to_vec),
            ..Output::new(format, explain, w)
        }
    }

    pub fn header(&mut self) -> std::io::Result<()> {
        if self.classes.is_some() {
            return self.class_header();
        }
        match self.format {
            OutputFormat::Table => {
                write!(self.w, "{:<16} {:>7}  {:<10}", "id", "score", "label")?;
                if self.explain > 0 {
                    write!(self.w, "  terms (contribution)")?;
                }
                writeln!(self.w)
            }
            OutputFormat::Csv => {
                write!(self.w, "id,score,label")?;
                if self.explain > 0 {
                    write!(self.w, ",explain")?;
                }
                writeln!(self.w)
            }
            OutputFormat::Jsonl => Ok(()),
        }
    }

    /// One scored post; `label` is the class it is given ([`Model::label_of`]).
    pub fn row(&mut self, id: &str, s: &Scored, label: &str) -> anyhow::Result<()> {
        if self.classes.is_some() {
            return self.class_row(id, s, label);
        }
        let terms = || s.explanation();
        match self.format {
            OutputFormat::Table => {
                let id = clip(id, 16);
                match s.score() {
                    Some(p) => write!(self.w, "{id:<16} {p:>7.4}  {label:<10}")?,
                    None => write!(self.w, "{id:<16} {:>7}  {:<10}", "—", "no known term")?,
                }
                if self.explain > 0 {
                    write!(self.w, "  {}", terms())?;
                }
                writeln!(self.w)?;
            }
            OutputFormat::Csv => {
                write!(
                    self.w,
                    "{},{},{}",
                    csv_field(id),
                    s.score().map_or(String::new(), |p| format!("{p:.6}")),
                    csv_field(label)
                )?;
                if self.explain > 0 {
                    write!(self.w, ",{}", csv_field(&terms()))?;
                }
                writeln!(self.w)?;
            }
            OutputFormat::Jsonl => {
                #[derive(serde::Serialize)]
                struct Row<'a> {
                    id: &'a str,
                    score: Option<f64>,
                    label: &'a str,
                    flagged: bool,
                    known_terms: u32,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    explain: Option<&'a [crate::pipeline::score::Contribution]>,
                }
                let row = Row {
                    id,
                    score: s.score(),
                    label,
                    flagged: s.positive(),
                    known_terms: s.known_terms,
                    explain: (self.explain > 0).then_some(&s.explain[..]),
                };
                serde_json::to_writer(&mut self.w, &row).context("writing JSON")?;
                writeln!(self.w)?;
            }
        }
        Ok(())
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }

    fn class_header(&mut self) -> std::io::Result<()> {
        let names = self.classes.as_deref().unwrap_or(&[]);
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
                for n in names {
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

    fn class_row(&mut self, id: &str, s: &Scored, label: &str) -> anyhow::Result<()> {
        let probabilities = s.probabilities.as_deref().unwrap_or(&[]);
        let probability = s.probability().unwrap_or(f64::NAN);
        let terms = || s.explanation();
        match self.format {
            OutputFormat::Table => {
                write!(
                    self.w,
                    "{:<16} {:<16} {:>11.4}",
                    clip(id, 16),
                    clip(label, 16),
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
                    probabilities: ClassProbabilities(
                        self.classes.as_deref().unwrap_or(&[]),
                        probabilities,
                    ),
                    explain: (self.explain > 0).then_some(&s.explain[..]),
                };
                serde_json::to_writer(&mut self.w, &row).context("writing JSON")?;
                writeln!(self.w)?;
            }
        }
        Ok(())
    }
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

/// A CSV field, quoted when it needs to be.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}
