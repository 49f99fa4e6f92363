from __future__ import annotations

import numpy as np

from trainlint.context import unpack_id
from trainlint.finding import Fix, Related, Severity
from trainlint.hashing import combine, hash_strings
from trainlint.rule import Rule

from ._hashstate import HashState


def split_keys(batch) -> np.ndarray:
    """A hash of each row's split, so duplicates are only sought within one split (across splits
    a copy is leakage, the split-leakage rule's business)."""
    import pyarrow as pa

    splits = batch.splits
    if batch.source.split_column is None:
        value = batch.source.split
        h = hash_strings(pa.array([value], pa.string()))[0]
        return np.full(len(batch), h, dtype=np.uint64)
    return hash_strings(pa.array(list(splits), pa.string()))


class ExactDuplicate(Rule):
    """Row repeats an earlier row.

    What it checks
        A row whose text and label are the same as an earlier row's (or, when the data has no
        text column, a row identical to an earlier one in every column), within the same split
        and across every source of that split.  Each duplicate points to its first copy
        (``related``) and shares a ``group`` with it.  Rows are compared by 64-bit xxh3 hashes,
        so memory is 16 bytes per row whatever the text length.

    Why it matters
        Duplicates weight some examples more than others, inflate evaluation scores when they
        straddle a split, and are the first thing every fine-tuning guide says to remove.

    Example
        Line 12 and line 4,077 of a CSV both hold ``"Ok lar... Joking wif u oni...",ham``.

    Fix
        Safe: drop every copy after the first.

    Options
        None.  Copies that differ only in case, spacing or Unicode form are reported by
        ``normalized-duplicate`` (DU003); the same text with another label by
        ``conflicting-label``.
    """

    code = "DU001"
    name = "exact-duplicate"
    severity = Severity.WARNING
    groups = ("duplicates",)
    fix = Fix.SAFE
    batch_arrays = ("text_hash", "label_hash", "text_present")

    def start(self):
        return HashState()

    def update(self, batch, state):
        if batch.text is not None:
            th = batch.text_hash
            keys = combine(th, batch.label_hash if batch.label is not None else np.zeros_like(th))
            valid = batch.text_present.copy()
            if batch.label is not None:
                valid &= np.asarray(batch.label.is_valid())
        else:
            keys = batch.row_hash
            valid = np.ones(len(batch), dtype=bool)
        keys = combine(keys, split_keys(batch))
        state.add(keys[valid], batch.row_ids[valid])
        return ()

    def merge(self, a, b):
        return a.merge(b)

    def finish(self, state, run):
        findings = []
        for n, (first, rest) in enumerate(state.groups(), start=1):
            fs, fr = unpack_id(first)
            first_src = run.sources[fs]
            what = "text and label" if first_src.text_columns or first_src.record_format != "text" else "every column"
            if first_src.label_column is None and what != "every column":
                what = "text"
            for rid in rest.tolist():
                s, r = unpack_id(rid)
                findings.append(self.finding(
                    f"same {what} as an earlier row ({{related}}); {len(rest) + 1} copies in all",
                    source=run.sources[s].path, row=r, group=n,
                    related=[Related(first_src.path, fr)]))
        return findings

    def stats(self, state, run):
        groups = state.groups()
        return {"duplicate_rows": int(sum(len(r) for _f, r in groups)), "clusters": len(groups),
                "largest_clusters": sorted((len(r) + 1 for _f, r in groups), reverse=True)[:10]}
