"""A deterministic labelled text dataset with planted, recorded issues, for benchmarks.

    python benchmarks/generate.py --rows 1000000 --format csv --out benchmarks/data/gen_1m.csv

Columns ``id, text, label, lang, split``; texts are 20-60 words drawn Zipf-like from
``benchmarks/words.txt``.  Rows are generated and written in chunks, so memory stays bounded
whatever ``--rows`` is (only a window of recent clean rows is kept to copy from, plus the
manifest's row numbers).  The same seed gives the same rows in every format.

Planted issues (each row carries at most one; every planted row, or pair, is recorded in
``<out>.manifest.json`` by kind, rows are 0-based data rows = ``id``):

    missing            1.0 %  null/empty/blank text or label
    disguised_null     0.5 %  text or label "N/A", "null", "None", "nan", "-", "?"
    exact_duplicate    2.0 %  text and label of an earlier row of the same split  (pair)
    near_duplicate     2.0 %  an earlier row's text with 1-3 character edits      (pair, edits)
    conflicting_label  0.5 %  an earlier row's text with another label            (pair)
    leakage            0.5 %  a test row copying a train row                      (pair)
    other_language     1.0 %  sentences from ../shared/data/lingua_sentences      (lang)
    typo               1.0 %  1-2 words with a Norvig edit (delete/transpose/replace/insert)
    rare_label         1.0 %  the label "warranty" (labels are imbalanced: 45/25/15/9/5/1 %)

A row that is the source of a copy is never itself planted, and each source is copied once, so
the ground truth is exact: copies form pairs, never larger clusters.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections import deque

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_LINGUA = os.path.join(ROOT, "..", "shared", "data", "lingua_sentences")

LABELS = ["billing", "shipping", "returns", "account", "technical", "warranty"]
LABEL_P = [0.45, 0.25, 0.15, 0.09, 0.05, 0.01]  # "warranty" is the 1 % rare label
RARE = "warranty"
DISGUISED = ["N/A", "null", "None", "nan", "-", "?"]
# fractions of rows per planted kind (rare_label comes from the label distribution)
KINDS = [
    ("missing", 0.010),
    ("disguised_null", 0.005),
    ("exact_duplicate", 0.020),
    ("near_duplicate", 0.020),
    ("conflicting_label", 0.005),
    ("leakage", 0.005),
    ("other_language", 0.010),
    ("typo", 0.010),
]
COPY_KINDS = {"exact_duplicate", "near_duplicate", "conflicting_label", "leakage"}
TEST_FRACTION = 0.15
WINDOW = 20_000  # recent clean rows a copy may come from
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def load_words(path: str) -> np.ndarray:
    with open(path, encoding="utf-8") as f:
        words = [w.strip() for w in f if w.strip() and not w.startswith("#")]
    return np.array(words, dtype=object)


def load_foreign(folder: str) -> dict[str, list[str]]:
    out = {}
    for name in sorted(os.listdir(folder)):
        lang, ext = os.path.splitext(name)
        if ext != ".txt" or lang == "en":
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            out[lang] = [s.strip() for s in f if s.strip()]
    if not out:
        sys.exit(f"generate.py: no sentence files in {folder}; pass --lingua")
    return out


def norvig_edit(word: str, rng: np.random.Generator) -> str:
    """One of Norvig's edits: delete, transpose, replace or insert a letter (never a no-op)."""
    while True:
        op = int(rng.integers(4))
        i = int(rng.integers(len(word)))
        if op == 0 and len(word) > 1:
            out = word[:i] + word[i + 1:]
        elif op == 1 and i < len(word) - 1:
            out = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        elif op == 2:
            out = word[:i] + LETTERS[int(rng.integers(26))] + word[i + 1:]
        else:
            out = word[:i] + LETTERS[int(rng.integers(26))] + word[i:]
        if out != word:
            return out


def char_edits(text: str, n: int, rng: np.random.Generator) -> str:
    """``n`` small character edits (substitute, insert or delete a lower-case letter)."""
    for _ in range(n):
        while True:
            i = int(rng.integers(len(text)))
            op = int(rng.integers(3))
            if op == 0 and text[i].isalpha():
                c = LETTERS[int(rng.integers(26))]
                if c != text[i].lower():
                    text = text[:i] + c + text[i + 1:]
                    break
            elif op == 1:
                text = text[:i] + LETTERS[int(rng.integers(26))] + text[i:]
                break
            elif op == 2 and text[i].isalpha() and len(text) > 20:
                text = text[:i] + text[i + 1:]
                break
    return text


