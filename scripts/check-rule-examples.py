#!/usr/bin/env python3
"""Check that every `example` of every [[rule]] in a rules file is decided by
that rule's own id when classified with `BINARY classify --rules FILE`.

Usage:
  check-rule-examples.py BINARY RULES.toml
  check-rule-examples.py BINARY RULES.toml --compare TSV [--column diagnostic]

With --compare, also classify every text of TSV's column (default
`diagnostic`) with and without --rules RULES.toml and list the texts whose
reason changes (a false-positive check for an add-on rules file).

Exit status: 0 when all examples are decided by their own rule (and, with
--compare, nothing changed), 1 otherwise, 2 on usage errors.
"""
import argparse
import csv
import json
import subprocess
import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib


def classify(binary, texts, rules=None):
    cmd = [binary, "classify", "--format", "json"]
    if rules:
        cmd += ["--rules", rules]
    data = "".join(t + "\n" for t in texts)
    out = subprocess.run(cmd, input=data, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} exited {out.returncode}: {out.stderr.strip()}")
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    if len(rows) != len(texts):
        sys.exit(f"error: {len(texts)} texts in, {len(rows)} results out")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("rules")
    ap.add_argument("--compare", metavar="TSV")
    ap.add_argument("--column", default="diagnostic")
    args = ap.parse_args()

    with open(args.rules, "rb") as f:
        doc = tomllib.load(f)

    cases = []  # (rule id, example)
    bad = 0
    for rule in doc.get("rule", []):
        ex = rule.get("example", [])
        if isinstance(ex, str):
            ex = [ex]
        if not ex:
            print(f"NO EXAMPLE  {rule.get('id')}")
            bad += 1
        for e in ex:
            if "\n" in e:
                print(f"MULTILINE   {rule['id']}: {e!r} (cannot be passed one per line)")
                bad += 1
                continue
            cases.append((rule["id"], e))

    results = classify(args.binary, [e for _, e in cases], args.rules)
    for (rid, e), r in zip(cases, results):
        if r.get("rule") != rid:
            bad += 1
            print(f"MISMATCH    {rid}: decided by {r.get('rule')} ({r.get('reason')}): {e}")
    print(f"{len(cases)} examples in {len(doc.get('rule', []))} rules; {bad} problem(s)")

    changed = 0
    if args.compare:
        with open(args.compare, newline="", encoding="utf-8") as f:
            texts = [row[args.column] for row in csv.DictReader(f, delimiter="\t")]
        texts = [t.replace("\n", " ") for t in texts]
        base = classify(args.binary, texts)
        withr = classify(args.binary, texts, args.rules)
        for t, a, b in zip(texts, base, withr):
            if a.get("reason") != b.get("reason"):
                changed += 1
                print(f"CHANGED     {a.get('reason')} ({a.get('rule')}) -> {b.get('reason')} ({b.get('rule')}): {t[:200]}")
            elif b.get("rule", "").startswith(tuple(r["id"] for r in doc.get("rule", []))):
                print(f"SAME-REASON now by {b.get('rule')}: {t[:200]}")
        print(f"compare: {len(texts)} texts, {changed} reason change(s)")

    sys.exit(1 if bad or changed else 0)


if __name__ == "__main__":
    main()
