from __future__ import annotations

import numpy as np

from trainlint.context import ROW_BITS, ROW_MASK
from trainlint.finding import Fix, Severity
from trainlint.hashing import combine
from trainlint.rule import Rule

from ._hashstate import HashState


class ExactDuplicate(Rule):
    """Row repeats an earlier row.

    What it checks
        A row whose text and label are the same as an earlier row's (or, when the data has no
        text column, a row identical to an earlier one in every column), within the same split
        and across every source of that split.  Each duplicate points to its first copy
        (``related``) and shares a ``group`` with it.  Rows are compared by 64-bit xxh3 hashes,
        so memory is 12 bytes per row whatever the text length.

    Why it matters
        Duplicates weight some examples more than others, inflate evaluation scores when they
        straddle a split, and are the first thing every fine-tuning guide says to remove.

    Example
        Line 12 and line 4,077 of a CSV both hold ``"Ok lar... Joking wif u oni...",ham``.

    Fix
        Safe: drop every copy after the first.

        Rows of a table without a text role that are equal in every column are ``info``: in
        tabular data they are usually different entities sharing coarse values (Titanic without
        names: 107 of 891 rows), not copies.

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
        keys = combine(keys, batch.split_hash)
        state.add(keys[valid], batch.row_ids[valid])
        return ()

    def merge(self, a, b):
        return a.merge(b)

    def finish(self, state, run):
        firsts, sizes, members = state.group_arrays()
        if not members.size:
            return ()
        rest = sizes - 1
        first = np.repeat(firsts, rest)
        first_src = (first >> ROW_BITS).astype(np.int32)
        # the message names what was compared (it depends on the first copy's source) and the
        # cluster's size: one template per (source, size) seen, not one string per finding
        what = [self._compared(s) for s in run.sources]
        pair = first_src.astype(np.int64) << 32 | np.repeat(sizes, rest)
        pairs, template = np.unique(pair, return_inverse=True)
        templates = [f"same {what[p >> 32]} as an earlier row ({{related}}); {p & 0xFFFFFFFF} copies in all"
                     for p in pairs.tolist()]
        paths = [s.path for s in run.sources]
        group = np.repeat(np.arange(1, firsts.size + 1, dtype=np.int64), rest)
        # a table without a text role (Titanic: 107 of 891 rows equal in every column) repeats
        # rows of different entities that share coarse values; reviewed 5 of 5 such findings as
        # not duplicates, so they are info there, not warnings
        whole = np.array([what[s] == "every column" for s in range(len(run.sources))], bool)[first_src]
        out = []
        for sel, severity in ((~whole, None), (whole, Severity.INFO)):
            if sel.any():
                out.append(self.row_findings(
                    (templates, template.reshape(-1)[sel]), source=(paths, members[sel] >> ROW_BITS),
                    rows=members[sel] & ROW_MASK, group=group[sel],
                    related=((paths, first_src[sel]), first[sel] & ROW_MASK), severity=severity))
        return out

    @staticmethod
    def _compared(src) -> str:
        what = "text and label" if src.text_columns or src.record_format != "text" else "every column"
        if src.label_column is None and what != "every column":
            what = "text"
        return what

    def stats(self, state, run):
        _firsts, sizes, _members = state.group_arrays()
        return {"duplicate_rows": int((sizes - 1).sum()), "clusters": int(sizes.size),
                "largest_clusters": np.sort(sizes)[::-1][:10].tolist()}
