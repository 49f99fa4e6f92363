"""JSON Lines (one object a line) and JSON arrays of objects.

JSONL blocks are parsed by pyarrow.json (fast, multi-threaded); a block it rejects (a bad line,
a value that changes type) is parsed line by line with ``json.loads`` so that each bad line is an
``invalid-record`` finding with its line and column and every good line is still linted.
"""

from __future__ import annotations

import json
import re
from typing import Any
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.json as pajson

from ..context import InvalidRecord
from ..errors import SourceError
from . import scan as _scan
from .base import Batch, Block, Reader, in_rows, sorted_rows
from .limits import (MAX_BATCH_CELLS, MAX_COLUMNS, MAX_DEPTH, MAX_RECORD_BYTES, RECORD_PREVIEW_BYTES, MAX_JSON_ARRAY_BYTES, PIECE_LINES, json_structure,
                     oversized_kept, oversized_message, structure_problem)
from .stream import read_chunks, read_sample


def table_from_records(records: list[dict], columns: list[str] | None = None) -> pa.Table:
    """A table from parsed objects, column by column, tolerant of values that change type.

    A column whose values Arrow cannot put in one type (a string here, a list there) is kept as
    JSON text, so nothing is dropped and rules can still look at it.  The records must hold no
    lone surrogate (``bad_unicode`` finds them first).
    """
    names: dict[str, None] = dict.fromkeys(columns or [])
    for r in records:
        names.update(dict.fromkeys(r))
    if len(names) > MAX_COLUMNS:
        raise TooManyColumns(len(names))
    arrays = {}
    for name in names:
        values = [r.get(name) for r in records]
        try:
            arrays[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
            arrays[name] = pa.array(
                [v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in values],
                pa.string())
    if not arrays:
        return pa.table({"_empty": pa.nulls(len(records))}).drop_columns(["_empty"]) if records else pa.table({})
    return pa.table(arrays)


class TooManyColumns(Exception):
    """More distinct keys than ``MAX_COLUMNS`` in one block of records."""

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self.n = n


def too_many_columns(path: str, n: int, line: int | None) -> SourceError:
    at = f" by line {line:,}" if line else ""
    return SourceError(f"{path}: {n:,} distinct keys{at}, over the limit of {MAX_COLUMNS:,} columns per file; "
                       f"records whose keys are data (ids, words) are not a table: nest them under one key")


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def bad_unicode(obj: Any, raw: bytes) -> str | None:
    """The finding's message when a parsed record holds a lone surrogate (an escape such as
    ``\\ud800`` that is no character and cannot be stored as UTF-8), else None.  Checked only when
    the raw text has a surrogate escape at all."""
    if not _SURROGATE_ESCAPE.search(raw):
        return None
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as e:
        return (f"a lone surrogate (\\u{ord(e.object[e.start]):04x}) in a string: not a character, "
                f"cannot be stored as UTF-8")
    return None


def _error_at(raw: bytes, e: json.JSONDecodeError | UnicodeDecodeError) -> str:
    if isinstance(e, UnicodeDecodeError):
        return (f"invalid UTF-8 (byte 0x{raw[e.start]:02X} at column {e.start + 1}); "
                f"pass --encoding if the file is not UTF-8")
    return f"invalid JSON: {e.msg} (column {e.colno})"


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

    def can_start_at_offset(self) -> bool:
        return _scan.is_plain_file(self.path, self.options.encoding)

    def tail_blocks(self, at: tuple[int, int, int]) -> Iterator[Block]:
        return self.blocks(start=at)

    def blocks(self, start: tuple[int, int, int] | None = None) -> Iterator[Block]:
        """``start``: (byte offset, row, line) of a record boundary to begin at (``tail_blocks``)."""
        size = self.options.block_bytes
        row = 0 if start is None else start[1]
        if start is None:
            chunks = read_chunks(self.path, size, self.options.encoding)
        else:
            chunks = _scan.chunks_from(self.path, start[0], size)

        def parts(buf, final):
            recs = _scan.scan(buf, final=final)
            return None if recs is None else [recs]

        for data, recs, line_base in _scan.chunked_records(chunks, size, parts, 1 if start is None else start[2]):
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
                yield Block(self.info.index, row, (data, starts, ends, lines))
                row += int(starts.size)

    def parse(self, block: Block) -> Iterator[Batch]:
        return self.with_notices(block, self._parse(block))

    def _parse(self, block: Block) -> Iterator[Batch]:
        data, starts, ends, lines = block.payload[:4]
        n = starts.size
        rows = block.first_row + np.arange(n, dtype=np.int64)
        invalid: list[InvalidRecord] = []
        if len(block.payload) == 5:  # a record over the size limit
            invalid.append(InvalidRecord(int(rows[0]), int(lines[0]), oversized_message(block.payload[4]), data))
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
                    invalid.append(InvalidRecord(int(rows[i]), int(lines[i]), _error_at(raw, err), raw))
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
                invalid.append(InvalidRecord(int(rows[i]), int(lines[i]), _error_at(raw, err), raw))
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

    def write_cleaned(self, drop_rows: np.ndarray, out, rejects) -> tuple[int, int]:
        kept = rejected = 0
        drop = sorted_rows(drop_rows)
        for block in self.blocks():
            data, starts, ends, lines = block.payload[:4]
            rows = block.first_row + np.arange(starts.size, dtype=np.int64)
            dropped = in_rows(rows, drop)
            for i in range(starts.size):
                s, e = int(starts[i]), int(ends[i])
                raw = data[s:e]
                if dropped[i]:
                    rejects(int(rows[i]), int(lines[i]), _loads_or_none(raw), raw)
                    rejected += 1
                elif len(block.payload) == 5:
                    raise oversized_kept(self.path, int(lines[i]))
                else:
                    # the line exactly as it was, with its own terminator
                    term = data[e:e + 2] if data[e:e + 2] == b"\r\n" else b"\n"
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


class JsonArrayReader(Reader):
    """A ``.json`` file holding one array of objects.  Read whole: such files are small by nature;
    use JSON Lines for large data (the README says so)."""

    format = "json"

    def open(self) -> list[str]:
        parts, size = [], 0
        encoding = self.options.encoding
        for chunk in read_chunks(self.path, 1 << 24, encoding):
            if not parts:
                self.check_text(chunk[:1 << 16])
                if self.options.encoding != encoding:  # to be read in another encoding: again with it
                    return self.open()
            size += len(chunk)
            if size > MAX_JSON_ARRAY_BYTES:
                raise SourceError(f"{self.path}: a JSON array over {MAX_JSON_ARRAY_BYTES >> 20} MiB, which is read "
                                  f"whole; convert it to JSON Lines: jq -c '.[]' IN > OUT.jsonl")
            parts.append(chunk)
        raw = b"".join(parts)
        del parts
        if not raw.strip():
            raise SourceError(f"{self.path}: the file is empty; nothing to lint")
        # invalid UTF-8 kept as lone surrogates (U+DC80-U+DCFF): the element holding it is a finding
        self._text = raw.decode("utf-8", "surrogateescape")
        del raw
        text = self._text
        i = _skip_ws(text, 0)
        if i >= len(text) or text[i] != "[":
            raise SourceError(f"{self.path}: expected a JSON array of objects ('[' at the start); "
                              f"for one object per line name the file .jsonl")
        self._spans = self._elements(text, i + 1)
        # An array of plain values (a list of label names, of sentences) is a one-column table.
        oks = [obj for kind, _s, _e, obj in self._spans if kind == "ok"]
        self._scalars = bool(oks) and not any(isinstance(o, (dict, list)) for o in oks)
        if self._scalars:
            self.columns = ["value"]
            return self.columns
        cols: dict[str, None] = {}
        for kind, _s, _e, obj in self._spans[:200]:
            if kind == "ok" and isinstance(obj, dict):
                cols.update(dict.fromkeys(obj))
        self.columns = list(cols)[:MAX_COLUMNS]
        return self.columns

    def _problem(self, text: str, s: int, e: int, obj: Any) -> str | None:
        """Why a parsed element cannot be a record: invalid UTF-8, too deep, too many keys, a lone
        surrogate."""
        m = _RAW_BAD_BYTE.search(text, s, e)
        if m:
            byte = ord(m.group()) - 0xDC00
            col = m.start() - text.rfind("\n", 0, m.start())
            return f"invalid UTF-8 (byte 0x{byte:02X} at column {col}); pass --encoding if the file is not UTF-8"
        raw = _encode(text[s:e])
        depth, keys = json_structure(raw, np.array([0]), np.array([len(raw)]))
        return structure_problem(int(depth[0]), int(keys[0])) or bad_unicode(obj, raw)

    def _elements(self, text: str, i: int) -> list[tuple[str, int, int, Any]]:
        """(kind, start, end, value) for each element; after a syntax error, resynchronise on the
        next line that starts an object so one bad element does not hide the rest."""
        dec = json.JSONDecoder()
        out = []
        n = len(text)
        while True:
            i = _skip_ws(text, i)
            if i >= n:
                out.append(("error", i, n, "unexpected end of file: the array is not closed"))
                break
            if text[i] == "]":
                break
            if text[i] == ",":
                i += 1
                continue
            try:
                obj, end = dec.raw_decode(text, i)
                problem = self._problem(text, i, end, obj)
                out.append(("error", i, end, problem) if problem else ("ok", i, end, obj))
                i = end
            except (json.JSONDecodeError, RecursionError) as e:
                if isinstance(e, RecursionError):
                    e = json.JSONDecodeError(f"nested deeper than the limit of {MAX_DEPTH}", text, i)
                nxt = text.find("\n", e.pos)
                resume = -1
                while nxt != -1:
                    j = _skip_ws_inline(text, nxt + 1)
                    if j < n and text[j] in "{]":
                        resume = j
                        break
                    nxt = text.find("\n", nxt + 1)
                stop = resume if resume != -1 else n
                out.append(("error", i, stop, f"invalid JSON: {e.msg}"))
                if resume == -1:
                    break
                i = resume
        return out

    def blocks(self) -> Iterator[Block]:
        step = self.options.batch_rows
        for off in range(0, len(self._spans), step):
            yield Block(self.info.index, off, off)

    def parse(self, block: Block) -> Iterator[Batch]:
        return self.with_notices(block, self._parse(block))

    def _parse(self, block: Block) -> Iterator[Batch]:
        spans = self._spans[block.payload:block.payload + self.options.batch_rows]
        text = self._text
        records, rows, lines, invalid = [], [], [], []
        # lines by counting newlines incrementally from the block's first element
        pos, line = 0, 1
        for k, (kind, s, e, obj) in enumerate(spans):
            line += text.count("\n", pos, s)
            pos = s
            row = block.first_row + k
            if kind == "ok" and self._scalars:
                obj = {"value": obj}
            if kind == "ok" and isinstance(obj, dict):
                records.append(obj)
                rows.append(row)
                lines.append(line)
            else:
                msg = obj if kind == "error" else f"expected a JSON object, found {type(obj).__name__}"
                invalid.append(InvalidRecord(row, line, msg, _encode(text[s:e])))
        try:
            table = table_from_records(records, self.columns)
        except TooManyColumns as e:
            raise too_many_columns(self.path, e.n, None) from None
        yield Batch(table, np.asarray(rows, dtype=np.int64),
                    np.asarray(lines, dtype=np.int64), invalid)

    def write_cleaned(self, drop_rows: np.ndarray, out, rejects) -> tuple[int, int]:
        drop = set(np.asarray(drop_rows).tolist())
        text = self._text
        kept_parts = []
        rejected = 0
        pos, line = 0, 1
        for row, (kind, s, e, obj) in enumerate(self._spans):
            line += text.count("\n", pos, s)
            pos = s
            if row in drop:
                rejects(row, line, obj if kind == "ok" else None, _encode(text[s:e]))
                rejected += 1
            else:
                kept_parts.append(text[s:e])
        # each kept element exactly as written, in an array laid out like the input's
        out.write(_encode("[\n  " + ",\n  ".join(kept_parts) + "\n]\n" if kept_parts else "[]\n"))
        return len(kept_parts), rejected


_RAW_BAD_BYTE = re.compile("[\udc80-\udcff]")


def _encode(text: str) -> bytes:
    """Text of a JSON array back to its bytes (invalid UTF-8 was kept as lone surrogates)."""
    return text.encode("utf-8", "surrogateescape")


def _skip_ws(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in " \t\r\n":
        i += 1
    return i


def _skip_ws_inline(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in " \t":
        i += 1
    return i
