"""What runs on the Dask workers (``dask.py`` is the client side): a block's task and the merges of
the merge tree, the shuffles of detached state (``shards.py``), and the byte ranges of local text
files that workers read themselves.

A block of an uncompressed local UTF-8 CSV/TSV/JSONL file travels as a byte range
(``FileRange``: path, offset, length, the reader's per-record arrays) instead of its bytes:
the readers hand ranges out themselves (``blocks_by_range``) and the worker reads them.
"""

from __future__ import annotations

import itertools
import operator
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..rule import Rule
from ..sources import Block, LineIndex
from ..sources.filerange import FileRange
from .base import run_block
from .shards import Executor

@dataclass
class Job:
    """What every task needs besides its block: scattered once to each worker."""

    readers: dict[int, Any]
    rules: list[Rule]
    #: rules whose bulky state is detached per block (lint/engines/shards.py)
    detached: list[int] = field(default_factory=list)


@dataclass
class Parsed:
    """A block parsed in the main process (its file cannot be opened on the workers)."""

    batches: list


class ParsedReader:
    """Stands in for a reader whose block arrives already parsed."""

    def __init__(self, info, has_lines: bool) -> None:
        self.info = info
        self.has_lines = has_lines

    def parse(self, block: Block):
        yield from block.payload.batches


@dataclass
class Partial:
    """The merged result of consecutive blocks: rule states, findings, line index, record counts."""

    states: list
    findings: list
    lines: dict[int, LineIndex] = field(default_factory=dict)
    records: dict[int, int] = field(default_factory=dict)
    #: a block's detached parts (job.detached order), until split off by ``light``/``part_of``
    parts: list | None = None


# -- tasks (run on the workers) --------------------------------------------------------------------

def leaf(job: Job, block: Block) -> Partial:
    reader = job.readers[block.source_index]
    if isinstance(block.payload, FileRange):
        block = read_range(block)
    elif isinstance(block.payload, Parsed):
        reader = ParsedReader(reader.info, reader.has_lines)
    res = run_block(reader, block, job.rules, fresh=True)
    idx = LineIndex()
    idx.add(res.line_rows, res.line_lines)
    parts = [job.rules[k].detach(res.states[k]) for k in job.detached]
    return Partial(res.states, res.findings, {res.source_index: idx}, {res.source_index: res.records}, parts)


def light(p: Partial) -> Partial:
    return Partial(p.states, p.findings, p.lines, p.records)


def part_of(p: Partial, q: int):
    return p.parts[q]


def reduce_pieces(fn, pieces: list, args: tuple):
    return fn(pieces, *args)


class DaskExecutor(Executor):
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
            out.append(c_.submit(reduce_pieces, reduce, pieces, reduce_args[c], key=f"trainlint-reduce-{t}-{c}",
                                 pure=False))
        return c_.gather(out)

    def gather(self, handles) -> list:
        return self.client.gather(list(handles))


def combine(job: Job, a: Partial, b: Partial) -> Partial:
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
    return Partial(states, a.findings, a.lines, a.records)


def one_arrow_thread() -> None:
    """One worker process per core already: Arrow's own thread pools would oversubscribe the cores."""
    import pyarrow as pa

    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)


def wait_stopped(client, prefix: str, timeout: float = 60.0) -> None:
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


# -- byte ranges of local text files --------------------------------------------------------------
def read_range(block: Block) -> Block:
    """A block whose payload is a byte range (``FileRange``) with its bytes read, here on a
    worker: the payload the reader's ``parse`` takes, ``(bytes, *rest)``."""
    r: FileRange = block.payload
    data = r.read(f" on Dask worker {_worker_name()}", "; the workers must see the same files as the client")
    return Block(block.source_index, block.first_row, (data,) + tuple(r.rest))


def _worker_name() -> str:
    import distributed

    try:
        return str(distributed.get_worker().address)
    except ValueError:
        return "?"


def stat_paths(paths: list[str]) -> list[int | None]:
    out: list[int | None] = []
    for p in paths:
        try:
            out.append(os.path.getsize(p))
        except OSError:
            out.append(None)
    return out


def rows_of(block: Block) -> int:
    p = block.payload
    if hasattr(p, "rest"):  # a byte range: (record starts, ...) follow
        p = (None,) + tuple(p.rest)
    if isinstance(p, tuple) and len(p) > 1 and isinstance(p[1], np.ndarray):
        return int(p[1].size)
    return 0
