"""Candidate pairs, their exact verification and clusters, for the near-duplicate rules.

``near_pairs`` and ``jaccard`` take a :class:`Table`; when its bulky columns are detached
(``table.remote``), the same results are computed by tasks on the engine's executor
(``_shuffle.py``) and only pairs come back.
"""

from __future__ import annotations

import numpy as np

from trainlint.memory import return_freed_memory
from trainlint.spill import Spilled

from . import _memo
from ._hashstate import pair_intersections, unique
from ._minhash import U64, Params, shingles
from ._candidates import candidate_set, content_order
from ._pairset import pack
from ._words import fingerprints
from ._nearstate import Table


#: text bytes of the pairs verified at once (``jaccard``, ``verify``): their texts, word sets and
#: 5-gram sets take ~25 bytes a byte of text, so ~50 MB (issue 21: verifying every candidate
#: pair at once was the peak of a 1M-row run and grew with the rows; 4 MB at once was ~100 MB,
#: the top of a 4M-row run's verification)
_VERIFY_BYTES = 1 << 21
#: text bytes of the pairs whose texts are gathered at once (``in_chunks``)
_GATHER_BYTES = 1 << 25
#: pairs given the word lower bounds at once
_WORD_PAIRS = 1 << 20


def pair_chunks(table: Table, i: np.ndarray, j: np.ndarray, budget: int = _VERIFY_BYTES) -> list[slice]:
    """Consecutive slices of the pairs (i, j) whose texts add up to about ``budget`` bytes (a
    pair at least), so memory is bounded by the chunk, not the number of pairs."""
    if i.size == 0:
        return []
    cum = np.cumsum(table.lengths(i) + table.lengths(j) + 1)
    cuts = np.unique(np.searchsorted(cum, np.arange(1, int(cum[-1]) // budget + 1) * budget))
    bounds = [0, *[int(c) + 1 for c in cuts if int(c) + 1 < i.size], i.size]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def in_chunks(table: Table, i: np.ndarray, j: np.ndarray, fn) -> list:
    """``fn(local, li, lj)`` over chunks of the pairs (i, j), results concatenated per output in
    pair order: the texts of ~``_GATHER_BYTES`` (32 MB) of pairs are gathered into a local table at once
    (one pass over the compressed blocks, not one per chunk: at 4M rows that was quadratic),
    and ``fn`` gets ``_VERIFY_BYTES`` of them at a time."""
    outs: list[list] = []
    for g in pair_chunks(table, i, j, _GATHER_BYTES):
        gi, gj = i[g], j[g]
        rows = unique(np.concatenate([gi, gj]))
        local = table.texts_of(rows)
        li, lj = np.searchsorted(rows, gi), np.searchsorted(rows, gj)
        del rows, gi, gj
        for c in pair_chunks(local, li, lj):
            for k, v in enumerate(fn(local, li[c], lj[c])):
                if k == len(outs):
                    outs.append([])
                outs[k].append(v)
    return [np.concatenate(o) for o in outs]


def jaccard(table: Table, i: np.ndarray, j: np.ndarray, params: Params) -> np.ndarray:
    """Exact Jaccard similarity of the shingle sets of texts i and j (pairs, vectorised), in
    ``pair_chunks``.  A local table only (``near.jaccard`` sends a detached one's pairs to the
    engine)."""
    if i.size == 0:
        return np.zeros(0, np.float64)
    return in_chunks(table, i, j, lambda t, a, b: (_jaccard(t, a, b, params),))[0]


def _jaccard(table: Table, i: np.ndarray, j: np.ndarray, params: Params) -> np.ndarray:
    """``jaccard`` of one chunk of pairs.  Shingles are compared by 40 bits of their 64-bit hash
    (a false match inside one pair has odds ~ 1e-7); each sort is one radix-friendly uint64
    sort rather than a lexsort."""
    out = np.zeros(i.size, np.float64)
    if i.size == 0:
        return out
    rows = unique(np.concatenate([i, j]))
    h, r = shingles(table.texts(rows), params)
    # per row: sorted unique shingle hashes (rows come out of shingles() in order)
    key = (r.astype(U64) << U64(40)) | (h >> U64(24))
    del h, r
    key.sort()
    key = key[np.concatenate(([True], key[1:] != key[:-1]))]
    r = (key >> U64(40)).astype(np.int64)
    h = key & U64((1 << 40) - 1)
    del key
    cnt = np.bincount(r, minlength=rows.size)
    off = np.concatenate(([0], np.cumsum(cnt)))
    li = np.searchsorted(rows, i)
    lj = np.searchsorted(rows, j)
    step = max(1, min(1 << 22, (1 << 20) // max(1, int(cnt.mean()) * 2)))  # ~1M keys a sort
    inter = pair_intersections(h, off, li, lj, 40, step)
    union = cnt[li] + cnt[lj] - inter
    out[:] = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    return out


def verify(table: Table, i: np.ndarray, j: np.ndarray, params: Params, threshold: float,
           words=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keep, similarity, content words differing) of pairs (i, j) of a local table.

    The token-level test runs first (``_words``: ~10x cheaper than the shingle sets): its exact
    lower bounds (``WordTest.may_pass``: ~40 bytes a row, pairs in bounded chunks) reject
    nearly every candidate of templated text, and the pairs left are verified in
    ``pair_chunks``: the word sets, the exact Jaccard of their 5-gram sets for
    those passing, and the order test (``aligned``, at ``words.min_aligned``) for those above
    the threshold.  So memory is bounded by the chunk, not the number of candidates.
    ``words`` (a ``_words.WordTest``) None skips the token test (diff comes back as -1)."""
    sim = np.zeros(i.size, np.float64)
    diff = np.full(i.size, -1, np.int64)
    keep = np.zeros(i.size, bool)
    k = may_pass(table, i, j, words)
    if k.size:
        keep[k], sim[k], diff[k] = exact(table, i[k], j[k], params, threshold, words)
    return keep, sim, diff


def may_pass(table: Table, i: np.ndarray, j: np.ndarray, words) -> np.ndarray:
    """Positions of the pairs (i, j) that the word test's exact lower bounds
    (``WordTest.could_pass``) leave (all of them when ``words`` is None)."""
    if words is None or i.size == 0:
        return np.arange(i.size)
    return np.flatnonzero(np.concatenate([ok for _i, _j, ok in _could_pass(table, lambda: [(i, j)], words)]))


def passing(table: Table, chunks, words) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of ``chunks()`` (an iterable of (first rows, second rows), read twice) that the
    word test's lower bounds leave, in order: only those are ever held, not every candidate
    (at 4M templated rows ~28M candidate pairs, 8 bytes each, ~1% left)."""
    got = [(i[ok], j[ok]) for i, j, ok in _could_pass(table, chunks, words)]
    if not got:
        return np.zeros(0, np.uint32), np.zeros(0, np.uint32)
    return np.concatenate([g[0] for g in got]), np.concatenate([g[1] for g in got])


def _could_pass(table: Table, chunks, words):
    """(i, j, ok) of every chunk of ``chunks()``, ok from ``WordTest.could_pass`` (all True when
    ``words`` is None).  A first pass marks the rows in some pair: their fingerprints are made
    once, with each table row's place among them (4 bytes a table row: no sorted copy of every
    pair's rows, no per-pair positions)."""
    if words is None:
        yield from ((i, j, np.ones(i.size, bool)) for i, j in chunks())
        return
    need = np.zeros(table.row_count(), bool)
    for i, j in chunks():
        need[i] = True
        need[j] = True
    rows = np.flatnonzero(need).astype(np.int32 if need.size < 2**31 else np.int64)  # held while fingerprinting
    pos = np.cumsum(need, dtype=np.int32) - 1
    del need
    fp = fingerprints(lambda a, b, rows=rows: table.texts(rows[a:b]), rows.size, words.clean)
    del rows
    for i, j in chunks():
        ok = np.zeros(i.size, bool)
        for a in range(0, i.size, _WORD_PAIRS):
            ok[a:a + _WORD_PAIRS] = words.could_pass(fp, pos[i[a:a + _WORD_PAIRS]], pos[j[a:a + _WORD_PAIRS]])
        yield i, j, ok
    del fp, pos
    return_freed_memory()


def exact(table: Table, i: np.ndarray, j: np.ndarray, params: Params, threshold: float,
          words) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``verify``'s (keep, similarity, content words differing) of pairs that ``may_pass``."""
    if i.size == 0:
        return np.zeros(0, bool), np.zeros(0, np.float64), np.zeros(0, np.int64)
    return tuple(in_chunks(table, i, j, lambda t, a, b: _verify(t, a, b, params, threshold, words)))


def _verify(table: Table, i: np.ndarray, j: np.ndarray, params: Params, threshold: float,
            words) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``verify`` of one chunk of pairs that ``may_pass``."""
    sim = np.zeros(i.size, np.float64)
    diff = np.full(i.size, -1, np.int64)
    ok = np.ones(i.size, bool)
    if words is not None:
        rows = unique(np.concatenate([i, j]))
        ok, diff = words.passes(lambda a, b: table.texts(rows[a:b]), rows.size,
                                np.searchsorted(rows, i), np.searchsorted(rows, j))
    sim[ok] = _jaccard(table, i[ok], j[ok], params)
    keep = ok & (sim >= threshold - 1e-12)
    if words is not None and words.min_aligned > 0 and keep.any():
        k = np.flatnonzero(keep)
        keep[k] = aligned(table, i[k], j[k]) >= words.min_aligned - 1e-12
    return keep, sim, diff


def aligned(table: Table, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Normalised Indel similarity (rapidfuzz: 1 - insertions and deletions / total length) of the
    texts of pairs (i, j), in order: shingle sets and word bags ignore order, so two texts of
    the same sentences in another order look 95% alike to them and ~55% alike here.  Run on
    verified pairs only (a few per hundred rows), one call a pair."""
    from rapidfuzz.distance import Indel

    rows = unique(np.concatenate([i, j]))
    texts = table.texts(rows).to_pylist()
    li, lj = np.searchsorted(rows, i).tolist(), np.searchsorted(rows, j).tolist()
    sim = Indel.normalized_similarity
    return np.array([sim(texts[a] or "", texts[b] or "") for a, b in zip(li, lj)], np.float64)


def near_pairs(table: Table, params: Params, threshold: float, mask: np.ndarray, bucket: np.ndarray,
               pair_ok=None, words=None, memo=None, extra=None, drop=()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Verified pairs (i, j, similarity) with Jaccard >= threshold among rows in ``mask`` and, with
    ``words`` (a ``_words.WordTest``), few enough differing words for their length.  A local
    table only (``near.near_pairs``).  The table's band hashes are dropped once the candidates
    are out (verification reads texts only): 128 bytes a row less at the peak of ``finish``.

    ``memo`` (a ``_memo.Slot``): what the previous run verified decides the pairs it covers, and
    this run's is left in it (``_memo``); ``extra`` then holds, per row, whatever ``pair_ok``
    reads besides the text hash.  ``drop``: the names of table columns the caller reads no more
    (``nkey``), dropped once the candidates are made."""
    if memo is not None:
        return _near_pairs_memo(table, params, threshold, mask, bucket, pair_ok, words, memo, extra, drop)
    pairs = _candidates_parked(table, bucket, mask, drop)
    # the pairs the lower bounds leave, then the exact tests: no per-candidate arrays (8 bytes
    # a candidate pair and more, ~28M pairs at 4M templated rows)
    i, j = passing(table, lambda: _allowed(pairs, pair_ok), words)
    keep, sim, _diff = exact(table, i, j, params, threshold, words)
    return i[keep].astype(np.int64), j[keep].astype(np.int64), sim[keep]


def _allowed(pairs, pair_ok):
    """The candidates (a ``PairSet``) a range of first rows at a time, as ``pair_ok`` leaves them."""
    for i, j in pairs.parts():
        if pair_ok is not None and i.size:
            ok = pair_ok(i, j)
            i, j = i[ok], j[ok]
        yield i, j


def _candidates_parked(table: Table, bucket: np.ndarray, mask: np.ndarray, drop=()):
    """``candidate_set`` of the table's masked rows, with what it does not read parked
    (``Table.parked``); the table's band hashes and the columns named in ``drop`` are dropped
    after (verification reads texts)."""
    rows = content_order(np.flatnonzero(mask), table.nkey)
    with table.parked():
        pairs = candidate_set(table.bands, bucket, mask, None, rows=rows)
    del rows
    table.bands = None
    for name in drop:
        setattr(table, name, None)
    return_freed_memory()  # the candidates' temporaries
    return pairs


def _near_pairs_memo(table: Table, params: Params, threshold: float, mask: np.ndarray, bucket: np.ndarray,
                     pair_ok, words, slot, extra, drop=()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``near_pairs`` with a memo: the three cases of ``_memo``'s doc.  The candidates are walked a
    range at a time, as without a memo: only the pairs the memo keeps and those it leaves to
    verify that pass the word test's bounds are ever held (holding every candidate pair with its
    lookup was ~40 bytes a pair, the peak of a cold 4M-row run with the cache on, issue 21)."""
    rows = _memo.elements(table, mask, bucket, extra)
    elems = unique(rows[mask])
    if elems.size < 2 or elems.size != int(np.count_nonzero(mask)):
        # nothing to pair, or two rows with one element (a hash collision): no memo
        return near_pairs(table, params, threshold, mask, bucket, pair_ok, words, drop=drop)
    before = slot.before
    look = _memo.Lookup(before, rows, mask)
    if before is not None and np.array_equal(before.elems, elems):
        table.bands = None
        slot.used, slot.after = "same", before
        return look.packed >> 32, look.packed & 0xFFFFFFFF, look.sim
    old = None
    if before is not None and _memo.covers(before.elems, elems):
        # only rows added: a pair of two earlier rows was verified by the earlier run
        old = np.zeros(mask.size, bool)
        old[mask] = np.isin(rows[mask], before.elems)
        slot.used = "grown"
    else:
        slot.used = "partial" if before is not None else "none"
    # the elements wait in the spill file until the memo is made (16 bytes a row, issue 21)
    named = Spilled((rows, elems))
    del rows, elems
    pairs = _candidates_parked(table, bucket, mask, drop)

    def parts():
        # (pairs the memo decides, and keeps, with their similarity; pairs left to verify)
        for i, j in _allowed(pairs, pair_ok):
            held, sim = look.get(i, j)
            decided = old[i] & old[j] if old is not None else held
            keep = decided & held
            yield (i[keep], j[keep], sim[keep]), (i[~decided], j[~decided])

    got, slot.verified = [], 0
    for kept, left in parts():  # one pass for what the memo keeps and the count left to verify
        got.append(kept)
        slot.verified += int(left[0].size)
    vi, vj = passing(table, lambda: (left for _kept, left in parts()), words)
    keep, vsim, _diff = exact(table, vi, vj, params, threshold, words)
    p = np.concatenate([pack(k[0], k[1]) for k in got] + [pack(vi[keep], vj[keep])])
    sim = np.concatenate([k[2] for k in got] + [vsim[keep]])
    o = np.argsort(p, kind="stable")  # in pair order, as the candidates come
    i, j, sim = (p[o] >> 32).astype(np.int64), (p[o] & 0xFFFFFFFF).astype(np.int64), sim[o]
    rows, elems = named.get()
    _memo.remember(slot, elems, rows, i, j, sim)
    return i, j, sim


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Union-find by vectorised min-label propagation with pointer jumping: each node's label is
    the smallest index in its connected component (so the first row in row order)."""
    lab = np.arange(n, dtype=np.int64)
    if i.size == 0:
        return lab
    while True:
        li, lj = lab[i], lab[j]
        m = np.minimum(li, lj)
        before = lab.copy()
        np.minimum.at(lab, li, m)
        np.minimum.at(lab, lj, m)
        while True:  # pointer jumping
            nxt = lab[lab]
            if np.array_equal(nxt, lab):
                break
            lab = nxt
        lab = np.minimum(lab, lab[lab])
        if np.array_equal(lab, before):
            return lab

