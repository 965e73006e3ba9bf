//! The rows `score` writes, as a table, CSV, JSON lines or Parquet, for two classes or K,
//! and how the terms behind a score read there (`--explain-format`).

use std::io::Write;

use anyhow::Context;

use super::parquet::{Kind, Table, Value};
use super::{ExplainFormat, OutputFormat};
use crate::pipeline::model::Model;
use crate::pipeline::score::{JsonRow, Scored};
use crate::report::clip;

/// How the table marks the explained words in a post's text (`--explain-format spans`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Highlight {
    /// `«Hillary»`: for a file or a pipe.
    Brackets,
    /// ANSI bold: for a terminal.
    Bold,
}

/// Writes scored rows in one of the output formats: for a two-class model the probability
/// of the positive class and the label given; for K classes the class given, its
/// probability and (CSV, JSONL, Parquet) every class's.
pub struct Output<W: Write + Send> {
    format: OutputFormat,
    explain: usize,
    explain_format: ExplainFormat,
    highlight: Highlight,
    /// The class names of a K-class model; `None` for two classes.
    classes: Option<Vec<String>>,
    /// The writer of the text formats, and of Parquet until [`Output::header`] hands it to
    /// the table.
    text: Option<W>,
    table: Option<Table<W>>,
    /// Input columns passed through after the score's (`--keep-cols`, `--keep-all`).
    kept: Vec<String>,
}

