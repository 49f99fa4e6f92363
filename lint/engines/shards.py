"""The mechanisms of the keyed shuffle (lint/shuffle.py): where a rule's detached parts are kept
and how shuffles run over them.

A rule declaring ``distributed_finish = KEYED_SHUFFLE`` gives ``detach`` (one block's bulky state
out) and pure ``split``/``reduce`` functions; an engine keeps each block's part, merges the light
states as usual, and finishes the rule inside ``shuffle.supplying(executor, handles)``.  An
:class:`Executor` runs the shuffles: ``split`` on every part, cutting it into ``n`` pieces,
``reduce`` once per piece number on the pieces of all parts (in block order), returning only the
(small) results.  The in-process executor below runs them in a loop (tests, and any engine
holding the parts itself); the Dask engine's runs them as tasks on the workers that hold the
parts, so parts never travel whole and no process holds all of them.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable, Mapping, Sequence


class Executor:
    """Runs shuffles over detached parts (a ``shuffle.Mechanism``); ``handles`` are whatever the
    engine keeps per part."""

    #: parallel slots (worker threads); a hint for how many pieces a shuffle should cut
    width: int = 1
    #: how many partitions a key shuffle (band hashes) uses
    partitions: int = 1
    #: the least work (e.g. pairs to verify) worth a task of its own
    min_piece: int = 1000

    def shuffle(self, handles: Sequence[Any], split: Callable, split_args: Sequence[tuple], n: int,
                reduce: Callable, reduce_args: Sequence[tuple],
                sources: Sequence[Sequence[int]] | None = None) -> list:
        """``[reduce([split(part_k, *split_args[k])[c] for k in sources[c]], *reduce_args[c])
        for c in range(n)]``; ``sources[c]`` (default: every part) names the parts whose piece
        ``c`` is needed, in block order."""
        raise NotImplementedError

    def gather(self, handles: Sequence[Any]) -> list:
        """The parts themselves (a fallback that gives up the memory bound)."""
        raise NotImplementedError


class InProcessExecutor(Executor):
    """Parts held in this process: the same shuffle, in a loop."""

    def __init__(self, partitions: int = 1, width: int = 1, min_piece: int = 1000) -> None:
        self.partitions = max(1, int(partitions))
        self.width = max(1, int(width))
        self.min_piece = max(1, int(min_piece))

    def shuffle(self, handles, split, split_args, n, reduce, reduce_args, sources=None) -> list:
        pieces = [split(h, *a) for h, a in zip(handles, split_args)]
        out = []
        for c in range(n):
            ks = range(len(handles)) if sources is None else sources[c]
            out.append(reduce([pieces[k][c] for k in ks], *reduce_args[c]))
        return out

    def gather(self, handles) -> list:
        return list(handles)


def detaches(rule) -> bool:
    """Whether ``rule`` declares a keyed-shuffle finish (and so detaches its bulky state)."""
    from ..shuffle import KEYED_SHUFFLE

    return getattr(rule, "distributed_finish", None) == KEYED_SHUFFLE


def finishing(rule_index: int, supplied: Mapping[int, tuple[Executor, Sequence[Any]]] | None):
    """The context ``finish`` of rule ``rule_index`` runs in: its parts supplied when it has any."""
    import contextlib

    from ..shuffle import supplying

    if not supplied or rule_index not in supplied:
        return contextlib.nullcontext()
    executor, handles = supplied[rule_index]
    return supplying(executor, handles)
