"""Near-duplicate benchmark: trainlint's near-duplicate (DU002) against datasketch MinHashLSH.

    python benchmarks/bench_neardup.py --rows 100000 [--tools trainlint,trainlint-j2,datasketch]

Generates deterministic ~40-word texts (Zipf-like draws from a word list) with planted
near-duplicates (1-3 word or character edits, case and punctuation changes; about 2% of rows)
and records the planted pairs.  Every tool runs as its own subprocess on the same CSV and
threshold; the table gives seconds, peak RSS (the child's ru_maxrss), rows/s, and pair
precision/recall: a found pair is a (later row, earlier row) link; it counts as true when both
rows belong to the same planted cluster, and recall is the share of planted (copy, original)
pairs whose two rows were linked, directly or through their cluster.

datasketch runs in its own venv, created under benchmarks/.venvs/datasketch (needs pip access
to an index), or the one named by BENCH_DATASKETCH_PYTHON.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data"
OUT = HERE / "out"
VENVS = HERE / ".venvs"


# -- data ----------------------------------------------------------------------------------------
def vocabulary() -> list[str]:
    words = HERE / "words.txt"
    if words.exists():
        vocab = [w.strip() for w in words.read_text(encoding="utf-8").splitlines()
                 if w.strip() and not w.startswith("#")]
    else:
        text = (DATA / "lingua_sentences" / "en.txt").read_text(encoding="utf-8").lower()
        counts: dict[str, int] = {}
        for w in re.findall(r"[a-z']+", text):
            counts[w] = counts.get(w, 0) + 1
        vocab = sorted(counts, key=lambda w: -counts[w])
    return vocab[:3000]


def edit(text: str, rng: random.Random, vocab: list[str]) -> str:
    """1-3 small edits: replace/insert/delete a word, change a character, change case or punctuation."""
    words = text.split()
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(("replace", "insert", "delete", "char", "case", "punct"))
        i = rng.randrange(len(words))
        if kind == "replace":
            words[i] = rng.choice(vocab)
        elif kind == "insert":
            words.insert(i, rng.choice(vocab))
        elif kind == "delete" and len(words) > 5:
            del words[i]
        elif kind == "char":
            w = words[i]
            j = rng.randrange(len(w))
            words[i] = w[:j] + rng.choice("abcdefghijklmnopqrstuvwxyz") + w[j + 1:]
        elif kind == "case":
            words[i] = words[i].upper() if rng.random() < 0.5 else words[i].capitalize()
        else:
            words[i] = words[i] + rng.choice(",.;!?")
    return " ".join(words)


def generate(path: Path, rows: int, seed: int = 7) -> list[tuple[int, int]]:
    """Write ``text,label`` rows; return planted (copy row, original row) pairs."""
    rng = random.Random(seed)
    vocab = vocabulary()
    weights = [1.0 / (r + 10) for r in range(len(vocab))]
    planted: list[tuple[int, int]] = []
    texts: list[str] = []
    originals: list[int] = []
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        for r in range(rows):
            if originals and rng.random() < 0.02:
                src = rng.choice(originals[-5000:])
                t = edit(texts[src], rng, vocab)
                while " ".join(t.lower().split()) == " ".join(texts[src].lower().split()):
                    t = edit(t, rng, vocab)  # case-only copies are normalized-duplicate's (DU003)
                planted.append((r, src))
            else:
                n = rng.randint(30, 50)
                t = " ".join(rng.choices(vocab, weights, k=n)).capitalize() + "."
                originals.append(r)
            texts.append(t)
            w.writerow([t, "a"])
    return planted


# -- scoring -------------------------------------------------------------------------------------
def score(found: list[tuple[int, int]], planted: list[tuple[int, int]]) -> tuple[float, float]:
    cluster = {}
    for copy, orig in planted:
        root = cluster.get(orig, orig)
        cluster[orig] = root
        cluster[copy] = root
    tp = sum(1 for a, b in found if a in cluster and cluster.get(b) == cluster[a])
    precision = tp / len(found) if found else 1.0
    # recall: planted pairs whose rows ended in one found cluster
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for a, b in found:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    hit = sum(1 for c, o in planted if root(c) == root(o))
    return precision, hit / len(planted) if planted else 1.0


# -- tools ---------------------------------------------------------------------------------------
_WRAP = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[2:]); "
         "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
         "sys.exit(p.returncode)")


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Seconds and peak RSS (MB) of the largest process of the command's tree (through a fresh
    wrapper, so one tool's peak never shows up under another's)."""
    rss_file = OUT / "rss.txt"
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", _WRAP, str(rss_file)] + cmd, capture_output=True, text=True,
                       env=env)
    secs = time.perf_counter() - t
    if p.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-2000:]}")
    return secs, int(rss_file.read_text()) / 1024, p.stdout


