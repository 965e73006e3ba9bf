#!/usr/bin/env python3
"""Write a timeline N times the size of the input, as N copies that never interact.

Copy k (0-based) keeps every post but renames its accounts (`author~k`, `author_id~k`), its ids
(`id~k`) and shifts its times by 8k years, so its posts are more than a coordination window away
from every other copy's (the IRA timeline spans 2012-2018, under 8 years; 8 keeps 29 February
valid). Coordination on the result must find exactly N times the edges of one copy: anything
more than N times the time or memory is the tool's own growth, not the data's.

    python3 benches/scale_timeline.py ../shared/datasets/ira_english_posts.csv.gz 5 /tmp/ira5.csv.gz

Plain CSV when the output name does not end in .gz.
"""

import csv
import gzip
import sys


def shift(stamp: str, years: int) -> str:
    if years == 0:
        return stamp
    if len(stamp) >= 4 and stamp[:4].isdigit():
        return f"{int(stamp[:4]) + years:04d}{stamp[4:]}"
    # Unix seconds: 8 years of 365.25 days
    return str(int(float(stamp)) + int(years * 365.25 * 86400))


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, copies, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    opener = gzip.open if src.endswith(".gz") else open
    with opener(src, "rt", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    renamed = [col[c] for c in ("id", "author", "author_id") if c in col]
    t = col["timestamp"]
    out = gzip.open(dst, "wt", newline="", encoding="utf-8", compresslevel=3) if dst.endswith(".gz") \
        else open(dst, "w", newline="", encoding="utf-8")
    with out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(header)
        for k in range(copies):
            for row in body:
                if k:
                    row = list(row)
                    for i in renamed:
                        row[i] = f"{row[i]}~{k}"
                    row[t] = shift(row[t], 8 * k)
                w.writerow(row)
    print(f"{dst}: {copies} copies of {len(body):,} posts = {copies * len(body):,}", file=sys.stderr)


if __name__ == "__main__":
    main()
