from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule


class UnknownLabel(Rule):
    """Label is not in the declared label set.

    What it checks
        Each row's label against the ``labels`` option (``labels = ["negative", "positive"]``
        under ``[tool.trainlint.rules.unknown-label]``), compared exactly as written (numbers
        as text: ``labels = [0, 1]`` matches ``0`` and ``1``).  Null labels are left to
        missing-value and missing-label.  The message names the closest declared label when
        one is near (rapidfuzz), e.g. a case or spelling variant.  Without the option the
        rule does nothing.

    Why it matters
        A label outside the task's classes is a typo, a leftover of an older label scheme or
        a class the model head does not have; training either fails or silently learns it.

    Example
        With ``labels = ["ham", "spam"]``, a row labelled ``"Spam"`` is reported:
        ``label 'Spam' is not one of the 2 declared labels (closest: 'spam')``.

    Fix
        Unsafe: drop the row (relabelling it is usually better).

    Options
        ``labels``: the declared label set (empty: the rule is off).
    """

    code = "LB007"
    name = "unknown-label"
    severity = Severity.ERROR
    groups = ("labels",)
    fix = Fix.UNSAFE
    requires = ("label",)

    @dataclass(frozen=True)
    class Options:
        labels: tuple = ()

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self._declared = sorted({_as_text(v) for v in self.options.labels})
        self._value_set = pa.array(self._declared, pa.string())
        self._closest: dict[str, str | None] = {}

    def update(self, batch, state):
        if not self._declared or batch.label is None:
            return ()
        labels = batch.label
        bad = np.asarray(pc.and_(labels.is_valid(), pc.invert(pc.is_in(labels, value_set=self._value_set)))
                         .fill_null(False))
        idx = np.flatnonzero(bad)
        if not idx.size:
            return ()
        values = labels.take(pa.array(idx)).to_pylist()
        out = []
        n = len(self._declared)
        for i, v in zip(idx.tolist(), values):
            near = self._near(v)
            hint = f" (closest: {near!r})" if near else ""
            out.append(self.finding(
                f"label {v!r} is not one of the {n} declared label{'s' if n != 1 else ''}{hint}",
                source=batch.source.path, row=int(batch.rows[i]), column=batch.source.label_column,
                extra={"label": v, "closest": near}))
        return out

    def _near(self, value: str) -> str | None:
        if value not in self._closest:
            from rapidfuzz import fuzz, process, utils

            hit = process.extractOne(value, self._declared, scorer=fuzz.ratio,
                                     processor=utils.default_process, score_cutoff=75)
            self._closest[value] = hit[0] if hit else None
        return self._closest[value]


def _as_text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
