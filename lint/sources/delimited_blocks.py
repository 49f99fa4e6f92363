"""Cutting a CSV/TSV file into blocks on record boundaries, in the main process.

A plain UTF-8 file is memory-mapped and scanned in place (no copy of its bytes); other inputs are
read in chunks and decoded.  Blocks after the first may be cut quickly (``scan.cut_lines``: lines
counted, not listed), which ``parse`` then checks.  A block of a plain file may name its byte range
(``FileRange``) instead of holding the bytes, for an engine that sends it to another process.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import SourceError
from . import scan as _scan
from .filerange import FileRange, MappedFile, map_plain_file
from .base import Block
from .limits import MAX_RECORD_BYTES, RECORD_PREVIEW_BYTES
from .stream import read_chunks

if TYPE_CHECKING:
    from .delimited import DelimitedReader

#: blocks of a mapped file that may still be in use (parsing in place, queued) when the next is cut
_BLOCKS_IN_USE = 6

#: (block bytes, its records, line base, file offset or None)
Piece = tuple["bytes | memoryview", "_scan.Records | _scan.Lines", int, "int | None"]


@dataclass(frozen=True)
class QuickBlock:
    """What a quick block carries instead of per-record offsets: its record count as cut, the
    1-based line it starts on and its byte offset in the file (where to resume exactly)."""

    n: int
    first_line: int
    offset: int


def file_records(reader: DelimitedReader, quick: bool = False,
                 start: tuple[int, int, int] | None = None) -> Iterator[Piece]:
    """(block bytes, its records, line base, file offset or None) for the whole file, header
    included.  ``quick``: blocks after the first may be cut by ``cut_lines`` (records counted,
    not listed).  ``start``: (offset, row, line) of a record boundary of a mapped file to begin
    at (``resume_blocks``)."""
    mapped = map_plain_file(reader.path, reader.options.encoding)
    if mapped is not None:
        yield from _mapped_records(mapped, reader.options.block_bytes, reader.quote(), quick, start)
        return
    if start is not None:  # pragma: no cover - quick blocks only come from mapped files
        raise SourceError(f"{reader.path}: the file changed while it was being linted; lint it again")
    quote = reader.quote()

    def parts(buf, final):
        recs = _scan.scan(buf, final=final, quote=quote)
        return None if recs is None else list(_with_runaway(buf, recs))

    size = reader.options.block_bytes
    chunks = read_chunks(reader.path, size, reader.options.encoding)
    for block, recs, line_base in _scan.chunked_records(chunks, size, parts):
        yield block, recs, line_base, None


def _with_runaway(buf, recs: _scan.Records):
    """The records, then (after an unbalanced quote) the line it opens on as its own record."""
    if recs.starts.size or not recs.runaway:
        yield recs
    if recs.runaway:
        yield _scan.runaway_line(memoryview(buf)[recs.consumed:])


def _mapped_records(mapped: MappedFile, size: int, quote: int | None, quick: bool,
                    start: tuple[int, int, int] | None) -> Iterator[Piece]:
    view = mapped.view
    total = len(view)
    pos, line_base = (mapped.start, 1) if start is None else (start[0], start[2])
    scanned_first = start is not None  # the first block, the header's, is always scanned exactly
    # where the last blocks handed on end; the pages before the oldest are released
    done = deque([pos] * _BLOCKS_IN_USE, maxlen=_BLOCKS_IN_USE)
    while pos < total:
        if quick and scanned_first:
            lines = _scan.cut_lines(mapped, pos, size, quote)
            if lines is not None:
                yield view[pos:pos + lines.consumed], lines, line_base, pos
                line_base += lines.newlines
                pos += lines.consumed
                done.append(pos)
                mapped.release(done[0])
                continue
        want = size
        while True:
            end = min(total, pos + want)
            recs = _scan.scan(view[pos:end], final=end == total, quote=quote)
            if recs is not None or want > MAX_RECORD_BYTES:
                break
            want *= 2  # one record longer than the block: look further
        if recs is None:  # a record over the limit: skipped to the end of the line it reaches it on
            stop = mapped.line_end(pos + MAX_RECORD_BYTES)
            newlines = sum(int(np.count_nonzero(np.frombuffer(view[k:min(stop, k + (8 << 20))], np.uint8)
                                                == _scan.NL)) for k in range(pos, stop, 8 << 20))
            part = _scan.oversized_record(view[pos:pos + RECORD_PREVIEW_BYTES], stop - pos, newlines)
            yield view[pos:pos + RECORD_PREVIEW_BYTES], part, line_base, pos
            line_base += newlines
            pos = stop
            done.append(pos)
            mapped.release(done[0])
            continue
        if not scanned_first:
            # a file whose first block has a record of several lines, or a blank line, will
            # have more: cutting it quickly would only end in BlockMiscount
            scanned_first = True
            quick = quick and not recs.runaway and bool(
                np.array_equal(recs.lines, np.arange(recs.lines.size)))
        for part in _with_runaway(view[pos:end], recs):
            yield view[pos:pos + part.consumed], part, line_base, pos
            line_base += part.newlines
            pos += part.consumed
        done.append(pos)
        # the blocks before the last few are parsed by now (quick blocks are parsed in place)
        mapped.release(done[0])


def cut_blocks(reader: DelimitedReader, ranged: bool, quick: bool = False,
               start: tuple[int, int, int] | None = None) -> Iterator[Block]:
    """The reader's blocks, the header left out.  ``ranged``: a block of a plain file names its
    byte range instead of holding the bytes."""
    row = 0 if start is None else start[1]
    header_pending = reader.dialect.header and start is None
    index = reader.info.index
    for data, recs, line_base, offset in file_records(reader, quick, start):
        if isinstance(recs, _scan.Lines):
            mark = QuickBlock(recs.n, line_base, offset)
            if ranged:
                payload = FileRange.of(reader.path, offset, data, (mark,))
            else:
                # the map's own bytes, not a copy: pyarrow parses them in place (the local
                # engine's blocks never leave the process; a copy cost a tenth of the parse)
                payload = (data, mark)
            yield Block(index, row, payload)
            row += recs.n
            continue
        # field counts (``nfields``) are left to ``parse``: the process that cuts blocks skips them
        starts, ends, lines, nfields = recs.starts, recs.ends, recs.lines + line_base, None
        if recs.runaway and recs.nfields is not None:
            nfields = recs.nfields  # the unbalanced-quote line, marked -1
        if recs.oversized:
            nfields = np.array([-recs.oversized], np.int64)  # skipped: its size, negated
        if header_pending and starts.size:
            starts, ends, lines = starts[1:], ends[1:], lines[1:]
            header_pending = False
        if starts.size == 0:
            continue
        if offset is not None and ranged:
            payload = FileRange.of(reader.path, offset, data, (starts, ends, lines, nfields))
        else:
            payload = (bytes(data), starts, ends, lines, nfields)
        yield Block(index, row, payload)
        row += int(starts.size)
