"""A table's band hashes read band by band from its blocks' spilled columns (issue 21): a local
``finish`` holds one band of every row at a time (4 bytes a row), not the matrix (128 bytes a
row, the largest per-row item at the peak of a 4M-row run)."""

from __future__ import annotations

import numpy as np


class ColumnBands:
    """Band hashes of a table's rows: row ``r`` is row ``pos[r]`` of the blocks (``_nearstate.Stored``)
    laid end to end.  ``column(b)`` reads band ``b`` of every row; ``bands[idx, b]`` and ``bands[idx]``
    index it as the matrix would be (the latter reads every band)."""

    def __init__(self, blocks: list, starts: np.ndarray, pos: np.ndarray) -> None:
        self.blocks = blocks
        self.starts = starts  # first row of each block, and the total last
        self.pos = pos
        self.shape = (pos.size, max((s.width for s in blocks), default=0))

    @classmethod
    def of(cls, stored: list, sel: list[np.ndarray]) -> ColumnBands:
        """The bands of the rows ``sel[k]`` of ``stored[k]`` for every chunk ``k``, in that order
        (chunks may share a block)."""
        uniq = list({id(s): s for s in stored}.values())
        starts = np.concatenate(([0], np.cumsum([s.n for s in uniq]))).astype(np.int64)
        first = {id(s): int(a) for s, a in zip(uniq, starts[:-1])}
        pos = np.concatenate([c + first[id(s)] for s, c in zip(stored, sel)]) if sel else np.zeros(0, np.int64)
        return cls(uniq, starts, pos.astype(np.int32 if starts[-1] < 2**31 else np.int64))

    def column(self, b: int) -> np.ndarray:
        """Band ``b`` of every row (uint32)."""
        whole = np.zeros(int(self.starts[-1]), np.uint32)
        for s, a in zip(self.blocks, self.starts[:-1].tolist()):
            if b < s.width:  # a block of another width (none today) keeps zeros, as the matrix did
                s.band(b, whole[a:a + s.n])
        return whole[self.pos]

    def __getitem__(self, key):
        if isinstance(key, tuple):
            idx, col = key
            return self.column(col)[idx]
        return np.stack([self.column(b)[key] for b in range(self.shape[1])], axis=-1)

    def take(self, o: np.ndarray) -> ColumnBands:
        return ColumnBands(self.blocks, self.starts, self.pos[o])


def column(bands, b: int) -> np.ndarray:
    """Band ``b`` of every row of ``bands`` (a matrix or a :class:`ColumnBands`)."""
    return bands.column(b) if isinstance(bands, ColumnBands) else bands[:, b]


def shared_count(bands, i: np.ndarray, j: np.ndarray, chunk: int) -> np.ndarray:
    """Number of equal band hashes of each pair (i, j): a :class:`ColumnBands` band by band (one
    band of every row held), a matrix in chunks of ``chunk`` pairs."""
    out = np.zeros(i.size, np.int16)
    if isinstance(bands, ColumnBands):
        for b in range(bands.shape[1]):
            col = bands.column(b)
            out += col[i] == col[j]
        return out
    for a in range(0, i.size, chunk):
        out[a:a + chunk] = (bands[i[a:a + chunk]] == bands[j[a:a + chunk]]).sum(axis=1)
    return out
