#!/usr/bin/env bash
# Runs every command over the demo data and, where ../shared/datasets exists, a 60,000-post
# real sample, and writes the SHA-256 of every output (models, scores, out-of-fold files,
# reports, coordination sets, the commands' stdout) to OUT/manifest.txt. Two builds give the
# same outputs when their manifests are equal:
#
#   bash benches/identical.sh target/release /tmp/before    # on the old build
#   bash benches/identical.sh target/release /tmp/after     # on the new build
#   diff /tmp/before/manifest.txt /tmp/after/manifest.txt
#
# Timings are printed to stderr only, and SOURCE_DATE_EPOCH fixes the training date, so the
# outputs depend on the data, the options and the code alone.
set -euo pipefail
bin=$(cd "${1:?usage: identical.sh BIN_DIR OUT}" && pwd)
out=${2:?usage: identical.sh BIN_DIR OUT}
root=$(cd "$(dirname "$0")/.." && pwd)
tw="$bin/trollwatch"
export SOURCE_DATE_EPOCH=1764892800
rm -rf "$out"
mkdir -p "$out/demo" "$out/real"
out=$(cd "$out" && pwd)
demo=$root/datasets/demo.csv
cd "$out/demo"
run() { # run NAME ARGS…: stdout to NAME.out, stderr to NAME.err (not compared)
    local name=$1
    shift
    "$@" >"$name.out" 2>"$name.err" || {
        echo "failed ($?): $*" >&2
        cat "$name.err" >&2
        exit 1
    }
}

# Two classes, several classes, coordination features and an account model.
run train-bin "$tw" train "$demo" --out bin.model -q
run train-multi "$tw" train "$demo" --label-col category --out multi.model -q
run train-ovr "$tw" train "$demo" --label-col category --multiclass ovr --out ovr.model -q
run train-coord "$tw" train "$demo" --features text,coordination --account-model --out coord.model -q
run train-cv "$tw" train "$demo" --cv 3 --out cv.model -q
for m in bin multi ovr coord cv; do run "inspect-$m" "$tw" inspect "$m.model"; done
run inspect-bundled "$tw" inspect "$root/models/trollwatch-en.model"

# Scores in every format, with explanations, by account, and with the bundled model.
for f in csv jsonl table; do
    run "score-bin-$f" "$tw" score --model bin.model --input "$demo" --format "$f" --explain 3
    run "score-multi-$f" "$tw" score --model multi.model --input "$demo" --format "$f" --explain 3
    run "score-bundled-$f" "$tw" score --model "$root/models/trollwatch-en.model" --input "$demo" --format "$f" --explain 2
done
run score-ovr "$tw" score --model ovr.model --input "$demo" --format jsonl --explain 2
run score-coord "$tw" score --model coord.model --input "$demo" --format jsonl --explain 2
run score-by-author "$tw" score --model coord.model --input "$demo" --by author
run score-by-author-bin "$tw" score --model bin.model --input "$demo" --by author --time-col timestamp --skip-bad-rows
run score-args "$tw" score --model bin.model "Share this before it gets deleted! #WakeUpAmerica" "Lovely day"
run score-prior "$tw" score --model "$root/models/trollwatch-en.model" --input "$demo" --prior 0.1
run score-binary "$bin/trollwatch-score" --model bin.model --input "$demo"

# Cross-validation: out-of-fold files and reports.
run eval-bin "$tw" evaluate "$demo" --folds 5 --group-by author --oof eval-bin.oof.csv --report eval-bin -q
run eval-rows "$tw" evaluate "$demo" --folds 4 --oof eval-rows.oof.csv -q
run eval-multi "$tw" evaluate "$demo" --label-col category --folds 5 --group-by author --oof eval-multi.oof.csv --report eval-multi -q
run eval-ovr "$tw" evaluate "$demo" --label-col category --multiclass ovr --folds 3 --report eval-ovr -q
run eval-coord "$tw" evaluate "$demo" --features text,coordination --folds 3 --group-by author --report eval-coord -q
run tune "$tw" tune "$demo" --c 0.25,1,4 --folds 3 --group-by author --report tune --out tuned.model -q
run coordination "$tw" coordination "$demo" --out coord -q
run generate "$tw" generate --posts 500 --seed 7

# The real sample: 40,000 troll-benchmark posts and 20,000 ordinary political posts.
data=$root/../shared/datasets
if [ -d "$data" ]; then
    cd "$out/real"
    gzip -dc "$data/troll_benchmark.csv.gz" | head -n 40001 >bench.csv || true
    gzip -dc "$data/ordinary_political.csv.gz" | head -n 20001 >ordinary.csv || true
    gzip -dc "$data/ira_english_posts.csv.gz" | head -n 60001 >ira.csv || true
    run train "$tw" train bench.csv ordinary.csv --out real.model -q
    run inspect "$tw" inspect real.model
    run train-multi "$tw" train bench.csv --label-col category --labels RightTroll,LeftTroll,NewsFeed,HashtagGamer,Fearmonger,Commercial --out multi.model -q
    run score "$tw" score --model real.model --input ordinary.csv --format jsonl --explain 3
    run score-multi "$tw" score --model multi.model --input bench.csv --format csv
    run eval "$tw" evaluate bench.csv ordinary.csv --folds 5 --group-by author,source --oof eval.oof.csv --report eval -q
    run eval-multi "$tw" evaluate bench.csv --label-col category --labels RightTroll,LeftTroll,NewsFeed,HashtagGamer,Fearmonger,Commercial --folds 5 --group-by author --report eval-multi -q
    run coordination "$tw" coordination ira.csv --skip-bad-rows --repost-col post_type --repost-value R --out coord -q
    run by-author "$tw" score --model real.model --input ira.csv --by author --time-col timestamp --skip-bad-rows
    rm bench.csv ordinary.csv ira.csv
else
    echo "no $data: the real sample is skipped" >&2
fi

cd "$out"
find . -type f ! -name '*.err' ! -name manifest.txt -print0 | sort -z | xargs -0 sha256sum >manifest.txt
echo "$(wc -l <manifest.txt) outputs hashed in $out/manifest.txt" >&2
