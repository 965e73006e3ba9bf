#!/usr/bin/env python3
"""Score posts on Spark with trollwatch: the model file's bytes are broadcast once, each
Python worker loads the model once (and keeps it for every batch it is given), and the posts
go through `mapInArrow` as Arrow record batches, scored in Rust. The result is checked
against one run over all posts, row for row.

    python3 examples/spark_score.py --model models/trollwatch-en.model --input datasets/demo.csv

Runs in `local[2]` mode by default (`--master` to change); needs pyspark and Java 17. See
examples/run_spark.sh for a fresh environment.
"""

import argparse
import os
import sys
import time

import pyarrow as pa

import trollwatch as tw

# One model per Python worker process: Spark reuses its workers, so this survives between
# tasks and batches.
_MODEL = None


def worker_model(model_bytes: bytes) -> tw.Model:
    global _MODEL
    if _MODEL is None:
        _MODEL = tw.Model.from_bytes(model_bytes)
    return _MODEL


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--input", required=True, help="CSV with id and text columns")
    ap.add_argument("--text-col", default="text")
    ap.add_argument("--id-col", default="id")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--explain", type=int, default=2)
    args = ap.parse_args()

    # The workers run this interpreter, which has trollwatch installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession
    from pyspark.sql import types as T

    spark = (
        SparkSession.builder.master(args.master)
        .appName("trollwatch-score")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "10000")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    model_bytes = open(args.model, "rb").read()
    shared = spark.sparkContext.broadcast(model_bytes)
    posts = (
        spark.read.option("header", True)
        .option("multiLine", True)
        .option("escape", '"')
        .csv(args.input)
        .select(args.id_col, args.text_col)
        .repartition(args.partitions)
    )
    explain = args.explain
    text_col = args.text_col

    def score(batches):
        model = worker_model(shared.value)
        for batch in batches:
            yield model.score_frame(batch, text=text_col, explain=explain)

    schema = T.StructType(
        posts.schema.fields
        + [
            T.StructField("score", T.DoubleType()),
            T.StructField("label", T.StringType(), False),
            T.StructField("flagged", T.BooleanType(), False),
            T.StructField("known_terms", T.LongType(), False),
        ]
        + ([T.StructField("explanation", T.StringType(), False)] if explain else [])
    )

    def score_for_spark(batches):
        # Spark has no unsigned integers: known_terms (uint32) goes out as int64.
        for b in score(batches):
            yield pa.RecordBatch.from_arrays(
                [c.cast(pa.int64()) if n == "known_terms" else c
                 for n, c in zip(b.schema.names, b.columns)],
                names=b.schema.names,
            )

    started = time.perf_counter()
    scored = posts.mapInArrow(score_for_spark, schema)
    rows = scored.toArrow() if hasattr(scored, "toArrow") else pa.Table.from_pandas(
        scored.toPandas(), preserve_index=False)
    took = time.perf_counter() - started
    print(f"scored {rows.num_rows:,} posts on Spark ({args.master}, {args.partitions} "
          f"partitions) in {took:.1f} s", file=sys.stderr)

    # One run over the same posts, as Spark read them, for the row-for-row check.
    whole = posts.toArrow() if hasattr(posts, "toArrow") else pa.Table.from_pandas(
        posts.toPandas(), preserve_index=False)
    expected = tw.Model.load(args.model).score_frame(whole, text=text_col, explain=explain)
    key = args.id_col
    got = rows.sort_by(key)
    expected = expected.sort_by(key)
    for name in ("score", "label", "flagged", "explanation"):
        if name == "explanation" and not explain:
            continue
        a, b = got.column(name).to_pylist(), expected.column(name).to_pylist()
        if a != b:
            bad = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y)
            sys.exit(f"column {name} differs from one run at row {bad}: {a[bad]!r} != {b[bad]!r}")
    print(f"the {rows.num_rows:,} rows equal one run's, row for row", file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main()
