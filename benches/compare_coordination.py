#!/usr/bin/env python3
"""Compare `trollwatch coordination` with coordination-network-toolkit 1.5.2 (PyPI) on the
IRA timeline (../shared/datasets/ira_english_posts.csv.gz): wall time, peak RSS, account pairs
per network, and how many of the toolkit's account pairs trollwatch's edges contain.

Usage (from the project root, after `cargo build --release`):
    python3 benches/compare_coordination.py                  # full file, both tools
    python3 benches/compare_coordination.py --limit 50000    # quick smoke run
    python3 benches/compare_coordination.py --only trollwatch

Both tools get the same definitions: a 60 s window (|t1 - t2| <= 60), minimum edge weight 1,
2 worker processes/threads, reposts = post_type R or text starting `RT @x:`, keyed by the
reposted text (the file names no original post), URLs found in the text of non-reposts, and
near-duplicates = Jaccard >= 0.8 of the toolkit's word-token sets, posts under 5 tokens never
similar (the toolkit's MinDocSizeSimilarity(5)).

Traps handled: the toolkit's CSV reader turns an empty urls cell into the URL '' (every pair of
link-free posts would be co-linked), so rows are fed through its `preprocess_data` with an
empty URL list instead; its 1.5.2 CSV export crashes, so networks are read from the
<type>_network tables of its SQLite file. Its tables hold directed rows (A, B) including
self-pairs (A, A); pairs here are undirected and between different accounts.

The script bootstraps <project>/.venv with coordination-network-toolkit==1.5.2. Each tool runs
as a child process; wall time and peak RSS (largest single process, ru_maxrss of children)
are measured around it.
"""

import argparse
import csv
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(HERE)
VENV = os.path.join(PROJECT, ".venv")
VENV_PY = os.path.join(VENV, "bin", "python")
DEFAULT_DATA = os.path.normpath(os.path.join(PROJECT, "..", "shared", "datasets", "ira_english_posts.csv.gz"))
DEFAULT_OUT = os.path.join(PROJECT, "bench-out", "coordination")
TOOLKIT = "coordination-network-toolkit==1.5.2"
WINDOW = 60
THREADS = 2
NETWORKS = [  # (toolkit network, trollwatch kind)
    ("co_tweet", "text"),
    ("co_similar_tweet", "similar"),
    ("co_link", "link"),
    ("co_retweet", "repost"),
]

csv.field_size_limit(1 << 30)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def default_trollwatch():
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(PROJECT, "target")
    return os.path.join(target, "release", "trollwatch")


