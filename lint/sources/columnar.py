"""Parquet files and in-memory tables (pandas DataFrame, Arrow table): rows, no lines."""

from __future__ import annotations

import json
from typing import Any
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from ..context import InvalidRecord
from ..errors import SourceError, one_line
from .base import Batch, Block, Reader, in_rows, sorted_rows


class ParquetReader(Reader):
    format = "parquet"
    has_lines = False

    def _file(self):
        import pyarrow.parquet as pq

        try:
            if "://" in self.path and not self.path.startswith("file://"):
                import fsspec

                return pq.ParquetFile(fsspec.open(self.path, "rb").open())
            return pq.ParquetFile(self.path[7:] if self.path.startswith("file://") else self.path)
        except FileNotFoundError:
            raise SourceError(f"{self.path}: no such file; check the path") from None
        except (pa.ArrowInvalid, OSError) as e:
            raise SourceError(one_line(f"{self.path}: not a readable Parquet file ({e}); "
                                       f"check it is not truncated or another format")) from None

    def open(self) -> list[str]:
        f = self._file()
        self.schema = f.schema_arrow
        self.num_row_groups = f.num_row_groups
        self.columns = list(self.schema.names)
        return self.columns

    def blocks(self) -> Iterator[Block]:
        f = self._file()
        row = 0
        for g in range(self.num_row_groups):
            n = f.metadata.row_group(g).num_rows
            yield Block(self.info.index, row, g)
            row += n

    def block_fingerprints(self) -> list[tuple[Block, str]] | None:
        """(block, digest of all its rows are decoded from: the row group's column chunks, its
        metadata, the file's schema) per row group of a local file: a file rewritten with row
        groups appended keeps the digests of those it had.  None for a remote file."""
        import xxhash

        if "://" in self.path and not self.path.startswith("file://"):
            return None
        f = self._file()
        meta = f.metadata
        schema = self.schema.to_string(show_schema_metadata=True)  # (the ParquetSchema prints its address)
        out = []
        try:
            with open(self.path[7:] if self.path.startswith("file://") else self.path, "rb") as raw:
                for block in self.blocks():
                    rg = meta.row_group(block.payload)
                    h = xxhash.xxh3_128(schema.encode() + repr(rg.to_dict()).encode())
                    for c in range(rg.num_columns):
                        col = rg.column(c)
                        start = col.dictionary_page_offset if col.has_dictionary_page else col.data_page_offset
                        raw.seek(start)
                        h.update(raw.read(col.total_compressed_size))
                    out.append((block, h.hexdigest()))
        except OSError:
            return None
        return out

    def parse(self, block: Block) -> Iterator[Batch]:
        f = self._file()
        row = block.first_row
        try:
            for rb in f.iter_batches(batch_size=self.options.batch_rows, row_groups=[block.payload]):
                t = pa.Table.from_batches([rb])
                rows = row + np.arange(t.num_rows, dtype=np.int64)
                row += t.num_rows
                t, rows, invalid = _without_invalid_utf8(t, rows)
                yield Batch(t, rows, None, invalid)
        except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
            raise SourceError(one_line(f"{self.path}: corrupt Parquet data in row group {block.payload} ({e}); "
                                       f"check the file is complete")) from None

    def write_cleaned(self, drop_rows: np.ndarray, out, rejects, edits=None) -> tuple[int, int]:
        import pyarrow.parquet as pq

        drop = sorted_rows(drop_rows)
        edit_rows = sorted_rows(edits.rows) if edits is not None else drop[:0]
        kept = rejected = 0
        writer = pq.ParquetWriter(out, self.schema)
        f = self._file()
        row = 0
        try:
            # the stored batches as they are (``parse`` takes rows with invalid UTF-8 out)
            for rb in f.iter_batches(batch_size=self.options.batch_rows):
                batch = pa.Table.from_batches([rb])
                rows = row + np.arange(batch.num_rows, dtype=np.int64)
                row += batch.num_rows
                dropped = in_rows(rows, drop)
                edited = in_rows(rows, edit_rows) & ~dropped
                if edited.any():
                    batch, refused = rewrite_table(batch, rows, edited, edits)
                    dropped |= refused
                if dropped.any():
                    for i in np.flatnonzero(dropped).tolist():
                        try:
                            rec = batch.slice(i, 1).to_pylist()[0]
                        except (UnicodeDecodeError, pa.ArrowException):
                            rec = None
                        rejects(int(rows[i]), None, rec, None)
                    rejected += int(dropped.sum())
                    table = batch.filter(pa.array(~dropped))
                else:
                    table = batch
                if table.num_rows:
                    writer.write_table(table)
                kept += table.num_rows
        except (pa.ArrowInvalid, pa.ArrowException, OSError) as e:
            raise SourceError(one_line(f"{self.path}: corrupt Parquet data ({e})")) from None
        finally:
            writer.close()
        return kept, rejected


