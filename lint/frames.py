"""In-memory inputs of ``trainlint.lint``: anything that speaks Arrow, Hugging Face datasets,
records, and a mapping of split name to any of these.

- a pyarrow ``Table`` or ``RecordBatch``, a pandas ``DataFrame``;
- any object exporting the Arrow PyCapsule stream interface (``__arrow_c_stream__``): polars,
  DuckDB relations, pyarrow readers, and whatever adopts it next; read as one Arrow table;
- a Hugging Face ``Dataset``: its Arrow table itself (memory-mapped, not copied); only a dataset
  with an indices mapping (after ``shuffle``/``select``) is gathered; ``ClassLabel`` columns show
  their label names (a dictionary array over the same integers, no copy);
- a ``DatasetDict`` or any ``{split: frame}`` mapping: one source per split, named ``<split>``,
  so the checks across splits (leakage, label shift) run;
- a list of dicts (records).

None of these libraries is imported here: an object is recognised by what it has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

#: (name shown in findings, Arrow table, split or None)
Frame = tuple[str, pa.Table, "str | None"]


def is_frame(obj: Any) -> bool:
    """Whether ``obj`` is an in-memory input rather than a path (or a list of paths)."""
    import os

    return not isinstance(obj, (str, os.PathLike, list, tuple)) or is_records(obj)


def is_records(obj: Any) -> bool:
    return isinstance(obj, (list, tuple)) and bool(obj) and all(isinstance(r, Mapping) for r in obj)


def _is_hf_dataset(obj: Any) -> bool:
    return type(obj).__module__.startswith("datasets") and hasattr(obj, "data") and hasattr(obj, "features")


def _frame_like(v: Any) -> bool:
    return (_is_hf_dataset(v) or is_records(v) or isinstance(v, (pa.Table, pa.RecordBatch))
            or hasattr(v, "__arrow_c_stream__") or _is_pandas(v))


def frames(obj: Any, name: str = "<dataframe>", split: str | None = None) -> list[Frame]:
    """The sources an in-memory input makes."""
    if isinstance(obj, Mapping) and obj and not _frame_like(obj):
        values = list(obj.values())
        if all(_frame_like(v) for v in values):  # a DatasetDict, {"train": df, ...}: keys become splits
            out: list[Frame] = []
            for key, value in obj.items():
                out += frames(value, f"<{key}>", str(key))
            return out
        if all(isinstance(v, (list, tuple)) for v in values):  # columns
            return [(name, _plain_strings(pa.table({str(k): list(v) for k, v in obj.items()})), split)]
    return [(name, to_table(obj), split)]


def to_table(obj: Any) -> pa.Table:
    """One input as an Arrow table, with text in plain ``string`` columns."""
    from .sources.columnar import to_arrow

    if _is_hf_dataset(obj):
        table = _hf_table(obj)
    elif is_records(obj):
        table = _records(list(obj))
    elif isinstance(obj, (pa.Table, pa.RecordBatch)):
        table = to_arrow(obj)
    elif hasattr(obj, "__arrow_c_stream__") and not _is_pandas(obj):
        table = pa.table(obj)  # the PyCapsule stream interface: polars, DuckDB, ...
    else:
        table = to_arrow(obj)
    return _plain_strings(table)


def _is_pandas(obj: Any) -> bool:
    return type(obj).__module__.startswith("pandas")


def _hf_table(ds: Any) -> pa.Table:
    """A Hugging Face ``Dataset``'s Arrow table: the same buffers unless an indices mapping
    selects rows.  ``ClassLabel`` integers become a dictionary array of their names."""
    table = ds.data.table if hasattr(ds.data, "table") else ds.data
    indices = getattr(ds, "_indices", None)
    if indices is not None:
        idx = indices.table.column(0) if hasattr(indices, "table") else indices.column(0)
        table = table.take(idx)
    for k, name in enumerate(table.column_names):
        feature = ds.features.get(name) if hasattr(ds.features, "get") else None
        names = getattr(feature, "names", None)
        if names and type(feature).__name__ == "ClassLabel" and pa.types.is_integer(table.schema.field(k).type):
            col = table.column(k)
            chunks = [pa.DictionaryArray.from_arrays(pa.compute.cast(c, pa.int32()), pa.array(names, pa.string()))
                      for c in col.chunks]
            table = table.set_column(k, name, pa.chunked_array(chunks, pa.dictionary(pa.int32(), pa.string())))
    return table


def _records(records: list[Mapping[str, Any]]) -> pa.Table:
    try:
        return pa.Table.from_pylist(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # a field with mixed types: keep values as JSON text, so nothing is lost
        import json

        keys: dict[str, None] = {}
        for r in records:
            keys.update(dict.fromkeys(r))
        cols = {}
        for k in keys:
            values = [r.get(k) for r in records]
            try:
                cols[k] = pa.array(values)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                cols[k] = pa.array([v if v is None or isinstance(v, str) else json.dumps(v, default=str)
                                    for v in values], pa.string())
        return pa.table(cols)


def _plain_strings(table: pa.Table) -> pa.Table:
    """``large_string`` and ``string_view`` columns (polars, DuckDB) as ``string``: the rules'
    shared text arrays expect it."""
    for k, field in enumerate(table.schema):
        t = field.type
        if pa.types.is_large_string(t) or pa.types.is_string_view(t):
            table = table.set_column(k, field.name, pa.compute.cast(table.column(k), pa.string()))
    return table