class Writer:
    """CSV, JSONL or Parquet, appended chunk by chunk."""

    def __init__(self, path: str, fmt: str) -> None:
        self.fmt = fmt
        self.tmp = path + ".tmp"
        self.path = path
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            self.schema = pa.schema([("id", pa.int64()), ("text", pa.string()), ("label", pa.string()),
                                     ("lang", pa.string()), ("split", pa.string())])
            self.pq = pq.ParquetWriter(self.tmp, self.schema)
        else:
            self.f = open(self.tmp, "w", encoding="utf-8", newline="")
            if fmt == "csv":
                self.csv = csv.writer(self.f, lineterminator="\n")
                self.csv.writerow(["id", "text", "label", "lang", "split"])

    def write(self, cols: dict[str, list]) -> None:
        if self.fmt == "parquet":
            import pyarrow as pa

            self.pq.write_table(pa.table(cols, schema=self.schema))
        elif self.fmt == "csv":
            # None and "" are both an empty field in CSV
            self.csv.writerows(zip(cols["id"], cols["text"], cols["label"], cols["lang"], cols["split"]))
        else:
            dumps = json.dumps
            self.f.write("".join(
                dumps({"id": i, "text": t, "label": lab, "lang": g, "split": s}, ensure_ascii=False) + "\n"
                for i, t, lab, g, s in zip(cols["id"], cols["text"], cols["label"], cols["lang"], cols["split"])))

    def close(self) -> None:
        if self.fmt == "parquet":
            self.pq.close()
        else:
            self.f.close()
        os.replace(self.tmp, self.path)


def generate(rows: int, fmt: str, out: str, seed: int = 0, chunk: int = 50_000,
             lingua: str = DEFAULT_LINGUA) -> dict:
    rng = np.random.default_rng(seed)
    words = load_words(os.path.join(HERE, "words.txt"))
    words_comma = np.array([w + "," for w in words], dtype=object)
    ranks = np.arange(len(words), dtype=np.float64)
    word_p = 1.0 / (ranks + 10.0)
    word_p /= word_p.sum()
    foreign = load_foreign(lingua)
    langs = sorted(foreign)

    kind_names = ["clean"] + [k for k, _ in KINDS]
    kind_p = np.array([1.0 - sum(p for _, p in KINDS)] + [p for _, p in KINDS])
    planted: dict[str, list] = {k: [] for k, _ in KINDS}
    planted["rare_label"] = []
    label_counts = dict.fromkeys(LABELS, 0)
    foreign_seen: set[str] = set()
    window: deque = deque()  # (row, text, label, split) of recent clean rows, each copied at most once
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    writer = Writer(out, fmt)
    skipped_copies = 0
    for base in range(0, rows, chunk):
        n = min(chunk, rows - base)
        lengths = rng.integers(20, 61, size=n)
        ids = rng.choice(len(words), size=int(lengths.sum()), p=word_p)
        comma = rng.random(ids.size) < 0.06
        toks = np.where(comma, words_comma[ids], words[ids])
        bounds = np.concatenate(([0], np.cumsum(lengths)))
        labels = rng.choice(len(LABELS), size=n, p=LABEL_P)
        splits = np.where(rng.random(n) < TEST_FRACTION, "test", "train")
        kinds = rng.choice(len(kind_names), size=n, p=kind_p)
        col_id, col_text, col_label, col_lang, col_split = [], [], [], [], []
        for j in range(n):
            row = base + j
            ws = toks[bounds[j]:bounds[j + 1]].tolist()
            ws[-1] = ws[-1].rstrip(",")
            text = " ".join(ws)
            text = text[0].upper() + text[1:] + "."
            label = LABELS[labels[j]]
            split = str(splits[j])
            kind = kind_names[kinds[j]]
            if kind in COPY_KINDS:
                src = _take_source(window, kind, rng)
                if src is None:  # nothing suitable to copy yet (the very first rows)
                    skipped_copies += 1
                    kind = "clean"
                else:
                    srow, stext, slabel, ssplit = src
                    if kind == "exact_duplicate":
                        text, label, split = stext, slabel, ssplit
                        planted[kind].append([srow, row])
                    elif kind == "near_duplicate":
                        k = int(rng.integers(1, 4))
                        text = stext
                        while text == stext:  # an insert and a delete may cancel out
                            text = char_edits(stext, k, rng)
                        label, split = slabel, ssplit
                        planted[kind].append([srow, row, k])
                    elif kind == "conflicting_label":
                        others = [x for x in LABELS[:-1] if x != slabel]
                        text, label, split = stext, others[int(rng.integers(len(others)))], ssplit
                        planted[kind].append([srow, row])
                    else:  # leakage: a test row copying a train row
                        text, label, split = stext, slabel, "test"
                        planted[kind].append([srow, row])
            elif kind == "missing":
                which = int(rng.integers(4))
                if which == 0:
                    text = None
                elif which == 1:
                    text = "  "
                elif which == 2:
                    label = None
                else:
                    label = ""
                planted[kind].append([row, "text" if which < 2 else "label"])
            elif kind == "disguised_null":
                v = DISGUISED[int(rng.integers(len(DISGUISED)))]
                col = "text" if rng.random() < 0.5 else "label"
                if col == "text":
                    text = v
                else:
                    label = v
                planted[kind].append([row, col, v])
            elif kind == "other_language":
                lang = langs[int(rng.integers(len(langs)))]
                sents = foreign[lang]
                text = None
                while text is None or text in foreign_seen:  # unique, so no accidental duplicates
                    k = int(rng.integers(2, 4))
                    text = " ".join(sents[int(i)] for i in rng.integers(len(sents), size=k))
                foreign_seen.add(text)
                planted[kind].append([row, lang])
            elif kind == "typo":
                tw = text.split(" ")
                cand = [i for i, w in enumerate(tw) if w.isalpha() and w.islower() and len(w) >= 4]
                if not cand:
                    kind = "clean"
                else:
                    edits = []
                    for i in sorted(set(int(cand[int(x)]) for x in rng.integers(len(cand), size=int(rng.integers(1, 3))))):
                        wrong = norvig_edit(tw[i], rng)
                        edits.append([tw[i], wrong])
                        tw[i] = wrong
                    text = " ".join(tw)
                    planted[kind].append([row, edits])
            if label == RARE:
                planted["rare_label"].append(row)
            if label in label_counts:
                label_counts[label] += 1
            if kind == "clean" and label != RARE:
                window.append((row, text, label, split))
                if len(window) > WINDOW:
                    window.popleft()
            col_id.append(row)
            col_text.append(text)
            col_label.append(label)
            col_lang.append("en")
            col_split.append(split)
        writer.write({"id": col_id, "text": col_text, "label": col_label, "lang": col_lang, "split": col_split})
    writer.close()
    counts = {k: len(v) for k, v in planted.items()}
    manifest = {
        "generator": "benchmarks/generate.py",
        "seed": seed,
        "rows": rows,
        "format": fmt,
        "path": os.path.basename(out),
        "columns": ["id", "text", "label", "lang", "split"],
        "row_numbering": "0-based data rows (the header is not a row); id == row",
        "labels": label_counts,
        "counts": counts,
        "skipped_copies": skipped_copies,
        "kinds": {
            "missing": "[row, column]",
            "disguised_null": "[row, column, value]",
            "exact_duplicate": "[source row, copy row]",
            "near_duplicate": "[source row, copy row, character edits]",
            "conflicting_label": "[source row, copy row]",
            "leakage": "[train row, test row]",
            "other_language": "[row, language]",
            "typo": "[row, [[word, typo], ...]]",
            "rare_label": f"row (label {RARE!r})",
        },
        "planted": planted,
    }
    with open(manifest_path(out), "w", encoding="utf-8") as f:
        json.dump(manifest, f, separators=(",", ":"))
    return manifest


