"""Findings: immutable values a rule returns, never exceptions.

A finding names one problem at one place: a row (with the physical line where the
record starts, for text formats), a column, a source or the whole run.  Its dict
form is the JSON report contract (see README, "JSON report").
"""

from __future__ import annotations

import enum
import operator
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any
from collections.abc import Mapping

_DEFAULT = object()

#: a column or dataset finding keeps the true count in ``n_rows`` and at most this many rows.
ROWS_SAMPLE_CAP = 20


class Severity(str, enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, value: str | Severity) -> Severity:
        if isinstance(value, Severity):
            return value
        try:
            return cls(str(value).lower())
        except ValueError:
            raise ValueError(f"unknown severity {value!r}: use info, warning or error") from None

    def __str__(self) -> str:
        return self.value


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class _EmptyExtra(dict):
    """The shared ``extra`` of findings that have none (a dict per finding costs memory); read-only,
    and picklable, unlike a mappingproxy, so findings still travel between processes."""

    def _readonly(self, *_a: Any, **_k: Any) -> None:
        raise TypeError("a finding's extra is read-only")

    __setitem__ = __delitem__ = update = setdefault = pop = popitem = clear = _readonly  # type: ignore[assignment]


#: the ``extra`` of every finding made by a rule without one
NO_EXTRA: Mapping[str, Any] = _EmptyExtra()


class Fix(str, enum.Enum):
    """How sure a finding's fix is: a safe one is applied by --fix, an unsafe one by --fix
    --unsafe-fixes.  The fix drops the row, or, for a finding with ``edits`` whose rule is chosen
    by ``--mask``, rewrites the text in the cleaned copy (a rewrite changes text: always unsafe)."""

    SAFE = "safe"
    UNSAFE = "unsafe"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Related:
    """Another row a finding points at, e.g. the first copy of a duplicate."""

    source: str
    row: int
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "row": self.row, "line": self.line}

    def __getstate__(self) -> tuple:  # as Finding's: no ``fields()`` per call
        return (self.source, self.row, self.line)

    def __setstate__(self, state: Any) -> None:
        for name, value in zip(("source", "row", "line"), state):
            object.__setattr__(self, name, value)


