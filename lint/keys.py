"""Content keys: which row a finding is about, by what the row holds rather than where it is.

A baseline, a suppression or a SARIF fingerprint must survive rows being shuffled, inserted or
appended, so none of them may name a row number.  During the run, ``ContentKeys`` (a rule of
the run only, never registered, so every engine runs and merges it like any rule) hashes each
row's normalised content: every column's value as text (nested values as sorted-key JSON),
combined so that neither the order nor the names of the columns matter (a header sniffed one
run and not the next, JSON keys in another order).  A pandas index (``Unnamed: 0`` from
``to_csv``, ``__index_level_0__`` from Arrow) is left out: it is renumbered when the rows are
shuffled and saved again.  A record the reader could not parse hashes its raw bytes.  It keeps 16 bytes per
row (row number and hash) and reuses the exact-text hash the duplicate rules already made for
the batch when the text column is the only column.

``finding_keys`` then gives every finding of a store a 64-bit key: its row's content hash mixed
with the rule's column or JSON pointer, and the content keys of its related rows (the first copy
of a duplicate), so a pair keeps its key whichever of its rows comes first.  A finding on a
column, a file or the run has no row: its key is its column, pointer and message with the
numbers left out ("label 'ham' has only # rows"), so it survives counts changing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import xxhash

from .rule import Rule

_SEED = np.uint64(0xCBF29CE484222325)
#: the key of a finding with no row, before its column, pointer and message are mixed in
_NO_ROW = np.uint64(0x2545F4914F6CDD1D)
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
#: the names a pandas index takes in a file or an Arrow table
_INDEX = re.compile(r"^(?:Unnamed: \d+|__index_level_\d+__)$")


def text_key(text: str) -> np.uint64:
    return np.uint64(xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass")))


def _scramble(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection that spreads every bit (so equal values in two columns
    do not cancel out, and a sum of scrambled hashes is as good as a hash)."""
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))


def row_hashes(batch: Any) -> np.ndarray:
    """The content hash of each row of a batch (``BatchContext``): the sum of its values' scrambled
    hashes, so neither the order nor the names of the columns matter (a header sniffed once and
    not the next time, a column renamed or moved, keys in another order)."""
    from .hashing import hash_strings

    table = batch.table
    n = table.num_rows
    acc = np.full(n, _SEED, dtype=np.uint64)
    single_text = (batch.source.record_format == "text" and len(batch.source.text_columns) == 1
                   and batch.source.text_columns[0])
    names = [c for c in table.column_names if not _INDEX.match(c)] or table.column_names
    with np.errstate(over="ignore"):
        for name in names:
            if name == single_text:
                values = batch.text_hash  # the batch's, made once for the duplicate rules too
            else:
                values = hash_strings(batch.string_column(name))
            acc += _scramble(values)
    return acc


@dataclass
class _KeyState:
    """Per block: source index, row numbers and their content hashes, in row order; and the
    rows whose text each suppression pattern found: (pattern index, source index, rows)."""

    parts: list[tuple[int, np.ndarray, np.ndarray]]
    hits: list[tuple[int, int, np.ndarray]]


class ContentKeys(Rule):
    """Content hash of every row, for baselines, suppressions and SARIF fingerprints.

    What it checks
        Nothing: a rule of the run only, added when content keys are needed.
    Why it matters
        Row numbers change when rows move; content does not.
    Example
        -
    Fix
        -
    Options
        None.
    """

    name = "content-keys"

    def __init__(self, patterns: tuple[str | None, ...] = ()) -> None:
        super().__init__(None)
        self.patterns = tuple(patterns)
        self.table: ContentTable | None = None
        self.hits: dict[int, set[tuple[int, int]]] = {}

    def start(self) -> _KeyState:
        return _KeyState([], [])

    def update(self, batch: Any, state: _KeyState) -> tuple:
        idx = batch.source.index
        if len(batch):
            state.parts.append((idx, batch.rows, row_hashes(batch)))
        if batch.invalid:
            rows = np.array([r.row for r in batch.invalid], np.int64)
            raw = np.array([xxhash.xxh3_64_intdigest(r.raw or r.message.encode()) for r in batch.invalid],
                           np.uint64)
            state.parts.append((idx, rows, raw))
        if any(self.patterns) and len(batch) and batch.text is not None:
            self._search(batch, state)
        return ()

    def _search(self, batch: Any, state: _KeyState) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        from .errors import ConfigError

        for k, pattern in enumerate(self.patterns):
            if not pattern:
                continue
            try:
                found = pc.fill_null(pc.match_substring_regex(batch.text, pattern), False)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
                raise ConfigError(f"suppression pattern {pattern!r} is not RE2 syntax ({e})") from None
            rows = batch.rows[np.asarray(found, dtype=bool)]
            if rows.size:
                state.hits.append((k, batch.source.index, rows))

    def merge(self, a: _KeyState, b: _KeyState) -> _KeyState:
        a.parts.extend(b.parts)
        a.hits.extend(b.hits)
        return a

    def finish(self, state: _KeyState, run: Any) -> tuple:
        self.table = ContentTable.from_parts(state.parts)
        for k, src, rows in state.hits:
            self.hits.setdefault(k, set()).update((src, r) for r in rows.tolist())
        return ()


