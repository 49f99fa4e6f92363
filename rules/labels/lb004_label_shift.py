from __future__ import annotations

from dataclasses import dataclass

from trainlint.finding import Severity
from trainlint.rule import Rule

from ._labelcounts import CountsLabels, classify, groups, top_labels

TRAIN = "train"


def total_variation(p: dict, q: dict) -> float:
    """Half the L1 distance between two label distributions given as counts: 0 same, 1 disjoint."""
    sp, sq = sum(p.values()) or 1, sum(q.values()) or 1
    return 0.5 * sum(abs(p.get(k, 0) / sp - q.get(k, 0) / sq) for k in set(p) | set(q))


class LabelShift(CountsLabels, Rule):
    """Label distribution differs between train and an evaluation split.

    What it checks
        Each split other than ``train`` (test, validation, dev, ... from file names or a split
        column) against ``train``, on real labels only (nulls and sentinels left out):

        - the total variation distance between the two label distributions, half the sum of
          absolute differences of class shares (0 = identical, 1 = no label in common), flagged
          above ``max-distance``.  The message names the classes whose share moved most.
          A distance, not a chi-square test: with thousands of rows a test calls every
          trivial difference significant, while the distance measures how much it matters.
        - labels present in the evaluation split but never in train (a model cannot predict
          them): one finding with the labels, the true row count and sample rows;
        - labels present in train but absent from the evaluation split (never evaluated):
          one finding listing them.

    Why it matters
        A test set with another class balance measures another task: accuracy moves with the
        prior, not with the model.  An unseen test label is a guaranteed error; an untested
        train label is a blind spot.

    Example
        train is 50% positive, test 80% positive: distance 0.30.  Banking77's uniform test
        split against its train split gives 0.10, under the default limit.

    Fix
        None automatic.  Re-split with stratification, or say in the evaluation which prior
        the test set has; move or relabel rows of unseen labels.

    Options
        ``max-distance`` (0.15): flag a total variation distance above this.
        ``min-rows`` (30): splits with fewer labelled rows are not compared by distance.
        ``max-classes`` (1000): more distinct labels than this are not compared.
    """

    code = "LB004"
    name = "label-shift"
    severity = Severity.WARNING
    groups = ("labels", "leakage")
    requires = ("label",)

    @dataclass(frozen=True)
    class Options:
        max_distance: float = 0.15
        min_rows: int = 30
        max_classes: int = 1000

    def _pairs(self, state, run):
        gs = [g for g in groups(state, run) if g.split is not None and not g.overflow]
        train = next((g for g in gs if g.split == TRAIN), None)
        if train is None:
            return
        train_real = classify(train.counts)[0]
        if not train_real or len(train_real) > self.options.max_classes:
            return
        for g in gs:
            if g is train:
                continue
            real = classify(g.counts)[0]
            if real and len(real) <= self.options.max_classes:
                yield train, train_real, g, real

    def finish(self, state, run):
        findings = []
        o = self.options
        for _train, tr, g, ev in self._pairs(state, run):
            src = g.source_path(run)
            n_tr, n_ev = sum(tr.values()), sum(ev.values())
            if n_tr >= o.min_rows and n_ev >= o.min_rows:
                tv = total_variation(tr, ev)
                if tv > o.max_distance:
                    moved = sorted(set(tr) | set(ev), key=lambda k: (-abs(ev.get(k, 0) / n_ev - tr.get(k, 0) / n_tr), str(k)))
                    desc = ", ".join(f"{k} {tr.get(k, 0) / n_tr:.1%} → {ev.get(k, 0) / n_ev:.1%}" for k in moved[:4])
                    findings.append(self.finding(
                        f"label distribution of {g.name} differs from train: total variation distance "
                        f"{tv:.2f} (limit {o.max_distance:g}); largest moves (train → {g.split}): {desc}",
                        source=src, n_rows=n_ev, extra={"split": g.split, "total_variation": round(tv, 4)}))
            unseen = sorted((k for k in ev if k not in tr), key=str)
            if unseen:
                n = sum(ev[k] for k in unseen)
                findings.append(self.finding(
                    f"{_count(len(unseen), 'label')} in {g.name} never {'occurs' if len(unseen) == 1 else 'occur'} "
                    f"in train ({_count(n, 'row')}): {_list(unseen)}",
                    source=src, n_rows=n, rows_sample=g.rows_of(unseen),
                    extra={"split": g.split, "labels": [str(k) for k in unseen]}))
            untested = sorted((k for k in tr if k not in ev), key=str)
            if untested:
                findings.append(self.finding(
                    f"{_count(len(untested), 'train label')} never {'occurs' if len(untested) == 1 else 'occur'} "
                    f"in {g.name}, so never evaluated: {_list(untested)}",
                    source=src, n_rows=0, severity=Severity.INFO,
                    extra={"split": g.split, "labels": [str(k) for k in untested]}))
        return findings

    def stats(self, state, run):
        out = {}
        for _train, tr, g, ev in self._pairs(state, run):
            out[g.split] = {"total_variation": round(total_variation(tr, ev), 4),
                            "distribution": top_labels(ev)}
        return {"vs_train": out} if out else None


def _list(labels, cap: int = 10) -> str:
    shown = ", ".join(f"'{k}'" for k in labels[:cap])
    return shown + (f" and {len(labels) - cap} more" if len(labels) > cap else "")


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"
