"""The local engine: one process, streaming block by block, state updated in place."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..rule import Rule
from ..sources import LineIndex
from .base import BlockResult, Engine, EngineResult, finish_run, parsed_blocks, run_block


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
                findings.extend(res.findings)
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
        import pickle

        from .partitioned import merge_results

        keys = [self.cache.key(spec.info) for spec in specs]
        # every file unchanged: the finished result of the same run, when it is kept, skips
        # ``finish`` too (near-duplicate verification is most of a warm run otherwise)
        whole = self.cache.run_entry(keys)
        if whole is not None:
            done = self.cache.load(whole)
            if done is not None:
                if progress:
                    progress(sum(done.rows_by_source.values()))
                return done
        states = [r.start() for r in rules]
        findings: list = []
        rows_by_source: dict[int, int] = {s.info.index: 0 for s in specs}
        line_index: dict[int, LineIndex] = {s.info.index: LineIndex() for s in specs}
        for spec, key in zip(specs, keys):
            res = self.cache.load(key) if key else None
            if res is None:
                res = (_lint_tail(spec, rules, progress, self.cache) if key else None) or _lint_file(spec, rules, progress)
                if key:
                    self.cache.remember(spec.reader, key, res)
                # the cached copy and this one must be the same value: merge a copy, since
                # ``merge`` may keep (and later change) the states it is given
                res = pickle.loads(pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL))
            elif progress:
                progress(res.records)
            merge_results(rules, states, res, findings, line_index, rows_by_source)
        result = finish_run(rules, states, [s.info for s in specs], findings, rows_by_source, line_index)
        if whole is not None:
            self.cache.store(whole, result)
        return result


def _lint_tail(spec, rules, progress, cache) -> BlockResult | None:
    """A file that only grew since its result was stored: that result's states updated over the
    records appended (read from where the stored content ended), or None."""
    found = cache.grown(spec.reader)
    if found is None:
        return None
    old, at = found
    new = _lint_file(spec, rules, progress, old.states, spec.reader.tail_blocks(at))
    lines = None
    if old.line_lines is not None or new.line_lines is not None:
        lines = np.concatenate([x for x in (old.line_lines, new.line_lines) if x is not None])
    return BlockResult(old.source_index, new.states, old.findings + new.findings,
                       np.concatenate([old.line_rows, new.line_rows]), lines, old.records + new.records)


def _lint_file(spec, rules, progress, states=None, blocks=None) -> BlockResult:
    """One file's result: ``states`` (fresh ones by default) updated over all its blocks (or
    ``blocks``), its findings and lines."""
    if states is None:
        states = [r.start() for r in rules]
    findings: list = []
    rows, lines = [], []
    records = 0
    for block, contexts in parsed_blocks(spec.reader, blocks=blocks):
        res = run_block(spec.reader, block, rules, fresh=False, states=states, contexts=contexts)
        findings.extend(res.findings)
        if res.line_lines is not None:  # LineIndex.add skips blocks without lines
            rows.append(res.line_rows)
            lines.append(res.line_lines)
        records += res.records
        if progress:
            progress(res.records)
    line_rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    line_lines = np.concatenate(lines) if lines else None
    return BlockResult(spec.info.index, states, findings, line_rows, line_lines, records)
