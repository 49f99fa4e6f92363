from __future__ import annotations

import dataclasses

import numpy as np

from trainlint.context import unpack_id
from trainlint.finding import Fix, Related, Severity
from trainlint.hashing import combine
from trainlint.rule import Rule

from . import _minhash as mh
from ._hashstate import unique
from ._pairs import direct as direct_evidence
from ._words import WordTest

#: chosen on the benchmark's planted edits and MRPC (see the docstring and benchmarks/bench_neardup.py)
DEFAULT_THRESHOLD = mh.DEFAULT_THRESHOLD


class NearDuplicate(Rule):
    """Row is a near-duplicate of an earlier row.

    What it checks
        Rows whose text is nearly the same as an earlier row's, within one split and with the
        same label (the same text under another label is ``conflicting-label``; a copy across
        splits is ``split-leakage``).  Similarity is the Jaccard similarity of the two texts'
        sets of character 5-grams after normalisation (NFKC, case folding, collapsed spaces): the
        share of 5-character pieces the two texts have in common.  Candidates come from MinHash
        with LSH banding (one-permutation MinHash, vectorised over each batch), and every
        candidate pair is verified with the exact Jaccard of the two shingle sets, so a reported
        similarity is measured, not estimated.  Verified pairs are joined into clusters
        (union-find); each member after the first is reported with the cluster's ``group``, the
        first member as ``related`` and its measured similarity to that first member.  Rows that
        are exact or case/space-only copies of an earlier row are left to ``exact-duplicate`` and
        ``normalized-duplicate``.  Works on one text column, several joined, and whole chat
        conversations.

    Why it matters
        A changed word, a new signature line or different punctuation defeats exact hashing but
        not memorisation: near-copies over-weight some examples and, across a split, inflate
        evaluation scores.

    Example
        ``"Your account has been credited with $50, call 0800 to claim"`` and
        ``"your account has been credited with $60. Call 0800 to claim!"`` (91% similar).

    Fix
        Unsafe (``--unsafe-fixes``): drop every member after the first.  Similar is not equal;
        glance at the clusters first.

    Options
        ``threshold`` (default 0.7): the Jaccard similarity of character 5-grams at or above
        which two texts are near-duplicates.  Measured with benchmarks/bench_neardup.py on
        generated ~40-word texts with 1-3 planted word/character/case/punctuation edits (planted
        pairs have similarity 0.74-0.99): pair precision 1.00 and recall 1.00 at 0.7.  On MRPC
        train (4,080 sentence pairs judged by people, 2,755 paraphrases), "similarity >= 0.7"
        has precision 0.97 and recall 0.08 for "is a paraphrase"; at 0.6, 0.93 and 0.24; at 0.5,
        0.89 and 0.45.  Reworded paraphrases share few 5-grams: this rule finds edited copies,
        not paraphrases.  In short texts (~10 words) one changed word already lowers the
        similarity to about 0.7; lower the threshold for short utterances.
        ``shingle`` ("char" or "word") and ``shingle-size`` (5): word 5-grams miss one-word
        edits in short texts (one edit breaks five shingles).  ``permutations`` (128, a power
        of two) and ``bands`` (32): more bands find more low-similarity candidates at more
        verification cost.  ``min-chars`` (20): shorter texts are not compared.  ``max-chars``
        (5000): longer texts are compared on their first max-chars characters.  ``normalize``
        (true): compare normalised text.  Memory: about 410 bytes a row for ~40-word texts
        (band hashes 128 bytes, keys 32, the capped text for verification).
    """

    code = "DU002"
    name = "near-duplicate"
    severity = Severity.WARNING
    groups = ("duplicates",)
    fix = Fix.UNSAFE
    requires = ("text",)

    @dataclasses.dataclass(frozen=True)
    class Options:
        threshold: float = DEFAULT_THRESHOLD
        shingle: str = "char"
        shingle_size: int = 5
        permutations: int = 128
        bands: int = 32
        min_chars: int = 20
        max_chars: int = 5000
        normalize: bool = True
        max_word_diff: float = mh.DEFAULT_MAX_WORD_DIFF

    def __init__(self, options=None) -> None:
        super().__init__(options)
        o = self.options
        self.params = mh.Params(o.shingle, o.shingle_size, o.permutations, o.bands, o.max_chars, o.normalize)
        self.params.check(self.name)
        if not 0.0 < o.threshold <= 1.0:
            from trainlint.errors import ConfigError

            raise ConfigError(f"option {self.name}.threshold: a similarity in (0, 1], not {o.threshold}")

    def start(self):
        return mh.NearState()

    def update(self, batch, state):
        mh.add_batch(state, batch, self.params, self.options.min_chars)
        return ()

    def detach(self, state):
        return state.detach()

    def attach(self, state, parts, executor):
        state.attach(parts, executor)

    def merge(self, a, b):
        return a.merge(b)

    def _clusters(self, state):
        if state.result is not None:
            return state.result
        t = state.arrays(self.params.bands)
        # a row whose normalised text (and label, split) repeats an earlier row is DU001's or DU003's
        rep = mh.first_of_groups(combine(combine(t.nkey, t.label), t.split))
        mask = rep & mh.has_bands(t)
        words = WordTest(self.options.max_word_diff)
        i, j, _sim = mh.near_pairs(t, self.params, self.options.threshold, mask, combine(t.split, t.label),
                                   words=words)
        root = mh.components(len(t.ids), i, j)
        member = np.flatnonzero(root != np.arange(root.size))
        first = root[member]
        sim, direct = direct_evidence(t, first, member, self.params, self.options.threshold, words)
        state.result = (t.ids, member, first, sim, direct, int(i.size))
        return state.result

    def finish(self, state, run):
        ids, member, first, sim, direct, _n = self._clusters(state)
        if member.size == 0:
            return []
        firsts = unique(first)
        group = np.searchsorted(firsts, first) + 1
        size = np.bincount(group)[group] + 1
        findings = []
        for m, f, g, s, d, n in zip(member.tolist(), first.tolist(), group.tolist(), sim.tolist(), direct.tolist(),
                                    size.tolist()):
            ms, mr = unpack_id(ids[m])
            fs, fr = unpack_id(ids[f])
            via = "" if d else ", linked through another member"
            findings.append(self.finding(
                f"text is {s:.0%} similar to an earlier row ({{related}}){via}; {n} rows in this cluster",
                source=run.sources[ms].path, row=mr, group=int(g),
                related=[Related(run.sources[fs].path, fr)], extra={"similarity": round(s, 4)}))
        return findings

    def stats(self, state, run):
        ids, member, first, sim, _direct, n_pairs = self._clusters(state)
        _firsts, later = np.unique(first, return_counts=True)
        return {"near_duplicate_rows": int(member.size), "clusters": int(later.size),
                "verified_pairs": n_pairs, "threshold": self.options.threshold,
                "largest_clusters": sorted((int(n) + 1 for n in later), reverse=True)[:10]}