def run_trainlint(csv_path: Path, threshold: float, jobs: int) -> tuple[float, float, list]:
    out = OUT / f"trainlint-j{jobs}.json"
    cmd = [sys.executable, "-m", "trainlint", "check", str(csv_path), "--select", "DU002",
           "--output-format", "json", "--output-file", str(out), "--jobs", str(jobs)]
    if threshold is not None:
        cfg = OUT / "bench_neardup.toml"
        cfg.write_text(f"[tool.trainlint.rules.near-duplicate]\nthreshold = {threshold}\n")
        cmd += ["--config", str(cfg)]
    secs, rss, _ = timed(cmd)
    rep = json.loads(out.read_text())
    found = [(f["row"], f["related"][0]["row"]) for f in rep["findings"] if f["code"] == "DU002"]
    return secs, rss, found


DATASKETCH_SCRIPT = r"""
import csv, json, sys, time
from datasketch import MinHash, MinHashLSH
path, thr, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
lsh = MinHashLSH(threshold=thr, num_perm=128)
found = []
with open(path, encoding="utf-8") as f:
    r = csv.reader(f); next(r)
    for i, (text, _label) in enumerate(r):
        t = " ".join(text.lower().split())
        m = MinHash(num_perm=128)
        m.update_batch([t[j:j + 5].encode() for j in range(max(1, len(t) - 4))])
        hits = lsh.query(m)
        if hits:
            found.append((i, min(hits)))
        lsh.insert(i, m)
json.dump(found, open(out, "w"))
"""


def datasketch_python() -> str | None:
    py = os.environ.get("BENCH_DATASKETCH_PYTHON")
    if py:
        return py
    venv = VENVS / "datasketch"
    py = venv / "bin" / "python"
    if not py.exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(py), "-m", "pip", "install", "-q", "datasketch"], check=True)
        except subprocess.CalledProcessError as e:
            print(f"datasketch venv could not be made: {e}", file=sys.stderr)
            return None
    return str(py)


def run_datasketch(csv_path: Path, threshold: float) -> tuple[float, float, list] | None:
    py = datasketch_python()
    if py is None:
        return None
    script = OUT / "ds_run.py"
    script.write_text(DATASKETCH_SCRIPT)
    out = OUT / "datasketch.json"
    secs, rss, _ = timed([py, str(script), str(csv_path), str(threshold), str(out)])
    return secs, rss, [tuple(p) for p in json.loads(out.read_text())]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--tools", default="trainlint,trainlint-j2,datasketch")
    ap.add_argument("--threshold", type=float, default=None,
                    help="similarity threshold (default: trainlint's default, also given to datasketch)")
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from trainlint.rules.duplicates.du002_near_duplicate import DEFAULT_THRESHOLD

    threshold = a.threshold if a.threshold is not None else DEFAULT_THRESHOLD
    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = OUT / f"neardup_{a.rows}.csv"
    planted_path = OUT / f"neardup_{a.rows}.planted.json"
    if csv_path.exists() and planted_path.exists():
        planted = [tuple(p) for p in json.loads(planted_path.read_text())]
    else:
        planted = generate(csv_path, a.rows)
        planted_path.write_text(json.dumps(planted))
    rows = ["| tool | rows | threshold | s | peak RSS MB | rows/s | found pairs | precision | recall |",
            "|---|---|---|---|---|---|---|---|---|"]
    for tool in a.tools.split(","):
        if tool.startswith("trainlint"):
            jobs = int(tool.split("-j")[1]) if "-j" in tool else 1
            res = run_trainlint(csv_path, threshold, jobs)
            name = f"trainlint DU002 (--jobs {jobs})"
        elif tool == "datasketch":
            res = run_datasketch(csv_path, threshold)
            name = "datasketch MinHashLSH, char 5-grams, 128 perm"
        else:
            raise SystemExit(f"unknown tool {tool}")
        if res is None:
            continue
        secs, rss, found = res
        p, r = score(found, planted)
        rows.append(f"| {name} | {a.rows:,} | {threshold} | {secs:.1f} | {rss:,.0f} | {a.rows / secs:,.0f} | "
                    f"{len(found):,} | {p:.3f} | {r:.3f} |")
        print(rows[-1], file=sys.stderr, flush=True)
    print(f"\nplanted pairs: {len(planted):,}\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
