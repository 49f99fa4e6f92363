"""Text made ready for language ID: cut to a bounded prefix, cleaned, as UTF-8 bytes.

Cleaning removes URLs, e-mail addresses, @mentions, #hashtags, HTML entities, digits, emoji and
symbols, collapses whitespace and lower-cases a text that is mostly capitals (py3langid reads
SMS shouting as Lingala otherwise).  :func:`clean_text` does it with regular expressions; it is
the reference.  :func:`prepare` gives the same bytes for the same text far cheaper: a row that
is plain ASCII with no ``@ # & :// www.`` in it (nearly every row of English data) is cleaned by
one table lookup over the batch's bytes in NumPy, and only the other rows take the regular
expressions (they cost a third of language ID when run on every row).  Each text is first cut to
``keep_chars`` characters, so the cost per row is bounded whatever its length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_STRIP = "|".join([
    r"(?i:\b(?:https?://|ftp://|www\.)\S+)",  # URLs
    r"\S+@\S+\.\w+",  # e-mail addresses
    r"[@#][\w.]+",  # @mentions, #hashtags
    r"&#?\w+;",  # HTML entities (&lt;#&gt; in SMS data)
    r"[^\p{L}\p{M}\s'’.,!?;:()\"-]+",  # digits, emoji, symbols
])
#: ASCII rows that need the regular expressions: where a URL, e-mail, mention, hashtag or entity
#: may start.  "AT&T", "#5" or "12:30" clean the same by the byte table (every byte a space).
_SPECIAL = r"://|(?i:www\.)|@\S|#[\w.]*[A-Za-z.]|&#?\w+;"

_SPACE = 0x20


def _byte_classes(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ASCII letters, capitals, and the bytes :data:`_STRIP` keeps (letters, the punctuation
    ``'.,!?;:()"-`` and every byte of a non-ASCII character), by uint8 arithmetic: cheaper than
    a table lookup, which is a gather per byte."""
    upper = (d - np.uint8(65)) < 26
    letter = upper | ((d - np.uint8(97)) < 26)
    keep = letter | (d >= 128) | ((d - np.uint8(33)) < 2) | ((d - np.uint8(39)) < 3) | \
        ((d - np.uint8(44)) < 3) | ((d - np.uint8(58)) < 2) | (d == 63)
    return letter, upper, keep


def clean_text(texts: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Texts without URLs, e-mails, mentions, entities, digits and emoji; and their letter counts."""
    t = pc.replace_substring_regex(pc.fill_null(texts, ""), _STRIP, " ")
    t = pc.utf8_trim_whitespace(pc.replace_substring_regex(t, r"\s{2,}|[\t\n\r]", " "))
    # one regex pass deleting non-letters, then lengths (counting \p{L} matches is 6x slower)
    letters = np.asarray(pc.utf8_length(pc.replace_substring_regex(t, r"[^\p{L}]+", "")).fill_null(0),
                         dtype=np.int64)
    return t, letters


def _shout_lower(arr: pa.Array, letters: np.ndarray) -> pa.Array:
    """Lower-case the texts with >= 60 % capitals among their letters (py3langid lower-cases an
    all-caps text; "HEY GIRL. HOW R U? ... GAILxx" is English, not Lingala, once lower-cased)."""
    upper = np.asarray(pc.utf8_length(pc.replace_substring_regex(arr, r"[^\p{Lu}]+", "")).fill_null(0))
    shout = (upper * 5 >= letters * 3) & (upper > 0)
    return pc.if_else(pa.array(shout), pc.utf8_lower(arr), arr) if shout.any() else arr


def reference(texts: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The regular-expression path in full: cleaned, NFC-normalised, shouting lower-cased."""
    t, letters = clean_text(texts)
    t = pc.utf8_normalize(t, "NFC")
    return _shout_lower(t, letters), letters


@dataclass(frozen=True)
class Prepared:
    """Cleaned texts as one byte buffer: row ``i`` is ``data[starts[i]: starts[i] + lens[i]]``."""

    data: np.ndarray  # uint8
    starts: np.ndarray  # int64
    lens: np.ndarray  # int64
    letters: np.ndarray  # int64, letters in the cleaned prefix
    ascii: np.ndarray  # bool, the cleaned text is plain ASCII


def _string_array(texts: pa.Array) -> pa.Array:
    arr = pc.fill_null(texts, "")
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type == pa.string() else pc.cast(arr, pa.string())


def _buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.frombuffer(arr.buffers()[1], np.int32)[arr.offset: arr.offset + len(arr) + 1].astype(np.int64)
    data = arr.buffers()[2]
    return (np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)), offsets


