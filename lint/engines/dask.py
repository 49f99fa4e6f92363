"""The Dask engine (``--engine dask``): blocks linted on a dask.distributed cluster.

The contract is the process engine's: the main process cuts every input into blocks with the
readers (so row numbers and lines are exact), each block runs ``start``/``update`` with fresh
states in a task, and the states are merged with ``rule.merge`` in block order.  The merge is a
tree built while blocks stream in: on the workers, ordered binary subtrees of up to
``2**merge_height`` blocks (a binary counter: two finished subtrees of the same height are
merged, left before right); on the client, those subtrees in order as they complete.  Then
``finish`` runs on the client.  No rule knows which engine runs it.

What travels to the workers:

- the readers and rules, scattered once to every worker;
- per block, the reader's payload.  For an uncompressed local CSV/TSV/JSONL file that the workers
  can open, the bytes are not shipped: the payload names the file, byte offset and length (CSV:
  the reader's own ``blocks_by_range``; JSONL: ``_ranges.py``, with an xxh3 digest), and the worker reads
  the range itself (a file changed under the run is an error, never a wrong answer).  Parquet
  blocks are row-group numbers, read by the workers.
- inputs only this process can open (``memory://``; local paths a remote cluster cannot see)
  are parsed here and shipped as Arrow batches.

At most a few blocks per worker thread are in flight, so memory stays bounded on the client,
the scheduler and the workers whatever the input size.

Detached state (``lint/engines/shards.py``): for a rule that implements ``detach`` (near-duplicate,
conflicting-label, split-leakage: every row's band hashes and capped text), each block task
detaches the bulky part of its state, which stays on the worker as its own future, one per block
and rule; only the light state (per-row keys) enters the merge tree.  Before ``finish`` the rule
gets the parts' futures and a :class:`_DaskExecutor`, whose shuffles run as tasks on the workers
that hold the parts: band hashes partitioned by hash into ``shuffle_partitions`` pieces, candidate
pairs per partition, then the rows each chunk of pairs needs, joined on row number and verified
there.  Only pairs reach the client, which clusters them and writes the findings exactly as the
local engine does.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import operator
import os
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Iterator, Sequence

import distributed
from distributed.scheduler import KilledWorker

from ..errors import TrainlintError, UsageError
from ..rule import Rule
from .shards import Executor, detaches
from ..sources import Block, LineIndex
from ._ranges import _local_path, _Range, _rangeable, _ranged_blocks, _read_range, _rows_of, _stat_paths
from .base import Engine, EngineResult, finish_run, run_block

__all__ = ["DaskEngine", "_Range", "_ranged_blocks", "_read_range"]  # the last three: for the tests

#: filesystems that exist only in the process that made them
_PROCESS_LOCAL = ("memory://",)


@dataclass
class _Job:
    """What every task needs besides its block: scattered once to each worker."""

    readers: dict[int, Any]
    rules: list[Rule]
    #: rules whose bulky state is detached per block (lint/engines/shards.py)
    detached: list[int] = field(default_factory=list)


@dataclass
class _Parsed:
    """A block parsed in the main process (its file cannot be opened on the workers)."""

    batches: list


class _ParsedReader:
    """Stands in for a reader whose block arrives already parsed."""

    def __init__(self, info, has_lines: bool) -> None:
        self.info = info
        self.has_lines = has_lines

    def parse(self, block: Block):
        yield from block.payload.batches


@dataclass
class _Partial:
    """The merged result of consecutive blocks: rule states, findings, line index, record counts."""

    states: list
    findings: list
    lines: dict[int, LineIndex] = field(default_factory=dict)
    records: dict[int, int] = field(default_factory=dict)
    #: a block's detached parts (job.detached order), until split off by ``_light``/``_part``
    parts: list | None = None


# -- tasks (run on the workers) --------------------------------------------------------------------

def _leaf(job: _Job, block: Block) -> _Partial:
    reader = job.readers[block.source_index]
    if isinstance(block.payload, _Range):
        block = _read_range(block)
    elif isinstance(block.payload, _Parsed):
        reader = _ParsedReader(reader.info, reader.has_lines)
    res = run_block(reader, block, job.rules, fresh=True)
    idx = LineIndex()
    idx.add(res.line_rows, res.line_lines)
    parts = [job.rules[k].detach(res.states[k]) for k in job.detached]
    return _Partial(res.states, res.findings, {res.source_index: idx}, {res.source_index: res.records}, parts)


def _light(p: _Partial) -> _Partial:
    return _Partial(p.states, p.findings, p.lines, p.records)


def _part(p: _Partial, q: int):
    return p.parts[q]


def _reduce(fn, pieces: list, args: tuple):
    return fn(pieces, *args)


class _DaskExecutor(Executor):
    """Shuffles over parts held on the workers (``lint/engines/shards.py``): ``split`` runs where each
    part is, its pieces are picked by small getitem tasks, and only ``reduce``'s results are
    gathered."""

    def __init__(self, client, token: str, width: int, partitions: int) -> None:
        self.client = client
        self.token = token
        self.width = width
        self.partitions = partitions
        self._n = itertools.count()

    def shuffle(self, handles, split, split_args, n, reduce, reduce_args, sources=None) -> list:
        c_, t = self.client, f"{self.token}-{next(self._n)}"
        needed = set(range(len(handles))) if sources is None else {k for ks in sources for k in ks}
        t = f"{split.__name__.strip('_')}-{t}"  # names the shuffle in the task stream
        splits = {k: c_.submit(split, handles[k], *split_args[k], key=f"trainlint-split-{t}-{k}", pure=False)
                  for k in sorted(needed)}
        out = []
        for c in range(n):
            ks = range(len(handles)) if sources is None else sources[c]
            pieces = [c_.submit(operator.getitem, splits[k], c, key=f"trainlint-piece-{t}-{k}-{c}", pure=False)
                      for k in ks]
            out.append(c_.submit(_reduce, reduce, pieces, reduce_args[c], key=f"trainlint-reduce-{t}-{c}",
                                 pure=False))
        return c_.gather(out)

    def gather(self, handles) -> list:
        return self.client.gather(list(handles))


def _combine(job: _Job, a: _Partial, b: _Partial) -> _Partial:
    """``a`` then ``b``, in row order.  ``a`` is consumed: its task output is released after this."""
    states = [rule.merge(sa, sb) for rule, sa, sb in zip(job.rules, a.states, b.states)]
    a.findings.extend(b.findings)
    for src, idx in b.lines.items():
        if src in a.lines:
            a.lines[src].merge(idx)
        else:
            a.lines[src] = idx
    for src, n in b.records.items():
        a.records[src] = a.records.get(src, 0) + n
    return _Partial(states, a.findings, a.lines, a.records)


def _one_arrow_thread() -> None:
    """One worker process per core already: Arrow's own thread pools would oversubscribe the cores."""
    import pyarrow as pa

    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)


