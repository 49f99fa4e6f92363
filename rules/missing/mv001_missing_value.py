from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from trainlint.finding import ROWS_SAMPLE_CAP, Fix, Severity
from trainlint.formats import OPTIONAL_FIELDS
from trainlint.nulls import DISGUISED, missing_mask  # noqa: F401  (re-exported)
from trainlint.rule import Rule


#: a column where at least this share of the values are short lower-case words, of at least
#: MIN_CODES kinds, is a column of codes (ISO 639-3 language codes...): its "nan" is a code too
#: (Min Nan Chinese).  Two or three classes ("pos", "neg", "nan") are labels with a null among them.
CODE_SHARE = 0.5
MIN_CODES = 10
KINDS_CAP = 64
_CODE_RE = "^[a-z]{2,4}$"


#: disguised nulls of a text/label column held back until the column's share of codes is known
DEFER_CAP = 10_000


def _count_codes(col, missing: np.ndarray, fake: np.ndarray, entry: list) -> np.ndarray | None:
    """Add to ``entry`` the disguised nulls written as short words ("nan"), the code-like values
    and the values checked, for a column of this batch; returns the mask of those word nulls."""
    import pyarrow.compute as pc

    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not pa.types.is_string(arr.type):
        return None
    short = np.asarray(pc.fill_null(pc.less_equal(pc.utf8_length(arr), 6), False))
    if not short.any():
        entry[6] += int((~missing).sum())
        return None
    code = np.zeros(len(arr), dtype=bool)
    at = np.flatnonzero(short)
    code[at] = np.asarray(pc.fill_null(pc.match_substring_regex(
        pc.utf8_trim_whitespace(arr.take(pa.array(at))), _CODE_RE), False))
    word = code & fake
    if len(entry[8]) < KINDS_CAP and (code & ~missing).any():
        kinds = pc.unique(arr.filter(pa.array(code & ~missing))).to_pylist()
        entry[8] = set(sorted(entry[8] | set(kinds))[:KINDS_CAP])
    entry[4] += int(word.sum())
    entry[5] += int((code & ~missing).sum())
    entry[6] += int((~missing).sum())
    return word


def _role(src, col: str) -> str:
    return "text" if col in src.text_columns else ("label" if col == src.label_column else "value")


