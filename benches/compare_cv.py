#!/usr/bin/env python3
"""Compare grouped cross-validation of trollwatch (`trollwatch evaluate`) with the same
protocol in scikit-learn, on the real troll benchmark (see benches/README-compare.md).

Usage (from the project root):
    python3 benches/compare_cv.py                          # both tools, full file
    python3 benches/compare_cv.py --only sklearn
    python3 benches/compare_cv.py --sklearn-solver lbfgs   # lbfgs instead of liblinear
    python3 benches/compare_cv.py --limit 20000 --out /tmp/cv-smoke   # quick smoke run

Folds: 5, grouped by `author` (rows with an empty author are groups of their own row),
stratified, shuffled with seed 42. The two tools draw their folds with different
algorithms, so the fold contents differ; the protocol is the same.

It reuses benches/compare.py: the same virtualenv (<project>/.venv, made by that script
if missing), the same measuring wrapper (each tool runs as the only child of a small
process that reports its wall time and peak RSS) and the same machine info. For every run
it also records the load average before/after and how many cores OTHER processes used on
average while it ran (busy CPU from /proc/stat minus the run's own CPU time).
"""

import argparse
import csv
import gzip
import json
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare as cmp  # noqa: E402  (benches/compare.py: venv, wrapper, machine info)

PROJECT = cmp.PROJECT
DEFAULT_DATA = cmp.DEFAULT_DATA
DEFAULT_OUT = cmp.DEFAULT_OUT
DEFAULT_TW = cmp.DEFAULT_TW
ALL_TOOLS = ("sklearn", "trollwatch")
FOLDS, SEED, GROUP_COL = 5, 42, "author"
BUSY_OTHER_CORES = 0.25   # warn when other processes used more than this many cores on average

log = cmp.log


def sklearn_params(solver):
    clf = "LogisticRegression(C=4, class_weight='balanced', solver=%r%s)" % (
        solver, ", max_iter=1000" if solver == "lbfgs" else "")
    return {"cv": "StratifiedGroupKFold(n_splits=%d, shuffle=True, random_state=%d), groups=%s "
                  "(empty -> 'row:<index>')" % (FOLDS, SEED, GROUP_COL),
            "vectorizer": "TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)",
            "classifier": clf}


# --------------------------------------------------------------------------- venv bootstrap

def bootstrap():
    """Like compare.bootstrap (without fastText), but re-executes THIS script."""
    if not os.path.exists(cmp.VENV_PY):
        log("[venv] creating " + cmp.VENV)
        subprocess.run([sys.executable, "-m", "venv", cmp.VENV], check=True)
    if not cmp.venv_can_import("sklearn, numpy, scipy"):
        if not cmp.pip_install("scikit-learn", "numpy", "scipy"):
            sys.exit("could not pip-install scikit-learn/numpy/scipy into " + cmp.VENV)
    os.execv(cmp.VENV_PY, [cmp.VENV_PY, os.path.abspath(__file__)] + sys.argv[1:])


# --------------------------------------------------------------------------- data

def limited_copy(data, out, limit):
    """First `limit` rows of `data` as OUT/data-first<limit>.csv.gz, so both tools read the same rows."""
    path = os.path.join(out, "data-first%d.csv.gz" % limit)
    with cmp.open_text(data) as fin, gzip.open(path + ".tmp", "wt", encoding="utf-8", newline="") as fout:
        rd = csv.reader(fin)
        w = csv.writer(fout, lineterminator="\n")
        w.writerow(next(rd))
        for i, row in enumerate(rd):
            if i >= limit:
                break
            w.writerow(row)
    os.replace(path + ".tmp", path)
    return path


# --------------------------------------------------------------------------- sklearn child

