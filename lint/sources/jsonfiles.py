"""JSON Lines (one object a line) and JSON arrays of objects.

JSONL blocks are parsed by pyarrow.json (fast, multi-threaded); a block it rejects (a bad line,
a value that changes type) is parsed line by line with ``json.loads`` so that each bad line is an
``invalid-record`` finding with its line and column and every good line is still linted.
"""

from __future__ import annotations

import io
import json
from typing import Any
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.json as pajson

from ..context import InvalidRecord
from ..errors import SourceError
from . import scan as _scan
from .base import Batch, Block, Reader, in_rows, sorted_rows
from .stream import read_chunks, read_sample


def table_from_records(records: list[dict], columns: list[str] | None = None) -> pa.Table:
    """A table from parsed objects, column by column, tolerant of values that change type.

    A column whose values Arrow cannot put in one type (a string here, a list there) is kept as
    JSON text, so nothing is dropped and rules can still look at it.
    """
    names: dict[str, None] = dict.fromkeys(columns or [])
    for r in records:
        for k in r:
            names.setdefault(k, None)
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
        first = sample.lstrip()[:1]
        if first not in (b"{", b"["):
            raise SourceError(f"{self.path}: not JSON Lines (the first record does not start with '{{'); "
                              f"pass --input-format if the extension is misleading")
        cols: dict[str, None] = {}
        for line in sample.splitlines()[:50]:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                cols.update(dict.fromkeys(obj))
        self.columns = list(cols)
        return self.columns

    def reader_state(self) -> dict[str, Any]:
        return {"columns": self.columns}

    def blocks(self) -> Iterator[Block]:
        size = self.options.block_bytes
        row = 0
        chunks = read_chunks(self.path, size, self.options.encoding)

        def parts(buf, final):
            recs = _scan.scan(buf, final=final)
            return None if recs is None else [recs]

        for data, recs, line_base in _scan.chunked_records(chunks, size, parts):
            # a line of only spaces is blank, not a record
            keep = np.fromiter((data[s:e].strip() != b"" for s, e in zip(recs.starts.tolist(), recs.ends.tolist())),
                               dtype=bool, count=recs.starts.size) if recs.starts.size else np.zeros(0, bool)
            starts, ends, lines = recs.starts[keep], recs.ends[keep], recs.lines[keep] + line_base
            if starts.size:
                yield Block(self.info.index, row, (data, starts, ends, lines))
                row += int(starts.size)

    def parse(self, block: Block) -> Iterator[Batch]:
        data, starts, ends, lines = block.payload
        n = starts.size
        rows = block.first_row + np.arange(n, dtype=np.int64)
        table = None
        try:
            # on this thread: an engine's parsing threads already run blocks side by side, and the
            # process engine times parsing by this thread's CPU seconds
            table = pajson.read_json(io.BytesIO(data),
                                     read_options=pajson.ReadOptions(block_size=len(data) + 1, use_threads=False))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            table = None
        invalid: list[InvalidRecord] = []
        if table is None or table.num_rows != n or any(pa.types.is_null(t) for t in table.schema.types):
            table, good = self._parse_lines(data, starts, ends, rows, lines, invalid)
            rows, lines = rows[good], lines[good]
        step = self.options.batch_rows
        if table.num_rows == 0:
            yield Batch(table, rows, lines, invalid)
            return
        for off in range(0, table.num_rows, step):
            yield Batch(table.slice(off, step), rows[off:off + step], lines[off:off + step],
                        invalid if off == 0 else [])

    def _parse_lines(self, data, starts, ends, rows, lines, invalid):
        good = np.ones(starts.size, dtype=bool)
        records = []
        for i, (s, e) in enumerate(zip(starts.tolist(), ends.tolist())):
            raw = data[s:e]
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as err:
                good[i] = False
                invalid.append(InvalidRecord(int(rows[i]), int(lines[i]), _error_at(raw, err), raw))
                continue
            if not isinstance(obj, dict):
                good[i] = False
                invalid.append(InvalidRecord(int(rows[i]), int(lines[i]),
                                             f"expected a JSON object, found {type(obj).__name__}", raw))
                continue
            records.append(obj)
        return table_from_records(records, self.columns), good

    def write_cleaned(self, drop_rows: np.ndarray, out, rejects) -> tuple[int, int]:
        kept = rejected = 0
        drop = sorted_rows(drop_rows)
        for block in self.blocks():
            data, starts, ends, lines = block.payload
            rows = block.first_row + np.arange(starts.size, dtype=np.int64)
            dropped = in_rows(rows, drop)
            for i in range(starts.size):
                s, e = int(starts[i]), int(ends[i])
                raw = data[s:e]
                if dropped[i]:
                    rejects(int(rows[i]), int(lines[i]), _loads_or_none(raw), raw)
                    rejected += 1
                else:
                    # the line exactly as it was, with its own terminator
                    term = data[e:e + 2] if data[e:e + 2] == b"\r\n" else b"\n"
                    out.write(raw + term)
                    kept += 1
        return kept, rejected


def _loads_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


class JsonArrayReader(Reader):
    """A ``.json`` file holding one array of objects.  Read whole: such files are small by nature;
    use JSON Lines for large data (the README says so)."""

    format = "json"

    def open(self) -> list[str]:
        raw = b"".join(read_chunks(self.path, 1 << 24, self.options.encoding))
        if not raw.strip():
            raise SourceError(f"{self.path}: the file is empty; nothing to lint")
        try:
            self._text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            line = raw.count(b"\n", 0, e.start) + 1
            raise SourceError(f"{self.path}:{line}: invalid UTF-8 (byte 0x{raw[e.start]:02X}); "
                              f"pass --encoding") from None
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
        self.columns = list(cols)
        return self.columns

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
                out.append(("ok", i, end, obj))
                i = end
            except json.JSONDecodeError as e:
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
                invalid.append(InvalidRecord(row, line, msg, text[s:e].encode("utf-8")))
        yield Batch(table_from_records(records, self.columns), np.asarray(rows, dtype=np.int64),
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
                rejects(row, line, obj if kind == "ok" else None, text[s:e].encode("utf-8"))
                rejected += 1
            else:
                kept_parts.append(text[s:e])
        # each kept element exactly as written, in an array laid out like the input's
        out.write(("[\n  " + ",\n  ".join(kept_parts) + "\n]\n" if kept_parts else "[]\n").encode("utf-8"))
        return len(kept_parts), rejected


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
