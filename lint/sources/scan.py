"""Find record boundaries in a block of delimited text, vectorised with NumPy.

A newline ends a record unless it sits inside quotes.  With RFC 4180 quoting (a field is quoted
from its first character, a quote inside is doubled) the quote parity before a newline tells
exactly that, and doubled quotes toggle twice, so counting quotes is enough.  The same parity
tells which delimiters separate fields, so each record's field count comes for free.  Files with
bare quotes inside fields (MRPC) are read with quoting off; the sniffer decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .filerange import MappedFile

NL = 10
CR = 13


@dataclass
class Records:
    """Records found in ``buf[:consumed]``; offsets are relative to the block."""

    starts: np.ndarray  # int64, first byte of each record
    ends: np.ndarray  # int64, one past the last byte, without the line terminator
    lines: np.ndarray  # int64, 0-based count of newlines before the record start (add the block's base)
    nfields: np.ndarray | None  # int64 field count (delimited text only)
    consumed: int  # bytes of the block covered by complete records (including their terminators)
    newlines: int  # newlines inside buf[:consumed]
    #: a quote opened at ``buf[consumed]`` runs on past MAX_QUOTED_LINES lines: the caller reads that
    #: one line as a malformed record and resumes after it, instead of swallowing the rest of the file
    runaway: bool = False
    #: the record is longer than ``limits.MAX_RECORD_BYTES``: ``buf`` holds only its first bytes
    #: and this is its true size in bytes (it was skipped, not parsed)
    oversized: int = 0


#: a quoted field spanning more physical lines than this is taken for an unbalanced quote
MAX_QUOTED_LINES = 10_000


def runaway_line(buf: bytes | memoryview) -> Records:
    """The first line of ``buf`` as one record (an unbalanced quote opens on it)."""
    a = np.frombuffer(buf, dtype=np.uint8)
    nl = np.flatnonzero(a == NL)
    end = int(nl[0]) if nl.size else a.size
    consumed = end + 1 if nl.size else a.size
    stop = end - 1 if end > 0 and a[end - 1] == CR else end
    return Records(np.array([0], np.int64), np.array([stop], np.int64), np.array([0], np.int64),
                   np.array([-1], np.int64), consumed, 1 if nl.size else 0, runaway=True)


def scan(buf: bytes | memoryview, *, final: bool, quote: int | None = None,
         delimiter: int | None = None) -> Records | None:
    """Records of a block that starts on a record boundary.

    Returns None when ``final`` is false and no complete record fits: the caller reads more.
    Blank lines (empty, or a lone CR) are not records.
    """
    a = np.frombuffer(buf, dtype=np.uint8)
    n = a.size
    nl = np.flatnonzero(a == NL)
    runaway_at = -1
    if quote is not None:
        q = np.flatnonzero(a == quote)
        term = nl[(np.searchsorted(q, nl) & 1) == 0] if q.size else nl
        if q.size and nl.size > MAX_QUOTED_LINES:
            # newlines each record spans (1 for a one-line record); the part after the last
            # terminator is a record still open (or the file's last record, when final)
            k = np.searchsorted(nl, term)
            spans = np.diff(np.concatenate(([-1], k)))
            tail = nl.size - (int(k[-1]) + 1 if k.size else 0)
            long = np.flatnonzero(spans > MAX_QUOTED_LINES)
            if long.size:
                r = int(long[0])
                runaway_at = 0 if r == 0 else int(term[r - 1]) + 1
                term = term[:r]
            elif tail > MAX_QUOTED_LINES:
                runaway_at = int(term[-1]) + 1 if term.size else 0
    else:
        q = None
        term = nl
    if runaway_at >= 0:
        if term.size == 0:
            return Records(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), None,
                           0, 0, runaway=True)
        final = False  # records before the runaway one are complete; the caller handles the rest
    if final:
        consumed = n
        ends = term
        if term.size == 0 or term[-1] != n - 1:
            ends = np.append(term, n)  # a last record without a trailing newline
    else:
        if term.size == 0:
            return None
        consumed = int(term[-1]) + 1
        ends = term
    starts = np.empty_like(ends)
    if ends.size:
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
    # strip the CR of CRLF
    has_cr = np.zeros(ends.size, dtype=bool)
    nonempty = ends > starts
    has_cr[nonempty] = a[ends[nonempty] - 1] == CR
    ends = ends - has_cr
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    lines = np.searchsorted(nl, starts)
    nfields = None
    if delimiter is not None:
        d = np.flatnonzero(a == delimiter)
        if q is not None and q.size and d.size:
            d = d[(np.searchsorted(q, d) & 1) == 0]
        nfields = np.searchsorted(d, ends) - np.searchsorted(d, starts) + 1
    newlines = int(np.searchsorted(nl, consumed))
    return Records(starts.astype(np.int64), ends.astype(np.int64), lines.astype(np.int64),
                   None if nfields is None else nfields.astype(np.int64), consumed, newlines,
                   runaway=runaway_at >= 0)


@dataclass
class Lines:
    """A block cut by ``cut_lines``: ``n`` records, taken to be one physical line each (no arrays
    of offsets).  ``parse`` checks that against pyarrow's row count."""

    n: int
    consumed: int  # bytes of the block, its last newline included
    newlines: int


