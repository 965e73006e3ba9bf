#!/usr/bin/env bash
# Runs every file in a folder (malformed inputs: a fuzz corpus, a scraper's rejects) through
# `train`, `evaluate`, `score --input` and `coordination`, each with and without --skip-bad-rows, and counts
# the outcomes. Every run must end with exit 0, or exit 2 with a message that names the file;
# a panic, a timeout (a hang) or any other status is listed as a failure.
#
# With --models, every file is taken for a model file instead and given to `score -m` and
# `inspect` (e.g. the model_loader corpus).
#
# With --coordination, every file is read as the `coordination` fuzz target reads it (e.g.
# its corpus): the first two bytes choose the settings (layout, repost and URL columns,
# window, smallest weight, kinds, similarity), the rest is the input, given to
# `coordination` with those settings (columns id, text, author, time, type, urls).
#
#   fuzz/sweep.sh [--models | --coordination] DIR [TROLLWATCH_BINARY]
set -uo pipefail
models=0
coord=0
if [ "${1:-}" = "--models" ]; then
    models=1
    shift
elif [ "${1:-}" = "--coordination" ]; then
    coord=1
    shift
fi
dir=${1:?usage: sweep.sh [--models | --coordination] DIR [trollwatch binary]}
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
    input=$f
    if [ "$models" -eq 1 ]; then
        runs=("score-model" "inspect")
        skips=("")
    elif [ "$coord" -eq 1 ]; then
        runs=(coordination-fuzz)
        skips=("" "--skip-bad-rows")
        read -r a b < <(od -An -tu1 -N2 "$f")
        b=${b:-0}
        case $((a & 3)) in
            0) ext=csv; copts=() ;;
            1) ext=tsv; copts=(--input-format tsv) ;;
            2) ext=jsonl; copts=(--input-format jsonl) ;;
            3) ext=csv; copts=(--input-format csv --delimiter ";") ;;
        esac
        input="$work/input.$ext"
        tail -c +3 "$f" >"$input"
        [ $((a & 8)) -ne 0 ] && copts+=(--repost-col type --repost-value R)
        [ $((a & 16)) -ne 0 ] && copts+=(--url-col urls)
        windows=(0 1 60 3600)
        copts+=(--window "${windows[$(((a >> 5) & 3))]}s" --min-weight $(((a >> 7) + 1)))
        kinds=""
        names=(text similar link domain hashtag repost)
        for k in 0 1 2 3 4 5; do
            [ $((b & (1 << k))) -ne 0 ] && kinds+="${kinds:+,}${names[$k]}"
        done
        sims=(0.5 0.8 1.0 0.8)
        tokens=(1 2 1 5)
        copts+=(--kinds "${kinds:-all}" --similarity "${sims[$((b >> 6))]}" --min-tokens "${tokens[$((b >> 6))]}")
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
                coordination-fuzz) args=(coordination "$input" --author-col author --time-col time "${copts[@]}" --out "$work/coord" -q) ;;
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
            if [ "$rc" -ne 0 ] && { [ "$rc" -ne 2 ] || ! grep -qF "$input" "$work/err"; }; then ok=0; fi
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