def bootstrap():
    if not os.path.exists(VENV_PY):
        log("[venv] creating " + VENV)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    ok = subprocess.run([VENV_PY, "-c", "import coordination_network_toolkit"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    if not ok:
        log("[venv] pip install " + TOOLKIT)
        subprocess.run([VENV_PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", TOOLKIT],
                       check=True)


# ------------------------------------------------------------------ the shared definitions

RT_PREFIX = re.compile(r"RT @\w+:")
URL_START = re.compile(r"(?i)https?://")
WS = re.compile(r"\s")
TRAIL = ".,;:!?'\")]}>…”’"


def repost_body(text):
    m = RT_PREFIX.match(text)
    return (text[m.end():] if m else text).strip()


def urls(text):
    """As trollwatch: http(s):// up to the next whitespace, trailing punctuation trimmed."""
    out, pos = [], 0
    while True:
        m = URL_START.search(text, pos)
        if not m:
            return out
        ws = WS.search(text, m.end())
        end = ws.start() if ws else len(text)
        url = text[m.start():end].rstrip(TRAIL)
        if len(url) > m.end() - m.start():
            out.append(url)
        pos = max(end, m.end())


def iso_seconds(ts):
    # ISO 8601 UTC with minute or second precision, e.g. 2016-09-01T13:05:00Z.
    from datetime import datetime, timezone
    ts = ts.strip().rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S" if ts.count(":") == 2 else "%Y-%m-%dT%H:%M"
    return int(datetime.strptime(ts, fmt).replace(tzinfo=timezone.utc).timestamp())


def convert(data, out_csv, limit):
    """The IRA file in the toolkit's column order; urls as a JSON list (read back by the child)."""
    n = 0
    with gzip.open(data, "rt", encoding="utf-8", newline="") as f, \
            open(out_csv, "w", encoding="utf-8", newline="") as g:
        rd = csv.DictReader(f)
        w = csv.writer(g, lineterminator="\n")
        w.writerow(["message_id", "user_id", "username", "repost_id", "reply_id", "message",
                    "timestamp", "urls"])
        for row in rd:
            if limit is not None and n >= limit:
                break
            text = row["text"]
            repost = row["post_type"] == "R" or RT_PREFIX.match(text) is not None
            rid = hashlib.sha1(repost_body(text).encode("utf-8")).hexdigest() if repost else ""
            u = [] if repost else sorted(set(urls(text)))
            w.writerow([row["id"], row["author_id"], row["author"], rid, "", text,
                        iso_seconds(row["timestamp"]), json.dumps(u)])
            n += 1
    return n


# ------------------------------------------------------------------ children

def child_toolkit(conv_csv, db, report):
    from coordination_network_toolkit import compute_networks as cn
    from coordination_network_toolkit.preprocess import preprocess_data
    from coordination_network_toolkit.similarity import MinDocSizeSimilarity

    times = {}
    t0 = time.perf_counter()

    def rows():
        with open(conv_csv, encoding="utf-8", newline="") as f:
            rd = csv.reader(f)
            next(rd)
            for r in rd:
                yield (*r[:-1], json.loads(r[-1]))

    preprocess_data(db, rows())
    times["preprocess"] = time.perf_counter() - t0
    steps = [
        ("co_tweet", lambda: cn.compute_co_tweet_network(db, WINDOW, min_edge_weight=1, n_threads=THREADS)),
        ("co_similar_tweet", lambda: cn.compute_co_similar_tweet(
            db, WINDOW, n_threads=THREADS, similarity_threshold=0.8, min_edge_weight=1,
            similarity_function=MinDocSizeSimilarity(5))),
        ("co_link", lambda: cn.compute_co_link_network(db, WINDOW, n_threads=THREADS, min_edge_weight=1)),
        ("co_retweet", lambda: cn.compute_co_retweet_parallel(db, WINDOW, n_threads=THREADS, min_edge_weight=1)),
    ]
    for name, fn in steps:
        t = time.perf_counter()
        fn()
        times[name] = time.perf_counter() - t
    with open(report, "w") as f:
        json.dump(times, f)


WRAPPER = r"""
import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL)
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
with open(sys.argv[1], "w") as f:
    json.dump({"wall": wall, "rss": rss, "code": r.returncode}, f)
"""


def run_measured(cmd, out_json):
    """Runs cmd under a fresh wrapper process; returns (wall seconds, peak RSS MB of the
    largest single process it started)."""
    subprocess.run([sys.executable, "-c", WRAPPER, out_json, *cmd], check=True)
    with open(out_json) as f:
        m = json.load(f)
    if m["code"] != 0:
        sys.exit("failed: " + " ".join(cmd))
    return m["wall"], m["rss"]


# ------------------------------------------------------------------ comparison

def toolkit_pairs(db):
    import sqlite3
    con = sqlite3.connect(db)
    out = {}
    for net, _ in NETWORKS:
        pairs = set()
        for a, b, _w in con.execute(f"select user_1, user_2, weight from {net}_network"):
            a, b = str(a), str(b)
            if a != b:
                pairs.add((min(a, b), max(a, b)))
        out[net] = pairs
    con.close()
    return out


def trollwatch_pairs(edges_csv):
    out = {k: set() for _, k in NETWORKS}
    with open(edges_csv, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["kind"] in out and r["account_a"] != r["account_b"]:
                a, b = r["account_a"], r["account_b"]
                out[r["kind"]].add((min(a, b), max(a, b)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--limit", type=int, default=None, help="first N rows only (smoke runs)")
    ap.add_argument("--only", default="toolkit,trollwatch")
    ap.add_argument("--trollwatch", default=default_trollwatch())
    ap.add_argument("--child", nargs=3, metavar=("CSV", "DB", "REPORT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_toolkit(*args.child)
        return
    only = set(args.only.split(","))
    os.makedirs(args.out, exist_ok=True)
    data = args.data
    if args.limit is not None:
        small = os.path.join(args.out, "input.csv.gz")
        with gzip.open(args.data, "rt", encoding="utf-8", newline="") as f, \
                gzip.open(small, "wt", encoding="utf-8", newline="") as g:
            for i, line in enumerate(csv.reader(f)):
                if i > args.limit:
                    break
                csv.writer(g, lineterminator="\n").writerow(line)
        data = small
    results = {}
    if "toolkit" in only:
        bootstrap()
        conv = os.path.join(args.out, "toolkit_input.csv")
        log("[toolkit] converting the input (not timed)")
        n = convert(data, conv, None)
        db = os.path.join(args.out, "toolkit.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        report = os.path.join(args.out, "toolkit_times.json")
        log(f"[toolkit] {n} rows: preprocess, co_tweet, co_similar_tweet, co_link, co_retweet")
        wall, rss = run_measured([VENV_PY, os.path.abspath(__file__), "--child", conv, db, report],
                                 os.path.join(args.out, "toolkit_run.json"))
        with open(report) as f:
            stages = json.load(f)
        results["toolkit"] = {"wall": wall, "rss": rss, "stages": stages, "pairs": toolkit_pairs(db)}
    if "trollwatch" in only:
        if not os.path.exists(args.trollwatch):
            sys.exit(f"{args.trollwatch} not found: run `cargo build --release` or pass --trollwatch")
        out_dir = os.path.join(args.out, "trollwatch")
        cmd = [args.trollwatch, "coordination", data, "--author-col", "author_id",
               "--repost-col", "post_type", "--repost-value", "R", "--window", f"{WINDOW}s",
               "--min-weight", "1", "--kinds", "all", "--out", out_dir, "--quiet"]
        log("[trollwatch] " + " ".join(cmd))
        wall, rss = run_measured(cmd, os.path.join(args.out, "trollwatch_run.json"))
        results["trollwatch"] = {"wall": wall, "rss": rss,
                                 "pairs": trollwatch_pairs(os.path.join(out_dir, "edges.csv"))}
    print()
    print(f"input: {data}" + (f" (first {args.limit} rows)" if args.limit else ""))
    print(f"{'':<18}{'wall s':>9}{'peak RSS MB':>13}" + "".join(f"{net:>18}" for net, _ in NETWORKS))
    tk, tw = results.get("toolkit"), results.get("trollwatch")
    if tk:
        print(f"{'toolkit 1.5.2':<18}{tk['wall']:>9.1f}{tk['rss']:>13.0f}"
              + "".join(f"{len(tk['pairs'][net]):>12} pairs" for net, _ in NETWORKS))
        print(f"{'  stage seconds':<18}" + "  ".join(f"{k} {v:.1f}" for k, v in tk["stages"].items()))
    if tw:
        print(f"{'trollwatch':<18}{tw['wall']:>9.1f}{tw['rss']:>13.0f}"
              + "".join(f"{len(tw['pairs'][kind]):>12} pairs" for _, kind in NETWORKS))
    if tk and tw:
        print(f"{'speed ratio':<18}{tk['wall'] / tw['wall']:>9.1f}x")
        cells = []
        for net, kind in NETWORKS:
            theirs, ours = tk["pairs"][net], tw["pairs"][kind]
            recall = len(theirs & ours) / len(theirs) if theirs else float("nan")
            cells.append(f"{100 * recall:>16.1f} %")
        print(f"{'recall of toolkit':<18}{'':>22}" + "".join(cells))
        extra = [len(tw["pairs"][kind] - tk["pairs"][net]) for net, kind in NETWORKS]
        print(f"{'trollwatch only':<18}{'':>22}" + "".join(f"{e:>12} pairs" for e in extra))
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({k: {"wall": v["wall"], "rss_mb": v["rss"], "stages": v.get("stages"),
                       "pairs": {n: len(p) for n, p in v["pairs"].items()}}
                   for k, v in results.items()}, f, indent=1)


if __name__ == "__main__":
    main()
