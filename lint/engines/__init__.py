"""Engines run rules over sources.  They are the only place that knows about parallelism.

Every engine keeps the rule contract exactly: start, update per batch, merge in row order,
finish.  So the local engine, the process engine and the Dask engine give identical findings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..rule import Rule
from .base import Engine, EngineResult

__all__ = ["EngineResult", "run_rules", "get_engine"]


def run_rules(specs, rules: Sequence[Rule], engine: Engine | None = None,
              progress: Callable[[int], None] | None = None) -> EngineResult:
    """Run ``rules`` over the opened sources ``specs`` with ``engine`` (default: the local one)."""
    if engine is None:
        from .local import LocalEngine

        engine = LocalEngine()
    return engine.run(specs, rules, progress)


def prepare(name: str, scheduler=None) -> None:
    """Start now what engine ``name`` will need, so that it gets ready while the caller still
    imports and opens the inputs.  ``processes`` (workers for every block): the fork server,
    which imports on the other core while this process does the same.  (``--jobs N`` alone
    starts workers only once its first blocks show the rules are slow enough for them, so it
    starts no server it may not need.)"""
    if not scheduler and name == "processes":
        from . import _forkserver

        _forkserver.start()


def get_engine(name: str, jobs: int = 1, scheduler=None):
    """The engine called ``name``; ``scheduler`` (an address) joins a Dask cluster and implies dask."""
    from ..errors import UsageError

    if scheduler is not None and name == "local":
        name = "dask"
    if scheduler is not None and name != "dask":
        raise UsageError(f"--scheduler is the address of a Dask cluster: use it with --engine dask, not {name}")

    if name == "local":
        if jobs and jobs > 1:
            from .processes import ProcessEngine

            return ProcessEngine(jobs)
        from .local import LocalEngine

        return LocalEngine()
    if name == "processes":  # worker processes for every block, asked for by name
        from .processes import ProcessEngine

        return ProcessEngine(max(jobs, 2), workers_after=0)
    if name == "dask":
        try:
            from .dask import DaskEngine
        except ModuleNotFoundError as e:
            if "dask" in str(e) or "distributed" in str(e):
                raise UsageError("the dask engine needs Dask: pip install 'trainlint[dask]'") from None
            raise
        return DaskEngine(scheduler=scheduler, n_workers=jobs if jobs and jobs > 1 else None)
    raise UsageError(f"unknown engine '{name}': use local, processes or dask")