class ContentTable:
    """source index -> (sorted row numbers, their content hashes)."""

    def __init__(self, by_source: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
        self.by_source = by_source

    @classmethod
    def from_parts(cls, parts: list[tuple[int, np.ndarray, np.ndarray]]) -> ContentTable:
        grouped: dict[int, tuple[list, list]] = {}
        for idx, rows, hashes in parts:
            g = grouped.setdefault(idx, ([], []))
            g[0].append(rows)
            g[1].append(hashes)
        out = {}
        for idx, (rows, hashes) in grouped.items():
            r, h = np.concatenate(rows), np.concatenate(hashes)
            if r.size > 1 and (r[1:] < r[:-1]).any():
                order = np.argsort(r, kind="stable")
                r, h = r[order], h[order]
            out[idx] = (r, h)
        return cls(out)

    def lookup(self, source_index: int, rows: np.ndarray) -> np.ndarray:
        """Content hashes of ``rows`` of a source; rows not seen hash as their row number would
        not: they get a fixed key, so they never match a real row."""
        rows = np.asarray(rows, dtype=np.int64)
        got = self.by_source.get(source_index)
        out = np.full(rows.size, _NO_ROW, dtype=np.uint64)
        if got is None or rows.size == 0:
            return out
        r, h = got
        if r.size and r[0] == 0 and r[-1] == r.size - 1:  # every row, in order: index directly
            ok = (rows >= 0) & (rows < r.size)
            out[ok] = h[rows[ok]]
            return out
        i = np.clip(np.searchsorted(r, rows), 0, max(r.size - 1, 0))
        ok = r.size > 0
        if ok:
            hit = r[i] == rows
            out[hit] = h[i[hit]]
        return out


def _mix(keys: np.ndarray, extra: np.ndarray | np.uint64) -> np.ndarray:
    from .hashing import combine

    return combine(keys, np.broadcast_to(np.asarray(extra, dtype=np.uint64), keys.shape).copy())


@dataclass
class FindingKeys:
    """Keys of a store's entries, by global index (``FindingStore`` parts laid end to end).

    ``own``: each finding's key; ``related``: (global index, key) of each related row, the key
    made as the related row's own finding of that rule would be (same column and pointer)."""

    own: np.ndarray
    related_at: np.ndarray
    related: np.ndarray
    #: the path of each related row, as an index into ``paths``
    related_src: np.ndarray
    paths: list[str | None]

    def hex(self, gidx: int) -> str:
        return f"{int(self.own[gidx]):016x}"


def finding_keys(store: Any, table: ContentTable, sources: Any) -> FindingKeys:
    """Keys of every entry of ``store`` (a ``FindingStore``), from the run's ``ContentTable``.
    ``sources``: the run's ``SourceInfo``s (paths to indices)."""
    from .findings import RowFindings

    by_path = {s.path: s.index for s in sources}
    own_parts: list[np.ndarray] = []
    rel_at: list[np.ndarray] = []
    rel_key: list[np.ndarray] = []
    rel_src: list[np.ndarray] = []
    paths: dict[str | None, int] = {}
    offset = 0
    for part in store.parts:
        n = len(part)
        if isinstance(part, RowFindings):
            # as a ``Finding`` object's (column and pointer) for a rule whose findings were objects
            where = "{}\x1f" if part.object_keys else "{}"
            col_keys = np.array([text_key(where.format(c or "")) for c in part.columns], np.uint64)[part.column]
            hashes = np.full(n, _NO_ROW, np.uint64)
            for k, path in enumerate(part.paths):
                m = part.source == k
                if m.any():
                    hashes[m] = table.lookup(by_path.get(path, -1), part.rows[m])
            own_parts.append(_mix(hashes, col_keys))
            if part.related_source is not None:
                rh = np.full(n, _NO_ROW, np.uint64)
                for k, path in enumerate(part.paths):
                    m = part.related_source == k
                    if m.any():
                        rh[m] = table.lookup(by_path.get(path, -1), part.related_row[m])
                rel_at.append(offset + np.arange(n, dtype=np.int64))
                rel_key.append(_mix(rh, col_keys))
                ids = np.array([paths.setdefault(p, len(paths)) for p in part.paths], np.int32)
                rel_src.append(ids[part.related_source])
        else:
            keys = np.empty(n, np.uint64)
            for i, f in enumerate(part):
                where = text_key(f"{f.column or ''}\x1f{f.pointer or ''}")
                if f.row is not None and f.source in by_path:
                    h = table.lookup(by_path[f.source], np.array([f.row]))[0]
                else:
                    h = _mix(np.array([_NO_ROW]), text_key(_DIGITS.sub("#", f.message)))[0]
                keys[i] = _mix(np.array([h]), where)[0]
                for r in f.related:
                    if r.source in by_path:
                        rh = table.lookup(by_path[r.source], np.array([r.row]))
                        rel_at.append(np.array([offset + i], np.int64))
                        rel_key.append(_mix(rh, where))
                        rel_src.append(np.array([paths.setdefault(r.source, len(paths))], np.int32))
            own_parts.append(keys)
        offset += n
    def cat(xs: list, dt: Any) -> np.ndarray:
        return np.concatenate(xs) if xs else np.zeros(0, dt)

    return FindingKeys(cat(own_parts, np.uint64), cat(rel_at, np.int64), cat(rel_key, np.uint64),
                       cat(rel_src, np.int32), list(paths))
