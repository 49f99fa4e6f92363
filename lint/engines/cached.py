"""Another engine's runs with the state cache's whole-run entries: an unchanged run is not run.

The per-file states (``statecache``: a changed file read alone, an append read from where it
ended) belong to the local engine, which lints file by file.  The process and Dask engines
split files into blocks spread over workers and merge them all into one state, so they keep
only what a whole run finished with, keyed by every file's content, the rules and the engine:
a re-run of unchanged data returns it; any change reads everything, as without the cache.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..rule import Rule
from .base import Engine, EngineResult


def finished_run(cache, keys: Sequence[str | None], engine: str = "",
                 progress: Callable[[int], None] | None = None) -> tuple[str | None, EngineResult | None]:
    """(the whole-run entry's key, its kept result or None) for the files ``keys`` in ``cache``:
    every file unchanged, the finished result of the same run skips ``finish`` too
    (near-duplicate verification is most of a warm run otherwise)."""
    whole = cache.run_entry(keys, engine)
    done = cache.load(whole) if whole is not None else None
    if done is not None:
        done.entry = whole
    if done is not None and progress:
        progress(sum(done.rows_by_source.values()))
    return whole, done


def redacted(result: EngineResult, rules: Sequence[Rule]) -> EngineResult:
    """``result`` with its findings redacted as the runner would (``redact.redact_findings``), for
    keeping: a warm run does not redact the same findings again."""
    from dataclasses import replace

    from ..redact import redact_findings

    return replace(result, findings=redact_findings(result.findings, rules), redacted=True, entry=None)


def keep_run(cache, whole: str, result: EngineResult, rules: Sequence[Rule], paths: list) -> EngineResult:
    """``result`` redacted (``redacted``) and kept in ``cache`` as the finished run ``whole`` over
    ``paths``; the redacted result, which names its entry, is what the run goes on with."""
    result = redacted(result, rules)
    cache.store_run(whole, result, paths)
    result.entry = whole
    return result


class WholeRunCache(Engine):
    """``inner`` with its finished runs kept in ``cache`` (a ``statecache.StateCache``)."""

    def __init__(self, inner: Engine, cache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name

    def run(self, specs, rules: Sequence[Rule], progress: Callable[[int], None] | None = None) -> EngineResult:
        keys = [self.cache.key(spec.info) for spec in specs]
        whole, done = finished_run(self.cache, keys, self.inner.name, progress)
        if done is not None:
            return done
        result = self.inner.run(specs, rules, progress)
        if whole is not None and all(self.cache.unchanged(s.info.path) for s in specs):
            result = keep_run(self.cache, whole, result, rules, [s.info.path for s in specs])
        return result

    def tasks(self, fn: Callable, calls: list[tuple]) -> list:
        return self.inner.tasks(fn, calls)

    def __enter__(self) -> WholeRunCache:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        return self.inner.__exit__(*exc)
