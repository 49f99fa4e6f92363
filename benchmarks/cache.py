"""The incremental-lint cache (issue 17): cold run vs warm runs of the templated CSV and JSONL.

    python benchmarks/cache.py --rows 1000000        # the issue's size; --rows 200000 for a quick look

For the templated CSV and its JSONL, prints CPU seconds (user+sys of the ``trainlint check``
process) of: a cold run (``--no-cache``), the first run with the cache (cold + writing it), a warm
re-run of unchanged data, a warm run after appending 1 % rows in place (copies of the file's first
rows, read from where the cached content ended), then one after appending 1 % rows of new text (the
generator with another seed: near-duplicate candidates are found again, only pairs with a new row
are verified); and the cache's bytes per row next to the data's.  Targets: warm <= 5 % of cold,
after the append <= 10 %, cache no larger than the data.  Every warm report is checked against a
cold one (the cache must never change results).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TEMPLATED = Path(__file__).resolve().parents[1] / ".." / "shared" / "bench" / "templated.py"


def _run(data: Path, cache: Path | None, out: Path) -> float:
    cmd = [sys.executable, "-m", "trainlint", "check", str(data), "--output-format", "json",
           "--no-progress", "--isolated", "--output-file", str(out)]
    cmd += ["--cache", "--cache-dir", str(cache)] if cache else ["--no-cache"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run(cmd, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in (0, 1):
        sys.exit(f"trainlint failed: {r.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _append(data: Path, rows: int, header: bool) -> None:
    """1 % more rows, copies of the file's first rows, appended in place."""
    with open(data, "rb") as f:
        lines = [f.readline() for _ in range(rows // 100 + header)][header:]
    with open(data, "ab") as f:
        f.writelines(lines)


def _append_new(data: Path, rows: int, fmt: str, work: Path) -> None:
    """1 % more rows of new content (the generator with another seed), appended in place."""
    gen = work / f"new-{fmt}"
    if not (gen / f"data.{fmt}").exists():
        subprocess.run([sys.executable, str(TEMPLATED), "--rows", str(max(1, rows // 100)), "--seed", "99",
                        "--out", str(gen), "--formats", fmt], check=True, capture_output=True)
    lines = (gen / f"data.{fmt}").read_bytes().splitlines(keepends=True)[fmt == "csv":]
    with open(data, "ab") as f:
        f.writelines(lines)


def _bench(work: Path, fmt: str, rows: int) -> tuple[dict[str, float], int, bool]:
    data = work / f"data.{fmt}"
    cache = work / f"cache-{fmt}"
    shutil.rmtree(cache, ignore_errors=True)
    t = {}
    t["cold (--no-cache)"] = _run(data, None, work / "cold.json")
    t["first run, writing the cache"] = _run(data, cache, work / "first.json")
    t["warm, unchanged"] = _run(data, cache, work / "warm.json")
    same = (work / "warm.json").read_bytes() == (work / "cold.json").read_bytes()
    cache_bytes = _size(cache)
    _append(data, rows, fmt == "csv")
    t["warm, after appending 1 % rows"] = _run(data, cache, work / "append.json")
    t["cold after the append"] = _run(data, None, work / "append_cold.json")
    same &= (work / "append.json").read_bytes() == (work / "append_cold.json").read_bytes()
    _append_new(data, rows, fmt, work)
    t["warm, after 1 % new rows more"] = _run(data, cache, work / "new.json")
    t["cold after that"] = _run(data, None, work / "new_cold.json")
    same &= (work / "new.json").read_bytes() == (work / "new_cold.json").read_bytes()
    return t, cache_bytes, same


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--formats", default="csv,jsonl")
    ap.add_argument("--keep", default=None, help="work in this folder (the generated data is kept)")
    a = ap.parse_args()
    work = Path(a.keep or tempfile.mkdtemp(prefix="trainlint-cache-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    formats = a.formats.split(",")
    gen = work / "generated"
    if not all((gen / f"data.{f}").exists() for f in formats):
        subprocess.run([sys.executable, str(TEMPLATED), "--rows", str(a.rows), "--out", str(gen),
                        "--formats", a.formats], check=True, capture_output=True)
    for fmt in formats:
        shutil.copy(gen / f"data.{fmt}", work / f"data.{fmt}")  # appended to: a fresh copy each time
        size = os.path.getsize(work / f"data.{fmt}")
        t, cache_bytes, same = _bench(work, fmt, a.rows)
        cold = t["cold (--no-cache)"]
        print(f"\ntemplated {fmt.upper()}, {a.rows:,} rows, {size / a.rows:.0f} data bytes/row")
        print(f"{'run':34} {'CPU s':>8} {'% of cold':>10}")
        for k, v in t.items():
            print(f"{k:34} {v:8.2f} {100 * v / cold:9.1f}%")
        print(f"cache: {cache_bytes / 1e6:.1f} MB, {cache_bytes / a.rows:.0f} bytes/row (data: {size / 1e6:.1f} MB)")
        print(f"warm reports == cold reports: {same}", flush=True)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
