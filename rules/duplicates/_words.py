"""Token-level evidence for near-duplicate pairs: how many content words differ, relative to length.

Character 5-gram Jaccard alone over-states the similarity of short texts: "what is the current
exchange rate?" and "what is the current exchange fee?" share most 5-grams, yet one changed noun
makes them different examples.  Here each text (already normalised: NFKC, case folded) is cut
into words (punctuation deleted, then split at spaces); *content words* are the words outside a short list of
English function words, negations excluded from that list ("not", "no", "never" change meaning).

For a pair of texts A, B: ``diff = max(|Ca - Cb|, |Cb - Ca|)`` over their sets of content words
(a changed word counts once, a dropped or added word once, reordering and punctuation not at all),
and ``length = max(words(A), words(B))`` over all words.  A pair is near-duplicate evidence when
``diff <= floor(max_word_diff * length)``: with the default 0.05 an utterance under 20 words may
differ in no content word, one of 20-39 words in one, one of 40-59 words in two.

Vectorised over pairs like ``_pairs.jaccard``: one sort of (pair, 32-bit word hash) keys per chunk
of pairs (a false match of two words inside one pair has odds ~ 1e-8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._hashstate import pair_intersections, unique

U64 = np.uint64

#: English function words; negations are content (they flip meaning) and stay out of this list.
FUNCTION_WORDS = frozenset("""
a an the and or but if then else of to in on at by for with from into onto about as than so
is are was were be been being am do does did doing have has had having will would shall should
can could may might must i me my mine we us our ours you your yours he him his she her hers it
its they them their theirs this that these those there here what which who whom whose when where
why how all any some each every both either neither such very too just also only own same other
s t d ll m re ve up down out off over under again further once please
""".split())

_LOW32 = U64(0xFFFFFFFF)
_FUNCTION_ARRAY = pa.array(sorted(FUNCTION_WORDS))


def word_sets(texts_of, n: int, content_only: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of ``texts_of(a, b)`` (the texts of rows a..b-1, for 0 <= a < b <= n): sorted
    unique content-word hashes (every word's with ``content_only`` False; 32 bits, concatenated),
    their offsets (n+1), and the number of words (repeats included).

    Texts are fetched and cut ``_ROWS`` rows at a time, so the temporaries (~60 bytes a word)
    stay bounded and only the result (4 bytes a distinct word) grows with the table."""
    hs, cs, counts = [], [], []
    for a in range(0, n, _ROWS):
        h, c, k = _word_sets(texts_of(a, min(n, a + _ROWS)), content_only)
        hs.append(h)
        cs.append(c)
        counts.append(k)
    if not hs:
        return np.zeros(0, np.uint32), np.zeros(1, np.int64), np.zeros(0, np.int64)
    cnt = np.concatenate(cs)
    return (np.concatenate(hs), np.concatenate(([0], np.cumsum(cnt))).astype(np.int64),
            np.concatenate(counts))


#: rows per chunk of ``word_sets``
_ROWS = 1 << 16


def _word_sets(texts: pa.Array, content_only: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``word_sets`` of one chunk: (hashes, distinct words per row, words per row)."""
    from trainlint.hashing import hash_strings

    n = len(texts)
    # punctuation is deleted, not a word break: "e-mail"/"email", "0.92"/"092", "mr."/"mr" match
    clean = pc.replace_substring_regex(pc.fill_null(texts, ""), r"[^\w\s]+", "")
    words = pc.utf8_split_whitespace(clean)
    counts = np.asarray(pc.list_value_length(words).fill_null(0), dtype=np.int64)
    flat = pc.list_flatten(words)
    if len(flat) == 0:
        return np.zeros(0, np.uint32), np.zeros(n, np.int64), counts
    # each distinct word is hashed and looked up once (a chunk holds ~100x fewer distinct words)
    enc = pc.dictionary_encode(flat)
    code = np.asarray(enc.indices, dtype=np.int64)
    dh = (hash_strings(enc.dictionary) >> U64(32)).astype(U64)
    if content_only:
        fw = np.asarray(pc.is_in(enc.dictionary, value_set=_FUNCTION_ARRAY).fill_null(False), dtype=bool)
        keepw = ~fw[code]
        code = code[keepw]
        row = np.repeat(np.arange(n, dtype=np.int64), counts)[keepw]
    else:
        row = np.repeat(np.arange(n, dtype=np.int64), counts)
    key = unique((row.astype(U64) << U64(32)) | dh[code])
    r = (key >> U64(32)).astype(np.int64)
    return (key & _LOW32).astype(np.uint32), np.bincount(r, minlength=n).astype(np.int64), counts


def word_diff(texts_of, n: int, li: np.ndarray, lj: np.ndarray,
              content_only: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(content words differing, length in words) of pairs ``(li, lj)``: row indices as in
    ``word_sets``."""
    h, off, counts = word_sets(texts_of, n, content_only)
    cnt = np.diff(off)
    # 2**17 pairs per sort: ~5M keys, ~150 MB of temporaries
    inter = pair_intersections(h.astype(U64), off, li, lj, 32, 1 << 17)
    diff = np.maximum(cnt[li] - inter, cnt[lj] - inter)
    return diff, np.maximum(counts[li], counts[lj])


@dataclass(frozen=True)
class WordTest:
    """The token-level test of a near pair: at most ``floor(max_diff * length)`` differing words,
    counting content words only (``content_only``) or every word."""

    max_diff: float
    content_only: bool = True

    def passes(self, texts_of, n: int, li: np.ndarray, lj: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(passes, words differing) of pairs ``(li, lj)``: row indices as in ``word_sets``."""
        diff, length = word_diff(texts_of, n, li, lj, self.content_only)
        return diff <= np.floor(length * self.max_diff + 1e-9).astype(np.int64), diff