# -- the engine (runs on the client) ---------------------------------------------------------------

class DaskEngine(Engine):
    """Run on the Dask cluster at ``scheduler`` (an address such as ``tcp://host:8786``, or a
    ``distributed.Client``), else on a LocalCluster of ``n_workers`` processes (default: one
    per CPU) started for the run and closed after it.

    ``read_on_workers``: let workers read byte ranges of local text files themselves instead of
    receiving the bytes.  Default: yes on a LocalCluster, and on a remote cluster when every
    worker sees every local input with the same size.

    ``shuffle_partitions``: partitions of the band-hash shuffle of the rules that detach their
    state (default: two per worker thread); ``detach=False`` merges their whole state into the
    client instead, as the process engine does.

    ``write_on_workers``: write the cleaned copy on the workers of a cluster this engine did not
    start (they must see the output folder at the same path); on its own LocalCluster it always
    does.  ``with engine: ...`` keeps one cluster for several runs and the writing.

    ``merge_height``: blocks are merged on the workers in ordered subtrees of ``2**merge_height``
    blocks, which the client then merges in order as they complete.  Small states (counters)
    cross the network once per subtree instead of once per block, while no worker ever holds
    more than one subtree's state (a whole-dataset state would otherwise sit on one worker and
    again on the client).
    """

    name = "dask"

    def __init__(self, scheduler: str | distributed.Client | None = None, n_workers: int | None = None,
                 read_on_workers: bool | None = None, blocks_in_flight: int | None = None,
                 merge_height: int = 3, shuffle_partitions: int | None = None, detach: bool = True,
                 write_on_workers: bool = False) -> None:
        self.scheduler = scheduler
        self.write_on_workers = write_on_workers
        self.shuffle_partitions = shuffle_partitions
        self.detach = detach
        self.merge_height = merge_height
        self.n_workers = n_workers
        self.read_on_workers = read_on_workers
        self.blocks_in_flight = blocks_in_flight

    # -- connection ------------------------------------------------------------------------------
    def _connect(self) -> tuple[distributed.Client, Callable[[], None], bool]:
        """(client, close, own cluster?)"""
        if isinstance(self.scheduler, distributed.Client):
            return self.scheduler, lambda: None, False
        if self.scheduler:
            try:
                client = distributed.Client(self.scheduler, timeout="10s", set_as_default=False)
            except (OSError, TimeoutError) as e:
                raise UsageError(f"cannot reach the Dask scheduler at {self.scheduler} ({e}); check the "
                                 f"address (tcp://HOST:8786) and that the scheduler is running") from None
            return client, client.close, False
        n = self.n_workers or os.cpu_count() or 1
        cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", silence_logs=logging.ERROR)
        client = distributed.Client(cluster, set_as_default=False)
        client.run(_one_arrow_thread)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close, True

    # -- the run ---------------------------------------------------------------------------------
    # -- a session: one cluster for the run and the writing of its outputs ----------------------
    def __enter__(self) -> DaskEngine:
        self._session = self._connect()
        return self

    def __exit__(self, *exc) -> None:
        session, self._session = getattr(self, "_session", None), None
        if session:
            session[1]()

    @contextlib.contextmanager
    def _connected(self):
        session = getattr(self, "_session", None)
        client, close, own = session or self._connect()
        try:
            yield client, own
        except KilledWorker as e:
            raise TrainlintError(
                f"the Dask cluster lost the workers running a task too many times ({e}); the run was "
                f"abandoned and nothing was written. A worker that exceeds its memory limit is restarted: "
                f"give workers more memory or lower --jobs") from None
        except distributed.comm.CommClosedError as e:
            raise TrainlintError(f"lost the connection to the Dask scheduler ({e}); the run was "
                                 f"abandoned and nothing was written") from None
        finally:
            if session is None:
                close()

    def run(self, specs, rules: Sequence[Rule], progress: Callable[[int], None] | None = None) -> EngineResult:
        with self._connected() as (client, own):
            return self._run(client, own, specs, rules, progress)

    def tasks(self, fn: Callable, calls: list[tuple]) -> list:
        """``[fn(*args) for args in calls]``, one task each on the workers (the cleaned copy: one
        per input file).  On a cluster this engine did not start, where the workers may not see
        this machine's output folder, they run here unless ``write_on_workers``."""
        with self._connected() as (client, own):
            if not (own or self.write_on_workers):
                return [fn(*args) for args in calls]
            token = uuid.uuid4().hex[:12]
            futures = [client.submit(fn, *args, key=f"trainlint-write-{token}-{k}", pure=False)
                       for k, args in enumerate(calls)]
            try:
                return client.gather(futures)
            except BaseException:
                client.cancel(futures)
                _wait_stopped(client, f"trainlint-write-{token}")
                raise

    def _run(self, client, own: bool, specs, rules: list[Rule], progress) -> EngineResult:
        token = uuid.uuid4().hex[:12]
        readers = {s.info.index: s.reader for s in specs}
        visible = self._workers_see(client, own, specs)
        detached = [k for k, r in enumerate(rules) if self.detach and detaches(r)]
        job = client.scatter(_Job(readers, rules, detached), broadcast=True, hash=False)
        here = _Job({}, rules)  # for the merges on the client
        threads = sum(client.nthreads().values()) or 1
        parts: list[list] = [[] for _ in detached]  # per detached rule: one future per block
        limit = self.blocks_in_flight or max(4, 3 * threads)
        top = max(0, int(self.merge_height))
        stack: list[tuple[int, distributed.Future]] = []  # open subtrees, oldest first: (height, future)
        sealed: deque = deque()  # subtrees of 2**top blocks, in order, for the client to absorb
        inflight: deque = deque()
        acc: _Partial | None = None
        n = 0

        def settle(f) -> None:
            if f.exception() is not None:  # waits without fetching the result
                f.result()  # raises the task's exception here, with its traceback

        def absorb(f) -> None:
            nonlocal acc
            part: _Partial = f.result()
            if progress:
                progress(sum(part.records.values()))
            acc = part if acc is None else _combine(here, acc, part)

        try:
            for spec in specs:
                for block, _rows in self._blocks(spec, visible):
                    f = client.submit(_leaf, job, block, key=f"trainlint-block-{token}-{n}", pure=False)
                    if detached:  # the parts stay on the worker; only the light states merge
                        for q in range(len(detached)):
                            parts[q].append(client.submit(_part, f, q, key=f"trainlint-part-{token}-{n}-{q}",
                                                          pure=False))
                        f = client.submit(_light, f, key=f"trainlint-light-{token}-{n}", pure=False)
                    n += 1
                    inflight.append(f)
                    height = 0
                    while height < top and stack and stack[-1][0] == height:
                        _, left = stack.pop()
                        f = client.submit(_combine, job, left, f, key=f"trainlint-merge-{token}-{n}",
                                          pure=False)
                        n += 1
                        height += 1
                    # heights on the stack fall strictly from oldest to newest, so a full subtree
                    # leaves the stack empty: sealed subtrees stay in block order
                    if height == top:
                        sealed.append(f)
                    else:
                        stack.append((height, f))
                    while len(inflight) > limit:
                        settle(inflight.popleft())
                    while len(sealed) > 1:
                        absorb(sealed.popleft())
            while sealed:
                absorb(sealed.popleft())
            for _, f in stack:
                absorb(f)
            stack.clear()
        except BaseException:
            # stop the rest of this run's tasks; the futures are released as they go out of scope
            try:
                client.cancel(list(inflight) + list(sealed) + [f for _, f in stack]
                              + [f for ps in parts for f in ps])
            except Exception:  # pragma: no cover - the cluster may already be gone
                pass
            raise
        states = acc.states if acc else [r.start() for r in rules]
        findings = acc.findings if acc else []
        line_index = {s.info.index: LineIndex() for s in specs}
        rows_by_source = {s.info.index: 0 for s in specs}
        if acc:
            line_index.update(acc.lines)
            rows_by_source.update(acc.records)
        if detached:
            ex = _DaskExecutor(client, token, threads, self.shuffle_partitions or 2 * threads)
            for q, k in enumerate(detached):
                rules[k].attach(states[k], parts[q], ex)
        return finish_run(rules, states, [s.info for s in specs], findings, rows_by_source, line_index)

    # -- which files the workers can open --------------------------------------------------------
    def _workers_see(self, client, own: bool, specs) -> dict[int, bool]:
        """source index -> whether every worker can open the input itself."""
        out: dict[int, bool] = {}
        local: list[tuple[int, str]] = []
        for s in specs:
            path = s.reader.path
            if s.info.format == "dataframe" or path.startswith(_PROCESS_LOCAL):
                out[s.info.index] = False
            elif "://" in path and not path.startswith("file://"):
                out[s.info.index] = True  # s3://, gs://: workers need the filesystem package too
            else:
                local.append((s.info.index, _local_path(path)))
        if not local:
            return out
        if own:  # a LocalCluster shares this machine's files
            out.update((i, True) for i, _ in local)
            return out
        paths = [p for _, p in local]
        mine = _stat_paths(paths)
        try:
            theirs = list(client.run(_stat_paths, paths).values())
        except Exception:  # an old or locked-down cluster: ship the data, it always works
            theirs = [[None] * len(paths)]
        for k, (i, _p) in enumerate(local):
            out[i] = self.read_on_workers is not False and mine[k] is not None and all(
                t[k] == mine[k] for t in theirs)
        return out

    def _blocks(self, spec, visible: dict[int, bool]) -> Iterator[tuple[Block, int]]:
        """The reader's blocks, each with its record count when known (for progress)."""
        reader = spec.reader
        sees = visible.get(spec.info.index, False)
        if not sees and reader.info.format == "parquet":
            for block in reader.blocks():
                batches = list(reader.parse(block))
                yield Block(block.source_index, block.first_row, _Parsed(batches)), sum(
                    len(b.rows) for b in batches)
            return
        if sees and self.read_on_workers is not False:
            by_range = getattr(reader, "blocks_by_range", None)
            if by_range is not None:  # the reader names byte ranges itself (CSV/TSV)
                for block in by_range():
                    yield block, _rows_of(block)
                return
            if _rangeable(reader):
                yield from _ranged_blocks(reader)
                return
        for block in reader.blocks():
            yield block, _rows_of(block)


def _wait_stopped(client, prefix: str, timeout: float = 60.0) -> None:
    """Cancelling does not stop a task already running in a worker's thread: wait (bounded) until
    no worker runs one of these any more, so that the caller's removal of their temporary files
    comes after their last write (a surviving writer otherwise left its temporary behind)."""
    import time

    def running(dask_worker, prefix=prefix):
        return [str(k) for k in dask_worker.state.tasks if str(k).startswith(prefix)]

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            left = client.run(running)
        except Exception:  # noqa: BLE001 - the cluster is going away: nothing more to wait for
            return
        if not any(left.values()):
            return
        time.sleep(0.1)
