"""The rows a fix drops, for one source: row -> the findings that drop it, made when looked up."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..finding import Finding

if TYPE_CHECKING:  # pragma: no cover
    from .store import FindingStore


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
        made = self._store.at(self._gidx[a:b])
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
