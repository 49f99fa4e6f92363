"""What a reader accepts, so that no input can make a run grow memory without bound.

Each limit is documented in the README (Robustness).  A record over a limit is an
``invalid-record`` finding at its line (the rest of the file is linted); a file-wide excess
(too many columns, a decompression bomb, a JSON array too large to read whole) stops the run with
one line naming the file and what to do.
"""

from __future__ import annotations

import numpy as np

#: one record (a CSV record, a JSON line) longer than this is not parsed: it becomes a finding and
#: reading resumes at the next line.  Parsing it would need several copies of it at once.
MAX_RECORD_BYTES = 16 << 20
#: bytes of an over-long record kept (for the finding and the rejects file)
RECORD_PREVIEW_BYTES = 4096
#: objects and arrays nested deeper than this in one record (pyarrow's JSON parser crashes the
#: process on deep nesting, Python's raises RecursionError near 1,000)
MAX_DEPTH = 64
#: keys in one JSON record, counted at every depth
MAX_KEYS_PER_RECORD = 10_000
#: distinct columns (top-level keys, CSV fields) of one file
MAX_COLUMNS = 2_000
#: table cells (rows x columns) parsed at once: JSON Lines blocks are parsed in pieces of at most
#: this many lines, so that lines that each bring new keys cost rows x keys of this size at most
PIECE_LINES = 2_000
#: rows x columns of one batch handed to the rules
MAX_BATCH_CELLS = 8 << 20
#: a compressed input may expand to this many times its size (at least MIN_DECOMPRESSION_BUDGET
#: bytes: small files of repeated text compress far), and to MAX_DECOMPRESSED_BYTES in all.  Text
#: compresses 3-10x; gzip cannot pass ~1,000x, which only crafted or degenerate data reaches
MAX_DECOMPRESSION_RATIO = 100
MIN_DECOMPRESSION_BUDGET = 8 << 20
MAX_DECOMPRESSED_BYTES = 64 << 30
#: a JSON array is read whole: larger ones must be converted to JSON Lines
MAX_JSON_ARRAY_BYTES = 128 << 20


def _real_quotes(a: np.ndarray) -> np.ndarray:
    """Positions of the quotes that open or close a JSON string (not escaped by a backslash run)."""
    q = np.flatnonzero(a == 34)
    if q.size == 0:
        return q
    bs = a == 92
    if not bs.any():
        return q
    idx = np.arange(a.size)
    last_other = np.maximum.accumulate(np.where(bs, -1, idx))
    prev = q - 1
    run = np.where(prev >= 0, prev - last_other[np.maximum(prev, 0)], 0)
    return q[(run & 1) == 0]


def json_structure(buf: bytes | memoryview, starts: np.ndarray, ends: np.ndarray,
                   check_keys: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(nesting depth, keys) of each JSON record ``buf[starts[i]:ends[i]]``, counted outside strings.

    Cheap bounds first: a record with at most ``MAX_DEPTH`` brackets cannot nest deeper, one with
    at most ``MAX_KEYS_PER_RECORD`` colons cannot hold more keys; exact counts (vectorised, with
    the string mask) only when a record exceeds a bound.  Records that stay under both bounds get
    0 for what was not counted.
    """
    a = np.frombuffer(buf, dtype=np.uint8)
    n = starts.size
    depth = np.zeros(n, dtype=np.int64)
    keys = np.zeros(n, dtype=np.int64)
    if n == 0:
        return depth, keys
    opens = (a == 123) | (a == 91)
    cum_open = np.concatenate(([0], np.cumsum(opens, dtype=np.int64)))
    n_open = cum_open[ends] - cum_open[starts]
    suspect = n_open > MAX_DEPTH
    if check_keys:
        colon = np.concatenate(([0], np.cumsum(a == 58, dtype=np.int64)))
        suspect |= (colon[ends] - colon[starts]) > MAX_KEYS_PER_RECORD
    if not suspect.any():
        return depth, keys
    rq = _real_quotes(a)
    for i in np.flatnonzero(suspect).tolist():
        s, e = int(starts[i]), int(ends[i])
        q = rq[(rq >= s) & (rq < e)]
        seg = a[s:e]
        # bytes, not int64s: a record of 16 MiB costs a few times 16 MiB here
        toggle = np.zeros(e - s, dtype=bool)
        toggle[q - s] = True
        # inside a string: after an odd number of quotes (the opening quote counts as inside, the
        # closing one as outside; brackets and colons are never quotes, so either is fine)
        inside = np.logical_xor.accumulate(toggle) if toggle.size else toggle
        delta = opens[s:e].astype(np.int8)
        delta[(seg == 125) | (seg == 93)] = -1
        delta[inside] = 0
        depth[i] = int(np.cumsum(delta, dtype=np.int32).max(initial=0))
        if check_keys:
            keys[i] = int(np.count_nonzero((seg == 58) & ~inside))
    return depth, keys


def structure_problem(depth: int, keys: int) -> str | None:
    """The finding's message for a record over the depth or key limit, else None."""
    if depth > MAX_DEPTH:
        return (f"nested {depth} levels deep, over the limit of {MAX_DEPTH}; "
                f"flatten the record")
    if keys > MAX_KEYS_PER_RECORD:
        return f"{keys:,} keys in one record, over the limit of {MAX_KEYS_PER_RECORD:,}"
    return None


def oversized_message(size: int) -> str:
    return (f"record of {size / (1 << 20):,.1f} MiB, over the limit of {MAX_RECORD_BYTES >> 20} MiB per "
            f"record; not parsed (reading resumes at the next line)")


def oversized_kept(path: str, line: int):
    """The error when ``--fix`` would keep a record it skipped (only its first bytes were read)."""
    from ..errors import SourceError

    return SourceError(f"{path}:{line}: a record over the size limit cannot be copied to the cleaned copy; "
                       f"select IR001 (it rejects such records) or split the record")
