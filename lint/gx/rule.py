"""One GX expectation as a trainlint rule: streamed, mergeable, with findings on rows and lines.

How each kind of expectation runs (per source: GX validates one table, trainlint one input file):

- per-row (column map, column pair, multicolumn): GX validates every batch; its
  ``unexpected_index_list`` becomes rows; ``mostly`` is decided in ``finish`` on the true counts.
- uniqueness (``expect_column_values_to_be_unique``, ``expect_compound_columns_to_be_unique``):
  a 64-bit hash and the row number of every non-missing value (16 bytes a row), so duplicates in
  different batches or partitions are found.
- row count, and mean/min/max/sum/stdev of a column: bounded merged state (counts, sums, Welford).
- schema (column exists, column set/list/count): the source's column names, in ``finish``.
- anything else (median, quantiles, distinct values...): the columns it names are kept in memory
  (Arrow) and GX validates them whole in ``finish``; past ``[tool.trainlint.gx] max-rows`` rows
  of one source that is an error, never a silent wrong answer.
"""

from __future__ import annotations

import math
import uuid
from typing import Any
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from ..errors import UsageError
from ..finding import Finding, Fix, Related, Severity
from ..rule import Rule

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


def _short(value: Any) -> str:
    if _missing(value):
        return "missing"
    text = repr(value)
    return text if len(text) <= _VALUE_CAP else text[:_VALUE_CAP - 1] + "…"


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    return str(x)


def _between(x: float, kw: Mapping[str, Any]) -> bool:
    lo, hi = kw.get("min_value"), kw.get("max_value")
    if lo is not None and (x <= lo if kw.get("strict_min") else x < lo):
        return False
    if hi is not None and (x >= hi if kw.get("strict_max") else x > hi):
        return False
    return True


def _bounds(kw: Mapping[str, Any]) -> str:
    lo, hi = kw.get("min_value"), kw.get("max_value")
    left = "(" if kw.get("strict_min") else "["
    right = ")" if kw.get("strict_max") else "]"
    return f"{left}{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}{right}"


class Bridge:
    """The per-row expectations of a run, validated by GX together, once per batch."""

    def __init__(self, configs: Sequence[Mapping[str, Any]]) -> None:
        self.key = uuid.uuid4().hex
        self.configs = [dict(c) for c in configs]
        self._built: list[Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"key": self.key, "configs": self.configs, "_built": None}

    def _expectations(self) -> list[Any]:
        if self._built is None:
            from ._gx import build_expectation

            self._built = [build_expectation(c) for c in self.configs]
        return self._built

    def results(self, batch: Any) -> dict[int, Any]:
        """slot -> GX result for this batch (absent when the source lacks a column it names)."""
        cache = batch.cached("gx", dict)
        if self.key in cache:
            return cache[self.key]
        from ._gx import validate

        names = set(batch.table.column_names)
        slots = [i for i, c in enumerate(self.configs) if set(expectation_columns(c)) <= names]
        cols = list(dict.fromkeys(c for i in slots for c in expectation_columns(self.configs[i])))
        out: dict[int, Any] = {}
        if slots:
            df = to_frame(batch.table.select(cols), batch.source.format)
            exps = self._expectations()
            for i, res in zip(slots, validate(df, [exps[i] for i in slots])):
                out[i] = (res, df)
        cache[self.key] = out
        return out


