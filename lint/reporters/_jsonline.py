"""One finding as its JSON report line, written straight from the finding: what
``json.dumps(finding.to_dict())`` (with ``_evidence.with_texts``) writes, byte for byte, without
making the dict and walking it again (a 1M-row report has ~150k findings: ~40 % of writing it).
Strings go through json's own C escaper and ``extra``/``edits`` through the report's encoder; a
finding with a value of any other type than the usual ones is made by the dict path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from json.encoder import encode_basestring
from typing import Any

from ..finding import Finding
from ._evidence import extra_with_texts, pair_texts, window


def _exact(v: Any, kind: type) -> Any:
    if type(v) is not kind:
        raise TypeError
    return v


def _s(v: Any) -> str:
    return "null" if v is None else encode_basestring(_exact(v, str))


def _i(v: Any) -> str:
    return "null" if v is None else str(_exact(v, int))


def _related(related) -> str:
    return ", ".join(f'{{"source": {_s(r.source)}, "row": {_i(r.row)}, "line": {_i(r.line)}}}' for r in related)


def _group(group) -> str:
    return "null" if group is None else _s(group) if type(group) is str else _i(group)


def row_lines(part, idx, line: Callable[[Finding], str]) -> list[str]:
    """The lines of a ``RowFindings``' entries at ``idx``, made from its columns (no pointer or
    edits; its extra columns with a pair's texts, as ``line``'s); ``line`` (``line_maker``'s)
    for its findings otherwise."""
    enc = getattr(line, "enc", None)
    if part.extra and enc is None:
        return [line(f) for f in part.findings(idx)]
    try:
        head = f'{{"code": {_s(part.code)}, "name": {_s(part.name)}, "severity": {_s(part.severity._value_)}, '
        tail = f', "fix": {_s(None if part.fix is None else part.fix._value_)}'
        values = part.values(idx)
        out = [f'{head}"message": {_s(m)}, "source": {_s(s)}, "row": {_i(r)}, "line": {_i(ln)}, '
               f'"column": {_s(c)}, "n_rows": 1, "rows_sample": [], "group": {_group(g)}, '
               f'"related": [{_related(rel)}]{tail}'
               for m, s, r, ln, c, g, rel in zip(*values)]
    except (TypeError, AttributeError):
        return [line(f) for f in part.findings(idx)]
    if not part.extra:
        return [x + "}" for x in out]
    extras = part.extras(idx)
    found = getattr(line, "found", None)
    if found and part.is_pair:
        for k, (s, r, rel) in enumerate(zip(values[1], values[2], values[6])):
            mine, theirs, _moved = window(found.get((s, r, None)), found.get((rel[0].source, rel[0].row, None)))
            if mine is not None or theirs is not None:
                extras[k] = extra_with_texts(extras[k], mine, theirs)
    return [f'{x}, "extra": {enc(e)}}}' if e else x + "}" for x, e in zip(out, extras)]


def line_maker(enc: Callable[[Any], str], found: Mapping | None,
               slow: Callable[[Finding], str]) -> Callable[[Finding], str]:
    """Finding -> its line: ``enc`` encodes a value as the report does, ``found`` holds the pair
    texts (``_evidence.texts``; None: none shown), ``slow`` is the dict path for the rest."""

    def line(f: Finding) -> str:
        if type(f) is not Finding:
            return slow(f)
        try:
            g, related = _group(f.group), _related(f.related)
            sample = ", ".join(_i(r) for r in f.rows_sample)
            out = (f'{{"code": {_s(f.code)}, "name": {_s(f.name)}, "severity": {_s(f.severity._value_)}, '
                   f'"message": {_s(f.message)}, "source": {_s(f.source)}, "row": {_i(f.row)}, '
                   f'"line": {_i(f.line)}, "column": {_s(f.column)}, "n_rows": {_i(f.n_rows)}, '
                   f'"rows_sample": [{sample}], "group": {g}, "related": [{related}], '
                   f'"fix": {_s(None if f.fix is None else f.fix._value_)}')
        except (TypeError, AttributeError):
            return slow(f)
        if f.pointer is not None:
            if type(f.pointer) is not str:
                return slow(f)
            out += f', "pointer": {_s(f.pointer)}'
        extra = f.extra
        if found:
            mine, theirs = pair_texts(f, found)
            if mine is not None or theirs is not None:
                extra = extra_with_texts(extra, mine, theirs)
        if extra:
            out += f', "extra": {enc(dict(extra))}'
        if f.edits:
            out += f', "edits": {enc([e.to_dict() for e in f.edits])}'
        return out + "}"

    line.enc, line.found = enc, found  # type: ignore[attr-defined]  # for ``row_lines``
    return line
