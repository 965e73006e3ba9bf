#!/bin/sh
# Multi-class check on real data: the IRA accounts' categories (RightTroll, LeftTroll,
# NewsFeed, HashtagGamer, Fearmonger, Commercial) of the troll posts in
# ../shared/datasets/troll_benchmark.csv.gz, 5 folds grouped by author (no account in two
# folds). --labels keeps those six categories and leaves out the ordinary posts
# ("ordinary") and the NonEnglish and Unknown accounts. Writes bench-out/ira-categories/.
#
# Usage (from the project root): sh benches/ira_categories.sh [path/to/trollwatch [evaluate options…]]
set -eu
tw=${1:-target/release/trollwatch}
[ $# -gt 0 ] && shift
data=../shared/datasets/troll_benchmark.csv.gz
[ -f "$data" ] || { echo "no $data: see ../shared/datasets/README.md" >&2; exit 2; }
mkdir -p bench-out
/usr/bin/time -f "wall %e s, peak RSS %M KB" "$tw" evaluate "$data" \
    --label-col category \
    --labels RightTroll,LeftTroll,NewsFeed,HashtagGamer,Fearmonger,Commercial \
    --folds 5 --group-by author --report bench-out/ira-categories "$@"
