"""Recall and precision of the near-duplicate family on the templated benchmark (truth.json).

    python ../shared/bench/templated.py --rows 100000 --out DIR --formats csv
    trainlint check DIR/data.csv --split-column split --output-format json --output-file R.json --exit-zero
    python benchmarks/templated_quality.py DIR R.json [--list]

Planted pairs are [copy, source] rows (ids = data rows).  Recall: a planted near-duplicate is found
when the later row of its pair has a DU001/DU002/DU003 finding (a planted "case" edit is a
normalised copy, DU003's); a planted conflict when the copy has an LB001 finding; a planted leak
when the copy (the test row) has an LK001 finding.  Precision: a DU002/LB001/LK001 finding is right
when its row and related row belong to one planted group (strict).  The generator recombines 1,000
sentences, so some unplanted pairs are true near-copies made by chance: two rows that share their
long sentences in order and differ by one short sentence (4-7 words) or by the fragment the 60-word
cap cuts off (1-3 words), or both (``chance_copy``), and, rarely, two foreign-language rows given
the same sentence.  The second precision also counts those as right: pairs whose word sequences
(case folded, punctuation deleted) differ in at most two contiguous blocks covering at most a fifth
of the longer text.  Each such pair is listed with ``--list``.
"""

from __future__ import annotations

import csv
import difflib
import json
import re
import sys
from collections import defaultdict
from pathlib import Path


def _words(t: str) -> list[str]:
    return re.sub(r"[^\w\s]+", "", t.casefold()).split()


def diff_blocks(a: str, b: str) -> list[tuple[str, str]]:
    """The word runs where texts ``a`` and ``b`` differ, in order (case folded, punctuation deleted)."""
    wa, wb = _words(a), _words(b)
    ops = difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes()
    return [(" ".join(wa[i1:i2]), " ".join(wb[j1:j2])) for op, i1, i2, j1, j2 in ops if op != "equal"]


def chance_copy(a: str, b: str) -> bool:
    """An unplanted true near-copy: the word sequences differ in at most two contiguous blocks (a
    sentence more at one end, a different cut at the other, or one short sentence moved: then the
    two blocks are the same words and count once) covering at most a fifth of the longer text.
    Rows that share long sentences in another order differ in a third of their words or more."""
    blocks = diff_blocks(a, b)
    longest = max(len(_words(a)), len(_words(b)), 1)
    moved = len(blocks) == 2 and {blocks[0][0], blocks[0][1]} - {""} == {blocks[1][0], blocks[1][1]} - {""}
    differ = sum(max(len(x.split()), len(y.split())) for x, y in blocks) // (2 if moved else 1)
    return len(blocks) <= 2 and differ <= 0.2 * longest


def quality(data_dir: str, report_path: str, listing: bool = False) -> dict[str, dict]:
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

    def near_copy(a: int, b: int) -> bool:
        return chance_copy(text[a], text[b])

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
        if listing:
            for f in fs:
                a, b = f["row"], f["related"][0]["row"]
                if find(a) != find(b):
                    print(f"{code} unplanted {a} ~ {b} ({f.get('extra', {}).get('similarity')}): "
                          f"{'chance near-copy' if near_copy(a, b) else 'OTHER'} {diff_blocks(text[a], text[b])}")
        out[code] = {"findings": len(fs), "planted": len(planted), "recall": found / max(1, len(planted)),
                     "precision": strict / max(1, len(fs)), "precision_with_true_near_copies": loose / max(1, len(fs))}
    return out


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--list"]
    if len(args) != 2:
        sys.exit(__doc__)
    for code, q in quality(args[0], args[1], "--list" in sys.argv).items():
        print(f"{code}: {q['findings']} findings, recall {q['recall']:.4f} of {q['planted']} planted, "
              f"precision {q['precision']:.4f} (strict), {q['precision_with_true_near_copies']:.4f} "
              f"(unplanted chance near-copies counted right)")


if __name__ == "__main__":
    main()
