"""What all engines share: running one block's batches through the rules, and finishing a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..context import BatchContext, RunContext, SourceInfo
from ..finding import Finding, Related
from ..rule import Rule
from ..sources import Block, LineIndex, Reader


@dataclass
class BlockResult:
    """What running one block yields; picklable, so a worker can send it back."""

    source_index: int
    states: list[Any]
    findings: list[Finding]
    line_rows: np.ndarray
    line_lines: np.ndarray | None
    records: int


@dataclass
class EngineResult:
    findings: list[Finding]
    stats: dict[str, Any]
    rows_by_source: dict[int, int]
    line_index: dict[int, LineIndex] = field(default_factory=dict)


def active_rules(rules: Sequence[Rule], info: SourceInfo) -> list[int]:
    return [k for k, r in enumerate(rules) if r.applies_to(info)]


def run_block(reader: Reader, block: Block, rules: Sequence[Rule], fresh: bool,
              states: list[Any] | None = None) -> BlockResult:
    """Parse a block and update every applicable rule.  ``fresh`` starts new states (a worker)."""
    info = reader.info
    if fresh or states is None:
        states = [r.start() for r in rules]
    active = active_rules(rules, info)
    findings: list[Finding] = []
    rows_parts, lines_parts = [], []
    records = 0
    for batch in reader.parse(block):
        ctx = BatchContext(info, batch.table, batch.rows, batch.invalid)
        records += len(batch.rows) + len(batch.invalid)
        if batch.lines is not None or batch.invalid:
            r = batch.rows
            ln = batch.lines if batch.lines is not None else np.zeros(len(r), np.int64)
            if batch.invalid:
                r = np.concatenate([r, np.array([i.row for i in batch.invalid], np.int64)])
                ln = np.concatenate([ln, np.array([i.line or 0 for i in batch.invalid], np.int64)])
                order = np.argsort(r, kind="stable")
                r, ln = r[order], ln[order]
            rows_parts.append(r)
            lines_parts.append(ln)
        for k in active:
            out = rules[k].update(ctx, states[k])
            if out:
                findings.extend(out)
    line_rows = np.concatenate(rows_parts) if rows_parts else np.zeros(0, np.int64)
    line_lines = np.concatenate(lines_parts) if lines_parts and reader.has_lines else None
    return BlockResult(info.index, states, findings, line_rows, line_lines, records)


def finish_run(rules: Sequence[Rule], states: list[Any], sources: list[SourceInfo],
               findings: list[Finding], rows_by_source: dict[int, int],
               line_index: dict[int, LineIndex]) -> EngineResult:
    run = RunContext(sources=list(sources), rows_by_source=dict(rows_by_source))
    stats: dict[str, Any] = {}
    for rule, state in zip(rules, states):
        out = rule.finish(state, run)
        if out:
            findings.extend(out)
        st = rule.stats(state, run)
        if st:
            stats[rule.name] = st
    by_path = {s.path: s.index for s in sources}
    findings = [_locate(f, by_path, line_index) for f in findings]
    order = {s.path: s.index for s in sources}
    findings.sort(key=lambda f: f.sort_key(order))
    return EngineResult(findings, stats, dict(rows_by_source), line_index)


def _locate(f: Finding, by_path: dict[str, int], line_index: dict[int, LineIndex]) -> Finding:
    """Put physical lines on a finding and its related rows, and fill ``{related}`` in the message."""
    line = f.line
    if line is None and f.row is not None and f.source in by_path:
        idx = line_index.get(by_path[f.source])
        line = idx.line(f.row) if idx else None
    related = tuple(
        Related(r.source, r.row, r.line if r.line is not None else (
            line_index[by_path[r.source]].line(r.row) if r.source in by_path and line_index.get(by_path[r.source]) else None))
        for r in f.related)
    if line == f.line and related == f.related and "{related}" not in f.message:
        return f
    out = f.with_line(line, related)
    if "{related}" in out.message and related:
        r = related[0]
        loc = f"{r.source}:{r.line}" if r.line is not None else f"{r.source} row {r.row}"
        from dataclasses import replace

        out = replace(out, message=out.message.replace("{related}", loc))
    return out


class Engine:
    name = "base"

    def run(self, specs, rules: Sequence[Rule], progress: Callable[[int], None] | None = None) -> EngineResult:
        raise NotImplementedError


def run_rules(specs, rules: Sequence[Rule], engine: "Engine | None" = None,
              progress: Callable[[int], None] | None = None) -> EngineResult:
    if engine is None:
        from .local import LocalEngine

        engine = LocalEngine()
    return engine.run(specs, rules, progress)
