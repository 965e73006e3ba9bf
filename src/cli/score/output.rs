//! The rows `score` writes, as a table, CSV, JSON lines or Parquet, for two classes or K.

use std::io::Write;

use anyhow::Context;

use super::parquet::{Kind, Table, Value};
use super::OutputFormat;
use crate::pipeline::model::Model;
use crate::pipeline::score::{JsonRow, Scored};
use crate::report::clip;

/// Writes scored rows in one of the output formats: for a two-class model the probability
/// of the positive class and the label given; for K classes the class given, its
/// probability and (CSV, JSONL, Parquet) every class's.
pub struct Output<W: Write + Send> {
    format: OutputFormat,
    explain: usize,
    /// The class names of a K-class model; `None` for two classes.
    classes: Option<Vec<String>>,
    /// The writer of the text formats, and of Parquet until [`Output::header`] hands it to
    /// the table.
    text: Option<W>,
    table: Option<Table<W>>,
    /// Input columns passed through after the score's (`--keep-cols`).
    kept: Vec<String>,
}

impl<W: Write + Send> Output<W> {
    /// Rows of a two-class model.
    pub fn new(format: OutputFormat, explain: usize, w: W) -> Output<W> {
        Output {
            format,
            explain,
            classes: None,
            text: Some(w),
            table: None,
            kept: Vec::new(),
        }
    }

    /// Rows of `model`, of two classes or K.
    pub fn for_model(format: OutputFormat, explain: usize, model: &Model, w: W) -> Output<W> {
        Output {
            classes: model.class_names().map(<[String]>::to_vec),
            ..Output::new(format, explain, w)
        }
    }

    /// Passes these input columns through, after the score's; each row then gives their
    /// values ([`Output::row_with`]).
    pub fn keep(mut self, columns: Vec<String>) -> Self {
        self.kept = columns;
        self
    }

    /// The header row (text formats), or the Parquet table with the columns CSV has
    /// (beside `flagged` and `known_terms` for two classes).
    pub fn header(&mut self) -> std::io::Result<()> {
        if self.format == OutputFormat::Parquet {
            return self.start_table();
        }
        if self.classes.is_some() {
            return self.class_header();
        }
        let Some(w) = self.text.as_mut() else {
            return Ok(());
        };
        match self.format {
            OutputFormat::Table => {
                write!(w, "{:<16} {:>7}  {:<10}", "id", "score", "label")?;
                if self.explain > 0 {
                    write!(w, "  terms (contribution)")?;
                }
                writeln!(w)
            }
            OutputFormat::Csv => {
                write!(w, "id,score,label")?;
                if self.explain > 0 {
                    write!(w, ",explain")?;
                }
                for k in &self.kept {
                    write!(w, ",{}", csv_field(k))?;
                }
                writeln!(w)
            }
            OutputFormat::Jsonl | OutputFormat::Parquet => Ok(()),
        }
    }

    /// One scored post; `label` is the class it is given ([`Model::label_of`]).
    pub fn row(&mut self, id: &str, s: &Scored, label: &str) -> anyhow::Result<()> {
        self.row_with(id, s, label, &[])
    }

    /// One scored post with the values of the kept columns ([`Output::keep`]), in order.
    pub fn row_with(
        &mut self,
        id: &str,
        s: &Scored,
        label: &str,
        kept: &[String],
    ) -> anyhow::Result<()> {
        if self.format == OutputFormat::Parquet {
            return Ok(self.table_row(id, s, label, kept)?);
        }
        if self.classes.is_some() {
            return self.class_row(id, s, label, kept);
        }
        let terms = || s.explanation();
        let Some(w) = self.text.as_mut() else {
            return Ok(());
        };
        match self.format {
            OutputFormat::Table => {
                // Whole: an id cut short could name another post.
                match s.score() {
                    Some(p) => write!(w, "{id:<16} {p:>7.4}  {label:<10}")?,
                    None => write!(w, "{id:<16} {:>7}  {:<10}", "—", "no known term")?,
                }
                if self.explain > 0 {
                    write!(w, "  {}", terms())?;
                }
                writeln!(w)?;
            }
            OutputFormat::Csv => {
                write!(
                    w,
                    "{},{},{}",
                    csv_field(id),
                    s.score().map_or(String::new(), |p| format!("{p:.6}")),
                    csv_field(label)
                )?;
                if self.explain > 0 {
                    write!(w, ",{}", csv_field(&terms()))?;
                }
                for v in kept {
                    write!(w, ",{}", csv_field(v))?;
                }
                writeln!(w)?;
            }
            OutputFormat::Jsonl => {
                let row = JsonRow::new(id, s, label, None, self.explain > 0);
                write_jsonl(w, row, &self.kept, kept)?;
            }
            OutputFormat::Parquet => {}
        }
        Ok(())
    }

