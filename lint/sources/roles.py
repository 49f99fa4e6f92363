"""Which column holds the text and which the label: by name first, then by content.

Pair datasets keep their text in two columns (MRPC ``#1 String``/``#2 String``, NLI
``premise``/``hypothesis``, QQP ``question1``/``question2``): both are the text, joined, so
duplicate, conflicting-label and leakage rules see the pair as one example.

Headerless files (the SMS Spam Collection) have no names to go by, so a column of long,
mostly distinct strings is the text and a column of few short values is the label.

Every role that was not given is a guess; ``notes`` collects one line per guess saying why,
which the report's summary shows next to the roles.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

TEXT_NAMES = ("text", "sentence", "content", "prompt", "question", "instruction", "input", "document",
              "body", "message", "review", "comment", "utterance", "query", "sms", "tweet", "title",
              "abstract", "passage", "context", "description", "string")
#: pairs of text columns, as normalised names (see ``_norm``): the pair is the text
TEXT_PAIRS = (("1_string", "2_string"), ("sentence1", "sentence2"), ("premise", "hypothesis"),
              ("question1", "question2"), ("text_a", "text_b"), ("text1", "text2"), ("sentence_a", "sentence_b"),
              ("question", "sentence"), ("query", "passage"), ("question", "passage"), ("claim", "evidence"))
#: label names, strongest first: generic target names, then the usual targets of well-known tables
#: (Titanic's ``survived``: its ``class`` column is the ticket class, a feature), then weaker names
LABEL_NAMES = ("label", "labels", "target", "y", "gold_label", "class_label", "survived", "outcome", "churn",
               "is_spam", "category", "class", "intent", "sentiment", "quality", "topic", "tag")
#: HTML element names: a "tag" column of these is markup, not a class label
_HTML_TAGS = frozenset(
    "a abbr address article aside b blockquote body br button caption code dd div dl dt em figure footer form "
    "h1 h2 h3 h4 h5 h6 head header hr html i iframe img input label li link main meta nav ol option p pre "
    "script section select small span strong style sub sup table tbody td textarea tfoot th thead title tr "
    "u ul video".split())
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


def _pair(columns: list[str]) -> tuple[str, str] | None:
    normed = {_norm(c): c for c in columns}
    for a, b in TEXT_PAIRS:
        if a in normed and b in normed:
            return normed[a], normed[b]
    return None


def _looks_like_html_tags(table: pa.Table, col: str) -> bool:
    """Most values are HTML element names (``div``, ``<p>``): a markup column, not labels."""
    arr = table.column(col)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return False
    values = [v.strip().strip("<>/").lower() for v in pc.drop_null(arr).to_pylist()[:2000] if v and v.strip()]
    tags = {v for v in values if v in _HTML_TAGS}
    # several element names, not only one-letter ones: labels "a"/"b" are not markup
    return (len(tags) >= 3 and any(len(t) > 1 for t in tags)
            and sum(v in _HTML_TAGS for v in values) >= 0.8 * len(values))


def infer_roles(table: pa.Table, *, text: tuple[str, ...] | None = None, label: str | None = None,
                split_column: str | None = None, notes: list[str] | None = None,
                ) -> tuple[tuple[str, ...], str | None, str | None]:
    """(text columns, label column, split column) from explicit settings, names, then content.

    When ``notes`` is a list, one line per guessed role is appended to it, saying why.
    """
    notes = notes if notes is not None else []
    columns = list(table.column_names)
    if text is None:
        pair = _pair(columns)
        t = _by_name(columns, TEXT_NAMES)
        if pair is not None:
            text = pair
            notes.append("text as a pair, by the column names")
        elif t is not None:
            text = (t,)
            notes.append("text by its name")
        else:
            best, best_len = None, 0.0
            for c in columns:
                st = _string_stats(table, c)
                if st and st[0] >= 20 and st[1] >= 0.5 and st[0] > best_len:
                    best, best_len = c, st[0]
            text = (best,) if best else ()
            if best:
                notes.append("text by content (the longest mostly-distinct strings)")
    if label is None:
        cand = [c for c in columns if c not in text and not _looks_like_html_tags(table, c)]
        label = _by_name(cand, LABEL_NAMES)
        if label is not None:
            notes.append("label by its name")
        elif text:
            for c in cand:
                st = _string_stats(table, c)
                if st is None and table.num_rows:
                    # small integer codes (0/1 sentiment) are labels too
                    arr = table.column(c)
                    if pa.types.is_integer(arr.type) and len(pc.unique(arr)) <= 20:
                        label = c
                        notes.append(f"label by content ({len(pc.unique(arr))} integer codes)")
                        break
                    continue
                if st and st[0] <= 30 and (st[2] <= max(2, min(100, table.num_rows // 5)) or st[2] <= 20):
                    label = c
                    notes.append(f"label by content ({st[2]} distinct short values)")
                    break
    if split_column is None:
        split_column = None  # only when asked: a column named "split" may be anything
    return tuple(text), label, split_column
