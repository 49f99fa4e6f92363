"""The keyed shuffle: the one distributed step a rule's ``finish`` may ask for.

Some rules' merged state is mostly data that only a few rows end up needing: the near-duplicate
rules keep every row's band hashes and text, only to verify the few candidate pairs.  Merging
that into one process does not scale.  Such a rule *declares* the need and gives pure functions;
the engine supplies the mechanism:

    class NearDuplicate(Rule):
        distributed_finish = KEYED_SHUFFLE
        def detach(self, state):        # one block's state: its bulky part out (or None);
            ...                         # ``state`` stays mergeable and light

    # in its finish, with pure functions and picklable arguments:
    results = keyed_shuffle(split, split_args, n, reduce, reduce_args, sources)

The engine keeps each block's part where the block ran, merges the light states as usual and,
while the rule's ``finish`` (and ``stats``) run, supplies its :class:`Mechanism` and the handles
of that rule's parts (``supplying``).  ``keyed_shuffle`` then runs ``split(part_k, *split_args[k])``
on every part (``n`` pieces each) and ``reduce(pieces, *reduce_args[c])`` once per piece number
``c`` on the pieces of the parts ``sources[c]`` names (default: all, in block order), where the
parts are, and returns only the reduce results.  An engine without the protocol merges whole
states and the rule never shuffles.  No engine object, executor or handle reaches a rule; the
mechanisms (in-process, Dask tasks) live in ``lint/engines/shards.py`` and the engines.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

#: the value of ``Rule.distributed_finish`` of a rule whose ``finish`` runs keyed shuffles over
#: the parts ``detach`` took
KEYED_SHUFFLE = "keyed-shuffle"


class Mechanism(Protocol):
    """What an engine supplies: runs shuffles over parts where they are (``handles`` are whatever
    the engine keeps per part)."""

    #: how many partitions a key shuffle (band hashes) uses
    partitions: int
    #: parallel slots (worker threads); a hint for how many pieces a shuffle should cut
    width: int
    #: the least work (e.g. pairs to verify) worth a task of its own
    min_piece: int

    def shuffle(self, handles: Sequence[Any], split: Callable, split_args: Sequence[tuple], n: int,
                reduce: Callable, reduce_args: Sequence[tuple],
                sources: Sequence[Sequence[int]] | None = None) -> list: ...

    def gather(self, handles: Sequence[Any]) -> list: ...


@dataclass(frozen=True)
class Hints:
    """How the supplied mechanism likes its shuffles cut (see :class:`Mechanism`)."""

    partitions: int
    width: int
    min_piece: int


_SUPPLIED: contextvars.ContextVar[tuple[Mechanism, list] | None] = contextvars.ContextVar(
    "trainlint_keyed_shuffle", default=None)


@contextlib.contextmanager
def supplying(mechanism: Mechanism, handles: Sequence[Any]) -> Iterator[None]:
    """Engine side: inside this ``with``, ``keyed_shuffle`` runs on ``mechanism`` over ``handles``
    (one per block of the rule being finished, in block order)."""
    token = _SUPPLIED.set((mechanism, list(handles)))
    try:
        yield
    finally:
        _SUPPLIED.reset(token)


def _supplied() -> tuple[Mechanism, list]:
    got = _SUPPLIED.get()
    if got is None:
        raise ValueError("a detached state is finished only while its engine supplies the keyed shuffle")
    return got


def part_count() -> int:
    """How many parts the engine holds for the rule being finished."""
    return len(_supplied()[1])


def hints() -> Hints:
    m = _supplied()[0]
    return Hints(max(1, int(m.partitions)), max(1, int(m.width)), max(1, int(m.min_piece)))


def keyed_shuffle(split: Callable, split_args: Sequence[tuple], n: int, reduce: Callable,
                  reduce_args: Sequence[tuple], sources: Sequence[Sequence[int]] | None = None) -> list:
    """``[reduce([split(part_k, *split_args[k])[c] for k in sources[c]], *reduce_args[c])
    for c in range(n)]``, run where the parts are; ``split``/``reduce`` must be picklable
    module-level functions."""
    mechanism, handles = _supplied()
    if len(split_args) != len(handles) or len(reduce_args) != n:
        raise ValueError(f"a shuffle over {len(handles)} parts got {len(split_args)} split and "
                         f"{len(reduce_args)} reduce arguments for {n} pieces")
    return mechanism.shuffle(handles, split, split_args, n, reduce, reduce_args, sources)


def gather_parts() -> list:
    """The parts themselves, in block order (a fallback that gives up the memory bound)."""
    mechanism, handles = _supplied()
    return mechanism.gather(handles)
