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

P = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier of the polynomial roll
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
    where each text's words start; ``vocab``/``ids``: the text of word i is ``vocab[ids[i]]``."""

    hash: np.ndarray
    offsets: np.ndarray
    vocab: pa.Array
    ids: np.ndarray

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.offsets)

    def text(self, row: int, start: int, k: int) -> list[str]:
        """Words ``start .. start+k`` of text ``row`` (for a snippet)."""
        a = int(self.offsets[row]) + start
        return self.vocab.take(pa.array(self.ids[a:a + k])).to_pylist()


def words(texts: pa.Array | pa.ChunkedArray) -> Words:
    """Lower-cased words (runs of letters and digits) of each text; a null text has none.

    Texts are split on whitespace and each *distinct* token is cleaned once (lower case,
    punctuation as a word break: ``top-up,`` is ``top up``), then spread back: a regex over
    every text costs 3x more than the split."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    if not pa.types.is_string(texts.type):
        texts = pc.cast(texts, pa.string())
    lists = pc.utf8_split_whitespace(pc.fill_null(texts, ""))
    flat = lists.flatten()
    tok_off = np.asarray(lists.offsets, dtype=np.int64) - int(lists.offsets[0].as_py())
    if not len(flat):
        return Words(np.empty(0, np.uint64), np.zeros(len(texts) + 1, np.int64), pa.array([], pa.string()),
                     np.empty(0, np.int64))
    enc = pc.dictionary_encode(flat)
    tok = np.asarray(enc.indices, dtype=np.int64)
    cleaned = pc.utf8_trim_whitespace(
        pc.replace_substring_regex(pc.utf8_lower(enc.dictionary), r"[^\pL\pN]+", " "))
    parts = pc.utf8_split_whitespace(cleaned)
    vocab = parts.flatten()
    d_off = np.asarray(parts.offsets, dtype=np.int64) - int(parts.offsets[0].as_py())
    d_hash = hash_strings(vocab) if len(vocab) else np.empty(0, np.uint64)
    d_count = np.diff(d_off)
    d_count[np.asarray(pc.equal(cleaned, ""), dtype=bool)] = 0  # "" splits into one empty word
    per_tok = d_count[tok]  # words each token becomes (0 for punctuation alone)
    ends = np.cumsum(per_tok)
    total = int(ends[-1]) if ends.size else 0
    within = np.arange(total, dtype=np.int64) - np.repeat(ends - per_tok, per_tok)
    ids = np.repeat(d_off[:-1][tok], per_tok) + within
    offsets = np.concatenate([[0], ends])[tok_off]
    return Words(d_hash[ids], offsets, vocab, ids)


def raw(w: Words, k: int) -> np.ndarray:
    """The unmixed polynomial hash of the k words starting at every flat position with k words
    after it (k-grams that run from one text into the next included: ``locate`` tells them)."""
    total = w.hash.size
    if total < k:
        return np.empty(0, np.uint64)
    m = total - k + 1
    acc = w.hash[:m].copy()
    with np.errstate(over="ignore"):
        for j in range(1, k):
            acc *= P
            acc += w.hash[j:j + m]
    return acc


def rolled(w: Words, n: int) -> np.ndarray:
    """The n-gram hash starting at every word of the flat word array (the last n-1 words start
    none); n-grams that run from one text into the next are included: ``locate`` tells them."""
    return _mix(raw(w, n))


def windows(w: Words, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``raw`` hash of the ``lengths[i]`` words from flat position ``starts[i]`` (each inside the
    flat array), for a few positions at a time."""
    acc = w.hash[starts].copy()
    with np.errstate(over="ignore"):
        for j in range(1, int(lengths.max()) if lengths.size else 0):
            m = lengths > j
            acc[m] = acc[m] * P + w.hash[starts[m] + j]
    return acc


def key(raw_hash: np.ndarray, lengths: np.ndarray | int) -> np.ndarray:
    """The hash of a word sequence of a given length from its ``raw`` hash: the length is part of
    it, so sequences of different lengths are different keys."""
    with np.errstate(over="ignore"):
        return _mix(raw_hash + np.asarray(lengths).astype(np.uint64))


def locate(w: Words, starts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(text index, position in the text, whether the n-gram stays inside the text) of n-grams
    starting at flat word positions ``starts``."""
    parent = np.searchsorted(w.offsets, starts, side="right") - 1
    pos = starts - w.offsets[parent]
    return parent, pos, pos + n <= w.counts[parent]


def ngrams(w: Words, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashes of every word n-gram: (hash, text index, position of its first word in the text)."""
    acc = rolled(w, n)
    parent, pos, ok = locate(w, np.arange(acc.size, dtype=np.int64), n)
    return acc[ok], parent[ok], pos[ok]


def whole(w: Words, rows: np.ndarray) -> np.ndarray:
    """``key`` of the whole word sequence of texts ``rows`` (each with at least one word)."""
    counts = w.counts[rows]
    return key(windows(w, w.offsets[rows], counts), counts)