def child_sklearn_cv(data, solver, result_path):
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.pipeline import Pipeline

    t0 = time.perf_counter()
    texts, labels, groups = [], [], []
    with cmp.open_text(data) as f:
        for i, row in enumerate(csv.DictReader(f)):
            lab = row["label"].strip()
            if lab not in ("0", "1"):
                raise SystemExit("bad label %r in row %d" % (row["label"], i + 2))
            texts.append(row["text"])
            labels.append(int(lab))
            a = row[GROUP_COL]
            groups.append(a if a != "" else "row:%d" % i)
    y = np.asarray(labels, dtype=np.int8)
    X = np.asarray(texts, dtype=object)
    del texts, labels
    t1 = time.perf_counter()
    cv = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    splits = list(cv.split(X, y, groups))
    t2 = time.perf_counter()
    folds = []
    for k, (tr, te) in enumerate(splits):
        f0 = time.perf_counter()
        kw = {"max_iter": 1000} if solver == "lbfgs" else {}
        pipe = Pipeline([
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
            ("lr", LogisticRegression(C=4, class_weight="balanced", solver=solver, **kw)),
        ])
        pipe.fit(X[tr], y[tr])
        f1 = time.perf_counter()
        p = pipe.predict_proba(X[te])[:, list(pipe.classes_).index(1)]
        auc = float(roc_auc_score(y[te], p))
        f2 = time.perf_counter()
        lr = pipe.named_steps["lr"]
        folds.append({"fold": k, "n_train": int(len(tr)), "n_test": int(len(te)),
                      "test_positives": int(y[te].sum()),
                      "test_groups": len(set(groups[j] for j in te)),
                      "n_features": int(len(pipe.named_steps["tfidf"].vocabulary_)),
                      "n_iter": int(np.max(lr.n_iter_)),
                      "roc_auc": auc, "fit_s": f1 - f0, "predict_s": f2 - f1, "seconds": f2 - f0})
        log("[sklearn] fold %d: AUC %.4f, %.1f s (fit %.1f), %d train / %d test" % (
            k, auc, f2 - f0, f1 - f0, len(tr), len(te)))
        del pipe, p
    aucs = [f["roc_auc"] for f in folds]
    res = {"rows": int(len(y)), "positives": int(y.sum()), "negatives": int(len(y) - y.sum()),
           "groups": len(set(groups)), "read_s": t1 - t0, "split_s": t2 - t1,
           "folds": folds, "auc_mean": float(np.mean(aucs)),
           "auc_sd": float(np.std(aucs, ddof=1)) if len(aucs) > 1 else 0.0,
           "self_peak_rss_mb": cmp.self_rss_mb()}
    with open(result_path, "w") as f:
        json.dump(res, f, indent=1)
    print("CHILD_DONE", flush=True)


# --------------------------------------------------------------------------- load

def cpu_busy_s():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest is already inside user)
    return (v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)) / os.sysconf("SC_CLK_TCK")


def uptime_line():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def wait_quiet(max_s, window=5.0):
    """Wait (at most max_s seconds) until the machine's busy CPU over a `window`-second sample
    is below BUSY_OTHER_CORES cores (we run nothing meanwhile, so all of it is someone else's)."""
    t_end = time.time() + max_s
    while True:
        b0 = cpu_busy_s()
        time.sleep(window)
        busy = (cpu_busy_s() - b0) / window
        if busy < BUSY_OTHER_CORES:
            return busy
        if time.time() >= t_end:
            log("[load] still busy (%.2f cores) after waiting %.0f s; running anyway" % (busy, max_s))
            return busy
        log("[load] machine busy (%.2f cores used by others: %s); waiting" % (busy, uptime_line()))
        time.sleep(25)


def measured_with_load(cmd, label, stdout_file=None):
    """compare.measured() plus the machine's load before, after and (other processes) during."""
    load_before, up_before = os.getloadavg(), uptime_line()
    b0, t0 = cpu_busy_s(), time.perf_counter()
    res = cmp.measured(cmd, stdout_file=stdout_file, label=label)
    b1, t1 = cpu_busy_s(), time.perf_counter()
    own = res["user_s"] + res["sys_s"]
    other = max(0.0, (b1 - b0) - own) / (t1 - t0)
    res["load"] = {"loadavg_before": [round(x, 2) for x in load_before],
                   "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                   "uptime_before": up_before, "uptime_after": uptime_line(),
                   "own_cpu_s": round(own, 1), "own_cores_avg": round(own / res["wall_s"], 2),
                   "other_cores_avg": round(other, 2)}
    log("[load] %s: load before %s, other processes used %.2f cores on average%s" % (
        label, res["load"]["loadavg_before"], other,
        "  <- BUSY: re-run this timing when the machine is quiet" if other > BUSY_OTHER_CORES else ""))
    return res