def _row_sums(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Sum of ``values`` over each row's bytes (0 for an empty row)."""
    n = len(offsets) - 1
    if not values.size:
        return np.zeros(n, np.int64)
    # int32 sums are 5x faster than int64 and rows are at most 4 x 0x3FFF bytes; rows starting
    # at the end (empty ones) are left out of reduceat, which needs starts inside the array
    sums = np.zeros(n, np.int64)
    inside = offsets[:-1] < values.size
    sums[inside] = np.add.reduceat(values, offsets[:-1][inside], dtype=np.int32)
    sums[offsets[1:] == offsets[:-1]] = 0
    return sums


def prepare(texts: pa.Array, keep_chars: int) -> Prepared:
    """The texts cut to ``keep_chars`` characters and cleaned as :func:`reference` cleans them."""
    keep_chars = min(keep_chars, 0x3FFF)  # so that 16-bit letter counts below cannot overflow
    arr = pc.utf8_slice_codeunits(_string_array(texts), 0, keep_chars)
    n = len(arr)
    if not n:
        return Prepared(np.zeros(0, np.uint8), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64),
                        np.zeros(0, bool))
    special = pc.or_(pc.invert(pc.string_is_ascii(arr)), pc.match_substring_regex(arr, _SPECIAL))
    special = np.asarray(special.fill_null(False))
    sp_letters = None
    if special.any():
        sub, sp_letters = reference(arr.filter(pa.array(special)))
        arr = pc.replace_with_mask(arr, pa.array(special), sub)
    data, offsets = _buffers(arr)
    # the plain-ASCII rows: letters and capitals counted, shouting lower-cased by byte
    is_letter, is_upper, kept_byte = _byte_classes(data)
    letters, upper = _row_sums(is_letter, offsets), _row_sums(is_upper, offsets)
    if sp_letters is not None:
        letters[special] = sp_letters
    shout = ~special & (upper > 0) & (upper * 5 >= letters * 3)
    mapped = np.where(kept_byte, data, np.uint8(_SPACE))
    if shout.any():
        mapped[np.repeat(shout, np.diff(offsets)) & is_upper] |= 0x20
    # collapse runs of spaces to one and drop leading ones: a space is kept only after a non-space
    sp = mapped == _SPACE
    prev = np.empty_like(sp)
    if sp.size:
        prev[0] = True
        prev[1:] = sp[:-1]
        prev[offsets[:-1][offsets[:-1] < sp.size]] = True  # a row's first byte follows "a space"
    keep = ~(sp & prev)
    # a trailing run keeps its first space (the one after the last non-space): drop it too
    ends = offsets[1:].copy()
    todo = np.flatnonzero((ends > offsets[:-1]) & sp[np.maximum(ends - 1, 0)] if sp.size else np.zeros(n, bool))
    while todo.size:
        ends[todo] -= 1
        todo = todo[(ends[todo] > offsets[:-1][todo]) & sp[np.maximum(ends[todo] - 1, 0)]]
    trail = ends < offsets[1:]
    keep[ends[trail]] = False
    out = mapped[keep]
    lens = _row_sums(keep, offsets)
    starts = np.zeros(n, np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    ascii_ = ~special
    if special.any():  # a text that was not ASCII may be once emoji and symbols are gone
        ascii_ |= _row_sums(out >= 128, np.append(starts, out.size)) == 0
    return Prepared(out, starts, lens, letters, ascii_)


def subset(p: Prepared, idx: np.ndarray) -> Prepared:
    """The rows ``idx`` of ``p`` (sharing its byte buffer)."""
    return Prepared(p.data, p.starts[idx], p.lens[idx], p.letters[idx], p.ascii[idx])
