"""A ``.json`` file holding one array of objects (or of plain values: a one-column table)."""

from __future__ import annotations

import json
import re
from typing import Any
from collections.abc import Iterator

import numpy as np

from ..context import InvalidRecord
from ..errors import SourceError
from .base import Batch, Block, Reader
from .jsonrecords import TooManyColumns, bad_unicode, table_from_records, too_many_columns
from .limits import MAX_COLUMNS, MAX_DEPTH, MAX_JSON_ARRAY_BYTES, json_structure, structure_problem
from .stream import read_chunks


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

    def write_cleaned(self, drop_rows: np.ndarray, out, rejects, edits=None) -> tuple[int, int]:
        drop = set(np.asarray(drop_rows).tolist())
        edit_rows = set(np.asarray(edits.rows).tolist()) if edits is not None else set()
        text = self._text
        kept_parts = []
        rejected = 0
        pos, line = 0, 1
        for row, (kind, s, e, obj) in enumerate(self._spans):
            line += text.count("\n", pos, s)
            pos = s
            if row in edit_rows and row not in drop:  # rewritten by --mask (``trainlint.rewrite``)
                record = {"value": obj} if kind == "ok" and self._scalars else obj if kind == "ok" else None
                new = edits(row, line, record)
                if new is not None:
                    kept_parts.append(json.dumps(new["value"] if self._scalars else new, ensure_ascii=False))
                    continue
            if row in drop or row in edit_rows:
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
