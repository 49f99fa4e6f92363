"""What all engines share: running one block's batches through the rules, and finishing a run."""

from __future__ import annotations

import sys
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from ..context import BatchContext, RunContext, SourceInfo
from ..finding import Finding, Related
from ..findings_table import FindingStore, RowFindings
from ..rule import Rule
from ..sources import Block, BlockMiscount, LineIndex, Reader


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


def parsed_blocks(reader: Reader, depth: int = 2) -> Iterator[tuple[Block, list]]:
    """(block, its batches' contexts) for every block of ``reader``, in order, cut and parsed ahead
    in background threads, so in one process parsing uses the second core while the rules use
    the first.

    Only cutting and parsing (pyarrow, NumPy: the GIL released) go to those threads, two blocks
    parsed at a time (pyarrow parses one block on one thread; one parsing thread left the rules
    waiting for it).  Computing the rules' hashes there too (a Python loop over the strings) made
    the run 10 % slower: the threads then take turns at the GIL instead of running side by side."""
    from concurrent.futures import ThreadPoolExecutor

    def parse(block: Block) -> list:
        return [prepared(reader.info, b) for b in reader.parse(block)]

    def parsed() -> Iterator[tuple[Block, list]]:
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

    return read_ahead(parsed(), depth)


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


def finish_run(rules: Sequence[Rule], states: list[Any], sources: list[SourceInfo],
               findings: list[Finding | RowFindings], rows_by_source: dict[int, int],
               line_index: dict[int, LineIndex]) -> EngineResult:
    run = RunContext(sources=list(sources), rows_by_source=dict(rows_by_source))
    stats: dict[str, Any] = {}
    for rule, state in zip(rules, states):
        out = rule.finish(state, run)
        if out:
            add_findings(findings, out)
        st = rule.stats(state, run)
        if st:
            stats[rule.name] = st
    return EngineResult(located_store(findings, sources, line_index), stats, dict(rows_by_source), line_index)


def located_store(findings: list, sources: Sequence[SourceInfo], line_index: dict[int, LineIndex]) -> FindingStore:
    """Findings (objects and ``RowFindings``) with their lines filled in, in report order."""
    objects = [k for k, f in enumerate(findings) if not isinstance(f, RowFindings)]
    for k, f in zip(objects, locate([findings[k] for k in objects], sources, line_index)):
        findings[k] = f
    for f in findings:
        if isinstance(f, RowFindings):
            locate_rows(f, sources, line_index)
    return sort_findings(FindingStore(findings), {s.path: s.index for s in sources})


def sort_findings(store: FindingStore, source_order: dict[str | None, int]) -> FindingStore:
    """``store`` in ``Finding.sort_key`` order (source, row, code, column, pointer, message),
    stable, as ``sorted`` would give, with one ``lexsort`` over all entries.  Entries equal on
    everything but the message (rare: two findings of one rule on one row and column) are then
    ordered by their message, made for those entries only."""
    parts = store._parts
    strings: set[str] = {""}
    for p in parts:
        if isinstance(p, RowFindings):
            strings.add(p.code)
            strings.update(c or "" for c in p.columns)
        else:
            strings.update(f.code for f in p)
            strings.update(f.column or "" for f in p)
            strings.update(f.pointer or "" for f in p)
    rank = {s: k for k, s in enumerate(sorted(strings))}
    keys: dict[str, list[np.ndarray]] = {"src": [], "row": [], "code": [], "col": [], "ptr": []}
    for p in parts:
        if isinstance(p, RowFindings):
            n = len(p)
            keys["src"].append(np.array([source_order.get(s, -1) for s in p.paths], np.int64)[p.source])
            keys["row"].append(p.rows)
            keys["code"].append(np.full(n, rank[p.code], np.int64))
            keys["col"].append(np.array([rank[c or ""] for c in p.columns], np.int64)[p.column])
            keys["ptr"].append(np.full(n, rank[""], np.int64))
        else:
            keys["src"].append(np.array([source_order.get(f.source, -1) for f in p], np.int64))
            keys["row"].append(np.array([-1 if f.row is None else f.row for f in p], np.int64))
            keys["code"].append(np.array([rank[f.code] for f in p], np.int64))
            keys["col"].append(np.array([rank[f.column or ""] for f in p], np.int64))
            keys["ptr"].append(np.array([rank[f.pointer or ""] for f in p], np.int64))
    if not parts:
        return store
    cols = [np.concatenate(keys[k]) for k in ("ptr", "col", "code", "row", "src")]
    order = np.lexsort(cols)  # stable: ties keep the order the rules emitted them in
    if order.size > 1:
        same = np.ones(order.size - 1, dtype=bool)
        for c in cols:
            s = c[order]
            same &= s[1:] == s[:-1]
            del s
        if same.any():
            sorted_store = FindingStore(order=order, _parts=parts)
            edges = np.flatnonzero(np.diff(np.concatenate(([0], same.astype(np.int8), [0]))))
            for a, b in zip(edges[0::2].tolist(), (edges[1::2] + 1).tolist()):
                run = order[a:b]
                msgs = [f.message for f in sorted_store._make(run)]
                order[a:b] = run[sorted(range(len(run)), key=msgs.__getitem__)]
    return FindingStore(order=order, _parts=parts)