@dataclass(frozen=True, slots=True)
class Edit:
    """A rewrite of the text a finding is about (at its column or pointer): ``text[start:end]``
    becomes ``replacement``.  ``before`` is what may be shown of the old text (masked for private
    values, ``j***@e***.com``), never the value; ``length`` is the length of the whole text the
    rule read, so a writer can tell the text it holds is the one the positions are about."""

    start: int
    end: int
    replacement: str
    before: str
    length: int

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "before": self.before, "after": self.replacement,
                "length": self.length}

    def __getstate__(self) -> tuple:  # as Finding's: no ``fields()`` per call (20k at 1M rows)
        return (self.start, self.end, self.replacement, self.before, self.length)

    def __setstate__(self, state: Any) -> None:
        for name, value in zip(("start", "end", "replacement", "before", "length"), state):
            object.__setattr__(self, name, value)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Edit:
        return cls(int(d["start"]), int(d["end"]), str(d["after"]), str(d.get("before", "")), int(d["length"]))


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    source: str | None = None
    row: int | None = None
    line: int | None = None
    column: str | None = None
    n_rows: int = 1
    rows_sample: tuple[int, ...] = ()
    group: str | int | None = None
    related: tuple[Related, ...] = ()
    fix: Fix | None = None
    #: a JSON pointer inside the record (``/messages/3/content``) for nested formats.
    pointer: str | None = None
    #: rule-specific values a reporter may show (similarity, labels seen, ...); JSON-serialisable.
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: how ``--fix --mask`` rewrites the text instead of dropping the row (positions in the text at
    #: ``column``/``pointer``); empty when the fix can only drop the row
    edits: tuple[Edit, ...] = ()

    def __getstate__(self) -> tuple:
        # the values in field order, as dataclasses' own, without its ``fields()`` per call: a 1M-row
        # run's cache entries hold ~150k findings, where that took 1.5 s of a 10 s append run
        return _finding_values(self)

    def __setstate__(self, state: Any) -> None:
        names = _FINDING_FIELDS
        if len(state) == len(names):
            for name, value in zip(names, state):
                object.__setattr__(self, name, value)
            return
        # a finding pickled before a field was added (a state-cache entry) gets that field's default
        for f, value in zip(fields(self), list(state) + [_DEFAULT] * (len(fields(self)) - len(state))):
            if value is _DEFAULT:
                value = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
            object.__setattr__(self, f.name, value)

    @staticmethod
    def columns(findings: list[Finding]) -> list[tuple]:
        """The values of every field of ``findings``, a tuple per field (``from_columns``)."""
        return list(zip(*map(_finding_values, findings))) if findings else []

    @staticmethod
    def from_columns(columns: list[tuple]) -> list[Finding]:
        """The findings whose fields hold ``columns`` (``columns``, or one pickled by an earlier
        version with fewer fields: those get their defaults, as ``__setstate__`` does)."""
        if len(columns) != len(_FINDING_FIELDS):
            rows = zip(*columns) if columns else ()
            return [_restored(values) for values in rows]
        new, put, names, out = object.__new__, object.__setattr__, _FINDING_FIELDS, []
        for values in zip(*columns):
            f = new(Finding)
            for name, value in zip(names, values):
                put(f, name, value)
            out.append(f)
        return out

    @property
    def location(self) -> str:
        """``path:line`` as ruff prints it, else ``path:row N`` (0-based), else the path."""
        src = self.source or "<run>"
        if self.line is not None:
            return f"{src}:{self.line}"
        if self.row is not None:
            return f"{src}:row {self.row}"
        return src

    def with_line(self, line: int | None, related: tuple[Related, ...] | None = None) -> Finding:
        return replace(self, line=line, related=self.related if related is None else related)

    def sort_key(self, source_order: Mapping[str | None, int]) -> tuple:
        return (
            source_order.get(self.source, -1),
            self.row if self.row is not None else -1,
            self.code,
            self.column or "",
            self.pointer or "",
            self.message,
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity._value_,  # ``.value`` is a descriptor call: 150k findings at 1M rows
            "message": self.message,
            "source": self.source,
            "row": self.row,
            "line": self.line,
            "column": self.column,
            "n_rows": self.n_rows,
            "rows_sample": list(self.rows_sample),
            "group": self.group,
            "related": [r.to_dict() for r in self.related],
            "fix": self.fix._value_ if self.fix is not None else None,
        }
        if self.pointer is not None:
            d["pointer"] = self.pointer
        if self.extra:
            d["extra"] = dict(self.extra)
        if self.edits:
            d["edits"] = [e.to_dict() for e in self.edits]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Finding:
        return cls(
            code=d["code"],
            name=d["name"],
            severity=Severity.parse(d["severity"]),
            message=d["message"],
            source=d.get("source"),
            row=d.get("row"),
            line=d.get("line"),
            column=d.get("column"),
            n_rows=d.get("n_rows", 1),
            rows_sample=tuple(d.get("rows_sample") or ()),
            group=d.get("group"),
            related=tuple(Related(r["source"], r["row"], r.get("line")) for r in d.get("related") or ()),
            fix=Fix(d["fix"]) if d.get("fix") else None,
            pointer=d.get("pointer"),
            extra=d.get("extra") or {},
            edits=tuple(Edit.from_dict(e) for e in d.get("edits") or ()),
        )


_FINDING_FIELDS = tuple(f.name for f in fields(Finding))
_finding_values = operator.attrgetter(*_FINDING_FIELDS)


def _restored(values: tuple) -> Finding:
    f = object.__new__(Finding)
    f.__setstate__(values)
    return f