class ExpectationRule(Rule):
    """A Great Expectations expectation failed.

    What it checks
        One expectation of a GX 1.x ExpectationSuite given with ``--expectations`` or
        ``[tool.trainlint.gx] suites``, validated by GX itself.  Per-row expectations give one
        finding per failing row (with its line); aggregate ones one finding per source.
    Why it matters
        A team that guards its tables with GX keeps one set of checks, and every failure points
        at ``file:line`` like any other trainlint finding.
    Example
        ``expect_column_values_to_be_in_set`` on ``category`` with the 77 intents: a row labelled
        ``card_arival`` is reported at ``train.csv:1234``.
    Fix
        Correct the data, or the expectation.  ``--fix --unsafe-fixes`` drops failing rows.
    Options
        Codes are GX001, GX002... in suite order; select them with ``--select GX`` or ignore
        with ``--ignore GX``.  ``[tool.trainlint.gx] max-rows`` bounds the rows an aggregate
        expectation may hold in memory per source (default 1,000,000).
    """

    groups = ("gx",)
    fix = Fix.UNSAFE

    def __init__(self, number: int, config: Mapping[str, Any], suite: str = "", max_rows: int = 1_000_000,
                 kinds: tuple[type, ...] = ()) -> None:
        super().__init__()
        self.config = dict(config)
        self.etype: str = self.config["type"]
        self.kw: dict[str, Any] = dict(self.config.get("kwargs") or {})
        self.code = f"GX{number:03d}"
        self.name = "gx-" + self.etype.replace("_", "-")
        self.severity = severity_of(self.config)
        self.suite = suite
        self.max_rows = max_rows
        self.columns = expectation_columns(self.config)
        self.kind = self._kind(kinds)
        self.bridge: Bridge | None = None
        self.slot = -1

    def _kind(self, map_classes: tuple[type, ...]) -> str:
        if self.etype in SCHEMA:
            return "schema"
        if self.etype in ROW_COUNT and not self.kw.get("row_condition"):
            return "rowcount"
        if self.etype in UNIQUE and not self.kw.get("row_condition"):
            return "unique"
        if self.etype in NUMERIC and not self.kw.get("row_condition"):
            return "numeric"
        if self.etype not in UNIQUE and map_classes:
            from ._gx import build_expectation

            if isinstance(build_expectation(self.config), map_classes):
                return "map"
        return "collect"

    def describe(self) -> str:
        return f"{self.code} {self.etype}" + (f" on {', '.join(map(repr, self.columns))}" if self.columns else "")

    # -- the streaming contract ------------------------------------------------------------------
    def start(self) -> dict[int, dict[str, Any]]:
        return {}

    def update(self, batch: Any, state: dict[int, dict[str, Any]]) -> Iterable[Finding]:
        if len(batch) == 0:
            return ()
        if any(c not in batch.table.column_names for c in self.columns):
            return ()  # reported once per source in finish
        st = state.setdefault(batch.source.index, {})
        getattr(self, f"_update_{self.kind}")(batch, st)
        return ()

    def merge(self, a: dict[int, dict[str, Any]], b: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
        for src, sb in b.items():
            if src not in a:
                a[src] = sb
                continue
            sa = a[src]
            if self.kind == "numeric":
                a[src] = _merge_moments(sa, sb)
                continue
            for k, v in sb.items():
                if k not in sa:
                    sa[k] = v
                elif isinstance(v, list):
                    sa[k] = sa[k] + v
                else:  # counts
                    sa[k] += v
            if self.kind == "collect":
                self._check_rows(sa["n"])
        return a

    def finish(self, state: dict[int, dict[str, Any]], run: Any) -> Iterable[Finding]:
        out: list[Finding] = []
        for src in run.sources:
            missing = [c for c in self.columns if src.columns and c not in src.columns]
            if missing:
                out.append(self.finding(
                    f"{self.etype} cannot run: column {', '.join(map(repr, missing))} is not in this source.",
                    source=src.path, n_rows=0, fix=False))
                continue
            st = state.get(src.index)
            out.extend(getattr(self, f"_finish_{self.kind}")(src, st or {}))
        return out

    # -- per-row: GX on each batch ---------------------------------------------------------------
    def _update_map(self, batch: Any, st: dict[str, Any]) -> None:
        got = self.bridge.results(batch).get(self.slot) if self.bridge else None
        if got is None:
            return
        res, df = got
        info = res.exception_info or {}
        if info.get("raised_exception"):
            st.setdefault("error", [" ".join(str(info.get("exception_message")).split())[:200]])
            return
        r = res.result or {}
        idx = np.asarray([i["index"] if isinstance(i, dict) else i for i in r.get("unexpected_index_list") or ()],
                         dtype=np.int64)
        values = _values_at(df, self.columns, idx)  # GX caps unexpected_list at 200 values
        st["rows"] = st.get("rows", []) + [batch.rows[idx]]
        st["values"] = st.get("values", []) + values
        st["nonnull"] = st.get("nonnull", 0) + int(r.get("element_count", 0)) - int(r.get("missing_count", 0) or 0)

    def _finish_map(self, src: Any, st: dict[str, Any]) -> list[Finding]:
        if st.get("error"):
            return [self.finding(f"{self.etype} could not be evaluated by GX: {st['error'][0]}",
                                 source=src.path, n_rows=0, fix=False)]
        rows = np.concatenate(st["rows"]) if st.get("rows") else np.zeros(0, np.int64)
        if not self._failed(st.get("nonnull", 0), len(rows)):
            return []
        values = st.get("values", [])
        cols = ", ".join(map(repr, self.columns))
        order = np.argsort(rows, kind="stable")
        return [self.finding(f"{self.etype} failed on {cols}: {values[k]}.", source=src.path,
                             row=int(rows[k]), column=self.columns[0] if len(self.columns) == 1 else None)
                for k in order.tolist()]

    def _failed(self, nonnull: int, unexpected: int) -> bool:
        """GX's rule: vacuously true without non-missing values, else the share must reach ``mostly``."""
        if unexpected == 0 or nonnull == 0:
            return False
        mostly = self.kw.get("mostly", 1.0)
        return (nonnull - unexpected) / nonnull < mostly

    # -- uniqueness: hashes of every value -------------------------------------------------------
    def _update_unique(self, batch: Any, st: dict[str, Any]) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        from .. import hashing

        csv = batch.source.format in ("csv", "tsv")
        arrays = []
        for c in self.columns:
            a = batch.string_column(c)
            if csv:
                a = pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a)
            arrays.append(a)
        if self.etype == "expect_column_values_to_be_unique":
            keep = pc.is_valid(arrays[0])
            value = arrays[0]
        else:
            ignore = self.kw.get("ignore_row_if", "all_values_are_missing")
            valid = [pc.is_valid(a) for a in arrays]
            if ignore == "any_value_is_missing":
                keep = valid[0]
                for v in valid[1:]:
                    keep = pc.and_(keep, v)
            elif ignore == "never":
                keep = pa.array(np.ones(len(batch), bool))
            else:
                keep = valid[0]
                for v in valid[1:]:
                    keep = pc.or_(keep, v)
            value = pc.binary_join_element_wise(*[pc.fill_null(a, "\x00") for a in arrays], "\x1f")
        mask = np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool)
        hashes = hashing.hash_strings(value)[mask]
        st["h"] = st.get("h", []) + [hashes]
        st["rows"] = st.get("rows", []) + [batch.rows[mask]]

    def _finish_unique(self, src: Any, st: dict[str, Any]) -> list[Finding]:
        if not st.get("h"):
            return []
        h = np.concatenate(st["h"])
        rows = np.concatenate(st["rows"])
        order = np.lexsort((rows, h))
        h, rows = h[order], rows[order]
        start = np.r_[True, h[1:] != h[:-1]]
        gid = np.cumsum(start) - 1
        first = np.flatnonzero(start)
        size = np.diff(np.r_[first, len(h)])
        dup = size[gid] > 1
        if not self._failed(len(h), int(dup.sum())):
            return []
        cols = ", ".join(map(repr, self.columns))
        out = []
        for k in np.flatnonzero(dup).tolist():
            g0 = first[gid[k]]
            other = rows[g0 + 1] if k == g0 else rows[g0]
            out.append(self.finding(f"{self.etype} failed on {cols}: the value repeats at {{related}}.",
                                    source=src.path, row=int(rows[k]), group=f"{self.code}:{src.index}:{int(rows[g0])}",
                                    related=[Related(src.path, int(other))],
                                    column=self.columns[0] if len(self.columns) == 1 else None))
        out.sort(key=lambda f: f.row)
        return out

    # -- row count ---------------------------------------------------------------------------------
    def _update_rowcount(self, batch: Any, st: dict[str, Any]) -> None:
        st["n"] = st.get("n", 0) + len(batch)

    def _finish_rowcount(self, src: Any, st: dict[str, Any]) -> list[Finding]:
        n = st.get("n", 0)
        if self.etype == "expect_table_row_count_to_equal":
            ok, want = n == self.kw.get("value"), f"{self.kw.get('value')}"
        else:
            ok, want = _between(n, self.kw), _bounds(self.kw)
        if ok:
            return []
        return [self.finding(f"{self.etype} failed: {n} rows, expected {want}.", source=src.path,
                             n_rows=0, fix=False, extra={"observed_value": n})]

    # -- mean, min, max, sum, stdev: bounded moments ---------------------------------------------
    def _update_numeric(self, batch: Any, st: dict[str, Any]) -> None:
        import pandas as pd
        import pyarrow as pa

        col = batch.column(self.columns[0])
        arr = col.combine_chunks() if hasattr(col, "combine_chunks") else col
        if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_boolean(arr.type):
            x = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=float)
            present = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), bool)
            bad = np.zeros(len(x), bool)
        else:
            s = pd.Series(batch.string_column(self.columns[0]).to_pylist(), dtype=object)
            present = (s.notna() & (s.str.strip() != "")).to_numpy(bool)
            x = pd.to_numeric(s.where(present), errors="coerce").to_numpy(float)
            bad = present & np.isnan(x)
        ok = present & ~bad & ~np.isnan(x)
        part = _moments(x[ok])
        part["bad"] = int(bad.sum())
        part["bad_rows"] = batch.rows[bad][:20].tolist()
        state = _merge_moments(st, part) if st else part
        st.clear()
        st.update(state)

    def _finish_numeric(self, src: Any, st: dict[str, Any]) -> list[Finding]:
        col = self.columns[0]
        if st.get("bad"):
            rows = st.get("bad_rows", [])
            return [self.finding(f"{self.etype} failed on {col!r}: {st['bad']} values are not numbers.",
                                 source=src.path, column=col, n_rows=st["bad"], rows_sample=rows, fix=False)]
        n = st.get("n", 0)
        stat = NUMERIC[self.etype]
        if n == 0 or (stat == "stdev" and n < 2):
            observed = None
        elif stat == "stdev":
            observed = math.sqrt(st["m2"] / (n - 1))
        else:
            observed = st[stat]
        if observed is not None and _between(observed, self.kw):
            return []
        shown = "no numeric values" if observed is None else f"{stat} {_fmt(observed)}"
        return [self.finding(f"{self.etype} failed on {col!r}: {shown}, expected {_bounds(self.kw)}.",
                             source=src.path, column=col, n_rows=0, fix=False,
                             extra={"observed_value": None if observed is None else float(f"{observed:.6g}")})]

    # -- schema: the source's columns ------------------------------------------------------------
    def _finish_schema(self, src: Any, st: dict[str, Any]) -> list[Finding]:
        import pandas as pd

        from ._gx import build_expectation, validate

        df = pd.DataFrame({c: pd.Series([], dtype=object) for c in src.columns})
        return self._dataset_result(src, validate(df, [build_expectation(self.config)])[0])

    # -- anything else: the named columns, whole, then GX ----------------------------------------
    def _check_rows(self, n: int) -> None:
        if n > self.max_rows:
            raise UsageError(f"{self.describe()} needs its column(s) whole in memory and a source has more "
                             f"than {self.max_rows:,} rows; raise [tool.trainlint.gx] max-rows or drop the "
                             f"expectation")

    def _update_collect(self, batch: Any, st: dict[str, Any]) -> None:
        cols = list(self.columns) or list(batch.table.column_names)
        st["tables"] = st.get("tables", []) + [batch.table.select(cols)]
        st["rows"] = st.get("rows", []) + [batch.rows]
        st["n"] = st.get("n", 0) + len(batch)
        self._check_rows(st["n"])

    def _finish_collect(self, src: Any, st: dict[str, Any]) -> list[Finding]:
        import pyarrow as pa

        from ._gx import build_expectation, validate

        if not st.get("tables"):
            import pandas as pd

            df = pd.DataFrame({c: pd.Series([], dtype=object) for c in (self.columns or src.columns)})
            rows = np.zeros(0, np.int64)
        else:
            table = pa.concat_tables(st["tables"], promote_options="permissive")
            rows = np.concatenate(st["rows"])
            df = to_frame(table, src.format)
        return self._dataset_result(src, validate(df, [build_expectation(self.config)])[0], rows, df)

    def _dataset_result(self, src: Any, res: Any, rows: np.ndarray | None = None,
                        df: Any = None) -> list[Finding]:
        if res.success:
            return []
        info = res.exception_info or {}
        if info.get("raised_exception"):
            msg = " ".join(str(info.get("exception_message")).split())[:200]
            return [self.finding(f"{self.etype} could not be evaluated by GX: {msg}", source=src.path,
                                 n_rows=0, fix=False)]
        r = res.result or {}
        idx = [i["index"] if isinstance(i, dict) else i for i in r.get("unexpected_index_list") or ()]
        if idx and rows is not None:
            values = _values_at(df, self.columns, idx) if df is not None else [None] * len(idx)
            cols = ", ".join(map(repr, self.columns))
            found = [self.finding(f"{self.etype} failed on {cols}: {_short(v)}.", source=src.path,
                                  row=int(rows[i]), column=self.columns[0] if len(self.columns) == 1 else None)
                     for i, v in zip(idx, values)]
            return sorted(found, key=lambda f: f.row)
        observed = r.get("observed_value")
        return [self.finding(f"{self.etype} failed: observed {_short(observed)}.", source=src.path,
                             n_rows=int(r.get("unexpected_count") or 0), fix=False,
                             column=self.columns[0] if len(self.columns) == 1 else None,
                             extra={"observed_value": _jsonable(observed)})]


