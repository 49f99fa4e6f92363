"""What a run's near-pair verification found, kept for the next run (the state cache's finish memo).

Verifying a candidate pair (``_pairs.verify``: word test, 5-gram Jaccard, order test) is a pure
function of the two capped normalised texts and the options, and it is most of ``finish`` (at 1M
templated rows ~46 of 48 s), so a re-run after a small change re-verifies nothing it can look up.

Each row of the call's mask is named by an *element*: a hash of its normalised text (``nkey``),
its bucket (split/label, as the caller groups), what the caller's ``pair_ok`` reads (``extra``)
and its rank among the rows of the same (text, bucket) in row order (0 unless copies are kept),
so every element is unique.  An element fixes everything candidate generation looks at: its band
hashes (a function of the text), its bucket, its place in the content order (``_pairs.content_order``:
by text hash, copies in row order, which the rank carries) and ``pair_ok``.  A copy appended
after the earlier ones is a new element; the earlier rows keep theirs, whatever their row numbers.
The memo of a call is (the sorted elements it verified over, the element pairs that passed with
their similarity): 8 bytes a row plus 24 a passing pair.  The next run, with elements ``E`` and the memo's ``E0``:

- ``E0 == E``: the candidates are those of the earlier run, so the passing pairs are the memo's
  (no candidates, no verification: an append of rows that are all exact copies of earlier rows);
- ``E0`` within ``E`` (rows were only added): in a bucket walked in content order each row is
  paired with the bucket's first and its predecessor, so inserting rows never pairs two earlier
  rows that were not paired before.  A candidate pair of two earlier elements was verified by
  the earlier run: it passes exactly when the memo holds it.  Pairs with a new element are
  verified;
- otherwise (rows went: a bucket's first or a row between two others may be gone, pairing two
  earlier rows anew): a pair the memo holds passes (verification is a pure function of the
  texts), every other pair is verified.

Pairs are unordered (the verification is symmetric).  The memo is only ever a shortcut to the
same answer: ``tests/test_finish_memo.py`` checks that results with it equal results without.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._hashstate import repeated
from ._pairset import pack

U64 = np.uint64


@dataclass(frozen=True)
class PairMemo:
    """One call's memo: ``sig`` (what the verification depended on), sorted unique ``elems``,
    the passing pairs ``(a, b)`` of elements (a < b) with their ``sim``."""

    sig: str
    elems: np.ndarray
    a: np.ndarray
    b: np.ndarray
    sim: np.ndarray

    def valid(self, sig: str) -> bool:
        """Whether the memo is one of this call and whole (a damaged or foreign value is ignored)."""
        try:
            arrays = (self.elems, self.a, self.b)
            return (self.sig == sig and all(isinstance(x, np.ndarray) and x.dtype == U64 and x.ndim == 1
                                            for x in arrays)
                    and isinstance(self.sim, np.ndarray) and self.sim.dtype == np.float64
                    and self.a.size == self.b.size == self.sim.size
                    and bool(np.all(self.elems[1:] > self.elems[:-1])))
        except Exception:  # noqa: BLE001 - anything else is not a memo of ours
            return False

    def nbytes(self) -> int:
        return int(self.elems.nbytes + self.a.nbytes + self.b.nbytes + self.sim.nbytes)


class Slot:
    """A call's memo in a run: ``before`` (kept by the previous run, or None) and ``after`` (what
    this run found, set by the call).  ``sig`` names the call's options."""

    def __init__(self, before, sig: str) -> None:
        self.sig = sig
        self.before = before if isinstance(before, PairMemo) and before.valid(sig) else None
        self.after: PairMemo | None = None
        #: how the last call used the memo: "same", "grown", "partial", "none" (tests, stats)
        self.used = "none"
        #: pairs this run verified
        self.verified = 0


def elements(table, mask: np.ndarray, bucket: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
    """The element of each row in ``mask`` (uint64, 0 elsewhere): see the module doc."""
    from trainlint.hashing import combine

    idx = np.flatnonzero(mask)
    base = combine(table.nkey[idx].astype(U64), bucket[idx].astype(U64))
    # the copies of one (text, bucket) are walked in table order: each one's rank among them
    rank = np.zeros(idx.size, np.int64)
    rep = repeated(base)
    if rep is not None:
        o = rep[np.argsort(base[rep], kind="stable")]
        k = base[o]
        start = np.concatenate(([True], k[1:] != k[:-1]))
        pos = np.arange(o.size)
        rank[o] = pos - np.maximum.accumulate(np.where(start, pos, 0))
    e = base if extra is None else combine(base, extra[idx].astype(U64))
    e = combine(e, rank.astype(U64))
    out = np.zeros(mask.size, U64)
    out[idx] = e
    return out


class Lookup:
    """A memo's pairs as packed pairs of the current table's rows (sorted), with their
    similarities: pairs whose elements are not in the table any more are dropped."""

    def __init__(self, memo: PairMemo | None, rows: np.ndarray, mask: np.ndarray) -> None:
        self.packed = np.zeros(0, np.int64)
        self.sim = np.zeros(0, np.float64)
        if memo is None or memo.a.size == 0:
            return
        idx = np.flatnonzero(mask)
        o = np.argsort(rows[idx], kind="stable")
        se, srow = rows[idx][o], idx[o]
        ra, oka = _find(se, srow, memo.a)
        rb, okb = _find(se, srow, memo.b)
        ok = oka & okb
        p = pack(ra[ok], rb[ok])
        o = np.argsort(p, kind="stable")
        self.packed, self.sim = p[o], memo.sim[ok][o]

    def get(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(held, similarity) of pairs (i, j) of table rows."""
        p = pack(i, j)
        if self.packed.size == 0:
            return np.zeros(p.size, bool), np.zeros(p.size, np.float64)
        pos = np.minimum(np.searchsorted(self.packed, p), self.packed.size - 1)
        held = self.packed[pos] == p
        return held, np.where(held, self.sim[pos], 0.0)


def _find(sorted_elems: np.ndarray, rows: np.ndarray, want: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if sorted_elems.size == 0:
        return np.zeros(want.size, np.int64), np.zeros(want.size, bool)
    pos = np.minimum(np.searchsorted(sorted_elems, want), sorted_elems.size - 1)
    return rows[pos], sorted_elems[pos] == want


def remember(slot: Slot, elems_sorted: np.ndarray, rows: np.ndarray, i: np.ndarray, j: np.ndarray,
             sim: np.ndarray) -> None:
    """This run's memo: the elements verified over and the passing pairs (i, j, sim)."""
    a, b = rows[i], rows[j]
    slot.after = PairMemo(slot.sig, elems_sorted, np.minimum(a, b), np.maximum(a, b),
                          np.asarray(sim, np.float64).copy())


def covers(small: np.ndarray, big: np.ndarray) -> bool:
    """Whether every value of sorted ``small`` is in sorted ``big``."""
    if small.size == 0:
        return True
    if small.size > big.size:
        return False
    pos = np.minimum(np.searchsorted(big, small), big.size - 1)
    return bool(np.all(big[pos] == small))