# --------------------------------------------------------------------------- the two tools

def run_sklearn(data, out, solver):
    r = {"tool": "sklearn", "status": "ok", "params": sklearn_params(solver)}
    rp = os.path.join(out, "sklearn_cv.json")
    if os.path.exists(rp):
        os.remove(rp)
    m = measured_with_load([sys.executable, os.path.abspath(__file__), "--_child", "sklearn-cv",
                            "--data", data, "--sklearn-solver", solver, "--_result", rp],
                           label="sklearn cv (%s)" % solver)
    r["run"] = m
    if m["rc"] != 0 or not os.path.exists(rp):
        r["status"] = "failed (rc=%s)" % m["rc"]
        return r
    with open(rp) as f:
        d = json.load(f)
    r["detail"] = d
    r["fold_auc"] = [f["roc_auc"] for f in d["folds"]]
    r["fold_s"] = [f["seconds"] for f in d["folds"]]
    r["auc_mean"], r["auc_sd"] = d["auc_mean"], d["auc_sd"]
    return r


def run_trollwatch(binary, data, out, extra):
    r = {"tool": "trollwatch", "status": "ok", "binary": binary}
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        r["status"] = "unavailable (no binary at %s)" % binary
        log("[trollwatch] " + r["status"])
        return r
    st = os.stat(binary)
    r["binary_mtime"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(st.st_mtime))
    r["binary_version"] = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    rep_dir = os.path.join(out, "tw-report")
    rep = os.path.join(rep_dir, "report.json")
    if os.path.exists(rep):
        os.remove(rep)  # never read a stale report
    cmd = [binary, "evaluate", data, "--folds", str(FOLDS), "--group-by", GROUP_COL, "--seed", str(SEED),
           "--report", rep_dir, "-q"] + extra
    r["command"] = " ".join(shlex.quote(c) for c in cmd)
    m = measured_with_load(cmd, label="trollwatch evaluate")
    r["run"] = m
    if m["rc"] != 0:
        r["status"] = "evaluate failed (rc=%s): %s" % (
            m["rc"], (m["stderr_tail"].strip().splitlines() or ["no stderr"])[-1][:200])
        return r
    if not os.path.exists(rep):
        r["status"] = "evaluate exited 0 but wrote no %s" % rep
        log("[trollwatch] " + r["status"])
        return r
    try:
        with open(rep) as f:
            d = json.load(f)
        roc = next(s for s in d["summary"] if s["metric"] == "roc_auc")
        r["auc_mean"], r["auc_sd"] = roc["mean"], roc["sd"]
        r["fold_auc"] = [(f.get("metrics") or {}).get("roc_auc") for f in d["folds"]]
        r["fold_s"] = [f.get("train_seconds") for f in d["folds"]]
        r["elapsed_seconds"] = d.get("elapsed_seconds")
        r["detail"] = {"data": d.get("data"), "options": d.get("options"),
                       "summary": d["summary"], "trollwatch_version": d.get("trollwatch_version"),
                       "folds": [{k: f.get(k) for k in ("repeat", "fold", "n_train", "n_test", "test_positives",
                                                        "test_groups", "n_features", "train_seconds", "note")}
                                 | {"roc_auc": (f.get("metrics") or {}).get("roc_auc"),
                                    "fit": {k: (f.get("fit") or {}).get(k) for k in ("iterations", "converged")}}
                                 for f in d["folds"]]}
    except Exception as e:
        r["status"] = "report.json unusable: %s: %s" % (type(e).__name__, e)
        log("[trollwatch] " + r["status"])
    return r


