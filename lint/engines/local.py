"""The local engine: one process, streaming block by block, state updated in place."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .. import finishmemo
from ..findings.spilled import spilled
from ..rule import Rule
from ..sources import LineIndex
from .base import BlockResult, Engine, EngineResult, finish_run, parsed_blocks, run_block, spill, unspill
from .cached import finished_run, keep_run


class LocalEngine(Engine):
    name = "local"

    def __init__(self, cache=None) -> None:
        #: a ``trainlint.statecache.StateCache``: every file's result is kept and reused
        self.cache = cache

    def run(self, specs, rules: Sequence[Rule], progress: Callable[[int], None] | None = None) -> EngineResult:
        if self.cache is not None:
            return self._run_cached(specs, rules, progress)
        states = [r.start() for r in rules]
        findings = []
        rows_by_source: dict[int, int] = {}
        line_index: dict[int, LineIndex] = {}
        for spec in specs:
            idx = line_index.setdefault(spec.info.index, LineIndex())
            total = 0
            for block, contexts in parsed_blocks(spec.reader):
                res = run_block(spec.reader, block, rules, fresh=False, states=states, contexts=contexts)
                findings.extend(spilled(res.findings))  # pickled in the spill file until located
                idx.add(res.line_rows, res.line_lines)
                total += res.records
                if progress:
                    progress(res.records)
            rows_by_source[spec.info.index] = total
        return finish_run(rules, states, [s.info for s in specs], findings, rows_by_source, line_index)

    def _run_cached(self, specs, rules, progress) -> EngineResult:
        """Every file linted with fresh states into one result (loaded from the cache when its
        entry is there, stored otherwise), the results merged in order, as the process engine
        merges its blocks'."""

        from .partitioned import merge_results

        keys = [self.cache.key(spec.info) for spec in specs]
        whole, done = finished_run(self.cache, keys, progress=progress)
        if done is not None:
            return done
        states = [r.start() for r in rules]
        findings: list = []
        rows_by_source: dict[int, int] = {s.info.index: 0 for s in specs}
        line_index: dict[int, LineIndex] = {s.info.index: LineIndex() for s in specs}
        for spec, key in zip(specs, keys):
            parts = self.cache.load_parts(key) if key else None
            if parts is None:
                parts = self._lint(spec, key, rules, progress)
            elif progress:
                progress(sum(p.records for p in parts))
            for res in parts:
                merge_results(rules, states, res, findings, line_index, rows_by_source)
        paths = [s.info.path for s in specs]
        memo = finishmemo.load(self.cache, paths)
        result = finish_run(rules, states, [s.info for s in specs], findings, rows_by_source, line_index,
                            memo=memo)
        finishmemo.keep(self.cache, paths, memo)
        if whole is not None:
            result = keep_run(self.cache, whole, result, rules, paths)
        return result

    def _lint(self, spec, key: str | None, rules, progress) -> list[BlockResult]:
        """A file's results, in row order, stored for next time: its earlier content's and the
        records appended since when it only grew (``StateCache.grown``), else the whole file's."""
        import pickle

        blocks = self.cache.block_keys(spec.reader) if key else None
        if blocks is not None:
            return self._lint_blocks(spec, key, blocks, rules, progress)
        grown = self.cache.grown(spec.reader) if key else None
        if grown is None:
            res = _lint_file(spec, rules, progress)
            if key:
                self.cache.remember(spec.reader, key, res)
            fresh = [res]
        else:
            res = _lint_file(spec, rules, progress, spec.reader.tail_blocks(grown.at))
            if self.cache.compact(grown):
                self.cache.remember(spec.reader, key, _combined(rules, grown.parts + [res]))
            else:
                self.cache.remember(spec.reader, key, res, grown)
            fresh = [res]
        # the cached copy and this one must be the same value: merge a copy, since ``merge`` may
        # keep (and later change) the states it is given.  Copied through an anonymous temporary
        # file (``spill``), so the states are never held twice (three times: states, pickle, copy)
        del res
        spilled = spill(fresh, 0)
        fresh = (unspill(spilled) if spilled is not None
                 else pickle.loads(pickle.dumps(fresh, protocol=pickle.HIGHEST_PROTOCOL)))
        return fresh if grown is None else grown.parts + fresh

    def _lint_blocks(self, spec, key: str, blocks: list, rules, progress) -> list[BlockResult]:
        """A file cached block by block (Parquet row groups): the blocks kept from an earlier
        version of the file loaded, the others linted with fresh states and stored."""
        import pickle

        from ..statecache import Blocks

        parts, new = [], []
        for block, bkey in blocks:
            res = self.cache.load(bkey, count=False)
            if res is None:
                res = _lint_file(spec, rules, progress, iter([block]))
                new.append((bkey, res))
                res = pickle.loads(pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL))
            elif progress:
                progress(res.records)
            parts.append(res)
        if self.cache.unchanged(spec.info.path):  # else the blocks read may not be those keyed
            for bkey, res in new:
                self.cache.store(bkey, res)
            self.cache.store(key, Blocks(tuple(k for _, k in blocks)))
        return parts


def _combined(rules, parts: list[BlockResult]) -> BlockResult:
    """One file's results (its parts, in row order) as one."""
    import pickle

    parts = pickle.loads(pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL))  # merge keeps its inputs
    states = parts[0].states
    for p in parts[1:]:
        states = [r.merge(a, b) for r, a, b in zip(rules, states, p.states)]
    lines = [p.line_lines for p in parts if p.line_lines is not None]
    return BlockResult(parts[0].source_index, states, [f for p in parts for f in p.findings],
                       np.concatenate([p.line_rows for p in parts]), np.concatenate(lines) if lines else None,
                       sum(p.records for p in parts))


def _lint_file(spec, rules, progress, blocks=None) -> BlockResult:
    """One file's result: fresh states updated over all its blocks (or ``blocks``), its findings
    and lines."""
    states = [r.start() for r in rules]
    findings: list = []
    rows, lines = [], []
    records = 0
    for block, contexts in parsed_blocks(spec.reader, blocks=blocks):
        res = run_block(spec.reader, block, rules, fresh=False, states=states, contexts=contexts)
        findings.extend(spilled(res.findings))  # as in ``run``: pickled in the spill file until located
        if res.line_lines is not None:  # LineIndex.add skips blocks without lines
            rows.append(res.line_rows)
            lines.append(res.line_lines)
        records += res.records
        if progress:
            progress(res.records)
    line_rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    line_lines = np.concatenate(lines) if lines else None
    return BlockResult(spec.info.index, states, findings, line_rows, line_lines, records)
