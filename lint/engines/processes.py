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
from ..sources import BlockMiscount, LineIndex
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


def _blocks(specs, start: int, resume):
    """(spec position, block) from ``specs[start]`` on; that one resumed exactly at ``resume``."""
    for at in range(start, len(specs)):
        reader = specs[at].reader
        if at == start and resume is not None:
            blocks = reader.resume_blocks(resume, ranged=True)
        else:
            blocks = reader.quick_blocks(ranged=True)
        for block in blocks:
            yield at, block


#: blocks per worker the process engine aims at: the last block of a slow rule set (language ID
#: runs ~50 µs a row, so one 8 MiB block of short texts takes seconds) then keeps one worker busy
#: while the others wait only for a small share of the run
BLOCKS_PER_WORKER = 8
#: ... but no smaller than this: each block costs a task, fresh rule states and a merge
MIN_BLOCK_BYTES = 1 << 20


def balance_blocks(specs, jobs: int) -> None:
    """Smaller blocks for inputs too small to give every worker several: readers of ``specs``
    cut blocks of at most total bytes / (``BLOCKS_PER_WORKER`` x ``jobs``), never less than
    ``MIN_BLOCK_BYTES`` and never more than they were asked for.  Findings do not depend on
    where blocks are cut."""
    import os
    from dataclasses import replace

    total = 0
    for spec in specs:
        try:
            total += os.path.getsize(spec.reader.path)
        except (OSError, TypeError, AttributeError):
            return  # an in-memory or remote input: keep the blocks as they are
    size = max(MIN_BLOCK_BYTES, total // (BLOCKS_PER_WORKER * jobs))
    for spec in specs:
        opts = spec.reader.options
        if size < opts.block_bytes:
            spec.reader.options = replace(opts, block_bytes=size)


def _work(block):
    return run_block(_READERS[block.source_index], block, _RULES, fresh=True)


class ProcessEngine(Engine):
    name = "processes"

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, int(jobs))

    def run(self, specs, rules: Sequence[Rule], progress: Callable[[int], None] | None = None) -> EngineResult:
        balance_blocks(specs, self.jobs)
        states = [r.start() for r in rules]
        findings = []
        rows_by_source: dict[int, int] = {s.info.index: 0 for s in specs}
        line_index: dict[int, LineIndex] = {s.info.index: LineIndex() for s in specs}
        readers = {s.info.index: s.reader for s in specs}
        ctx = _forkserver.context()
        with ProcessPoolExecutor(self.jobs, mp_context=ctx, initializer=_init,
                                 initargs=(readers, list(rules))) as pool:
            pending: deque = deque()  # (spec position, future), in block order

            def drain_one() -> None:
                at, fut = pending.popleft()
                try:
                    res = fut.result()
                except BlockMiscount as e:
                    e.spec = at
                    raise
                merge_results(rules, states, res, findings, line_index, rows_by_source)
                if progress:
                    progress(res.records)

            start, resume = 0, None
            while True:
                # cutting blocks (NumPy, GIL released) overlaps with merging the workers' results;
                # workers read their blocks' bytes from the file when the reader names ranges
                ahead = read_ahead(_blocks(specs, start, resume))
                try:
                    for at, block in ahead:
                        pending.append((at, pool.submit(_work, block)))
                        while len(pending) > 2 * self.jobs:
                            drain_one()
                    while pending:
                        drain_one()
                    break
                except BlockMiscount as e:
                    # every block after this one was numbered from a wrong count: drop them
                    # (workers keep no state) and go on from it, that file cut exactly
                    ahead.close()
                    for _, fut in pending:
                        fut.cancel()
                    pending.clear()
                    start, resume = e.spec, e.at
        return finish_run(rules, states, [s.info for s in specs], findings, rows_by_source, line_index)
