"""What every reader shares: batches, partitions, the line index and the options of a read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from ..context import InvalidRecord, SourceInfo

#: rows per batch handed to rules; bounded memory is rows-per-batch times row size.
DEFAULT_BATCH_ROWS = 65_536
#: bytes of raw text per block; one block becomes one or more batches and one process-engine task.
DEFAULT_BLOCK_BYTES = 8 << 20


@dataclass(frozen=True)
class ReadOptions:
    """How to read every input of a run (CLI flags and config ``[tool.trainlint]``)."""

    encoding: str = "utf-8"
    input_format: str | None = None  # csv, tsv, jsonl, json, parquet; None = from name and content
    delimiter: str | None = None
    header: bool | None = None  # None = sniffed
    quoting: bool | None = None  # None = sniffed
    batch_rows: int = DEFAULT_BATCH_ROWS
    block_bytes: int = DEFAULT_BLOCK_BYTES


@dataclass
class Batch:
    """Rows a reader hands on: the parsed table, each row's 0-based number and 1-based start line."""

    table: pa.Table
    rows: np.ndarray
    lines: np.ndarray | None = None
    invalid: list[InvalidRecord] = field(default_factory=list)


@dataclass
class Block:
    """A unit of work: enough to parse a slice of a source anywhere (main process or worker).

    ``payload`` is reader-specific and picklable (bytes and record offsets for text formats, a
    row-group range for Parquet).
    """

    source_index: int
    first_row: int
    payload: Any


class BlockMiscount(Exception):
    """``parse`` of a quick block (``Reader.quick_blocks``) found a record spanning several lines:
    the block holds fewer records than its cutter counted, so the rows of every block cut after
    it are numbered wrongly.  The engine drops those blocks' results and goes on with
    ``reader.resume_blocks(error.at)``, exact cutting from this block on."""

    def __init__(self, at: Any) -> None:
        super().__init__(at)
        self.at = at


