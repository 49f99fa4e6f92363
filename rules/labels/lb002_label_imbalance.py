from __future__ import annotations

import math
from dataclasses import dataclass

from trainlint.finding import Severity
from trainlint.rule import Rule

from ._labelcounts import CountsLabels, classify, fmt_dist, groups, top_labels


def imbalance(counts: dict) -> dict:
    """Ratio of majority to minority, minority share and evenness (normalised Shannon entropy)."""
    total = sum(counts.values())
    hi, lo = max(counts.values()), min(counts.values())
    k = len(counts)
    entropy = -sum((n / total) * math.log(n / total) for n in counts.values() if n)
    return {"classes": k, "rows": total, "ratio": hi / lo, "minority_share": lo / total,
            "evenness": entropy / math.log(k) if k > 1 else 1.0}


class LabelImbalance(CountsLabels, Rule):
    """Label distribution is skewed.

    What it checks
        The distribution of real labels (nulls and "no label" sentinels left out) in each split,
        or in each source when there are no splits.  A split is flagged when the ratio of its
        largest class to its smallest reaches ``max-ratio``, or when its evenness falls below
        ``min-evenness``.  Evenness is Shannon entropy divided by its maximum, log(classes):
        1.0 is perfectly balanced; a two-class split at 80/20 has 0.72, at 87/13 0.56.  The
        ratio catches one starved class among many; evenness catches a skew spread over the
        whole distribution without being fooled by a single small class (that is
        ``rare-label``'s business).  The full distribution and the three measures of every
        split go to the JSON report's ``stats``.

    Why it matters
        A classifier trained on a skewed set learns the prior: predicting the majority class is
        already 87% accurate on SMS spam, so accuracy hides a model that never finds spam.
        Knowing the skew tells you to report per-class metrics, reweight, or resample.

    Example
        The SMS Spam Collection: ham 4,827 (86.6%), spam 747 (13.4%): ratio 6.5, evenness
        0.57.  Banking77's test split (40 rows for each of 77 intents) is perfectly even; its
        train split (35 to 187 rows per intent) has ratio 5.3 but evenness 0.99 and passes.

    Fix
        None automatic.  Report per-class precision/recall, weight the loss by class, or
        resample; collect more minority examples where you can.

    Options
        ``max-ratio`` (10.0): flag when largest / smallest class reaches this.
        ``min-evenness`` (0.8): flag when evenness is below this (0 disables).
        ``min-rows`` (20): splits with fewer labelled rows are not judged.
        ``max-classes`` (1000): more distinct labels than this means the label is not a class
        (an id, a score, free text): not judged.
    """

    code = "LB002"
    name = "label-imbalance"
    severity = Severity.WARNING
    groups = ("labels",)
    requires = ("label",)

    @dataclass(frozen=True)
    class Options:
        max_ratio: float = 10.0
        min_evenness: float = 0.8
        min_rows: int = 20
        max_classes: int = 1000

    def _judged(self, state, run):
        for g in groups(state, run):
            if g.overflow:
                continue
            real, _sent, _mv = classify(g.counts)
            if len(real) < 2 or len(real) > self.options.max_classes or sum(real.values()) < self.options.min_rows:
                yield g, real, None
                continue
            yield g, real, imbalance(real)

    def finish(self, state, run):
        findings = []
        o = self.options
        for g, real, m in self._judged(state, run):
            if m is None:
                continue
            why = []
            if m["ratio"] >= o.max_ratio:
                why.append(f"largest/smallest class {m['ratio']:.1f}× (limit {o.max_ratio:g})")
            if o.min_evenness > 0 and m["evenness"] < o.min_evenness:
                why.append(f"evenness {m['evenness']:.2f} (limit {o.min_evenness:g})")
            if not why:
                continue
            where = f"the labels of {g.name}" if g.split is not None else "the labels"
            findings.append(self.finding(
                f"{where} are imbalanced: {fmt_dist(real)}; {' and '.join(why)}",
                source=g.source_path(run), n_rows=m["rows"],
                extra={"split": g.split, "distribution": top_labels(real),
                       **{k: round(v, 4) if isinstance(v, float) else v for k, v in m.items()}}))
        return findings

    def stats(self, state, run):
        out = {}
        for g, real, m in self._judged(state, run):
            entry = {"distribution": top_labels(real)}
            if m is not None:
                entry.update({k: round(v, 4) if isinstance(v, float) else v for k, v in m.items()})
            out[g.name] = entry
        return {"by_split": out} if out else None
