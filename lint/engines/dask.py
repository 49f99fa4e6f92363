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
  can open, the bytes are not shipped: the payload names the file, byte offset and length (the
  reader's own ``blocks_by_range``), and the worker reads the range itself.  Parquet
  blocks are row-group numbers, read by the workers.
- inputs only this process can open (``memory://``; local paths a remote cluster cannot see)
  are parsed here and shipped as Arrow batches.

At most a few blocks per worker thread are in flight, so memory stays bounded on the client,
the scheduler and the workers whatever the input size.

Detached state (``lint/shuffle.py``, ``lint/engines/shards.py``): for a rule that declares a
keyed-shuffle finish (near-duplicate, conflicting-label, split-leakage: every row's band hashes and
capped text), each block task detaches the bulky part of its state, which stays on the worker as
its own future, one per block and rule; only the light state (per-row keys) enters the merge tree.
The rule's ``finish`` runs with the parts' futures and a :class:`DaskExecutor` supplied, whose
shuffles run the rule's functions as tasks on the workers that hold the parts: band hashes partitioned by hash into ``shuffle_partitions`` pieces, candidate
pairs per partition, then the rows each chunk of pairs needs, joined on row number and verified
there.  Only pairs reach the client, which clusters them and writes the findings exactly as the
local engine does.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence

import distributed
from distributed.scheduler import KilledWorker

from ..errors import TrainlintError, UsageError
from ..rule import Rule
from ..sources import Block, LineIndex
from ..sources.filerange import local_path
from .base import Engine, EngineResult, finish_run
from .dask_tasks import (DaskExecutor, Job, Parsed, Partial, combine, leaf, light, one_arrow_thread, part_of,
                         rows_of, stat_paths, wait_stopped)
from .shards import detaches

__all__ = ["DaskEngine"]

#: filesystems that exist only in the process that made them
_PROCESS_LOCAL = ("memory://",)


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
        client.run(one_arrow_thread)

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
                wait_stopped(client, f"trainlint-write-{token}")
                raise

    def _run(self, client, own: bool, specs, rules: list[Rule], progress) -> EngineResult:
        token = uuid.uuid4().hex[:12]
        readers = {s.info.index: s.reader for s in specs}
        visible = self._workers_see(client, own, specs)
        detached = [k for k, r in enumerate(rules) if self.detach and detaches(r)]
        job = client.scatter(Job(readers, rules, detached), broadcast=True, hash=False)
        here = Job({}, rules)  # for the merges on the client
        threads = sum(client.nthreads().values()) or 1
        parts: list[list] = [[] for _ in detached]  # per detached rule: one future per block
        limit = self.blocks_in_flight or max(4, 3 * threads)
        top = max(0, int(self.merge_height))
        stack: list[tuple[int, distributed.Future]] = []  # open subtrees, oldest first: (height, future)
        sealed: deque = deque()  # subtrees of 2**top blocks, in order, for the client to absorb
        inflight: deque = deque()
        acc: Partial | None = None
        n = 0

        def settle(f) -> None:
            if f.exception() is not None:  # waits without fetching the result
                f.result()  # raises the task's exception here, with its traceback

        def absorb(f) -> None:
            nonlocal acc
            part: Partial = f.result()
            if progress:
                progress(sum(part.records.values()))
            acc = part if acc is None else combine(here, acc, part)

        try:
            for spec in specs:
                for block, _rows in self._blocks(spec, visible):
                    f = client.submit(leaf, job, block, key=f"trainlint-block-{token}-{n}", pure=False)
                    if detached:  # the parts stay on the worker; only the light states merge
                        for q in range(len(detached)):
                            parts[q].append(client.submit(part_of, f, q, key=f"trainlint-part-{token}-{n}-{q}",
                                                          pure=False))
                        f = client.submit(light, f, key=f"trainlint-light-{token}-{n}", pure=False)
                    n += 1
                    inflight.append(f)
                    height = 0
                    while height < top and stack and stack[-1][0] == height:
                        _, left = stack.pop()
                        f = client.submit(combine, job, left, f, key=f"trainlint-merge-{token}-{n}",
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
        ex = DaskExecutor(client, token, threads, self.shuffle_partitions or 2 * threads)
        return finish_run(rules, states, [s.info for s in specs], findings, rows_by_source, line_index,
                          {k: (ex, parts[q]) for q, k in enumerate(detached)})

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
                local.append((s.info.index, local_path(path)))
        if not local:
            return out
        if own:  # a LocalCluster shares this machine's files
            out.update((i, True) for i, _ in local)
            return out
        paths = [p for _, p in local]
        mine = stat_paths(paths)
        try:
            theirs = list(client.run(stat_paths, paths).values())
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
                yield Block(block.source_index, block.first_row, Parsed(batches)), sum(
                    len(b.rows) for b in batches)
            return
        by_range = getattr(reader, "blocks_by_range", None)
        if sees and self.read_on_workers is not False and by_range is not None:
            for block in by_range():  # the reader names byte ranges of a plain file (CSV/TSV/JSONL)
                yield block, rows_of(block)
            return
        for block in reader.blocks():
            yield block, rows_of(block)
