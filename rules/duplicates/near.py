"""The near-duplicate machinery under the names the rules use (``mh.NearState``, ``mh.near_pairs``...):
public, because rules of other categories use it too (conflicting-label, split-leakage);
and the one place that picks where pairs are verified: here, or through the keyed shuffle the
engine supplies (``_shuffle``) when the rule's state was detached (``Table.remote``).  The modules below import
each other in one direction only: ``_minhash``, ``_arena`` <- ``_nearstate`` <- ``_pairset``, ``_candidates``, ``_pairs`` <- ``_shuffle`` <- here.
"""

from __future__ import annotations

import numpy as np

from . import _memo, _pairs, _shuffle
from ._hashstate import unique
from ._minhash import (DEFAULT_MAX_WORD_DIFF, DEFAULT_THRESHOLD, EMPTY, SHORT, ExactOrNearOptions, Params,
                       band_hashes, batch_bands, codepoints, kgram_hashes, mix64, prepared_texts, shingles,
                       signatures, signatures_of, utf8_buffer)
from ._nearstate import NO_NEAR, NearState, Table, add_batch, first_of_groups, has_bands
from ._candidates import candidates
from ._pairs import components
from ._words import WordTest

__all__ = ["DEFAULT_MAX_WORD_DIFF", "DEFAULT_THRESHOLD", "EMPTY", "NO_NEAR", "SHORT", "ExactOrNearOptions",
           "NearState", "Params", "Table", "WordTest", "add_batch", "band_hashes", "batch_bands", "candidates",
           "codepoints", "components", "first_of_groups", "has_bands", "jaccard", "kgram_hashes",
           "memo_slot", "mix64", "near_pairs", "prepared_texts", "shingles", "signatures", "signatures_of", "unique",
           "utf8_buffer"]


def jaccard(table: Table, i: np.ndarray, j: np.ndarray, params: Params) -> np.ndarray:
    """Exact Jaccard similarity of the shingle sets of texts i and j (``_pairs.jaccard``)."""
    if table.remote is not None:
        return _shuffle.remote_verify(table, i, j, params, and_or=False)[0]
    return _pairs.jaccard(table, i, j, params)


def near_pairs(table: Table, params: Params, threshold: float, mask: np.ndarray, bucket: np.ndarray,
               pair_ok=None, words=None, memo=None, extra=None, drop=()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Verified pairs (i, j, similarity) among rows in ``mask`` (``_pairs.near_pairs``).  ``memo``
    (``memo_slot``), ``extra`` and ``drop``: see there; a detached table keeps no memo."""
    if table.remote is not None:
        return _shuffle.remote_near_pairs(table, params, threshold, mask, bucket, pair_ok, words)
    return _pairs.near_pairs(table, params, threshold, mask, bucket, pair_ok, words, memo, extra, drop)


def memo_slot(run, name: str, *options) -> _memo.Slot | None:
    """The finish memo of the call ``name`` of a run whose engine keeps one (``run.memo``, the
    state cache's), with what the previous run left; None otherwise.  ``options``: everything
    the call's verification depends on (a memo made with other options is ignored)."""
    memo = getattr(run, "memo", None)
    if memo is None:
        return None
    slot = _memo.Slot(memo.before.get(name), repr(options))
    memo.after[name] = slot
    return slot
