"""MinHash-LSH machinery shared by near-duplicate, conflicting-label and split-leakage.

Per batch, all vectorised (no Python loop per row or per permutation):

1. the normalised text as one buffer of code points with row offsets;
2. every k-gram hashed at once: a polynomial over k shifted views of the buffer, then a 64-bit
   mixer (words: each word hashed with xxh3, then k-grams over the word hashes);
3. one-permutation MinHash (Li, Owen & Zhang 2012): the top bits of a shingle's hash pick one of
   ``perms`` bins and the low 32 bits are its value; one sort of (row, bin, value) keys gives the
   minimum per bin.  Empty bins are filled by optimal densification (Shrivastava 2017), so a bin
   of two texts agrees with probability ~ their Jaccard similarity, as with ``perms`` permutations,
   at the cost of one hash per shingle instead of ``perms``;
4. LSH: ``bands`` hashes of ``perms / bands`` bins each, kept as uint32.

The state keeps, per row: global id, split/label/normalised-text hashes (8 bytes each), the band
hashes (4 bytes each) and the text itself (UTF-8, capped at ``max_chars``), because every
candidate pair is verified in ``finish`` by the exact Jaccard similarity of the two shingle sets.
With the defaults and ~40-word texts that is about 8*4 + 4*32 + 250 = ~410 bytes a row.
Everything depends only on the text and fixed seeds, so any batching gives the same clusters.

Modules: this one (hashing, MinHash, bands), ``_nearstate`` (the state, its detached form),
``_pairs`` (candidates, verification, clusters) and ``_shuffle`` (the same candidates and
verification as tasks over detached parts: the band-hash shuffle).  The names the rules use are
re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._words import PUNCTUATION

U64 = np.uint64
_M1 = U64(0xBF58476D1CE4E5B9)
_M2 = U64(0x94D049BB133111EB)
_B = U64(0x100000001B3)
_SEED = U64(0x5EED5EED2024)
_LOW32 = U64(0xFFFFFFFF)
EMPTY = np.uint32(0xFFFFFFFF)
#: tag bit of rows too short to compare (the other bits are the caller's)
SHORT = np.int8(64)
#: shingles hashed per chunk: keeps temporaries in cache (measured 2x faster than whole batches).
_CHUNK = 1 << 18


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, in place: a bijection that spreads every input bit over the output."""
    t = np.empty_like(x)
    with np.errstate(over="ignore"):
        np.right_shift(x, U64(30), out=t)
        x ^= t
        x *= _M1
        np.right_shift(x, U64(27), out=t)
        x ^= t
        x *= _M2
        np.right_shift(x, U64(31), out=t)
        x ^= t
    return x


#: the default similarity threshold of every near-duplicate rule, measured on MRPC (see DU002's doc)
DEFAULT_THRESHOLD = 0.7
#: content words that may differ per word of length (``_words``), measured on banking77 (DU002's doc)
DEFAULT_MAX_WORD_DIFF = 0.05


@dataclass(frozen=True)
class ExactOrNearOptions:
    """Options of the rules that match exact and near copies (conflicting-label, split-leakage)."""

    near: bool = True
    threshold: float = DEFAULT_THRESHOLD
    min_chars: int = 20
    max_word_diff: float = DEFAULT_MAX_WORD_DIFF


@dataclass(frozen=True)
class Params:
    kind: str = "char"
    size: int = 5
    perms: int = 128
    bands: int = 32
    max_chars: int = 5000
    normalize: bool = True

    def check(self, rule: str) -> None:
        from trainlint.errors import ConfigError

        if self.kind not in ("char", "word"):
            raise ConfigError(f"option {rule}.shingle: use 'char' or 'word', not {self.kind!r}")
        if self.size < 1:
            raise ConfigError(f"option {rule}.shingle-size: must be at least 1")
        if self.perms < 8 or self.perms > 1024 or self.perms & (self.perms - 1):
            raise ConfigError(f"option {rule}.permutations: a power of two from 8 to 1024, not {self.perms}")
        if self.bands < 1 or self.perms % self.bands:
            raise ConfigError(f"option {rule}.bands: must divide permutations ({self.perms}), not {self.bands}")


# -- text to code points ---------------------------------------------------------------------------
def _plain(arr: pa.Array) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    return arr


