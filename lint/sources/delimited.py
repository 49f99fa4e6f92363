"""CSV and TSV: sniffed dialect, exact physical lines, malformed rows as findings.

The main process only cuts the file into blocks on record boundaries and finds each record's
offsets and line (``delimited_blocks``, NumPy; a plain file is memory-mapped, not copied).  Counting each
record's fields and parsing the block into Arrow columns (pyarrow.csv) happen in ``parse``, in
whichever process runs it (the process engine's workers read their block's bytes themselves).  A record with the
wrong field count or invalid UTF-8 never reaches pyarrow: it becomes an ``InvalidRecord``.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ..context import InvalidRecord
from ..errors import SourceError
from . import scan as _scan
from .filerange import FileRange, plain_utf8
from .base import Batch, Block, BlockMiscount, Reader, in_rows, sorted_rows
from .limits import MAX_COLUMNS, MAX_RECORD_BYTES, RECORD_PREVIEW_BYTES, oversized_kept, oversized_message
from .delimited_blocks import QuickBlock, cut_blocks, file_records
from .sniff import Dialect, dedupe_names, sniff, split_record, tsv_without_tabs
from .stream import BOM, open_binary, read_sample


class DelimitedReader(Reader):
    format = "csv"

    def open(self) -> list[str]:
        o = self.options
        sample = read_sample(self.path, 1 << 16, o.encoding)
        if not sample.strip():
            raise SourceError(f"{self.path}: the file is empty; nothing to lint")
        sample = self.check_text(sample)
        text = sample.decode("utf-8", "replace")
        if "\n" not in text and text.count("\r") > 1:  # several lines, each ended by a CR alone
            raise SourceError(f"{self.path}: lines end in a bare CR (classic Mac OS), which trainlint does "
                              f"not read; convert them first: tr '\\r' '\\n' < IN > OUT")
        hint = o.delimiter or ("\t" if self.format == "tsv" else None)
        self.dialect: Dialect = sniff(text, delimiter=hint, quoting=o.quoting, header=o.header)
        if hint == "\t" and not o.delimiter:
            found = tsv_without_tabs(text, quoting=o.quoting, header=o.header)
            if found is not None:
                self.dialect = found[0]
                self.notices.append(found[1])
        self.format = "tsv" if self.dialect.delimiter == "\t" else "csv"
        first = _scan.scan(sample, final=len(sample) < (1 << 16), quote=self.quote(),
                           delimiter=ord(self.dialect.delimiter))
        if first is None or first.starts.size == 0:
            raise SourceError(f"{self.path}: the first record is longer than 64 KiB or the quoting "
                              f"is unbalanced; pass --delimiter/--no-quoting if the dialect is unusual")
        head = sample[first.starts[0]:first.ends[0]].decode("utf-8", "replace")
        fields = split_record(head, self.dialect)
        if len(fields) > MAX_COLUMNS:
            raise SourceError(f"{self.path}: {len(fields):,} fields in the first record, over the limit of "
                              f"{MAX_COLUMNS:,} columns; check --delimiter")
        if self.dialect.header:
            self.columns = dedupe_names(fields)
        else:
            self.columns = [f"column_{i + 1}" for i in range(len(fields))]
        return self.columns

    def quote(self) -> int | None:
        return ord('"') if self.dialect.quoting else None

    def reader_state(self) -> dict[str, Any]:
        return {"dialect": self.dialect, "columns": self.columns}

    # -- cutting into blocks (delimited_blocks) ----------------------------------------------------
    def blocks(self) -> Iterator[Block]:
        return cut_blocks(self, ranged=False)

    def blocks_by_range(self) -> Iterator[Block]:
        """Like ``blocks``, but a block of a plain file names its byte range instead of holding the
        bytes, so the process engine sends workers offsets, not megabytes (they read the range)."""
        return cut_blocks(self, ranged=True)

    def quick_blocks(self, ranged: bool = False) -> Iterator[Block]:
        """Blocks after the first cut by counting lines (``scan.cut_lines``), checked by ``parse``."""
        return cut_blocks(self, ranged, quick=True)

    def resume_blocks(self, at: tuple[int, int, int], ranged: bool = False) -> Iterator[Block]:
        return cut_blocks(self, ranged, start=at)

    def can_start_at_offset(self) -> bool:
        return plain_utf8(self.path, self.options.encoding)

    def tail_blocks(self, at: tuple[int, int, int]) -> Iterator[Block]:
        return cut_blocks(self, False, quick=True, start=at)

    # -- parsing ---------------------------------------------------------------------------------
    def parse(self, block: Block) -> Iterator[Batch]:
        payload = block.payload
        if isinstance(payload, FileRange):
            payload = (payload.read(),) + payload.rest
        if len(payload) == 2:
            return self.with_notices(block, self._parse_quick(block.first_row, *payload))
        return self.with_notices(block, self._parse_records(block.first_row, *payload))

    def _parse_quick(self, first_row: int, data: bytes, mark: QuickBlock) -> Iterator[Batch]:
        """A block of ``mark.n`` one-line records, as ``cut_lines`` counted them: pyarrow's row
        count confirms it (a lone CR never gets here, so fewer rows mean a record of several lines
        or a blank line, which pyarrow skips).  Otherwise the block is scanned exactly; if it then
        holds fewer records than counted, later blocks' rows are off: ``BlockMiscount``."""
        n = mark.n
        # a block longer than the record limit may hold a record over it: scanned exactly below
        table = self._parse_bytes(data) if len(data) <= MAX_RECORD_BYTES else None
        if table is not None and table.num_rows == n:
            rows = first_row + np.arange(n, dtype=np.int64)
            return self._batches(table, rows, mark.first_line + np.arange(n, dtype=np.int64), [])
        data = bytes(data)  # the slower paths slice and decode records
        recs = _scan.scan(data, final=True, quote=self.quote())
        if recs is None or recs.runaway or recs.starts.size != n:
            raise BlockMiscount((mark.offset, first_row, mark.first_line))
        # pyarrow refused the block (a malformed record): count fields now, it would refuse again
        nfields = _scan.field_counts(data, recs.starts, recs.ends, quote=self.quote(),
                                     delimiter=ord(self.dialect.delimiter))
        return self._parse_records(first_row, data, recs.starts, recs.ends, recs.lines + mark.first_line,
                                   nfields)

    def _parse_records(self, first_row: int, data: bytes, starts: np.ndarray, ends: np.ndarray,
                       lines: np.ndarray, nfields: np.ndarray | None) -> Iterator[Batch]:
        n = starts.size
        rows = first_row + np.arange(n, dtype=np.int64)
        if nfields is None and n and int((ends - starts).max()) > MAX_RECORD_BYTES:
            nfields = _scan.field_counts(data, starts, ends, quote=self.quote(),
                                         delimiter=ord(self.dialect.delimiter))
        if nfields is None and n:
            # The usual block has no malformed record: pyarrow parses it whole (it refuses a row with
            # the wrong field count or invalid UTF-8), and counting fields, a third of the parse, is
            # left to the blocks it refuses.
            table = self._parse_bytes(memoryview(data)[int(starts[0]):])
            if table is not None and table.num_rows == n:
                yield from self._batches(table, rows, lines, [])
                return
        if nfields is None:
            nfields = _scan.field_counts(data, starts, ends, quote=self.quote(),
                                         delimiter=ord(self.dialect.delimiter))
        ncols = len(self.columns)
        invalid: list[InvalidRecord] = []
        size = ends - starts
        nfields = np.where(size > MAX_RECORD_BYTES, -size, nfields)  # too long to parse: not parsed
        good = nfields == ncols
        for i in np.flatnonzero(~good).tolist():
            if nfields[i] < -1:
                msg = oversized_message(-int(nfields[i]))
            elif nfields[i] < 0:
                msg = (f"unbalanced quote: the quoted field opened on this line is not closed within "
                       f"{_scan.MAX_QUOTED_LINES:,} lines; this line is skipped and reading resumes after it")
            else:
                msg = f"expected {ncols} fields, found {int(nfields[i])}"
            stop = min(int(ends[i]), int(starts[i]) + RECORD_PREVIEW_BYTES) if nfields[i] < -1 else int(ends[i])
            invalid.append(InvalidRecord(int(rows[i]), int(lines[i]), msg, data[starts[i]:stop]))
        table = None
        if good.all():
            table = self._parse_bytes(memoryview(data)[int(starts[0]):] if n else b"")
            if table is None:  # invalid UTF-8 somewhere in the block
                good &= self._utf8_ok(data, starts, ends, rows, lines, invalid, good)
        if table is None or table.num_rows != int(good.sum()):
            idx = np.flatnonzero(good)
            payload = b"\n".join(data[starts[i]:ends[i]] for i in idx.tolist()) + b"\n"
            table = self._parse_bytes(payload) if idx.size else self._empty()
            if table is None:
                good &= self._utf8_ok(data, starts, ends, rows, lines, invalid, good)
                idx = np.flatnonzero(good)
                payload = b"\n".join(data[starts[i]:ends[i]] for i in idx.tolist()) + b"\n"
                table = self._parse_bytes(payload) if idx.size else self._empty()
            if table is None or table.num_rows != idx.size:
                table = self._parse_slow(data, starts[idx], ends[idx])
        invalid.sort(key=lambda r: r.row)
        keep = np.flatnonzero(good)
        yield from self._batches(table, rows[keep], lines[keep], invalid)

    def _batches(self, table: pa.Table, rows: np.ndarray, lines: np.ndarray,
                 invalid: list[InvalidRecord]) -> Iterator[Batch]:
        step = self.options.batch_rows
        if table.num_rows == 0:
            yield Batch(table, rows, lines, invalid)
            return
        for off in range(0, table.num_rows, step):
            yield Batch(table.slice(off, step), rows[off:off + step], lines[off:off + step],
                        invalid if off == 0 else [])

    def _empty(self) -> pa.Table:
        return pa.table({c: pa.array([], pa.string()) for c in self.columns})

    def _parse_bytes(self, payload: bytes | memoryview) -> pa.Table | None:
        """pyarrow's parse of complete records; None when it refuses them (a row with the wrong
        field count, invalid UTF-8): the caller then finds the culprits itself."""
        d = self.dialect
        try:
            return pacsv.read_csv(
                pa.BufferReader(pa.py_buffer(payload)),  # no copy of the block
                # on this thread: the engines' parsing threads already parse blocks side by side,
                # and the process engine times parsing by this thread's CPU seconds
                read_options=pacsv.ReadOptions(column_names=self.columns, block_size=max(1 << 20, len(payload) + 1),
                                               use_threads=False),
                parse_options=pacsv.ParseOptions(delimiter=d.delimiter, quote_char='"' if d.quoting else False,
                                                 newlines_in_values=d.quoting, ignore_empty_lines=True),
                convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in self.columns},
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False),
            )
        except pa.ArrowInvalid:
            return None

    def _utf8_ok(self, data, starts, ends, rows, lines, invalid, good) -> np.ndarray:
        """Mark records with invalid UTF-8 as invalid, naming the byte and its column on the line.
        Only the records still ``good``: one already invalid is one finding and one record."""
        ok = np.ones(starts.size, dtype=bool)
        for i in np.flatnonzero(good).tolist():
            raw = data[starts[i]:ends[i]]
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as e:
                ok[i] = False
                line_start = raw.rfind(b"\n", 0, e.start) + 1
                invalid.append(InvalidRecord(
                    int(rows[i]), int(lines[i]) + raw.count(b"\n", 0, e.start),
                    f"invalid UTF-8 (byte 0x{raw[e.start]:02X} at column {e.start - line_start + 1}); "
                    f"pass --encoding if the file is not UTF-8", raw))
        return ok

    def _parse_slow(self, data: bytes, starts: np.ndarray, ends: np.ndarray) -> pa.Table:
        """Python's csv module, record by record: only when pyarrow and the scanner disagree."""
        d = self.dialect
        cols: list[list[str | None]] = [[] for _ in self.columns]
        for s, e in zip(starts.tolist(), ends.tolist()):
            fields = split_record(data[s:e].decode("utf-8", "replace"), d)
            fields = (fields + [None] * len(cols))[:len(cols)]
            for c, v in zip(cols, fields):
                c.append(v)
        return pa.table({name: pa.array(c, pa.string()) for name, c in zip(self.columns, cols)})

    # -- the cleaned copy ------------------------------------------------------------------------
    def write_cleaned(self, drop_rows: np.ndarray, out, rejects, edits=None) -> tuple[int, int]:
        with open_binary(self.path) as f:
            had_bom = f.read(3) == BOM
        if had_bom and self.options.encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
            out.write(BOM)
        kept = rejected = 0
        row = 0
        header_pending = self.dialect.header
        nl = None
        drop = sorted_rows(drop_rows)
        edit_rows = sorted_rows(edits.rows) if edits is not None else drop[:0]
        for data, recs, line_base, _offset in file_records(self):
            data = bytes(data)
            if nl is None and recs.starts.size:
                e = int(recs.ends[0])
                nl = b"\r\n" if data[e:e + 2] == b"\r\n" else b"\n"
            starts, ends, lines = recs.starts, recs.ends, recs.lines + line_base
            if header_pending and starts.size:
                out.write(data[starts[0]:ends[0]] + nl)
                starts, ends, lines = starts[1:], ends[1:], lines[1:]
                header_pending = False
            rows = row + np.arange(starts.size, dtype=np.int64)
            dropped = in_rows(rows, drop)
            edited = in_rows(rows, edit_rows) & ~dropped
            parts = []
            for i in range(starts.size):
                raw = data[starts[i]:ends[i]]
                if edited[i]:
                    new = self._rewritten(edits, int(rows[i]), int(lines[i]), raw)
                    if new is not None:
                        parts.append(new)
                        continue
                if dropped[i] or edited[i]:  # an edited row the rewriter refused goes to the rejects
                    rejects(int(rows[i]), int(lines[i]), self._record_dict(raw), raw)
                    rejected += 1
                elif recs.oversized:
                    raise oversized_kept(self.path, int(lines[i]))
                else:
                    parts.append(raw)
            if parts:
                out.write(nl.join(parts) + nl)
                kept += len(parts)
            row += starts.size
        return kept, rejected

    def _rewritten(self, edits, row: int, line: int, raw: bytes) -> bytes | None:
        """The record rewritten by ``edits`` (``trainlint.rewrite.Rewriter``) in the file's dialect,
        or None when it cannot be (then it is rejected)."""
        d = self.dialect

        def serialize(new: dict) -> bytes:
            buf = io.StringIO()
            try:
                csv.writer(buf, delimiter=d.delimiter, lineterminator="",
                           quoting=csv.QUOTE_MINIMAL if d.quoting else csv.QUOTE_NONE).writerow(
                    [new.get(c) for c in self.columns])
            except csv.Error:
                raise ValueError("the new text would need quotes, which this file does not use") from None
            return buf.getvalue().encode("utf-8")

        return edits(row, line, self._record_dict(raw), serialize)

    def _record_dict(self, raw: bytes) -> dict | None:
        d = self.dialect
        try:
            fields = next(csv.reader(io.StringIO(raw.decode("utf-8")), delimiter=d.delimiter,
                                     quoting=csv.QUOTE_MINIMAL if d.quoting else csv.QUOTE_NONE), [])
        except (UnicodeDecodeError, csv.Error):
            return None
        return dict(zip(self.columns, fields)) if len(fields) == len(self.columns) else None


class TsvReader(DelimitedReader):
    format = "tsv"
