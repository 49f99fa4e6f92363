"""The band hashes of a run's near-duplicate blocks as one matrix (an arena), and a table's view of
it: ``_nearstate``'s tables index it by row instead of copying it (issue 21)."""

from __future__ import annotations

import weakref

import numpy as np

from trainlint.memory import return_freed_memory


#: the band-hash arenas made by ``arena_bands`` (id -> array), so a block whose band hashes are
#: rows of one is known to be in it
_ARENAS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


#: bytes of old block arrays freed between two hand-backs to the OS while the arena fills (else
#: the arena and the blocks it replaces were both resident: 2x the band hashes at 2M rows)
_TRIM_BYTES = 64 << 20


def arena_bands(stored: list) -> tuple[np.ndarray, dict[int, int]]:
    """(one uint32 matrix holding the band hashes of all ``stored`` blocks, id of block -> its
    first row there).  The blocks' own arrays become views of it, so the matrix replaces them
    rather than copying them (a table's concatenated copy was 128 bytes a row more at the peak
    of ``finish``, issue 21): blocks are moved in one by one, each old array freed as it goes.
    Blocks already in one arena (a second near rule of the run) are not moved again."""
    uniq = list({id(s): s for s in stored if s is not None}.values())
    base = uniq[0].bands.base if uniq else None
    if base is not None and _ARENAS.get(id(base)) is base and all(s.bands.base is base for s in uniq):
        start = base.__array_interface__["data"][0]
        row = base.strides[0]
        return base, {id(s): (s.bands.__array_interface__["data"][0] - start) // row if s.bands.size else 0
                      for s in uniq}
    width = max((s.bands.shape[1] for s in uniq), default=0)
    arena = np.zeros((sum(s.bands.shape[0] for s in uniq), width), np.uint32)
    starts, at, moved = {}, 0, 0
    for s in uniq:
        n = s.bands.shape[0]
        if s.bands.shape[1] == width:
            arena[at:at + n] = s.bands
        moved += s.bands.nbytes
        s.bands = arena[at:at + n]
        starts[id(s)] = at
        at += n
        if moved >= _TRIM_BYTES:  # the blocks' old arrays are heap, not mmap: glibc keeps them
            return_freed_memory()
            moved = 0
    _ARENAS[id(arena)] = arena
    return_freed_memory()
    return arena, starts


class ArenaBands:
    """A table's band hashes as rows ``pos`` of an arena (``arena_bands``), indexed as the
    matrix would be: ``bands[idx, b]`` (band ``b`` of rows ``idx``) and ``bands[idx]``."""

    def __init__(self, arena: np.ndarray, pos: np.ndarray) -> None:
        self.arena = arena
        self.pos = pos
        self.shape = (pos.size, arena.shape[1])

    def __getitem__(self, key):
        if isinstance(key, tuple):
            idx, col = key
            return self.arena[self.pos[idx], col]
        return self.arena[self.pos[key]]

    def take(self, o: np.ndarray) -> ArenaBands:
        return ArenaBands(self.arena, self.pos[o])
