#!/usr/bin/env python3
"""Seeds for the `reader` and `coordination` fuzz targets, made from the first rows of
datasets/demo.csv: fuzz/corpus/reader (CSV, CRLF, BOM, TSV, JSONL, plain text, an unbalanced
quote, ragged rows, Latin-1, tab-separated lines that the target makes into Parquet, each
behind several first bytes that choose the reading settings) and fuzz/corpus/coordination
(id,text,author,time,type,urls as CSV, TSV, JSONL and `;`-CSV, behind several two-byte
settings, with copied texts, reposts and shared links so that the analysis finds edges).

    python3 fuzz/make_seeds.py   # from the repository root
"""
import csv
import io
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rows = list(csv.reader(open(os.path.join(ROOT, "datasets", "demo.csv"), encoding="utf-8")))
head, body = rows[0], rows[1:]


def table(hdr, rs, delim=",", term="\n"):
    s = io.StringIO()
    w = csv.writer(s, delimiter=delim, lineterminator=term)
    w.writerow(hdr)
    w.writerows(rs)
    return s.getvalue().encode()


def flat(rs):
    return [[c.replace("\t", " ").replace("\n", " ") for c in r] for r in rs]


def jsonl(hdr, rs):
    return b"".join((json.dumps(dict(zip(hdr, r)), ensure_ascii=False) + "\n").encode() for r in rs)


def write(folder, name, data):
    path = os.path.join(ROOT, "fuzz", "corpus", folder)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), "wb") as f:
        f.write(data)


small = body[:8]
reader = {
    "csv": (table(head, small), [0x20, 0xA0, 0x24, 0x60, 0xE0, 0x28, 0x00, 0x14]),
    "crlf": (table(head, small, term="\r\n"), [0x20, 0xA0]),
    "bom": (b"\xef\xbb\xbf" + table(head, small), [0x24, 0xA4]),
    "tsv": (table(head, flat(small), delim="\t"), [0x21, 0xA1, 0x25]),
    "jsonl": (jsonl(head, small), [0x22, 0xA2, 0x26, 0x62]),
    "text": (b"".join((r[1].replace("\n", " ") + "\n").encode() for r in small), [0x23, 0x63]),
    "quote": (table(head, small)[:200] + b'"unbalanced,1\n42,after it,0\n', [0x20, 0xA0, 0x28]),
    "ragged": (b"id,text,label,author\n41,too,many,fields,x\r42,fine,1,a\r", [0x20, 0x28, 0xA8]),
    "latin1": (b"id,text,label,author\n41,caf\xe9 au lait,1,a\n42,ok,0,b\n", [0x20, 0xA8]),
}
# Plain text's selector with the columns bit (0x1C, 0x94) reads Parquet made from the lines.
reader["parquet"] = (
    table(head, flat(small), delim="\t"),
    [0x1C, 0x94],
)
for name, (data, selectors) in reader.items():
    for s in selectors:
        write("reader", f"{name}-{s:02x}", bytes([s]) + data)

cols = ["id", "text", "author", "time", "type", "urls"]
t0 = 1472688000
posts = [[r[0], r[1], r[3], str(t0 + i * 30), "", ""] for i, r in enumerate(body[:12])]
posts += [
    ["d1", body[0][1], "copycat", str(t0 + 10), "", ""],
    ["d2", "RT @x: " + body[1][1], "fan", str(t0 + 40), "R", ""],
    ["d3", body[1][1], "fan2", "2016-09-01T00:00:50Z", "R", "http://a.example/x https://bit.ly/y"],
    ["d4", "look http://a.example/x #Tag", "other", str(t0 + 20), "", "http://a.example/x"],
]
layouts = {
    0: ("csv", table(cols, posts)),
    1: ("tsv", table(cols, flat(posts), delim="\t")),
    2: ("jsonl", jsonl(cols, posts)),
    3: ("semi", table(cols, posts, delim=";")),
}
for fmt, (name, data) in layouts.items():
    for a in [0x40, 0x58, 0x7C, 0xC0, 0x20]:
        for b in [0x00, 0x01, 0x42, 0xC2, 0x20]:
            write("coordination", f"{name}-{a | fmt:02x}-{b:02x}", bytes([a | fmt, b]) + data)
