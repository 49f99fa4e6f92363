"""The local engine: one process, streaming block by block, state updated in place."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..rule import Rule
from ..sources import LineIndex
from .base import Engine, EngineResult, finish_run, parsed_blocks, run_block


class LocalEngine(Engine):
    name = "local"

    def run(self, specs, rules: Sequence[Rule], progress: Callable[[int], None] | None = None) -> EngineResult:
        states = [r.start() for r in rules]
        findings = []
        rows_by_source: dict[int, int] = {}
        line_index: dict[int, LineIndex] = {}
        for spec in specs:
            idx = line_index.setdefault(spec.info.index, LineIndex())
            total = 0
            for block, contexts in parsed_blocks(spec.reader):
                res = run_block(spec.reader, block, rules, fresh=False, states=states, contexts=contexts)
                findings.extend(res.findings)
                idx.add(res.line_rows, res.line_lines)
                total += res.records
                if progress:
                    progress(res.records)
            rows_by_source[spec.info.index] = total
        return finish_run(rules, states, [s.info for s in specs], findings, rows_by_source, line_index)
