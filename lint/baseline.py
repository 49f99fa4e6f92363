"""The baseline: today's findings accepted, so a run reports only new ones.

    trainlint check data/ --write-baseline            # records every finding (trainlint-baseline.txt)
    trainlint check data/ --baseline trainlint-baseline.txt

An entry is keyed by rule, file and the content key of the finding's row (``lint/keys.py``),
never by row number: shuffling, inserting or appending rows does not churn it.  The file is
sorted and diffable, one line per key under a header per file and rule::

    # trainlint baseline 1 ...
    @ DU001 data/sms.csv
    04c1b0e2d5f3a9b7
    9f2e11aa03c4d5e6 x3          <- three findings with that key (three copies of one row)
    c0ffee0000000001 ~           <- a row findings point at (the first copy of a duplicate)

17 bytes per finding.  A pair finding (a near-duplicate, a leaked row) also records its related
row's key under that row's file (marked ``~``), so the pair stays accepted whichever row comes
first; a key holds back as many findings as its count (one for a ``~`` key), the first in report
order, so a new copy of an accepted row is still reported.  A ``~`` key is never counted as no
longer matching: which copy a finding points at may change with the order (the train row a
leaked test row repeats, when train holds it twice).  Paths are relative to the baseline
file's folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import UsageError

DEFAULT_PATH = "trainlint-baseline.txt"
_HEADER = ("# trainlint baseline 1: accepted findings, keyed by rule, file and row content (never row numbers).\n"
           "# One line per key: its hash, 'hash xN' for N findings with it, 'hash ~' for a row findings point at.\n"
           "# Rewrite with --write-baseline.\n")
_ENTRY = re.compile(r"^([0-9a-f]{16})(?: x(\d+)| (~))?$")


@dataclass
class Baseline:
    path: str
    #: (code, path relative to the baseline's folder) -> key -> count (0: a related row only, ``~``)
    sections: dict[tuple[str, str], dict[int, int]] = field(default_factory=dict)

    @property
    def base_dir(self) -> str:
        return os.path.dirname(os.path.abspath(self.path))

    def __len__(self) -> int:
        return sum(sum(v.values()) for v in self.sections.values())


def key_path(source: str | None, base_dir: str) -> str:
    """A finding's source as a baseline names it: relative to ``base_dir``, with ``/``."""
    if source is None:
        return "<run>"
    if source.startswith("<") or "://" in source:
        return source
    rel = os.path.relpath(os.path.abspath(source), base_dir)
    return rel.replace(os.sep, "/")


def load(path: str) -> Baseline:
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        raise UsageError(f"{path}: baseline not found; write one with --write-baseline {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: cannot read the baseline ({e})") from None
    out = Baseline(path)
    current: dict[int, int] | None = None
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("@ "):
            code, _, src = line[2:].partition(" ")
            if not code or not src:
                raise UsageError(f"{path}:{n}: expected '@ CODE PATH', got {line!r}")
            current = out.sections.setdefault((code, src), {})
            continue
        m = _ENTRY.match(line.strip())
        if m is None or current is None:
            raise UsageError(f"{path}:{n}: not a baseline line: {line!r} (expected a 16-digit hex key "
                             f"under an '@ CODE PATH' header); rewrite it with --write-baseline")
        key = int(m.group(1), 16)
        current[key] = current.get(key, 0) + (0 if m.group(3) else int(m.group(2) or 1))
    return out


@dataclass
class Outcome:
    """What applying a baseline did: which findings it hid, and how many entries matched nothing."""

    hidden: np.ndarray  # bool, by global index of the store
    unmatched: int


def _sections(store: Any, keys: Any, base_dir: str):
    """Per global index: section id, and the table of sections (code, key path)."""
    cols = store.columns()
    rel = [key_path(p, base_dir) for p in cols["paths"]]
    pair = cols["code"].astype(np.int64) << 32 | cols["source"].astype(np.int64)
    uniq, inv = np.unique(pair, return_inverse=True)
    table = [(cols["codes"][int(u) >> 32], rel[int(u) & 0xFFFFFFFF]) for u in uniq.tolist()]
    return inv.reshape(-1), table, cols


def _related(store: Any, keys: Any, base_dir: str, cols: dict) -> dict[tuple[str, str], set[int]]:
    """(code, key path) -> keys of related rows in that section."""
    out: dict[tuple[str, str], set[int]] = {}
    if keys.related_at.size == 0:
        return out
    rel_paths = [key_path(p, base_dir) for p in keys.paths]
    codes = cols["code"][keys.related_at]
    for c, s, k in zip(codes.tolist(), keys.related_src.tolist(), keys.related.tolist()):
        out.setdefault((cols["codes"][c], rel_paths[s]), set()).add(k)
    return out


def _rank_in_group(inv: np.ndarray) -> np.ndarray:
    """For each item, how many earlier items share its group id."""
    order = np.argsort(inv, kind="stable")
    s = inv[order]
    starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
    first = np.repeat(starts, np.diff(np.append(starts, s.size)))
    rank = np.empty_like(order)
    rank[order] = np.arange(s.size) - first
    return rank


