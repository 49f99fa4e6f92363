"""A block's findings kept pickled in the spill file (``trainlint.spill``) from the end of its
block until they are located: at 1M templated rows the scan's ~70k finding objects (private
data, markup) held ~90 bytes a row of memory through every rule's ``finish`` (issue 21)."""

from __future__ import annotations

import pickle

import numpy as np

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
    """``findings`` with every :class:`SpilledFindings` item replaced by its findings, in place order."""
    if not any(isinstance(f, SpilledFindings) for f in findings):
        return findings
    out: list = []
    for f in findings:
        if isinstance(f, SpilledFindings):
            out.extend(f.load())
        else:
            out.append(f)
    return out
