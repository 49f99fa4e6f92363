"""Candidate pairs of the near-duplicate rules: rows sharing a band hash (in a bucket, each
member with the first and its predecessor) and, with 16 or more bands, a second band
(``candidates``); ``_pairs`` verifies them."""

from __future__ import annotations

import numpy as np

from ._arena import ColumnBands, gather, shared_count
from ._hashstate import repeated, unique
from ._minhash import U64
from ._pairset import PairSet, halves, pack


def bucket_order(key: np.ndarray) -> np.ndarray | None:
    """Positions of the entries of ``key`` whose value repeats, sorted by value, equal values in
    position order: what ``np.argsort(key, kind="stable")`` gives once entries with a unique
    value are dropped (None when no value repeats).  Nearly every band hash is unique, so this
    sorts only the few that repeat: 0.10 s -> 0.03 s per band at 1M rows."""
    member = repeated(key)
    return None if member is None else member[np.argsort(key[member], kind="stable")]


def bucket_pairs(key: np.ndarray, row: np.ndarray) -> np.ndarray | None:
    """Pairs of one band, packed ``lo << 32 | hi`` (rows are < 2**32): each later member of a
    bucket (equal ``key``) with the bucket's first member and with its predecessor, members taken
    in the order given, so at most two pairs per row and band whatever the bucket sizes.  The
    callers give the rows in content order (``content_order``), so which pairs a bucket yields
    does not depend on the order of the rows in the file."""
    o = bucket_order(key)  # members of buckets, each bucket in the given order
    if o is None:
        return None
    k = key[o]
    same = k[1:] == k[:-1]
    pos = np.flatnonzero(same) + 1  # later members of a bucket, in sorted positions
    start = np.flatnonzero(np.concatenate(([True], ~same)))
    first = start[np.searchsorted(start, pos, side="right") - 1]
    later = row[o[pos]].astype(np.int64)
    return np.concatenate([pack(row[o[first]].astype(np.int64), later),
                           pack(row[o[pos - 1]].astype(np.int64), later)])


def content_order(rows: np.ndarray, content: np.ndarray) -> np.ndarray:
    """``rows`` sorted by their content hash (ties: in the given order).  Buckets walked in this
    order pair the same texts however the file is shuffled (issue 16: a baseline keyed by content
    stays valid), where row order made a pair found or missed depending on which rows came first."""
    return rows[np.argsort(content[rows], kind="stable")]


#: pairs whose band hashes are compared at once (32 bands: 128 bytes a pair and side)
_AND_OR_CHUNK = 1 << 18
#: pairs of consecutive bands given the two-shared-bands test together (a spilled table reads
#: every band once per test: ~2 pairs a row and band on templated text)
_SHARED_PAIRS = 1 << 22


