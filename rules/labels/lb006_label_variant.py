from __future__ import annotations

import re
from dataclasses import dataclass

from trainlint.finding import ROWS_SAMPLE_CAP, Severity
from trainlint.rule import Rule

from ._labelcounts import CountsLabels, classify

_NUMERIC = re.compile(r"\s*[-+]?\d+(?:\.\d+)?\s*")


def fold(label: str) -> str:
    """The form variants share: case-folded, without whitespace, punctuation or underscores
    (``"Positive "``, ``"positive."`` and ``"POSITIVE"`` fold alike).  Numbers keep their sign."""
    if _NUMERIC.fullmatch(label):
        return label.strip()
    return re.sub(r"[\W_]+", "", label.casefold())


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


class LabelVariant(CountsLabels, Rule):
    """Label value is a variant of another label.

    What it checks
        Every real label value (nulls and "no label" sentinels left out) across all sources
        and splits, against the others:

        - the same label written differently: case, surrounding or inner whitespace,
          punctuation, ``_``/``-`` (``"Positive "``, ``"positive"``, ``"POSITIVE"``,
          ``"top-up"``/``"top_up"``).  The most frequent form is canonical (ties: the one seen
          first); each other form is one finding;
        - a likely misspelling: a label within 1 edit (labels of 4-7 characters) or 2 edits (8+)
          of a label at least ``1 / max-ratio`` times as frequent (``"postive"`` beside
          ``"positive"``), compared with rapidfuzz.  Labels that differ only in digits
          (``class_1``/``class_2``), shorter than 4 characters, or that are English words
          themselves (``spam``/``scam``) are never called misspellings.

        One finding per variant form, with its true row count and a sample of its rows; the
        canonical form is in the message and in ``extra``.  Label counts are the merged state
        of the label rules (bounded: at most 10,000 distinct values per split).

    Why it matters
        ``positive``, ``Positive `` and ``postive`` are three classes to a model: the examples
        of one concept are split, and each variant is a rare class that cannot be learned.

    Example
        ``label 'Positive ' (12 rows) is a variant of 'positive' (4,810 rows): case/whitespace;
        map it to 'positive'``.

    Fix
        None in the cleaner (its fixes drop rows, and these rows should be relabelled, not
        dropped).  Case/whitespace/punctuation variants are safe to map to the canonical form
        in the message; a misspelling is probably one, so check before mapping.

    Options
        ``max-ratio`` (0.2): a misspelling-like label must have at most this share of the
        similar label's rows.  ``min-length`` (4): shorter labels are not compared by edit
        distance.  ``max-labels`` (3,000): more distinct labels than this are not compared by
        edit distance (an id column, not classes).
    """

    code = "LB006"
    name = "label-variant"
    severity = Severity.WARNING
    groups = ("labels",)
    requires = ("label",)

    @dataclass(frozen=True)
    class Options:
        max_ratio: float = 0.2
        min_length: int = 4
        max_labels: int = 3000

    def _totals(self, state):
        """{label: count} over all sources and splits, {label: first (source, row)} and samples."""
        totals: dict = {}
        samples: dict = {}
        for key in sorted(state.counts, key=lambda k: (k[0], "" if k[1] is None else str(k[1]))):
            real, _sent, _mv = classify(state.counts[key])
            for lab, n in real.items():
                totals[lab] = totals.get(lab, 0) + n
                samples.setdefault(lab, []).extend((key[0], r) for r in state.samples[key].get(lab, ()))
        for lab in samples:
            samples[lab].sort()
        return totals, samples

    def variants(self, state) -> list[tuple[str, str, str]]:
        """(variant, canonical, kind) for every variant form, in a stable order."""
        totals, samples = self._totals(state)
        first = {lab: (samples[lab][0] if samples[lab] else (1 << 60, 0)) for lab in totals}
        folded: dict[str, list[str]] = {}
        for lab in totals:
            folded.setdefault(fold(lab), []).append(lab)
        out = []
        canon: dict[str, str] = {}  # fold key -> canonical form
        for key, forms in folded.items():
            forms.sort(key=lambda f: (-totals[f], first[f], f))
            canon[key] = forms[0]
            out.extend((f, forms[0], "case/whitespace/punctuation") for f in forms[1:])
        keys = [k for k in canon if len(k) >= 3 and not _NUMERIC.fullmatch(k)]
        if 1 < len(keys) <= self.options.max_labels:
            out.extend(self._misspellings(keys, canon, folded, totals))
        out.sort(key=lambda t: (first[t[0]], t[0]))
        return out

    def _misspellings(self, keys, canon, folded, totals):
        import numpy as np
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        from trainlint.resources import english_dictionary

        count = {k: sum(totals[f] for f in folded[k]) for k in keys}
        dist = process.cdist(keys, keys, scorer=OSA.distance, score_cutoff=2, dtype=np.uint8, workers=1)
        words = None
        out = []
        for i, k in enumerate(keys):
            if len(k) < self.options.min_length:
                continue
            reach = 1 if len(k) < 8 else 2
            best = None
            for j in np.flatnonzero(dist[i] <= reach).tolist():
                other = keys[j]
                if j == i or count[k] > self.options.max_ratio * count[other]:
                    continue
                if re.sub(r"\d", "", k) == re.sub(r"\d", "", other):
                    continue
                cand = (int(dist[i, j]), -count[other], other)
                best = cand if best is None or cand < best else best
            if best is None:
                continue
            if words is None:
                words = set(english_dictionary()[0].to_pylist())
            parts = re.findall(r"[a-z]+", canon[k].casefold())
            if parts and all(p in words for p in parts):
                continue  # "scam" beside "spam": both words, not a typo
            out.append((canon[k], canon[best[2]], "misspelling"))
        return out

    def finish(self, state, run):
        totals, samples = self._totals(state)
        findings = []
        for variant, canonical, kind in self.variants(state):
            rows = samples[variant]
            src = rows[0][0] if rows else 0
            sample = [r for s, r in rows if s == src][:ROWS_SAMPLE_CAP]
            n, m = totals[variant], totals[canonical]
            if kind == "misspelling":
                msg = (f"label {variant!r} ({_rows(n)}) looks like a misspelling of {canonical!r} "
                       f"({_rows(m)}); map it to {canonical!r} if so")
            else:
                msg = (f"label {variant!r} ({_rows(n)}) differs from {canonical!r} ({_rows(m)}) only in "
                       f"case, whitespace or punctuation; map it to {canonical!r}")
            findings.append(self.finding(
                msg,
                source=run.sources[src].path, column=run.sources[src].label_column,
                n_rows=totals[variant], rows_sample=sample,
                extra={"variant": variant, "canonical": canonical, "kind": kind}))
        return findings

    def stats(self, state, run):
        return {"variants": {v: c for v, c, _k in self.variants(state)}}
