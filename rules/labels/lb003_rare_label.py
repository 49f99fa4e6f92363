from __future__ import annotations

from dataclasses import dataclass

from trainlint.finding import Severity
from trainlint.rule import Rule

from ._labelcounts import CountsLabels, classify, groups


class RareLabel(CountsLabels, Rule):
    """Label has too few rows to learn.

    What it checks
        In each split (or each source when there are no splits), every real label (nulls and
        "no label" sentinels left out) with fewer than ``min-count`` rows while the split's
        largest label has at least twice as many, or with a share of the split below
        ``min-share``.  One finding per rare label, with its count, its share and its rows (the
        true count and a sample); the message lists the split's other rare labels.
        A split with only one label, or so many labels that the column is clearly not a class
        (``max-classes``), is not judged.

    Why it matters
        A class with three examples cannot be learned and cannot be evaluated: its
        per-class metrics are noise, and a stratified split may leave it out of train or test
        entirely.  Such labels are often typos of another label or leftovers of a relabelling.

    Example
        ``refund_not_showing_up`` has 2 rows among 10,000 while every other intent has 35 or more.

    Fix
        None automatic.  Merge the label into the class it belongs to, collect more examples,
        or drop it from the label set.

    Options
        ``min-count`` (10): a label with fewer rows than this is rare, when it also has fewer than
        ``max-relative`` (0.5) times the rows of the split's largest label (so a 20-row split whose
        classes all have a handful of rows is not flagged label by label).
        ``min-share`` (0.0005): a label below this share of its split is rare (0 disables).
        ``max-classes`` (1000): more distinct labels than this are not judged.
    """

    code = "LB003"
    name = "rare-label"
    severity = Severity.WARNING
    groups = ("labels",)
    requires = ("label",)

    @dataclass(frozen=True)
    class Options:
        min_count: int = 10
        min_share: float = 0.0005
        max_classes: int = 1000
        max_relative: float = 0.5

    def _rare(self, real: dict) -> list:
        total = sum(real.values())
        o = self.options
        # few rows is rare only beside a bigger class: in a 20-row split every class has few rows
        largest = max(real.values())
        return sorted((lab for lab, n in real.items()
                       if (n < o.min_count and n < o.max_relative * largest) or n / total < o.min_share),
                      key=lambda lab: (real[lab], str(lab)))

    def finish(self, state, run):
        findings = []
        for g in groups(state, run):
            if g.overflow:
                continue
            real, _s, _m = classify(g.counts)
            if len(real) < 2 or len(real) > self.options.max_classes:
                continue
            rare = self._rare(real)
            total = sum(real.values())
            where = f" in {g.name}" if g.split is not None else ""
            for lab in rare:
                others = [f"{x!s} ({real[x]})" for x in rare if x != lab]
                also = f"; also rare: {', '.join(others[:10])}{' …' if len(others) > 10 else ''}" if others else ""
                findings.append(self.finding(
                    f"label '{lab}' has only {real[lab]:,} row{'s' if real[lab] != 1 else ''} "
                    f"({real[lab] / total:.2%} of {total:,}){where}{also}",
                    source=g.source_path(run), n_rows=real[lab], rows_sample=g.rows_of([lab]),
                    extra={"split": g.split, "label": str(lab), "count": real[lab]}))
        return findings

    def stats(self, state, run):
        out = {}
        for g in groups(state, run):
            if g.overflow:
                continue
            real, _s, _m = classify(g.counts)
            if 2 <= len(real) <= self.options.max_classes:
                rare = self._rare(real)
                if rare:
                    out[g.name] = {str(lab): real[lab] for lab in rare}
        return {"rare_labels": out} if out else None
