"""``trainlint export-gx``: what trainlint measured on a dataset, written as a GX 1.x suite.

The suite describes the data as trainlint reads it, which is how the bridge hands it to GX:
CSV/TSV fields are strings and an empty field is missing (``pandas.read_csv(path, dtype=str,
keep_default_na=False, na_values=[""])`` gives the same DataFrame).  Expectations written:

- ``expect_column_values_to_not_be_null`` for each text column and the label column
  (with ``mostly`` set to the measured share when some values are missing);
- ``expect_column_value_lengths_to_be_between`` with the measured bounds of each text column;
- ``expect_column_values_to_be_in_set`` with the label set (up to ``MAX_LABELS`` labels);
- ``expect_column_values_to_be_unique`` on an id column (``id``, ``uuid``, ``*_id``) whose values
  are all distinct;
- the dominant language, if a language rule reports one in its stats, as a note in ``meta``.
"""

from __future__ import annotations

import re
from typing import Any
from collections.abc import Iterable

import numpy as np

from ..rule import Rule

MAX_LABELS = 10_000
_ID_RE = re.compile(r"^(id|uuid|guid|.*[_-]id)$", re.IGNORECASE)


def _null_empty(arr: Any, csv: bool) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr) if csv else arr


class _Profile(Rule):
    """Measures what export-gx writes (internal; never registered)."""

    code = "XGX000"
    name = "gx-profile"

    def __init__(self, id_column: str | None = None) -> None:
        super().__init__()
        self.id_column = id_column

    def start(self) -> dict[str, Any]:
        return {"text": {}, "label": {}, "label_column": None, "id": None, "id_h": [], "labels_over": False}

    def update(self, batch: Any, state: dict[str, Any]) -> Iterable[Any]:
        import pyarrow.compute as pc

        from .. import hashing

        src = batch.source
        csv = src.format in ("csv", "tsv")
        for col in src.text_columns:
            if batch.column(col) is None:
                continue
            a = _null_empty(batch.string_column(col), csv)
            lens = pc.utf8_length(a).to_numpy(zero_copy_only=False)
            valid = np.asarray(a.is_valid().to_numpy(zero_copy_only=False), bool)
            lens = np.asarray(lens, dtype=float)[valid]
            st = state["text"].setdefault(col, [0, 0, None, None])
            st[0] += len(a)
            st[1] += int(valid.sum())
            if lens.size:
                lo, hi = int(lens.min()), int(lens.max())
                st[2] = lo if st[2] is None else min(st[2], lo)
                st[3] = hi if st[3] is None else max(st[3], hi)
        if src.label_column and batch.column(src.label_column) is not None:
            state["label_column"] = state["label_column"] or src.label_column
            a = _null_empty(batch.string_column(src.label_column), csv)
            st = state["label"]
            st["n"] = st.get("n", 0) + len(a)
            st["nonnull"] = st.get("nonnull", 0) + len(a) - a.null_count
            values = st.setdefault("values", {})
            for v in pc.unique(a.drop_null()).to_pylist():
                values[v] = 1
            if len(values) > MAX_LABELS:
                state["labels_over"] = True
                values.clear()
        id_col = self.id_column or next((c for c in batch.table.column_names if _ID_RE.match(c)), None)
        if id_col and batch.column(id_col) is not None and state["id"] in (None, id_col):
            state["id"] = id_col
            a = _null_empty(batch.string_column(id_col), csv)
            if a.null_count:
                state["id_h"].append(np.array([0, 0], np.uint64))  # a missing id: not unique
            state["id_h"].append(hashing.hash_strings(a.drop_null()))
        return ()

    def merge(self, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
        for col, sb in b["text"].items():
            sa = a["text"].setdefault(col, [0, 0, None, None])
            sa[0] += sb[0]
            sa[1] += sb[1]
            sa[2] = sb[2] if sa[2] is None else (sa[2] if sb[2] is None else min(sa[2], sb[2]))
            sa[3] = sb[3] if sa[3] is None else (sa[3] if sb[3] is None else max(sa[3], sb[3]))
        la, lb = a["label"], b["label"]
        la["n"] = la.get("n", 0) + lb.get("n", 0)
        la["nonnull"] = la.get("nonnull", 0) + lb.get("nonnull", 0)
        la.setdefault("values", {}).update(lb.get("values", {}))
        a["labels_over"] = a["labels_over"] or b["labels_over"] or len(la["values"]) > MAX_LABELS
        a["label_column"] = a["label_column"] or b["label_column"]
        a["id"] = a["id"] or b["id"]
        a["id_h"] = a["id_h"] + b["id_h"]
        return a

    def stats(self, state: dict[str, Any], run: Any) -> dict[str, Any]:
        h = np.concatenate(state["id_h"]) if state["id_h"] else np.zeros(0, np.uint64)
        state = dict(state)
        state["id_unique"] = bool(h.size) and np.unique(h).size == h.size
        state.pop("id_h")
        return state


def _language(stats: dict[str, Any]) -> str | None:
    """The dominant language a language rule reports in its stats, if any (best effort)."""
    for name, st in stats.items():
        if "lang" not in name or not isinstance(st, dict):
            continue
        for key in ("expected_language", "expected", "dominant_language", "dominant", "language"):
            if isinstance(st.get(key), str):
                return st[key]
        counts = st.get("languages") or st.get("counts")
        if isinstance(counts, dict) and counts:
            try:
                return max(counts, key=lambda k: counts[k])
            except TypeError:
                return None
    return None


def export_suite(data: Any, settings: Any = None, *, name: str | None = None,
                 id_column: str | None = None) -> dict:
    """A GX 1.x suite (its JSON dict) from what trainlint measured on ``data``."""
    from .._version import __version__
    from ..config import Settings
    from ..engines import get_engine
    from ..registry import all_rules
    from ..sources import ReadOptions, open_sources
    from ._gx import require_gx

    gx = require_gx()
    settings = settings or Settings()
    read = ReadOptions(encoding=settings.encoding, input_format=settings.input_format,
                       delimiter=settings.delimiter, header=settings.header)
    specs = open_sources(data, read, text=settings.text, label=settings.label,
                         split_column=settings.split_column, record_format=settings.format)
    profile = _Profile(id_column)
    rules: list[Rule] = [profile] + [r() for r in all_rules() if "language" in r.name]
    result = get_engine("local", 1).run(specs, rules)
    st = result.stats.get(profile.name) or profile.stats(profile.start(), None)
    exps: list[dict[str, Any]] = []

    def add(etype: str, **kwargs: Any) -> None:
        exps.append({"type": etype, "kwargs": kwargs, "meta": {"trainlint": "measured"}})

    for col, (n, nonnull, lo, hi) in st["text"].items():
        if nonnull:
            add("expect_column_values_to_not_be_null", column=col,
                **({} if nonnull == n else {"mostly": _floor(nonnull / n)}))
            add("expect_column_value_lengths_to_be_between", column=col, min_value=lo, max_value=hi)
    label = st["label_column"]
    if label and st["label"].get("nonnull"):
        n, nonnull = st["label"]["n"], st["label"]["nonnull"]
        add("expect_column_values_to_not_be_null", column=label,
            **({} if nonnull == n else {"mostly": _floor(nonnull / n)}))
        if not st["labels_over"]:
            add("expect_column_values_to_be_in_set", column=label, value_set=sorted(st["label"]["values"]))
    if st["id"] and st["id_unique"]:
        add("expect_column_values_to_be_unique", column=st["id"])
    meta: dict[str, Any] = {"trainlint": {"version": __version__,
                                          "measured_on": [s.info.path for s in specs],
                                          "csv_empty_field": "missing (null)"}}
    lang = _language(result.stats)
    if lang:
        meta["trainlint"]["expected_language"] = lang
        meta["notes"] = f"trainlint measured the text as mostly '{lang}'."
    suite_name = name or "trainlint-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", specs[0].info.path.rsplit("/", 1)[-1])
    suite = gx.ExpectationSuite(name=suite_name, expectations=exps, meta=meta)  # GX checks every one
    return suite.to_json_dict()


def _floor(x: float, digits: int = 4) -> float:
    f = 10 ** digits
    return float(np.floor(x * f) / f)