def utf8_buffer(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(UTF-8 bytes as uint8, int64 offsets of n+1) of a string array; nulls are empty."""
    arr = _plain(arr)
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    n = len(arr)
    _v, off_buf, data_buf = arr.buffers()
    off = np.frombuffer(off_buf, dtype=np.int32, count=n + 1, offset=arr.offset * 4).astype(np.int64)
    data = (np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8))
    data = data[off[0]:off[-1]]
    return data, off - off[0]


def codepoints(data: np.ndarray, off: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes to code points (uint32) with code-point offsets; ASCII takes the fast path."""
    if data.size == 0 or int(data.max()) < 128:
        return data.astype(np.uint32), off
    text = data.tobytes().decode("utf-8", "replace")
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    lead = (data & 0xC0) != 0x80
    cum = np.concatenate(([0], np.cumsum(lead)))
    cp_off = cum[off]
    if cp_off[-1] != cp.size:  # invalid UTF-8 (cannot come from Arrow); stay safe
        return data.astype(np.uint32), off
    return cp, cp_off


# -- shingles -------------------------------------------------------------------------------------
def kgram_hashes(tok: np.ndarray, off: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Hash of every k-gram of tokens inside each row (a row shorter than k is one shingle).

    Returns (mixed uint64 hashes, row index int64 of each hash), rows in order."""
    n = off.size - 1
    lens = np.diff(off)
    tok = tok.astype(U64, copy=False)
    total = tok.size
    if total == 0:
        return np.zeros(0, U64), np.zeros(0, np.int64)
    m = max(total - k + 1, 0)
    h = tok[:m] + _SEED
    with np.errstate(over="ignore"):
        for j in range(1, k):
            h *= _B
            h += tok[j:j + m]
    # window i is valid when no later row starts inside it
    counts = np.maximum(lens - k + 1, 0)
    if k > 1 and m:
        starts = np.zeros(total + 1, dtype=bool)
        starts[off[1:-1]] = True
        bad = starts[1:m + 1].copy()
        for d in range(2, k):
            bad |= starts[d:m + d]
        bad |= np.arange(m) + k > off[-1]
        h = h[~bad]
    rows = np.repeat(np.arange(n, dtype=np.int64), counts)
    short = np.flatnonzero((lens > 0) & (lens < k))
    if short.size:  # the whole row as one shingle
        sh = np.zeros(short.size, U64) + _SEED
        with np.errstate(over="ignore"):
            for j in range(int(lens[short].max())):
                inside = j < lens[short]
                pos = np.minimum(off[short] + j, total - 1)
                sh = np.where(inside, sh * _B + tok[pos], sh)
        h = np.concatenate([h, sh ^ U64(0xABCDEF)])
        rows = np.concatenate([rows, short])
        order = np.argsort(rows, kind="stable")
        h, rows = h[order], rows[order]
    return mix64(h), rows


def shingles(arr: pa.Array, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """(mixed uint64 shingle hashes, row index of each) for a string array."""
    if params.kind == "word":
        from trainlint.hashing import hash_strings

        words = pc.utf8_split_whitespace(pc.fill_null(_plain(arr), ""))
        counts = np.asarray(pc.list_value_length(words).fill_null(0), dtype=np.int64)
        flat = pc.list_flatten(words)
        wh = hash_strings(flat) if len(flat) else np.zeros(0, U64)
        off = np.concatenate(([0], np.cumsum(counts)))
        return kgram_hashes(wh, off, params.size)
    data, off = utf8_buffer(arr)
    cp, cp_off = codepoints(data, off)
    return kgram_hashes(cp, cp_off, params.size)


# -- MinHash --------------------------------------------------------------------------------------
def signatures(h: np.ndarray, rows: np.ndarray, n: int, perms: int) -> np.ndarray:
    """One-permutation MinHash with optimal densification: uint32 (n, perms); rows without
    shingles are all EMPTY.  ``rows`` must be ascending."""
    sig = np.full(n * perms, EMPTY, dtype=np.uint32)
    shift = U64(64 - (perms.bit_length() - 1))
    for a in range(0, h.size, _CHUNK):
        hh, rr = h[a:a + _CHUNK], rows[a:a + _CHUNK]
        r0 = int(rr[0])
        cell = (rr - r0).astype(U64)
        cell *= U64(perms)
        cell += hh >> shift
        cell <<= U64(32)
        cell |= hh & _LOW32
        key = cell
        key.sort()
        cells = key >> U64(32)
        first = np.flatnonzero(np.concatenate(([True], cells[1:] != cells[:-1])))
        idx = cells[first].astype(np.int64) + r0 * perms
        val = (key[first] & _LOW32).astype(np.uint32)
        # cells are unique within a chunk; a row split over two chunks keeps the smaller value
        sig[idx] = np.minimum(sig[idx], val)
    sig = sig.reshape(n, perms)
    _densify(sig, perms)
    return sig


def signatures_of(texts: pa.Array, params: Params) -> np.ndarray:
    """MinHash signatures of a string array, a few thousand rows at a time (temporaries stay in
    cache: measured ~2x faster than whole-batch arrays)."""
    n = len(texts)
    if params.kind == "word":
        h, rows = shingles(texts, params)
        return signatures(h, rows, n, params.perms)
    data, off = utf8_buffer(texts)
    out = np.empty((n, params.perms), np.uint32)
    a = 0
    while a < n:
        b = min(n, int(np.searchsorted(off, off[a] + _CHUNK, side="right")) - 1)
        b = max(b, a + 1)
        d = data[off[a]:off[b]]
        cp, cp_off = codepoints(d, off[a:b + 1] - off[a])
        h, rows = kgram_hashes(cp, cp_off, params.size)
        out[a:b] = signatures(h, rows, b - a, params.perms)
        a = b
    return out


def _densify(sig: np.ndarray, perms: int) -> None:
    """Fill each empty bin from the first non-empty bin of a fixed pseudo-random probe sequence
    (the same for every row), so two rows' filled bins agree as often as their real bins do."""
    empty_r, empty_b = np.nonzero(sig == EMPTY)
    if empty_r.size == 0:
        return
    has_any = (sig != EMPTY).any(axis=1)
    keep = has_any[empty_r]
    empty_r, empty_b = empty_r[keep], empty_b[keep]
    source = sig.copy()
    attempt = 1
    while empty_r.size:
        probe = mix64((empty_b.astype(U64) << U64(16)) + U64(attempt)) % U64(perms)
        val = source[empty_r, probe.astype(np.int64)]
        got = val != EMPTY
        sig[empty_r[got], empty_b[got]] = val[got]
        empty_r, empty_b = empty_r[~got], empty_b[~got]
        attempt += 1
        if attempt > 4 * perms:  # rotation fallback for the unlucky few
            for r, b in zip(empty_r.tolist(), empty_b.tolist()):
                row = source[r]
                for d in range(1, perms):
                    if row[(b + d) % perms] != EMPTY:
                        sig[r, b] = row[(b + d) % perms]
                        break
            break


def band_hashes(sig: np.ndarray, bands: int) -> np.ndarray:
    """uint32 (n, bands): a hash of each band's bins and its index."""
    n, perms = sig.shape
    r = perms // bands
    s = sig.reshape(n, bands, r).astype(U64)
    with np.errstate(over="ignore"):
        acc = np.zeros((n, bands), U64) + (np.arange(bands, dtype=U64) * U64(0x9E3779B97F4A7C15))
        for j in range(r):
            acc = (acc ^ s[:, :, j]) * _B
    return (mix64(acc) >> U64(32)).astype(np.uint32)


def prepared_texts(batch, params: Params) -> pa.Array | None:
    arr = batch.text_normalized if params.normalize else batch.text
    if arr is None:
        return None
    arr = _plain(arr)
    if params.normalize:
        # punctuation deleted: a dropped comma or "!" is not a different text (planted punctuation
        # edits of the templated benchmark measured 0.59-0.70 similar with it, >= 0.9 without)
        arr = pc.replace_substring_regex(arr, PUNCTUATION, "")
    return pc.utf8_slice_codeunits(arr, 0, params.max_chars)


def batch_bands(batch, params: Params) -> tuple[np.ndarray, pa.Array]:
    """(band hashes (n, bands), the capped texts they came from), computed once per batch for all
    rules that share these parameters (cached on the batch like its other derived arrays)."""
    cache = batch.cached("near-bands", dict)
    if params in cache:
        return cache[params]
    texts = prepared_texts(batch, params)
    out = (band_hashes(signatures_of(texts, params), params.bands), texts)
    cache[params] = out
    return out
