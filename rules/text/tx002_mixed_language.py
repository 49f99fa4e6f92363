from __future__ import annotations

import dataclasses

import numpy as np

from trainlint.finding import Severity
from trainlint.rule import Rule

from . import _langid as L
from ._langmask import flagged, pack_mask


class MixedLanguage(Rule):
    """Dataset mixes several languages.

    What it checks
        The distribution of languages over the rows judged by ``unexpected-language`` (TX001,
        same backend and options), reported once for the run when more than one language holds
        at least ``min-share`` of the judged rows and ``min-rows`` rows.  A row counts for
        another language than the dominant (or configured) one only when TX001 would report it
        (P(dominant) below ``max-probability``, best language at least ``min-probability``), so
        detector noise on slang and short texts does not show up as a "mix".  When no language holds half of the rows, each row counts for
        its most likely language.

        State: a counter keyed by each row's 8 best languages and their strength bits, bounded
        by the number of language combinations seen (a few thousand at most), not by rows.

    Why it matters
        A multilingual set is fine when it is meant to be; when it is not, the share tells
        whether it is a few stray rows or a second dataset mixed in.

    Example
        ``3 languages: English (en) 96.1% (9,613 rows), Vietnamese (vi) 3.0% (300), French (fr)
        0.9% (90)``.

    Fix
        None: this is a summary; the rows are TX001's findings.

    Options
        The language options of TX001 (``language``, ``backend``, ``languages``,
        ``min-letters``, ``max-probability``, ``min-probability``, ``max-chars``), plus ``min-share`` and
        ``min-rows``.
    """

    code = "TX002"
    name = "mixed-language"
    severity = Severity.INFO
    groups = ("text", "language")
    fix = None
    requires = ("text",)

    @dataclasses.dataclass(frozen=True)
    class Options(L.LangOptions):
        #: a language counts when it holds this share of the judged rows ...
        min_share: float = 0.01
        #: ... and at least this many rows.
        min_rows: int = 3

    def __init__(self, options=None) -> None:
        super().__init__(options)
        L.check_options(self.options, self.name)

    def start(self):
        return {"keys": {}, "unjudged": 0}

    def update(self, batch, state):
        r = L.ranked_for(batch, batch.text, self.options)
        if r is None:
            return ()
        j = r.judged
        state["unjudged"] += int((~j).sum())
        confident = r.prob[j] >= self.options.min_probability
        keys = np.concatenate([r.codes[j], pack_mask(r.strong[j], r.tail_weak[j], confident)[:, None]], axis=1)
        if not len(keys):
            return ()
        uniq, counts = np.unique(keys, axis=0, return_counts=True)
        d = state["keys"]
        for k, c in zip(map(tuple, uniq.tolist()), counts.tolist()):
            d[k] = d.get(k, 0) + c
        return ()

    def merge(self, a, b):
        for k, c in b["keys"].items():
            a["keys"][k] = a["keys"].get(k, 0) + c
        a["unjudged"] += b["unjudged"]
        return a

    def distribution(self, state) -> list[tuple[str, int]]:
        if not state["keys"]:
            return []
        keys = np.array(sorted(state["keys"]), dtype=np.uint16)
        counts = np.array([state["keys"][k] for k in map(tuple, keys.tolist())], dtype=np.int64)
        codes, mask = keys[:, :L.TOP], keys[:, L.TOP]
        total = int(counts.sum())
        top = {}
        for c, n in zip(codes[:, 0].tolist(), counts.tolist()):
            top[c] = top.get(c, 0) + n
        if self.options.language:
            expected = L.encode(L.canonical(self.options.language))
        else:
            expected = min(top, key=lambda c: (-top[c], L.decode(c)))
            if top[expected] < 0.5 * total:
                expected = 0
        if expected:
            hit = flagged(codes, mask, expected)
            out = {expected: int(counts[~hit].sum())}
            for c, n in zip(codes[hit, 0].tolist(), counts[hit].tolist()):
                out[c] = out.get(c, 0) + n
        else:
            out = top
        return sorted(((L.decode(c), n) for c, n in out.items() if n), key=lambda t: (-t[1], t[0]))

    def finish(self, state, run):
        dist = self.distribution(state)
        total = sum(n for _c, n in dist)
        passing = [(c, n) for c, n in dist if n >= self.options.min_rows and n >= self.options.min_share * total]
        if len(passing) < 2:
            return []
        parts = ", ".join(f"{L.name_of(c)} {L.fmt_share(n, total)} ({n:,} rows)" for c, n in passing)
        return [self.finding(f"{len(passing)} languages: {parts}", source=None, n_rows=total,
                             extra={"languages": {c: n for c, n in dist}, "judged_rows": total,
                                    "undetermined_rows": state["unjudged"]})]

    def stats(self, state, run):
        return {"languages": dict(self.distribution(state)), "undetermined_rows": state["unjudged"]}
