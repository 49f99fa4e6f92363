"""Row findings as columns: many findings of one rule kept as NumPy arrays, not Python objects.

A rule that flags rows in bulk (a duplicate, a missing text) returns one ``RowFindings`` instead of
a ``Finding`` per row: the rule's code, name, severity and fix are shared, the source paths, columns
and message templates are small tables, and every row costs a few array entries (~40 bytes instead
of ~1 KB of objects).  The engine puts lines on the arrays and sorts them with the object findings
in a ``FindingStore``; a ``Finding`` is made only when someone looks at one, so a report of 160k
findings is streamed into its output file one finding at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .finding import Finding, Fix, Related, Severity


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
    related row per finding (a duplicate's first copy).  ``line`` and ``related_line`` are
    filled by the engine (-1: no line).  Picklable: workers send it back as it is.
    """

    def __init__(self, *, code: str, name: str, severity: Severity, fix: Fix | None,
                 source: str | tuple[Sequence[str], np.ndarray], rows: np.ndarray,
                 message: str | tuple[Sequence[str], np.ndarray],
                 column: str | None | tuple[Sequence[str | None], np.ndarray] = None,
                 group: np.ndarray | None = None,
                 related: tuple[str | tuple[Sequence[str], np.ndarray], np.ndarray] | None = None) -> None:
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
        self.line: np.ndarray | None = None
        self.related_line: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.rows.size)

    def __bool__(self) -> bool:
        return self.rows.size > 0

    def __repr__(self) -> str:
        return f"<RowFindings {self.code} {self.name}: {len(self)} rows>"

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings(np.arange(len(self))))

    def findings(self, idx: np.ndarray) -> list[Finding]:
        """The findings at positions ``idx`` (vectorised gathering, then one object each)."""
        from .rule import _NO_EXTRA

        idx = np.asarray(idx, dtype=np.int64)
        src, rows, lines = self._where(idx)
        cols = [self.columns[i] for i in self.column[idx].tolist()]
        groups = [None] * len(rows) if self.group is None else self.group[idx].tolist()
        msgs, related = self._messages(idx)
        code, name, sev, fix = self.code, self.name, self.severity, self.fix
        return [Finding(code, name, sev, m, s, r, ln, c, 1, (), g, rel, fix, None, _NO_EXTRA)
                for m, s, r, ln, c, g, rel in zip(msgs, src, rows, lines, cols, groups, related)]

    def plain_lines(self, idx: np.ndarray) -> list[str]:
        """``Finding.location: CODE name message`` of the findings at ``idx``, as the text report
        prints them without colour, made straight from the columns (no ``Finding`` objects:
        a third of the time of a million-row run's report)."""
        idx = np.asarray(idx, dtype=np.int64)
        src, rows, lines = self._where(idx)
        msgs, _ = self._messages(idx)
        head = f": {self.code} {self.name} "
        return [f"{s or '<run>'}:{ln}{head}{m}" if ln is not None else f"{s or '<run>'}:row {r}{head}{m}"
                for s, r, ln, m in zip(src, rows, lines, msgs)]

    def _where(self, idx: np.ndarray) -> tuple[list, list, list]:
        """Source path, row and line (None: no line) of the findings at ``idx``."""
        paths = self.paths
        src = [paths[i] for i in self.source[idx].tolist()]
        rows = self.rows[idx].tolist()
        lines = [None] * len(rows) if self.line is None else _none_below_zero(self.line[idx])
        return src, rows, lines

    def _messages(self, idx: np.ndarray) -> tuple[list[str], list[tuple[Related, ...]]]:
        """Messages (``{related}`` filled once located) and related rows of the findings at ``idx``."""
        templates = self.templates
        msgs = [templates[i] for i in self.template[idx].tolist()]
        if self.related_source is None:
            return msgs, [()] * len(msgs)
        paths = self.paths
        rsrc = [paths[i] for i in self.related_source[idx].tolist()]
        rrow = self.related_row[idx].tolist()
        rline = [None] * len(msgs) if self.related_line is None else _none_below_zero(self.related_line[idx])
        related = [(Related(s, r, ln),) for s, r, ln in zip(rsrc, rrow, rline)]
        if self.related_line is not None:  # located: ``{related}`` filled, as the engine does for objects
            msgs = [m.replace("{related}", f"{r[0].source}:{r[0].line}" if r[0].line is not None
                              else f"{r[0].source} row {r[0].row}") if "{related}" in m else m
                    for m, r in zip(msgs, related)]
        return msgs, related


