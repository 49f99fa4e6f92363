"""The findings of a run, in report order: a read-only sequence of ``Finding`` over object runs and
``RowFindings``, with its summaries (counts, flagged rows, the rows a fix drops) computed on arrays."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..finding import Finding, Fix, Severity
from .drop import RowsToDrop
from .rows import RowFindings


class _Objects(list):
    """A run of ``Finding`` objects among the parts of a store.  Pickled as columns (the values of
    each field): one call for the run, not a ``__getstate__``/``__setstate__`` per finding (the
    state cache keeps ~150k of them for a 1M-row run: half the time to store and load them)."""

    def findings(self, idx: np.ndarray) -> list[Finding]:
        return [self[i] for i in idx.tolist()]

    def __reduce__(self):
        if not all(type(f) is Finding for f in self):
            return (_Objects, (list(self),))
        return (_from_columns, (Finding.columns(self),))


def _from_columns(columns: list[tuple]) -> _Objects:
    return _Objects(Finding.from_columns(columns))


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

    @property
    def parts(self) -> tuple[RowFindings | list[Finding], ...]:
        """What the store holds, laid end to end: ``RowFindings`` and runs of ``Finding`` objects.
        An entry's global index is its position in that layout; ``order`` lists global indices."""
        return tuple(self._parts)

    @property
    def order(self) -> np.ndarray:
        """The global indices of the entries, in report order."""
        return self._global(slice(None))

    def reordered(self, order: np.ndarray) -> FindingStore:
        """The same parts in another ``order`` (global indices)."""
        return FindingStore(order=order, _parts=self._parts)

    def extended(self, findings: Sequence[Finding]) -> FindingStore:
        """This store with ``findings`` after its own entries (its parts are shared, not copied)."""
        if not findings:
            return self
        parts = self._parts + [_Objects(findings)]
        order = np.concatenate([self._global(slice(None)),
                                np.arange(self.total, self.total + len(findings), dtype=np.int64)])
        return FindingStore(order=order, _parts=parts)

    def at(self, gidx: np.ndarray) -> list[Finding]:
        """Findings at global indices ``gidx``, in that order."""
        return self._gather(np.asarray(gidx, dtype=np.int64), lambda part, idx: part.findings(idx))

    def _global(self, k: np.ndarray | slice) -> np.ndarray:
        if self._order is None:
            return np.arange(self.total, dtype=np.int64)[k]
        return self._order[k]

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
            return self.at(self._global(k))
        n = len(self)
        k = int(k)
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError("finding index out of range")
        return self.at(self._global(slice(k, k + 1)))[0]

    def __iter__(self) -> Iterator[Finding]:
        n = len(self)
        for start in range(0, n, self._CHUNK):
            yield from self.at(self._global(slice(start, min(n, start + self._CHUNK))))

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

    def redacted(self, message: Callable[[str], str], finding: Callable[[Finding], Finding],
                 value: Callable[[Any], Any] = lambda v: v) -> FindingStore:
        """This store with the message templates of its ``RowFindings`` passed through ``message``,
        the shared values of their extra columns through ``value``, and its ``Finding`` objects
        through ``finding`` (``trainlint.redact``: the same object when nothing changes).  Parts
        nothing changed in are shared, not copied."""
        parts: list = []
        changed = False
        for p in self._parts:
            if isinstance(p, RowFindings):
                templates = tuple(message(t) for t in p.templates)
                # a masking rule's values are masked already (``extra["masked"]``), as its objects'
                tables = {} if "masked" in p.extra else {
                    k: tuple(value(v) for v in t) for k, (t, _a) in p.extra.items() if t is not None}
                if (any(a is not b for a, b in zip(templates, p.templates))
                        or any(a is not b for k, t in tables.items() for a, b in zip(t, p.extra[k][0]))):
                    p = p.with_templates(templates, tables)
                    changed = True
            else:
                new = _Objects(finding(f) for f in p)
                if any(a is not b for a, b in zip(new, p)):
                    p = new
                    changed = True
            parts.append(p)
        if not changed:
            return self
        store = FindingStore(order=self._order, _parts=parts)
        store._cols = self._cols
        return store

    # -- columns over all entries (by global index) --------------------------------------------------
    def columns(self) -> dict[str, Any]:
        """Per entry: source id, row (-1: none), code id, name id, severity rank, fix id; and the
        tables those ids index (``paths``, ``codes``, ``names``)."""
        if self._cols is not None:
            return self._cols
        paths: dict[str | None, int] = {}
        codes: dict[str, int] = {}
        names: dict[str, int] = {}
        cols: dict[str, list[np.ndarray]] = {k: [] for k in ("source", "row", "code", "name", "severity", "fix",
                                                             "edit")}
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
                cols["edit"].append(np.zeros(n, bool))
            else:
                cols["source"].append(np.array([paths.setdefault(f.source, len(paths)) for f in p], np.int32))
                cols["row"].append(np.array([-1 if f.row is None else f.row for f in p], np.int64))
                cols["code"].append(np.array([codes.setdefault(f.code, len(codes)) for f in p], np.int32))
                cols["name"].append(np.array([names.setdefault(f.name, len(names)) for f in p], np.int32))
                cols["severity"].append(np.array([_SEV_RANK[f.severity] for f in p], np.int8))
                cols["fix"].append(np.array([_FIX_ID[f.fix] for f in p], np.int8))
                cols["edit"].append(np.array([bool(f.edits) for f in p], bool))
        dtypes = {"source": np.int32, "row": np.int64, "code": np.int32, "name": np.int32,
                  "severity": np.int8, "fix": np.int8, "edit": bool}
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

    def fixed_entries(self, fixes: Iterable[Fix], rewrite: Iterable[str] = ()) -> tuple[np.ndarray, np.ndarray]:
        """(dropping, rewriting): by global index, the entries a fix with one of ``fixes`` applies
        to, split into those that drop their row and those that rewrite its text: a finding with
        edits whose code is in ``rewrite`` (``--mask``), on a row no other fix drops."""
        c = self.columns()
        fixes = tuple(fixes)
        wanted = np.array([_FIX_ID[f] for f in fixes], np.int8)
        listed = np.zeros(c["fix"].size, bool)
        listed[self._global(slice(None))] = True
        applied = listed & np.isin(c["fix"], wanted) & (c["row"] >= 0)
        # a rewrite changes text: it is an unsafe fix whatever the rule's own fix is
        codes = [k for k, code in enumerate(c["codes"]) if code in set(rewrite)] if Fix.UNSAFE in fixes else []
        edit = applied & c["edit"] & np.isin(c["code"], codes)
        drop = applied & ~edit
        if edit.any() and drop.any():  # a dropped row is not rewritten: it is in the rejects as it was
            key = c["source"].astype(np.int64) << 40 | c["row"]
            edit &= ~np.isin(key, key[drop])
        return drop, edit

    def rows_to_drop(self, fixes: Iterable[Fix], rewrite: Iterable[str] = ()) -> dict[str, RowsToDrop]:
        """source path -> the rows findings with one of these ``fixes`` drop (ascending), with them.
        Findings of the rules in ``rewrite`` that can rewrite their text (``edits``) drop nothing."""
        return self._by_row(self.fixed_entries(fixes, rewrite)[0])

    def rows_to_edit(self, fixes: Iterable[Fix], rewrite: Iterable[str]) -> dict[str, RowsToDrop]:
        """source path -> the rows whose text the findings of ``rewrite`` rules rewrite, with them."""
        return self._by_row(self.fixed_entries(fixes, rewrite)[1])

    def _by_row(self, entries: np.ndarray) -> dict[str, RowsToDrop]:
        c = self.columns()
        order = self._global(slice(None))
        row, src = c["row"][order], c["source"][order]
        keep = entries[order]
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
