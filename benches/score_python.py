#!/usr/bin/env python3
"""Scoring the troll benchmark from pandas: the Python binding against the command line and
against scikit-learn's own pipeline, side by side in one run.

    python3 benches/score_python.py [--data ../shared/datasets/troll_benchmark.csv.gz]
                                     [--model models/trollwatch-en.model] [--runs 3]

Needs the package installed (`pip install ./python`) with pandas and scikit-learn, and the
release binary (`cargo build --release`). Measured:
- the CLI: `trollwatch score --model M --input FILE --format csv > /dev/null` (reading the
  gzip file included, as a user runs it);
- the binding, with the posts already in a pandas DataFrame (read before timing, as in a
  notebook): `Model.score(df[text])` and `Model.score_frame(df)` (the full result columns);
- scikit-learn: `predict_proba` of a TfidfVectorizer(1-2 grams, min_df 2, sublinear tf) +
  LogisticRegression pipeline fitted on the same posts (fit not timed).
Times are the median of --runs runs; ratios are what to quote.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(HERE)


def median_time(fn, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(PROJECT, "..", "shared", "datasets",
                                                   "troll_benchmark.csv.gz"))
    ap.add_argument("--model", default=os.path.join(PROJECT, "models", "trollwatch-en.model"))
    ap.add_argument("--cli", default=os.path.join(PROJECT, "target", "release", "trollwatch"))
    ap.add_argument("--text-col", default="text")
    ap.add_argument("--label-col", default="label")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-sklearn", action="store_true")
    args = ap.parse_args()

    import numpy as np
    import pandas as pd
    import trollwatch as tw

    df = pd.read_csv(args.data, dtype={args.text_col: str}, keep_default_na=False)
    texts = df[args.text_col]
    print(f"{len(df):,} posts from {args.data}", file=sys.stderr)
    model = tw.Model.load(args.model)

    def cli():
        with open(os.devnull, "wb") as null:
            subprocess.run([args.cli, "score", "--model", args.model, "--input", args.data,
                            "--text-col", args.text_col, "--format", "csv", "--quiet"],
                           check=True, stdout=null)

    rows = {}
    rows["cli score --format csv (gzip file in)"] = median_time(cli, args.runs)
    rows["binding Model.score(series)"] = median_time(lambda: model.score(texts), args.runs)
    rows["binding Model.score_frame(df)"] = median_time(
        lambda: model.score_frame(df[[args.text_col]], explain=0), args.runs)
    if not args.no_sklearn:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        labels = df[args.label_col].astype(str)
        pipe = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                            max_features=100000),
            LogisticRegression(C=4, solver="liblinear"),
        )
        t = time.perf_counter()
        pipe.fit(texts, labels)
        print(f"scikit-learn fit (not compared): {time.perf_counter() - t:.1f} s",
              file=sys.stderr)
        rows["scikit-learn predict_proba"] = median_time(
            lambda: pipe.predict_proba(texts), max(1, args.runs - 1))
        # Same texts, same result shape: a check that both did the work.
        assert pipe.predict_proba(texts[:10]).shape == (10, 2)
    assert np.isfinite(model.score(texts[:1000])).any()

    cli_t = rows["cli score --format csv (gzip file in)"][0]
    print(f"| what | median s | runs | × CLI |")
    print(f"|---|---|---|---|")
    for name, (med, all_t) in rows.items():
        print(f"| {name} | {med:.2f} | {', '.join(f'{t:.2f}' for t in all_t)} | "
              f"{med / cli_t:.2f} |")
    if "scikit-learn predict_proba" in rows:
        sk = rows["scikit-learn predict_proba"][0]
        print(f"\nscikit-learn predict_proba / binding score: "
              f"{sk / rows['binding Model.score(series)'][0]:.1f}×; "
              f"/ binding score_frame: {sk / rows['binding Model.score_frame(df)'][0]:.1f}×")


if __name__ == "__main__":
    main()
