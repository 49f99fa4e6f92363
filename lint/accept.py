"""Findings a team has accepted, taken out of a finished run: per-file-ignores, suppressions and
the baseline, in that order.  ``runner.run`` calls ``accept``; the rule-case tests call it too.

What each step hid is counted in ``stats["accepted"]`` (the JSON report's ``stats`` block), so a
report always says how many findings it does not show and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from collections.abc import Sequence

import numpy as np

from .finding import Finding, Severity


def needs_keys(settings: Any, entries: Sequence[Any]) -> bool:
    return bool(settings.baseline) or bool(entries)


@dataclass
class Accepted:
    store: Any
    extra: list[Finding] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


def _rule_match(keys: tuple[str, ...], code: str, name: str) -> bool:
    return any(name == k or code.upper().startswith(k.upper()) for k in keys)


def per_file_ignores(store: Any, settings: Any) -> np.ndarray:
    """Bool by global index: findings ``per-file-ignores`` (and its extension) turn off."""
    from .globs import ignored_codes
    from .suppressions import store_names

    table = {**settings.per_file_ignores, **settings.extend_per_file_ignores}
    hidden = np.zeros(store.total, dtype=bool)
    if not table:
        return hidden
    cols = store.columns()
    names = store_names(store)
    for sid, path in enumerate(cols["paths"]):
        if path is None or path.startswith("<"):
            continue
        off = ignored_codes(table, path, settings.root)
        if not off:
            continue
        codes = [i for i, c in enumerate(cols["codes"]) if _rule_match(off, c, names.get(c, ""))]
        hidden |= (cols["source"] == sid) & np.isin(cols["code"], codes)
    return hidden


def accept(store: Any, settings: Any, *, keys: Any = None, entries: Sequence[Any] = (),
           text_hits: dict[int, set[tuple[int, int]]] | None = None, sources: Sequence[Any] = (),
           selected: Sequence[Any] = (), baseline: Any = None) -> Accepted:
    """The findings left once the accepted ones are hidden, the unused-suppression findings, and
    the counts.  ``selected``: the rules of the run (an entry of a rule that did not run is not
    reported unused); ``baseline``: a loaded ``baseline.Baseline``."""
    stats: dict[str, Any] = {}
    hidden = per_file_ignores(store, settings)
    if hidden.any():
        stats["per_file_ignores"] = int(hidden.sum())
    extra: list[Finding] = []
    if entries:
        from .suppressions import apply

        paths = {s.index: s.path for s in sources}
        hits = {k: {(paths.get(s), r) for s, r in v} for k, v in (text_hits or {}).items()}
        out = apply(entries, store.select(~hidden), keys, hits, settings.root)
        n = int((out.hidden & ~hidden).sum())
        hidden |= out.hidden
        stats["suppressed"] = n
        from .suppressions import PLACEHOLDER

        todo = sum(e.reason.strip() == PLACEHOLDER for e in entries)
        if todo:  # written by --add-suppressions, not yet explained
            stats["placeholder_reasons"] = todo
        extra = unused_findings(entries, out.used, selected, sources, settings.root)
    if baseline is not None:
        from .baseline import apply as apply_baseline
        from .baseline import scope_of

        out_b = apply_baseline(baseline, store.select(~hidden), keys, scope_of(selected, [s.path for s in sources]))
        stats["baseline"] = {"path": baseline.path, "hidden": int((out_b.hidden & ~hidden).sum()),
                             "unmatched": out_b.unmatched}
        hidden |= out_b.hidden
    kept = store.select(~hidden) if hidden.any() else store
    if extra:
        kept = with_findings(kept, extra)
    return Accepted(kept, extra, stats)


def only_sources(store: Any, paths: Sequence[str]) -> Any:
    """The findings of ``store`` on the sources ``paths`` (by real path)."""
    import os

    cols = store.columns()
    wanted = {os.path.realpath(p) for p in paths}
    ids = [i for i, p in enumerate(cols["paths"]) if p is not None and os.path.realpath(p) in wanted]
    return store.select(np.isin(cols["source"], ids))


def with_findings(store: Any, extra: list[Finding]) -> Any:
    """``store`` with ``extra`` findings after its own."""
    return store.extended(extra)


def unused_findings(entries: Sequence[Any], used: Sequence[bool], selected: Sequence[Any],
                    sources: Sequence[Any], root: str) -> list[Finding]:
    """An ``unused-suppression`` finding for each entry that hid nothing, when that rule is
    selected and the entry's rule ran (on a file its path names, when it names one)."""
    from .globs import matches, shown

    tl = next((r for r in selected if r.name == "unused-suppression"), None)
    if tl is None:
        return []
    ran = [r for r in selected if r.code and r is not tl]
    out = []
    for e, u in zip(entries, used):
        if u or not any(_rule_match((e.rule,), r.code, r.name) for r in ran):
            continue
        if e.path is not None and not any(matches(e.path, s.path, root) for s in sources
                                          if not s.path.startswith("<")):
            continue
        what = f"hash {e.hash:016x}" if e.hash is not None else f"pattern {e.pattern!r}"
        f = tl.finding(f"Suppression of {e.rule} ({what}) matched no finding; remove it",
                       source=shown(e.origin) if e.origin else "<config>", severity=Severity.parse(tl.severity))
        out.append(replace(f, line=e.line))  # the line of the entry in its file
    return out
