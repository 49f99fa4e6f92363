"""The incremental-lint cache (issue 17): cold run vs warm runs of the templated CSV.

    python benchmarks/cache.py --rows 1000000        # the issue's size; --rows 200000 for a quick look

Prints CPU seconds (user+sys of the ``trainlint check`` process) of: a cold run (``--no-cache``),
the first run with the cache (cold + writing it), a warm re-run of unchanged data, a warm run after
appending 1 % rows; and the cache's bytes per row next to the data's.  Targets: warm <= 5 % of cold,
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--keep", default=None, help="work in this folder (data kept between runs)")
    a = ap.parse_args()
    work = Path(a.keep or tempfile.mkdtemp(prefix="trainlint-cache-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / "templated.csv"
    if not data.exists():
        subprocess.run([sys.executable, str(TEMPLATED), "--rows", str(a.rows), "--out", str(work),
                        "--formats", "csv"], check=True, capture_output=True)
        made = [p for p in work.glob("*.csv") if p != data]
        made[0].rename(data)
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    rows = sum(1 for _ in open(data, "rb")) - 1
    t = {}
    t["cold (--no-cache)"] = _run(data, None, work / "cold.json")
    t["first run, writing the cache"] = _run(data, cache, work / "first.json")
    t["warm, unchanged"] = _run(data, cache, work / "warm.json")
    same = (work / "warm.json").read_bytes() == (work / "cold.json").read_bytes()
    cache_bytes = _size(cache)
    lines = open(data, "rb").read().splitlines(keepends=True)[1:]
    with open(data, "ab") as f:
        f.writelines(lines[: max(1, rows // 100)])
    t["warm, after appending 1 % rows"] = _run(data, cache, work / "append.json")
    t["cold after the append"] = _run(data, None, work / "append_cold.json")
    same &= (work / "append.json").read_bytes() == (work / "append_cold.json").read_bytes()
    cold = t["cold (--no-cache)"]
    print(f"templated CSV, {rows:,} rows, {data.stat().st_size / rows:.0f} data bytes/row\n")
    print(f"{'run':34} {'CPU s':>8} {'% of cold':>10}")
    for k, v in t.items():
        print(f"{k:34} {v:8.2f} {100 * v / cold:9.1f}%")
    print(f"\ncache: {cache_bytes / 1e6:.1f} MB, {cache_bytes / rows:.0f} bytes/row "
          f"(data: {os.path.getsize(data) / 1e6:.1f} MB)")
    print(f"warm reports == cold reports: {same}")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
