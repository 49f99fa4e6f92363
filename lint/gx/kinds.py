"""How each kind of GX expectation runs, as trainlint's streaming contract: one small class per kind
(``update`` a batch into one source's state, ``merge`` two such states in row order, ``finish`` a
source into findings), so ``ExpectationRule`` only picks the kind and hands on.  See the module
doc of ``trainlint.gx.rule`` for what each kind keeps."""

from __future__ import annotations

import math
from typing import Any
from collections.abc import Mapping

import numpy as np

from ..finding import Finding, Related
from .expectations import NUMERIC, between, bounds, fmt, to_frame, values_at


class Kind:
    """One kind of expectation.  ``st`` is the state of one source (a dict); ``rule`` the
    ``ExpectationRule`` (its expectation type, kwargs, columns and ``finding``)."""

    def update(self, rule, batch: Any, st: dict[str, Any]) -> None:
        pass

    def merge(self, rule, sa: dict[str, Any], sb: dict[str, Any]) -> dict[str, Any]:
        """Lists concatenated, counts added (``sa`` before ``sb`` in row order)."""
        for k, v in sb.items():
            if k not in sa:
                sa[k] = v
            elif isinstance(v, list):
                sa[k] = sa[k] + v
            else:  # counts
                sa[k] += v
        return sa

    def finish(self, rule, src: Any, st: dict[str, Any]) -> list[Finding]:
        return []


class Map(Kind):
    """Per-row (column map, column pair, multicolumn): GX on each batch."""

    def update(self, rule, batch: Any, st: dict[str, Any]) -> None:
        got = rule.bridge.results(batch).get(rule.slot) if rule.bridge else None
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
        values = values_at(df, rule.columns, idx)  # GX caps unexpected_list at 200 values
        st["rows"] = st.get("rows", []) + [batch.rows[idx]]
        st["values"] = st.get("values", []) + values
        st["nonnull"] = st.get("nonnull", 0) + int(r.get("element_count", 0)) - int(r.get("missing_count", 0) or 0)

    def finish(self, rule, src: Any, st: dict[str, Any]) -> list[Finding]:
        if st.get("error"):
            return [rule.finding(f"{rule.etype} could not be evaluated by GX: {st['error'][0]}",
                                 source=src.path, n_rows=0, fix=False)]
        rows = np.concatenate(st["rows"]) if st.get("rows") else np.zeros(0, np.int64)
        if not rule.failed(st.get("nonnull", 0), len(rows)):
            return []
        values = st.get("values", [])
        cols = ", ".join(map(repr, rule.columns))
        order = np.argsort(rows, kind="stable")
        return [rule.finding(f"{rule.etype} failed on {cols}: {values[k]}.", source=src.path,
                             row=int(rows[k]), column=rule.columns[0] if len(rule.columns) == 1 else None)
                for k in order.tolist()]


class Unique(Kind):
    """Uniqueness: a hash and the row of every non-missing value."""

    def update(self, rule, batch: Any, st: dict[str, Any]) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        from .. import hashing

        csv = batch.source.format in ("csv", "tsv")
        arrays = []
        for c in rule.columns:
            a = batch.string_column(c)
            if csv:
                a = pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a)
            arrays.append(a)
        if rule.etype == "expect_column_values_to_be_unique":
            keep = pc.is_valid(arrays[0])
            value = arrays[0]
        else:
            ignore = rule.kw.get("ignore_row_if", "all_values_are_missing")
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

    def finish(self, rule, src: Any, st: dict[str, Any]) -> list[Finding]:
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
        if not rule.failed(len(h), int(dup.sum())):
            return []
        cols = ", ".join(map(repr, rule.columns))
        out = []
        for k in np.flatnonzero(dup).tolist():
            g0 = first[gid[k]]
            other = rows[g0 + 1] if k == g0 else rows[g0]
            out.append(rule.finding(f"{rule.etype} failed on {cols}: the value repeats at {{related}}.",
                                    source=src.path, row=int(rows[k]), group=f"{rule.code}:{src.index}:{int(rows[g0])}",
                                    related=[Related(src.path, int(other))],
                                    column=rule.columns[0] if len(rule.columns) == 1 else None))
        out.sort(key=lambda f: f.row)
        return out


class RowCount(Kind):
    """The number of rows."""

    def update(self, rule, batch: Any, st: dict[str, Any]) -> None:
        st["n"] = st.get("n", 0) + len(batch)

    def finish(self, rule, src: Any, st: dict[str, Any]) -> list[Finding]:
        n = st.get("n", 0)
        if rule.etype == "expect_table_row_count_to_equal":
            ok, want = n == rule.kw.get("value"), f"{rule.kw.get('value')}"
        else:
            ok, want = between(n, rule.kw), bounds(rule.kw)
        if ok:
            return []
        return [rule.finding(f"{rule.etype} failed: {n} rows, expected {want}.", source=src.path,
                             n_rows=0, fix=False, extra={"observed_value": n})]