    /// Sends the rows written so far on their way (a Parquet table keeps its rows until
    /// its row group is full).
    pub fn flush(&mut self) -> std::io::Result<()> {
        match self.text.as_mut() {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }

    /// Writes what is left (a Parquet file's last rows and footer) and flushes.
    pub fn finish(&mut self) -> std::io::Result<()> {
        if let Some(t) = self.table.take() {
            t.finish()?;
        }
        match self.text.as_mut() {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }

    /// The Parquet table's columns: CSV's, typed.
    fn start_table(&mut self) -> std::io::Result<()> {
        let Some(w) = self.text.take() else {
            return Ok(());
        };
        let mut columns: Vec<(String, Kind)> = vec![("id".into(), Kind::Text)];
        match &self.classes {
            None => columns.extend([
                ("score".into(), Kind::Float),
                ("label".into(), Kind::Text),
                ("flagged".into(), Kind::Bool),
                ("known_terms".into(), Kind::UInt),
            ]),
            Some(names) => {
                columns.push(("label".into(), Kind::Text));
                columns.push(("probability".into(), Kind::Float));
                columns.extend(names.iter().map(|n| (format!("p_{n}"), Kind::Float)));
            }
        }
        if self.explain > 0 {
            columns.push(("explain".into(), Kind::Text));
        }
        columns.extend(self.kept.iter().map(|k| (k.clone(), Kind::Text)));
        self.table = Some(Table::new(w, &columns)?);
        Ok(())
    }

    fn table_row(
        &mut self,
        id: &str,
        s: &Scored,
        label: &str,
        kept: &[String],
    ) -> std::io::Result<()> {
        if self.table.is_none() {
            self.start_table()?;
        }
        let Some(table) = self.table.as_mut() else {
            return Ok(());
        };
        let terms = (self.explain > 0).then(|| s.explanation());
        let mut row = vec![Value::Text(id)];
        match &self.classes {
            None => row.extend([
                Value::Float(s.score()),
                Value::Text(label),
                Value::Bool(s.positive()),
                Value::UInt(s.known_terms),
            ]),
            Some(names) => {
                row.push(Value::Text(label));
                row.push(Value::Float(s.probability()));
                let p = s.probabilities.as_deref().unwrap_or(&[]);
                row.extend((0..names.len()).map(|k| Value::Float(p.get(k).copied())));
            }
        }
        if let Some(t) = &terms {
            row.push(Value::Text(t));
        }
        row.extend(kept.iter().map(|v| Value::Text(v)));
        table.push(&row)
    }

    fn class_header(&mut self) -> std::io::Result<()> {
        let names = self.classes.as_deref().unwrap_or(&[]);
        let Some(w) = self.text.as_mut() else {
            return Ok(());
        };
        match self.format {
            OutputFormat::Table => {
                write!(w, "{:<16} {:<16} {:>11}", "id", "class", "probability")?;
                if self.explain > 0 {
                    write!(w, "  terms toward the class (contribution)")?;
                }
                writeln!(w)
            }
            OutputFormat::Csv => {
                write!(w, "id,label,probability")?;
                for n in names {
                    write!(w, ",{}", csv_field(&format!("p_{n}")))?;
                }
                if self.explain > 0 {
                    write!(w, ",explain")?;
                }
                for k in &self.kept {
                    write!(w, ",{}", csv_field(k))?;
                }
                writeln!(w)
            }
            OutputFormat::Jsonl | OutputFormat::Parquet => Ok(()),
        }
    }

    fn class_row(
        &mut self,
        id: &str,
        s: &Scored,
        label: &str,
        kept: &[String],
    ) -> anyhow::Result<()> {
        let probabilities = s.probabilities.as_deref().unwrap_or(&[]);
        let probability = s.probability().unwrap_or(f64::NAN);
        let terms = || s.explanation();
        let Some(w) = self.text.as_mut() else {
            return Ok(());
        };
        match self.format {
            OutputFormat::Table => {
                write!(
                    w,
                    "{:<16} {:<16} {:>11.4}",
                    id,
                    clip(label, 16),
                    probability
                )?;
                if self.explain > 0 {
                    write!(w, "  {}", terms())?;
                }
                writeln!(w)?;
            }
            OutputFormat::Csv => {
                write!(
                    w,
                    "{},{},{:.6}",
                    csv_field(id),
                    csv_field(label),
                    probability
                )?;
                for p in probabilities {
                    write!(w, ",{p:.6}")?;
                }
                if self.explain > 0 {
                    write!(w, ",{}", csv_field(&terms()))?;
                }
                for v in kept {
                    write!(w, ",{}", csv_field(v))?;
                }
                writeln!(w)?;
            }
            OutputFormat::Jsonl => {
                let row = JsonRow::new(id, s, label, self.classes.as_deref(), self.explain > 0);
                write_jsonl(w, row, &self.kept, kept)?;
            }
            OutputFormat::Parquet => {}
        }
        Ok(())
    }
}

/// One JSON line: `row`, then the kept columns' `values` under their `names`.
fn write_jsonl(
    w: &mut impl Write,
    row: JsonRow,
    names: &[String],
    values: &[String],
) -> anyhow::Result<()> {
    if names.is_empty() {
        serde_json::to_writer(&mut *w, &row)
    } else {
        let kept = Kept(names, values);
        serde_json::to_writer(&mut *w, &WithKept { row, kept })
    }
    .context("writing JSON")?;
    writeln!(w)?;
    Ok(())
}

/// A JSON row with the kept columns after its own fields.
#[derive(serde::Serialize)]
struct WithKept<'a> {
    #[serde(flatten)]
    row: JsonRow<'a>,
    #[serde(flatten)]
    kept: Kept<'a>,
}

/// The kept columns' names and values, as JSON string fields.
struct Kept<'a>(&'a [String], &'a [String]);

impl serde::Serialize for Kept<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (n, v) in self.0.iter().zip(self.1) {
            m.serialize_entry(n, v)?;
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
