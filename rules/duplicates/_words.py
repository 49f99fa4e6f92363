"""Token-level evidence for near-duplicate pairs: how many content words differ, relative to length.

Character 5-gram Jaccard alone over-states the similarity of short texts: "what is the current
exchange rate?" and "what is the current exchange fee?" share most 5-grams, yet one changed noun
makes them different examples.  Here each text (already normalised: NFKC, case folded) is cut
into words (punctuation deleted, then split at spaces); *content words* are the words outside a
short list of English function words, negations excluded from that list ("not", "no", "never" change meaning).

For a pair of texts A, B of ``length = max(words(A), words(B))`` words, with ``diff(X, Y) =
max(|X - Y|, |Y - X|)`` (a changed word counts once, a dropped or added word once, reordering and
punctuation not at all), the pair is near-duplicate evidence when

- ``diff`` over the sets of content words <= ``floor(max_diff * length)``: with the default 0.05
  an utterance under 20 words may differ in no content word, one of 20-39 words in one, and
- ``diff`` over the multisets of all words <= ``floor(0.1 * length) + 1``: an added clause of
  function words ("If so, how is it done?") or a sentence repeated twice is not a small edit.

Measured on banking77 and the templated benchmark (see DU002's Options and the README).

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
#: what normalisation deletes before shingling and word splitting: everything but letters, marks,
#: digits and spaces, in any script (RE2's ``\w`` is ASCII-only: it deleted all Cyrillic)
PUNCTUATION = r"[^\p{L}\p{M}\p{N}\s]+"
#: texts averaging more characters a word are in a script written without spaces (Chinese,
#: Japanese, Thai): words say nothing there, the 5-gram Jaccard alone decides
SPACELESS_CHARS_PER_WORD = 12
_FUNCTION_ARRAY = pa.array(sorted(FUNCTION_WORDS))
#: default ``WordTest.min_aligned``
MIN_ALIGNED = 0.85


def word_sets(texts_of, n: int, clean: bool = False) -> tuple:
    """Per row of ``texts_of(a, b)`` (the texts of rows a..b-1, for 0 <= a < b <= n):

    - the set of content words: sorted unique 32-bit hashes, concatenated, and offsets (n+1);
    - the multiset of all words (a word's k-th repeat is its own element), likewise;
    - the number of words, and whether the text is in a script written without spaces.

    Texts are fetched and cut ``_ROWS`` rows at a time, so the temporaries (~60 bytes a word)
    stay bounded and only the result (~8 bytes a word) grows with the table."""
    parts = [_word_sets(texts_of(a, min(n, a + _ROWS)), clean) for a in range(0, n, _ROWS)]
    if not parts:
        z, o = np.zeros(0, np.uint32), np.zeros(1, np.int64)
        return z, o, z, o, np.zeros(0, np.int64), np.zeros(0, bool)

    def cat(k: int) -> tuple[np.ndarray, np.ndarray]:
        cnt = np.concatenate([p[k + 1] for p in parts])
        return np.concatenate([p[k] for p in parts]), np.concatenate(([0], np.cumsum(cnt))).astype(np.int64)

    hc, oc = cat(0)
    ha, oa = cat(2)
    return hc, oc, ha, oa, np.concatenate([p[4] for p in parts]), np.concatenate([p[5] for p in parts])


#: rows per chunk of ``word_sets``
_ROWS = 1 << 12


def _per_row(key: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(low 32 bits, count per row) of sorted unique ``row << 32 | value`` keys."""
    key = unique(key)
    return (key & _LOW32).astype(np.uint32), np.bincount((key >> U64(32)).astype(np.int64), minlength=n)


def _words(texts: pa.Array, clean: bool) -> tuple[pa.Array, pa.ListArray]:
    """(texts with nulls as "", their words): punctuation is deleted, not a word break ("e-mail"/
    "email", "0.92"/"092", "mr."/"mr" match); ``clean``: deleted already."""
    texts = pc.fill_null(texts, "")
    return texts, pc.utf8_split_whitespace(texts if clean else pc.replace_substring_regex(texts, PUNCTUATION, ""))


def _word_sets(texts: pa.Array, clean: bool) -> tuple:
    """``word_sets`` of one chunk: content hashes and counts per row, all-word (multiset) hashes
    and counts per row, words per row, spaceless per row.  ``clean``: the texts are normalised
    already (``_minhash.prepared_texts`` deleted their punctuation)."""
    from trainlint.hashing import hash_strings

    n = len(texts)
    texts, words = _words(texts, clean)
    counts = np.asarray(pc.list_value_length(words).fill_null(0), dtype=np.int64)
    chars = np.asarray(pc.utf8_length(texts), dtype=np.int64)
    spaceless = chars > SPACELESS_CHARS_PER_WORD * np.maximum(counts, 1)
    flat = pc.list_flatten(words)
    if len(flat) == 0:
        z, c = np.zeros(0, np.uint32), np.zeros(n, np.int64)
        return z, c, z, c, counts, spaceless
    # each distinct word is hashed and looked up once (a chunk holds ~100x fewer distinct words)
    enc = pc.dictionary_encode(flat)
    code = np.asarray(enc.indices, dtype=np.int64)
    dh = (hash_strings(enc.dictionary) >> U64(32)).astype(U64)
    function = np.asarray(pc.is_in(enc.dictionary, value_set=_FUNCTION_ARRAY).fill_null(False), dtype=bool)
    key = (np.repeat(np.arange(n, dtype=U64), counts) << U64(32)) | dh[code]
    content = _per_row(key[~function[code]], n)
    # the multiset: a word's k-th occurrence in its row becomes its own element
    key.sort()
    pos = np.arange(key.size)
    start = np.maximum.accumulate(np.where(np.concatenate(([True], key[1:] != key[:-1])), pos, 0))
    occ = (pos - start).astype(U64)
    with np.errstate(over="ignore"):
        multi = (key & ~_LOW32) | ((key + occ * U64(0x9E3779B1)) & _LOW32)
    everything = _per_row(multi, n)
    return content[0], content[1], everything[0], everything[1], counts, spaceless


#: bits of a row's word fingerprint (a word sets bit ``hash % _BITS``) and pairs tested at once
#: (their temporaries are ~120 bytes a pair: 30 MB at once, not the 120 MB of 1M pairs that
#: was the peak of verifying a 4M-row run, issue 21)
_BITS = 128
_PAIRS = 1 << 18


def fingerprints(texts_of, n: int, clean: bool) -> tuple[np.ndarray, ...]:
    """(words per row (int32), spaceless per row, content-word fingerprints, all-word (multiset)
    fingerprints): a fingerprint is ``_BITS`` bits (uint64 (n, _BITS // 64)) with the bit
    ``hash % _BITS`` of each element of the row's set set.  A bit set in A's and not in B's is
    set by an element of A that B lacks, a distinct one per bit, so the bits apart bound the
    set difference from below (``_bits_apart``): exact evidence that a pair fails, never that
    it passes.  Texts are cut ``_ROWS`` rows at a time, as in ``word_sets``."""
    w = _BITS // 64
    counts = np.zeros(n, np.int32)
    spaceless = np.zeros(n, bool)
    content = np.zeros((n, w), U64)
    every = np.zeros((n, w), U64)
    for a in range(0, n, _ROWS):
        b = min(n, a + _ROWS)
        hc, cc, ha, ca, cnt, spaceless[a:b] = _word_sets(texts_of(a, b), clean)
        counts[a:b] = cnt
        content[a:b] = _fingerprint(hc, cc, b - a)
        every[a:b] = _fingerprint(ha, ca, b - a)
    return counts, spaceless, content, every


def _fingerprint(h: np.ndarray, cnt: np.ndarray, n: int) -> np.ndarray:
    bits = np.zeros((n, _BITS), bool)
    bits[np.repeat(np.arange(n), cnt), (h & np.uint32(_BITS - 1)).astype(np.intp)] = True
    return np.packbits(bits, axis=1, bitorder="little").view(U64)


def _bits_apart(f: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """max(bits of x's fingerprint not in y's, bits of y's not in x's): at most the larger side
    of the set difference, which is what ``word_diff`` measures."""
    fx, fy = f[x], f[y]
    return np.maximum(np.bitwise_count(fx & ~fy).sum(axis=1, dtype=np.int64),
                      np.bitwise_count(fy & ~fx).sum(axis=1, dtype=np.int64))


def word_diff(texts_of, n: int, li: np.ndarray, lj: np.ndarray, clean: bool = False) -> tuple[np.ndarray, ...]:
    """(content words differing, words differing (all, as multisets), length in words, either
    text spaceless) of pairs ``(li, lj)``: row indices as in ``word_sets``.  "Differing" is the
    larger side of the difference: a changed word counts once, an added or dropped word once."""
    hc, oc, ha, oa, counts, spaceless = word_sets(texts_of, n, clean)
    out = []
    for h, off in ((hc, oc), (ha, oa)):
        cnt = np.diff(off)
        # ~1M keys per sort: ~30 MB of temporaries (the index arrays are 3 x 8 bytes a key)
        step = max(1, (1 << 20) // max(1, 2 * int(np.diff(off).mean())))
        inter = pair_intersections(h, off, li, lj, 32, step)  # uint32: widened per chunk, not whole
        out.append(np.maximum(cnt[li] - inter, cnt[lj] - inter))
    return out[0], out[1], np.maximum(counts[li], counts[lj]), spaceless[li] | spaceless[lj]


@dataclass(frozen=True)
class WordTest:
    """The token-level test of a near pair of ``length`` words: at most
    ``floor(max_diff * length)`` content words differ and at most
    ``floor(max_all_diff * length) + all_slack`` words of any kind (as multisets, so a repeated
    sentence or an added clause of function words counts).  Texts in a script written without
    spaces pass (the 5-gram Jaccard alone decides there)."""

    max_diff: float
    max_all_diff: float = 0.1
    all_slack: int = 1
    #: the texts compared are normalised already (punctuation deleted): no second regex pass
    clean: bool = True
    #: least normalised Indel similarity of the two texts in order (``_pairs.aligned``): the same
    #: sentences in another order are another text, not an edited copy.  Measured on the
    #: templated benchmark (100k rows, DU002's findings): every planted near-copy 0.93 or more,
    #: 161 of the 185 unplanted pairs (reordered sentences) 0.50-0.80, the other 24 a text with
    #: one sentence or fragment more (true near-copies) 0.85 or more
    min_aligned: float = MIN_ALIGNED

    def may_pass(self, texts_of, n: int, li: np.ndarray, lj: np.ndarray) -> np.ndarray:
        """False for pairs that cannot pass, by exact lower bounds of what ``passes`` measures:
        the lengths in words differ by more than the words allowed to differ (the multiset
        difference is at least the length difference), or the rows' word fingerprints
        (``fingerprints``) differ in more bits than words may differ.  Per row it keeps ~40
        bytes, not the word sets' ~400, and the pairs are tested in bounded chunks: on
        templated text it leaves ~1% of the candidate pairs to ``passes`` (issue 21: the word
        sets of every candidate row were the peak of a 1M-row run and grew with the rows)."""
        return self.could_pass(fingerprints(texts_of, n, self.clean), li, lj)

    def could_pass(self, fp: tuple, li: np.ndarray, lj: np.ndarray) -> np.ndarray:
        """``may_pass`` of pairs ``(li, lj)`` of rows whose ``fingerprints`` are ``fp``."""
        counts, spaceless, content, every = fp
        out = np.zeros(li.size, bool)
        for a in range(0, li.size, _PAIRS):
            x, y = li[a:a + _PAIRS], lj[a:a + _PAIRS]
            allowed, allowed_all = self._allowed(np.maximum(counts[x], counts[y]))
            ok = np.abs(counts[x] - counts[y]) <= allowed_all
            ok &= _bits_apart(content, x, y) <= allowed
            ok &= _bits_apart(every, x, y) <= allowed_all
            out[a:a + _PAIRS] = ok | spaceless[x] | spaceless[y]
        return out

    def passes(self, texts_of, n: int, li: np.ndarray, lj: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(passes, content words differing) of pairs ``(li, lj)``: row indices as in ``word_sets``."""
        diff, diff_all, length, spaceless = word_diff(texts_of, n, li, lj, self.clean)
        allowed, allowed_all = self._allowed(length)
        return spaceless | ((diff <= allowed) & (diff_all <= allowed_all)), diff

    def _allowed(self, length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(content words, all words) allowed to differ in pairs whose longer text has ``length`` words."""
        return (np.floor(length * self.max_diff + 1e-9).astype(np.int64),
                np.floor(length * self.max_all_diff + 1e-9).astype(np.int64) + self.all_slack)