def _none_below_zero(a: np.ndarray) -> list[int | None]:
    out = a.tolist()
    if (a < 0).any():
        for k in np.flatnonzero(a < 0).tolist():
            out[k] = None
    return out


class _Objects(list):
    """A run of ``Finding`` objects among the parts of a store."""

    def findings(self, idx: np.ndarray) -> list[Finding]:
        return [self[i] for i in idx.tolist()]


_SEV_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}
_FIX_ID = {None: 0, Fix.SAFE: 1, Fix.UNSAFE: 2}


class FindingStore(Sequence):
    """The findings of a run, in order: runs of ``Finding`` objects and ``RowFindings``, and the
    order of their entries (``order``, indices into the parts laid end to end).

    It is a read-only sequence of ``Finding`` (``len``, iteration, indexing, slicing, ``==`` with a
    list); findings are made when asked for, one chunk at a time.  Summaries (counts, flagged rows,
    the rows a fix drops) are computed on arrays, without making findings.
    """

    _CHUNK = 4096

    def __init__(self, parts: Iterable[Finding | RowFindings] = (), order: np.ndarray | None = None,
                 _parts: list | None = None) -> None:
        if _parts is None:
            _parts = []
            for item in parts:
                if isinstance(item, RowFindings):
                    if len(item):
                        _parts.append(item)
                elif _parts and isinstance(_parts[-1], _Objects):
                    _parts[-1].append(item)
                else:
                    _parts.append(_Objects([item]))
        self._parts = _parts
        sizes = np.array([len(p) for p in _parts], dtype=np.int64)
        self._offsets = np.concatenate(([0], np.cumsum(sizes)))
        self._order = order
        self._cols: dict[str, Any] | None = None

    # -- the sequence ------------------------------------------------------------------------------
    @property
    def total(self) -> int:
        """Entries in the parts (``len`` counts those in ``order``)."""
        return int(self._offsets[-1])

    def __len__(self) -> int:
        return self.total if self._order is None else int(self._order.size)

    def _global(self, k: np.ndarray | slice) -> np.ndarray:
        if self._order is None:
            return np.arange(self.total, dtype=np.int64)[k]
        return self._order[k]

    def _make(self, gidx: np.ndarray) -> list[Finding]:
        """Findings at global indices ``gidx``, in that order."""
        return self._gather(gidx, lambda part, idx: part.findings(idx))

    def _gather(self, gidx: np.ndarray, fn: Callable[[Any, np.ndarray], list]) -> list:
        """``fn(part, positions)`` for the parts holding global indices ``gidx``, put back in order."""
        if gidx.size == 0:
            return []
        part = np.searchsorted(self._offsets, gidx, side="right") - 1
        if part.size and (part == part[0]).all():
            return fn(self._parts[int(part[0])], gidx - self._offsets[part[0]])
        out: list[Any] = [None] * gidx.size
        for p in np.unique(part).tolist():
            where = np.flatnonzero(part == p)
            for k, f in zip(where.tolist(), fn(self._parts[p], gidx[where] - self._offsets[p])):
                out[k] = f
        return out

    def __getitem__(self, k):
        if isinstance(k, slice):
            return self._make(self._global(k))
        n = len(self)
        k = int(k)
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError("finding index out of range")
        return self._make(self._global(slice(k, k + 1)))[0]

    def __iter__(self) -> Iterator[Finding]:
        n = len(self)
        for start in range(0, n, self._CHUNK):
            yield from self._make(self._global(slice(start, min(n, start + self._CHUNK))))

    def chunks(self, fn: Callable[[RowFindings | list[Finding], np.ndarray], list]) -> Iterator[list]:
        """The findings in order, chunk by chunk, as ``fn(part, positions in it)`` makes them: a
        reporter can format a ``RowFindings``' entries from its columns instead of making a
        ``Finding`` for each."""
        n = len(self)
        for start in range(0, n, self._CHUNK):
            yield self._gather(self._global(slice(start, min(n, start + self._CHUNK))), fn)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (FindingStore, list, tuple)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<FindingStore {len(self)} findings>"

    def __reduce__(self):
        return (FindingStore, ((), self._order, self._parts))

    # -- columns over all entries (by global index) --------------------------------------------------
    def columns(self) -> dict[str, Any]:
        """Per entry: source id, row (-1: none), code id, name id, severity rank, fix id; and the
        tables those ids index (``paths``, ``codes``, ``names``)."""
        if self._cols is not None:
            return self._cols
        paths: dict[str | None, int] = {}
        codes: dict[str, int] = {}
        names: dict[str, int] = {}
        cols: dict[str, list[np.ndarray]] = {k: [] for k in ("source", "row", "code", "name", "severity", "fix")}
        for p in self._parts:
            if isinstance(p, RowFindings):
                ids = np.array([paths.setdefault(s, len(paths)) for s in p.paths], np.int32)
                n = len(p)
                cols["source"].append(ids[p.source])
                cols["row"].append(p.rows)
                cols["code"].append(np.full(n, codes.setdefault(p.code, len(codes)), np.int32))
                cols["name"].append(np.full(n, names.setdefault(p.name, len(names)), np.int32))
                cols["severity"].append(np.full(n, _SEV_RANK[p.severity], np.int8))
                cols["fix"].append(np.full(n, _FIX_ID[p.fix], np.int8))
            else:
                cols["source"].append(np.array([paths.setdefault(f.source, len(paths)) for f in p], np.int32))
                cols["row"].append(np.array([-1 if f.row is None else f.row for f in p], np.int64))
                cols["code"].append(np.array([codes.setdefault(f.code, len(codes)) for f in p], np.int32))
                cols["name"].append(np.array([names.setdefault(f.name, len(names)) for f in p], np.int32))
                cols["severity"].append(np.array([_SEV_RANK[f.severity] for f in p], np.int8))
                cols["fix"].append(np.array([_FIX_ID[f.fix] for f in p], np.int8))
        dtypes = {"source": np.int32, "row": np.int64, "code": np.int32, "name": np.int32,
                  "severity": np.int8, "fix": np.int8}
        out: dict[str, Any] = {k: np.concatenate(v) if v else np.zeros(0, dtypes[k]) for k, v in cols.items()}
        out["paths"] = list(paths)
        out["codes"] = list(codes)
        out["names"] = list(names)
        self._cols = out
        return out

    def _selected(self, values: np.ndarray) -> np.ndarray:
        """``values`` (by global index) of the entries in this store, in order."""
        return values if self._order is None else values[self._order]

    def select(self, mask: np.ndarray) -> FindingStore:
        """A store of the entries whose ``mask`` (by global index) is true, in the same order."""
        order = self._global(slice(None))
        store = FindingStore(order=order[mask[order]], _parts=self._parts)
        store._cols = self._cols
        return store

    def count(self, key: str) -> dict[Any, int]:
        """Findings by ``code``, ``name``, ``severity`` (rank) or ``fix`` (None, "safe", "unsafe")."""
        c = self.columns()
        values = self._selected(c[key])
        ids, counts = np.unique(values, return_counts=True)
        if key in ("code", "name"):
            table = c[key + "s"]
            return {table[i]: n for i, n in zip(ids.tolist(), counts.tolist())}
        if key == "fix":
            fixes = [None, Fix.SAFE, Fix.UNSAFE]
            return {fixes[i]: n for i, n in zip(ids.tolist(), counts.tolist())}
        return dict(zip(ids.tolist(), counts.tolist()))

    def code_names(self) -> dict[tuple[str, str], int]:
        """(code, name) -> number of findings."""
        c = self.columns()
        if len(self) == 0:
            return {}
        pair = self._selected(c["code"]).astype(np.int64) << 32 | self._selected(c["name"])
        ids, counts = np.unique(pair, return_counts=True)
        return {(c["codes"][i >> 32], c["names"][i & 0xFFFFFFFF]): n for i, n in zip(ids.tolist(), counts.tolist())}

    def fixable_code_names(self, fixes: Iterable[Fix] = (Fix.SAFE, Fix.UNSAFE)) -> set[tuple[str, str]]:
        """(code, name) of the rules with a finding whose fix is one of ``fixes``."""
        c = self.columns()
        pair = self._selected(c["code"]).astype(np.int64) << 32 | self._selected(c["name"])
        wanted = np.array([_FIX_ID[f] for f in fixes], np.int8)
        ids = np.unique(pair[np.isin(self._selected(c["fix"]), wanted)])
        return {(c["codes"][i >> 32], c["names"][i & 0xFFFFFFFF]) for i in ids.tolist()}

    def max_severity_by_code(self) -> dict[str, int]:
        """code -> the highest severity rank among its findings."""
        c = self.columns()
        code, sev = self._selected(c["code"]), self._selected(c["severity"])
        best = np.full(len(c["codes"]), -1, np.int64)
        np.maximum.at(best, code, sev)
        return {c["codes"][k]: int(r) for k, r in enumerate(best.tolist()) if r >= 0}

    def rows_with_findings(self) -> int:
        c = self.columns()
        row = self._selected(c["row"])
        has = row >= 0
        key = self._selected(c["source"])[has].astype(np.int64) << 40 | row[has]
        return int(np.unique(key).size)

    def max_severity_rank(self) -> int:
        sev = self._selected(self.columns()["severity"])
        return int(sev.max()) if sev.size else -1

    def rows_to_drop(self, fixes: Iterable[Fix]) -> dict[str, RowsToDrop]:
        """source path -> the rows findings with one of these ``fixes`` drop (ascending), with them."""
        c = self.columns()
        wanted = np.array([_FIX_ID[f] for f in fixes], np.int8)
        order = self._global(slice(None))
        fix, row, src = c["fix"][order], c["row"][order], c["source"][order]
        keep = np.isin(fix, wanted) & (row >= 0)
        out: dict[str, RowsToDrop] = {}
        sids, first = np.unique(src[keep], return_index=True)
        for sid in sids[np.argsort(first)].tolist():  # sources in report order
            path = c["paths"][sid]
            if path is None:
                continue
            m = keep & (src == sid)
            g, r = order[m], row[m]
            by_row = np.argsort(r, kind="stable")  # findings of one row stay in report order
            out[path] = RowsToDrop(self, r[by_row], g[by_row])
        return out


