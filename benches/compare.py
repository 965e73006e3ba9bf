#!/usr/bin/env python3
"""Compare trollwatch with scikit-learn and fastText on a held-out split of the
real troll benchmark (see benches/README-compare.md).

Usage (from the project root):
    python3 benches/compare.py                      # all contenders, full file
    python3 benches/compare.py --only sklearn,fasttext
    python3 benches/compare.py --limit 20000        # quick smoke run

The script bootstraps a virtualenv at <project>/.venv (scikit-learn, numpy, scipy and,
if PyPI has a wheel that installs, fasttext-wheel) and re-executes itself inside it.
Every contender runs as its own subprocess under a small wrapper process that reports
the wall time and the peak RSS (ru_maxrss of its only child) of exactly that run.
"""

import argparse
import csv
import gzip
import json
import os
import platform
import shlex
import subprocess
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(HERE)
VENV = os.path.join(PROJECT, ".venv")
VENV_PY = os.path.join(VENV, "bin", "python")
DEFAULT_DATA = os.path.normpath(os.path.join(PROJECT, "..", "shared", "datasets", "troll_benchmark.csv.gz"))
DEFAULT_OUT = os.path.join(PROJECT, "bench-out")
DEFAULT_TW = os.path.join(PROJECT, "target", "release", "trollwatch")
FASTTEXT_MARK = os.path.join(VENV, ".fasttext-unavailable")
ALL_TOOLS = ("sklearn", "fasttext", "trollwatch")

# Held-out split: authors never seen in training, ordinary posts from other sources.
TEST_AUTHOR_MOD = 5          # positive goes to TEST iff crc32(author) % 5 == 0
TEST_NEG_SOURCES = ("tweeteval_hate", "tweeteval_sentiment")

SKLEARN_PARAMS = {
    "vectorizer": "TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)",
    "classifier": "LogisticRegression(C=4, solver='liblinear')",
}
FASTTEXT_PARAMS = {"wordNgrams": 2, "epoch": 5, "thread": 2, "lr": "default (0.1)",
                   "preprocessing": "lowercased, newlines replaced by spaces"}

csv.field_size_limit(1 << 30)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- venv bootstrap

def in_venv():
    return os.path.realpath(sys.prefix) == os.path.realpath(VENV)


