"""Which column holds the text and which the label: by name first, then by content.

Headerless files (the SMS Spam Collection) have no names to go by, so a column of long,
mostly distinct strings is the text and a column of few short values is the label.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

TEXT_NAMES = ("text", "sentence", "content", "prompt", "question", "instruction", "input", "document",
              "body", "message", "review", "comment", "utterance", "query", "sms", "tweet", "title",
              "abstract", "passage", "context", "description", "string")
LABEL_NAMES = ("label", "labels", "category", "class", "target", "intent", "sentiment", "y", "tag",
               "gold_label", "quality", "class_label", "topic")
SPLIT_NAMES = ("split", "fold", "subset", "partition")

_SPLIT_RE = re.compile(r"(?:^|[^a-z])(train|training|test|testing|valid|validation|val|dev|eval)(?:[^a-z]|$)")
_SPLIT_CANON = {"training": "train", "testing": "test", "valid": "validation", "val": "validation",
                "eval": "validation"}


def split_from_name(path: str) -> str | None:
    """``data/train-00001.parquet`` -> train; ``banking77/test.csv`` -> test."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    m = _SPLIT_RE.search(name)
    if not m:
        parent = path.replace("\\", "/").rsplit("/", 2)
        m = _SPLIT_RE.search(parent[-2].lower()) if len(parent) >= 2 else None
        if not m:
            return None
    s = m.group(1)
    return _SPLIT_CANON.get(s, s)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _by_name(columns: list[str], names: tuple[str, ...]) -> str | None:
    normed = {c: _norm(c) for c in columns}
    for want in names:
        for c, n in normed.items():
            if n == want:
                return c
    for want in names:
        for c, n in normed.items():
            parts = n.split("_")
            if want in parts and len(want) > 1:
                return c
    return None


def _string_stats(table: pa.Table, col: str) -> tuple[float, float, int] | None:
    """(mean length, distinct share, distinct count) of a string column's sample, else None."""
    arr = table.column(col)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    arr = pc.drop_null(arr)
    if len(arr) == 0:
        return None
    lengths = pc.utf8_length(arr)
    mean = pc.mean(lengths).as_py() or 0.0
    distinct = len(pc.unique(arr))
    return mean, distinct / len(arr), distinct


def infer_roles(table: pa.Table, *, text: tuple[str, ...] | None = None, label: str | None = None,
                split_column: str | None = None) -> tuple[tuple[str, ...], str | None, str | None]:
    """(text columns, label column, split column) from explicit settings, names, then content."""
    columns = list(table.column_names)
    if text is None:
        t = _by_name(columns, TEXT_NAMES)
        if t is None:
            best, best_len = None, 0.0
            for c in columns:
                st = _string_stats(table, c)
                if st and st[0] >= 20 and st[1] >= 0.5 and st[0] > best_len:
                    best, best_len = c, st[0]
            t = best
        text = (t,) if t else ()
    if label is None:
        cand = [c for c in columns if c not in text]
        label = _by_name(cand, LABEL_NAMES)
        if label is None and text:
            for c in cand:
                st = _string_stats(table, c)
                if st is None and table.num_rows:
                    # small integer codes (0/1 sentiment) are labels too
                    arr = table.column(c)
                    if pa.types.is_integer(arr.type) and len(pc.unique(arr)) <= 20:
                        label = c
                        break
                    continue
                if st and st[0] <= 30 and st[2] <= max(2, min(100, table.num_rows // 5)):
                    label = c
                    break
                if st and st[2] <= 20 and st[0] <= 30:
                    label = c
                    break
    if split_column is None:
        split_column = None  # only when asked: a column named "split" may be anything
    return tuple(text), label, split_column
