#!/usr/bin/env bash
# Runs examples/spark_score.py in a fresh virtual environment: installs the package from the
# checkout and pyspark (~400 MB), and needs Java 17 (Debian: openjdk-17-jre-headless).
#   bash examples/run_spark.sh [--input FILE] [--partitions N] ...
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v java >/dev/null 2>&1; then
    echo "Java 17 is needed: apt-get install -y openjdk-17-jre-headless" >&2
    exit 1
fi
venv="${TW_SPARK_VENV:-/tmp/trollwatch-spark-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q ./python pyspark "pandas>=2.2,<3"
exec "$venv/bin/python" examples/spark_score.py --model models/trollwatch-en.model \
    --input datasets/demo.csv "$@"
