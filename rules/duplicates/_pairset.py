"""Candidate pairs gathered band by band, unique, in bounded memory (``_pairs.candidates``)."""

from __future__ import annotations

import numpy as np

from ._hashstate import unique


def pack(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unordered pairs of row numbers as int64: the smaller row in the high 32 bits."""
    a, b = a.astype(np.int64, copy=False), b.astype(np.int64, copy=False)
    return (np.minimum(a, b) << 32) | np.maximum(a, b)


class PairSet:
    """Packed pairs gathered band by band, kept unique in bounded memory: new pairs are buffered
    and folded into the sorted set once the buffer holds ``fold`` of them (one sort per fold,
    not per band: at 1M templated rows 32 sorts of a growing ~10M set cost ~10 s).  With
    ``rows`` (the rows are < rows) the set is kept in ``parts`` ranges of the first row, each
    folded on its own, so a fold's temporaries are a part's, not the whole set's (at 4M
    templated rows ~28M pairs: a whole-set fold held ~3 copies of it)."""

    def __init__(self, fold: int = 1 << 22, rows: int | None = None, parts: int = 16) -> None:
        self.fold = fold
        step = -(-max(rows or 1, 1) // parts) if rows else 1 << 32
        #: packed values where each part starts (the last bound is past every pair)
        self.bounds = np.array([k * step for k in range(1, -(-(rows or 1) // step))] if rows else [],
                               np.int64) << 32
        self.done = [np.zeros(0, np.int64) for _ in range(self.bounds.size + 1)]
        self.buf: list[np.ndarray] = []
        self.n = 0

    def add(self, pairs: np.ndarray | None) -> None:
        if pairs is None or pairs.size == 0:
            return
        self.buf.append(pairs)
        self.n += pairs.size
        if self.n >= self.fold:
            self._fold()

    def _fold(self) -> None:
        if not self.buf:
            return
        new = unique(np.concatenate(self.buf))
        self.buf, self.n = [], 0
        cuts = [0, *np.searchsorted(new, self.bounds).tolist(), new.size]
        for k, (a, b) in enumerate(zip(cuts[:-1], cuts[1:])):
            if b > a:
                self.done[k] = unique(np.concatenate([self.done[k], new[a:b]])) if self.done[k].size else new[a:b].copy()

    def result(self) -> np.ndarray:
        """The pairs, sorted, packed."""
        self._fold()
        out = np.concatenate(self.done)
        self.done = []
        return out

    def split(self) -> tuple[np.ndarray, np.ndarray]:
        """The pairs, sorted, as (first rows, second rows), uint32, made part by part (each part
        freed as it goes: never the packed set and the two arrays at once)."""
        self._fold()
        total = sum(d.size for d in self.done)
        i, j = np.empty(total, np.uint32), np.empty(total, np.uint32)
        at = 0
        for k, d in enumerate(self.done):
            i[at:at + d.size] = d >> 32
            j[at:at + d.size] = d & 0xFFFFFFFF
            at += d.size
            self.done[k] = None
        self.done = []
        return i, j