# --------------------------------------------------------------------------- report

def f4(v):
    return "-" if v is None else "%.4f" % v


def print_table(results, mi):
    hdr = ("tool", "fold ROC-AUCs", "mean ± sd AUC", "wall s", "peak RSS MB", "CPU s", "other load")
    rows = []
    for r in results:
        m = r.get("run") or {}
        ok = r["status"] == "ok"
        rows.append([r["tool"],
                     " ".join(f4(a) for a in r["fold_auc"]) if ok else "-",
                     "%.4f ± %.4f" % (r["auc_mean"], r["auc_sd"]) if ok else "-",
                     "%.1f" % m["wall_s"] if m else "-",
                     "%.0f" % m["peak_rss_mb"] if m else "-",
                     "%.1f" % (m["user_s"] + m["sys_s"]) if m else "-",
                     "%.2f" % m["load"]["other_cores_avg"] if m else "-",
                     "" if ok else "  <- " + r["status"]])
    widths = [max(len(str(x[i])) for x in [hdr] + rows) for i in range(len(hdr))]

    def line(xs):
        return "  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(xs, widths)))
    print()
    print(line(hdr))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row[:len(hdr)]) + row[len(hdr)])
    print()
    by = {r["tool"]: r for r in results}
    s, t = by.get("sklearn"), by.get("trollwatch")
    cmpres = {}
    if s and t and s["status"] == "ok" and t["status"] == "ok":
        cmpres = {"auc_diff_trollwatch_minus_sklearn": t["auc_mean"] - s["auc_mean"],
                  "wall_ratio_trollwatch_over_sklearn": t["run"]["wall_s"] / s["run"]["wall_s"],
                  "rss_ratio_trollwatch_over_sklearn": t["run"]["peak_rss_mb"] / s["run"]["peak_rss_mb"]}
        print("AUC difference (trollwatch - sklearn): %+.4f" % cmpres["auc_diff_trollwatch_minus_sklearn"])
        print("wall-time ratio (trollwatch / sklearn): %.3f   (peak RSS ratio %.2f)" % (
            cmpres["wall_ratio_trollwatch_over_sklearn"], cmpres["rss_ratio_trollwatch_over_sklearn"]))
    print("sd is the sample sd (n-1) over folds for both tools. wall/RSS are the whole process "
          "(start, reading the CSV, all folds). 'other load' = cores used by other processes on average "
          "during the run (> %.2f: contended, re-run)." % BUSY_OTHER_CORES)
    for r in results:
        d = r.get("detail")
        if r["status"] != "ok" or not d:
            continue
        if r["tool"] == "sklearn":
            print("  sklearn: %d rows, %d groups; read %.1f s, split %.1f s; per fold s: %s; n_features: %s" % (
                d["rows"], d["groups"], d["read_s"], d["split_s"],
                " ".join("%.1f" % f["seconds"] for f in d["folds"]),
                " ".join(str(f["n_features"]) for f in d["folds"])))
        else:
            dd = d.get("data") or {}
            print("  trollwatch: %s rows, %s groups; elapsed_seconds %.1f; per fold train s: %s; n_features: %s" % (
                dd.get("rows"), dd.get("groups"), r.get("elapsed_seconds") or float("nan"),
                " ".join("-" if x is None else "%.1f" % x for x in r["fold_s"]),
                " ".join(str(f.get("n_features")) for f in d["folds"])))
    for r in results:
        if r.get("run"):
            L = r["run"]["load"]
            print("  load %s: before [%s] after [%s]; own %.2f cores, others %.2f cores" % (
                r["tool"], L["uptime_before"].split("load average:")[-1].strip(),
                L["uptime_after"].split("load average:")[-1].strip(), L["own_cores_avg"], L["other_cores_avg"]))
    print("machine: %s | cpu: %s | nproc: %s | mem: %s GiB | %s" % (
        mi["uname"], mi["cpu"], mi["nproc"], mi["mem_gib"],
        ", ".join("%s %s" % (k, v) for k, v in mi["versions"].items() if v)))
    return cmpres


