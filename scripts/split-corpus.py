#!/usr/bin/env python3
"""Split a labelled TSV once, by a hash of each row's diagnostic text, into the
part rules are written against and the part that is only measured.

Usage: split-corpus.py IN.tsv RULES_OUT.tsv MEASURE_OUT.tsv

A row goes to the measured part when the first byte of SHA-256 of its
diagnostic (UTF-8, as it stands in the file) is 0x99 or more: about 60% of the
texts for writing rules, 40% for measuring. Identical texts always land in the
same part, so a text seen while writing rules is never measured again. The
split depends on nothing but the text: rerunning it gives the same files."""
import csv, hashlib, sys

if len(sys.argv) != 4:
    sys.exit(__doc__)
src, rules_out, measure_out = sys.argv[1:]
with open(src, newline="") as f:
    reader = csv.reader(f, delimiter="\t")
    header = next(reader)
    rows = list(reader)
col = header.index("diagnostic")
parts = {False: [], True: []}
for row in rows:
    digest = hashlib.sha256(row[col].encode("utf-8")).digest()
    parts[digest[0] >= 0x99].append(row)
for path, part in ((rules_out, parts[False]), (measure_out, parts[True])):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(header)
        w.writerows(part)
print("%d rows: %d to write rules against, %d to measure" % (len(rows), len(parts[False]), len(parts[True])))