class Numeric(Kind):
    """Mean, min, max, sum, stdev: bounded moments."""

    def update(self, rule, batch: Any, st: dict[str, Any]) -> None:
        import pandas as pd
        import pyarrow as pa

        col = batch.column(rule.columns[0])
        arr = col.combine_chunks() if hasattr(col, "combine_chunks") else col
        if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_boolean(arr.type):
            x = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=float)
            present = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), bool)
            bad = np.zeros(len(x), bool)
        else:
            s = pd.Series(batch.string_column(rule.columns[0]).to_pylist(), dtype=object)
            present = (s.notna() & (s.str.strip() != "")).to_numpy(bool)
            x = pd.to_numeric(s.where(present), errors="coerce").to_numpy(float)
            bad = present & np.isnan(x)
        ok = present & ~bad & ~np.isnan(x)
        part = moments(x[ok])
        part["bad"] = int(bad.sum())
        part["bad_rows"] = batch.rows[bad][:20].tolist()
        state = mergemoments(st, part) if st else part
        st.clear()
        st.update(state)

    def merge(self, rule, sa: dict[str, Any], sb: dict[str, Any]) -> dict[str, Any]:
        return mergemoments(sa, sb)

    def finish(self, rule, src: Any, st: dict[str, Any]) -> list[Finding]:
        col = rule.columns[0]
        if st.get("bad"):
            rows = st.get("bad_rows", [])
            return [rule.finding(f"{rule.etype} failed on {col!r}: {st['bad']} values are not numbers.",
                                 source=src.path, column=col, n_rows=st["bad"], rows_sample=rows, fix=False)]
        n = st.get("n", 0)
        stat = NUMERIC[rule.etype]
        if n == 0 or (stat == "stdev" and n < 2):
            observed = None
        elif stat == "stdev":
            observed = math.sqrt(st["m2"] / (n - 1))
        else:
            observed = st[stat]
        if observed is not None and between(observed, rule.kw):
            return []
        shown = "no numeric values" if observed is None else f"{stat} {fmt(observed)}"
        return [rule.finding(f"{rule.etype} failed on {col!r}: {shown}, expected {bounds(rule.kw)}.",
                             source=src.path, column=col, n_rows=0, fix=False,
                             extra={"observed_value": None if observed is None else float(f"{observed:.6g}")})]


class Schema(Kind):
    """The source's columns, in ``finish``."""

    def finish(self, rule, src: Any, st: dict[str, Any]) -> list[Finding]:
        import pandas as pd

        from ._gx import build_expectation, validate

        df = pd.DataFrame({c: pd.Series([], dtype=object) for c in src.columns})
        return rule.dataset_result(src, validate(df, [build_expectation(rule.config)])[0])


class Collect(Kind):
    """Anything else: the named columns kept whole, then GX in ``finish``."""

    def update(self, rule, batch: Any, st: dict[str, Any]) -> None:
        cols = list(rule.columns) or list(batch.table.column_names)
        st["tables"] = st.get("tables", []) + [batch.table.select(cols)]
        st["rows"] = st.get("rows", []) + [batch.rows]
        st["n"] = st.get("n", 0) + len(batch)
        rule.check_rows(st["n"])

    def merge(self, rule, sa: dict[str, Any], sb: dict[str, Any]) -> dict[str, Any]:
        sa = super().merge(rule, sa, sb)
        rule.check_rows(sa["n"])
        return sa

    def finish(self, rule, src: Any, st: dict[str, Any]) -> list[Finding]:
        import pyarrow as pa

        from ._gx import build_expectation, validate

        if not st.get("tables"):
            import pandas as pd

            df = pd.DataFrame({c: pd.Series([], dtype=object) for c in (rule.columns or src.columns)})
            rows = np.zeros(0, np.int64)
        else:
            table = pa.concat_tables(st["tables"], promote_options="permissive")
            rows = np.concatenate(st["rows"])
            df = to_frame(table, src.format)
        return rule.dataset_result(src, validate(df, [build_expectation(rule.config)])[0], rows, df)


KINDS: dict[str, Kind] = {"map": Map(), "unique": Unique(), "rowcount": RowCount(), "numeric": Numeric(),
                          "schema": Schema(), "collect": Collect()}


def moments(x: np.ndarray) -> dict[str, Any]:
    n = int(x.size)
    if n == 0:
        return {"n": 0, "mean": 0.0, "m2": 0.0, "sum": 0.0, "min": math.inf, "max": -math.inf}
    mean = float(x.mean())
    return {"n": n, "mean": mean, "m2": float(((x - mean) ** 2).sum()), "sum": math.fsum(x.tolist()),
            "min": float(x.min()), "max": float(x.max())}


def mergemoments(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
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
