"""A bounded, mergeable state of (key hash, row id) pairs: 12 bytes a row, no Python object per row."""

from __future__ import annotations

import numpy as np

from trainlint.spill import Spilled


class HashState:
    """Chunks of uint64 keys and global row ids, appended in row order, each in the process's
    spill file (``trainlint.spill``: they do not grow the heap while the file is read, issue 21).

    A chunk's row ids are kept as uint32 offsets from its first id when they fit (a batch spans
    far fewer than 2**32 rows): 12 bytes a row instead of 16.
    """

    __slots__ = ("_chunks", "_bases", "_groups")

    def __init__(self) -> None:
        #: (keys, id offsets) of every chunk, spilled
        self._chunks: list[Spilled] = []
        self._bases: list[int] = []
        self._groups = None  # finish() and stats() both ask: sort once

    def add(self, keys: np.ndarray, ids: np.ndarray) -> None:
        if keys.size:
            self._groups = None
            keys = np.asarray(keys, dtype=np.uint64)
            ids = np.asarray(ids, dtype=np.int64)
            base = int(ids.min())
            if int(ids.max()) - base < 1 << 32:
                self._bases.append(base)
                self._chunks.append(Spilled((keys, (ids - base).astype(np.uint32))))
            else:
                self._bases.append(0)
                self._chunks.append(Spilled((keys, ids)))

    def merge(self, other: HashState) -> HashState:
        self._groups = None
        self._chunks.extend(other._chunks)
        self._bases.extend(other._bases)
        return self

    @property
    def keys(self) -> list[np.ndarray]:
        """The keys of every chunk (read back on each call)."""
        return [c.read(0) for c in self._chunks]

    @property
    def ids(self) -> list[np.ndarray]:
        """The row ids of every chunk (int64, made on each call)."""
        return [c.read(1).astype(np.int64) + np.int64(b) for c, b in zip(self._chunks, self._bases)]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if not self._chunks:
            return np.zeros(0, np.uint64), np.zeros(0, np.int64)
        return np.concatenate(self.keys), np.concatenate(self.ids)

    def groups(self) -> list[tuple[int, np.ndarray]]:
        """Clusters of equal keys with more than one row: (first row id, later row ids), ordered by
        the first row, so cluster numbers are the same whatever the batching."""
        firsts, sizes, members = self.group_arrays()
        bounds = np.concatenate(([0], np.cumsum(sizes - 1)))
        return [(f, members[a:b]) for f, a, b in zip(firsts.tolist(), bounds[:-1].tolist(), bounds[1:].tolist())]

    def group_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The clusters as arrays: first row ids (ascending), cluster sizes (first row included),
        and the later row ids of every cluster one after another, in cluster order.

        Keys are sorted bucket by bucket (by their top 4 bits), so the sort's temporaries are a
        sixteenth of the state and only one bucket of the keys is read back at a time.
        """
        if self._groups is not None:
            return self._groups
        # Each chunk is reordered by its keys' top 4 bits (a stable sort of one byte a row: row
        # ids stay ascending within a bucket) and written back, so a bucket is one slice of
        # every chunk, read without a mask per (bucket, chunk): ~5x faster than masking.
        cuts = []
        for c, ch in enumerate(self._chunks):
            k, off = ch.get()
            tops = (k >> _TOP_SHIFT).astype(np.uint8)
            order = np.argsort(tops, kind="stable")
            self._chunks[c] = Spilled((k[order], off[order]))
            cuts.append(np.searchsorted(tops[order], np.arange(_BUCKETS + 1), side="left").tolist())
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for b in range(_BUCKETS):
            ks, ids = [], []
            for c, ch in enumerate(self._chunks):
                lo, hi = cuts[c][b], cuts[c][b + 1]
                if hi > lo:
                    ks.append(ch.read(0, lo, hi))
                    ids.append(ch.read(1, lo, hi).astype(np.int64) + np.int64(self._bases[c]))
            if ks:
                parts.append(_groups_of(np.concatenate(ks), np.concatenate(ids)))
        if not parts:
            empty = np.zeros(0, np.int64)
            self._groups = (empty, empty, empty)
            return self._groups
        firsts = np.concatenate([p[0] for p in parts])
        sizes = np.concatenate([p[1] for p in parts])
        members = np.concatenate([p[2] for p in parts])
        order = np.argsort(firsts, kind="stable")
        # the later rows of cluster order[j] are members[start[j]: start[j] + sizes[j] - 1]
        rest = sizes - 1
        start = np.concatenate(([0], np.cumsum(rest)[:-1]))
        rest_o = rest[order]
        gather = np.repeat(start[order], rest_o) + _ranges(rest_o)
        self._groups = (firsts[order], sizes[order], members[gather])
        return self._groups

    def __getstate__(self):
        return self._chunks, self._bases, self._groups

    def __setstate__(self, st) -> None:
        self._chunks, self._bases, self._groups = st


_BUCKETS = 16
_TOP_SHIFT = np.uint64(60)


def _ranges(sizes: np.ndarray) -> np.ndarray:
    """0..n-1 for every n in ``sizes``, one after another."""
    total = int(sizes.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(sizes) - sizes, sizes)


def repeated(keys: np.ndarray) -> np.ndarray | None:
    """Positions (ascending) of the entries whose value occurs more than once; None when none does.

    Most keys are unique.  An unstable sort of the keys alone (SIMD in NumPy 2) finds the values
    that repeat and a hash-set lookup marks their entries, so that only those go through an
    ordered sort: ~3x faster than sorting every (key, row) pair."""
    if keys.size < 2:
        return None
    s = np.sort(keys)
    dup = s[1:][s[1:] == s[:-1]]
    del s
    if not dup.size:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    dup = dup[np.concatenate(([True], dup[1:] != dup[:-1]))]  # sorted: unique without np.unique's hashing
    return np.flatnonzero(np.asarray(pc.is_in(pa.array(keys), value_set=pa.array(dup))))


def _groups_of(keys: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clusters of equal keys among these rows (any order of first rows), as ``group_arrays``."""
    empty = np.zeros(0, np.int64)
    if keys.size < 2:
        return empty, empty, empty
    # only the rows whose key repeats go through the ordered sort below
    member = repeated(keys)
    if member is None:
        return empty, empty, empty
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
    members = np.repeat(ms, mz) + _ranges(mz)
    i = ids[order[members]]
    is_first = np.zeros(i.size, dtype=bool)
    is_first[np.cumsum(mz) - mz] = True
    return i[is_first], mz.astype(np.int64), i[~is_first]


