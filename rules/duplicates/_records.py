"""Field-aware matching of short records (people, addresses, products) for near-duplicate-record.

Per row the state keeps each field's normalised value (lower case, punctuation to spaces,
collapsed spaces; empty = missing) and its 64-bit hash.  In ``finish``:

1. field weights, Fellegi-Sunter style: agreeing on field f by chance has probability
   u_f = sum over values of share(value)^2, so an agreement is worth w_f = -log2(u_f) bits
   ("state" ~2 bits, a date of birth ~13, an ID number ~20);
2. candidates by multi-pass sorted neighbourhood: for each informative field, rows sorted by that
   field's value then the other fields, each compared with its next ``window`` rows - so the
   pairs per row are bounded by (fields x window) whatever the data;
3. a cheap screen: bits of exact agreement over the fields both rows have;
4. the pairs left are scored with rapidfuzz per field (normalised Indel similarity, batched with
   ``process.cpdist``): score = sum(w_f sim_f) / sum(w_f) over the fields present in both rows
   (a missing field neither helps nor hurts), evidence = sum(w_f) over fields with sim_f >= 0.8;
   a pair is a duplicate when score >= ``threshold`` and evidence >= 2 log2(rows) + 10 bits, the
   agreement that random pairs of that many rows would almost never show.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: column names that identify a row rather than describe it (compared they only hurt)
ID_NAME = re.compile(r"(?i)^(rec(ord)?[_ ]?)?(id|uuid|guid|key|index|row([_ ]?(id|num(ber)?))?)$")
#: field similarity at which a field counts as agreeing for the evidence
AGREE = 0.8
#: share of the needed evidence that exact agreements must carry before a pair is scored
SCREEN = 0.5
#: characters of a field kept and compared (bounds the state per row); a row whose fields
#: average more than SHORT characters holds texts, not a record, and is near-duplicate's (DU002)
KEEP = 64
SHORT = 40


def normalize(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Lower case, punctuation to spaces, collapsed spaces, cut to KEEP characters; null and blank
    become "".  Also each value's length before the cut (for the mean field length)."""
    s = pc.cast(arr, pa.string()) if not pa.types.is_string(arr.type) else arr
    s = pc.utf8_lower(pc.fill_null(s, ""))
    s = pc.utf8_trim_whitespace(pc.replace_substring_regex(s, r"[^\p{L}\p{N}]+", " "))
    return pc.utf8_slice_codeunits(s, 0, KEEP), np.asarray(pc.utf8_length(s), dtype=np.int64)


def weights(hashes: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Bits an exact agreement on each field is worth: -log2 P(two random present values agree)."""
    w = np.zeros(hashes.shape[1])
    for f in range(hashes.shape[1]):
        h = hashes[present[:, f], f]
        if h.size < 2:
            continue
        _v, counts = np.unique(h, return_counts=True)
        p = counts / h.size
        w[f] = min(-np.log2(max(float((p * p).sum()), 1e-12)), 30.0)
    return w


def ranks(arr: pa.Array) -> np.ndarray:
    """Each value's rank among the sorted distinct values (equal values, equal ranks)."""
    d = arr.dictionary_encode()
    order = np.asarray(pc.array_sort_indices(d.dictionary))
    rank = np.empty(order.size, np.int64)
    rank[order] = np.arange(order.size)
    return rank[np.asarray(d.indices)]


def candidates(values: list[np.ndarray], present: np.ndarray, group: np.ndarray, w: np.ndarray,
               window: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of rows within the same ``group`` that are neighbours in some field's sort
    order (``values``: ranks), at most ``window`` apart.  Fields worth under 4 bits (a state, a
    yes/no; under half of log2(rows) in a small table) make no pass of their own."""
    n, nf = present.shape
    min_bits = min(4.0, 0.5 * np.log2(max(n, 2)))
    out_i, out_j = [], []
    for f in np.flatnonzero(w >= min_bits):
        rows = np.flatnonzero(present[:, f])
        if rows.size < 2:
            continue
        # sort by group, this field's value, then the other fields in turn (rotated from f)
        keys = [values[(f + k) % nf][rows] for k in range(nf - 1, -1, -1)] + [group[rows]]
        order = rows[np.lexsort(keys)]
        for d in range(1, window + 1):
            a, b = order[:-d], order[d:]
            same = group[a] == group[b]
            out_i.append(np.minimum(a, b)[same])
            out_j.append(np.maximum(a, b)[same])
    if not out_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    key = np.concatenate(out_i).astype(np.int64) * n + np.concatenate(out_j)
    key.sort()  # distinct pairs (a sort: numpy's hash-based unique was 5x slower here)
    key = key[np.r_[True, key[1:] != key[:-1]]] if key.size else key
    return key // n, key % n


def exact_bits(hashes: np.ndarray, present: np.ndarray, w: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Bits of the fields on which each pair (i, j) agrees exactly (both present)."""
    bits = np.zeros(i.size)
    for f in np.flatnonzero(w > 0):
        h, p = np.ascontiguousarray(hashes[:, f]), np.ascontiguousarray(present[:, f])
        bits += w[f] * ((h[i] == h[j]) & p[i] & p[j])
    return bits


def scores(values: list[pa.Array], present: np.ndarray, w: np.ndarray, i: np.ndarray,
           j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted field similarity and bits of evidence of each pair (i, j)."""
    from rapidfuzz import fuzz, process

    num = np.zeros(i.size)
    den = np.zeros(i.size)
    bits = np.zeros(i.size)
    for f in range(present.shape[1]):
        if w[f] <= 0:
            continue
        both = np.flatnonzero(present[i, f] & present[j, f])
        if not both.size:
            continue
        a = values[f].take(pa.array(i[both])).to_pylist()
        b = values[f].take(pa.array(j[both])).to_pylist()
        sim = process.cpdist(a, b, scorer=fuzz.ratio, dtype=np.float32) / 100.0
        num[both] += w[f] * sim
        den[both] += w[f]
        bits[both] += w[f] * (sim >= AGREE)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0), bits
