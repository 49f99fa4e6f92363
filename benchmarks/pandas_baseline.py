"""The pandas baseline bench.py compares against: read_csv + isna + duplicated, nothing more.

    python benchmarks/pandas_baseline.py benchmarks/data/gen_1m.csv

Prints one JSON object: rows, seconds per step, and the counts found.
"""

from __future__ import annotations

import json
import sys
import time


def main(path: str) -> None:
    t0 = time.perf_counter()
    import pandas as pd

    t1 = time.perf_counter()
    df = pd.read_csv(path)
    t2 = time.perf_counter()
    missing = int(df[["text", "label"]].isna().any(axis=1).sum())
    t3 = time.perf_counter()
    dup_rows = int(df.duplicated(subset=["text", "label"]).sum())
    t4 = time.perf_counter()
    print(json.dumps({"rows": len(df), "import_s": t1 - t0, "read_s": t2 - t1, "isna_s": t3 - t2,
                      "duplicated_s": t4 - t3, "missing_rows": missing, "duplicate_rows": dup_rows}))


if __name__ == "__main__":
    main(sys.argv[1])
