"""Locating findings: the physical line of every finding and related row, from the readers' line
indexes, and ``{related}`` in messages filled with the related row's place."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..finding import Finding, Related
from .rows import RowFindings, lines_or_none
from .sort import sort_findings
from .spilled import expanded
from .store import FindingStore

if TYPE_CHECKING:  # pragma: no cover
    from ..context import SourceInfo
    from ..sources import LineIndex


def located_store(findings: list, sources: Sequence[SourceInfo], line_index: dict[int, LineIndex]) -> FindingStore:
    """Findings (objects, ``RowFindings``, ``SpilledFindings``) with their lines filled in, in
    report order."""
    findings[:] = expanded(findings)
    objects = [k for k, f in enumerate(findings) if not isinstance(f, RowFindings)]
    for k, f in zip(objects, locate([findings[k] for k in objects], sources, line_index)):
        findings[k] = f
    for f in findings:
        if isinstance(f, RowFindings):
            locate_rows(f, sources, line_index)
    return sort_findings(FindingStore(findings), {s.path: s.index for s in sources})


def locate_rows(f: RowFindings, sources: Sequence[SourceInfo], line_index: dict[int, LineIndex]) -> None:
    """Lines of a ``RowFindings``'s rows and related rows, one ``searchsorted`` per source."""
    by_path = {s.path: s.index for s in sources}

    def lines(src: np.ndarray, rows: np.ndarray) -> np.ndarray:
        out = np.full(rows.size, -1, dtype=np.int64)
        for k, path in enumerate(f.paths):
            idx = line_index.get(by_path.get(path, -1))
            if not idx:
                continue
            if len(f.paths) == 1:
                out = idx.lines(rows)
            else:
                m = src == k
                out[m] = idx.lines(rows[m])
        return out

    if f.line is None:
        f.line = lines(f.source, f.rows)
    if f.related_source is not None and f.related_line is None:
        f.related_line = lines(f.related_source, f.related_row)


def locate(findings: list[Finding], sources: Sequence[SourceInfo],
           line_index: dict[int, LineIndex]) -> list[Finding]:
    """Put physical lines on findings and their related rows, and fill ``{related}`` in messages.

    Lines are looked up for all rows of a source at once (one ``searchsorted``), not per finding.
    """
    by_path = {s.path: s.index for s in sources}
    wanted: dict[str, list[int]] = {}
    for f in findings:
        if f.line is None and f.row is not None and f.source in by_path:
            wanted.setdefault(f.source, []).append(f.row)
        for r in f.related:
            if r.line is None and r.source in by_path:
                wanted.setdefault(r.source, []).append(r.row)
    lines: dict[str, dict[int, int | None]] = {}
    for path, rows in wanted.items():
        idx = line_index.get(by_path[path])
        if not idx:
            continue
        arr = np.unique(np.asarray(rows, dtype=np.int64))
        lines[path] = dict(zip(arr.tolist(), lines_or_none(idx.lines(arr))))
    return [_locate(f, lines) for f in findings]


def _copy_with(f: Finding, line: int | None, related: tuple[Related, ...], message: str) -> Finding:
    """``f`` completed with its line, related lines and message.

    The finding was made by a rule for this run and nobody else holds it yet, so it is completed
    in place, as a ``__post_init__`` would, instead of building a second frozen object (a frozen
    dataclass's ``__init__`` sets every field through ``object.__setattr__``: ~0.3 s per 40k
    findings, and twice the memory while both exist)."""
    object.__setattr__(f, "line", line)
    object.__setattr__(f, "related", related)
    object.__setattr__(f, "message", message)
    return f


_NO_LINES: dict[int, int | None] = {}


def _locate(f: Finding, lines: dict[str, dict[int, int | None]]) -> Finding:
    line = f.line
    if line is None and f.row is not None:
        line = lines.get(f.source, _NO_LINES).get(f.row)
    related = f.related
    if related:
        if len(related) == 1:  # the usual case (a duplicate's first copy), without a generator
            r = related[0]
            if r.line is None:
                related = (Related(r.source, r.row, lines.get(r.source, _NO_LINES).get(r.row)),)
        elif any(r.line is None for r in related):
            related = tuple(r if r.line is not None else
                            Related(r.source, r.row, lines.get(r.source, _NO_LINES).get(r.row)) for r in related)
    message = f.message
    if "{related}" in message:
        if related:
            r = related[0]
            loc = f"{r.source}:{r.line}" if r.line is not None else f"{r.source} row {r.row}"
            message = message.replace("{related}", loc)
    elif line == f.line and related == f.related:
        return f
    return _copy_with(f, line, related, message)
