"""What an expectation is to trainlint: its kind's sets of GX types, the columns it names, its
severity, the frame GX validates, and how values and bounds are shown in messages."""

from __future__ import annotations

import math
from typing import Any
from collections.abc import Mapping, Sequence

import numpy as np

from ..finding import Severity

UNIQUE = {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
ROW_COUNT = {"expect_table_row_count_to_be_between", "expect_table_row_count_to_equal"}
NUMERIC = {
    "expect_column_mean_to_be_between": "mean",
    "expect_column_min_to_be_between": "min",
    "expect_column_max_to_be_between": "max",
    "expect_column_sum_to_be_between": "sum",
    "expect_column_stdev_to_be_between": "stdev",
}
SCHEMA = {
    "expect_column_to_exist",
    "expect_table_columns_to_match_ordered_list",
    "expect_table_columns_to_match_set",
    "expect_table_column_count_to_equal",
    "expect_table_column_count_to_be_between",
}
_SEVERITY = {"critical": Severity.ERROR, "error": Severity.ERROR, "warning": Severity.WARNING,
             "info": Severity.INFO}
_VALUE_CAP = 80


def expectation_columns(config: Mapping[str, Any]) -> tuple[str, ...]:
    kw = config.get("kwargs") or {}
    if config.get("type") in SCHEMA:
        return ()
    cols = [kw[k] for k in ("column", "column_A", "column_B") if isinstance(kw.get(k), str)]
    cols += [c for c in kw.get("column_list") or () if isinstance(c, str)]
    return tuple(dict.fromkeys(cols))


def severity_of(config: Mapping[str, Any]) -> Severity:
    """``meta.severity`` (trainlint's words or GX's) wins, then GX's ``severity`` field, else error."""
    meta = config.get("meta") or {}
    for value in (meta.get("severity"), config.get("severity")):
        if isinstance(value, str) and value.lower() in _SEVERITY:
            return _SEVERITY[value.lower()]
    return Severity.ERROR


def to_frame(table: Any, source_format: str) -> Any:
    """A pandas DataFrame as GX should see it: CSV/TSV fields are strings and an empty field is missing."""
    df = table.to_pandas()
    df.index = range(len(df))
    if source_format in ("csv", "tsv"):
        for c in df.columns:
            s = df[c]
            if s.dtype == object or str(s.dtype) in ("str", "string"):
                df[c] = s.mask(s == "")
    return df


def short(value: Any) -> str:
    if missing(value):
        return "missing"
    text = repr(value)
    return text if len(text) <= _VALUE_CAP else text[:_VALUE_CAP - 1] + "…"


def fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    return str(x)


def between(x: float, kw: Mapping[str, Any]) -> bool:
    lo, hi = kw.get("min_value"), kw.get("max_value")
    if lo is not None and (x <= lo if kw.get("strict_min") else x < lo):
        return False
    if hi is not None and (x >= hi if kw.get("strict_max") else x > hi):
        return False
    return True


def bounds(kw: Mapping[str, Any]) -> str:
    lo, hi = kw.get("min_value"), kw.get("max_value")
    left = "(" if kw.get("strict_min") else "["
    right = ")" if kw.get("strict_max") else "]"
    return f"{left}{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}{right}"


def values_at(df: Any, columns: Sequence[str], idx: np.ndarray) -> list[str]:
    """The failing values, shortened for messages (a tuple when the expectation names several columns)."""
    cols = [c for c in columns if c in df.columns]
    if not cols or len(idx) == 0:
        return ["a failing row"] * len(idx)
    sub = df[cols].iloc[np.asarray(idx, dtype=np.int64)]
    if len(cols) == 1:
        return [short(v) for v in sub[cols[0]].tolist()]
    return [short(tuple(None if missing(v) else v for v in row)) for row in sub.itertuples(index=False)]


def missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def jsonable(x: Any) -> Any:
    import json

    try:
        json.dumps(x)
        return x
    except (TypeError, ValueError):
        return str(x)
