"""Detached state: the bulky part of a rule's per-block state left where the block ran.

Some rules' merged state is mostly data that only a few rows end up needing: the near-duplicate
rules keep every row's band hashes and text, only to verify the few candidate pairs.  Merging
that into one process does not scale.  The optional protocol, on the rule (no rule knows which
engine runs it, and an engine that ignores the protocol gets the usual merged state):

    part = rule.detach(state)           # on one block's state, right after its updates:
                                        # the bulky part out (or None); ``state`` stays mergeable
    state = rule.merge(a, b)            # as usual, on the light states
    rule.attach(state, handles, executor)   # before finish: one handle per block, in block order
    rule.finish(state, run)             # the rule runs its work on the parts through ``executor``

An :class:`Executor` runs functions on the parts where they are and returns only their (small)
results.  Its one primitive is a shuffle: ``split`` runs on every part and cuts it into ``n``
pieces; ``reduce`` runs once per piece number on the pieces of all parts (in block order).  The
in-process executor below runs them in a loop (tests, and any engine holding the parts itself);
the Dask engine's runs them as tasks on the workers that hold the parts, so parts never travel
whole and no process holds all of them.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable, Sequence


class Executor:
    """Runs shuffles over detached parts; ``handles`` are whatever the engine keeps per part."""

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
    """Whether ``rule`` implements the protocol (overrides ``Rule.detach``)."""
    from ..rule import Rule

    return type(rule).detach is not Rule.detach