def _fake_message(role: str, col: str, value: str) -> str:
    return f"{role} in column '{col}' is a disguised null ({value!r})"


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

        Not missing: the optional fields of a chat format (Alpaca's ``input``, ``system``,
        ``history``; ShareGPT's ``system``/``tools``...), a sentinel written as a word rather
        than as tools write nulls ("Nan" is a name, or "six"; "nan", "NaN", "None", "N/A" are
        nulls), and "nan"/"none" in a column of at least 10 kinds of short lower-case codes
        (``nan`` is Min Nan Chinese's ISO 639-3 code; text and label rows with them are held
        until the end of the run to decide, at most 10,000 a column).

    Options
        ``disguised``: the null sentinels, compared after trimming, written in lower case, upper
        case or as ``NaN``/``None``/``Null``/``N/a``.
        ``row-columns``: more columns whose missing values are reported row by row.

    Default
        An error per text/label row, a warning per other column, measured on the default run
        over ../shared/data (tests/data/reviewed/MV001.jsonl): Titanic's age, deck, embarked
        and embark_town, 4 of 4 right.  Before: also alpaca_en_demo.json's empty ``input`` (587
        rows, normal in Alpaca) and 3 lines of lingua en.txt that the CSV sniffer had cut on
        their commas, all wrong; a review of 455 findings (issue 22) had judged 0.40 right.
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
        # (source index, column) -> [count, disguised count, sample rows, reported per row,
        #   disguised that are short lower-case words, code-like values, values checked]
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
                entry = state[key] = [0, 0, [], col in row_cols, 0, 0, 0, [], set()]
            word = _count_codes(batch.table.column(col), missing, fake, entry)
            if idx.size:
                entry[0] += int(idx.size)
                entry[1] += int(fake[idx].sum())
                room = ROWS_SAMPLE_CAP - len(entry[2])
                if room > 0:
                    entry[2].extend(batch.rows[idx[:room]].tolist())
            if col in row_cols:
                if word is not None and word.any() and len(entry[7]) < DEFER_CAP:
                    # "nan" as a word: decided at the end, when the column's share of codes is known
                    held = np.flatnonzero(word)
                    values = batch.table.column(col).take(pa.array(held)).to_pylist()
                    entry[7].extend(zip(batch.rows[held].tolist(), (v.strip() for v in values)))
                    missing = missing & ~word
                    idx = np.flatnonzero(missing)
                if idx.size == 0:
                    continue
                role = _role(src, col)
                templates = [f"{role} in column '{col}' is missing"]
                template = np.zeros(idx.size, np.int32)
                is_fake = fake[idx]
                if is_fake.any():  # one message per distinct disguised null, not per row
                    where = np.flatnonzero(is_fake)
                    values = batch.table.column(col).take(pa.array(idx[where])).to_pylist()
                    seen: dict[str, int] = {}
                    for j, v in zip(where.tolist(), values):
                        msg = _fake_message(role, col, v.strip())
                        k = seen.get(msg)
                        if k is None:
                            k = seen[msg] = len(templates)
                            templates.append(msg)
                        template[j] = k
                findings.append(self.row_findings((templates, template), source=src.path,
                                                  rows=batch.rows[idx], column=col))
        return findings

    def merge(self, a, b):
        for key, (n, fake, sample, per_row, words, codes, checked, held, kinds) in b.items():
            entry = a.get(key)
            if entry is None:
                a[key] = [n, fake, list(sample), per_row, words, codes, checked, list(held), set(kinds)]
            else:
                entry[0] += n
                entry[1] += fake
                entry[2] = (entry[2] + sample)[:ROWS_SAMPLE_CAP]
                entry[4] += words
                entry[5] += codes
                entry[6] += checked
                entry[7].extend(held)
                entry[8] = set(sorted(entry[8] | kinds)[:KINDS_CAP])
        return a

    def finish(self, state, run):
        findings = []
        for (sidx, col), (n, fake, sample, per_row, word_nulls, codes, checked, held, kinds) in sorted(
                state.items(), key=lambda kv: kv[0]):
            src = run.sources[sidx]
            if word_nulls and checked and codes >= CODE_SHARE * checked and len(kinds) >= MIN_CODES:
                # "nan" among "eng", "fra", "zho": Min Nan Chinese's ISO 639-3 code, not a null
                n, fake = n - word_nulls, fake - word_nulls
                sample = [] if not n else sample
            elif held:
                role = _role(src, col)
                templates = list(dict.fromkeys(_fake_message(role, col, v) for _r, v in held))
                at = {m: k for k, m in enumerate(templates)}
                template = np.array([at[_fake_message(role, col, v)] for _r, v in held], np.int32)
                findings.append(self.row_findings((templates, template), source=src.path,
                                                  rows=np.array([r for r, _v in held], np.int64), column=col))
            if not n or per_row:
                continue
            total = run.rows_by_source.get(sidx, 0) or n
            extra = f", {fake} of them disguised nulls" if fake else ""
            findings.append(self.finding(
                f"column '{col}' has {n} missing values ({n / total:.1%} of rows{extra})",
                source=src.path, column=col, n_rows=n, rows_sample=sample,
                severity=Severity.WARNING, fix=None, extra={"missing": n, "disguised": fake}))
        return findings

    def stats(self, state, run):
        out = {}
        for (sidx, col), (n, *_rest) in state.items():
            out.setdefault(run.sources[sidx].path, {})[col] = n
        return {"missing_by_column": out} if out else None
