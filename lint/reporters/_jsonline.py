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
from ._evidence import is_pair, wants, window


def _s(v: Any) -> str:
    if v is None:
        return "null"
    if type(v) is str:
        return encode_basestring(v)
    raise TypeError


def _i(v: Any) -> str:
    if v is None:
        return "null"
    if type(v) is int:
        return str(v)
    raise TypeError


def line_maker(enc: Callable[[Any], str], found: Mapping | None,
               slow: Callable[[Finding], str]) -> Callable[[Finding], str]:
    """Finding -> its line: ``enc`` encodes a value as the report does, ``found`` holds the pair
    texts (``_evidence.texts``; None: none shown), ``slow`` is the dict path for the rest."""

    def line(f: Finding) -> str:
        if type(f) is not Finding:
            return slow(f)
        try:
            group = f.group
            g = "null" if group is None else _s(group) if type(group) is str else _i(group)
            related = ", ".join(f'{{"source": {_s(r.source)}, "row": {_i(r.row)}, "line": {_i(r.line)}}}'
                                for r in f.related)
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
        if found and is_pair(f):
            mine, theirs, _moved = window(*(found.get(w) for w in wants(f)))
            if mine is not None or theirs is not None:
                extra = dict(extra)
                if mine is not None:
                    extra["text"] = mine
                if theirs is not None:
                    extra["related_text"] = theirs
        if extra:
            out += f', "extra": {enc(dict(extra))}'
        if f.edits:
            out += f', "edits": {enc([e.to_dict() for e in f.edits])}'
        return out + "}"

    return line