def unique(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` by one sort: NumPy 2.4's hash-based unique measured ~100x slower on 4M
    uint64 keys here (4.8 s against 0.04 s)."""
    a = np.sort(np.asarray(a).ravel())
    if a.size < 2:
        return a
    return a[np.concatenate(([True], a[1:] != a[:-1]))]


def ranges(starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Concatenated aranges [s, s+len) without a Python loop."""
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    before = np.concatenate(([0], np.cumsum(lens)[:-1]))
    return np.repeat(starts - before, lens) + np.arange(total, dtype=np.int64)



def pair_intersections(h: np.ndarray, off: np.ndarray, li: np.ndarray, lj: np.ndarray, bits: int,
                       step: int) -> np.ndarray:
    """|A ∩ B| of the pairs (li, lj) of per-row sets: row r holds the sorted unique values
    ``h[off[r]:off[r + 1]]`` (< 2**bits).  One sort of (pair << bits | value) keys per ``step``
    pairs: a value present on both sides is an adjacent equal key."""
    cnt = np.diff(off)
    out = np.zeros(li.size, np.int64)
    shift = np.uint64(bits)
    for a in range(0, li.size, step):
        pi, pj = li[a:a + step], lj[a:a + step]
        ni, nj = cnt[pi], cnt[pj]
        p = np.arange(pi.size, dtype=np.uint64) << shift
        keys = np.concatenate([np.repeat(p, ni) | h[ranges(off[pi], ni)],
                               np.repeat(p, nj) | h[ranges(off[pj], nj)]])
        keys.sort()
        dup = keys[1:] == keys[:-1]
        out[a:a + step] = np.bincount((keys[1:][dup] >> shift).astype(np.int64), minlength=pi.size)
    return out
