from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from trainlint.finding import ROWS_SAMPLE_CAP, Fix, Severity
from trainlint.formats import OPTIONAL_FIELDS
from trainlint.nulls import DISGUISED, missing_mask  # noqa: F401  (re-exported)
from trainlint.rule import Rule


class MissingValue(Rule):
    """Value is missing.

    What it checks
        Nulls, NaN, empty and whitespace-only strings, and disguised nulls ("N/A", "null",
        "None", "nan", "-", "?") in every column.  In the text and label columns each affected
        row is a finding, because that row cannot train anything; in other columns there is one
        finding per column with the true count and a sample of rows.

    Why it matters
        An empty text or a label of "N/A" becomes a real training example: the model learns to
        answer nothing, or learns "N/A" as a class.  Disguised nulls also slip past ``isna()``.

    Example
        ``,positive`` (empty text) or ``"I loved it",N/A`` (a label that is a null in disguise).

    Fix
        Safe for rows whose text or label is missing: they are dropped into the rejects file.
        Missing values in other columns are reported, not fixed.

    Options
        ``disguised``: the null sentinels, compared after trimming and lower-casing.
        ``row-columns``: more columns whose missing values are reported row by row.
    """

    code = "MV001"
    name = "missing-value"
    severity = Severity.ERROR
    groups = ("missing",)
    fix = Fix.SAFE

    @dataclass(frozen=True)
    class Options:
        disguised: tuple[str, ...] = DISGUISED
        row_columns: tuple[str, ...] = ()

    def start(self):
        # (source index, column) -> [count, disguised count, sample rows, reported per row]
        return {}

    def update(self, batch, state):
        src = batch.source
        row_cols = set(src.text_columns) | set(self.options.row_columns)
        if src.label_column:
            row_cols.add(src.label_column)
        findings = []
        disguised = tuple(d.lower() for d in self.options.disguised)
        optional = OPTIONAL_FIELDS.get(src.record_format, ())  # Alpaca's empty 'input' is normal
        for col in batch.table.column_names:
            if col in optional:
                continue
            missing, fake = batch.missing(col, disguised)
            idx = np.flatnonzero(missing)
            key = (src.index, col)
            entry = state.get(key)
            if entry is None:
                entry = state[key] = [0, 0, [], col in row_cols]
            if idx.size:
                entry[0] += int(idx.size)
                entry[1] += int(fake[idx].sum())
                room = ROWS_SAMPLE_CAP - len(entry[2])
                if room > 0:
                    entry[2].extend(batch.rows[idx[:room]].tolist())
            if col in row_cols:
                if idx.size == 0:
                    continue
                role = "text" if col in src.text_columns else ("label" if col == src.label_column else "value")
                templates = [f"{role} in column '{col}' is missing"]
                template = np.zeros(idx.size, np.int32)
                is_fake = fake[idx]
                if is_fake.any():  # one message per distinct disguised null, not per row
                    where = np.flatnonzero(is_fake)
                    values = batch.table.column(col).take(pa.array(idx[where])).to_pylist()
                    seen: dict[str, int] = {}
                    for j, v in zip(where.tolist(), values):
                        msg = f"{role} in column '{col}' is a disguised null ({v.strip()!r})"
                        k = seen.get(msg)
                        if k is None:
                            k = seen[msg] = len(templates)
                            templates.append(msg)
                        template[j] = k
                findings.append(self.row_findings((templates, template), source=src.path,
                                                  rows=batch.rows[idx], column=col))
        return findings

    def merge(self, a, b):
        for key, (n, fake, sample, per_row) in b.items():
            entry = a.get(key)
            if entry is None:
                a[key] = [n, fake, list(sample), per_row]
            else:
                entry[0] += n
                entry[1] += fake
                entry[2] = (entry[2] + sample)[:ROWS_SAMPLE_CAP]
        return a

    def finish(self, state, run):
        findings = []
        for (sidx, col), (n, fake, sample, per_row) in sorted(state.items(), key=lambda kv: kv[0]):
            if not n or per_row:
                continue
            total = run.rows_by_source.get(sidx, 0) or n
            extra = f", {fake} of them disguised nulls" if fake else ""
            findings.append(self.finding(
                f"column '{col}' has {n} missing values ({n / total:.1%} of rows{extra})",
                source=run.sources[sidx].path, column=col, n_rows=n, rows_sample=sample,
                severity=Severity.WARNING, fix=None, extra={"missing": n, "disguised": fake}))
        return findings

    def stats(self, state, run):
        out = {}
        for (sidx, col), (n, _fake, _s, _r) in state.items():
            out.setdefault(run.sources[sidx].path, {})[col] = n
        return {"missing_by_column": out} if out else None
