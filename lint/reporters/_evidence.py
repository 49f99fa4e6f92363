"""Evidence of a pair finding: both texts it compares, so a person can judge it.

A near-duplicate or a leaked evaluation row is judged from two texts, not from one and a line
number: a finding that names a related row and the similarity of the two (``extra["similarity"]``:
near-duplicate, split-leakage, near-duplicate-record) is shown with its own text and the related
row's, read back from the sources like every snippet (``_snippets.lookup``: escaped, private
values masked).  The text and Markdown reports show them under the cluster's entry, the GitHub
annotation in its message, the JSON report as ``extra.text`` and ``extra.related_text`` (SARIF in
``properties.extra`` and the related location's message; the HTML page as the row's value and after
its related location).  When
the two texts first differ past what is shown, both are shown from a little before that point
(``window``): two long texts cut at the same place would look equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import repeat

from ._snippets import Want, lookup

#: characters shown of each text of a pair: twice a snippet's, since the difference that decides
#: whether two texts are copies is often past the first 80 characters
EVIDENCE_CHARS = 160
#: characters read of each text, to find where the two differ (``window``)
READ_CHARS = 1000
#: characters shown before the first difference when the texts are shown from there
BEFORE = 40


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def window(mine: str | None, theirs: str | None, limit: int = EVIDENCE_CHARS) -> tuple[str | None, str | None, bool]:
    """(``mine``, ``theirs``, moved): both texts at most ``limit`` characters, from the start, or,
    when they first differ past ``limit - BEFORE``, both from the same word a little before that
    point, after a "…" (moved True)."""
    if mine is None or theirs is None:
        return (None if mine is None else _cut(mine, limit)), (None if theirs is None else _cut(theirs, limit)), False
    k = 0
    n = min(len(mine), len(theirs))
    while k < n and mine[k] == theirs[k]:
        k += 1
    if k <= limit - BEFORE:
        return _cut(mine, limit), _cut(theirs, limit), False
    start = mine.rfind(" ", 0, k - BEFORE) + 1 or k - BEFORE  # the same prefix in both: one start
    return _cut("…" + mine[start:], limit), _cut("…" + theirs[start:], limit), True


def is_pair(f) -> bool:
    """A finding judged from two texts: one related row and the similarity of the two."""
    if len(f.related) != 1 or f.row is None:  # most findings: decided without touching ``extra``
        return False
    extra = f.extra
    return ((type(extra) is dict or isinstance(extra, Mapping)) and "masked" not in extra
            and isinstance(extra.get("similarity"), (int, float)))


def wants(f) -> tuple[Want, Want]:
    r = f.related[0]
    return (f.source, f.row, None), (r.source, r.row, None)


def texts(report, findings: Iterable | None = None) -> dict[Want, str]:
    """The escaped, masked texts (``READ_CHARS`` of each; ``window`` cuts them) of both rows of every
    pair finding in ``findings`` (default: the report's, those stored as columns read from their
    columns)."""
    if findings is not None:
        wanted = {w for f in findings if is_pair(f) for w in wants(f)}
    else:
        from ..findings import RowFindings

        wanted = set()
        for part in report.findings.parts:
            if isinstance(part, RowFindings):
                if part.is_pair:
                    wanted.update(row_wants(part))
            else:
                wanted.update(w for f in part if is_pair(f) for w in wants(f))
    return lookup(report, wanted, READ_CHARS) if wanted else {}


def row_wants(part) -> Iterator[Want]:
    """Both rows of every pair finding of a ``RowFindings`` (``wants``), from its columns."""
    paths = part.paths
    yield from zip([paths[i] for i in part.source.tolist()], part.rows.tolist(), repeat(None))
    yield from zip([paths[i] for i in part.related_source.tolist()], part.related_row.tolist(), repeat(None))


def pair_texts(f, found: Mapping[Want, str]) -> tuple[str | None, str | None]:
    """(its text, the related row's) as the pair finding ``f`` shows them (``window``), from
    ``found`` (``texts``); (None, None) for any other finding."""
    if not is_pair(f):
        return None, None
    mine, theirs, _moved = window(*(found.get(w) for w in wants(f)))
    return mine, theirs


def extra_with_texts(extra: Mapping | None, mine: str | None, theirs: str | None) -> dict:
    """A copy of ``extra`` with ``text`` and ``related_text`` (those not None)."""
    out = dict(extra or {})
    if mine is not None:
        out["text"] = mine
    if theirs is not None:
        out["related_text"] = theirs
    return out


def with_texts(d: dict, f, found: Mapping[Want, str]) -> dict:
    """``d`` (the finding's dict) with ``extra.text`` and ``extra.related_text`` when found."""
    mine, theirs = pair_texts(f, found)
    if mine is None and theirs is None:
        return d
    return {**d, "extra": extra_with_texts(d.get("extra"), mine, theirs)}
