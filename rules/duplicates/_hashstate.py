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
        the first row, so cluster numbers are the same whatever the batching."""
        if self._groups is not None:
            return self._groups
        keys, ids = self.arrays()
        # one chunk from now on: the per-batch chunks are freed instead of living beside the copy
        self.keys, self.ids = [keys], [ids]
        if keys.size < 2:
            return []
        if bool((ids[1:] > ids[:-1]).all()):  # rows added in order: a stable sort of the keys is enough
            order = np.argsort(keys, kind="stable")
        else:
            order = np.lexsort((ids, keys))
        k = keys[order]
        first = np.concatenate(([True], k[1:] != k[:-1]))
        del k  # peak memory: keys, ids, order and one sorted copy, about 32 bytes a row
        starts = np.flatnonzero(first)
        del first
        sizes = np.diff(np.append(starts, keys.size))
        multi = np.flatnonzero(sizes > 1)
        # only the rows of clusters are gathered, not every row id
        ms, mz = starts[multi], sizes[multi]
        members = np.repeat(ms, mz) + (np.arange(int(mz.sum())) - np.repeat(np.cumsum(mz) - mz, mz))
        i = ids[order[members]]
        del order
        out, pos = [], 0
        for g in multi.tolist():
            n = int(sizes[g])
            out.append((int(i[pos]), i[pos + 1: pos + n]))
            pos += n
        out.sort(key=lambda t: t[0])
        self._groups = out
        return out
