"""JSON Lines: one object a line.

Blocks are parsed by pyarrow.json (fast, multi-threaded); a block it rejects (a bad line, a value
that changes type) is parsed line by line with ``json.loads`` so that each bad line is an
``invalid-record`` finding with its line and column and every good line is still linted.
"""

from __future__ import annotations

import json
from typing import Any
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.json as pajson

from ..context import InvalidRecord
from ..rewrite import json_bytes
from ..errors import SourceError
from . import scan as _scan
from .filerange import FileRange, chunks_from, plain_utf8, text_start
from .base import Batch, Block, Reader, in_rows, sorted_rows
from .jsonrecords import bad_unicode, error_at, table_from_records, too_many_columns
from .limits import (MAX_BATCH_CELLS, MAX_COLUMNS, MAX_RECORD_BYTES, PIECE_LINES, RECORD_PREVIEW_BYTES,
                     json_structure, oversized_kept, oversized_message, structure_problem)
from .stream import read_chunks, read_sample


class JsonlReader(Reader):
    format = "jsonl"

    def open(self) -> list[str]:
        sample = read_sample(self.path, 1 << 16, self.options.encoding)
        if not sample.strip():
            raise SourceError(f"{self.path}: the file is empty; nothing to lint")
        sample = self.check_text(sample)
        first = sample.lstrip()[:1]
        if first not in (b"{", b"["):
            raise SourceError(f"{self.path}: not JSON Lines (the first record does not start with '{{'); "
                              f"pass --input-format if the extension is misleading")
        cols: dict[str, None] = {}
        for line in sample.splitlines()[:50]:
            depth, keys = json_structure(line, np.array([0]), np.array([len(line)]))
            if structure_problem(int(depth[0]), int(keys[0])):
                continue
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(obj, dict):
                cols.update(dict.fromkeys(obj))
        self.columns = list(cols)[:MAX_COLUMNS]
        return self.columns

    def reader_state(self) -> dict[str, Any]:
        return {"columns": self.columns}

    def blocks(self) -> Iterator[Block]:
        return self._blocks(ranged=False)

    def blocks_by_range(self) -> Iterator[Block]:
        """Like ``blocks``, but a block of a plain local UTF-8 file names its byte range
        (``FileRange``, with a digest) instead of holding the bytes, so an engine sends
        workers offsets, not megabytes (they read the range)."""
        return self._blocks(ranged=True)

    def can_start_at_offset(self) -> bool:
        return plain_utf8(self.path, self.options.encoding)

    def tail_blocks(self, at: tuple[int, int, int]) -> Iterator[Block]:
        return self._blocks(ranged=False, start=at)

    def _blocks(self, ranged: bool, start: tuple[int, int, int] | None = None) -> Iterator[Block]:
        """``start``: (byte offset, row, line) of a record boundary of a plain file to begin at
        (``tail_blocks``)."""
        size = self.options.block_bytes
        row = 0 if start is None else start[1]
        if start is None:
            chunks = read_chunks(self.path, size, self.options.encoding)
            # the file offset of the next byte the chunks hand on (None: not the file's own bytes)
            offset = text_start(self.path, self.options.encoding) if ranged else None
        else:
            chunks = chunks_from(self.path, start[0], size)
            offset = start[0] if ranged else None

        def parts(buf, final):
            recs = _scan.scan(buf, final=final)
            return None if recs is None else [recs]

        for data, recs, line_base in _scan.chunked_records(chunks, size, parts, 1 if start is None else start[2]):
            at = offset
            if offset is not None:
                offset += recs.oversized or len(data)  # an oversized record: only its preview is here
            if recs.oversized:  # skipped, not parsed: its first bytes and its size
                yield Block(self.info.index, row, (data, recs.starts, recs.ends, recs.lines + line_base,
                                                   recs.oversized))
                row += 1
                continue
            # a line of only spaces is blank, not a record
            keep = np.fromiter((data[s:e].strip() != b"" for s, e in zip(recs.starts.tolist(), recs.ends.tolist())),
                               dtype=bool, count=recs.starts.size) if recs.starts.size else np.zeros(0, bool)
            starts, ends, lines = recs.starts[keep], recs.ends[keep], recs.lines[keep] + line_base
            if starts.size:
                rest = (starts, ends, lines)
                payload = (data, *rest) if at is None else FileRange.of(self.path, at, data, rest)
                yield Block(self.info.index, row, payload)
                row += int(starts.size)

    def parse(self, block: Block) -> Iterator[Batch]:
        return self.with_notices(block, self._parse(block))

    def _parse(self, block: Block) -> Iterator[Batch]:
        payload = block.payload
        if isinstance(payload, FileRange):
            payload = (payload.read(), *payload.rest)
        data, starts, ends, lines = payload[:4]
        n = starts.size
        rows = block.first_row + np.arange(n, dtype=np.int64)
        invalid: list[InvalidRecord] = []
        if len(payload) == 5:  # a record over the size limit
            invalid.append(InvalidRecord(int(rows[0]), int(lines[0]), oversized_message(payload[4]), data))
            yield Batch(table_from_records([], self.columns), rows[:0], lines[:0], invalid)
            return
        good = self._checked(data, starts, ends, rows, lines, invalid)
        tables = None
        if good.all():
            tables = self._parse_pieces(data, starts, ends)
        if tables is None:
            tables, ok = self._parse_lines(data, starts, ends, rows, lines, invalid, good)
            good &= ok
        invalid.sort(key=lambda r: r.row)
        rows, lines = rows[good], lines[good]
        yield from self._batches(tables, rows, lines, invalid)

    def _checked(self, data, starts, ends, rows, lines, invalid) -> np.ndarray:
        """Records the parsers must never see, as findings: nested too deep (pyarrow's JSON parser
        crashes on it), too many keys, invalid UTF-8 (pyarrow's parser lets it through)."""
        good = np.ones(starts.size, dtype=bool)
        for i in np.flatnonzero(ends - starts > MAX_RECORD_BYTES).tolist():
            good[i] = False
            invalid.append(InvalidRecord(int(rows[i]), int(lines[i]), oversized_message(int(ends[i] - starts[i])),
                                         bytes(data[starts[i]:starts[i] + RECORD_PREVIEW_BYTES])))
        depth, keys = json_structure(data, starts[good], ends[good])
        d_all = np.zeros(starts.size, np.int64)
        k_all = np.zeros(starts.size, np.int64)
        d_all[good], k_all[good] = depth, keys
        depth, keys = d_all, k_all
        for i in np.flatnonzero((depth > 0) | (keys > 0)).tolist():
            msg = structure_problem(int(depth[i]), int(keys[i]))
            if msg:
                good[i] = False
                invalid.append(InvalidRecord(int(rows[i]), int(lines[i]), msg, bytes(data[starts[i]:ends[i]])))
        try:
            bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            for i in np.flatnonzero(good).tolist():
                raw = bytes(data[starts[i]:ends[i]])
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    good[i] = False
                    invalid.append(InvalidRecord(int(rows[i]), int(lines[i]), error_at(raw, err), raw))
        return good

    def _parse_pieces(self, data, starts, ends) -> list[pa.Table] | None:
        """pyarrow.json on pieces of a block: at most PIECE_LINES lines, fewer when lines hold many
        keys, so that lines each bringing new keys cost (lines x keys) of a piece, not of a block.
        None when pyarrow refuses a piece or its columns: the caller parses line by line."""
        colons = np.frombuffer(data, dtype=np.uint8) == 58
        cum = np.concatenate(([0], np.cumsum(colons, dtype=np.int64)))
        most = int((cum[ends] - cum[starts]).max(initial=1)) or 1
        step = int(max(1, min(PIECE_LINES, (MAX_BATCH_CELLS // most) ** 0.5)))
        tables = []
        names: dict[str, None] = {}
        for k in range(0, starts.size, step):
            s, e = int(starts[k]), int(ends[min(k + step, starts.size) - 1])
            piece = memoryview(data)[s:e + 1] if e < len(data) else memoryview(data)[s:e]
            try:
                # on this thread: an engine's parsing threads already run blocks side by side, and the
                # process engine times parsing by this thread's CPU seconds
                t = pajson.read_json(pa.BufferReader(pa.py_buffer(piece)),
                                     read_options=pajson.ReadOptions(block_size=len(piece) + 1, use_threads=False))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return None
            if t.num_rows != min(step, starts.size - k):
                return None
            names.update(dict.fromkeys(t.column_names))
            if len(names) > MAX_COLUMNS:
                return None  # the line-by-line parse names the line
            tables.append(t)
        combined = _combine(tables)
        if combined is None or any(pa.types.is_null(t) for c in combined for t in c.schema.types):
            return None
        return combined

    def _parse_lines(self, data, starts, ends, rows, lines, invalid, good):
        ok = good.copy()
        records: list[dict] = []
        tables: list[pa.Table] = []
        names: dict[str, None] = dict.fromkeys(self.columns)
        for i in np.flatnonzero(good).tolist():
            raw = bytes(data[starts[i]:ends[i]])
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as err:
                ok[i] = False
                invalid.append(InvalidRecord(int(rows[i]), int(lines[i]), error_at(raw, err), raw))
                continue
            if not isinstance(obj, dict):
                ok[i] = False
                invalid.append(InvalidRecord(int(rows[i]), int(lines[i]),
                                             f"expected a JSON object, found {type(obj).__name__}", raw))
                continue
            msg = bad_unicode(obj, raw)
            if msg:
                ok[i] = False
                invalid.append(InvalidRecord(int(rows[i]), int(lines[i]), msg, raw))
                continue
            names.update(dict.fromkeys(obj))
            if len(names) > MAX_COLUMNS:
                raise too_many_columns(self.path, len(names), int(lines[i]))
            records.append(obj)
            if len(records) >= PIECE_LINES:
                tables.append(table_from_records(records, self.columns))
                records = []
        if records or not tables:
            tables.append(table_from_records(records, self.columns))
        return _combine(tables) or tables, ok

    def _batches(self, tables: list[pa.Table], rows, lines, invalid) -> Iterator[Batch]:
        step = self.options.batch_rows
        off = 0
        first = True
        for table in tables:
            for k in range(0, max(table.num_rows, 1), step):
                # (a table without columns sliced says it has the rows asked for)
                t = table.slice(k, step) if table.num_rows else table
                if t.num_rows == 0 and not first:
                    continue
                yield Batch(t, rows[off:off + t.num_rows], lines[off:off + t.num_rows], invalid if first else [])
                off += t.num_rows
                first = False

    def write_cleaned(self, drop_rows: np.ndarray, out, rejects, edits=None) -> tuple[int, int]:
        kept = rejected = 0
        drop = sorted_rows(drop_rows)
        edit_rows = sorted_rows(edits.rows) if edits is not None else drop[:0]
        for block in self.blocks():
            data, starts, ends, lines = block.payload[:4]
            rows = block.first_row + np.arange(starts.size, dtype=np.int64)
            dropped = in_rows(rows, drop)
            edited = in_rows(rows, edit_rows)
            for i in range(starts.size):
                s, e = int(starts[i]), int(ends[i])
                raw = data[s:e]
                # the line exactly as it was, with its own terminator
                term = data[e:e + 2] if data[e:e + 2] == b"\r\n" else b"\n"
                if edited[i] and not dropped[i]:
                    record = _loads_or_none(raw)
                    new = edits(int(rows[i]), int(lines[i]), record)
                    if new is not None:
                        out.write(json_bytes(new) + term)
                        kept += 1
                        continue
                if dropped[i] or edited[i]:  # an edited row the rewriter refused goes to the rejects
                    rejects(int(rows[i]), int(lines[i]), _loads_or_none(raw), raw)
                    rejected += 1
                elif len(block.payload) == 5:
                    raise oversized_kept(self.path, int(lines[i]))
                else:
                    out.write(raw + term)
                    kept += 1
        return kept, rejected


def _combine(tables: list[pa.Table]) -> list[pa.Table] | None:
    """Adjacent tables concatenated while a batch stays under MAX_BATCH_CELLS (columns unified);
    None when their types cannot be unified."""
    out: list[pa.Table] = []
    group: list[pa.Table] = []
    rows = 0
    cols: dict[str, None] = {}
    for t in tables:
        widened = {**cols, **dict.fromkeys(t.column_names)}
        if group and (rows + t.num_rows) * max(1, len(widened)) > MAX_BATCH_CELLS:
            out.append(group)  # type: ignore[arg-type]
            group, rows, widened = [], 0, dict.fromkeys(t.column_names)
        group.append(t)
        rows += t.num_rows
        cols = widened
    if group:
        out.append(group)  # type: ignore[arg-type]
    try:
        return [g[0] if len(g) == 1 else pa.concat_tables(g, promote_options="permissive")  # type: ignore[index]
                for g in out]
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None


def _loads_or_none(raw: bytes) -> Any:
    """The record for the rejects file, or None when it is no record (malformed, over a limit)."""
    depth, keys = json_structure(raw, np.array([0]), np.array([len(raw)]))
    if structure_problem(int(depth[0]), int(keys[0])):
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
