"""What all engines share: running one block's batches through the rules, and finishing a run
(locating and sorting the findings is ``trainlint.findings``' work)."""

from __future__ import annotations

import sys
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from ..context import BatchContext, RunContext, SourceInfo
from ..finding import Finding
from ..findings import FindingStore, RowFindings, located_store
from ..memory import return_freed_memory
from ..rule import Rule
from ..sources import Block, BlockMiscount, LineIndex, Reader
from .shards import finishing


@dataclass
class BlockResult:
    """What running one block yields; picklable, so a worker can send it back."""

    source_index: int
    states: list[Any]
    findings: list[Finding | RowFindings]
    line_rows: np.ndarray
    line_lines: np.ndarray | None
    records: int


@dataclass
class EngineResult:
    findings: FindingStore
    stats: dict[str, Any]
    rows_by_source: dict[int, int]
    line_index: dict[int, LineIndex] = field(default_factory=dict)
    #: ``findings`` are redacted already (``trainlint.redact``: a finished run kept by the cache)
    redacted: bool = False
    #: the state cache's entry that keeps this finished run (``StateCache.run_entry``), or None
    entry: str | None = None


def active_rules(rules: Sequence[Rule], info: SourceInfo) -> list[int]:
    return [k for k, r in enumerate(rules) if r.applies_to(info)]


def read_ahead(items: Iterable, depth: int = 2) -> Iterator:
    """``items`` produced in a background thread, at most ``depth`` ahead of the consumer.

    Scanning (NumPy) and parsing (pyarrow) release the GIL, so they run on another core while
    this thread runs the rules or merges results.  Exceptions are re-raised in the consumer.
    """
    import queue
    import threading

    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put((item,)):
                    return
            put(done)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer
            put(e)

    th = threading.Thread(target=work, name="trainlint-read-ahead", daemon=True)
    # Each thread needs the GIL only between calls that release it, but a thread holding it in a
    # Python loop (hashing strings) keeps it for the whole switch interval (5 ms) while the other
    # waits to start its next parse.  At 1 ms the threads overlap better: ~8 % faster runs.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(min(switch, 0.001))
    th.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item[0]
    finally:
        stop.set()
        th.join()
        sys.setswitchinterval(switch)


#: blocks parsed at once by the read-ahead's parsing threads
PARSE_THREADS = 2


def parsed_blocks(reader: Reader, depth: int = 2, blocks: Iterator[Block] | None = None
                  ) -> Iterator[tuple[Block, list]]:
    """(block, its batches' contexts) for every block of ``reader``, in order, cut and parsed ahead
    in background threads, so in one process parsing uses the second core while the rules use
    the first.

    Only cutting and parsing (pyarrow, NumPy: the GIL released) go to those threads, two blocks
    parsed at a time (pyarrow parses one block on one thread; one parsing thread left the rules
    waiting for it).  Computing the rules' hashes there too (a Python loop over the strings) made
    the run 10 % slower: the threads then take turns at the GIL instead of running side by side.
    ``blocks``: these blocks instead of the reader's own (``Reader.tail_blocks``)."""
    from concurrent.futures import ThreadPoolExecutor

    def parse(block: Block) -> list:
        return [prepared(reader.info, b) for b in reader.parse(block)]

    def parsed(blocks) -> Iterator[tuple[Block, list]]:
        if blocks is None:
            blocks = reader.quick_blocks()
        with ThreadPoolExecutor(PARSE_THREADS, thread_name_prefix="trainlint-parse") as pool:
            while True:
                pending: deque = deque()
                try:
                    for block in blocks:
                        pending.append((block, pool.submit(parse, block)))
                        if len(pending) >= PARSE_THREADS:
                            done, fut = pending.popleft()
                            yield done, fut.result()
                    while pending:
                        done, fut = pending.popleft()
                        yield done, fut.result()
                    return
                except BlockMiscount as e:
                    # the blocks cut after this one were numbered wrongly and none was yielded:
                    # drop them and resume this file exactly from it
                    for _, fut in pending:
                        fut.cancel()
                    for _, fut in pending:
                        if not fut.cancelled():
                            fut.exception()  # wait: the reader's file map must not close under it
                    blocks.close()
                    blocks = reader.resume_blocks(e.at)

    return read_ahead(parsed(blocks), depth)


def prepared(info: SourceInfo, batch) -> BatchContext:
    """The context a rule sees for one parsed batch."""
    return BatchContext(info, batch.table, batch.rows, batch.invalid, batch.lines)