# --------------------------------------------------------------------------- main

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(ALL_TOOLS), help="comma list of sklearn,trollwatch")
    ap.add_argument("--data", default=DEFAULT_DATA, help="benchmark CSV(.gz) (default: %(default)s)")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output dir (default: %(default)s)")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N rows of the data file")
    ap.add_argument("--trollwatch", default=DEFAULT_TW, help="trollwatch binary (default: %(default)s)")
    # The same objective as scikit-learn's side (C = 4, class-balanced weights).
    ap.add_argument("--tw-args", default="--c 4 --class-weight balanced",
                    help="args for `trollwatch evaluate` (one shell-quoted string; default: %(default)s)")
    ap.add_argument("--sklearn-solver", default="liblinear", choices=("liblinear", "lbfgs"),
                    help="LogisticRegression solver (lbfgs gets max_iter=1000) (default: %(default)s)")
    ap.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                    help="before each run, wait up to SECONDS for other processes to use < %.2f cores" % BUSY_OTHER_CORES)
    ap.add_argument("--retries", type=int, default=0,
                    help="re-run a tool up to N times when other processes used > %.2f cores during its run; "
                         "the least contended attempt is reported (default: 0)" % BUSY_OTHER_CORES)
    ap.add_argument("--_child", help=argparse.SUPPRESS)
    ap.add_argument("--_result", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def main():
    args = parse_args(sys.argv[1:])
    if args._child:
        return child_sklearn_cv(args.data, args.sklearn_solver, args._result)
    only = [t.strip() for t in args.only.split(",") if t.strip()]
    bad = [t for t in only if t not in ALL_TOOLS]
    if bad or not only:
        sys.exit("bad --only %r (choose from %s)" % (args.only, ",".join(ALL_TOOLS)))
    if not cmp.in_venv():
        bootstrap()  # does not return
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    mi = cmp.machine_info()
    data = os.path.abspath(args.data)
    if args.limit is not None:
        data = limited_copy(data, out, args.limit)
        log("[data] first %d rows -> %s" % (args.limit, data))

    results = []
    for tool in ALL_TOOLS:  # always one after the other, never at the same time
        if tool not in only:
            continue
        attempts = []
        for _ in range(args.retries + 1):
            if args.wait_quiet > 0:
                wait_quiet(args.wait_quiet)
            if tool == "sklearn":
                r = run_sklearn(data, out, args.sklearn_solver)
            else:
                r = run_trollwatch(args.trollwatch, data, out, shlex.split(args.tw_args))
            attempts.append(r)
            if r["status"] != "ok" or r["run"]["load"]["other_cores_avg"] <= BUSY_OTHER_CORES:
                break
            log("[load] %s ran on a busy machine; %s" % (
                tool, "re-running" if len(attempts) <= args.retries else "no retries left"))
        best = min(attempts, key=lambda a: (a.get("run") or {}).get("load", {}).get("other_cores_avg", 0))
        if len(attempts) > 1:
            best["attempts"] = [{"wall_s": a["run"]["wall_s"], "peak_rss_mb": a["run"]["peak_rss_mb"],
                                 "auc_mean": a.get("auc_mean"), "load": a["run"]["load"]} for a in attempts]
        results.append(best)

    cmpres = print_table(results, mi)
    report = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command": " ".join(shlex.quote(a) for a in sys.argv),
              "machine": mi, "data": data, "limit": args.limit,
              "protocol": {"folds": FOLDS, "seed": SEED, "group_by": GROUP_COL},
              "params": {"sklearn": sklearn_params(args.sklearn_solver), "trollwatch_extra_args": args.tw_args},
              "results": results, "comparison": cmpres}
    p = os.path.join(out, "compare_cv.json")
    with open(p, "w") as f:
        json.dump(report, f, indent=1)
    print("wrote " + p)


if __name__ == "__main__":
    main()
