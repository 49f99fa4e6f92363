"""The baseline target (issue 16): baseline a file, shuffle it, append 1 % new rows with planted
problems; a run with ``--baseline`` must report exactly the new rows' findings, and cost at most
1.1x a plain run of the same file.

    python benchmarks/baseline.py                      # 100k templated rows (../shared/bench/templated.py)
    python benchmarks/baseline.py --data FILE.csv      # any CSV with a header
    python benchmarks/baseline.py --select DU001,MV001 # fewer rules, quicker

CPU time (user + sys of the trainlint process) is compared, one run each; differences of a few
per cent are noise on a shared machine.  Prints a table and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATED = ROOT.parent / "shared" / "bench" / "templated.py"


def trainlint(args: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    """Run the CLI; CPU seconds (user + sys) it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run([sys.executable, "-m", "trainlint", "check", "--no-progress", *args],
                       capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in (0, 1):
        sys.exit(f"trainlint failed ({r.returncode}): {r.stderr}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), r


def shuffled_with_new_rows(src: Path, out: Path, share: float, seed: int) -> int:
    """``src`` shuffled, then ``share`` of its rows appended, each with a planted problem: an exact
    copy of a row, a missing text, a copy with another label, a copy with one word changed.
    Returns the number of old rows (new rows come after them)."""
    rng = random.Random(seed)
    with open(src, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    rng.shuffle(rows)
    ti = header.index("text")
    li = header.index("label") if "label" in header else None
    idi = header.index("id") if "id" in header else None
    labels = sorted({r[li] for r in rows if li is not None and r[li]}) if li is not None else []
    new = []
    for k in range(max(1, int(len(rows) * share))):
        r = list(rng.choice([r for r in rng.sample(rows, 20) if r[ti].strip()] or rows))
        kind = k % 4
        if kind == 1:
            r[ti] = ""
        elif kind == 2 and li is not None and len(labels) > 1:
            r[li] = rng.choice([x for x in labels if x != r[li]])
        elif kind == 3:
            words = r[ti].split()
            if len(words) > 3:
                words[rng.randrange(len(words))] = "zzyzx"
            r[ti] = " ".join(words)
        if idi is not None:
            r[idi] = str(10_000_000 + k)
        new.append(r)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
        w.writerows(new)
    return len(rows)


def involved(f: dict, path: str, first_new: int) -> bool:
    """Whether a finding is about a new row: on one, or pointing at one."""
    rows = [f["row"]] if f.get("source") == path and f.get("row") is not None else []
    rows += [r["row"] for r in f.get("related") or [] if r["source"] == path]
    return any(r >= first_new for r in rows)


def new_findings(findings: list[dict], path: str, first_new: int, rows: list[list[str]],
                 old: set[tuple[str, tuple]]) -> list[dict]:
    """The findings the new rows bring: those about a new row, and the other members of their
    clusters that were no finding before (a new row with another label puts two old copies of
    its text into a conflict).  ``old``: (code, row content) of the recorded findings."""
    groups = {(f["code"], f["group"]) for f in findings
              if f.get("group") is not None and involved(f, path, first_new)}
    return [f for f in findings if involved(f, path, first_new) or
            ((f["code"], f.get("group")) in groups and (f["code"], tuple(rows[f["row"]])) not in old)]


def _rows(path: Path) -> list[list[str]]:
    csv.field_size_limit(1 << 30)
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))[1:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="a CSV with a text column (default: 100k templated rows)")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--select", default=None)
    ap.add_argument("--share", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each timed command; the least CPU counts")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="trainlint-baseline-"))
    if a.data:
        src = Path(a.data)
    else:
        subprocess.run([sys.executable, str(TEMPLATED), "--rows", str(a.rows), "--out", str(tmp / "gen"),
                        "--formats", "csv"], check=True, capture_output=True)
        src = tmp / "gen" / "data.csv"
    data = tmp / "data.csv"
    data.write_bytes(src.read_bytes())
    sel = ["--select", a.select] if a.select else []
    os.chdir(tmp)
    bl = "baseline.txt"
    t_write, r = trainlint(["data.csv", *sel, "--write-baseline", bl, "-q"])
    recorded = json.loads(trainlint(["data.csv", *sel, "--output-format", "json"])[1].stdout)["findings"]
    before = _rows(data)
    old = {(f["code"], tuple(before[r])) for f in recorded if f.get("row") is not None
           for r in [f["row"], *(x["row"] for x in f.get("related") or [])]}
    size = Path(bl).stat().st_size
    first_new = shuffled_with_new_rows(src, data, a.share, a.seed)
    t_plain = t_base = float("inf")
    for _ in range(a.repeat):  # alternated, so a busy spell on the machine hits both
        t, r_plain = trainlint(["data.csv", *sel, "--output-format", "json"])
        t_plain = min(t_plain, t)
        t, r_base = trainlint(["data.csv", *sel, "--output-format", "json", "--baseline", bl])
        t_base = min(t_base, t)
    plain = json.loads(r_plain.stdout)["findings"]
    based = json.loads(r_base.stdout)
    want = sorted((f["code"], f["row"], f.get("column")) for f in new_findings(plain, "data.csv", first_new, _rows(data), old))
    got = sorted((f["code"], f["row"], f.get("column")) for f in based["findings"])
    acc = based["stats"].get("accepted", {}).get("baseline", {})
    ratio = t_base / t_plain
    per = size / max(1, len(recorded))
    print("| rows | findings recorded | baseline bytes | bytes/finding | new rows | new rows' findings | "
          "reported | hidden | unmatched | plain CPU s | --baseline CPU s | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {first_new:,} | {len(recorded):,} | {size:,} | {per:.1f} | {int(first_new * a.share):,} | "
          f"{len(want):,} | {len(got):,} | {acc.get('hidden')} | {acc.get('unmatched')} | {t_plain:.2f} | "
          f"{t_base:.2f} | {ratio:.3f} |")
    ok = True
    if got != want:
        missing = sorted(set(want) - set(got))[:10]
        extra = sorted(set(got) - set(want))[:10]
        from collections import Counter

        by_rule = Counter(c for c, _r, _col in set(got) - set(want))
        print(f"MISSED: reported != new rows' findings; not reported {missing}, reported but old {extra}; "
              f"old findings reported, by rule: {dict(by_rule)}")
        ok = False
    if per > 40:
        print(f"MISSED: {per:.1f} bytes per finding (target <= 40)")
        ok = False
    if ratio > 1.1:
        print(f"MISSED: --baseline run {ratio:.2f}x a plain run (target <= 1.1x)")
        ok = False
    print(f"(write-baseline run {t_write:.2f} CPU s; files in {tmp})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