class LineIndex:
    """Row -> physical start line, stored as the rows where ``line - row`` changes.

    For a file without blank lines or multi-line records that is one entry, whatever its size,
    so the engine can put lines on every finding without keeping a number per row.
    """

    def __init__(self) -> None:
        self._rows: list[int] = []
        self._offsets: list[int] = []

    def add(self, rows: np.ndarray, lines: np.ndarray | None) -> None:
        if lines is None or len(rows) == 0:
            return
        delta = lines.astype(np.int64) - rows.astype(np.int64)
        change = np.flatnonzero(np.diff(delta)) + 1
        idx = np.concatenate(([0], change))
        for i in idx.tolist():
            d = int(delta[i])
            if self._offsets and self._offsets[-1] == d and self._rows[-1] <= int(rows[i]):
                continue
            self._rows.append(int(rows[i]))
            self._offsets.append(d)

    def merge(self, other: LineIndex) -> None:
        for r, d in zip(other._rows, other._offsets):
            if self._offsets and self._offsets[-1] == d:
                continue
            self._rows.append(r)
            self._offsets.append(d)

    def __bool__(self) -> bool:
        return bool(self._rows)

    def line(self, row: int | None) -> int | None:
        if row is None or not self._rows:
            return None
        i = int(np.searchsorted(np.asarray(self._rows), row, side="right")) - 1
        if i < 0:
            return None
        return row + self._offsets[i]

    def lines(self, rows: np.ndarray) -> np.ndarray:
        """``line(row)`` for every row at once: -1 where there is none (before the first indexed row)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not self._rows:
            return np.full(rows.size, -1, dtype=np.int64)
        r = np.asarray(self._rows, dtype=np.int64)
        o = np.asarray(self._offsets, dtype=np.int64)
        i = np.searchsorted(r, rows, side="right") - 1
        out = rows + o[np.maximum(i, 0)]
        out[i < 0] = -1
        return out


class Reader:
    """One input file (or DataFrame).  Subclasses implement the format."""

    format: str = ""
    #: True when findings get physical lines (text formats).
    has_lines: bool = True

    def __init__(self, info: SourceInfo, path: str, options: ReadOptions) -> None:
        self.info = info
        self.path = path
        self.options = options
        #: file-wide causes found by ``open`` (a wrong encoding, a wrong delimiter): each becomes
        #: one file-level ``invalid-record`` finding, handed on with the file's first batch
        self.notices: list[str] = []
        #: why ``--fix`` must not write this file (a cause that would reject every row), or None
        self.fix_refusal: str | None = None

    def check_text(self, sample: bytes) -> bytes:
        """The first bytes of a text input, checked for file-wide causes: content that is not
        text (SourceError), or not UTF-8 (then read in the encoding it looks like, with a notice).
        Returns the sample as the reader should see it."""
        from dataclasses import replace

        from .detect import encoding_problem, refuse_binary
        from .stream import read_sample

        refuse_binary(self.path, sample, self.format)
        if self.options.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
            return sample
        problem = encoding_problem(self.path, sample)
        if problem is None:
            return sample
        self.options = replace(self.options, encoding=problem.guess)
        self.notices.append(problem.message())
        self.fix_refusal = problem.fix_refusal(self.path)
        return read_sample(self.path, len(sample), problem.guess)

    def with_notices(self, block: Block, batches: Iterator[Batch]) -> Iterator[Batch]:
        """``batches`` with the file-level notices added to the first batch of the first block."""
        if block.first_row != 0 or not self.notices:
            yield from batches
            return
        first = True
        for b in batches:
            if first:
                b.invalid = [InvalidRecord(None, None, m) for m in self.notices] + list(b.invalid)
                first = False
            yield b

    def open(self) -> list[str]:
        """Check the input can be read at all and return its column names (SourceError if not)."""
        raise NotImplementedError

    def blocks(self) -> Iterator[Block]:
        """Split the input into blocks, in order, cheaply: the expensive parsing is ``parse``."""
        raise NotImplementedError

    def parse(self, block: Block) -> Iterator[Batch]:
        """Parse one block into batches.  Must work in another process (only picklable state)."""
        raise NotImplementedError

    def quick_blocks(self, ranged: bool = False) -> Iterator[Block]:
        """Like ``blocks``, for an engine that parses blocks in order and handles ``BlockMiscount``:
        a reader may cut them faster by assuming what ``parse`` then checks.  ``ranged``: blocks
        may name byte ranges of the file instead of holding the bytes (``blocks_by_range``)."""
        by_range = getattr(self, "blocks_by_range", None) if ranged else None
        return by_range() if by_range is not None else self.blocks()

    def resume_blocks(self, at: Any, ranged: bool = False) -> Iterator[Block]:
        """The blocks from the one whose ``parse`` raised ``BlockMiscount(at)`` on, cut exactly."""
        raise NotImplementedError(f"{type(self).__name__} cuts no quick blocks")

    def can_start_at_offset(self) -> bool:
        """Whether ``tail_blocks`` can read from a byte offset (a plain local UTF-8 text file)."""
        return False

    def tail_blocks(self, at: tuple[int, int, int]) -> Iterator[Block]:
        """The blocks of the records from byte ``at[0]`` on (a record boundary), the first of them
        row ``at[1]`` on line ``at[2]``: the part of a file appended since a cached run."""
        raise NotImplementedError(f"{type(self).__name__} cannot start at an offset")

    def batches(self) -> Iterator[Batch]:
        for block in self.blocks():
            yield from self.parse(block)

    # -- the cleaned copy --------------------------------------------------------------------------
    def write_cleaned(self, drop_rows: np.ndarray, out, rejects) -> tuple[int, int]:
        """Copy every row not in ``drop_rows`` to ``out`` (a binary file), hand the others to
        ``rejects(row, line, record_dict, raw_text)``; return (kept, rejected)."""
        raise NotImplementedError

    def reader_state(self) -> dict[str, Any]:
        """What a worker needs besides the block (the sniffed dialect, column names)."""
        return {}


def sorted_rows(rows) -> np.ndarray:
    """Row numbers as a sorted array without repeats, for ``in_rows``."""
    return np.unique(np.asarray(rows, dtype=np.int64))


def in_rows(rows: np.ndarray, drop: np.ndarray) -> np.ndarray:
    """``np.isin(rows, drop)`` for a ``drop`` from ``sorted_rows``: one binary search per row, not a
    sort of both arrays per block (which made --fix of 4M rows with 160k rejects take seconds)."""
    if drop.size == 0:
        return np.zeros(len(rows), dtype=bool)
    i = np.searchsorted(drop, rows)
    return drop[np.minimum(i, drop.size - 1)] == rows