impl<W: Write + Send> Output<W> {
    /// Rows of a two-class model.
    pub fn new(format: OutputFormat, explain: usize, w: W) -> Output<W> {
        Output {
            format,
            explain,
            explain_format: ExplainFormat::default(),
            highlight: Highlight::Brackets,
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

    /// How the explained terms read in CSV, the table and Parquet (JSON lines carry every
    /// form), and how the table marks them in the post's text.
    pub fn explain_format(mut self, format: ExplainFormat, highlight: Highlight) -> Self {
        self.explain_format = format;
        self.highlight = highlight;
        self
    }

    /// The header row (text formats), or the Parquet table with the columns CSV has
    /// (beside `flagged` and `known_terms` for two classes).
    pub fn header(&mut self) -> std::io::Result<()> {
        if self.format == OutputFormat::Parquet {
            return self.start_table();
        }
        let explain = self.explain > 0;
        let names = self.classes.as_deref();
        let Some(w) = self.text.as_mut() else {
            return Ok(());
        };
        match self.format {
            OutputFormat::Table => {
                match names {
                    None => write!(w, "{:<16} {:>7}  {:<10}", "id", "score", "label")?,
                    Some(_) => write!(w, "{:<16} {:<16} {:>11}", "id", "class", "probability")?,
                }
                if explain {
                    let toward = if names.is_some() {
                        " toward the class"
                    } else {
                        ""
                    };
                    write!(w, "  terms{toward} (contribution) | intercept")?;
                }
                writeln!(w)
            }
            OutputFormat::Csv => {
                match names {
                    None => write!(w, "id,score,label")?,
                    Some(names) => {
                        write!(w, "id,label,probability")?;
                        for n in names {
                            write!(w, ",{}", csv_field(&format!("p_{n}")))?;
                        }
                    }
                }
                if explain {
                    write!(w, ",explain,intercept")?;
                }
                for k in &self.kept {
                    write!(w, ",{}", csv_field(k))?;
                }
                writeln!(w)
            }
            OutputFormat::Jsonl | OutputFormat::Parquet => Ok(()),
        }
    }

    /// One scored post, whose text is `text`; `label` is the class it is given
    /// ([`Model::label_of`]).
    pub fn row(&mut self, id: &str, text: &str, s: &Scored, label: &str) -> anyhow::Result<()> {
        self.row_with(id, text, s, label, &[])
    }

    /// One scored post with the values of the kept columns ([`Output::keep`]), in order.
    pub fn row_with(
        &mut self,
        id: &str,
        text: &str,
        s: &Scored,
        label: &str,
        kept: &[String],
    ) -> anyhow::Result<()> {
        let explain = self.explain > 0;
        let classes = self.classes.as_deref();
        match self.format {
            OutputFormat::Parquet => Ok(self.table_row(id, s, label, kept)?),
            OutputFormat::Jsonl => {
                let Some(w) = self.text.as_mut() else {
                    return Ok(());
                };
                let row = JsonRow::new(id, s, label, classes, explain);
                write_jsonl(w, row, &self.kept, kept)
            }
            OutputFormat::Csv => {
                let (terms, intercept) = self.explained(s);
                let Some(w) = self.text.as_mut() else {
                    return Ok(());
                };
                match classes {
                    None => write!(
                        w,
                        "{},{},{}",
                        csv_field(id),
                        s.score().map_or(String::new(), |p| format!("{p:.6}")),
                        csv_field(label)
                    )?,
                    Some(_) => {
                        let probability = s.probability().unwrap_or(f64::NAN);
                        write!(w, "{},{},{probability:.6}", csv_field(id), csv_field(label))?;
                        for p in s.probabilities.as_deref().unwrap_or(&[]) {
                            write!(w, ",{p:.6}")?;
                        }
                    }
                }
                if let Some(terms) = terms {
                    let intercept = intercept.map_or(String::new(), |b| format!("{b:.6}"));
                    write!(w, ",{},{intercept}", csv_field(&terms))?;
                }
                for v in kept {
                    write!(w, ",{}", csv_field(v))?;
                }
                writeln!(w)?;
                Ok(())
            }
            OutputFormat::Table => {
                let (terms, intercept) = self.explained(s);
                let highlighted = (explain && self.explain_format == ExplainFormat::Spans)
                    .then(|| highlight(text, explained_spans(s), self.highlight));
                let Some(w) = self.text.as_mut() else {
                    return Ok(());
                };
                // Ids whole: an id cut short could name another post.
                match (classes, s.score()) {
                    (Some(_), _) => write!(
                        w,
                        "{:<16} {:<16} {:>11.4}",
                        id,
                        clip(label, 16),
                        s.probability().unwrap_or(f64::NAN)
                    )?,
                    (None, Some(p)) => write!(w, "{id:<16} {p:>7.4}  {label:<10}")?,
                    (None, None) => write!(w, "{id:<16} {:>7}  {:<10}", "—", "no known term")?,
                }
                if let Some(terms) = terms {
                    write!(w, "  {}", one_line(&terms))?;
                    if let Some(b) = intercept {
                        write!(w, " | intercept {b:+.3}")?;
                    }
                }
                writeln!(w)?;
                if let Some(text) = highlighted {
                    writeln!(w, "    {text}")?;
                }
                Ok(())
            }
        }
    }

    /// With `--explain`: the terms as `--explain-format` writes them, and the intercept.
    fn explained(&self, s: &Scored) -> (Option<String>, Option<f64>) {
        if self.explain == 0 {
            return (None, None);
        }
        (Some(terms(s, self.explain_format)), s.intercept)
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
            columns.push(("intercept".into(), Kind::Float));
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
        let (terms, intercept) = self.explained(s);
        let Some(table) = self.table.as_mut() else {
            return Ok(());
        };
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
            row.push(Value::Float(intercept));
        }
        row.extend(kept.iter().map(|v| Value::Text(v)));
        table.push(&row)
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

/// The terms behind a score as CSV, the table and Parquet write them: `Hillary (+1.388);
/// #MAGA (-1.723)` (words), `hillari (+1.388); …` (stems), or `Hillary@0..7 (+1.388); …`
/// (spans: the words and the byte offsets of each occurrence, `@0..7,40..47`). A term with
/// no words in the post (a coordination feature) is written as the model knows it.
fn terms(s: &Scored, format: ExplainFormat) -> String {
    let mut out = String::new();
    for (i, c) in s.explain.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        match (format, &c.text) {
            (ExplainFormat::Stems, _) | (_, None) => out.push_str(&c.term),
            (_, Some(words)) => out.push_str(words),
        }
        if format == ExplainFormat::Spans && !c.spans.is_empty() {
            let spans: Vec<String> = c.spans.iter().map(|(a, b)| format!("{a}..{b}")).collect();
            out.push('@');
            out.push_str(&spans.join(","));
        }
        out.push_str(&format!(" ({:+.3})", c.contribution));
    }
    out
}

/// The byte spans of every explained term's occurrences.
fn explained_spans(s: &Scored) -> Vec<(usize, usize)> {
    s.explain
        .iter()
        .flat_map(|c| c.spans.iter().copied())
        .collect()
}

/// `text` with the words at `spans` marked (overlapping spans as one), on one line.
fn highlight(text: &str, mut spans: Vec<(usize, usize)>, how: Highlight) -> String {
    let (open, close) = match how {
        Highlight::Brackets => ("«", "»"),
        Highlight::Bold => ("\x1b[1m", "\x1b[22m"),
    };
    spans.retain(|&(a, b)| a < b && text.get(a..b).is_some());
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match merged.last_mut() {
            Some(last) if a < last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let mut out = String::with_capacity(text.len() + merged.len() * 8);
    let mut at = 0;
    for (a, b) in merged {
        out.push_str(&one_line(&text[at..a]));
        out.push_str(open);
        out.push_str(&one_line(&text[a..b]));
        out.push_str(close);
        at = b;
    }
    out.push_str(&one_line(&text[at..]));
    out
}

/// `s` with line breaks, escapes and other control characters as spaces: a post's text
/// stays on its line of the table and cannot drive the terminal.
fn one_line(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return s.into();
    }
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .into()
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
pub use crate::util::csv_field::quoted as csv_field;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::score::Contribution;

    fn term(term: &str, text: Option<&str>, spans: &[(usize, usize)], c: f64) -> Contribution {
        Contribution {
            term: term.into(),
            contribution: c,
            text: text.map(str::to_string),
            spans: spans.to_vec(),
        }
    }

    fn scored(explain: Vec<Contribution>) -> Scored {
        Scored {
            probabilities: Some(vec![0.4, 0.6]),
            class: 1,
            known_terms: explain.len() as u32,
            explain,
            intercept: Some(0.5),
        }
    }

    #[test]
    fn terms_read_as_words_stems_or_spans() {
        let s = scored(vec![
            term("hillari", Some("Hillary"), &[(0, 7), (20, 27)], 1.25),
            term("coordination:text", None, &[], -0.5),
        ]);
        assert_eq!(
            terms(&s, ExplainFormat::Words),
            "Hillary (+1.250); coordination:text (-0.500)"
        );
        assert_eq!(
            terms(&s, ExplainFormat::Stems),
            "hillari (+1.250); coordination:text (-0.500)"
        );
        assert_eq!(
            terms(&s, ExplainFormat::Spans),
            "Hillary@0..7,20..27 (+1.250); coordination:text (-0.500)"
        );
    }

    #[test]
    fn highlight_marks_spans_once_and_keeps_the_text_on_one_line() {
        let text = "share this now\nshare";
        // An n-gram and a word inside it: one mark; a span off a character boundary or
        // past the end is left alone.
        let spans = vec![(15, 20), (0, 10), (0, 5), (3, 99)];
        assert_eq!(
            highlight(text, spans.clone(), Highlight::Brackets),
            "«share this» now «share»"
        );
        assert_eq!(
            highlight(text, spans, Highlight::Bold),
            "\x1b[1mshare this\x1b[22m now \x1b[1mshare\x1b[22m"
        );
        // A post's own escapes cannot reach the terminal.
        assert_eq!(
            highlight("a\x1b[2Jb", vec![(0, 1)], Highlight::Brackets),
            "«a» [2Jb"
        );
        assert_eq!(highlight("é!", vec![(1, 2)], Highlight::Brackets), "é!");
    }
}
