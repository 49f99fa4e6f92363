"""Arrow columns as rules read them: a column by dotted path, any column as one string array."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def column_by_path(table: pa.Table, name: str) -> pa.ChunkedArray | None:
    """A column by name, or a nested field by dotted path (``meta.prompt``); None when absent."""
    if name in table.column_names:
        return table.column(name)
    head, _, rest = name.partition(".")
    if not rest or head not in table.column_names:
        return None
    col = table.column(head)
    for part in rest.split("."):
        if pa.types.is_struct(col.type) and col.type.get_field_index(part) >= 0:
            col = pc.struct_field(col, part)
        else:
            return None
    return col


def as_string_array(col: pa.ChunkedArray | pa.Array | None, length: int) -> pa.Array:
    """A column as one string array (nested values as JSON text, nulls kept)."""
    if col is None:
        return pa.nulls(length, pa.string())
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    t = col.type
    if pa.types.is_string(t):
        return col
    if pa.types.is_large_string(t) or pa.types.is_dictionary(t) or pa.types.is_string_view(t):
        return pc.cast(col, pa.string())
    if pa.types.is_null(t):
        return pa.nulls(length, pa.string())
    if pa.types.is_nested(t):
        import json

        values = [None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
                  for v in col.to_pylist()]
        return pa.array(values, pa.string())
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return pa.array([None if v is None else v.decode("utf-8", "replace") for v in col.to_pylist()],
                        pa.string())
    try:
        return pc.cast(col, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([None if v is None else str(v) for v in col.to_pylist()], pa.string())