#: a quote left open at a candidate cut is followed this many lines at most before ``cut_lines``
#: hands the block to the exact ``scan``
_MAX_CUT_EXTENSIONS = 64


def cut_lines(mapped: MappedFile, pos: int, size: int, quote: int | None) -> Lines | None:
    """A block of whole lines from ``pos`` (a record boundary), about ``size`` bytes, that ends on
    a newline outside quotes, found without listing its records: ~4x cheaper than ``scan``.

    Counting newlines gives the records only if no newline sits inside quotes and no line is
    blank (a blank line is not a record).  Neither can be seen here cheaply (looking for blank
    lines alone costs as much as the cut), so the parse checks both (``BlockMiscount``).  What is
    cheap to see returns None, for the exact ``scan``: a blank line at the block's start, a lone CR
    (pyarrow ends a row there), a quote still open at the end of the file or for more than a few
    lines past the cut.
    """
    from .limits import MAX_RECORD_BYTES

    mm, view = mapped, mapped.view
    total = len(view)
    end = min(total, pos + size)
    if end < total:
        nl = mm.find(b"\n", end - 1, end + MAX_RECORD_BYTES)
        if nl < 0 and end + MAX_RECORD_BYTES < total:
            return None  # a line over the record limit: the exact scan skips it
        end = total if nl < 0 else nl + 1
    a = np.frombuffer(view[pos:end], dtype=np.uint8)
    if quote is not None and np.count_nonzero(a == quote) & 1:
        # the candidate newline is inside quotes: follow the quote to a newline outside it
        for _ in range(_MAX_CUT_EXTENSIONS):
            nl = mm.find(b"\n", end)
            if nl < 0:
                return None
            flips = np.count_nonzero(np.frombuffer(view[end:nl + 1], dtype=np.uint8) == quote)
            end = nl + 1
            if flips & 1:
                break
        else:
            return None
        a = np.frombuffer(view[pos:end], dtype=np.uint8)
    if a.size == 0 or a[0] in (NL, CR):
        return None
    if mm.find(b"\r", pos, end) >= 0:
        cr = a == CR
        if np.count_nonzero(cr) != np.count_nonzero(cr[:-1] & (a[1:] == NL)):
            return None
    newlines = int(np.count_nonzero(a == NL))
    n = newlines + (1 if a[-1] != NL else 0)  # the file's last line may have no newline
    return Lines(n, end - pos, newlines)


def oversized_record(preview: bytes | memoryview, size: int, newlines: int) -> Records:
    """A record over ``MAX_RECORD_BYTES``, skipped up to and including the end of the line it
    reaches the limit on: ``preview`` is its first bytes, ``size`` what was skipped."""
    return Records(np.array([0], np.int64), np.array([len(preview)], np.int64), np.array([0], np.int64),
                   np.array([-1], np.int64), len(preview), newlines, oversized=size)