def locate_rows(f: RowFindings, sources: Sequence[SourceInfo], line_index: dict[int, LineIndex]) -> None:
    """Lines of a ``RowFindings``'s rows and related rows, one ``searchsorted`` per source."""
    by_path = {s.path: s.index for s in sources}

    def lines(src: np.ndarray, rows: np.ndarray) -> np.ndarray:
        out = np.full(rows.size, -1, dtype=np.int64)
        for k, path in enumerate(f.paths):
            idx = line_index.get(by_path.get(path, -1))
            if not idx:
                continue
            if len(f.paths) == 1:
                out = _line_array(idx, rows)
            else:
                m = src == k
                out[m] = _line_array(idx, rows[m])
        return out

    if f.line is None:
        f.line = lines(f.source, f.rows)
    if f.related_source is not None and f.related_line is None:
        f.related_line = lines(f.related_source, f.related_row)


def _line_array(idx: LineIndex, rows: np.ndarray) -> np.ndarray:
    """``idx.line(row)`` for every row, -1 before the first indexed row."""
    starts = np.asarray(idx._rows, dtype=np.int64)
    offsets = np.asarray(idx._offsets, dtype=np.int64)
    i = np.searchsorted(starts, rows, side="right") - 1
    out = rows + offsets[np.maximum(i, 0)]
    out[i < 0] = -1
    return out


def _copy_with(f: Finding, line: int | None, related: tuple[Related, ...], message: str) -> Finding:
    """``f`` completed with its line, related lines and message.

    The finding was made by a rule for this run and nobody else holds it yet, so the engine
    completes it in place, as a ``__post_init__`` would, instead of building a second frozen
    object (a frozen dataclass's ``__init__`` sets every field through ``object.__setattr__``:
    ~0.3 s per 40k findings, and twice the memory while both exist)."""
    object.__setattr__(f, "line", line)
    object.__setattr__(f, "related", related)
    object.__setattr__(f, "message", message)
    return f


def locate(findings: list[Finding], sources: Sequence[SourceInfo],
           line_index: dict[int, LineIndex]) -> list[Finding]:
    """Put physical lines on findings and their related rows, and fill ``{related}`` in messages.

    Lines are looked up for all rows of a source at once (one ``searchsorted``), not per finding.
    """
    by_path = {s.path: s.index for s in sources}
    wanted: dict[str, list[int]] = {}
    for f in findings:
        if f.line is None and f.row is not None and f.source in by_path:
            wanted.setdefault(f.source, []).append(f.row)
        for r in f.related:
            if r.line is None and r.source in by_path:
                wanted.setdefault(r.source, []).append(r.row)
    lines: dict[str, dict[int, int]] = {}
    for path, rows in wanted.items():
        idx = line_index.get(by_path[path])
        if not idx:
            continue
        arr = np.unique(np.asarray(rows, dtype=np.int64))
        lines[path] = dict(zip(arr.tolist(), _lines(idx, arr)))
    return [_locate(f, lines) for f in findings]


def _lines(idx: LineIndex, rows: np.ndarray) -> list[int | None]:
    """``idx.line(row)`` for every row (None before the first indexed row)."""
    starts = np.asarray(idx._rows, dtype=np.int64)
    offsets = np.asarray(idx._offsets, dtype=np.int64)
    i = np.searchsorted(starts, rows, side="right") - 1
    out = (rows + offsets[np.maximum(i, 0)]).tolist()
    if (i < 0).any():
        for k in np.flatnonzero(i < 0).tolist():
            out[k] = None
    return out


_NO_LINES: dict[int, int | None] = {}


def _locate(f: Finding, lines: dict[str, dict[int, int | None]]) -> Finding:
    line = f.line
    if line is None and f.row is not None:
        line = lines.get(f.source, _NO_LINES).get(f.row)
    related = f.related
    if related:
        if len(related) == 1:  # the usual case (a duplicate's first copy), without a generator
            r = related[0]
            if r.line is None:
                related = (Related(r.source, r.row, lines.get(r.source, _NO_LINES).get(r.row)),)
        elif any(r.line is None for r in related):
            related = tuple(r if r.line is not None else
                            Related(r.source, r.row, lines.get(r.source, _NO_LINES).get(r.row)) for r in related)
    message = f.message
    if "{related}" in message:
        if related:
            r = related[0]
            loc = f"{r.source}:{r.line}" if r.line is not None else f"{r.source} row {r.row}"
            message = message.replace("{related}", loc)
    elif line == f.line and related == f.related:
        return f
    return _copy_with(f, line, related, message)


class Engine:
    name = "base"

    def run(self, specs, rules: Sequence[Rule], progress: Callable[[int], None] | None = None) -> EngineResult:
        raise NotImplementedError


def run_rules(specs, rules: Sequence[Rule], engine: Engine | None = None,
              progress: Callable[[int], None] | None = None) -> EngineResult:
    if engine is None:
        from .local import LocalEngine

        engine = LocalEngine()
    return engine.run(specs, rules, progress)
