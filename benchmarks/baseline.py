"""The baseline target (issue 16): baseline a file, shuffle it, append 1 % new rows with planted
problems; a run with ``--baseline`` must report exactly the new rows' findings, and cost at most
1.1x a plain run of the same file.

    python benchmarks/baseline.py                      # 100k templated rows (../shared/bench/templated.py)
    python benchmarks/baseline.py --data FILE.csv      # any CSV with a header
    python benchmarks/baseline.py --select DU001,MV001 # fewer rules, quicker (--ignore too)

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
    # --no-cache: every run reads and checks every row (a warm cache would reuse a plain run whole)
    r = subprocess.run([sys.executable, "-m", "trainlint", "check", "--no-progress", "--no-cache", *args],
                       capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in (0, 1):
        sys.exit(f"trainlint failed ({r.returncode}): {r.stderr}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), r


#: sentences in another language, planted as unexpected-language rows
FOREIGN = ROOT.parent / "shared" / "data" / "lingua_sentences" / "de.txt"
#: what each new row is, in turn
KINDS = ("copy", "empty", "relabel", "one-word", "leak", "foreign")


def shuffled_with_new_rows(src: Path, out: Path, share: float, seed: int,
                           leak_from: list[str] | None = None) -> int:
    """``src`` (a CSV with a header and a ``text`` column) shuffled, then ``share`` of its rows
    appended, each with a planted problem, in turn: an exact copy of a row, a missing text, a copy
    with another label, a copy with one word changed, a leaked row (a ``train`` row moved to
    another split by the ``split`` column, or one of the texts ``leak_from``), a sentence in
    German.  Returns the number of old rows (new rows come after them)."""
    rng = random.Random(seed)
    with open(src, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    rng.shuffle(rows)
    ti = header.index("text")
    li = next((header.index(c) for c in ("label", "category") if c in header), None)
    idi = header.index("id") if "id" in header else None
    si = header.index("split") if "split" in header else None
    labels = sorted({r[li] for r in rows if r[li]}) if li is not None else []
    splits = sorted({r[si] for r in rows} - {"train"}) if si is not None else []
    train = [r for r in rows if r[si] == "train"] if splits else []
    foreign = FOREIGN.read_text(encoding="utf-8").splitlines()[:2000] if FOREIGN.exists() else []
    new = []
    for k in range(max(1, int(len(rows) * share)) if share > 0 else 0):
        r = list(rng.choice([r for r in rng.sample(rows, 20) if r[ti].strip()] or rows))
        kind = KINDS[k % len(KINDS)]
        if kind == "empty":
            r[ti] = ""
        elif kind == "relabel" and len(labels) > 1:
            r[li] = rng.choice([x for x in labels if x != r[li]])
        elif kind == "one-word":
            words = r[ti].split()
            if len(words) > 3:
                words[rng.randrange(len(words))] = "zzyzx"
            r[ti] = " ".join(words)
        elif kind == "leak" and train:
            r = list(rng.choice(train))
            r[si] = rng.choice(splits)
        elif kind == "leak" and leak_from:
            r[ti] = rng.choice(leak_from)
        elif kind == "foreign" and foreign:
            r[ti] = rng.choice(foreign)
        if idi is not None:
            r[idi] = str(10_000_000 + k)
        new.append(r)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
        w.writerows(new)
    return len(rows)


def expected(plain: list[dict], first_new: dict[str, int]) -> tuple[set, set]:
    """What a run with the baseline must report, from a plain run's JSON findings: (every finding
    about a new row, on one or pointing at one; the findings it may report: those, and the
    findings of a cluster a new row joined, such as an old row whose text a new row gave another
    label).  ``first_new``: source -> its first new row.  Findings as (code, source, row, column)."""
    def key(f: dict) -> tuple:
        return f["code"], f["source"], f["row"], f.get("column")

    def new(src: str, row: int | None) -> bool:
        return src in first_new and row is not None and row >= first_new[src]

    direct = [f for f in plain if new(f["source"], f["row"])
              or any(new(r["source"], r["row"]) for r in f.get("related") or [])]
    joined = {(f["code"], f["group"]) for f in direct if f.get("group") is not None}
    return ({key(f) for f in direct},
            {key(f) for f in direct} | {key(f) for f in plain if (f["code"], f.get("group")) in joined})


def compare(plain: list[dict], based: list[dict], first_new: dict[str, int]) -> tuple[set, set]:
    """(new rows' findings not reported, reported findings not caused by new rows)."""
    must, may = expected(plain, first_new)
    got = {(f["code"], f["source"], f["row"], f.get("column")) for f in based}
    return must - got, got - may


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="a CSV with a text column (default: 100k templated rows)")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--select", default=None)
    ap.add_argument("--ignore", default=None)
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
    sel += ["--ignore", a.ignore] if a.ignore else []
    with open(src, encoding="utf-8") as f:
        if "split" in next(csv.reader(f)):
            sel += ["--split-column", "split"]
    os.chdir(tmp)
    bl = "baseline.txt"
    t_write, r = trainlint(["data.csv", *sel, "--write-baseline", bl, "-q"])
    recorded = json.loads(trainlint(["data.csv", *sel, "--output-format", "json"])[1].stdout)["findings"]
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
    must, _may = expected(plain, {"data.csv": first_new})
    missing, extra = compare(plain, based["findings"], {"data.csv": first_new})
    acc = based["stats"].get("accepted", {}).get("baseline", {})
    ratio = t_base / t_plain
    per = size / max(1, len(recorded))
    rules = (a.select or "default") + (f" but {a.ignore}" if a.ignore else "")
    print("| rules | rows | findings recorded | baseline bytes | bytes/finding | new rows | new rows' findings | "
          "reported | hidden | unmatched | plain CPU s | --baseline CPU s | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {rules} | {first_new:,} | {len(recorded):,} | {size:,} | {per:.1f} | {int(first_new * a.share):,} | "
          f"{len(must):,} | {len(based['findings']):,} | {acc.get('hidden')} | {acc.get('unmatched')} | "
          f"{t_plain:.2f} | {t_base:.2f} | {ratio:.3f} |")
    ok = True
    if missing or extra:
        from collections import Counter

        by_rule = Counter(c for c, *_ in extra)
        print(f"MISSED: not reported {sorted(missing)[:10]}, reported but not caused by new rows "
              f"{sorted(extra)[:10]}; the latter by rule: {dict(by_rule)}")
        ok = False
    if acc.get("unmatched"):
        print(f"MISSED: {acc['unmatched']} baseline entries no longer match after a shuffle (target 0)")
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