def venv_can_import(mod):
    r = subprocess.run([VENV_PY, "-c", "import " + mod], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0


def pip_install(*pkgs):
    log("[venv] pip install " + " ".join(pkgs))
    r = subprocess.run([VENV_PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", *pkgs])
    return r.returncode == 0


def bootstrap(want_fasttext, retry_fasttext):
    if not os.path.exists(VENV_PY):
        log("[venv] creating " + VENV)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    if not venv_can_import("sklearn, numpy, scipy"):
        if not pip_install("scikit-learn", "numpy", "scipy"):
            sys.exit("could not pip-install scikit-learn/numpy/scipy into " + VENV)
    if want_fasttext and not venv_can_import("fasttext"):
        if retry_fasttext and os.path.exists(FASTTEXT_MARK):
            os.remove(FASTTEXT_MARK)
        if not os.path.exists(FASTTEXT_MARK):
            ok = pip_install("fasttext-wheel") and venv_can_import("fasttext")
            if not ok:
                ok = pip_install("fasttext") and venv_can_import("fasttext")
            if not ok:
                log("[venv] fastText could not be installed; its rows will say 'unavailable'")
                with open(FASTTEXT_MARK, "w") as f:
                    f.write("pip install fasttext-wheel / fasttext failed; delete this file or pass --retry-fasttext\n")
    os.execv(VENV_PY, [VENV_PY, os.path.abspath(__file__)] + sys.argv[1:])


# --------------------------------------------------------------------------- split

def open_text(path):
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, "r", encoding="utf-8", newline="")


def is_test(row):
    if row["label"] == "1":
        return zlib.crc32(row["author"].encode("utf-8")) % TEST_AUTHOR_MOD == 0
    return row["source"] in TEST_NEG_SOURCES


def make_split(data, out, limit, force):
    train_p = os.path.join(out, "train.csv.gz")
    test_p = os.path.join(out, "test.csv")
    man_p = os.path.join(out, "split.json")
    st = os.stat(data)
    key = {"data": os.path.abspath(data), "size": st.st_size, "mtime": int(st.st_mtime), "limit": limit,
           "rule": "label1: crc32(author)%%%d==0; label0: source in %s" % (TEST_AUTHOR_MOD, list(TEST_NEG_SOURCES))}
    if not force and os.path.exists(man_p) and os.path.exists(train_p) and os.path.exists(test_p):
        with open(man_p) as f:
            man = json.load(f)
        if man.get("key") == key:
            log("[split] reusing existing split in %s (--resplit to rebuild)" % out)
            return man
    t0 = time.perf_counter()
    counts = {"train": {"0": 0, "1": 0}, "test": {"0": 0, "1": 0}}
    by_source = {"train": {}, "test": {}}
    authors = {"train": set(), "test": set()}
    with open_text(data) as fin, \
            gzip.open(train_p + ".tmp", "wt", encoding="utf-8", newline="", compresslevel=6) as ftr, \
            open(test_p + ".tmp", "w", encoding="utf-8", newline="") as fte:
        rd = csv.DictReader(fin)
        wtr = csv.writer(ftr, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        wte = csv.writer(fte, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        wtr.writerow(["id", "label", "text"])
        wte.writerow(["id", "label", "text"])
        for i, row in enumerate(rd):
            if limit is not None and i >= limit:
                break
            lab = row["label"].strip()
            if lab not in ("0", "1"):
                raise SystemExit("bad label %r in row %d" % (row["label"], i + 2))
            row["label"] = lab
            part = "test" if is_test(row) else "train"
            (wte if part == "test" else wtr).writerow([row["id"], lab, row["text"]])
            counts[part][lab] += 1
            by_source[part][row["source"]] = by_source[part].get(row["source"], 0) + 1
            if lab == "1":
                authors[part].add(row["author"])
    os.replace(train_p + ".tmp", train_p)
    os.replace(test_p + ".tmp", test_p)
    man = {"key": key, "seconds": round(time.perf_counter() - t0, 1),
           "train": {"rows": sum(counts["train"].values()), "label0": counts["train"]["0"],
                     "label1": counts["train"]["1"], "authors": len(authors["train"]),
                     "by_source": by_source["train"]},
           "test": {"rows": sum(counts["test"].values()), "label0": counts["test"]["0"],
                    "label1": counts["test"]["1"], "authors": len(authors["test"]),
                    "by_source": by_source["test"]},
           "author_overlap": len(authors["train"] & authors["test"])}
    with open(man_p, "w") as f:
        json.dump(man, f, indent=1)
    return man


def read_id_label_text(path):
    ids, labels, texts = [], [], []
    with open_text(path) as f:
        rd = csv.reader(f)
        hdr = next(rd)
        assert hdr[:3] == ["id", "label", "text"], hdr
        for r in rd:
            ids.append(r[0])
            labels.append(int(r[1]))
            texts.append(r[2])
    return ids, labels, texts


def write_scores(path, ids, scores):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "score"])
        for i, s in zip(ids, scores):
            w.writerow([i, repr(float(s))])


def self_rss_mb():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


# --------------------------------------------------------------------------- children (run in venv)

def child_sklearn_train(out):
    import pickle
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    t0 = time.perf_counter()
    _, y, X = read_id_label_text(os.path.join(out, "train.csv.gz"))
    t1 = time.perf_counter()
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    M = vec.fit_transform(X)
    t2 = time.perf_counter()
    clf = LogisticRegression(C=4, solver="liblinear")
    clf.fit(M, y)
    t3 = time.perf_counter()
    if hasattr(vec, "stop_words_"):
        del vec.stop_words_  # the pruned-term set is only diagnostic and large; keep it out of the pickle
    pipe = Pipeline([("tfidf", vec), ("lr", clf)])
    mp = os.path.join(out, "sklearn.pkl")
    with open(mp, "wb") as f:
        pickle.dump(pipe, f, protocol=pickle.HIGHEST_PROTOCOL)
    t4 = time.perf_counter()
    return {"read_s": t1 - t0, "vectorize_s": t2 - t1, "fit_s": t3 - t2, "save_s": t4 - t3,
            "n_train": len(y), "n_features": int(M.shape[1]), "nnz": int(M.nnz),
            "model_bytes": os.path.getsize(mp), "self_peak_rss_mb": self_rss_mb()}


def child_sklearn_score(out):
    import pickle
    t0 = time.perf_counter()
    with open(os.path.join(out, "sklearn.pkl"), "rb") as f:
        pipe = pickle.load(f)
    t1 = time.perf_counter()
    ids, _, X = read_id_label_text(os.path.join(out, "test.csv"))
    t2 = time.perf_counter()
    p = pipe.predict_proba(X)[:, list(pipe.classes_).index(1)]
    t3 = time.perf_counter()
    write_scores(os.path.join(out, "sklearn.scores.csv"), ids, p)
    t4 = time.perf_counter()
    n = len(ids)
    return {"load_model_s": t1 - t0, "read_s": t2 - t1, "predict_proba_s": t3 - t2, "write_s": t4 - t3,
            "n_test": n, "posts_per_s_predict": n / (t3 - t2),
            "posts_per_s_load_read_predict": n / (t3 - t0), "self_peak_rss_mb": self_rss_mb()}


def ft_clean(s):
    return " ".join(s.lower().split())


def child_fasttext_train(out):
    import fasttext
    t0 = time.perf_counter()
    _, y, X = read_id_label_text(os.path.join(out, "train.csv.gz"))
    tp = os.path.join(out, "fasttext.train.txt")
    with open(tp, "w", encoding="utf-8") as f:
        for lab, t in zip(y, X):
            f.write("__label__%d %s\n" % (lab, ft_clean(t)))
    del X, y
    t1 = time.perf_counter()
    model = fasttext.train_supervised(input=tp, wordNgrams=2, epoch=5, thread=2, verbose=0)
    t2 = time.perf_counter()
    mp = os.path.join(out, "fasttext.bin")
    model.save_model(mp)
    t3 = time.perf_counter()
    return {"prep_s": t1 - t0, "fit_s": t2 - t1, "save_s": t3 - t2, "n_words": len(model.words),
            "model_bytes": os.path.getsize(mp), "self_peak_rss_mb": self_rss_mb()}


def child_fasttext_score(out):
    import fasttext
    t0 = time.perf_counter()
    model = fasttext.load_model(os.path.join(out, "fasttext.bin"))
    t1 = time.perf_counter()
    ids, _, X = read_id_label_text(os.path.join(out, "test.csv"))
    X = [ft_clean(t) for t in X]
    t2 = time.perf_counter()
    # model.predict() breaks under numpy 2 (np.array(copy=False)); call the C++ binding directly.
    all_labels, all_probs = model.f.multilinePredict(X, -1, 0.0, "strict")
    p = []
    for labs, probs in zip(all_labels, all_probs):
        d = dict(zip(labs, probs))
        p.append(float(d.get("__label__1", 0.0)))
    t3 = time.perf_counter()
    write_scores(os.path.join(out, "fasttext.scores.csv"), ids, p)
    t4 = time.perf_counter()
    n = len(ids)
    return {"load_model_s": t1 - t0, "read_s": t2 - t1, "predict_s": t3 - t2, "write_s": t4 - t3,
            "n_test": n, "posts_per_s_predict": n / (t3 - t2),
            "posts_per_s_load_read_predict": n / (t3 - t0), "self_peak_rss_mb": self_rss_mb()}


CHILDREN = {"sklearn-train": child_sklearn_train, "sklearn-score": child_sklearn_score,
            "fasttext-train": child_fasttext_train, "fasttext-score": child_fasttext_score}


def child_main(kind, out):
    res = CHILDREN[kind](out)
    print("CHILD_JSON " + json.dumps(res), flush=True)


# --------------------------------------------------------------------------- measuring wrapper

def wrap_main(stdout_file, cmd):
    """Run cmd as our only child; report its wall time and peak RSS as JSON on our stdout."""
    import resource
    fout = open(stdout_file, "wb") if stdout_file else subprocess.PIPE
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=fout, stderr=subprocess.PIPE)
    so, se = p.communicate()
    wall = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = {"rc": p.returncode, "wall_s": wall, "peak_rss_mb": ru.ru_maxrss / 1024.0,
           "user_s": ru.ru_utime, "sys_s": ru.ru_stime,
           "stderr_tail": se.decode("utf-8", "replace")[-3000:]}
    if so is not None:
        res["stdout_tail"] = so.decode("utf-8", "replace")[-3000:]
    print(json.dumps(res), flush=True)


def measured(cmd, stdout_file=None, label=""):
    """Run cmd through the wrapper in a fresh process; return the wrapper's JSON."""
    log("[run] %s: %s" % (label, " ".join(shlex.quote(c) for c in cmd)))
    wcmd = [sys.executable, os.path.abspath(__file__), "--_wrap"]
    if stdout_file:
        wcmd += ["--_stdout", stdout_file]
    wcmd += ["--"] + cmd
    r = subprocess.run(wcmd, stdout=subprocess.PIPE, stderr=None, check=True)
    res = json.loads(r.stdout.decode().strip().splitlines()[-1])
    for line in (res.get("stdout_tail") or "").splitlines():
        if line.startswith("CHILD_JSON "):
            res["detail"] = json.loads(line[len("CHILD_JSON "):])
    if res["rc"] != 0:
        log("[run] %s FAILED (rc=%s); stderr tail:\n%s" % (label, res["rc"], res["stderr_tail"]))
    else:
        log("[run] %s: %.1f s, peak RSS %.0f MB" % (label, res["wall_s"], res["peak_rss_mb"]))
    return res


# --------------------------------------------------------------------------- evaluation

def auc_from_scores(scores_path, test_labels):
    from sklearn.metrics import roc_auc_score
    with open(scores_path, encoding="utf-8", newline="") as f:
        rd = csv.reader(f)
        first = next(rd, None)
        if first is None:
            raise ValueError("empty output (no header, no rows)")
        hdr = [h.strip().lower() for h in first]
        if "id" not in hdr or "score" not in hdr:
            raise ValueError("score output header %r lacks id/score" % hdr)
        ii, si = hdr.index("id"), hdr.index("score")
        got = {}
        for r in rd:
            if r:
                got[r[ii]] = float(r[si])
    y, s, missing = [], [], 0
    for i, lab in test_labels.items():
        if i in got:
            y.append(lab)
            s.append(got[i])
        else:
            missing += 1
    info = {"scored_rows": len(got), "matched": len(y), "missing": missing}
    if len(set(y)) < 2:
        info["auc"] = None
        info["note"] = "only one class among matched rows"
    else:
        info["auc"] = float(roc_auc_score(y, s))
    return info


def run_python_tool(tool, out, n_test, test_labels):
    r = {"tool": tool, "status": "ok"}
    tr = measured([sys.executable, os.path.abspath(__file__), "--_child", tool + "-train", "--out", out],
                  label=tool + " train")
    r["train"] = tr
    if tr["rc"] != 0:
        r["status"] = "train failed (rc=%s)" % tr["rc"]
        return r
    sc = measured([sys.executable, os.path.abspath(__file__), "--_child", tool + "-score", "--out", out],
                  label=tool + " score")
    r["score"] = sc
    if sc["rc"] != 0:
        r["status"] = "score failed (rc=%s)" % sc["rc"]
        return r
    r["eval"] = auc_from_scores(os.path.join(out, tool + ".scores.csv"), test_labels)
    r["score_posts_per_s"] = n_test / sc["wall_s"]
    return r


def run_trollwatch(binary, extra, out, n_test, test_labels):
    r = {"tool": "trollwatch", "status": "ok", "binary": binary}
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        r["status"] = "unavailable (no binary at %s)" % binary
        log("[trollwatch] " + r["status"])
        return r
    model = os.path.join(out, "trollwatch.model")
    tr = measured([binary, "train", os.path.join(out, "train.csv.gz"), "--out", model] + extra,
                  label="trollwatch train")
    r["train"] = tr
    if tr["rc"] != 0:
        r["status"] = "train failed (rc=%s)" % tr["rc"]
        return r
    if not os.path.exists(model):
        r["status"] = "train exited 0 but wrote no model at %s" % model
        log("[trollwatch] " + r["status"])
        return r
    r["model_bytes"] = os.path.getsize(model)
    sp = os.path.join(out, "trollwatch.scores.csv")
    sc = measured([binary, "score", "--model", model, "--input", os.path.join(out, "test.csv"),
                   "--format", "csv"], stdout_file=sp, label="trollwatch score")
    r["score"] = sc
    if sc["rc"] != 0:
        r["status"] = "score failed (rc=%s)" % sc["rc"]
        return r
    try:
        r["eval"] = auc_from_scores(sp, test_labels)
    except Exception as e:  # malformed output should not kill the whole comparison
        r["status"] = "score output unusable: %s: %s" % (type(e).__name__, e)
        log("[trollwatch] " + r["status"])
        return r
    r["score_posts_per_s"] = n_test / sc["wall_s"]
    return r


# --------------------------------------------------------------------------- report

def machine_info():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout.strip() or " ".join(platform.uname())
    vers = {"python": platform.python_version()}
    for m in ("sklearn", "numpy", "scipy", "fasttext"):
        try:
            mod = __import__(m)
            vers[m] = getattr(mod, "__version__", "installed")
        except Exception:
            vers[m] = None
    if vers.get("fasttext"):
        try:
            from importlib.metadata import version
            vers["fasttext"] = version("fasttext-wheel")
        except Exception:
            pass
    return {"uname": uname, "cpu": cpu, "nproc": nproc, "mem_gib": mem, "versions": vers}


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def ratio(a, b):
    return None if (a is None or b is None or b == 0) else a / b


def print_table(results, mi):
    base = next((r for r in results if r["tool"] == "sklearn" and r["status"] == "ok"), None)

    def vals(r):
        ok = r["status"] == "ok"
        tw = r.get("train", {}).get("wall_s") if "train" in r else None
        tm = r.get("train", {}).get("peak_rss_mb") if "train" in r else None
        sw = r["score"]["wall_s"] if ok else None
        pps = r.get("score_posts_per_s") if ok else None
        auc = r["eval"]["auc"] if ok else None
        return tw, tm, sw, pps, auc

    hdr = ("tool", "train s", "train RSS MB", "score s", "score posts/s", "test ROC-AUC",
           "train s x", "RSS x", "score s x", "posts/s x", "AUC - skl")
    rows = []
    bv = vals(base) if base else (None,) * 5
    for r in results:
        tw, tm, sw, pps, auc = vals(r)
        row = [r["tool"], fmt(tw, ".1f"), fmt(tm, ".0f"), fmt(sw, ".2f"), fmt(pps, ",.0f"), fmt(auc, ".4f"),
               fmt(ratio(tw, bv[0]), ".2f"), fmt(ratio(tm, bv[1]), ".2f"), fmt(ratio(sw, bv[2]), ".2f"),
               fmt(ratio(pps, bv[3]), ".2f"),
               fmt(None if auc is None or bv[4] is None else auc - bv[4], "+.4f")]
        if r["status"] != "ok":
            row.append("  <- " + r["status"])
        rows.append(row)
    widths = [max(len(str(x[i])) for x in [hdr] + rows) for i in range(len(hdr))]
    line = lambda xs: "  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(xs, widths)))
    print()
    print(line(hdr))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row[:len(hdr)]) + (row[len(hdr)] if len(row) > len(hdr) else ""))
    print()
    print("ratios are tool / scikit-learn; wall times and peak RSS are of the whole process "
          "(interpreter start, reading the CSV, model load/save included).")
    for r in results:
        d_tr = r.get("train", {}).get("detail")
        d_sc = r.get("score", {}).get("detail")
        if d_tr or d_sc:
            parts = []
            for k, v in list((d_tr or {}).items()) + list((d_sc or {}).items()):
                if k.endswith("_s"):
                    parts.append("%s=%.2f" % (k, v))
                elif k.startswith("posts_per_s"):
                    parts.append("%s=%s" % (k, format(v, ",.0f")))
                elif k in ("n_features", "n_words", "model_bytes"):
                    parts.append("%s=%s" % (k, format(v, ",")))
            print("  %s detail: %s" % (r["tool"], ", ".join(parts)))
    print("machine: %s | cpu: %s | nproc: %s | mem: %s GiB | %s" % (
        mi["uname"], mi["cpu"], mi["nproc"], mi["mem_gib"],
        ", ".join("%s %s" % (k, v) for k, v in mi["versions"].items() if v)))


