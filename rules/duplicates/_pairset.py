"""Candidate pairs gathered band by band, unique, in bounded memory (``_candidates.candidates``)."""

from __future__ import annotations

import sys

import numpy as np

from trainlint.spill import Spilled

from ._hashstate import unique


def pack(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unordered pairs of row numbers as int64: the smaller row in the high 32 bits."""
    a, b = a.astype(np.int64, copy=False), b.astype(np.int64, copy=False)
    return (np.minimum(a, b) << 32) | np.maximum(a, b)


def halves(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first rows, second rows) of packed pairs ``p`` (int64, contiguous), uint32: views into
    ``p`` on a little-endian machine (no copies), else made."""
    if sys.byteorder == "little" and p.flags.c_contiguous:
        v = p.view(np.uint32).reshape(-1, 2)
        return v[:, 1], v[:, 0]
    return (p >> 32).astype(np.uint32), (p & 0xFFFFFFFF).astype(np.uint32)


class PairSet:
    """Packed pairs gathered band by band, unique, in bounded memory: new pairs are buffered and,
    once the buffer holds ``fold`` of them, made unique and cut into ``parts`` ranges of the first
    row (with ``rows``: the rows are < rows), each range's pieces kept in the process's spill file
    (``trainlint.spill``).  A range is made unique when it is read (``parts``), so memory holds a
    buffer and one range, not the set (at 4M templated rows ~28M pairs: with the set resident and
    merged fold by fold, the candidates' peak held ~530 MB, issue 21)."""

    def __init__(self, fold: int = 1 << 22, rows: int | None = None, parts: int = 16) -> None:
        self.fold = fold
        step = -(-max(rows or 1, 1) // parts) if rows else 1 << 32
        #: packed values where each part starts (the last bound is past every pair)
        self.bounds = np.array([k * step for k in range(1, -(-(rows or 1) // step))] if rows else [],
                               np.int64) << 32
        #: every range's pieces (unique and sorted each; one piece once the range is read)
        self.done: list[list[Spilled]] = [[] for _ in range(self.bounds.size + 1)]
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
                self.done[k].append(Spilled((new[a:b],)))

    def _part(self, k: int) -> np.ndarray:
        """Range ``k``'s pairs, unique and sorted (kept so, as one piece, for the next read)."""
        pieces = self.done[k]
        if len(pieces) > 1:
            got = unique(np.concatenate([p.read(0) for p in pieces]))
            self.done[k] = [Spilled((got,))]
            return got
        return pieces[0].read(0) if pieces else np.zeros(0, np.int64)

    def parts(self):
        """(first rows, second rows) of every range in order, uint32: the pairs, sorted, a range
        at a time."""
        self._fold()
        for k in range(len(self.done)):
            d = self._part(k)
            yield (d >> 32).astype(np.uint32), (d & 0xFFFFFFFF).astype(np.uint32)

    def result(self) -> np.ndarray:
        """The pairs, sorted, packed."""
        self._fold()
        return np.concatenate([self._part(k) for k in range(len(self.done))])

    def split(self) -> tuple[np.ndarray, np.ndarray]:
        """The pairs, sorted, as (first rows, second rows), uint32, made range by range."""
        self._fold()
        total = 0
        for k in range(len(self.done)):
            self._part(k)
            total += sum(p.size(0) for p in self.done[k])
        i, j = np.empty(total, np.uint32), np.empty(total, np.uint32)
        at = 0
        for a, b in self.parts():
            i[at:at + a.size], j[at:at + a.size] = a, b
            at += a.size
        return i, j
