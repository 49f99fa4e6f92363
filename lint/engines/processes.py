"""The process engine (``--jobs N``): blocks linted in this process and in worker processes.

Every block goes down one lane, and results are merged in block order (which is what makes the
findings identical to the local engine's):

- the **local lane**, the local engine's pipeline: blocks parsed on two threads while this
  process's main thread runs the rules on the states in place;
- the **worker lane**: worker processes each parse and lint whole blocks with fresh rule
  states, which this process merges.  Blocks of plain files travel as byte ranges.

Workers only pay when the rules cost much more than parsing.  On two cores, one process already
keeps both busy with cheap rules (nulls, exact duplicates: parsing and rules take about as long),
and workers add their start-up, the shipping of results and a main process that cuts and
merges: measured 0.7x of one process.  With the default rules (language ID, near-duplicates:
~100x the parse) they give ~1.6x.  So by default (``workers_after=None``) a run starts in the
local lane and times parsing and rules there (CPU seconds of their threads; the first block is
left out, it pays the rules' one-off set-up).  Once ``(parse + rules) / N x WORKER_OVERHEAD``
beats the local lane's time (the rules' thread, the parsing threads, or all of it spread over
the cores) and enough input is left, ``N - 1`` workers start, and this process becomes the
``N``-th: each block still to cut goes to the workers while they have fewer than two each
queued, and is linted here otherwise (with fresh states, merged in its turn), so no core waits
while the workers start or catch up.  Until the timing can tell, the local lane holds one block
ahead only, so that little is left in it when the workers take over.

``workers_after=0`` (the ``processes`` engine, and the tests) sends every block to ``N``
workers and this process only cuts and merges; ``k`` switches once ``k`` local blocks are
linted, whatever the timing (the few already queued locally stay there).  In flight at once:
the read-ahead's two cut blocks, plus at most ``PARSE_THREADS + 2`` local blocks or ``2 * N + 2``
blocks after the switch, so memory stays bounded.
"""

from __future__ import annotations

import os
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from collections.abc import Callable, Sequence

from ..rule import Rule
from ..sources import Block, BlockMiscount, LineIndex
from . import _forkserver
from .base import PARSE_THREADS, Engine, EngineResult, finish_run, prepared, read_ahead, run_block
from .partitioned import merge_results

_READERS: dict = {}
_RULES: list = []

