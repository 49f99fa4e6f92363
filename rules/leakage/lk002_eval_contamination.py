from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

_SNIPPET_WORDS = 12


class EvalContamination(Rule):
    """Training row shares a long run of words with an evaluation row.

    What it checks
        With ``--against EVAL...`` (evaluation files in any supported format, or index files
        written by ``trainlint index``): a row whose text shares a word n-gram (``n`` words,
        13 by default) with an evaluation row, after lower-casing and treating every run of
        characters other than letters and digits as one word break, so re-wrapped, re-spaced,
        re-punctuated or re-cased copies still match, also inside a longer text.  A hit is
        confirmed when the common run (consecutive matching n-grams with the same eval row) is at
        least ``min-run`` words.  An eval row shorter than ``n`` words (but at least 4) matches a
        training row whose whole text is the same sequence of words.  Several text columns
        (question, choices, answer) are matched as one text.  The finding names the eval
        ``file:line`` and the shared words.  Without ``--against`` the rule does nothing.

    Why it matters
        A benchmark example that was in the training data measures memory, not skill: scores on
        contaminated benchmarks are inflated, and the inflation is invisible in the results.

    Example
        ``train.jsonl`` line 812 contains a question of ``mmlu_test.jsonl:77`` with its lines
        re-wrapped: ``shares 41 words with mmlu_test.jsonl:77: "which of the following ..."``.

    Fix
        Unsafe (``--unsafe-fixes``): drop the training row.

    Options
        ``against`` (list of paths; also the top-level ``against`` key and ``--against``).
        ``n`` (13): words per n-gram.  ``min-run`` (0, meaning ``n``): words of the longest common
        run that confirm a hit.
    """

    code = "LK002"
    name = "eval-contamination"
    severity = Severity.WARNING  # normalised overlap: fuzzy evidence, never louder than LK001's exact copy
    groups = ("leakage",)
    fix = Fix.UNSAFE
    requires = ("text",)

    @dataclass(frozen=True)
    class Options:
        #: evaluation files (any supported format) or ``.tlidx`` index files.
        against: tuple[str, ...] = ()
        #: words per n-gram.
        n: int = 13
        #: words the longest common run must have to confirm a hit (0: ``n``).
        min_run: int = 0

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self._index()  # read (and checked) once, before any batch: a bad file fails the run early

    def _index(self):
        if not self.options.against:
            return None
        from trainlint.resources import eval_index

        return eval_index(tuple(self.options.against), max(int(self.options.n), 1))

    def update(self, batch, state):
        idx = self._index()
        if idx is None or batch.text is None or idx.rows == 0:
            return ()
        from trainlint import ngrams

        n = max(int(self.options.n), 1)
        w = batch.cached(("ngram-words",), lambda: ngrams.words(batch.text))
        rows, erow, pos, run = _ngram_hits(w, idx, n, self.options.min_run or n)
        # whole-text matches of eval rows shorter than n words
        counts = w.counts
        short = np.flatnonzero((counts < n) & (counts > 0))
        if idx.whole.size and short.size:
            wh = ngrams.whole(w)[short]
            p = np.minimum(np.searchsorted(idx.whole, wh), idx.whole.size - 1)
            ok = idx.whole[p] == wh
            rows = np.concatenate([rows, short[ok]])
            erow = np.concatenate([erow, idx.whole_ids[p[ok]].astype(np.int64)])
            pos = np.concatenate([pos, np.zeros(int(ok.sum()), np.int64)])
            run = np.concatenate([run, counts[short[ok]]])
        if rows.size == 0:
            return ()
        o = np.argsort(rows, kind="stable")
        messages = []
        for r, e, p0, k in zip(rows[o].tolist(), erow[o].tolist(), pos[o].tolist(), run[o].tolist()):
            words = w.text(r, p0, min(k, _SNIPPET_WORDS))
            snippet = " ".join(words) + (" ..." if k > _SNIPPET_WORDS else "")
            messages.append(f'shares {k} words with {idx.where(e)}: "{snippet}"')
        return self.row_findings((messages, np.arange(len(messages))), source=batch.source.path,
                                 rows=batch.rows[rows[o]])


def _ngram_hits(w, idx, n: int, min_run: int):
    """Per training row with a confirmed hit: (row in batch, eval row, first word, run words)."""
    from trainlint import ngrams

    empty = np.empty(0, np.int64)
    # look every rolled hash up first and place only the hits in their texts: most n-grams miss
    hit, erow = idx.lookup(ngrams.rolled(w, n))
    parent, pos, inside = ngrams.locate(w, hit, n)
    parent, pos, erow = parent[inside], pos[inside], erow[inside]
    if parent.size == 0:
        return empty, empty, empty, empty
    o = np.lexsort((pos, erow, parent))
    parent, pos, erow = parent[o], pos[o], erow[o]
    new = np.ones(parent.size, bool)
    new[1:] = (parent[1:] != parent[:-1]) | (erow[1:] != erow[:-1]) | (pos[1:] != pos[:-1] + 1)
    starts = np.flatnonzero(new)
    length = np.diff(np.append(starts, parent.size)) + n - 1
    rp, re, rpos = parent[starts], erow[starts], pos[starts]
    # the longest run per training row; ties: the first eval row, then the first position
    o = np.lexsort((rpos, re, -length, rp))
    rp, re, rpos, length = rp[o], re[o], rpos[o], length[o]
    first = np.ones(rp.size, bool)
    first[1:] = rp[1:] != rp[:-1]
    keep = first & (length >= min_run)
    return rp[keep], re[keep], rpos[keep], length[keep]
