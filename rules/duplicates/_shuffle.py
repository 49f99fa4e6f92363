"""Candidates and verification over detached parts: the band-hash shuffle.

The same pairs as ``_pairs.candidates`` / ``near_pairs`` / ``jaccard`` on the whole table, while
the band hashes and texts stay in the parts (one per block, in row order) and only keys and pairs
reach the caller.  Two keyed shuffles (``trainlint.shuffle``: the functions here are the rule's,
the engine runs them where the parts are):

1. **Bands.**  Each part emits, for every masked row and band ``b``, ``(key, row)`` with
   ``key = combine(band hash, bucket)`` exactly as ``candidates`` computes it (64 bits) and the
   row number (32 bits) and its content hash (64 bits), partitioned by a hash of ``(b, key)``
   into ``hints().partitions`` pieces, band-major with a count per band: 32 × 20 = 640 bytes a
   masked row travel once.  A whole bucket lands in one partition, so each partition pairs every
   later member of a bucket with the first and with its predecessor, in content order, as
   ``candidates`` does; only the deduplicated candidate pairs (16 bytes each) come back.
2. **Verification.**  The caller filters candidates by its own keys (``pair_ok``), cuts the pairs
   into chunks and asks each part for just the rows those chunks need (band hashes and text);
   each chunk task gets the rows of its pairs from the parts that hold them (a join on row
   number, not a broadcast), applies the two-shared-bands rule of ``candidates`` and the exact
   Jaccard of ``_pairs.jaccard``, and returns one similarity per pair.

Each pair's result depends only on its two rows, so the pairs, their similarities and hence the
clusters equal the whole-table computation's, for any number of parts and partitions.  Rows are
numbered by their position in the table (< 2**32, as in ``candidates``).
"""

from __future__ import annotations

import numpy as np

from trainlint.shuffle import hints, keyed_shuffle

from ._hashstate import unique

from ._minhash import U64, Params, mix64
from ._nearstate import Part, Table
from ._candidates import PairSet, bucket_pairs, shared_bands
from ._pairs import verify

#: pairs per verification task, at most (texts of ~2 rows a pair travel to it)
_PAIRS_PER_TASK = 100_000
_EMPTY = np.zeros(0, np.int64)


# -- 1. band hashes shuffled by (band, key) --------------------------------------------------------
def _band_split(part: Part | None, mask: np.ndarray, bucket: np.ndarray, content: np.ndarray, base: int,
                n: int) -> list:
    """Piece ``c``: (rows per band (int32, bands), keys (uint64), rows (uint32), content hashes
    (uint64)), band-major and in row order within a band: 20 bytes an entry."""
    from trainlint.hashing import combine

    if part is None or not mask.any():
        return [None] * n
    idx = np.flatnonzero(mask)
    bk = bucket[idx]
    nb = part.bands.shape[1]
    row = (idx + base).astype(np.uint32)
    counts = np.zeros((n, nb), np.int32)
    keys: list[list] = [[] for _ in range(n)]
    rows: list[list] = [[] for _ in range(n)]
    conts: list[list] = [[] for _ in range(n)]
    cont = content[idx].astype(U64)
    for b in range(nb):
        key = combine(part.bands[idx, b].astype(U64), bk)
        dest = (mix64(key ^ _BAND_SALT[b]) % U64(n)).astype(np.uint16)
        o = np.argsort(dest, kind="stable")  # radix sort; rows stay in order
        cuts = np.searchsorted(dest[o], np.arange(n + 1))
        for c in range(n):
            s = o[cuts[c]:cuts[c + 1]]
            counts[c, b] = s.size
            keys[c].append(key[s])
            rows[c].append(row[s])
            conts[c].append(cont[s])
    return [(counts[c], np.concatenate(keys[c]), np.concatenate(rows[c]), np.concatenate(conts[c]))
            if counts[c].any() else None
            for c in range(n)]


_BAND_SALT = mix64(np.arange(1, 1025, dtype=U64) * U64(0x9E3779B97F4A7C15))


def _band_pairs(pieces: list) -> np.ndarray:
    """Candidate pairs of one partition, packed ``lo << 32 | hi``, unique: per band, as
    ``_pairs.candidates`` does on the whole table (pieces come in block order, so each band's
    rows are in row order before the stable sort into content order)."""
    pieces = [p for p in pieces if p is not None]
    if not pieces:
        return _EMPTY
    starts = [np.concatenate(([0], np.cumsum(p[0]))) for p in pieces]
    pairs = PairSet()
    for b in range(pieces[0][0].size):
        key = np.concatenate([p[1][s[b]:s[b + 1]] for p, s in zip(pieces, starts)])
        if key.size < 2:
            continue
        row = np.concatenate([p[2][s[b]:s[b + 1]] for p, s in zip(pieces, starts)])
        o = np.argsort(np.concatenate([p[3][s[b]:s[b + 1]] for p, s in zip(pieces, starts)]), kind="stable")
        pairs.add(bucket_pairs(key[o], row[o]))
    return pairs.result()


