from __future__ import annotations

import dataclasses

import numpy as np

from trainlint.context import ROW_BITS, ROW_MASK
from trainlint.finding import Fix, Severity
from trainlint.findings.rows import formatted, message_table
from trainlint.hashing import combine
from trainlint.rule import Rule
from trainlint.shuffle import KEYED_SHUFFLE
from trainlint.spill import Spilled

from . import near as mh
from ._candidates import bucket_numbers
from ._hashstate import ranges, unique
from ._words import WordTest

#: chosen on the benchmark's planted edits and MRPC (see the docstring and benchmarks/bench_neardup.py)
DEFAULT_THRESHOLD = mh.DEFAULT_THRESHOLD


class NearDuplicate(Rule):
    """Row is a near-duplicate of an earlier row.

    What it checks
        Rows whose text is nearly the same as an earlier row's, within one split and with the
        same label (the same text under another label is ``conflicting-label``; a copy across
        splits is ``split-leakage``).  Texts are normalised (NFKC, case folding, collapsed spaces,
        punctuation deleted).  Two pieces of evidence must agree: the Jaccard similarity of the
        texts' sets of character 5-grams (the share of 5-character pieces they have in common),
        and, because 5-grams over-state the similarity of short texts, the words: few enough
        *content words* may differ for the texts' length (``max-word-diff``; English function
        words do not count, negations do) and few enough words of any kind (a tenth of the
        length plus one).  In an 8-word utterance one changed content word makes another
        example, not a copy.  Candidates come from MinHash with LSH banding (one-permutation
        MinHash, vectorised over each batch); a row is paired with at most two rows per band (the
        first member of each bucket it falls in and its predecessor there), so the work per row
        is bounded whatever the data; every candidate pair is then verified exactly.  Verified
        pairs are joined into clusters (union-find); each member after the first is reported with
        the cluster's ``group`` and, as ``related``, a row it was verified against (the most
        similar of its verified neighbours one step nearer the cluster's first row, usually an
        earlier row), with that pair's similarity: the reports show both texts, so every finding
        can be judged from the two rows it names.
        Rows that are exact or case/space-only copies of an earlier row are left to
        ``exact-duplicate`` and ``normalized-duplicate``.  Works on one text column, several
        joined, and whole chat conversations; when ``near-duplicate-record`` runs too, the rows
        it compares field by field (short fields) are left to it, so a pair is reported once.

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
        ``threshold`` (default 0.7): the 5-gram Jaccard similarity at or above which two texts
        may be near-duplicates.  ``max-word-diff`` (0.05): content words that may differ per
        word of length (under 20 words: none; 20-39: one; 40-59: two).  Chosen on
        banking77 (short intent utterances; the issue-22 review: one changed content word in an
        8-word utterance is a different example): with the Jaccard alone 473 findings, with the
        word test 231, reviewed sample 30/30 right (tests/data/reviewed/DU002.jsonl, with
        sms_spam, MRPC and ShareGPT); reviewed again from both texts of each cited pair, 92/92
        (50 of a fresh draw, 20 of them banking77 paraphrase clusters, and 42 of the noise
        budget's draw); at 0.1 a 10-19-word utterance could differ in a noun.  On
        the templated benchmark (``../shared/bench/templated.py``, 100k rows, planted 1-3 word,
        character, case and punctuation edits): recall 0.99 of the 2,000 planted near-copies
        (with DU001/DU003 for the case-only ones), precision 0.987 against the planted pairs;
        the other 24 are near-copies the generator made by chance (rows sharing their long
        sentences, one with a 4-7-word sentence or a cut-off fragment more: 1.000 counting
        them, ``benchmarks/templated_quality.py --list``); the
        Jaccard alone gave 0.37, without the order test (below) 0.91 (the same sentences in
        another order are 95% similar as 5-gram sets).  A verified pair must also align in
        order: normalised Indel similarity (rapidfuzz) of the two texts >= 0.85.  On MRPC
        train (4,080 pairs judged by people) the rule flags 59 pairs, all paraphrases
        (precision 1.00, recall 0.02): it finds edited copies, not reworded paraphrases; the
        Jaccard alone at 0.7 flags 296 (precision 0.97).  ``shingle`` ("char" or "word") and
        ``shingle-size`` (5): word 5-grams miss one-word edits in short texts.
        ``permutations`` (128, a power of two) and ``bands`` (32): more bands find more
        low-similarity candidates at more verification cost.  ``min-chars`` (20): shorter texts
        are not compared.  ``max-chars`` (5000): longer texts are compared on their first
        max-chars characters.  ``normalize`` (true): compare normalised text.  State: about 220
        bytes a row for ~50-word texts (band hashes 128 bytes, keys 45, the capped text for
        verification zstd-compressed), kept in the process's spill file (``trainlint.spill``),
        not in memory; the band hashes and texts shared with ``split-leakage`` and
        ``conflicting-label``.  Which pairs a bucket yields and which of several exact
        copies stands for them depend on content, not row order, so a shuffled file gives the
        same findings (a ``--baseline`` stays valid).
    """

    code = "DU002"
    name = "near-duplicate"
    severity = Severity.WARNING
    groups = ("duplicates",)
    fix = Fix.UNSAFE
    #: band hashes and texts stay where each block ran; finish verifies pairs through keyed shuffles
    distributed_finish = KEYED_SHUFFLE
    heavy_finish = True
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

    #: ``near-duplicate-record`` when it runs too: the rows it compares field by field (records
    #: of short fields, text role of several columns) are its, so one pair is not reported twice
    records = None

    def bind(self, rules):
        from .du004_near_duplicate_record import NearDuplicateRecord

        self.records = next((r for r in rules if isinstance(r, NearDuplicateRecord)), None)

    def update(self, batch, state):
        got = None if self.records is None else self.records.records(batch)
        mh.add_batch(state, batch, self.params, self.options.min_chars, keep=None if got is None else ~got[2])
        return ()

    def detach(self, state):
        return state.detach()

    def merge(self, a, b):
        return a.merge(b)

    def _clusters(self, state, run=None):
        if state.result is not None:
            return state.result
        t = state.arrays(self.params.bands)
        # the table holds the rows now and the result is kept for stats(): the state's own copy
        # of the keys goes (45 bytes a row less while candidates are made, issue 21)
        state.chunks = []
        # a row whose normalised text (and label, split) repeats an earlier row is DU001's or DU003's
        rep = mh.first_of_groups(combine(combine(t.nkey, t.label), t.split), t.rkey)
        mask = rep & mh.has_bands(t)
        del rep
        bucket = combine(t.split, t.label)
        t.split = t.label = t.rkey = t.tag = None  # not read past here
        words = WordTest(self.options.max_word_diff, clean=self.params.normalize)
        # with the state cache: what the previous run verified (``_memo``)
        memo = mh.memo_slot(run, f"{self.code}.pairs", self.params, self.options.threshold, words)
        if memo is None and t.remote is None:
            # numbered (4 bytes a row, not 8): only equal or not matters to the candidates; a
            # memo names rows by the bucket's hash, which does not change with the other rows
            bucket = bucket_numbers(bucket)
        # the row ids wait in the spill file, and the text hashes go once the candidates are made:
        # verifying reads texts only (64 bytes a row less at 4M rows, issue 21)
        ids = Spilled((t.ids,)) if t.remote is None else None
        if ids is not None:
            t.ids = None
        i, j, _sim = mh.near_pairs(t, self.params, self.options.threshold, mask, bucket, words=words, memo=memo,
                                   drop=("nkey",))
        del bucket
        if ids is not None:
            t.ids = ids.read(0)
        root = mh.components(len(t.ids), i, j)
        member = np.flatnonzero(root != np.arange(root.size))
        cited, sim = nearest_neighbours(member, root, i, j, _sim)
        state.result = (t.ids, member, root[member], cited, sim, int(i.size))
        return state.result

    def finish(self, state, run):
        ids, member, first, cited, sim, _n = self._clusters(state, run)
        if member.size == 0:
            return []
        firsts = unique(first)
        group = np.searchsorted(firsts, first) + 1
        size = np.bincount(group)[group] + 1
        # one message template per (percentage, earlier or later, cluster size) seen
        percents, percent = formatted(sim, lambda s: f"{s:.0%}")
        where = ("an earlier row", "a later row")
        message = message_table(lambda p, later, n: f"text is {percents[p]} similar to {where[later]} ({{related}}); "
                                                    f"{n} rows in this cluster", percent, cited >= member, size)
        rounded, at = formatted(sim, lambda s: round(s, 4))
        mid, cid = ids[member], ids[cited]
        paths = [s.path for s in run.sources]
        return self.row_findings(message, source=(paths, mid >> ROW_BITS), rows=mid & ROW_MASK, group=group,
                                 related=((paths, cid >> ROW_BITS), cid & ROW_MASK),
                                 extra={"similarity": np.array(rounded, np.float64)[at]}, object_keys=True)

    def stats(self, state, run):
        ids, member, first, _cited, sim, n_pairs = self._clusters(state, run)
        _firsts, later = np.unique(first, return_counts=True)
        return {"near_duplicate_rows": int(member.size), "clusters": int(later.size),
                "verified_pairs": n_pairs, "threshold": self.options.threshold,
                "largest_clusters": sorted((int(n) + 1 for n in later), reverse=True)[:10]}