# --------------------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(ALL_TOOLS), help="comma list of sklearn,fasttext,trollwatch")
    ap.add_argument("--data", default=DEFAULT_DATA, help="benchmark CSV(.gz) (default: %(default)s)")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output dir (default: %(default)s)")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N rows of the data file")
    ap.add_argument("--trollwatch", default=DEFAULT_TW, help="trollwatch binary (default: %(default)s)")
    # scikit-learn's side is C = 4 without calibration: trollwatch is given the same objective
    # (its own two-class defaults are C = 1, source-balanced weights and a calibration step).
    ap.add_argument("--tw-train-args", default="--c 4 --class-weight balanced --calibration none --target-fpr none",
                    help="args for `trollwatch train` (one shell-quoted string; default: %(default)s)")
    ap.add_argument("--resplit", action="store_true", help="rebuild the split even if a matching one exists")
    ap.add_argument("--retry-fasttext", action="store_true", help="retry installing fastText after an earlier failure")
    ap.add_argument("--_child", help=argparse.SUPPRESS)
    ap.add_argument("--_wrap", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--_stdout", help=argparse.SUPPRESS)
    ap.add_argument("cmd", nargs="*", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main():
    args = parse_args(sys.argv[1:])
    if args._wrap:
        return wrap_main(args._stdout, args.cmd)
    if args._child:
        return child_main(args._child, os.path.abspath(args.out))
    only = [t.strip() for t in args.only.split(",") if t.strip()]
    bad = [t for t in only if t not in ALL_TOOLS]
    if bad:
        sys.exit("unknown tool(s) in --only: %s (choose from %s)" % (bad, ",".join(ALL_TOOLS)))
    if not in_venv():
        bootstrap("fasttext" in only, args.retry_fasttext)  # does not return
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    mi = machine_info()

    split = make_split(args.data, out, args.limit, args.resplit)
    for part in ("train", "test"):
        s = split[part]
        print("%-5s: %7d rows  (label 0: %6d, label 1: %6d, troll authors: %d)  sources: %s" % (
            part, s["rows"], s["label0"], s["label1"], s["authors"],
            ", ".join("%s=%d" % kv for kv in sorted(s["by_source"].items()))), flush=True)
    print("troll authors in both parts: %d (must be 0)" % split["author_overlap"], flush=True)

    ids, labels, _ = read_id_label_text(os.path.join(out, "test.csv"))
    test_labels = dict(zip(ids, labels))
    n_test = len(ids)
    del ids, labels

    results = []
    for tool in ALL_TOOLS:
        if tool not in only:
            continue
        if tool == "sklearn":
            results.append(run_python_tool("sklearn", out, n_test, test_labels))
        elif tool == "fasttext":
            try:
                import fasttext  # noqa: F401
                results.append(run_python_tool("fasttext", out, n_test, test_labels))
            except ImportError:
                log("[fasttext] unavailable (could not be installed)")
                results.append({"tool": "fasttext", "status": "unavailable"})
        else:
            results.append(run_trollwatch(args.trollwatch, shlex.split(args.tw_train_args), out, n_test,
                                          test_labels))

    print_table(results, mi)
    report = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": mi, "data": os.path.abspath(args.data),
              "limit": args.limit, "split": split,
              "params": {"sklearn": SKLEARN_PARAMS, "fasttext": FASTTEXT_PARAMS,
                         "trollwatch_train_args": args.tw_train_args},
              "results": results}
    with open(os.path.join(out, "compare.json"), "w") as f:
        json.dump(report, f, indent=1)
    print("wrote " + os.path.join(out, "compare.json"))


if __name__ == "__main__":
    main()
