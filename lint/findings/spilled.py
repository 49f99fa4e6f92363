"""A block's findings kept pickled in the spill file (``trainlint.spill``) from the end of its
block until they are located: at 1M templated rows the scan's ~70k finding objects (private
data, markup) held ~90 bytes a row of memory through every rule's ``finish`` (issue 21).

When they come back (``expanded``), equal messages, extras and edits of the findings are made one
object each: a block's pickle shares nothing with the next block's, and a rule makes a new dict
for every finding, while at 1M templated rows 38k markup findings hold 90 distinct messages and
133 distinct extras (~600 bytes a finding of the end of a run)."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np

from ..finding import Finding
from ..spill import Spilled


class SpilledFindings:
    """Findings (objects and ``RowFindings``) of one block, pickled; ``load`` gives them back."""

    __slots__ = ("data",)

    def __init__(self, findings: list) -> None:
        blob = pickle.dumps(findings, protocol=pickle.HIGHEST_PROTOCOL)
        self.data = Spilled((np.frombuffer(blob, np.uint8),))

    def load(self) -> list:
        return pickle.loads(self.data.read(0))


def spilled(findings: list) -> list:
    """``findings`` as one :class:`SpilledFindings` item (none when empty)."""
    return [SpilledFindings(findings)] if findings else []


def expanded(findings: list) -> list:
    """``findings`` with every :class:`SpilledFindings` item replaced by its findings, in place
    order, their equal messages, extras and edits shared (``Shared``) block by block as loaded."""
    if not any(isinstance(f, SpilledFindings) for f in findings):
        return findings
    shared = Shared()
    out: list = []
    for f in findings:
        if isinstance(f, SpilledFindings):
            out.extend(shared.findings(f.load()))
        else:
            out.append(f)
    return out


class Shared:
    """One object for equal values of findings: messages (by equality), extras and edits (by
    ``repr``, so ``1`` and ``1.0`` stay apart as JSON keeps them).  At most ``CAP`` distinct
    values of each are kept: past that, new values stay the findings' own."""

    CAP = 1 << 16

    def __init__(self) -> None:
        self.messages: dict[str, str] = {}
        self.values: dict[tuple[str, int], list[Any]] = {}
        self.kept = 0

    def findings(self, items: list) -> list:
        """``items`` with the values of their ``Finding`` objects shared, in place (a finding just
        loaded is held by nobody else; ``RowFindings`` and others are left as they are)."""
        put = object.__setattr__
        for f in items:
            if type(f) is not Finding:
                continue
            m = self.messages.get(f.message)
            if m is None:
                if len(self.messages) < self.CAP:
                    self.messages[f.message] = f.message
            elif m is not f.message:
                put(f, "message", m)
            if f.extra:
                x = self.value("extra", f.extra)
                if x is not f.extra:
                    put(f, "extra", x)
            if f.edits:
                e = self.value("edits", f.edits)
                if e is not f.edits:
                    put(f, "edits", e)
        return items

    def value(self, field: str, v: Any) -> Any:
        r = repr(v)
        same = self.values.get((field, hash(r)))
        if same is None:
            if self.kept < self.CAP:
                self.values[(field, hash(r))] = [v, r]
                self.kept += 1
            return v
        return same[0] if same[1] == r else v
