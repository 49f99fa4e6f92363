"""Rewriting rows for ``--fix --mask``: the cleaned copy holds the row with its text masked or
repaired instead of the rejects file holding the row.

A finding that can rewrite carries ``edits`` (``trainlint.finding.Edit``): positions in the text at
its column or JSON pointer and what replaces them (``<EMAIL>``, a repaired word, nothing for an
invisible character).  A reader's ``write_cleaned`` hands each row to be rewritten, as a record
(column -> value), to a ``Rewriter``, which applies the edits of all its findings, records the
change in the changes file (``<name>.changes.jsonl``: row, line, rule, column or pointer, and the
masked before and after, never the value) and returns the new record.  When the text a finding is
about is not there as the rule read it (the positions would land elsewhere), nothing is guessed:
the row goes to the rejects file, with the reason, as a drop would have put it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import Any, TextIO

import numpy as np

from .finding import Edit, Finding

#: characters of a replacement shown in the changes file
SHOWN = 80


def apply_edits(text: str, edits: list[Edit]) -> str | None:
    """``text`` with ``edits`` applied (positions in ``text``; overlapping spans merge into one,
    replaced by the first one's replacement, so no part of a masked value survives); None when an
    edit is about another text (its length differs) or falls outside it."""
    n = len(text)
    if any(e.length != n or not 0 <= e.start <= e.end <= n for e in edits):
        return None
    out, at, cur = [], 0, None
    for e in sorted(edits, key=lambda e: (e.start, -e.end)):
        if cur is not None and e.start < cur[1]:
            cur[1] = max(cur[1], e.end)  # inside or across the span being replaced
            continue
        if cur is not None:
            out += [text[at:cur[0]], cur[2]]
            at = cur[1]
        cur = [e.start, e.end, e.replacement]
    if cur is not None:
        out += [text[at:cur[0]], cur[2]]
        at = cur[1]
    return "".join(out) + text[at:]


def json_bytes(record: Any) -> bytes:
    """A rewritten JSON record as UTF-8 (non-ASCII kept; escaped when it holds lone surrogates)."""
    try:
        return json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(record).encode("ascii")


def _apply(value: Any, edits: list[Edit]) -> Any:
    """``value`` (a text, or chat content given as a list of parts, read as their texts joined by
    newlines) with ``edits`` applied; None when they do not fit it."""
    if isinstance(value, str):
        return apply_edits(value, edits)
    if not isinstance(value, list):
        return None
    from .formats import TEXT_PART_TYPES

    spans = []  # (index, key or None, text, offset in the joined text)
    at = 0
    for i, p in enumerate(value):
        key, t = None, p
        if isinstance(p, dict):
            key = "text" if p.get("text") is not None else "value" if p.get("type") in TEXT_PART_TYPES else None
            t = p.get(key) if key else None
        if isinstance(t, str) and t:
            spans.append((i, key, t, at))
            at += len(t) + 1
    out = copy.copy(value)
    for i, key, t, off in spans:
        mine = [e for e in edits if off <= e.start and e.end <= off + len(t)]
        if not mine:
            continue
        new = apply_edits(t, [Edit(e.start - off, e.end - off, e.replacement, e.before, len(t)) for e in mine])
        if new is None:
            return None
        if key is None:
            out[i] = new
        else:
            out[i] = {**value[i], key: new}
    placed = sum(1 for e in edits for _i, _k, t, off in spans if off <= e.start and e.end <= off + len(t))
    if max(at - 1, 0) != (edits[0].length if edits else 0) or placed < len(edits):
        return None  # not the text the rule read, or an edit across two parts
    return out


def _set_at(container: Any, parts: list[str], fn) -> bool:
    """Set ``container[parts...]`` to ``fn(old)`` (a JSON string on the way is parsed and written
    back); False when the path leads nowhere or ``fn`` returns None."""
    key = parts[0]
    if isinstance(container, dict):
        if key not in container:
            return False
    elif isinstance(container, list) and key.isdigit() and int(key) < len(container):
        key = int(key)  # type: ignore[assignment]
    else:
        return False
    value = container[key]
    if len(parts) == 1:
        new = fn(value)
        if new is None:
            return False
        container[key] = new
        return True
    if isinstance(value, str) and value[:1] in "[{":
        try:
            parsed = json.loads(value)
        except ValueError:
            return False
        if not _set_at(parsed, parts[1:], fn):
            return False
        container[key] = json.dumps(parsed, ensure_ascii=False)
        return True
    return isinstance(value, (dict, list)) and _set_at(value, parts[1:], fn)


def _path(column: str | None, pointer: str | None, record: Mapping[str, Any]) -> list[str] | None:
    if pointer:
        return [p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/")]
    if column is None:
        return None
    if column in record or "." not in column:
        return [column]
    return column.split(".")  # a dotted text column of nested JSON


def rewrite_record(record: dict[str, Any], findings: list[Finding]) -> tuple[dict[str, Any] | None, str]:
    """(a copy of ``record`` with every finding's edits applied, "") or (None, why not)."""
    units: dict[tuple[str | None, str | None], list[Edit]] = {}
    for f in findings:
        units.setdefault((f.column, f.pointer), []).extend(f.edits)
    out = copy.deepcopy(record)
    for (column, pointer), edits in units.items():
        parts = _path(column, pointer, out)
        where = pointer or (f"column {column!r}" if column else "the text")
        if parts is None:
            return None, "the finding names no column"
        if not _set_at(out, parts, lambda v, edits=edits: _apply(v, edits)):
            return None, f"the text at {where} is not the one the rule read (it changed, or the rule read a part of it)"
    return out, ""


class Rewriter:
    """The rows of one source to rewrite (``rows``, ascending) and their findings; called by a
    reader as ``rewriter(row, line, record)`` -> the new record, or None when the row must be
    rejected instead (``failed[row]`` says why).  Writes one changes line per rewritten row."""

    def __init__(self, by_row: Mapping[int, list[Finding]], path: str, changes: TextIO | None) -> None:
        self.by_row = by_row
        self.rows = getattr(by_row, "rows", None)
        if self.rows is None:
            self.rows = np.array(sorted(by_row), dtype=np.int64)
        self.path = path
        self.changes = changes
        self.failed: dict[int, str] = {}
        self.rewritten = 0

    def __call__(self, row: int, line: int | None, record: Any, serialize: Callable[[Any], Any] | None = None) -> Any:
        """The rewritten record (``serialize(record)`` when given: a ValueError from it says why
        the row cannot be written), or None."""
        fs = self.by_row.get(row, [])
        if not isinstance(record, dict):
            self.failed[row] = "not rewritten: the row is not a record"
            return None
        new, why = rewrite_record(record, fs)
        if new is None:
            self.failed[row] = f"not rewritten: {why}"
            return None
        if serialize is not None:
            try:
                new = serialize(new)
            except ValueError as e:
                self.failed[row] = f"not rewritten: {e}"
                return None
        self.rewritten += 1
        if self.changes is not None:
            entry = {"source": self.path, "row": row, "line": line,
                     "changes": [change(f, e) for f in fs for e in f.edits]}
            self.changes.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return new

    def reasons(self, row: int) -> tuple[list[Finding], list[str]]:
        """The findings of a row that could not be rewritten and why, for the rejects file."""
        fs = self.by_row.get(row, [])
        return fs, [self.failed.get(row, "not rewritten")]


def change(f: Finding, e: Edit) -> dict[str, Any]:
    """One change as the changes file records it: the rule, where, and the masked before/after."""
    from .escape import text as esc

    after = esc(e.replacement)
    if len(after) > SHOWN:
        after = after[:SHOWN - 1] + "…"
    return {"code": f.code, "name": f.name, "column": f.column, "pointer": f.pointer,
            "start": e.start, "end": e.end, "before": e.before, "after": after}
