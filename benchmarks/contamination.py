"""eval-contamination (LK002): recall on planted copies of real eval rows, rows flagged on the
unplanted training set, and throughput with a 100k-row eval index.  Prints markdown tables.

    taskset -c 0 python benchmarks/contamination.py                 # 100k training rows
    taskset -c 0 python benchmarks/contamination.py --rows 20000 --plant 60

Training data: the templated benchmark (``../shared/bench/templated.py``).  Eval rows: banking77
test (short utterances, most under 13 words: matched by whole text), MRPC test (two sentences per
row, matched as one text) and the SMS spam collection, from ``../shared/data``.  Each planted row
is one eval row as it is (verbatim), with its lines re-wrapped every 6 words, upper-cased,
re-punctuated (punctuation removed, commas added every 4 words, "!" at the end), or embedded
between two sentences of other text; the findings are compared with those of worker processes
and Dask (two workers, 1 MB blocks).  Throughput: CPU seconds of one process (pin it with
``taskset -c 0``) of a run with LK002 alone minus a run reading the same data with a trivial rule,
per MB of training text, with an index of 100k eval rows (every real row of the shared text sets,
topped up with word-shuffled copies of them; not lingua_sentences, which the templated
training set is made of).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))
GENERATOR = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "bench", "templated.py"))
KINDS = ("verbatim", "rewrapped", "recased", "repunctuated", "embedded")


def _tsv(path: str) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def eval_sets() -> dict[str, list[dict[str, str]]]:
    with open(os.path.join(DATA, "banking77", "test.csv"), encoding="utf-8", newline="") as f:
        banking = [{"text": r["text"]} for r in csv.DictReader(f)]
    mrpc = [{"sentence1": r[3], "sentence2": r[4]} for r in _tsv(os.path.join(DATA, "mrpc", "msr_paraphrase_test.txt"))[1:]
            if len(r) == 5]
    sms = [{"text": r[1]} for r in _tsv(os.path.join(DATA, "sms_spam", "SMSSpamCollection")) if len(r) == 2]
    return {"banking77-test": banking, "mrpc-test": mrpc, "sms": sms}


def extra_texts() -> list[str]:
    """Every other real text, for the 100k-row index."""
    out = []
    with open(os.path.join(DATA, "banking77", "train.csv"), encoding="utf-8", newline="") as f:
        out += [r["text"] for r in csv.DictReader(f)]
    for r in _tsv(os.path.join(DATA, "mrpc", "msr_paraphrase_train.txt"))[1:]:
        if len(r) == 5:
            out += [r[3], r[4]]
    # not lingua_sentences: the templated training set is made of its sentences
    folder = os.path.join(DATA, "uci_sentiment")
    for name in sorted(os.listdir(folder)):
        if name.endswith("_labelled.txt"):
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                out += [line.rsplit("\t", 1)[0].strip() for line in f if line.strip()]
    return out


def planted(text: str, kind: str, rng: random.Random) -> str:
    words = text.split()
    if kind == "verbatim":
        return text
    if kind == "rewrapped":
        return "\n".join(" ".join(words[i:i + 6]) for i in range(0, len(words), 6))
    if kind == "recased":
        return text.upper()
    if kind == "repunctuated":
        bare = re.sub(r"[^\w\s]", " ", text).split()
        return " ".join(w + ("," if i % 4 == 3 else "") for i, w in enumerate(bare)) + "!"
    return (f"Here is something I read on the internet this morning. {text} "
            f"That is all I wanted to share with you, thank you for reading {rng.randint(1, 99)}.")


_BANKING_TRAIN: list[str] = []


def _norm(row: int) -> list[str]:
    """The words (as LK002 counts them) of banking77 train row ``row``."""
    if not _BANKING_TRAIN:
        with open(os.path.join(DATA, "banking77", "train.csv"), encoding="utf-8", newline="") as f:
            _BANKING_TRAIN.extend(r["text"] for r in csv.DictReader(f))
    return re.sub(r"[^\w]+|_", " ", _BANKING_TRAIN[row].lower()).split()


def _write_jsonl(path: str, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def _cpu(fn) -> tuple[float, object]:
    t = time.process_time()
    out = fn()
    return time.process_time() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000, help="templated training rows")
    ap.add_argument("--plant", type=int, default=100, help="eval rows planted per source and kind")
    ap.add_argument("--index-rows", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="contam-bench-")
    try:
        _run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(args, tmp: str) -> None:
    import trainlint
    from trainlint.evalindex import write_index

    rng = random.Random(args.seed)
    subprocess.run([sys.executable, GENERATOR, "--rows", str(args.rows), "--out", tmp, "--formats", "csv"],
                   check=True, capture_output=True)
    train = os.path.join(tmp, "data.csv")
    with open(train, encoding="utf-8", newline="") as f:
        next(csv.reader(f))
        n_train = sum(1 for _ in csv.reader(f))
    sets = eval_sets()
    indexes = []
    for name, rows in sets.items():
        _write_jsonl(os.path.join(tmp, f"{name}.jsonl"), rows)
        text = ("sentence1", "sentence2") if name == "mrpc-test" else ("text",)
        out = os.path.join(tmp, f"{name}.tlidx")
        write_index([os.path.join(tmp, f"{name}.jsonl")], out, 13, text)
        indexes.append(out)

    # plant: appended rows, (source, kind, eval row) per row number
    plantedcsv = os.path.join(tmp, "planted.csv")
    truth = []
    with open(train, encoding="utf-8", newline="") as f, open(plantedcsv, "w", encoding="utf-8", newline="") as g:
        g.write(f.read())
        w = csv.writer(g)
        for name, rows in sets.items():
            picks = rng.sample(range(len(rows)), args.plant)
            for kind in KINDS:
                for k in picks:
                    text = "\n".join(rows[k].values())
                    truth.append((name, kind, len(text.split())))
                    w.writerow([900_000 + len(truth), planted(text, kind, rng), "planted", "en", "train"])
    report = trainlint.lint(plantedcsv, select=["LK002"], against=indexes)
    flagged = {f.row for f in report.findings if f.code == "LK002"}
    fp = sum(1 for r in flagged if r < n_train)

    print(f"## Recall on planted eval rows ({args.plant} per source and kind; n = 13)\n")
    print("| eval source | rows < 13 words | " + " | ".join(KINDS) + " |")
    print("|---|---|" + "---|" * len(KINDS))
    for name in sets:
        cells = []
        short = 0
        for kind in KINDS:
            rows = [n_train + i for i, t in enumerate(truth) if t[0] == name and t[1] == kind]
            short = sum(1 for i, t in enumerate(truth) if t[0] == name and t[1] == kind and t[2] < 13)
            cells.append(f"{sum(r in flagged for r in rows) / len(rows):.3f}")
        print(f"| {name} | {short}/{args.plant} | " + " | ".join(cells) + " |")
    print(f"\nUnplanted training rows flagged: {fp} of {n_train} ({100 * fp / n_train:.3f}%)\n")
    # the same findings from worker processes and Dask, on 1 MB blocks
    from trainlint.config import Settings
    from trainlint.engines import get_engine
    from trainlint.runner import build_rules
    from trainlint.sources import ReadOptions, open_sources

    same = {}
    for engine in ("processes", "dask"):
        try:
            specs = open_sources([plantedcsv], ReadOptions(block_bytes=1 << 20))
            rules = build_rules(Settings(select=("LK002",), against=tuple(indexes)))
            other = get_engine(engine, 2).run(specs, rules)
            same[engine] = "identical" if other.findings == report.findings else "DIFFERENT"
        except ImportError as e:  # dask not installed
            same[engine] = f"not run ({e})"
    print("Findings vs one process: " + ", ".join(f"--engine {k} --jobs 2: {v}" for k, v in same.items()) + "\n")
    # real training data against its own benchmark: train rows that are or contain a test utterance
    real = trainlint.lint(os.path.join(DATA, "banking77", "train.csv"), select=["LK002"],
                          against=[os.path.join(tmp, "banking77-test.tlidx")])
    whole = sum(1 for f in real.findings if f.message.startswith(f"shares {len(_norm(f.row))} words"))
    print(f"banking77 train (10,003 rows) against banking77 test: {len(real.findings)} rows flagged, "
          f"{whole} of them the same words as a test row, the others contain one\n")

    # throughput: a 100k-row index, one process
    texts = [t for rows in sets.values() for r in rows for t in ["\n".join(r.values())]] + extra_texts()
    base = list(texts)
    while len(texts) < args.index_rows:
        words = rng.choice(base).split()
        rng.shuffle(words)
        texts.append(" ".join(words))
    big = os.path.join(tmp, "big-eval.jsonl")
    _write_jsonl(big, [{"text": t} for t in texts[:args.index_rows]])
    big_idx = os.path.join(tmp, "big.tlidx")
    build_s, _ = _cpu(lambda: write_index([big], big_idx, 13, ("text",)))
    from trainlint.resources import eval_index

    idx = eval_index((big_idx,), 13)  # loaded once, as a run does before its first batch
    with open(train, encoding="utf-8", newline="") as f:
        mb = sum(len(r["text"].encode("utf-8")) for r in csv.DictReader(f)) / 1e6
    best_rule, best_read = float("inf"), float("inf")
    for _ in range(3):  # least CPU of alternated runs: the machine is shared
        t_rule, rep = _cpu(lambda: trainlint.lint(train, select=["LK002"], against=[big_idx]))
        t_read, _ = _cpu(lambda: trainlint.lint(train, select=["IR001"]))
        best_rule, best_read = min(best_rule, t_rule), min(best_read, t_read)
    only = max(best_rule - best_read, 1e-9)
    aff = sorted(os.sched_getaffinity(0))
    print(f"## Throughput (CPU {aff}; index {idx.rows} rows, {idx.hashes.size} distinct 13-grams, "
          f"{os.path.getsize(big_idx) / 1e6:.1f} MB, built in {build_s:.1f} s CPU)\n")
    print("| training text | run with LK002 | read + trivial rule | LK002 alone | MB/s LK002 alone | MB/s whole run |")
    print("|---|---|---|---|---|---|")
    print(f"| {mb:.1f} MB ({n_train} rows) | {best_rule:.2f} s | {best_read:.2f} s | {only:.2f} s | "
          f"{mb / only:.0f} | {mb / best_rule:.0f} |")
    print(f"\nFindings on the unplanted set with the {idx.rows}-row index: {len(rep.findings)}")


if __name__ == "__main__":
    main()
