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
        least ``min-run`` words.  An eval row shorter than ``n`` words (but at least 4) is matched
        whole, anywhere in a training text; if its words also occur inside a longer row of the
        same eval set (a common phrase such as "what do i do"), only a training text that is the
        same whole sequence of words matches it.  Several text columns (question, choices,
        answer) are matched as one text.  The finding names the eval ``file:line`` and the
        shared words.  Without ``--against`` the rule does nothing.

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
        hits = [_ngram_runs(w, idx, n, self.options.min_run or n), idx.contained(w)]
        counts = w.counts
        rows, erow = idx.whole_texts(w, np.flatnonzero((counts < n) & (counts > 0)))
        hits.append((rows, np.zeros(rows.size, np.int64), erow, counts[rows]))
        rows, pos, erow, run = _longest(*(np.concatenate(c) for c in zip(*hits)))
        if rows.size == 0:
            return ()
        messages = []
        for r, e, p0, k in zip(rows.tolist(), erow.tolist(), pos.tolist(), run.tolist()):
            words = w.text(r, p0, min(k, _SNIPPET_WORDS))
            snippet = " ".join(words) + (" ..." if k > _SNIPPET_WORDS else "")
            messages.append(f'shares {k} words with {idx.where(e)}: "{snippet}"')
        return self.row_findings((messages, np.arange(len(messages))), source=batch.source.path,
                                 rows=batch.rows[rows])


def _ngram_runs(w, idx, n: int, min_run: int):
    """Runs of consecutive n-grams shared with one eval row, at least ``min_run`` words:
    (row in batch, first word, eval row, run words)."""
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
    keep = length >= min_run
    return parent[starts][keep], pos[starts][keep], erow[starts][keep], length[keep]


def _longest(rows, pos, erow, run):
    """The longest shared run per training row (ties: the first eval row, then the first word),
    rows ascending: (row in batch, first word, eval row, run words)."""
    o = np.lexsort((pos, erow, -run, rows))
    rows, pos, erow, run = rows[o], pos[o], erow[o], run[o]
    first = np.ones(rows.size, bool)
    first[1:] = rows[1:] != rows[:-1]
    return rows[first], pos[first], erow[first], run[first]