def _values_at(df: Any, columns: Sequence[str], idx: np.ndarray) -> list[str]:
    """The failing values, shortened for messages (a tuple when the expectation names several columns)."""
    cols = [c for c in columns if c in df.columns]
    if not cols or len(idx) == 0:
        return ["a failing row"] * len(idx)
    sub = df[cols].iloc[np.asarray(idx, dtype=np.int64)]
    if len(cols) == 1:
        return [_short(v) for v in sub[cols[0]].tolist()]
    return [_short(tuple(None if _missing(v) else v for v in row)) for row in sub.itertuples(index=False)]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _jsonable(x: Any) -> Any:
    import json

    try:
        json.dumps(x)
        return x
    except (TypeError, ValueError):
        return str(x)


def _moments(x: np.ndarray) -> dict[str, Any]:
    n = int(x.size)
    if n == 0:
        return {"n": 0, "mean": 0.0, "m2": 0.0, "sum": 0.0, "min": math.inf, "max": -math.inf}
    mean = float(x.mean())
    return {"n": n, "mean": mean, "m2": float(((x - mean) ** 2).sum()), "sum": math.fsum(x.tolist()),
            "min": float(x.min()), "max": float(x.max())}


def _merge_moments(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Chan et al.'s parallel update: associative up to rounding (messages show 6 digits)."""
    if not a or a.get("n", 0) == 0:
        out = dict(b)
    elif b.get("n", 0) == 0:
        out = dict(a)
    else:
        n = a["n"] + b["n"]
        d = b["mean"] - a["mean"]
        out = {"n": n, "mean": a["mean"] + d * b["n"] / n,
               "m2": a["m2"] + b["m2"] + d * d * a["n"] * b["n"] / n,
               "sum": a["sum"] + b["sum"], "min": min(a["min"], b["min"]), "max": max(a["max"], b["max"])}
    out["bad"] = a.get("bad", 0) + b.get("bad", 0)
    out["bad_rows"] = (list(a.get("bad_rows", [])) + list(b.get("bad_rows", [])))[:20]
    return out
