"""Row findings as columns: many findings of one rule kept as NumPy arrays, not Python objects.

A rule that flags rows in bulk (a duplicate, a missing text) returns one ``RowFindings`` instead of
a ``Finding`` per row: the rule's code, name, severity and fix are shared, the source paths, columns
and message templates are small tables, and every row costs a few array entries (~40 bytes instead
of ~1 KB of objects).  ``locate`` puts lines on the arrays and ``FindingStore`` keeps them in order
with the object findings; a ``Finding`` is made only when someone looks at one, so a report of 160k
findings is streamed into its output file one finding at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..finding import NO_EXTRA, Finding, Fix, Related, Severity

#: an extra column: (table, index array) for values shared between rows (a dict, a string), or
#: (None, values array) for a number per row (a similarity)
Column = tuple[tuple[Any, ...] | None, np.ndarray]


def _column(values: Any, n: int) -> Column:
    """An extra column from a (table, index array) pair or from one number per row."""
    if isinstance(values, tuple) and len(values) == 2 and not isinstance(values[0], str):
        table, index = values
        return tuple(table), np.asarray(index, dtype=np.int32)
    a = np.asarray(values)
    if a.dtype.kind not in "biuf" or a.shape != (n,):
        raise ValueError(f"an extra column is {n} numbers, one a row, or a (table, index array) pair")
    return None, a


def _table(values: str | None | tuple[Sequence[Any], np.ndarray], n: int, dtype=np.int32):
    """(table, index array) from one shared value or from a (table, index) pair."""
    if isinstance(values, tuple) and len(values) == 2 and not isinstance(values[0], str):
        table, index = values
        return tuple(table), np.asarray(index, dtype=dtype)
    return (values,), np.zeros(n, dtype=dtype)


class RowFindings:
    """Findings of one rule on rows, as columns.  Iterating yields ``Finding`` objects.

    ``source``, ``column`` and ``message`` are either one value shared by every row or a pair
    ``(table, index array)``; a message may hold ``{related}``, filled with the related row's
    location (as for a ``Finding``).  ``related`` is ``(source, rows)`` in the same forms: one
    related row per finding (a duplicate's first copy).  ``extra``: key -> a number per row (an
    array: a similarity) or a (table, index array) pair (a value shared by rows: the labels of
    a cluster); each finding's ``extra`` is a dict of those keys, in that order (none: empty).
    ``line`` and ``related_line`` are filled by ``locate`` (-1: no line).  Picklable: workers
    send it back as it is.
    """

    #: key -> (table, index) or (None, values): ``extra``'s columns (a pickle made before them: none)
    extra: dict[str, Column] = {}  # noqa: RUF012 (never mutated: replaced)
    #: content keys (``trainlint.keys``) mix in the column as a ``Finding`` object's do (with its
    #: pointer): a rule whose findings were objects before keeps the keys baselines hold
    object_keys = False

    def __init__(self, *, code: str, name: str, severity: Severity, fix: Fix | None,
                 source: str | tuple[Sequence[str], np.ndarray], rows: np.ndarray,
                 message: str | tuple[Sequence[str], np.ndarray],
                 column: str | None | tuple[Sequence[str | None], np.ndarray] = None,
                 group: np.ndarray | None = None,
                 related: tuple[str | tuple[Sequence[str], np.ndarray], np.ndarray] | None = None,
                 extra: dict[str, Any] | None = None, object_keys: bool = False) -> None:
        self.code, self.name, self.severity, self.fix = code, name, severity, fix
        self.rows = np.asarray(rows, dtype=np.int64)
        n = self.rows.size
        self.paths, self.source = _table(source, n)
        self.columns, self.column = _table(column, n, np.int16)
        self.templates, self.template = _table(message, n)
        self.group = None if group is None else np.asarray(group, dtype=np.int64)
        self.related_source = self.related_row = None
        if related is not None:
            rel_paths, rel_idx = _table(related[0], n)
            if rel_paths != self.paths:  # one table of paths for both
                paths = list(self.paths) + [p for p in rel_paths if p not in self.paths]
                where = {p: k for k, p in enumerate(paths)}
                rel_idx = np.array([where[p] for p in rel_paths], np.int32)[rel_idx]
                self.paths = tuple(paths)
            self.related_source = rel_idx
            self.related_row = np.asarray(related[1], dtype=np.int64)
        if extra:
            self.extra = {str(k): _column(v, n) for k, v in extra.items()}
        if object_keys:
            self.object_keys = True
        self.line: np.ndarray | None = None
        self.related_line: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.rows.size)

    def with_templates(self, templates: Sequence[str], extra_tables: dict[str, Sequence[Any]] | None = None
                       ) -> RowFindings:
        """A copy with other message templates and tables of extra values (redacted:
        ``trainlint.redact``), arrays shared."""
        import copy

        out = copy.copy(self)
        out.templates = tuple(templates)
        if extra_tables:
            out.extra = {k: (tuple(extra_tables[k]), a) if k in extra_tables else (t, a)
                         for k, (t, a) in self.extra.items()}
        return out

    @property
    def is_pair(self) -> bool:
        """Findings judged from two texts (``_evidence.is_pair``): a related row and a similarity
        (a number) each, no masked value."""
        sim = self.extra.get("similarity")
        return (self.related_source is not None and sim is not None and "masked" not in self.extra
                and (sim[0] is None or all(isinstance(v, (int, float)) for v in sim[0])))

    def __bool__(self) -> bool:
        return self.rows.size > 0

    def __repr__(self) -> str:
        return f"<RowFindings {self.code} {self.name}: {len(self)} rows>"

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings(np.arange(len(self))))

    def findings(self, idx: np.ndarray) -> list[Finding]:
        """The findings at positions ``idx`` (vectorised gathering, then one object each)."""
        code, name, sev, fix = self.code, self.name, self.severity, self.fix
        return [Finding(code, name, sev, m, s, r, ln, c, 1, (), g, rel, fix, None, x)
                for (m, s, r, ln, c, g, rel), x in zip(zip(*self.values(idx)), self.extras(idx))]

    def extras(self, idx: np.ndarray) -> list[dict[str, Any]]:
        """The ``extra`` of the findings at ``idx``: a new dict each (``NO_EXTRA``: no columns)."""
        idx = np.asarray(idx, dtype=np.int64)
        if not self.extra:
            return [NO_EXTRA] * idx.size  # type: ignore[list-item]
        keys = list(self.extra)
        cols = [a[idx].tolist() if t is None else [t[i] for i in a[idx].tolist()] for t, a in self.extra.values()]
        return [dict(zip(keys, vals)) for vals in zip(*cols)]

    def values(self, idx: np.ndarray) -> tuple[list, ...]:
        """(messages, sources, rows, lines, columns, groups, related) of the findings at ``idx``,
        as lists: what differs between them (a reporter may format them without ``Finding``s)."""
        idx = np.asarray(idx, dtype=np.int64)
        src, rows, lines = self.locations(idx)
        cols = [self.columns[i] for i in self.column[idx].tolist()]
        groups = [None] * len(rows) if self.group is None else self.group[idx].tolist()
        msgs, related = self.messages(idx)
        return msgs, src, rows, lines, cols, groups, related

    def locations(self, idx: np.ndarray) -> tuple[list, list, list]:
        """Source paths, rows and lines (None: no line) of the findings at ``idx``, as lists."""
        paths = self.paths
        src = [paths[i] for i in self.source[idx].tolist()]
        rows = self.rows[idx].tolist()
        lines = [None] * len(rows) if self.line is None else lines_or_none(self.line[idx])
        return src, rows, lines

    def messages(self, idx: np.ndarray) -> tuple[list[str], list[tuple[Related, ...]]]:
        """Messages (``{related}`` filled once located) and related rows of the findings at ``idx``."""
        templates = self.templates
        msgs = [templates[i] for i in self.template[idx].tolist()]
        if self.related_source is None:
            return msgs, [()] * len(msgs)
        paths = self.paths
        rsrc = [paths[i] for i in self.related_source[idx].tolist()]
        rrow = self.related_row[idx].tolist()
        rline = [None] * len(msgs) if self.related_line is None else lines_or_none(self.related_line[idx])
        related = [(Related(s, r, ln),) for s, r, ln in zip(rsrc, rrow, rline)]
        if self.related_line is not None:  # located: ``{related}`` filled, as ``locate`` does for objects
            msgs = [m.replace("{related}", f"{r[0].source}:{r[0].line}" if r[0].line is not None
                              else f"{r[0].source} row {r[0].row}") if "{related}" in m else m
                    for m, r in zip(msgs, related)]
        return msgs, related


def lines_or_none(a: np.ndarray) -> list[int | None]:
    """Lines as a list, None where the array holds -1 (no line)."""
    out = a.tolist()
    if (a < 0).any():
        for k in np.flatnonzero(a < 0).tolist():
            out[k] = None
    return out




def formatted(values: np.ndarray, fmt: Callable[[Any], Any]) -> tuple[list[Any], np.ndarray]:
    """(table, index array): ``fmt`` of each distinct value of ``values``, once, and where each
    value's result is in the table of distinct results (a message's ``{s:.0%}``, a rounded
    similarity: one call per distinct value, not one per finding)."""
    uniq, inverse = np.unique(values, return_inverse=True)
    where: dict[Any, int] = {}
    codes = np.array([where.setdefault(fmt(v), len(where)) for v in uniq.tolist()], np.int64)
    return list(where), codes[inverse.reshape(-1)]


def message_table(make: Callable[..., str], *columns: np.ndarray) -> tuple[list[str], np.ndarray]:
    """(templates, index array), a ``RowFindings``' messages: ``make(*values)`` once for each
    distinct combination of ``columns`` (integers, one per finding each)."""
    cols = [np.asarray(c, dtype=np.int64).reshape(-1) for c in columns]
    key = np.zeros(cols[0].size, np.int64)
    scale = 1
    for c in cols:  # one int64 key (mixed radix): a 1-D unique sorts, one over rows was 30x slower
        lo, span = (int(c.min()), int(c.max()) - int(c.min()) + 1) if c.size else (0, 1)
        if scale * span >= 1 << 62:
            key = np.unique(np.stack(cols, axis=1), axis=0, return_inverse=True)[1].reshape(-1)
            break
        key += (c - lo) * scale
        scale *= span
    _uniq, first, index = np.unique(key, return_index=True, return_inverse=True)
    return [make(*row) for row in zip(*(c[first].tolist() for c in cols))], index.reshape(-1)


def distinct(values: Sequence[Any]) -> tuple[list[Any], np.ndarray]:
    """(table, index array) of ``values``: each distinct value once, where each value is in it.
    Values other than strings are told apart by ``repr`` (1 and 1.0, a list and a tuple stay
    apart, as JSON keeps them apart), so lists and dicts may be among them."""
    where: dict[Any, int] = {}
    table: list[Any] = []
    index = np.empty(len(values), np.int32)
    for k, v in enumerate(values):
        key = v if type(v) is str else (type(v), repr(v))
        at = where.get(key)
        if at is None:
            at = where[key] = len(table)
            table.append(v)
        index[k] = at
    return table, index
