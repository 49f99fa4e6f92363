"""What a rule sees: the source it is reading, the current batch, and the whole run.

Per-batch work that several rules need (the text of each row, its normalised form, 64-bit
hashes, the label as a string) is computed once here, lazily, and shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from collections.abc import Callable, Hashable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import hashing
from .columns import as_string_array, column_by_path

#: global row id = source index << ROW_BITS | row; lets a rule keep one int64 per row across sources.
ROW_BITS = 40
ROW_MASK = (1 << ROW_BITS) - 1


def pack_ids(source_index: int, rows: np.ndarray) -> np.ndarray:
    return (np.int64(source_index) << np.int64(ROW_BITS)) | rows.astype(np.int64, copy=False)


def unpack_id(row_id: int) -> tuple[int, int]:
    row_id = int(row_id)
    return row_id >> ROW_BITS, row_id & ROW_MASK


@dataclass(frozen=True)
class SourceInfo:
    """One input: a file, a shard or a DataFrame.  Picklable, shared by all batches of the source."""

    index: int
    path: str
    format: str
    columns: tuple[str, ...] = ()
    split: str | None = None
    text_columns: tuple[str, ...] = ()
    label_column: str | None = None
    split_column: str | None = None
    #: how records are shaped: "text" (plain columns) or a chat/instruction format (openai, alpaca, ...).
    record_format: str = "text"
    #: why each role that was not given was guessed ("label = 'survived', by its name")
    role_notes: tuple[str, ...] = ()

    def to_dict(self, rows: int) -> dict[str, Any]:
        out = {
            "path": self.path,
            "format": self.format,
            "rows": rows,
            "columns": list(self.columns),
            "split": self.split,
            "text": list(self.text_columns),
            "label": self.label_column,
            "record_format": self.record_format,
        }
        if self.role_notes:
            out["role_notes"] = list(self.role_notes)
        return out


@dataclass(frozen=True)
class InvalidRecord:
    """A record the reader could not parse.  Becomes an ``invalid-record`` finding and a reject."""

    row: int
    line: int | None
    message: str
    raw: bytes = b""


@dataclass
class RunContext:
    """The run as ``finish`` sees it: every source, in order, and run-wide settings."""

    sources: list[SourceInfo] = field(default_factory=list)
    rows_by_source: dict[int, int] = field(default_factory=dict)
    #: the finish memo the engine carries between runs (``finishmemo.FinishMemo``), or None
    memo: Any = None

    def source(self, index: int) -> SourceInfo:
        return self.sources[index]

    def path_of(self, row_id: int) -> tuple[str, int]:
        s, r = unpack_id(row_id)
        return self.sources[s].path, r


class BatchContext:
    """One batch of rows of one source, with derived arrays computed once and shared by rules."""

    def __init__(
        self,
        source: SourceInfo,
        table: pa.Table,
        rows: np.ndarray,
        invalid: Sequence[InvalidRecord] = (),
        lines: np.ndarray | None = None,
    ) -> None:
        self.source = source
        self.table = table
        self.rows = np.asarray(rows, dtype=np.int64)
        self.invalid = tuple(invalid)
        #: 1-based physical line where each row's record starts (text formats), for the engine
        self.lines = lines
        self._cache: dict[Hashable, Any] = {}

    def __len__(self) -> int:
        return self.table.num_rows

    # -- columns -------------------------------------------------------------------------------
    def column(self, name: str) -> pa.ChunkedArray | None:
        return column_by_path(self.table, name)

    def string_column(self, name: str) -> pa.Array:
        return as_string_array(self.column(name), len(self))

    # -- shared derived arrays -----------------------------------------------------------------
    def cached(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per batch and ``key`` and shared by every rule and helper that
        asks with the same key: the one place for per-batch work several rules need that has no
        property below.  Start the key with the helper's name (``("near-bands", params)``)."""
        cache = self._cache
        if key not in cache:
            cache[key] = make()
        return cache[key]

    @cached_property
    def row_ids(self) -> np.ndarray:
        return pack_ids(self.source.index, self.rows)

    @cached_property
    def text(self) -> pa.Array | None:
        """The text of each row: the text column, several joined by newlines, or a conversation."""
        if self.source.record_format != "text":
            from . import formats

            return formats.conversation_text(self)
        cols = self.source.text_columns
        if not cols:
            return None
        if len(cols) == 1:
            return self.string_column(cols[0])
        arrays = [self.string_column(c) for c in cols]
        # A row whose every text column is null has no text; otherwise nulls join as empty strings.
        all_null = arrays[0].is_null()
        for a in arrays[1:]:
            all_null = pc.and_(all_null, a.is_null())
        filled = [pc.fill_null(a, "") for a in arrays]
        joined = pc.binary_join_element_wise(*filled, "\n")
        return pc.if_else(all_null, pa.nulls(len(self), pa.string()), joined)

    @cached_property
    def text_present(self) -> np.ndarray | None:
        """True where the row has a text: not null, blank or a disguised null ("N/A"...), which
        are missing-value's to report and no duplicate or label conflict of each other."""
        if self.text is None:
            return None
        from .nulls import DISGUISED, missing_mask

        cols = self.source.text_columns
        if (self.source.record_format == "text" and len(cols) == 1 and cols[0] in self.table.column_names
                and pa.types.is_string(self.table.schema.field(cols[0]).type)):
            return ~self.missing(cols[0], DISGUISED)[0]  # missing-value computes the same mask
        return ~missing_mask(self.text, DISGUISED)[0]

    def missing(self, column: str, disguised: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """``nulls.missing_mask`` of a top-level column, computed once per batch and sentinel list."""
        from .nulls import missing_mask

        return self.cached(("missing", column, disguised),
                           lambda: missing_mask(self.table.column(column), disguised))

    @cached_property
    def text_normalized(self) -> pa.Array | None:
        """Text after NFKC, case folding and whitespace collapsing; null stays null."""
        if self.text is None:
            return None
        return hashing.normalize_text(self.text)

    @cached_property
    def text_hash(self) -> np.ndarray | None:
        """64-bit hash of the exact text (0 for null)."""
        return None if self.text is None else hashing.hash_strings(self.text)

    @cached_property
    def text_normalized_hash(self) -> np.ndarray | None:
        return None if self.text_normalized is None else hashing.hash_strings(self.text_normalized)

    @cached_property
    def label(self) -> pa.Array | None:
        """The label of each row as a string (null stays null), or None when there is no label column."""
        if self.source.label_column is None:
            return None
        return self.string_column(self.source.label_column)

    @cached_property
    def label_hash(self) -> np.ndarray | None:
        return None if self.label is None else hashing.hash_strings(self.label)

    @cached_property
    def row_hash(self) -> np.ndarray:
        """64-bit hash of the whole row (every column, in order)."""
        return hashing.hash_table(self.table)

    @cached_property
    def split_hash(self) -> np.ndarray:
        """A 64-bit hash of each row's split, so duplicates are sought within one split only
        (across splits a copy is leakage, the split-leakage rule's business)."""
        if self.source.split_column is None:
            h = hashing.hash_strings(pa.array([self.source.split], pa.string()))[0]
            return np.full(len(self), h, dtype=np.uint64)
        return hashing.hash_strings(pa.array(list(self.splits), pa.string()))

    @cached_property
    def splits(self) -> np.ndarray:
        """The split of each row (object array of str or None): from a split column, else the source."""
        if self.source.split_column:
            arr = self.string_column(self.source.split_column)
            return np.asarray(arr.to_pylist(), dtype=object)
        return np.full(len(self), self.source.split, dtype=object)
