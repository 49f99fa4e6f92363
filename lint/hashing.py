"""64-bit hashing and text normalisation over Arrow arrays, done once per batch.

xxh3 over slices of the Arrow data buffer measured ~0.23 s per million 250-byte strings here,
20x faster than ``pandas.util.hash_array`` on the same strings, and needs no Python str objects.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

#: the hash of a null value; a real string hashing to it is astronomically unlikely.
NULL_HASH = np.uint64(0x9E3779B97F4A7C15)
_MIX = np.uint64(0x100000001B3)


def _as_plain_string(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    elif not pa.types.is_string(arr.type):
        from .columns import as_string_array

        arr = as_string_array(arr, len(arr))
    return arr


def hash_strings(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """xxh3-64 of each string's UTF-8 bytes; nulls hash to NULL_HASH."""
    arr = _as_plain_string(arr)
    n = len(arr)
    if n >= _DICT_MIN_ROWS:
        out = _hash_by_dictionary(arr)
        if out is not None:
            return out
    return _hash_each(arr)


#: short strings in a long array (labels, splits, categories) are usually few distinct values:
#: hashing each distinct value once costs ~1.5 ms per 100k rows instead of ~25 ms.
_DICT_MIN_ROWS = 1024
_DICT_MAX_MEAN_BYTES = 48


def _hash_by_dictionary(arr: pa.Array) -> np.ndarray | None:
    n_valid = len(arr) - arr.null_count
    if n_valid == 0:
        return None
    data_bytes = arr.buffers()[2]
    offsets = arr.buffers()[1]
    first = int(np.frombuffer(offsets, dtype=np.int32, count=1, offset=arr.offset * 4)[0])
    last = int(np.frombuffer(offsets, dtype=np.int32, count=1, offset=(arr.offset + len(arr)) * 4)[0])
    if data_bytes is None or (last - first) > _DICT_MAX_MEAN_BYTES * n_valid:
        return None
    enc = pc.dictionary_encode(arr)
    if len(enc.dictionary) * 4 > len(arr):  # mostly distinct: no gain
        return None
    dict_hash = _hash_each(enc.dictionary)
    idx = enc.indices
    if idx.null_count:
        out = dict_hash[np.asarray(pc.fill_null(idx, 0))]
        out[np.asarray(idx.is_null())] = NULL_HASH
        return out
    return dict_hash[np.asarray(idx)]


def _hash_each(arr: pa.Array) -> np.ndarray:
    n = len(arr)
    out = np.empty(n, dtype=np.uint64)
    if n == 0:
        return out
    _validity, offsets_buf, data_buf = arr.buffers()
    o = np.frombuffer(offsets_buf, dtype=np.int32, count=n + 1, offset=arr.offset * 4).tolist()
    data = memoryview(data_buf) if data_buf is not None else memoryview(b"")
    h = xxhash.xxh3_64_intdigest
    # a list comprehension into a preallocated array: ~20 % faster than np.fromiter over a generator
    out[:] = [h(data[a:b]) for a, b in zip(o, o[1:])]
    if arr.null_count:
        out[np.asarray(arr.is_null())] = NULL_HASH
    return out


def combine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Order-dependent combination of two hash arrays (FNV-style multiply then xor)."""
    with np.errstate(over="ignore"):
        return (a * _MIX) ^ b ^ (b >> np.uint64(29))


def hash_table(table: pa.Table) -> np.ndarray:
    """Hash of each whole row: every column's value hash, combined in column order."""
    n = table.num_rows
    acc = np.full(n, np.uint64(0xCBF29CE484222325), dtype=np.uint64)
    for col in table.columns:
        acc = combine(acc, hash_strings(col))
    return acc


def normalize_text(arr: pa.Array) -> pa.Array:
    """NFKC, lower case, whitespace runs collapsed to one space and trimmed; nulls stay null."""
    arr = _as_plain_string(arr)
    out = pc.utf8_lower(pc.utf8_normalize(arr, "NFKC"))
    # A regex *match* finds the few rows with odd whitespace (0.3 s per million rows); only those
    # are rewritten in Python.  A regex replace or split+join on every row costs 10x more.
    odd = pc.match_substring_regex(out, r"\s\s|^\s|\s$|[^\S ]")
    if pc.any(odd).as_py():
        values = out.to_pylist()
        for i in np.flatnonzero(np.asarray(pc.fill_null(odd, False))).tolist():
            values[i] = " ".join(values[i].split())
        out = pa.array(values, pa.string())
    return out