def rewrite_table(table: pa.Table, rows: np.ndarray, edited: np.ndarray, edits) -> tuple[pa.Table, np.ndarray]:
    """``table`` with the ``edited`` rows rewritten by ``edits`` (``trainlint.rewrite.Rewriter``),
    and the rows it refused (to be rejected, as they were)."""
    refused = np.zeros(table.num_rows, dtype=bool)
    new_rows: dict[int, dict] = {}
    changed: set[str] = set()
    for i in np.flatnonzero(edited).tolist():
        try:
            record = table.slice(i, 1).to_pylist()[0]
        except (UnicodeDecodeError, pa.ArrowException):
            record = None
        new = edits(int(rows[i]), None, record)
        if new is None:
            refused[i] = True
        else:
            new_rows[i] = new
            changed.update(k for k in new if new[k] != record.get(k))
    for name in sorted(changed):  # only the columns an edit changed are built again
        col = table.column(name)
        values = col.to_pylist()
        for i, new in new_rows.items():
            values[i] = new.get(name)
        idx = table.schema.get_field_index(name)
        table = table.set_column(idx, table.schema.field(idx), pa.array(values, type=col.type))
    return table, refused


def _without_invalid_utf8(t: pa.Table, rows: np.ndarray) -> tuple[pa.Table, np.ndarray, list[InvalidRecord]]:
    """Rows whose strings are not valid UTF-8 (Parquet does not check what writers store) taken out
    as invalid records: Arrow's string functions refuse them, Python cannot decode them."""
    try:
        t.validate(full=True)
        return t, rows, []
    except pa.ArrowInvalid:
        pass
    bad = np.zeros(t.num_rows, dtype=bool)
    where: dict[int, str] = {}
    for name in t.column_names:
        col = t.column(name)
        try:
            col.validate(full=True)
            continue
        except pa.ArrowInvalid:
            pass
        for i in range(t.num_rows):
            if bad[i]:
                continue
            try:
                col.slice(i, 1).validate(full=True)
            except pa.ArrowInvalid:
                bad[i] = True
                where[i] = name
    invalid = [InvalidRecord(int(rows[i]), None, f"invalid UTF-8 in the string column '{where[i]}'")
               for i in np.flatnonzero(bad).tolist()]
    return t.filter(pa.array(~bad)), rows[~bad], invalid


class TableReader(Reader):
    """A pandas DataFrame or Arrow table handed to ``trainlint.lint``."""

    format = "dataframe"
    has_lines = False

    def __init__(self, info, path, options, table: pa.Table) -> None:
        super().__init__(info, path, options)
        self.table = table

    def open(self) -> list[str]:
        self.columns = list(self.table.column_names)
        return self.columns

    def blocks(self) -> Iterator[Block]:
        step = self.options.batch_rows
        for off in range(0, max(self.table.num_rows, 1), step):
            yield Block(self.info.index, off, off)

    def parse(self, block: Block) -> Iterator[Batch]:
        t = self.table.slice(block.payload, self.options.batch_rows)
        yield Batch(t, block.first_row + np.arange(t.num_rows, dtype=np.int64), None)

    def write_cleaned(self, drop_rows, out, rejects) -> tuple[int, int]:
        raise NotImplementedError("in-memory tables are cleaned with Report.cleaned()")


def to_arrow(obj: Any) -> pa.Table:
    """A pandas DataFrame, Arrow table or record batch as an Arrow table (index dropped)."""
    if isinstance(obj, pa.Table):
        return obj
    if isinstance(obj, pa.RecordBatch):
        return pa.Table.from_batches([obj])
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None and isinstance(obj, pd.DataFrame):
        df = obj.reset_index(drop=True)
        df.columns = [str(c) for c in df.columns]
        try:
            return pa.Table.from_pandas(df, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            # mixed-type object columns: keep them as text so nothing is lost
            for c in df.columns:
                if df[c].dtype == object:
                    df[c] = df[c].map(lambda v: v if v is None or isinstance(v, str) else json.dumps(v, default=str))
            return pa.Table.from_pandas(df, preserve_index=False)
    raise TypeError(f"cannot lint a {type(obj).__name__}: pass a path, a list of paths, a DataFrame "
                    f"(pandas, polars, or anything with __arrow_c_stream__), an Arrow table, a Hugging Face "
                    f"Dataset or DatasetDict, a {{split: frame}} mapping or a list of dicts")
