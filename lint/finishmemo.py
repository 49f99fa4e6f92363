"""The finish memo: what rules' ``finish`` keeps in the state cache for the next run over the same
files (issue 17).  ``finish`` still sees every row; near-pair verification, most of its cost,
is looked up where the previous run did it (``trainlint.rules.duplicates._memo``: results keyed by
content).  The local engine loads it before ``finish`` (``RunContext.memo``) and stores what this
run kept; the other engines keep whole runs only, and their rules see no memo.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FinishMemo:
    """``before``: name -> what the previous run kept; ``after``: name -> a slot whose ``after``
    this run keeps.  A value is a shortcut to the same result only, so a memo from a run of
    other data is harmless; one that is damaged or of another version is not used (the entry's
    key holds the run key: version, rules, options; a rule checks what it loads)."""

    before: dict
    after: dict = field(default_factory=dict)

    def kept(self) -> dict:
        return {k: s.after for k, s in self.after.items() if getattr(s, "after", None) is not None}


def _key(cache: Any, paths: Sequence[str | None]) -> str:
    from .statecache import entry_name

    return entry_name("finish-memo", cache.run_key, [os.path.abspath(p) if p else None for p in paths])


def load(cache: Any, paths: Sequence[str | None]) -> FinishMemo:
    """What ``finish`` kept the last time these files were linted with these rules."""
    before = cache.load(_key(cache, paths), count=False)
    return FinishMemo(before if isinstance(before, dict) else {})


def keep(cache: Any, paths: Sequence[str | None], memo: FinishMemo) -> None:
    """Store what this run's ``finish`` kept, in place of the earlier memo (unless it is that):
    an entry of the cache, counted in its size and evicted like the others."""
    kept = memo.kept()
    if kept.keys() != memo.before.keys() or any(v is not memo.before[k] for k, v in kept.items()):
        cache.store(_key(cache, paths), kept)