def remote_candidates(t: Table, mask: np.ndarray, bucket: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``candidates``' pairs before its two-shared-bands filter (applied in verification)."""
    r = t.remote
    off = r.offsets
    if int(mask.sum()) < 2:
        return _EMPTY, _EMPTY
    n = hints().partitions
    args = [(mask[off[k]:off[k + 1]], bucket[off[k]:off[k + 1]], t.nkey[off[k]:off[k + 1]], int(off[k]), n)
            for k in range(len(r))]
    # a part with no masked row sends nothing to any partition
    live = [k for k, a in enumerate(args) if a[0].any()]
    got = keyed_shuffle(_band_split, args, n, _band_pairs, [()] * n, sources=[live] * n)
    pair = unique(np.concatenate(got)) if got else _EMPTY
    return pair >> 32, pair & 0xFFFFFFFF


# -- 2. verification: the rows each chunk of pairs needs, joined by row number ---------------------
def _rows_split(part: Part | None, local: np.ndarray, chunk: np.ndarray, base: int, n: int) -> list:
    """The rows (``local`` indices, ascending within each chunk) that chunk ``c`` needs."""
    out: list = [None] * n
    if part is None or local.size == 0:
        return out
    o = np.argsort(chunk, kind="stable")
    cuts = np.searchsorted(chunk[o], np.arange(n + 1))
    for c in range(n):
        s = local[o[cuts[c]:cuts[c + 1]]]
        if s.size:
            out[c] = (s + base, part.take(s))
    return out


def _verify(pieces: list, i: np.ndarray, j: np.ndarray, params: Params, and_or: bool, threshold: float,
            words) -> tuple:
    """(similarity, kept) of pairs (i, j) from the rows in ``pieces``: kept when they pass the
    two-shared-bands rule (with ``and_or``) and ``_pairs.verify``."""
    pieces = [p for p in pieces if p is not None]
    rows = np.concatenate([p[0] for p in pieces])  # parts in block order: ascending
    parts = [p[1] for p in pieces]
    offs, base = [], 0
    for p in parts:
        offs.append(p.off[:-1] + base)
        base += len(p.data)
    z = np.zeros(rows.size, U64)
    mini = Table(rows, z, z, z, np.zeros(rows.size, np.int8), np.concatenate([p.bands for p in parts]),
                 np.concatenate(offs + [np.array([base], np.int64)]), b"".join(p.data for p in parts))
    li, lj = np.searchsorted(rows, i), np.searchsorted(rows, j)
    ok = np.ones(i.size, bool)
    if and_or:
        ok = shared_bands(mini.bands, li, lj) >= 2
    sim = np.zeros(i.size, np.float64)
    keep, sim[ok], _diff = verify(mini, li[ok], lj[ok], params, threshold, words)
    ok[ok] = keep
    return sim, ok


def remote_verify(t: Table, i: np.ndarray, j: np.ndarray, params: Params, and_or: bool, threshold: float = 0.0,
                  words=None) -> tuple:
    """(exact Jaccard per pair, kept: passes the two-shared-bands rule (with ``and_or``), the
    token test and ``threshold``); the Jaccard is 0.0 where an earlier test failed."""
    i = np.asarray(i, np.int64)
    j = np.asarray(j, np.int64)
    if i.size == 0:
        return np.zeros(0, np.float64), np.zeros(0, bool)
    r = t.remote
    ex = hints()
    n = max(1, int(min(max(2 * ex.width, -(-i.size // _PAIRS_PER_TASK)), -(-i.size // ex.min_piece))))
    chunk = (np.arange(i.size, dtype=np.int64) * n) // i.size  # contiguous chunks of pairs
    need = unique(np.concatenate([chunk, chunk]) * (1 << 32) + np.concatenate([i, j]))
    need_chunk, need_row = need >> 32, need & 0xFFFFFFFF
    owner = np.searchsorted(r.offsets, need_row, side="right") - 1
    o = np.argsort(owner, kind="stable")
    cuts = np.searchsorted(owner[o], np.arange(len(r) + 1))
    args, sources = [], [[] for _ in range(n)]
    for k in range(len(r)):
        s = o[cuts[k]:cuts[k + 1]]
        base = int(r.offsets[k])
        args.append((need_row[s] - base, need_chunk[s], base, n))
        for c in unique(need_chunk[s]).tolist():
            sources[c].append(k)
    bounds = np.searchsorted(chunk, np.arange(n + 1))
    red = [(i[bounds[c]:bounds[c + 1]], j[bounds[c]:bounds[c + 1]], params, and_or, threshold, words)
           for c in range(n)]
    got = keyed_shuffle(_rows_split, args, n, _verify, red, sources=sources)
    return np.concatenate([g[0] for g in got]), np.concatenate([g[1] for g in got])


def remote_near_pairs(t: Table, params: Params, threshold: float, mask: np.ndarray, bucket: np.ndarray,
                      pair_ok=None, words=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``near_pairs`` over detached parts: same pairs, same similarities, same order."""
    i, j = remote_candidates(t, mask, bucket)
    if pair_ok is not None and i.size:
        ok = pair_ok(i, j)
        i, j = i[ok], j[ok]
    sim, keep = remote_verify(t, i, j, params, params.bands >= 16, threshold, words)
    return i[keep], j[keep], sim[keep]
