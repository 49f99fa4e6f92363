"""What counts as a missing value: nulls, NaN, blank strings and disguised nulls ("N/A", "null"...).

Shared by ``missing-value`` (which reports them) and the rules that must not treat a missing
text as data (two "N/A" texts are not a duplicate, nor a label conflict).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DISGUISED = ("n/a", "null", "none", "nan", "-", "?")
#: the mixed-case ways tools write a null (Python ``None``, JavaScript/pandas ``NaN``); other mixed
#: case is a word: "Nan" (a name, or a word for "six")
_NULL_MIXED = frozenset(("NaN", "None", "Null", "N/a"))


def null_spelling(value: str) -> bool:
    """Whether a sentinel (already known to match one, case-insensitively) is written as tools
    write nulls: all lower case, all upper case, or ``NaN``/``None``."""
    return value.islower() or value.isupper() or value in _NULL_MIXED or not any(c.isalpha() for c in value)


# bytes that may start or end a string which trimming changes: ASCII whitespace and separators,
# and every non-ASCII byte (a multi-byte character may be Unicode whitespace)
_MAY_BE_SPACE = np.zeros(256, dtype=bool)
_MAY_BE_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_MAY_BE_SPACE[128:] = True


def missing_mask(arr: pa.ChunkedArray | pa.Array, disguised: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(missing, disguised) boolean masks: null, NaN, empty or blank strings, and null sentinels."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if pa.types.is_string(arr.type) and len(arr) and arr.buffers()[2] is not None:
        # Most strings are ruled out by their first byte: one that does not start with (possible)
        # whitespace keeps that first character when trimmed, so it is not blank, and it is a
        # sentinel only if that (ASCII) character lower-cases to a sentinel's first one, and only
        # if it is short enough -- unless it ends with whitespace that trimming would remove.
        # Only the few candidates go through trim + lower + is_in, which would otherwise copy
        # every value of every column twice.
        n = len(arr)
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4)
        lengths = np.diff(offsets)
        data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
        nonempty = lengths > 0
        if not data.size:
            return _masks(arr, disguised)
        # an empty string's "first" and "last" bytes are a neighbour's: ``~nonempty`` checks it anyway
        first = data[np.minimum(offsets[:-1], data.size - 1)]
        last = data[offsets[1:] - 1]
        starts, longest = _sentinel_starts(disguised)
        # lower-casing shrinks a character to at most a third of its bytes (KELVIN SIGN -> k)
        short = lengths <= 3 * longest
        check = ~nonempty | _MAY_BE_SPACE[first] | (starts[first] & (short | _MAY_BE_SPACE[last]))
        missing = np.asarray(arr.is_null()) if arr.null_count else np.zeros(n, dtype=bool)
        if arr.null_count:
            check &= ~missing
        fake = np.zeros(n, dtype=bool)
        idx = np.flatnonzero(check)
        if idx.size:
            m, f = _masks(arr.take(pa.array(idx)), disguised)
            missing[idx] |= m
            fake[idx] = f
        return missing, fake
    return _masks(arr, disguised)


def _sentinel_starts(disguised: tuple[str, ...]) -> tuple[np.ndarray, int]:
    """Which first bytes may begin a value that lower-cases to a sentinel (an ASCII byte only
    lower-cases to ASCII; a non-ASCII one is always checked), and the longest sentinel in bytes."""
    starts = np.zeros(256, dtype=bool)
    for d in disguised:
        if d and d[0].isascii():
            starts[[ord(d[0].lower()), ord(d[0].upper())]] = True
    return starts, max((len(d.encode()) for d in disguised), default=0)


def _masks(arr: pa.Array, disguised: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The full check, value by value: trim, then blank or (lower-cased) a sentinel."""
    n = len(arr)
    missing = np.asarray(arr.is_null()) if arr.null_count else np.zeros(n, dtype=bool)
    fake = np.zeros(n, dtype=bool)
    t = arr.type
    if pa.types.is_floating(t):
        missing = missing | np.asarray(pc.fill_null(pc.is_nan(arr), False))
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        stripped = pc.utf8_trim_whitespace(arr)
        blank = np.asarray(pc.fill_null(pc.equal(stripped, ""), False))
        if disguised:
            fake = np.asarray(pc.fill_null(pc.is_in(pc.utf8_lower(stripped), pa.array(disguised)), False))
            if fake.any():  # few values: check how each is written
                idx = np.flatnonzero(fake)
                for i, v in zip(idx.tolist(), stripped.take(pa.array(idx)).to_pylist()):
                    fake[i] = null_spelling(v)
        missing = missing | blank | fake
    elif pa.types.is_list(t) or pa.types.is_large_list(t):
        missing = missing | np.asarray(pc.fill_null(pc.equal(pc.list_value_length(arr), 0), False))
    return missing, fake
