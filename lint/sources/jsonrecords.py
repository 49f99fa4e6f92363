"""What the JSON readers share: records to an Arrow table, and the problems a parsed record can
have (too many keys, a lone surrogate, invalid UTF-8 or JSON) as the messages of findings."""

from __future__ import annotations

import json
import re
from typing import Any

import pyarrow as pa

from ..errors import SourceError
from .limits import MAX_COLUMNS


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


def error_at(raw: bytes, e: json.JSONDecodeError | UnicodeDecodeError) -> str:
    if isinstance(e, UnicodeDecodeError):
        return (f"invalid UTF-8 (byte 0x{raw[e.start]:02X} at column {e.start + 1}); "
                f"pass --encoding if the file is not UTF-8")
    return f"invalid JSON: {e.msg} (column {e.colno})"