class RowsToDrop(Mapping):
    """row -> the findings that drop it, for one source; ``rows`` holds the rows (ascending) as an
    array.  The findings are made when a row is looked up, not for every row at once."""

    _CHUNK = 4096

    def __init__(self, store: FindingStore, rows: np.ndarray, gidx: np.ndarray) -> None:
        starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1]))) if rows.size else rows
        self.rows = rows[starts]
        self._bounds = np.append(starts, rows.size)
        self._gidx = gidx
        self._store = store
        self._cached: dict[int, list[Finding]] = {}

    def _load(self, i: int) -> None:
        """Make the findings of rows ``i`` onwards.  Rows are usually asked for in order (the
        cleaned copy is written row by row), so the next few thousand rows are made at once."""
        end = min(self.rows.size, i + self._CHUNK)
        a, b = int(self._bounds[i]), int(self._bounds[end])
        made = self._store._make(self._gidx[a:b])
        cuts = (self._bounds[i:end + 1] - a).tolist()
        self._cached = {r: made[x:y] for r, x, y in zip(self.rows[i:end].tolist(), cuts[:-1], cuts[1:])}

    def _pos(self, row: Any) -> int:
        if not isinstance(row, (int, np.integer)):
            return -1
        i = int(np.searchsorted(self.rows, row))
        return i if i < self.rows.size and int(self.rows[i]) == row else -1

    def __getitem__(self, row: Any) -> list[Finding]:
        found = self._cached.get(row) if isinstance(row, int) else None
        if found is None:
            i = self._pos(row)
            if i < 0:
                raise KeyError(row)
            self._load(i)
            found = self._cached[int(row)]
        return list(found)

    def __contains__(self, row: object) -> bool:
        return self._pos(row) >= 0

    def __len__(self) -> int:
        return int(self.rows.size)

    def __iter__(self) -> Iterator[int]:
        return iter(self.rows.tolist())

    def __repr__(self) -> str:
        return f"<RowsToDrop {len(self)} rows>"

    def __reduce__(self):
        # sent to a worker (the Dask engine writes cleaned copies there): just this source's
        # findings, not the whole store this mapping reads from
        return _rows_to_drop_plain, (self.rows, [self[r] for r in self.rows.tolist()])


class _PlainRowsToDrop(dict):
    """A ``RowsToDrop`` as it arrives in another process: a plain dict, with ``rows`` as well."""

    rows: np.ndarray


def _rows_to_drop_plain(rows: np.ndarray, findings: list[list[Finding]]) -> _PlainRowsToDrop:
    out = _PlainRowsToDrop(zip(rows.tolist(), findings))
    out.rows = rows
    return out
