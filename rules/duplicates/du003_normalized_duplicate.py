from __future__ import annotations

import numpy as np

from trainlint.context import unpack_id
from trainlint.finding import Fix, Related, Severity
from trainlint.hashing import combine
from trainlint.rule import Rule

from ._hashstate import HashState


class NormalizedDuplicate(Rule):
    """Row repeats an earlier row up to case, spacing or Unicode form.

    What it checks
        A row whose text, after Unicode NFKC, lower-casing and collapsing whitespace, and whose
        label are the same as an earlier row's, while the raw text differs (exact copies are
        ``exact-duplicate``).  Within one split, across all its sources.

    Why it matters
        "Hello  World" and "hello world" are the same training example twice; exact hashing
        misses them.

    Example
        ``"Free entry in 2 a wkly comp"`` and ``"FREE entry in 2 a  wkly comp"``.

    Fix
        Unsafe (``--unsafe-fixes``): drop the later copies, keeping the first.  Case can carry
        meaning (a name, an acronym), so a person should glance at them first.

    Options
        None.
    """

    code = "DU003"
    name = "normalized-duplicate"
    severity = Severity.WARNING
    groups = ("duplicates",)
    fix = Fix.UNSAFE
    requires = ("text",)

    def start(self):
        # normalised key and exact key side by side: a cluster is reported only where raw texts differ
        return (HashState(), HashState())

    def update(self, batch, state):
        norm, exact = state
        nh = batch.text_normalized_hash
        lab = batch.label_hash if batch.label is not None else np.zeros_like(nh)
        sk = batch.split_hash
        valid = batch.text_present
        norm.add(combine(combine(nh, lab), sk)[valid], batch.row_ids[valid])
        exact.add(combine(combine(batch.text_hash, lab), sk)[valid], batch.row_ids[valid])
        return ()

    def merge(self, a, b):
        return (a[0].merge(b[0]), a[1].merge(b[1]))

    def finish(self, state, run):
        norm, exact = state
        # rows that are exact copies of an earlier row are exact-duplicate's, not ours
        exact_dupes = set()
        for _first, rest in exact.groups():
            exact_dupes.update(rest.tolist())
        findings = []
        n = 0
        for first, rest in norm.groups():
            later = [r for r in rest.tolist() if r not in exact_dupes]
            if not later:
                continue
            n += 1
            fs, fr = unpack_id(first)
            for rid in later:
                s, r = unpack_id(rid)
                findings.append(self.finding(
                    "text repeats an earlier row ({related}) up to case, spacing or Unicode form",
                    source=run.sources[s].path, row=r, group=n, related=[Related(run.sources[fs].path, fr)]))
        return findings