#: breadth-first levels walked from a cluster's first row; members further away (a chain of
#: near-copies thousands long) cite their most similar verified neighbour instead
MAX_LEVELS = 256


def nearest_neighbours(member: np.ndarray, root: np.ndarray, i: np.ndarray, j: np.ndarray,
                       sim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cited row, similarity) of each cluster ``member``: the verified pair its finding rests on,
    so a reader judges two texts that were compared, never a chain.  The verified pairs form a
    graph; walked breadth-first from each cluster's first row, a member cites the most similar of
    its verified neighbours one step nearer that row (ties: the earliest), usually an earlier row.
    So every row of a cluster is flagged or cited, the first row too (a baseline keeps the cluster
    accepted whichever copy comes first after a shuffle).  Each pair is looked at twice in all (an
    adjacency list walked level by level).  ``(i, j, sim)``: the verified pairs, ``root``: each
    row's cluster's first row (``components``)."""
    n = root.size
    a, b, s = np.concatenate([i, j]), np.concatenate([j, i]), np.concatenate([sim, sim])  # both directions
    o = np.argsort(a, kind="stable")
    a, b, s = a[o], b[o], s[o]
    off = np.searchsorted(a, np.arange(n + 1))
    seen = np.zeros(n, bool)
    parent = np.full(n, -1, np.int64)
    best = np.zeros(n)
    frontier = unique(root[member])
    seen[frontier] = True
    for _level in range(MAX_LEVELS):
        if frontier.size == 0:
            break
        at = _pairs_of(frontier, off)
        new = ~seen[b[at]]
        frontier = _most_similar(b[at][new], a[at][new], s[at][new], parent, best)
        seen[frontier] = True
    left = member[parent[member] < 0]  # beyond MAX_LEVELS: the most similar verified neighbour
    if left.size:
        at = _pairs_of(left, off)
        _most_similar(a[at], b[at], s[at], parent, best)
    return parent[member], best[member]


def _pairs_of(nodes: np.ndarray, off: np.ndarray) -> np.ndarray:
    """Positions of the pairs of ``nodes`` in an adjacency list with offsets ``off``."""
    return ranges(off[nodes], off[nodes + 1] - off[nodes])


def _most_similar(node: np.ndarray, other: np.ndarray, sim: np.ndarray, cited: np.ndarray,
                  best: np.ndarray) -> np.ndarray:
    """For each distinct ``node``: cite the ``other`` of its most similar pair (ties: the smallest);
    the nodes, sorted."""
    o = np.lexsort((other, -sim, node))
    node, other, sim = node[o], other[o], sim[o]
    top = np.concatenate(([True], node[1:] != node[:-1])) if node.size else np.zeros(0, bool)
    cited[node[top]], best[node[top]] = other[top], sim[top]
    return node[top]
