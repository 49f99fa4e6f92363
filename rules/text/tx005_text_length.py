from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow.compute as pc

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

#: histogram edges in characters: 0, 1, 2, 4, ... 2**20, then everything longer
EDGES = np.array([0] + [2 ** k for k in range(21)], dtype=np.int64)


class TextLength(Rule):
    """Text is shorter or longer than the configured bounds.

    What it checks
        The length in characters of each row's text (the joined text columns, or the whole
        conversation of a chat record) against ``min-chars`` and ``max-chars``.  Both are off
        by default, so out of the box the rule only measures: the JSON report's ``stats``
        carry a histogram of text lengths (powers of two) with the minimum, median, 95th
        percentile and maximum, which the HTML report draws.

    Why it matters
        A one-word "review" or a 200,000-character scrape in a fine-tuning file is rarely what the
        author meant: the first teaches nothing, the second is cut off by the context window or
        dominates the loss.  The length histogram shows both tails at a glance.

    Example
        ``max-chars = 20000`` flags the 26,000-character assistant reply of the OpenAI toy file.

    Fix
        Unsafe (``--unsafe-fixes``): drop the row.  A length bound is a judgement about the data.

    Options
        ``min-chars`` (0, off): texts shorter than this are flagged (empty texts are missing
        values, never flagged here).  ``max-chars`` (0, off): texts longer than this are flagged.
    """

    code = "TX005"
    name = "text-length"
    severity = Severity.WARNING
    groups = ("text",)
    fix = Fix.UNSAFE
    requires = ("text",)

    @dataclass(frozen=True)
    class Options:
        min_chars: int = 0
        max_chars: int = 0

    def start(self):
        # counts per histogram bin, exact min/max; quantiles are read off the histogram
        return {"counts": np.zeros(EDGES.size, dtype=np.int64), "min": None, "max": None}

    def update(self, batch, state):
        present = batch.text_present
        if present is None or not present.any():
            return ()
        lengths = np.asarray(pc.fill_null(pc.utf8_length(batch.text), 0), dtype=np.int64)
        idx = np.flatnonzero(present)
        lens = lengths[idx]
        state["counts"] += np.bincount(np.searchsorted(EDGES, lens, side="right") - 1, minlength=EDGES.size)
        lo, hi = int(lens.min()), int(lens.max())
        state["min"] = lo if state["min"] is None else min(state["min"], lo)
        state["max"] = hi if state["max"] is None else max(state["max"], hi)
        o = self.options
        findings = []
        if o.min_chars or o.max_chars:
            short = (lens < o.min_chars) if o.min_chars else np.zeros(lens.size, bool)
            long = (lens > o.max_chars) if o.max_chars else np.zeros(lens.size, bool)
            for k in np.flatnonzero(short | long).tolist():
                n = int(lens[k])
                msg = (f"text is {n:,} characters, under the minimum of {o.min_chars:,}" if short[k] else
                       f"text is {n:,} characters, over the maximum of {o.max_chars:,}")
                findings.append(self.finding(msg, source=batch.source.path, row=int(batch.rows[idx[k]]),
                                             extra={"chars": n}))
        return findings

    def merge(self, a, b):
        a["counts"] += b["counts"]
        for key, pick in (("min", min), ("max", max)):
            if b[key] is not None:
                a[key] = b[key] if a[key] is None else pick(a[key], b[key])
        return a

    def stats(self, state, run):
        counts = state["counts"]
        total = int(counts.sum())
        if not total:
            return None
        used = np.flatnonzero(counts)
        lo, hi = int(used[0]), int(used[-1]) + 1
        upper = np.append(EDGES[1:], max(int(state["max"]) + 1, int(EDGES[-1]) + 1))
        cum = np.cumsum(counts)

        def quantile(q: float) -> int:
            """The upper edge of the bin holding the q-quantile (an over-estimate by < 2x)."""
            b = int(np.searchsorted(cum, q * total))
            return int(min(upper[b] - 1, state["max"]))

        return {
            "rows": total,
            "min": int(state["min"]), "median_at_most": quantile(0.5), "p95_at_most": quantile(0.95),
            "max": int(state["max"]),
            "length_histogram": {"edges": [int(e) for e in EDGES[lo:hi]] + [int(upper[hi - 1])],
                                 "counts": [int(c) for c in counts[lo:hi]], "unit": "chars"},
        }
