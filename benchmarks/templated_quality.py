"""Recall and precision of the near-duplicate family on the templated benchmark (truth.json).

    python ../shared/bench/templated.py --rows 100000 --out DIR --formats csv
    trainlint check DIR/data.csv --split-column split --output-format json --output-file R.json --exit-zero
    python benchmarks/templated_quality.py DIR R.json

Planted pairs are [copy, source] rows (ids = data rows).  Recall: a planted near-duplicate is found
when the later row of its pair has a DU001/DU002/DU003 finding (a planted "case" edit is a
normalised copy, DU003's); a planted conflict when the copy has an LB001 finding; a planted leak
when the copy (the test row) has an LK001 finding.  Precision: a DU002/LB001/LK001 finding is right
when its row and related row belong to one planted group (strict).  The generator recombines 1,000
sentences, so some unplanted pairs are true near-copies (the same sentences in another order, or
a text plus a fragment of one or two words); the second precision also counts as right the pairs
whose word multisets differ by at most two words.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path


def quality(data_dir: str, report_path: str) -> dict[str, dict]:
    truth = json.loads(Path(data_dir, "truth.json").read_text())["planted"]
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for kind in ("exact_dup", "near_dup", "conflict", "leakage"):
        for pair in truth[kind]:
            parent[find(pair[0])] = find(pair[1])
    by_code: dict[str, list[dict]] = defaultdict(list)
    for f in json.loads(Path(report_path).read_text())["findings"]:
        if f.get("row") is not None:
            by_code[f["code"]].append(f)
    need = {x for c in ("DU002", "LB001", "LK001") for f in by_code[c] if f.get("related")
            for x in (f["row"], f["related"][0]["row"])}
    text: dict[int, str] = {}
    csv.field_size_limit(1 << 30)
    with open(Path(data_dir, "data.csv"), encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if int(r["id"]) in need:
                text[int(r["id"])] = r["text"]

    def words(t: str) -> Counter:
        return Counter(re.sub(r"[^\w\s]+", "", t.casefold()).split())

    def near_copy(a: int, b: int) -> bool:
        wa, wb = words(text[a]), words(text[b])
        return sum(((wa - wb) + (wb - wa)).values()) <= 2

    out = {}
    plan = {"DU002": ("near_dup", ("DU001", "DU002", "DU003"), max),
            "LB001": ("conflict", ("LB001",), lambda c, s: c),
            "LK001": ("leakage", ("LK001",), lambda c, s: c)}
    for code, (kind, finders, side) in plan.items():
        fs = [f for f in by_code[code] if f.get("related")]
        strict = sum(find(f["row"]) == find(f["related"][0]["row"]) for f in fs)
        loose = sum(find(f["row"]) == find(f["related"][0]["row"]) or near_copy(f["row"], f["related"][0]["row"])
                    for f in fs)
        flagged = {f["row"] for c in finders for f in by_code[c]}
        planted = truth[kind]
        found = sum(side(p[0], p[1]) in flagged for p in planted)
        out[code] = {"findings": len(fs), "planted": len(planted), "recall": found / max(1, len(planted)),
                     "precision": strict / max(1, len(fs)), "precision_with_true_near_copies": loose / max(1, len(fs))}
    return out


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    for code, q in quality(sys.argv[1], sys.argv[2]).items():
        print(f"{code}: {q['findings']} findings, recall {q['recall']:.4f} of {q['planted']} planted, "
              f"precision {q['precision']:.4f} (strict), {q['precision_with_true_near_copies']:.4f} "
              f"(unplanted true near-copies counted right)")


if __name__ == "__main__":
    main()
