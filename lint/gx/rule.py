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

Each kind's update, merge and finish is a small class in ``kinds.py``; what an expectation is
(types, columns, severity, value formatting) lives in ``expectations.py``.
"""

from __future__ import annotations

import uuid
from typing import Any
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from ..errors import UsageError
from ..finding import Finding, Fix
from ..rule import Rule
from .expectations import (NUMERIC, ROW_COUNT, SCHEMA, UNIQUE, expectation_columns, jsonable, severity_of, short,
                           to_frame, values_at)
from .kinds import KINDS

# what other modules import from here
__all__ = ["Bridge", "ExpectationRule", "expectation_columns", "severity_of", "to_frame"]


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
        KINDS[self.kind].update(self, batch, st)
        return ()

    def merge(self, a: dict[int, dict[str, Any]], b: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
        for src, sb in b.items():
            if src not in a:
                a[src] = sb
                continue
            a[src] = KINDS[self.kind].merge(self, a[src], sb)
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
            out.extend(KINDS[self.kind].finish(self, src, st or {}))
        return out

    def failed(self, nonnull: int, unexpected: int) -> bool:
        """GX's rule: vacuously true without non-missing values, else the share must reach ``mostly``."""
        if unexpected == 0 or nonnull == 0:
            return False
        mostly = self.kw.get("mostly", 1.0)
        return (nonnull - unexpected) / nonnull < mostly

    def check_rows(self, n: int) -> None:
        """A collecting expectation holds a source's columns whole: past ``max_rows``, an error."""
        if n > self.max_rows:
            raise UsageError(f"{self.describe()} needs its column(s) whole in memory and a source has more "
                             f"than {self.max_rows:,} rows; raise [tool.trainlint.gx] max-rows or drop the "
                             f"expectation")

    def dataset_result(self, src: Any, res: Any, rows: np.ndarray | None = None,
                       df: Any = None) -> list[Finding]:
        """Findings from GX's result on a whole source: failing rows when GX names them, else one."""
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
            values = values_at(df, self.columns, idx) if df is not None else [None] * len(idx)
            cols = ", ".join(map(repr, self.columns))
            found = [self.finding(f"{self.etype} failed on {cols}: {short(v)}.", source=src.path,
                                  row=int(rows[i]), column=self.columns[0] if len(self.columns) == 1 else None)
                     for i, v in zip(idx, values)]
            return sorted(found, key=lambda f: f.row)
        observed = r.get("observed_value")
        return [self.finding(f"{self.etype} failed: observed {short(observed)}.", source=src.path,
                             n_rows=int(r.get("unexpected_count") or 0), fix=False,
                             column=self.columns[0] if len(self.columns) == 1 else None,
                             extra={"observed_value": jsonable(observed)})]
