"""Word n-grams of texts as 64-bit hashes, after a normalisation that survives re-wrapping,
whitespace, punctuation and case changes: lower case, every run of characters that are not
letters or digits is one separator.  Used by ``eval-contamination`` (the training side, per batch)
and by the eval index (``lint/evalindex.py``), so both sides hash the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .hashing import hash_strings

_P = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier of the polynomial roll
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the rolled hash over all 64 bits."""
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(30))) * _M1
        h = (h ^ (h >> np.uint64(27))) * _M2
        return h ^ (h >> np.uint64(31))


@dataclass(frozen=True)
class Words:
    """The normalised words of a batch of texts, flat: ``hash[i]`` is word i, ``offsets`` (n+1)
    where each text's words start; ``words`` the Arrow list array (for snippets)."""

    hash: np.ndarray
    offsets: np.ndarray
    words: pa.ListArray

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.offsets)


def words(texts: pa.Array | pa.ChunkedArray) -> Words:
    """Lower-cased words (runs of letters and digits) of each text; a null text has none."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    if not pa.types.is_string(texts.type):
        texts = pc.cast(texts, pa.string())
    cleaned = pc.replace_substring_regex(pc.fill_null(texts, ""), r"[^\pL\pN]+", " ")
    lists = pc.utf8_split_whitespace(pc.utf8_trim_whitespace(cleaned))
    flat = lists.flatten()
    offsets = np.asarray(lists.offsets, dtype=np.int64) - int(lists.offsets[0].as_py())
    if len(flat):
        # words repeat: lower-case and hash each distinct word once
        enc = pc.dictionary_encode(flat)
        h = hash_strings(pc.utf8_lower(enc.dictionary))[np.asarray(enc.indices)]
    else:
        h = np.empty(0, np.uint64)
    return Words(h, offsets, lists)


def ngrams(w: Words, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashes of every word n-gram: (hash, text index, position of its first word in the text)."""
    total = w.hash.size
    if total < n:
        return np.empty(0, np.uint64), np.empty(0, np.int64), np.empty(0, np.int64)
    m = total - n + 1
    acc = w.hash[:m].copy()
    with np.errstate(over="ignore"):
        for j in range(1, n):
            acc *= _P
            acc += w.hash[j:j + m]
    counts = w.counts
    parent = np.repeat(np.arange(counts.size, dtype=np.int64), counts)[:m]
    pos = np.arange(m, dtype=np.int64) - w.offsets[parent]
    ok = pos + n <= counts[parent]  # an n-gram must not run into the next text
    return _mix(acc[ok]), parent[ok], pos[ok]


def whole(w: Words) -> np.ndarray:
    """One hash of each text's whole word sequence (0 for a text without words)."""
    n = w.offsets.size - 1
    out = np.zeros(n, np.uint64)
    if w.hash.size == 0:
        return out
    counts = w.counts
    parent = np.repeat(np.arange(n), counts)
    pos = np.arange(w.hash.size) - w.offsets[parent]
    with np.errstate(over="ignore"):
        # order-dependent: each word times an odd constant of its position, summed per text
        # (a cumulative sum wraps modulo 2**64, so end minus start is the text's sum)
        scaled = w.hash * (_mix(pos.astype(np.uint64) + np.uint64(1)) | np.uint64(1))
        cs = np.concatenate([np.zeros(1, np.uint64), np.cumsum(scaled, dtype=np.uint64)])
        out = _mix((cs[w.offsets[1:]] - cs[w.offsets[:-1]]) ^ counts.astype(np.uint64))
    out[counts == 0] = 0
    return out
