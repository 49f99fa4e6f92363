"""The process engine (``--jobs N``): blocks parsed and linted in worker processes.

The main process only cuts inputs into blocks (cheap, vectorised) and merges the workers'
states in block order, which is what makes the findings identical to the local engine's.
At most ``2 * jobs`` blocks are in flight, so memory stays bounded.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ProcessPoolExecutor
from collections.abc import Callable, Sequence

from ..rule import Rule
from ..sources import LineIndex
from . import _forkserver
from .base import Engine, EngineResult, finish_run, read_ahead, run_block
from .partitioned import merge_results

_READERS: dict = {}
_RULES: list = []


def _init(readers, rules) -> None:
    global _READERS, _RULES
    # one worker per core already: Arrow's own thread pools would only oversubscribe the cores
    import pyarrow as pa

    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    _READERS = readers
    _RULES = rules


def _blocks(reader):
    """Blocks that name byte ranges when the reader can (workers read them from the file)."""
    by_range = getattr(reader, "blocks_by_range", None)
    return by_range() if by_range is not None else reader.blocks()


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
        ctx = _forkserver.context()
        with ProcessPoolExecutor(self.jobs, mp_context=ctx, initializer=_init,
                                 initargs=(readers, list(rules))) as pool:
            pending: deque = deque()

            def drain_one() -> None:
                res = pending.popleft().result()
                merge_results(rules, states, res, findings, line_index, rows_by_source)
                if progress:
                    progress(res.records)

            for spec in specs:
                # cutting blocks (NumPy, GIL released) overlaps with merging the workers' results
                for block in read_ahead(_blocks(spec.reader)):
                    pending.append(pool.submit(_work, block))
                    while len(pending) > 2 * self.jobs:
                        drain_one()
            while pending:
                drain_one()
        return finish_run(rules, states, [s.info for s in specs], findings, rows_by_source, line_index)
