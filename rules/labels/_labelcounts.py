"""Label counters shared by the label rules: per (source, split), mergeable, bounded.

The state keeps, for each source and split, how many rows carry each label value (as written,
the label column cast to text) and the first few row numbers of each.  Which values are real
classes and which are "no label" sentinels is decided in ``finish`` from the whole split (a
``-1`` is a sentinel beside 0/1/2 but a class beside 0/1 in signed sentiment labels).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainlint.finding import ROWS_SAMPLE_CAP

#: what missing-value (MV001) already reports per row in the label column (after trim + lower):
#: its default sentinels, from the module both share, not from MV001's file
from trainlint.nulls import DISGUISED as MV_DISGUISED

#: "no label" sentinels MV001 does not catch; missing-label (LB005) reports these.
LABEL_SENTINELS = ("-1", "unknown", "unk", "<unk>", "unlabeled", "unlabelled", "no label", "no_label",
                   "nolabel", "missing", "undefined", "tbd", "todo")

#: a split's label values beyond this many are not tracked (the "label" is an id or free text).
MAX_LABELS = 10_000


def norm(value: str | None) -> str:
    return "" if value is None else value.strip().lower()


def is_signed_int_set(values) -> bool:
    """{-1, 1} or {-1, 0, 1} or {-2..2}: integer labels symmetric around 0, where -1 is a class."""
    ints = set()
    for v in values:
        try:
            f = float(v)
        except (TypeError, ValueError):
            return False
        if not f.is_integer():
            return False
        ints.add(int(f))
    return bool(ints) and -1 in ints and all(-x in ints for x in ints)


def _is_minus_one(n: str) -> bool:
    return n in ("-1", "-1.0")


def classify(counts: dict, sentinels=LABEL_SENTINELS, mv=MV_DISGUISED) -> tuple[dict, dict, dict]:
    """Split a {label: count} dict (None = null) into (real, sentinel, mv_missing).

    ``sentinel`` holds values in ``sentinels`` that MV001 does not report; ``mv_missing`` holds
    nulls, blanks and MV001's disguised nulls.  ``-1`` is a class, not a sentinel, when the
    split's integer labels are symmetric around 0 (signed sentiment: -1/0/1).
    """
    sent_set = {s.strip().lower() for s in sentinels} - set(mv)
    real, sent, mvm = {}, {}, {}
    for lab, n in counts.items():
        k = norm(lab)
        if lab is None or k == "" or k in mv:
            mvm[lab] = n
        elif k in sent_set or (_is_minus_one(k) and "-1" in sent_set):
            sent[lab] = n
        else:
            real[lab] = n
    minus = [lab for lab in sent if _is_minus_one(norm(lab))]
    if minus and real and is_signed_int_set([norm(x) for x in list(real) + minus]):
        for lab in minus:
            real[lab] = sent.pop(lab)
    return real, sent, mvm


@dataclass
class LabelCounts:
    """{(source index, split): {label or None: count}}, with the first rows of each label."""

    counts: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)
    overflow: set = field(default_factory=set)

    def add_batch(self, batch) -> None:
        labels = batch.label
        if labels is None or len(batch) == 0:
            return
        sidx = batch.source.index
        if batch.source.split_column is None:
            self._add(sidx, batch.source.split, labels, batch.rows)
            return
        splits = batch.splits
        keys = np.array(["\0" if s is None else str(s) for s in splits], dtype=object)
        for key in dict.fromkeys(keys.tolist()):
            idx = np.flatnonzero(keys == key)
            self._add(sidx, None if key == "\0" else key, labels.take(pa.array(idx)), batch.rows[idx])

    def _add(self, sidx: int, split, labels: pa.Array, rows: np.ndarray) -> None:
        key = (sidx, split)
        if key in self.overflow:
            return
        enc = pc.dictionary_encode(labels, null_encoding="encode")
        codes = np.asarray(pc.fill_null(enc.indices, -1), dtype=np.int64)
        values = enc.dictionary.to_pylist()
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        bounds = np.flatnonzero(np.diff(sorted_codes)) + 1
        starts = np.concatenate([[0], bounds])
        ends = np.concatenate([bounds, [len(sorted_codes)]])
        counts = self.counts.setdefault(key, {})
        samples = self.samples.setdefault(key, {})
        for s, e in zip(starts.tolist(), ends.tolist()):
            code = int(sorted_codes[s])
            value = None if code < 0 else values[code]
            counts[value] = counts.get(value, 0) + (e - s)
            have = samples.setdefault(value, [])
            room = ROWS_SAMPLE_CAP - len(have)
            if room > 0:
                have.extend(rows[order[s:min(e, s + room)]].tolist())
        if len(counts) > MAX_LABELS:
            self._overflow(key)

    def _overflow(self, key) -> None:
        self.overflow.add(key)
        self.counts.pop(key, None)
        self.samples.pop(key, None)

    def merge(self, other: LabelCounts) -> LabelCounts:
        for key in other.overflow:
            self._overflow(key)
        for key, counts in other.counts.items():
            if key in self.overflow:
                continue
            mine = self.counts.setdefault(key, {})
            ms = self.samples.setdefault(key, {})
            for lab, n in counts.items():
                mine[lab] = mine.get(lab, 0) + n
                have = ms.setdefault(lab, [])
                if len(have) < ROWS_SAMPLE_CAP:
                    have.extend(other.samples[key][lab][:ROWS_SAMPLE_CAP - len(have)])
            if len(mine) > MAX_LABELS:
                self._overflow(key)
        return self


@dataclass
class Group:
    """One split (every source holding it) or, when there are no splits, one source."""

    name: str              # "split 'train'" or the source path
    split: str | None
    sources: list[int]
    counts: dict
    samples: dict
    overflow: bool = False

    def source_path(self, run) -> str | None:
        """The file a group finding points at: its only source, else None (the run)."""
        return run.sources[self.sources[0]].path if len(self.sources) == 1 else None

    def rows_of(self, labels) -> list[int]:
        """Sample rows (of the group's first source) carrying any of ``labels``, in row order."""
        first = self.sources[0]
        rows = sorted(r for lab in labels for s, r in self.samples.get(lab, ()) if s == first)
        return rows[:ROWS_SAMPLE_CAP]


def groups(state: LabelCounts, run) -> list[Group]:
    """Counters merged by split across sources (a split named by file or column), else by source."""
    out: dict = {}
    keys = sorted(set(state.counts) | state.overflow, key=lambda k: (k[0], "" if k[1] is None else str(k[1])))
    for sidx, split in keys:
        gkey = ("split", split) if split is not None else ("source", sidx)
        g = out.get(gkey)
        if g is None:
            name = f"split '{split}'" if split is not None else run.sources[sidx].path
            g = out[gkey] = Group(name, split, [], {}, {})
        if sidx not in g.sources:
            g.sources.append(sidx)
        if (sidx, split) in state.overflow:
            g.overflow = True
            continue
        for lab, n in state.counts[(sidx, split)].items():
            g.counts[lab] = g.counts.get(lab, 0) + n
            have = g.samples.setdefault(lab, [])
            if len(have) < ROWS_SAMPLE_CAP:
                have.extend((sidx, r) for r in state.samples[(sidx, split)][lab][:ROWS_SAMPLE_CAP - len(have)])
    return list(out.values())


def fmt_dist(counts: dict, limit: int = 6) -> str:
    """``ham 4,827 (86.6%), spam 747 (13.4%)``: the largest few, then the smallest."""
    total = sum(counts.values()) or 1
    items = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    parts = [f"{lab} {n:,} ({n / total:.1%})" for lab, n in items]
    if len(parts) > limit:
        parts = parts[:limit - 2] + [f"… {len(parts) - limit + 1} more …", parts[-1]]
    return ", ".join(parts)


def top_labels(counts: dict, cap: int = 200) -> dict:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    out = {str(k): int(v) for k, v in items[:cap]}
    if len(items) > cap:
        out["(other labels)"] = int(sum(v for _k, v in items[cap:]))
    return out


class CountsLabels:
    """Mixin for the label rules whose whole state is a LabelCounts fed by every batch."""

    def start(self):
        return LabelCounts()

    def update(self, batch, state):
        state.add_batch(batch)
        return ()

    def merge(self, a, b):
        return a.merge(b)