def shared_bands(bands, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Number of equal band hashes of each pair, in bounded chunks (``_arena.shared_count``)."""
    return shared_count(bands, i, j, _AND_OR_CHUNK)


def candidates(bands, bucket: np.ndarray, mask: np.ndarray,
               content: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``candidate_set``'s pairs as (first rows, second rows), uint32, sorted."""
    return candidate_set(bands, bucket, mask, content).split()


def candidate_set(bands, bucket: np.ndarray, mask: np.ndarray, content: np.ndarray | None,
                  rows: np.ndarray | None = None) -> PairSet:
    """Pairs (i < j, indices into the table) sharing a band hash and a bucket key (and, with 16
    or more bands, a second band).  In a bucket of m rows each member is paired with the first
    and with its predecessor (``bucket_pairs``), members in ``content`` hash order: O(m) pairs,
    not O(m^2), so at most ``2 * bands`` per row; union-find only needs a connected graph, and
    the chain keeps recall when the first is off.  ``bands``: a matrix or ``_arena.ColumnBands``
    (read one band at a time).  ``rows``: the masked rows in ``content`` order (``content_order``),
    when the caller made them.

    A band's key is exact, not a hash: the row's bucket numbered among the buckets (high 32
    bits) and the band hash (low 32), built in one reused buffer.  Per row the loop holds ~28
    bytes (rows, their places in the blocks, bucket numbers, one band, the key), where hashing
    each band with the bucket held ~70 of temporaries at the peak of a 4M-row run (issue 21)."""
    pairs = PairSet(rows=bands.shape[0])
    # ``rows``: the masked rows in content order already (the caller then needs no ``content``)
    idx = np.flatnonzero(mask) if rows is None else rows
    if idx.size < 2:
        return pairs
    if rows is None:
        idx = content_order(idx, content)
    if bands.shape[0] < 2**31:
        idx = idx.astype(np.int32)  # 4 bytes a row less in every band's temporaries
    code = bucket_numbers(bucket, idx)
    and_or = bands.shape[1] >= 16
    held: list[np.ndarray] = []

    def flush() -> None:
        # AND-OR amplification: two texts at the threshold (0.7) share ~8 of 32 bands,
        # unrelated texts that collide share one; needing two cuts the pairs to verify ~10x
        # at a recall cost of ~0.2% for pairs exactly at 0.7 (less above it).  Applied to a few
        # bands' pairs at a time, so only those pairs are ever held: on templated text nearly
        # every row collides in every band (~60 pairs a row before this filter, ~5 after).
        # sorted: the first rows' band hashes are then read in order (half the gathers' cost
        # once a band outgrows the CPU cache, 4M rows); the set does not depend on the order
        p = np.concatenate(held) if len(held) > 1 else held[0]
        held.clear()
        p.sort()
        i, j = halves(p)
        pairs.add(p[shared_bands(bands, i, j) >= 2])

    place = gather(bands.pos, idx) if isinstance(bands, ColumnBands) else None
    whole = None if place is None else np.empty(int(bands.starts[-1]), np.uint32)
    band = np.empty(idx.size, np.uint32)
    key = np.empty(idx.size, U64)
    for b in range(bands.shape[1]):
        if place is None:
            np.take(bands[:, b], idx, out=band)
        else:
            gather(bands.block_band(b, whole), place, out=band)
        np.copyto(key, code)
        key <<= U64(32)
        key |= band
        for p in _partitioned_pairs(key, idx, band):
            if not and_or:
                pairs.add(p)
            elif p is not None:
                held.append(p)
                if sum(h.size for h in held) >= _SHARED_PAIRS:
                    flush()
    if held:
        flush()
    return pairs


def bucket_numbers(bucket: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
    """The bucket of each row ``idx`` (default: every row) numbered among the distinct buckets:
    uint32, made in chunks (no 8-byte temporary for every row).  Equal buckets, equal numbers."""
    sub = bucket if idx is None else bucket[idx]
    values = unique(sub)
    code = np.zeros(sub.size, np.uint32)
    if values.size > 1:
        for a in range(0, sub.size, 1 << 20):
            code[a:a + (1 << 20)] = np.searchsorted(values, sub[a:a + (1 << 20)])
    return code


#: rows of one band's keys above which its buckets are paired a slice of the key space at a time
_PARTITION_ROWS = 1 << 19


def _partitioned_pairs(key: np.ndarray, row: np.ndarray, spread: np.ndarray):
    """``bucket_pairs(key, row)``, by slices of the key space (the top bits of ``spread``, a
    uniform hash equal wherever ``key`` is: the band hash) when there are many rows: equal keys
    share a slice and each slice keeps the given order, so the pairs are the same, and the
    sort's temporaries (~80 bytes a row) are a slice's (issue 21)."""
    parts = 1 << max(0, int(np.ceil(np.log2(max(1, key.size / _PARTITION_ROWS)))))
    if parts == 1:
        yield bucket_pairs(key, row)
        return
    top = (spread >> np.uint32(32 - parts.bit_length() + 1)).astype(np.uint16)
    for q in range(parts):
        sel = np.flatnonzero(top == q)
        yield bucket_pairs(key[sel], row[sel])