@dataclass(frozen=True)
class Scope:
    """What a run looked at: rule codes and source paths.  Baseline entries outside it (a rule
    not selected, a file not linted) are neither matched nor counted stale, and are kept when the
    baseline is rewritten."""

    codes: frozenset[str]
    paths: tuple[str, ...]

    def covers(self, section: tuple[str, str], base_dir: str) -> bool:
        code, path = section
        return code in self.codes and path in {key_path(p, base_dir) for p in self.paths}


def scope_of(selected: Any, paths: Any) -> Scope:
    """The ``Scope`` of a run: the codes of its rules, the paths of its sources."""
    return Scope(frozenset(r.code for r in selected if r.code), tuple(paths))


def apply(baseline: Baseline, store: Any, keys: Any, scope: Scope | None = None) -> Outcome:
    """Hide the findings the baseline holds (in report order, as many per key as its count)."""
    total = store.total
    hidden = np.zeros(total, dtype=bool)
    sec, table, cols = _sections(store, keys, baseline.base_dir)
    order = store.order  # report order
    related = _related(store, keys, baseline.base_dir, cols)
    own_counts: dict[tuple[str, str], dict[int, int]] = {}
    for sid, name in enumerate(table):
        entries = baseline.sections.get(name)
        g = order[sec[order] == sid]
        h = keys.own[g]
        uniq, inv, counts = np.unique(h, return_inverse=True, return_counts=True)
        own_counts[name] = dict(zip(uniq.tolist(), counts.tolist()))
        if not entries:
            continue
        budget = np.array([max(entries[k], 1) if k in entries else 0 for k in uniq.tolist()], np.int64)
        hidden[g] = _rank_in_group(inv.reshape(-1)) < budget[inv.reshape(-1)]
    unmatched = 0
    for name, entries in baseline.sections.items():
        if scope is not None and not scope.covers(name, baseline.base_dir):
            continue
        seen = own_counts.get(name, {})
        rel = related.get(name, set())
        for k, n in entries.items():
            if k not in rel:
                unmatched += max(0, n - seen.get(k, 0))
    return Outcome(hidden, unmatched)


def entries_of(store: Any, keys: Any, base_dir: str) -> dict[tuple[str, str], dict[int, int]]:
    """The baseline of every finding in ``store``."""
    sec, table, cols = _sections(store, keys, base_dir)
    order = store.order
    out: dict[tuple[str, str], dict[int, int]] = {}
    for sid, name in enumerate(table):
        g = order[sec[order] == sid]
        if g.size:
            uniq, counts = np.unique(keys.own[g], return_counts=True)
            out[name] = dict(zip(uniq.tolist(), counts.tolist()))
    for name, ks in _related(store, keys, base_dir, cols).items():
        d = out.setdefault(name, {})
        for k in ks:
            d.setdefault(k, 0)
    return out


def render(sections: dict[tuple[str, str], dict[int, int]]) -> str:
    lines = [_HEADER]
    for (code, src) in sorted(sections, key=lambda cs: (cs[1], cs[0])):
        entries = sections[(code, src)]
        if not entries:
            continue
        lines.append(f"@ {code} {src}\n")
        lines.extend(f"{k:016x}\n" if n == 1 else f"{k:016x} ~\n" if n == 0 else f"{k:016x} x{n}\n"
                     for k, n in sorted(entries.items()))
    return "".join(lines)


def write(path: str, store: Any, keys: Any, scope: Scope | None = None) -> tuple[int, int]:
    """Record every finding of ``store`` in ``path``; returns (findings recorded, entries of an
    earlier baseline at ``path`` that no longer matched and were dropped).  Entries of the earlier
    baseline outside ``scope`` (rules not run, files not linted) are kept as they were."""
    from .outputs import write_atomic

    base_dir = os.path.dirname(os.path.abspath(path))
    pruned = 0
    sections = entries_of(store, keys, base_dir)
    if os.path.exists(path):
        try:
            old = load(path)
        except UsageError:
            old = None  # an unreadable old baseline is replaced whole
        if old is not None:
            pruned = apply(old, store, keys, scope).unmatched
            for name, entries in old.sections.items():
                if scope is not None and not scope.covers(name, base_dir) and name not in sections:
                    sections[name] = entries
    write_atomic(path, render(sections))
    return len(store), pruned


def record(path: str, report: Any, store: Any = None) -> tuple[int, int]:
    """Write ``report``'s findings (or ``store``, by the same keys) as the baseline ``path``,
    scoped to the report's rules and sources; (findings recorded, stale entries dropped).
    Refuses (``UsageError``) to write over a file the report read."""
    from .paths import ensure_not_an_input

    inputs = [p for src in report.sources if (p := src.get("path") or "") and not p.startswith("<")]
    ensure_not_an_input(path, inputs, "the baseline")
    scope = scope_of(report.rules, [s["path"] for s in report.sources])
    return write(path, report.findings if store is None else store, report.keys, scope)
