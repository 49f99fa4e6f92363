"""One batch's rows of a near rule's state (``_nearstate.NearState``): their keys in the process's
spill file (``trainlint.spill``: 41 bytes a row that no longer grow the heap while the file is
read, issue 21) and where their band hashes and texts are."""

from __future__ import annotations

import numpy as np

from trainlint.spill import Spilled

#: chunk fields, as ``chunk[f]``: the keys, then where the bulky columns are
IDS, SPLIT, LABEL, NKEY, TAG, SEL, RKEY, STORED = range(8)
_ORDER = (IDS, SPLIT, LABEL, NKEY, TAG, RKEY, SEL)


class Chunk:
    """``chunk[f]`` reads field ``f`` back (SEL and STORED: None for keys only)."""

    __slots__ = ("cols", "n", "stored")

    def __init__(self, ids, split, label, nkey, tag, sel, rkey, stored) -> None:
        cols = (ids, split, label, nkey, tag, rkey) + (() if sel is None else (sel,))
        self.n = int(ids.size)
        self.cols = Spilled(cols)
        self.stored = stored

    def __getitem__(self, f: int):
        if f == STORED:
            return self.stored
        k = _ORDER.index(f)
        return self.cols.read(k) if k < len(self.cols) else None

    def keys_only(self) -> Chunk:
        """The same rows without their band hashes and texts."""
        return Chunk(*(self[f] for f in (IDS, SPLIT, LABEL, NKEY, TAG)), None, self[RKEY], None)

    # pickled as its spilled arrays (their data, or their handles under ``spill.dump_handles``)
    def __getstate__(self):
        return self.cols, self.n, self.stored

    def __setstate__(self, st) -> None:
        self.cols, self.n, self.stored = st


def field(chunks: list[Chunk], f: int) -> np.ndarray:
    """Field ``f`` of every chunk, concatenated."""
    return np.concatenate([c[f] for c in chunks])
