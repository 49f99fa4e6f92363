"""The process engine (``--jobs N``): blocks parsed and linted in worker processes.

The main process only cuts inputs into blocks (cheap, vectorised) and merges the workers'
states in block order, which is what makes the findings identical to the local engine's.
At most ``2 * jobs`` blocks are in flight, so memory stays bounded.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Sequence

from ..rule import Rule
from ..sources import LineIndex
from .base import Engine, EngineResult, finish_run, run_block
from .partitioned import merge_results

_READERS: dict = {}
_RULES: list = []


def _init(readers, rules) -> None:
    global _READERS, _RULES
    _READERS = readers
    _RULES = rules


def _work(block):
    return run_block(_READERS[block.source_index], block, _RULES, fresh=True)


class ProcessEngine(Engine):
    name = "processes"

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, int(jobs))

    def run(self, specs, rules: Sequence[Rule], progress: Callable[[int], None] | None = None) -> EngineResult:
        states = [r.start() for r in rules]
        findings = []
        rows_by_source: dict[int, int] = {s.info.index: 0 for s in specs}
        line_index: dict[int, LineIndex] = {s.info.index: LineIndex() for s in specs}
        readers = {s.info.index: s.reader for s in specs}
        # forkserver: workers start clean (no inherited Arrow thread pools) but cheaply
        ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(self.jobs, mp_context=ctx, initializer=_init,
                                 initargs=(readers, list(rules))) as pool:
            pending: deque = deque()

            def drain_one() -> None:
                res = pending.popleft().result()
                merge_results(rules, states, res, findings, line_index, rows_by_source)
                if progress:
                    progress(res.records)

            for spec in specs:
                for block in spec.reader.blocks():
                    pending.append(pool.submit(_work, block))
                    while len(pending) > 2 * self.jobs:
                        drain_one()
            while pending:
                drain_one()
        return finish_run(rules, states, [s.info for s in specs], findings, rows_by_source, line_index)