def skip_oversized(buf: bytes, chunks) -> tuple[Records, bytes, bytes]:
    """``buf`` starts a record longer than the limit: (its Records, its preview, the bytes after
    it), reading and dropping chunks up to the end of the line the limit falls on."""
    from .limits import MAX_RECORD_BYTES, RECORD_PREVIEW_BYTES

    preview = bytes(buf[:RECORD_PREVIEW_BYTES])
    newlines = buf.count(b"\n", 0, MAX_RECORD_BYTES)
    size = MAX_RECORD_BYTES
    rest = buf[MAX_RECORD_BYTES:]
    while True:
        nl = rest.find(b"\n")
        if nl >= 0:
            size += nl + 1
            return oversized_record(preview, size, newlines + 1), preview, rest[nl + 1:]
        size += len(rest)
        rest = next(chunks, None)
        if rest is None:
            return oversized_record(preview, size, newlines), preview, b""


def chunked_records(chunks, size: int, scan_parts, line_base: int = 1):
    """(block, records, line base) over a stream of byte chunks: each block starts on a record
    boundary and holds whole records; a record longer than ``size`` makes a longer block, one
    longer than ``limits.MAX_RECORD_BYTES`` is skipped (``Records.oversized``).

    ``scan_parts(buf, final)`` returns the Records parts of ``buf`` in order (one, or more when a
    reader splits it), or None when no complete record fits yet and more bytes are needed.
    """
    from .limits import MAX_RECORD_BYTES

    buf = b""
    eof = False
    while True:
        if not eof and len(buf) < size:
            nxt = next(chunks, None)
            if nxt is None:
                eof = True
            else:
                buf += nxt
                continue
        if not buf:
            return
        parts = scan_parts(buf, eof)
        if parts is None and len(buf) > MAX_RECORD_BYTES:
            recs, preview, buf = skip_oversized(buf, chunks)
            yield preview, recs, line_base
            line_base += recs.newlines
            continue
        if parts is None:  # one record longer than the buffer: read more
            nxt = next(chunks, None)
            if nxt is None:
                eof = True
            else:
                buf += nxt
            continue
        for part in parts:
            block, buf = buf[:part.consumed], buf[part.consumed:]
            yield block, part, line_base
            line_base += part.newlines
        if eof and not buf:
            return


def field_counts(buf: bytes | memoryview, starts: np.ndarray, ends: np.ndarray, *, quote: int | None,
                 delimiter: int) -> np.ndarray:
    """Fields of each record ``buf[starts[i]:ends[i]]``: delimiters outside quotes, plus one.

    The same count ``scan(..., delimiter=)`` gives, computed apart so that the process that only
    cuts blocks (the main one) skips it and the worker that parses the block pays for it.  Instead
    of testing each delimiter's quote parity (a search per delimiter), it subtracts the delimiters
    inside each quoted span (a search per quote, which are far fewer).
    """
    a = np.frombuffer(buf, dtype=np.uint8)
    d = np.flatnonzero(a == delimiter)
    total = np.searchsorted(d, ends) - np.searchsorted(d, starts)
    if quote is not None and d.size:
        q = np.flatnonzero(a == quote)
        if q.size:
            # spans [q0, q1), [q2, q3), ... are inside quotes; an odd last quote opens a span to the end
            opens = q[0::2]
            closes = np.append(q[1::2], a.size) if q.size % 2 else q[1::2]
            inside = np.searchsorted(d, closes) - np.searchsorted(d, opens)
            cum = np.concatenate(([0], np.cumsum(inside)))
            # a record starts and ends outside quotes, so the spans that open in it close in it;
            # only an unbalanced quote in a file's last record runs to the end of the block, and
            # between that record's end and the block's end there is no delimiter
            lo = np.searchsorted(opens, starts)
            hi = np.searchsorted(opens, ends)
            total = total - (cum[hi] - cum[lo])
    return (total + 1).astype(np.int64)
