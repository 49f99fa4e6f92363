"""Report order: findings sorted by source, row, code, column, pointer and message."""

from __future__ import annotations

import numpy as np

from .rows import RowFindings
from .store import FindingStore


def sort_findings(store: FindingStore, source_order: dict[str | None, int]) -> FindingStore:
    """``store`` in ``Finding.sort_key`` order (source, row, code, column, pointer, message),
    stable, as ``sorted`` would give, with one ``lexsort`` over all entries.  Entries equal on
    everything but the message (rare: two findings of one rule on one row and column) are then
    ordered by their message, made for those entries only."""
    parts = store.parts
    if not parts:
        return store
    strings: set[str] = {""}
    for p in parts:
        if isinstance(p, RowFindings):
            strings.add(p.code)
            strings.update(c or "" for c in p.columns)
        else:
            strings.update(f.code for f in p)
            strings.update(f.column or "" for f in p)
            strings.update(f.pointer or "" for f in p)
    rank = {s: k for k, s in enumerate(sorted(strings))}
    keys: dict[str, list[np.ndarray]] = {"src": [], "row": [], "code": [], "col": [], "ptr": []}
    for p in parts:
        if isinstance(p, RowFindings):
            n = len(p)
            keys["src"].append(np.array([source_order.get(s, -1) for s in p.paths], np.int64)[p.source])
            keys["row"].append(p.rows)
            keys["code"].append(np.full(n, rank[p.code], np.int64))
            keys["col"].append(np.array([rank[c or ""] for c in p.columns], np.int64)[p.column])
            keys["ptr"].append(np.full(n, rank[""], np.int64))
        else:
            keys["src"].append(np.array([source_order.get(f.source, -1) for f in p], np.int64))
            keys["row"].append(np.array([-1 if f.row is None else f.row for f in p], np.int64))
            keys["code"].append(np.array([rank[f.code] for f in p], np.int64))
            keys["col"].append(np.array([rank[f.column or ""] for f in p], np.int64))
            keys["ptr"].append(np.array([rank[f.pointer or ""] for f in p], np.int64))
    cols = [np.concatenate(keys[k]) for k in ("ptr", "col", "code", "row", "src")]
    order = np.lexsort(cols)  # stable: ties keep the order the rules emitted them in
    if order.size > 1:
        same = np.ones(order.size - 1, dtype=bool)
        for c in cols:
            s = c[order]
            same &= s[1:] == s[:-1]
            del s
        if same.any():
            edges = np.flatnonzero(np.diff(np.concatenate(([0], same.astype(np.int8), [0]))))
            for a, b in zip(edges[0::2].tolist(), (edges[1::2] + 1).tolist()):
                run = order[a:b]
                msgs = [f.message for f in store.at(run)]
                order[a:b] = run[sorted(range(len(run)), key=msgs.__getitem__)]
    return store.reordered(order)