def run_block(reader: Reader, block: Block, rules: Sequence[Rule], fresh: bool,
              states: list[Any] | None = None, contexts: list[BatchContext] | None = None) -> BlockResult:
    """Parse a block and update every applicable rule.  ``fresh`` starts new states (a worker).
    ``contexts``: the block already parsed and prepared (``parsed_blocks``)."""
    info = reader.info
    if fresh or states is None:
        states = [r.start() for r in rules]
    active = active_rules(rules, info)
    findings: list[Finding | RowFindings] = []
    rows_parts, lines_parts = [], []
    records = 0
    if contexts is None:
        contexts = [prepared(info, b) for b in reader.parse(block)]
    for ctx in contexts:
        # a file-level notice (row None: a wrong encoding, a wrong delimiter) is no record
        bad = [i for i in ctx.invalid if i.row is not None]
        records += len(ctx.rows) + len(bad)
        if ctx.lines is not None or bad:
            r = ctx.rows
            ln = ctx.lines if ctx.lines is not None else np.zeros(len(r), np.int64)
            if bad:
                r = np.concatenate([r, np.array([i.row for i in bad], np.int64)])
                ln = np.concatenate([ln, np.array([i.line or 0 for i in bad], np.int64)])
                order = np.argsort(r, kind="stable")
                r, ln = r[order], ln[order]
            rows_parts.append(r)
            lines_parts.append(ln)
        for k in active:
            out = rules[k].update(ctx, states[k])
            if out:
                add_findings(findings, out)
    line_rows = np.concatenate(rows_parts) if rows_parts else np.zeros(0, np.int64)
    line_lines = np.concatenate(lines_parts) if lines_parts and reader.has_lines else None
    if line_lines is not None and line_rows.size > 1:
        # only the rows where ``line - row`` changes matter to a LineIndex: send those, not one
        # pair of int64 per row (16 MB per million rows back from every process-engine worker)
        delta = line_lines - line_rows
        keep = np.concatenate(([True], delta[1:] != delta[:-1]))
        line_rows, line_lines = line_rows[keep], line_lines[keep]
    return BlockResult(info.index, states, findings, line_rows, line_lines, records)


def add_findings(findings: list[Finding | RowFindings], out: Iterable) -> None:
    """What a rule returned, added to ``findings``: a ``RowFindings`` stays one item (columns are
    never turned into objects here), any other iterable adds its items."""
    if isinstance(out, RowFindings):
        findings.append(out)
    else:
        findings.extend(out)


def spill(states: list[Any], start: int):
    """``states[start:]`` pickled (one pickle: states sharing blocks stay sharing) into an anonymous
    temporary file under the system temp dir, unlinked from the start, so it is gone when closed
    or when the process ends, even on error; the list slots are emptied, freeing them while a
    ``heavy_finish`` runs (issue 21: at 4M rows the other rules' states were ~100 bytes a row of
    that peak).  Arrays already in the spill file (``trainlint.spill``) stay there: the pickle
    keeps their handles.  (file, handles), or None when nothing was written."""
    import tempfile

    from ..spill import dump_handles

    try:
        f = tempfile.TemporaryFile(prefix="trainlint-states-")
    except OSError:  # no writable temp dir: the states stay in memory (a higher peak, same result)
        return None
    try:
        handles = dump_handles(states[start:], f)
    except OSError:  # the temp dir is full: likewise
        f.close()
        return None
    except BaseException:
        f.close()
        raise
    states[start:] = [None] * (len(states) - start)
    return_freed_memory()
    return f, handles


def unspill(spilled) -> list[Any]:
    from ..spill import load_handles

    f, handles = spilled
    with f:
        f.seek(0)
        return load_handles(f, handles)


def finish_run(rules: Sequence[Rule], states: list[Any], sources: list[SourceInfo],
               findings: list[Finding | RowFindings], rows_by_source: dict[int, int],
               line_index: dict[int, LineIndex], supplied: Mapping[int, tuple[Any, Sequence[Any]]] | None = None,
               memo: Any = None) -> EngineResult:
    """Every rule's ``finish`` and ``stats``, and the findings located.  ``supplied``: rule index ->
    (executor, handles of its detached parts) for the rules whose keyed shuffles the engine runs
    (lint/engines/shards.py).  ``memo``: the state cache's finish memo (``RunContext.memo``)."""
    run = RunContext(sources=list(sources), rows_by_source=dict(rows_by_source), memo=memo)
    stats: dict[str, Any] = {}
    spilled = None
    for k, rule in enumerate(rules):
        if spilled is not None:
            states[k:] = unspill(spilled)
            spilled = None
        if rule.heavy_finish and isinstance(states, list) and k + 1 < len(states):
            spilled = spill(states, k + 1)
        state = states[k]
        with finishing(k, supplied):
            out = rule.finish(state, run)
            if out:
                add_findings(findings, out)
            st = rule.stats(state, run)
        if isinstance(states, list):
            # done with it: a finished rule's state is not held through the later rules' finish
            # (issue 21: the near rules' finish is the peak of a large run)
            states[k] = None
        del state
        if rule.heavy_finish:
            return_freed_memory()
        if st:
            stats[rule.name] = st
    return EngineResult(located_store(findings, sources, line_index), stats, dict(rows_by_source), line_index)


class Engine:
    """Runs rules over sources.  ``with engine:`` is a session: whatever the engine starts (a
    cluster) serves the run and the work after it (``tasks``), and stops at its end."""

    name = "base"

    def run(self, specs, rules: Sequence[Rule], progress: Callable[[int], None] | None = None) -> EngineResult:
        raise NotImplementedError

    def tasks(self, fn: Callable, calls: list[tuple]) -> list:
        """``[fn(*args) for args in calls]``, run where the engine runs work (here, by default)."""
        return [fn(*args) for args in calls]

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc) -> None:
        return None
