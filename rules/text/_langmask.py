"""Which languages a row plausibly is, packed in 16 bits, and the test "not the expected language"
on that packing: shared by unexpected-language (TX001) and mixed-language (TX002)."""

from __future__ import annotations

import numpy as np

from . import _langid as L


def pack_mask(strong: np.ndarray, tail_weak: np.ndarray, confident: np.ndarray) -> np.ndarray:
    """Strength bits of the TOP languages (bits 0..TOP-1), whether the best one is confident
    enough to be reported (bit 14, ``min-probability``) and the weak-tail bit (15), as uint16."""
    bits = (strong.astype(np.uint16) << np.arange(L.TOP, dtype=np.uint16)).sum(axis=1).astype(np.uint16)
    return bits | (confident.astype(np.uint16) << np.uint16(14)) | (tail_weak.astype(np.uint16) << np.uint16(15))


#: rows tested at once by ``flagged``: its temporaries are ~60 bytes a row (at 4M rows, all at
#: once, they were the top of the run's peak, issue 21)
_ROWS = 1 << 18


def flagged(codes: np.ndarray, mask: np.ndarray, expected: int) -> np.ndarray:
    """Rows to report: confidently in another language than ``expected`` (see pack_mask)."""
    out = np.zeros(mask.size, bool)
    for a in range(0, mask.size, _ROWS):
        m = mask[a:a + _ROWS]
        strong = (m[:, None] >> np.arange(L.TOP, dtype=np.uint16)) & 1 == 1
        out[a:a + _ROWS] = L.not_language(codes[a:a + _ROWS], strong, m >> 15 == 1, (m >> 14) & 1 == 1, expected)
    return out
