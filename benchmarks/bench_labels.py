"""Conflicting labels and train/test leakage: trainlint (LB001, LK001) against pandas and deepchecks.

    python benchmarks/bench_labels.py --rows 100000 [--tools trainlint,pandas,deepchecks,textdedup]

Runs on a file of ``benchmarks/generate.py`` (made if missing: ``benchmarks/data/gen_<rows>.csv``)
whose manifest records the planted rows: ``conflicting_label`` pairs [source row, copy row] with
the same text and another label (both rows are in the conflict), and ``leakage`` pairs
[train row, test row] (the test row is the leak).  Every tool and check runs as its own
subprocess; the table gives whole-process seconds, the check's own seconds where the tool
reports it, peak RSS (the child's ru_maxrss), planted rows found, and rows flagged that were
not planted (for conflicts, every row of a conflict is a flagged row; for leakage, the test row).

trainlint runs twice per rule: with its defaults (exact after normalisation, plus near-duplicate
texts with different labels / near copies of train rows) and with ``near = false`` (exact only,
the comparison with the peers).  pandas normalises text (lower case, collapsed whitespace) and
uses groupby/nunique for conflicts and isin for leakage.  deepchecks (tabular
ConflictingLabels on the whole file, TrainTestSamplesMix on train vs test) runs in its own venv:
benchmarks/.venvs/deepchecks (made on first use, with the pins deepchecks 0.19 needs) or the
interpreter named by DEEPCHECKS_PYTHON.  text-dedup is a near-duplicate tool only: see
bench_neardup.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
VENVS = HERE / ".venvs"

# deepchecks 0.19.1 (Dec 2024) fails to import with scikit-learn >= 1.6 ('max_error' scorer),
# numpy 2 (np.Inf) and pandas 3; category-encoders >= 2.7 wants scikit-learn >= 1.6.
DEEPCHECKS_PINS = ["deepchecks==0.19.1", "scikit-learn<1.6", "pandas<2.3", "numpy<2", "category-encoders<2.7"]

_WRAP = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[2:]); "
         "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
         "sys.exit(p.returncode)")


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Seconds and peak RSS (MB) of the command's largest process, through a fresh wrapper."""
    rss_file = OUT / "labels_rss.txt"
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", _WRAP, str(rss_file)] + cmd, capture_output=True, text=True)
    secs = time.perf_counter() - t
    if p.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-2000:]}")
    return secs, int(rss_file.read_text()) / 1024, p.stdout


# -- trainlint -----------------------------------------------------------------------------------
RULES = {"LB001": "conflicting-label", "LK001": "split-leakage"}


def run_trainlint(path: Path, codes: list[str], near: bool) -> tuple[float, float, dict[str, set[int]]]:
    out = OUT / f"labels_trainlint_{'_'.join(codes)}_{'near' if near else 'exact'}.json"
    cmd = [sys.executable, "-m", "trainlint", "check", str(path), "--select", ",".join(codes),
           "--split-column", "split", "--output-format", "json", "--output-file", str(out)]
    cfg = OUT / "bench_labels.toml"
    cfg.write_text("".join(f"[tool.trainlint.rules.{RULES[c]}]\nnear = {'true' if near else 'false'}\n"
                           for c in codes))
    cmd += ["--config", str(cfg)]
    secs, rss, _ = timed(cmd)
    rep = json.loads(out.read_text())
    flagged: dict[str, set[int]] = {c: set() for c in codes}
    for f in rep["findings"]:
        if f["code"] in flagged:
            flagged[f["code"]].add(f["row"])
    return secs, rss, flagged


# -- pandas --------------------------------------------------------------------------------------
PANDAS_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
import pandas as pd
path, check, out = sys.argv[1], sys.argv[2], sys.argv[3]
df = pd.read_csv(path, usecols=["id", "text", "label", "split"])
t1 = time.perf_counter()
df = df[df["text"].notna() & df["label"].notna()]
norm = df["text"].str.lower().str.split().str.join(" ")
keep = norm.str.len() > 0
df, norm = df[keep], norm[keep]
if check == "conflicts":
    n = df.groupby(norm)["label"].transform("nunique")
    rows = df.loc[n > 1, "id"]
else:
    train = set(norm[df["split"] == "train"])
    test = df["split"] == "test"
    rows = df.loc[test & norm.isin(train), "id"]
t2 = time.perf_counter()
json.dump({"rows": rows.astype(int).tolist(), "read_s": t1 - t0, "check_s": t2 - t1}, open(out, "w"))
"""


def run_pandas(path: Path, check: str) -> tuple[float, float, set[int], float]:
    script = OUT / "labels_pandas.py"
    script.write_text(PANDAS_SCRIPT)
    out = OUT / f"labels_pandas_{check}.json"
    secs, rss, _ = timed([sys.executable, str(script), str(path), check, str(out)])
    res = json.loads(out.read_text())
    return secs, rss, set(res["rows"]), res["check_s"]


# -- deepchecks ----------------------------------------------------------------------------------
DEEPCHECKS_SCRIPT = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
t0 = time.perf_counter()
import pandas as pd
from deepchecks.tabular import Dataset
from deepchecks.tabular.checks import ConflictingLabels, TrainTestSamplesMix
path, check, out = sys.argv[1], sys.argv[2], sys.argv[3]
df = pd.read_csv(path, usecols=["id", "text", "label", "split"])
df = df[df["label"].notna()]  # deepchecks refuses a label column with nulls
t1 = time.perf_counter()
if check == "conflicts":
    ds = Dataset(df[["text", "label"]], label="label", features=["text"], cat_features=["text"],
                 label_type="multiclass")
    value = ConflictingLabels().run(ds, with_display=False).value
    t2 = time.perf_counter()
    rows = [int(df["id"].loc[i]) for group in value["samples_indices"] for i in group]
else:
    def dataset(split):
        part = df[df["split"] == split][["text", "label"]]
        return Dataset(part, label="label", features=["text"], cat_features=["text"], label_type="multiclass")
    value = TrainTestSamplesMix().run(dataset("train"), dataset("test"), with_display=False).value
    t2 = time.perf_counter()
    # the result lists the mixed (text, label) values; map them back to test rows
    mixed = set(zip(value["data"]["text"], value["data"]["label"]))
    test = df[df["split"] == "test"]
    rows = [int(i) for i, t, lab in zip(test["id"], test["text"], test["label"]) if (t, lab) in mixed]
json.dump({"rows": rows, "import_read_s": t1 - t0, "check_s": t2 - t1}, open(out, "w"))
"""


