"""What the state cache keeps of a file beyond one whole result (``statecache``): an append
read as a link to the earlier content's entry, a Parquet file row group by row group, and the
anchor that tells a later run a file only grew, with the checks that make that safe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Link:
    """The entry of a file that grew: the result of the records appended since the content
    whose entry is ``prefix``."""

    prefix: str
    tail: Any


@dataclass(frozen=True)
class Blocks:
    """The entry of a file cached block by block (``block_keys``): its blocks' keys, in order."""

    keys: tuple[str, ...]


@dataclass
class Merged:
    parts: list


@dataclass
class Grown:
    """A file that only grew (``StateCache.grown``): the results of its earlier content (in row
    order), where the added bytes start (byte offset, row, line), and the earlier anchor."""

    parts: list
    at: tuple[int, int, int]
    anchor: Anchor


@dataclass(frozen=True)
class Anchor:
    """What a file's entry covers, kept under the file's path: its size, content digest and
    newlines, its records, whether it ended on a clean record boundary, the entry's key and how
    the reader read it."""

    size: int
    digest: str
    newlines: int
    records: int
    clean: bool
    entry: str
    reader: str
    #: the entries the result is read from: the whole one, then the links of appends
    chain: tuple[str, ...] = ()


def reader_print(reader: Any) -> tuple:
    """How a reader reads its file (dialect, columns, notices, options), to be digested: a file
    grown past the sample the dialect was sniffed from may be read another way, and then is read
    whole."""
    return (type(reader).__qualname__, reader.reader_state(), reader.notices, reader.options, reader.fix_refusal)


def hash_prefix(path: str, size: int) -> str | None:
    """``content_hash``'s digest of the first ``size`` bytes of the file."""
    import xxhash

    h = xxhash.xxh3_128()
    left = size
    try:
        with open(path, "rb") as f:
            while left > 0:
                chunk = f.read(min(left, 1 << 22))
                if not chunk:
                    return None
                h.update(chunk)
                left -= len(chunk)
    except OSError:
        return None
    return f"{h.hexdigest()}-{size}"


def last_line(result: Any, records: int) -> int | None:
    """The line the file's last record (row ``records - 1``) starts on, by ``result``'s lines
    (those of the file's last part), or None."""
    rows, lines = result.line_rows, result.line_lines
    if lines is None or not len(rows) or not records:
        return None
    last = records - 1
    i = int(np.searchsorted(rows, last, side="right")) - 1
    return None if i < 0 else last + int(lines[i]) - int(rows[i])


#: how far back from its end a file's last line is looked for
_LAST_LINE_BYTES = 1 << 20


def clean_end(path: str, size: int, newlines: int, last_line: int | None) -> bool:
    """Whether records appended to the file would start a record of their own: the file ends
    with a newline, its last record starts on its last line (no blank line, no record of several
    lines at the end) and that line's quotes are balanced (the newline is no part of a quoted
    field).  A cold run's reader then cuts a record boundary at exactly this size."""
    if last_line is None or newlines < 1 or last_line != newlines:
        return False
    start = max(0, size - _LAST_LINE_BYTES)
    try:
        with open(path, "rb") as f:
            f.seek(start)
            tail = f.read(size - start)
    except OSError:
        return False
    if len(tail) != size - start or not tail.endswith(b"\n"):
        return False
    nl = tail.rfind(b"\n", 0, len(tail) - 1)
    if nl < 0 and start > 0:
        return False  # a last line longer than we look: read whole
    return tail.count(b'"', nl + 1) % 2 == 0
