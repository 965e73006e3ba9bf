#!/usr/bin/env bash
# Runs every file in a folder (malformed inputs: a fuzz corpus, a scraper's rejects) through
# `train`, `evaluate`, `score --input` and `coordination`, each with and without --skip-bad-rows, and counts
# the outcomes. Every run must end with exit 0, or exit 2 with a message that names the file;
# a panic, a timeout (a hang) or any other status is listed as a failure.
#
# With --models, every file is taken for a model file instead and given to `score -m` and
# `inspect` (e.g. the model_loader corpus).
#
#   fuzz/sweep.sh [--models] DIR [TROLLWATCH_BINARY]
set -uo pipefail
models=0
if [ "${1:-}" = "--models" ]; then
    models=1
    shift
fi
dir=${1:?usage: sweep.sh [--models] DIR [trollwatch binary]}
bin=${2:-${CARGO_TARGET_DIR:-target}/release/trollwatch}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" generate --out "$work/good.csv" --posts 200 >/dev/null
"$bin" train "$work/good.csv" --out "$work/good.model" -q
declare -A outcome
failures=0
files=0
for f in "$dir"/*; do
    [ -f "$f" ] || continue
    files=$((files + 1))
    if [ "$models" -eq 1 ]; then
        runs=("score-model" "inspect")
        skips=("")
    else
        runs=(train evaluate score coordination)
        skips=("" "--skip-bad-rows")
    fi
    for skip in "${skips[@]}"; do
        for cmd in "${runs[@]}"; do
            case $cmd in
                train) args=(train "$f" --out "$work/m.model" -q) ;;
                evaluate) args=(evaluate "$f" --folds 2 -q) ;;
                score) args=(score -m "$work/good.model" --input "$f" --format csv -q) ;;
                coordination) args=(coordination "$f" --author-col author --time-col timestamp --out "$work/coord" -q) ;;
                score-model) args=(score -m "$f" --format csv "a post #tag" "another post") ;;
                inspect) args=(inspect "$f") ;;
            esac
            [ -n "$skip" ] && args+=("$skip")
            timeout 30 "$bin" "${args[@]}" >/dev/null 2>"$work/err"
            rc=$?
            key="$cmd${skip:+ $skip} exit $rc"
            outcome[$key]=$(( ${outcome[$key]:-0} + 1 ))
            ok=1
            if grep -q panicked "$work/err"; then ok=0; fi
            if [ "$rc" -ne 0 ] && { [ "$rc" -ne 2 ] || ! grep -qF "$f" "$work/err"; }; then ok=0; fi
            if [ "$ok" -eq 0 ]; then
                failures=$((failures + 1))
                echo "FAIL: $key: $f"
                head -c 600 "$work/err"
                echo
            fi
        done
    done
done
echo "files: $files"
for k in "${!outcome[@]}"; do echo "  $k: ${outcome[$k]}"; done | sort
echo "failures: $failures"
[ "$failures" -eq 0 ]
