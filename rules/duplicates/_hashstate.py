"""A bounded, mergeable state of (key hash, row id) pairs: 16 bytes a row, no Python object per row."""

from __future__ import annotations

import numpy as np


class HashState:
    """Chunks of uint64 keys and int64 global row ids, appended in row order."""

    __slots__ = ("keys", "ids", "_groups")

    def __init__(self) -> None:
        self.keys: list[np.ndarray] = []
        self.ids: list[np.ndarray] = []
        self._groups = None  # finish() and stats() both ask: sort once

    def add(self, keys: np.ndarray, ids: np.ndarray) -> None:
        if keys.size:
            self._groups = None
            self.keys.append(np.ascontiguousarray(keys, dtype=np.uint64))
            self.ids.append(np.ascontiguousarray(ids, dtype=np.int64))

    def merge(self, other: HashState) -> HashState:
        self._groups = None
        self.keys.extend(other.keys)
        self.ids.extend(other.ids)
        return self

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.keys:
            return np.zeros(0, np.uint64), np.zeros(0, np.int64)
        return np.concatenate(self.keys), np.concatenate(self.ids)

    def groups(self) -> list[tuple[int, np.ndarray]]:
        """Clusters of equal keys with more than one row: (first row id, later row ids), ordered by
        the first row, so cluster numbers are the same whatever the batching.

        Keys are sorted bucket by bucket (by their top 4 bits), so the sort's temporaries are a
        sixteenth of the state instead of twice its size: finish() stays near 16 bytes a row.
        """
        if self._groups is not None:
            return self._groups
        tops = [(k >> _TOP_SHIFT).astype(np.uint8) for k in self.keys]  # 1 byte a row
        out: list[tuple[int, np.ndarray]] = []
        for b in range(_BUCKETS):
            ks, ids = [], []
            for k, i, t in zip(self.keys, self.ids, tops):
                m = t == b
                if m.any():
                    ks.append(k[m])
                    ids.append(i[m])
            if ks:
                out.extend(_groups_of(np.concatenate(ks), np.concatenate(ids)))
        out.sort(key=lambda t: t[0])
        self._groups = out
        return out


_BUCKETS = 16
_TOP_SHIFT = np.uint64(60)


def _groups_of(keys: np.ndarray, ids: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Clusters of equal keys among these rows (any order of first rows)."""
    if keys.size < 2:
        return []
    # Most rows have no copy.  An unstable sort of the keys alone (SIMD in NumPy 2) finds the keys
    # that repeat; only their rows go through the ordered sort below, ~3x faster than sorting
    # every (key, row) pair.
    s = np.sort(keys)
    dup = s[1:][s[1:] == s[:-1]]
    del s
    if not dup.size:
        return []
    import pyarrow as pa
    import pyarrow.compute as pc

    member = np.asarray(pc.is_in(pa.array(keys), value_set=pa.array(np.unique(dup))))
    keys, ids = keys[member], ids[member]
    if bool((ids[1:] > ids[:-1]).all()):  # rows added in order: a stable sort of the keys is enough
        order = np.argsort(keys, kind="stable")
    else:
        order = np.lexsort((ids, keys))
    k = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
    del k
    sizes = np.diff(np.append(starts, keys.size))
    multi = np.flatnonzero(sizes > 1)
    # only the rows of clusters are gathered, not every row id
    ms, mz = starts[multi], sizes[multi]
    members = np.repeat(ms, mz) + (np.arange(int(mz.sum())) - np.repeat(np.cumsum(mz) - mz, mz))
    i = ids[order[members]]
    out, pos = [], 0
    for n in mz.tolist():
        out.append((int(i[pos]), i[pos + 1: pos + n]))
        pos += n
    return out