def _take_source(window: deque, kind: str, rng: np.random.Generator):
    """A recent clean row to copy (a train row for leakage), removed so it is copied only once."""
    if not window:
        return None
    for _ in range(8):
        i = int(rng.integers(len(window)))
        src = window[i]
        if kind != "leakage" or src[3] == "train":
            del window[i]
            return src
    return None


def manifest_path(out: str) -> str:
    return out + ".manifest.json"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000, help="data rows (10k to 4M)")
    ap.add_argument("--format", choices=["csv", "jsonl", "parquet"], default=None,
                    help="default: from the --out extension")
    ap.add_argument("--out", required=True, help="output file; the manifest goes to OUT.manifest.json")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lingua", default=DEFAULT_LINGUA, help="folder of <lang>.txt sentence files")
    a = ap.parse_args(argv)
    fmt = a.format or {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}.get(os.path.splitext(a.out)[1])
    if fmt is None:
        ap.error("give --format or an --out ending in .csv, .jsonl or .parquet")
    if not 1_000 <= a.rows <= 10_000_000:
        ap.error("--rows must be between 1,000 and 10,000,000")
    t0 = time.perf_counter()
    m = generate(a.rows, fmt, a.out, seed=a.seed, lingua=a.lingua)
    print(f"wrote {a.rows:,} rows to {a.out} ({os.path.getsize(a.out) / 1e6:.0f} MB) and "
          f"{manifest_path(a.out)} in {time.perf_counter() - t0:.1f} s; planted: "
          + ", ".join(f"{k} {v}" for k, v in m["counts"].items()), file=sys.stderr)


if __name__ == "__main__":
    main()
