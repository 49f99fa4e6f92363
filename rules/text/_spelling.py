"""Vectorised tokenising and dictionary look-ups for the misspelling rule.

Every token of a batch goes through pyarrow compute kernels (regex replace, split, flatten,
``is_in`` against the dictionary's hash set); only the few tokens that are not in the
dictionary reach Python.  Suggestions are computed once per distinct unknown token, in
``finish``, with rapidfuzz over the dictionary words of similar length.
"""

from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_REMOVE = [
    r"(?s)```.*?```",  # fenced code
    r"`[^`\n]*`",  # inline code spans
    r"(?i)\b(?:https?://|ftp://|www\.)\S+",  # URLs
    r"\S+@\S+\.\w+",  # e-mail addresses
    r"[@#][\w.]+",  # @mentions, #hashtags
    r"&#?\w+;",  # HTML entities
    r"\b\w*\d\w*\b",  # numbers and tokens with digits (4g, b2b, 10am)
    r"\b\w*_\w*\b",  # snake_case identifiers
]
#: a checked token: lower-case letters, one inner apostrophe at most.  ALL-CAPS, Capitalised and
#: camelCase tokens never match, so names and acronyms are skipped.
_WORD = r"^[a-z]+(?:'[a-z]+)?$"


def dictionary() -> tuple[pa.Array, np.ndarray]:
    """symspellpy's English frequency dictionary (82,834 words, MIT): words and counts."""
    from trainlint.resources import english_dictionary

    return english_dictionary()


@functools.lru_cache(maxsize=1)
def _value_set() -> pa.Array:
    return dictionary()[0]


def tokens(texts: pa.Array, min_length: int) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Checked tokens of each text (lower-case words of ``min_length``+ letters), their row index
    in the batch, and the number of word tokens of each row (checked or not)."""
    t = pc.fill_null(texts, "")
    t = pc.replace_substring(t, "’", "'")
    for pattern in _REMOVE:
        t = pc.replace_substring_regex(t, pattern, " ")
    parts = pc.split_pattern_regex(t, r"[^\p{L}\p{M}']+")
    flat = pc.list_flatten(parts)
    parent = np.asarray(pc.list_parent_indices(parts), dtype=np.int64)
    flat = pc.utf8_trim(flat, "'")
    nonempty = np.asarray(pc.greater(pc.utf8_length(flat), 0))
    words_per_row = np.bincount(parent[nonempty], minlength=len(t))
    flat = pc.replace_substring_regex(flat, r"'s$", "")  # possessive: check "customer"
    keep = pc.and_(pc.match_substring_regex(flat, _WORD), pc.greater_equal(pc.utf8_length(flat), min_length))
    keep = np.asarray(keep.fill_null(False))
    return flat.filter(pa.array(keep)), parent[keep], words_per_row


def known(tok: pa.Array, allow: pa.Array | None) -> np.ndarray:
    hit = pc.is_in(tok, value_set=_value_set())
    if allow is not None and len(allow):
        hit = pc.or_(hit, pc.is_in(tok, value_set=allow))
    return np.asarray(hit.fill_null(False))


@functools.lru_cache(maxsize=1)
def _by_length() -> dict[int, tuple[list[str], np.ndarray]]:
    words, counts = dictionary()
    lens = np.asarray(pc.utf8_length(words))
    out = {}
    py = words.to_pylist()
    for n in np.unique(lens).tolist():
        idx = np.flatnonzero(lens == n)
        out[n] = ([py[i] for i in idx.tolist()], counts[idx])
    return out


def suggest(words: list[str], max_distance: int = 2) -> dict[str, str | None]:
    """For each word, its form with an apostrophe when that is a dictionary word (didnt -> didn't),
    else the dictionary word closest to it (optimal string alignment distance, so a
    swap of two letters is one edit), the most frequent among equals; None when none is within
    reach.  Short words (4 letters or fewer) get one edit only: two edits turn most of them into
    other words.  Words of one length are compared at once with ``rapidfuzz.process.cdist``
    against the dictionary words of length +-reach (about 2,000 words/s on one core)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    by_len = _by_length()
    out: dict[str, str | None] = {}
    groups: dict[int, list[str]] = {}
    apostrophe = _apostrophe_forms(sorted(set(words)))
    for w in sorted(set(words)):
        if w in apostrophe:  # "didnt" -> "didn't" before any other one-edit word ("dint")
            out[w] = apostrophe[w]
            continue
        groups.setdefault(len(w), []).append(w)
    for n, group in sorted(groups.items()):
        reach = 1 if n <= 4 else max_distance
        cand: list[str] = []
        freq = []
        for m in range(max(1, n - reach), n + reach + 1):
            if m in by_len:
                cand.extend(by_len[m][0])
                freq.append(by_len[m][1])
        if not cand:
            out.update(dict.fromkeys(group))
            continue
        freq_arr = np.concatenate(freq)
        for a in range(0, len(group), 256):
            qs = group[a:a + 256]
            dist = process.cdist(qs, cand, scorer=OSA.distance, score_cutoff=reach, dtype=np.uint8, workers=1)
            # best = smallest distance, then most frequent (counts < 2**36)
            key = dist.astype(np.int64) * (1 << 36) - freq_arr[None, :]
            best = key.argmin(axis=1)
            ok = dist[np.arange(len(qs)), best] <= reach
            for q, b, good in zip(qs, best.tolist(), ok.tolist()):
                out[q] = cand[b] if good else None
    return out


def _apostrophe_forms(words: list[str]) -> dict[str, str]:
    """Words that are a dictionary word without its apostrophe (didnt, havent, youre)."""
    forms = [(w, w[:i] + "'" + w[i:]) for w in words if "'" not in w for i in range(1, len(w))]
    if not forms:
        return {}
    hit = np.asarray(pc.is_in(pa.array([f for _w, f in forms], pa.string()), value_set=_value_set()))
    out: dict[str, str] = {}
    for (w, f), ok in zip(forms, hit.tolist()):
        if ok and w not in out:
            out[w] = f
    return out