#: a block costs a worker this much more CPU than the local lane (reading its range, fresh
#: states, pickling the results, and the main process cutting and merging beside two workers):
#: measured 1.25-1.35 on the 1M-row benchmark
WORKER_OVERHEAD = 1.3
#: the local lane's time still ahead must be at least this for workers to be started: starting
#: them (a fork server is usually up already) and their first block cost ~0.3-0.5 s
MIN_WORKER_SECONDS = 1.0


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
    from dataclasses import replace

    total = input_bytes(specs)
    if total is None:
        return  # an in-memory or remote input: keep the blocks as they are
    size = max(MIN_BLOCK_BYTES, total // (BLOCKS_PER_WORKER * jobs))
    for spec in specs:
        opts = spec.reader.options
        if size < opts.block_bytes:
            spec.reader.options = replace(opts, block_bytes=size)


def input_bytes(specs) -> int | None:
    """The inputs' size on disk, None when one of them is not a local file."""
    from ..sources.filerange import local_path

    total = 0
    for spec in specs:
        try:
            total += os.path.getsize(local_path(spec.reader.path))
        except (OSError, TypeError, AttributeError):
            return None
    return total


def _range_bytes(block: Block) -> int:
    """Bytes of a plain file a block covers when it travels as a byte range, else 0 (compressed,
    JSON-array and Parquet blocks do not tell how much of their file they cover)."""
    length = getattr(block.payload, "length", None)
    return int(length) if length is not None else 0


def _bytes_left(specs, at: int, block: Block) -> int | None:
    """Input bytes after ``block`` (of ``specs[at]``), from its byte range and the later files'
    sizes; None when the block is not a byte range (then nothing is known)."""
    from ..sources.filerange import local_path

    r = block.payload
    if getattr(r, "length", None) is None:
        return None
    try:
        left = os.path.getsize(r.path) - (r.offset + r.length)
        for spec in specs[at + 1:]:
            left += os.path.getsize(local_path(spec.reader.path))
    except (OSError, TypeError, AttributeError):
        return None
    return left


def _work(block):
    return run_block(_READERS[block.source_index], block, _RULES, fresh=True)


def _parse_local(reader, block: Block, maps: _Maps) -> tuple[list, float]:
    """A block parsed on a local-lane thread, with that thread's CPU seconds for it.  (CPU time,
    not wall time: the wall time of one lane counts its waits for the other's GIL.  The readers
    ask pyarrow to parse on the calling thread, so its work is counted here.)"""
    t = time.thread_time()
    contexts = [prepared(reader.info, b) for b in reader.parse(maps.in_place(block))]
    return contexts, time.thread_time() - t


class _Maps:
    """Memory maps of the plain files whose byte ranges the local lane parses: a quick block is
    parsed in place, as the local engine does, instead of read into a copy (~2 ms per 8 MiB
    block).  Once a block is linted, the pages up to its end are dropped from this process (a
    page an earlier block's parse still reads is then read back from the page cache)."""

    def __init__(self) -> None:
        import threading

        self._maps: dict[str, object] = {}
        self._lock = threading.Lock()

    def in_place(self, block: Block) -> Block:
        from ..sources.filerange import FileRange, map_plain_file

        r = block.payload
        if not isinstance(r, FileRange) or len(r.rest) != 1:  # only quick blocks parse from a view
            return block
        with self._lock:
            if r.path not in self._maps:
                self._maps[r.path] = map_plain_file(r.path, "utf-8")
            mapped = self._maps[r.path]
        if mapped is None or r.offset + r.length > len(mapped.view):
            return block
        return Block(block.source_index, block.first_row, (mapped.view[r.offset:r.offset + r.length],) + r.rest)

    def done(self, block: Block) -> None:
        r = block.payload
        mapped = self._maps.get(getattr(r, "path", None))
        if mapped is not None:
            mapped.release(r.offset + r.length)

    def close(self) -> None:
        self._maps.clear()  # the maps close when the views on them are gone


@dataclass
class _Timing:
    """CPU seconds the local lane spent parsing and in the rules, over the blocks after the first."""

    blocks: int = 0
    parse: float = 0.0
    rules: float = 0.0
    nbytes: int = 0

    def add(self, parse: float, rules: float, nbytes: int) -> None:
        self.blocks += 1
        if self.blocks > 1:  # the first block pays the rules' set-up (imports, model loads)
            self.parse += parse
            self.rules += rules
            self.nbytes += nbytes

    def workers_pay(self, jobs: int, remaining_bytes: int | None) -> bool:
        """Whether ``jobs`` workers would lint faster than the local lane, and enough input is left
        to make up for starting them (``remaining_bytes`` None: unknown, taken as enough)."""
        if self.blocks < 2:
            return False
        # the local lane: the rules on this thread, parsing on PARSE_THREADS others, all sharing
        # the cores; workers: every block parsed and linted whole, one per core
        p, r = self.parse, self.rules
        local = max(r, p / PARSE_THREADS, (p + r) / min(jobs, PARSE_THREADS + 1))
        if local <= 0 or (p + r) / jobs * WORKER_OVERHEAD >= local:
            return False
        if remaining_bytes is None or not self.nbytes:
            return True
        return local / self.nbytes * remaining_bytes >= MIN_WORKER_SECONDS


class ProcessEngine(Engine):
    name = "processes"

    def __init__(self, jobs: int, workers_after: int | None = None) -> None:
        self.jobs = max(1, int(jobs))
        self.workers_after = workers_after
        #: blocks each lane ran in the last run: {"local": n, "workers": m}
        self.lanes: dict[str, int] = {}

    def run(self, specs, rules: Sequence[Rule], progress: Callable[[int], None] | None = None) -> EngineResult:
        balance_blocks(specs, self.jobs)
        states = [r.start() for r in rules]
        findings: list = []
        rows_by_source: dict[int, int] = {s.info.index: 0 for s in specs}
        line_index: dict[int, LineIndex] = {s.info.index: LineIndex() for s in specs}
        readers = {s.info.index: s.reader for s in specs}
        timing = _Timing()
        lanes = {"local": 0, "workers": 0}
        self.lanes = lanes
        pool: ProcessPoolExecutor | None = None
        parse_pool = ThreadPoolExecutor(PARSE_THREADS, thread_name_prefix="trainlint-parse")
        maps = _Maps()

        # with workers for every block this process only cuts and merges; when it switched to
        # them, it is one of the ``jobs``: it lints a block itself whenever the workers are busy
        helps = self.workers_after != 0
        n_workers = max(1, self.jobs - 1) if helps else self.jobs
        in_workers = [0]  # blocks submitted to the workers and not merged yet

        def start_workers() -> None:
            nonlocal pool
            pool = ProcessPoolExecutor(n_workers, mp_context=_forkserver.context(), initializer=_init,
                                       initargs=(readers, list(rules)))

        def inline(block: Block) -> Future:
            """A block linted here, now, with fresh states (earlier blocks may still be with the
            workers), merged in its turn like theirs."""
            fut: Future = Future()
            try:
                fut.set_result(run_block(readers[block.source_index], maps.in_place(block), rules, fresh=True))
            except Exception as e:  # noqa: BLE001 - raised in its turn, as the workers' errors are
                fut.set_exception(e)
            maps.done(block)
            return fut

        def to_workers(at: int, block: Block) -> bool:
            if pool is None:
                if self.workers_after is None:
                    wanted = timing.workers_pay(self.jobs, _bytes_left(specs, at, block))
                else:
                    wanted = timing.blocks >= self.workers_after
                if not wanted:
                    return False
                start_workers()
            # from here on blocks go to the workers (queued while they start), or are linted here
            # when the workers have enough queued
            return True

        def finish_one(pending: deque) -> None:
            at, lane, fut, block = pending.popleft()
            try:
                out = fut.result()
            except BlockMiscount as e:
                e.spec = at
                raise
            finally:
                if lane == "workers":
                    in_workers[0] -= 1
            if lane != "local":
                res = out
                merge_results(rules, states, res, findings, line_index, rows_by_source)
            else:
                # every earlier block is merged by now, so the rules update the states in place
                contexts, parse_s = out
                t = time.thread_time()
                res = run_block(readers[block.source_index], block, rules, fresh=False, states=states,
                                contexts=contexts)
                timing.add(parse_s, time.thread_time() - t, _range_bytes(block))
                maps.done(block)
                findings.extend(res.findings)
                line_index[res.source_index].add(res.line_rows, res.line_lines)
                rows_by_source[res.source_index] += res.records
            lanes["workers" if lane == "workers" else "local"] += 1
            if progress:
                progress(res.records)

        try:
            start, resume = 0, None
            while True:
                # cutting blocks (NumPy, GIL released) overlaps with the rules and merging here;
                # workers read their blocks' bytes from the file when the reader names ranges
                ahead = read_ahead(_blocks(specs, start, resume))
                pending: deque = deque()  # (spec position, lane, future, block), in block order
                try:
                    for at, block in ahead:
                        if not to_workers(at, block):
                            reader = specs[at].reader
                            pending.append((at, "local", parse_pool.submit(_parse_local, reader, block, maps), block))
                        elif not helps or in_workers[0] < 2 * n_workers:
                            pending.append((at, "workers", pool.submit(_work, block), None))
                            in_workers[0] += 1
                        else:
                            pending.append((at, "inline", inline(block), None))
                        if pool is not None:
                            limit = 2 * n_workers + 2
                        elif self.workers_after is None and timing.blocks < 2:
                            limit = 1  # until the timing can tell, hold no more local blocks than needed
                        else:
                            limit = PARSE_THREADS + 2  # as deep as the local engine's read-ahead
                        while pending and (len(pending) > limit or pending[0][2].done()):
                            finish_one(pending)
                    while pending:
                        finish_one(pending)
                    break
                except BaseException as e:
                    ahead.close()  # stops the cutting thread, whatever the error
                    if not isinstance(e, BlockMiscount):
                        raise
                    # every block after this one was numbered from a wrong count: drop them
                    # (workers keep no state; local blocks after it were not linted yet) and
                    # go on from it, that file cut exactly
                    for _, _lane, fut, _ in pending:
                        fut.cancel()
                    for _, lane, fut, _ in pending:
                        if lane == "local" and not fut.cancelled():
                            fut.exception()  # a parsing thread still reads the block: let it end
                    in_workers[0] = 0
                    start, resume = e.spec, e.at
        finally:
            parse_pool.shutdown(wait=True, cancel_futures=True)
            maps.close()
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        return finish_run(rules, states, [s.info for s in specs], findings, rows_by_source, line_index)
