"""Blocks run with fresh states and merged in order, in this process.

It is the process engine without processes: tests use it to prove that a rule's ``merge`` gives
the same findings as streaming, and the Dask engine shares its merge step.  With ``shuffle=P``
it also detaches the rules' bulky state per block and finishes through an in-process executor
with ``P`` shuffle partitions and pieces of at least ``min_piece`` pairs (``lint/engines/shards.py``), as the Dask engine does on its workers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..rule import Rule
from ..sources import LineIndex
from .base import BlockResult, Engine, EngineResult, finish_run, run_block


def merge_results(rules: Sequence[Rule], states: list, res: BlockResult, findings: list,
                  line_index: dict, rows_by_source: dict) -> None:
    for k, rule in enumerate(rules):
        states[k] = rule.merge(states[k], res.states[k])
    findings.extend(res.findings)
    line_index.setdefault(res.source_index, LineIndex()).add(res.line_rows, res.line_lines)
    rows_by_source[res.source_index] = rows_by_source.get(res.source_index, 0) + res.records


class PartitionedEngine(Engine):
    name = "partitioned"

    def __init__(self, shuffle: int | None = None, min_piece: int = 1000) -> None:
        self.shuffle = shuffle
        self.min_piece = min_piece

    def run(self, specs, rules: Sequence[Rule], progress: Callable[[int], None] | None = None) -> EngineResult:
        import pickle

        from .shards import InProcessExecutor, detaches

        states = [r.start() for r in rules]
        detached = [k for k, r in enumerate(rules) if self.shuffle and detaches(r)]
        parts: dict[int, list] = {k: [] for k in detached}
        findings: list = []
        rows_by_source: dict[int, int] = {s.info.index: 0 for s in specs}
        line_index: dict[int, LineIndex] = {s.info.index: LineIndex() for s in specs}
        for spec in specs:
            for block in spec.reader.blocks():
                res = run_block(spec.reader, block, rules, fresh=True)
                for k in detached:
                    parts[k].append(pickle.loads(pickle.dumps(rules[k].detach(res.states[k]))))
                # states must survive a trip to another process
                res = pickle.loads(pickle.dumps(res))
                merge_results(rules, states, res, findings, line_index, rows_by_source)
        executor = InProcessExecutor(self.shuffle or 1, width=self.shuffle or 1, min_piece=self.min_piece)
        return finish_run(rules, states, [s.info for s in specs], findings, rows_by_source, line_index,
                          {k: (executor, parts[k]) for k in detached})
