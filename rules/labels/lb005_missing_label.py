from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._labelcounts import LABEL_SENTINELS, MV_DISGUISED, LabelCounts, classify, groups


@dataclass
class _State:
    counts: LabelCounts = field(default_factory=LabelCounts)
    #: (source index, split) -> {label as written: [row arrays]} for rows whose label may be a sentinel.
    rows: dict = field(default_factory=dict)


class MissingLabel(Rule):
    """Label is a "no label" sentinel.

    What it checks
        Label values that mean "no label": ``-1``, ``unknown``, ``unk``, ``<unk>``,
        ``unlabeled``, ``no_label``, ``missing``, ``undefined``, ``tbd``, ``todo`` (trimmed,
        case-insensitive), in two ways:

        - a row whose label is a sentinel in a split where other rows carry real labels: one
          finding per row (``-1`` counts as a class, not a sentinel, when the split's integer
          labels are symmetric around zero, as signed sentiment -1/0/1 is);
        - a split in which no row has a real label (every label a sentinel, a null, or a
          disguised null): one error for the split.  This is the classic trap of public test
          sets published with every label ``-1``.

        Nulls, empty strings and "N/A", "null", "None", "nan", "-", "?" are reported row by row
        by ``missing-value`` (MV001), so this rule does not report those rows again; it only
        counts them for the whole-split check.

    Why it matters
        A sentinel silently becomes a class: the model learns to predict "unknown", and a test
        split with every label -1 gives an accuracy of zero (or of 100% for a model that learned
        -1) that means nothing.

    Example
        SNLI's train split holds labels 0, 1, 2 and 785 rows of -1 (no annotator consensus);
        GLUE's test files hold -1 in every row.

    Fix
        Safe for single rows: they are dropped.  A split with no labels needs its real labels,
        or must be left out of evaluation.

    Options
        ``sentinels``: the values that mean "no label" (MV001's disguised nulls are left to it).
    """

    code = "LB005"
    name = "missing-label"
    severity = Severity.WARNING
    groups = ("labels", "missing")
    fix = Fix.SAFE
    requires = ("label",)

    @dataclass(frozen=True)
    class Options:
        sentinels: tuple[str, ...] = LABEL_SENTINELS

    def _sentinels(self) -> list[str]:
        return sorted({s.strip().lower() for s in self.options.sentinels} - set(MV_DISGUISED))

    def start(self):
        return _State()

    def update(self, batch, state):
        state.counts.add_batch(batch)
        labels = batch.label
        if labels is None or len(batch) == 0:
            return ()
        sent = self._sentinels()
        if "-1" in sent:
            sent.append("-1.0")
        normed = pc.utf8_lower(pc.utf8_trim_whitespace(labels))
        mask = np.asarray(pc.fill_null(pc.is_in(normed, pa.array(sent, pa.string())), False))
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return ()
        values = labels.take(pa.array(idx)).to_pylist()
        splits = batch.splits
        groups_: dict = {}
        for i, v in zip(idx.tolist(), values):
            groups_.setdefault((splits[i], v), []).append(i)
        for (split, v), ii in groups_.items():
            by = state.rows.setdefault((batch.source.index, split), {})
            by.setdefault(v, []).append(batch.rows[np.asarray(ii, np.int64)])
        return ()

    def merge(self, a, b):
        a.counts.merge(b.counts)
        for key, by in b.rows.items():
            mine = a.rows.setdefault(key, {})
            for v, arrs in by.items():
                mine.setdefault(v, []).extend(arrs)
        return a

    def finish(self, state, run):
        findings = []
        sent_opt = self.options.sentinels
        for g in groups(state.counts, run):
            if g.overflow:
                continue
            real, sent, mv = classify(g.counts, sent_opt)
            total = sum(g.counts.values())
            if not total:
                continue
            where = g.name if g.split is not None else "this file"
            if not real:
                parts = [f"'{k}' × {n:,}" for k, n in sorted(sent.items(), key=lambda kv: -kv[1])]
                n_mv = sum(mv.values())
                if n_mv:
                    parts.append(f"missing × {n_mv:,}")
                findings.append(self.finding(
                    f"no row of {where} has a real label ({', '.join(parts)}): it cannot train or "
                    f"evaluate anything with these labels",
                    source=g.source_path(run), n_rows=total, rows_sample=g.rows_of(list(g.counts)),
                    severity=Severity.ERROR, fix=None, extra={"split": g.split}))
                continue
            if not sent:
                continue
            n_sent = sum(sent.values())
            for sidx in g.sources:
                by = state.rows.get((sidx, g.split), {})
                path = run.sources[sidx].path
                for value in sorted(sent, key=str):
                    arrs = by.get(value) or []
                    if not arrs:
                        continue
                    rows = np.sort(np.concatenate([np.asarray(a, np.int64).ravel() for a in arrs]))
                    for r in rows.tolist():
                        findings.append(self.finding(
                            f"label '{value}' means no label ({n_sent:,} such rows in {where}, "
                            f"whose other rows carry real labels)",
                            source=path, row=r, column=run.sources[sidx].label_column))
        return findings

    def stats(self, state, run):
        out = {}
        for g in groups(state.counts, run):
            if g.overflow:
                continue
            real, sent, mv = classify(g.counts, self.options.sentinels)
            if sent or (not real and mv):
                out[g.name] = {"sentinels": {str(k): v for k, v in sent.items()}, "missing": sum(mv.values()),
                               "labelled": sum(real.values())}
        return {"by_split": out} if out else None