def deepchecks_python() -> tuple[str | None, str]:
    py = os.environ.get("DEEPCHECKS_PYTHON")
    if py:
        return py, ""
    venv = VENVS / "deepchecks"
    py = venv / "bin" / "python"
    probe = [str(py), "-W", "ignore", "-c", "from deepchecks.tabular.checks import ConflictingLabels"]
    if not py.exists() or subprocess.run(probe, capture_output=True).returncode != 0:
        try:
            if not py.exists():
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(py), "-m", "pip", "install", "-q"] + DEEPCHECKS_PINS, check=True,
                           capture_output=True, text=True, timeout=480)
        except subprocess.TimeoutExpired:
            return None, "not installable here: pip install took more than 8 minutes"
        except subprocess.CalledProcessError as e:
            last = (e.stderr or "").strip().splitlines()[-1:] or [f"exit status {e.returncode}"]
            return None, f"not installable here: {last[0]}"
        if subprocess.run(probe, capture_output=True).returncode != 0:
            return None, "not installable here: installed but does not import"
    return str(py), ""


def run_deepchecks(path: Path, check: str) -> tuple[float, float, set[int], float] | str:
    py, why = deepchecks_python()
    if py is None:
        return why
    script = OUT / "labels_deepchecks.py"
    script.write_text(DEEPCHECKS_SCRIPT)
    out = OUT / f"labels_deepchecks_{check}.json"
    try:
        secs, rss, _ = timed([py, str(script), str(path), check, str(out)])
    except RuntimeError as e:
        return f"failed: {str(e)[-300:]}"
    res = json.loads(out.read_text())
    return secs, rss, set(res["rows"]), res["check_s"]


# -- table ---------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--data", type=Path, default=None,
                    help="a generate.py CSV with its manifest (default: benchmarks/data/gen_<rows>.csv)")
    ap.add_argument("--tools", default="trainlint,pandas,deepchecks,textdedup")
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = a.data or HERE / "data" / f"gen_{a.rows // 1000}k.csv"
    manifest = Path(str(path) + ".manifest.json")
    if not (path.exists() and manifest.exists()):
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--rows", str(a.rows), "--format", "csv",
                        "--out", str(path)], check=True)
    m = json.loads(manifest.read_text())
    rows = m["rows"]
    planted = {
        "conflicts": {r for pair in m["planted"]["conflicting_label"] for r in pair[:2]},
        "leakage": {pair[1] for pair in m["planted"]["leakage"]},
    }
    table = ["| tool | check | s (process) | s (check) | peak RSS MB | planted found | extra flagged |",
             "|---|---|---|---|---|---|---|"]

    def add(tool: str, check: str, secs: float, check_s: float | None, rss: float, flagged: set[int]) -> None:
        p = planted[check]
        table.append(f"| {tool} | {check} | {secs:.1f} | {'—' if check_s is None else f'{check_s:.1f}'} | "
                     f"{rss:,.0f} | {len(flagged & p):,} / {len(p):,} | {len(flagged - p):,} |")
        print(table[-1], file=sys.stderr, flush=True)

    tools = a.tools.split(",")
    if "trainlint" in tools:
        for near in (False, True):
            mode = "exact + near" if near else "exact (near = false)"
            for code, check in (("LB001", "conflicts"), ("LK001", "leakage")):
                secs, rss, flagged = run_trainlint(path, [code], near)
                add(f"trainlint {code}, {mode}", check, secs, None, rss, flagged[code])
        secs, rss, flagged = run_trainlint(path, ["LB001", "LK001"], False)
        for code, check in (("LB001", "conflicts"), ("LK001", "leakage")):
            add("trainlint LB001+LK001 in one run, exact", check, secs, None, rss, flagged[code])
    if "pandas" in tools:
        for check in ("conflicts", "leakage"):
            secs, rss, flagged, check_s = run_pandas(path, check)
            add("pandas (normalised text: groupby nunique / isin)", check, secs, check_s, rss, flagged)
    if "deepchecks" in tools:
        for check, name in (("conflicts", "ConflictingLabels"), ("leakage", "TrainTestSamplesMix")):
            res = run_deepchecks(path, check)
            if isinstance(res, str):
                table.append(f"| deepchecks {name} | {check} | {res} | | | | |")
                print(table[-1], file=sys.stderr, flush=True)
                continue
            secs, rss, flagged, check_s = res
            add(f"deepchecks 0.19 tabular {name} (raw text)", check, secs, check_s, rss, flagged)
    if "textdedup" in tools:
        table.append("| text-dedup | conflicts, leakage | not attempted: a near-duplicate remover with no label or split check "
                     "(its near-duplicates belong in bench_neardup.py) | | | | |")
    print(f"\n{path.name}: {rows:,} rows; planted conflict rows {len(planted['conflicts']):,} "
          f"({len(m['planted']['conflicting_label']):,} pairs), planted leaked test rows "
          f"{len(planted['leakage']):,}\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
