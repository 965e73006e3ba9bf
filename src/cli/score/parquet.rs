//! `score --format parquet`: the rows `--format csv` writes, as a Parquet file with typed
//! columns (strings, float64 probabilities that are null where CSV leaves them empty,
//! booleans, counts), written a row group at a time to any writer, a pipe included: a Parquet
//! file is written front to back, its footer last.

use std::io::{self, Write};
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, StringBuilder, UInt32Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;

/// Rows gathered before they are handed to the Parquet writer as one record batch.
const BATCH_ROWS: usize = 8192;

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A nullable float64.
    Float,
    Bool,
    /// A nullable count.
    UInt,
}

/// One value of a row, in its column's kind.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Text(&'a str),
    Float(Option<f64>),
    Bool(bool),
    UInt(u32),
}

enum Builder {
    Text(StringBuilder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    UInt(UInt32Builder),
}

impl Builder {
    fn new(kind: Kind) -> Builder {
        match kind {
            Kind::Text => Builder::Text(StringBuilder::new()),
            Kind::Float => Builder::Float(Float64Builder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new()),
            Kind::UInt => Builder::UInt(UInt32Builder::new()),
        }
    }

    /// Appends `v`; a value of another kind than the column's is a null there.
    fn push(&mut self, v: Value) {
        match (self, v) {
            (Builder::Text(b), Value::Text(s)) => b.append_value(s),
            (Builder::Float(b), Value::Float(x)) => b.append_option(x.filter(|x| !x.is_nan())),
            (Builder::Bool(b), Value::Bool(x)) => b.append_value(x),
            (Builder::UInt(b), Value::UInt(x)) => b.append_value(x),
            (Builder::Text(b), _) => b.append_null(),
            (Builder::Float(b), _) => b.append_null(),
            (Builder::Bool(b), _) => b.append_null(),
            (Builder::UInt(b), _) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::UInt(b) => Arc::new(b.finish()),
        }
    }
}

/// A Parquet table being written, a row at a time.
pub struct Table<W: Write + Send> {
    schema: SchemaRef,
    builders: Vec<Builder>,
    rows: usize,
    writer: ArrowWriter<W>,
}

impl<W: Write + Send> Table<W> {
    /// A table of `columns` (name and kind) written to `w`, Snappy-compressed as pandas and
    /// Spark write theirs. Float and count columns are nullable, the others are not.
    pub fn new(w: W, columns: &[(String, Kind)]) -> io::Result<Table<W>> {
        let fields: Vec<Field> = columns
            .iter()
            .map(|(name, kind)| {
                let dt = match kind {
                    Kind::Text => DataType::Utf8,
                    Kind::Float => DataType::Float64,
                    Kind::Bool => DataType::Boolean,
                    Kind::UInt => DataType::UInt32,
                };
                Field::new(name, dt, matches!(kind, Kind::Float | Kind::UInt))
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let writer = ArrowWriter::try_new(w, schema.clone(), Some(props)).map_err(io_error)?;
        Ok(Table {
            schema,
            builders: columns.iter().map(|(_, k)| Builder::new(*k)).collect(),
            rows: 0,
            writer,
        })
    }

    /// Adds one row: a value per column, in column order.
    pub fn push(&mut self, row: &[Value]) -> io::Result<()> {
        for (b, v) in self.builders.iter_mut().zip(row) {
            b.push(*v);
        }
        self.rows += 1;
        if self.rows >= BATCH_ROWS {
            self.write_batch()?;
        }
        Ok(())
    }

    fn write_batch(&mut self) -> io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let columns: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        self.rows = 0;
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| io::Error::other(format!("forming a Parquet row batch: {e}")))?;
        self.writer.write(&batch).map_err(io_error)
    }

    /// Writes the rows left and the footer, and flushes the writer.
    pub fn finish(mut self) -> io::Result<()> {
        self.write_batch()?;
        let mut w = self.writer.into_inner().map_err(io_error)?;
        w.flush()
    }
}

/// A Parquet writer's error as the io error it is, when it is one (a closed pipe stays a
/// closed pipe, which ends the command quietly).
fn io_error(e: ParquetError) -> io::Error {
    match e {
        ParquetError::External(inner) => match inner.downcast::<io::Error>() {
            Ok(io) => *io,
            Err(other) => io::Error::other(format!("writing Parquet: {other}")),
        },
        other => io::Error::other(format!("writing Parquet: {other}")),
    }
}
