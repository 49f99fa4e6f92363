from __future__ import annotations

import dataclasses

import numpy as np

from trainlint.context import ROW_BITS, ROW_MASK
from trainlint.finding import Fix, Severity
from trainlint.hashing import combine
from trainlint.rule import Rule
from trainlint.shuffle import KEYED_SHUFFLE
from trainlint.rules.duplicates import near as mh

#: distinct label strings kept for messages; beyond this a label is shown by its hash
_LABEL_NAMES_CAP = 10_000


class ConflictingLabel(Rule):
    """Same text appears with different labels.

    What it checks
        Rows whose text is the same after normalisation (NFKC, case folding, collapsed spaces)
        but whose labels differ, within one split and across all its sources.  With ``near``
        on, also rows whose texts are near-duplicates (``near-duplicate``'s MinHash and
        verified 5-gram Jaccard at ``threshold``) *and* have the same words (up to order,
        punctuation and case: a conflict that one changed word, a negation or another noun,
        explains is no conflict).  Every row of a conflict is reported, with the conflict's
        ``group``, the labels seen and how many rows carry each; ``related`` points to the first
        row of the conflict (for the first row, to the first row with another label).  Exact
        conflicts are errors; a conflict found through near matching is a warning.

    Why it matters
        A model cannot learn two answers for one input: conflicting labels are annotation
        errors or an ambiguous label set, and they cap the accuracy any model can reach.

    Example
        ``"Ok lar... Joking wif u oni...",ham`` on line 3 and ``"ok lar... joking wif u oni...",spam``
        on line 912.

    Fix
        None by default: a person must decide which label is right.  The findings are marked
        unsafe so that ``--unsafe-fixes`` can drop every row of a conflict into the rejects file
        for review.

    Options
        ``near`` (default false): also report near-duplicate texts with different labels.  Off
        by default because its precision is low on real data: on banking77 train+test every
        one of the 46 near conflicts it reported was a correct pair of intents ("What is the
        current exchange rate?" / "... exchange fee?"; "I need to verify my identity" / "Why do
        I need to verify my identity?"), and the issue-22 review judged LB001 0.56 overall.
        ``max-word-diff`` (0.0): words that may differ per word of length in a near conflict;
        at 0 (the default) the texts must have the same words, so no changed word can explain
        the other label.  ``threshold`` (0.7, as ``near-duplicate``), ``min-chars`` (20): see
        ``near-duplicate``.  On the templated benchmark's 500 planted conflicts (exact copies
        under another label): recall 1.00, precision 0.996 (1,004 rows).
    """

    code = "LB001"
    name = "conflicting-label"
    severity = Severity.ERROR
    groups = ("labels",)
    fix = Fix.UNSAFE
    #: band hashes and texts stay where each block ran; finish verifies pairs through keyed shuffles
    distributed_finish = KEYED_SHUFFLE
    heavy_finish = True
    requires = ("text", "label")

    @dataclasses.dataclass(frozen=True)
    class Options(mh.ExactOrNearOptions):
        near: bool = False
        max_word_diff: float = 0.0

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.params = mh.Params()

    def start(self):
        return (mh.NearState(), {})

    def update(self, batch, state):
        near, names = state
        if batch.label is None or batch.text is None:
            return ()
        keep = np.asarray(batch.label.is_valid())
        mh.add_batch(near, batch, self.params, self.options.min_chars if self.options.near else mh.NO_NEAR,
                     keep=keep)
        if len(names) < _LABEL_NAMES_CAP:
            lh = batch.label_hash
            u, first = np.unique(lh[keep], return_index=True)
            rows = np.flatnonzero(keep)[first]
            for h, r in zip(u.tolist(), rows.tolist()):
                if h not in names and len(names) < _LABEL_NAMES_CAP:
                    names[h] = batch.label[r].as_py()
        return ()

    def detach(self, state):
        return state[0].detach()

    def merge(self, a, b):
        names = dict(a[1])
        for k, v in b[1].items():
            if len(names) < _LABEL_NAMES_CAP:
                names.setdefault(k, v)
        return (a[0].merge(b[0]), names)

    def finish(self, state, run):
        near, names = state
        t = near.arrays(self.params.bands)
        n = t.ids.size
        if n < 2:
            return []
        # exact: rows with the same normalised text (and split) join; near: differing-label pairs
        ni = nj = np.zeros(0, np.int64)
        if self.options.near:
            mask = mh.has_bands(t) & mh.first_of_groups(combine(combine(t.nkey, t.label), t.split), t.rkey)
            words = mh.WordTest(self.options.max_word_diff, self.options.max_word_diff, 0, clean=self.params.normalize)
            ni, nj, _s = mh.near_pairs(t, self.params, self.options.threshold, mask, t.split,
                                       pair_ok=lambda i, j: (t.label[i] != t.label[j]) & (t.nkey[i] != t.nkey[j]),
                                       words=words, extra=t.label,
                                       memo=mh.memo_slot(run, f"{self.code}.pairs", self.params,
                                                         self.options.threshold, words))
        key = combine(t.nkey, t.split)
        t.nkey = t.split = t.rkey = t.tag = None  # not read past here (issue 21: bounded finish)
        o = np.argsort(key, kind="stable")
        key = key[o]
        start = np.concatenate(([True], key[1:] != key[:-1]))
        del key
        if ni.size:
            same = np.flatnonzero(~start[1:])
            root = mh.components(n, np.concatenate([o[same], ni]), np.concatenate([o[same + 1], nj]))
            del same
            # clusters holding more than one label
            order = np.lexsort((t.label, root))
            r_s, l_s = root[order], t.label[order]
            del order
            new_label = np.concatenate(([True], (r_s[1:] != r_s[:-1]) | (l_s[1:] != l_s[:-1])))
            n_labels = np.bincount(r_s[new_label], minlength=n)
            del r_s, l_s, new_label
            members = np.flatnonzero(np.isin(root, np.flatnonzero(n_labels > 1)))
            del n_labels
        else:
            # exact groups only: a group is a run of equal keys in ``o`` and its first row (the
            # smallest: a stable sort) is what ``components`` would name, without its N-row arrays
            gid = np.cumsum(start) - 1
            first = o[start]
            lab = t.label[o]
            bad = np.zeros(first.size, bool)
            bad[gid[lab != lab[start][gid]]] = True
            del lab
            root = np.empty(n, np.int64)
            root[o] = first[gid]
            members = np.sort(o[bad[gid]])
            del gid, first, bad
        del o, start
        if members.size == 0:
            return []
        near_roots = set(root[ni].tolist()) if ni.size else set()
        by_root: dict[int, list[int]] = {}
        for m in members.tolist():
            by_root.setdefault(int(root[m]), []).append(m)
        # columns, not a Finding per row: distinct messages and label counts in tables
        templates: dict[str, int] = {}
        tables: dict[tuple, int] = {}
        cols: dict[str, list] = {"row": [], "ref": [], "template": [], "group": [], "labels": [], "near": []}
        for g, rt in enumerate(sorted(by_root, key=lambda r: t.ids[r]), start=1):
            rows = by_root[rt]
            counts: dict[int, int] = {}
            for m in rows:
                counts[int(t.label[m])] = counts.get(int(t.label[m]), 0) + 1
            shown = ", ".join(f"{_show(names, h)} ({c} row{'s' if c > 1 else ''})"
                              for h, c in sorted(counts.items(), key=lambda kv: (-kv[1], _show(names, kv[0]))))
            near = rt in near_roots
            what = f"nearly the same text (>= {self.options.threshold:.0%} similar)" if near else "the same text"
            head = f"{what} has {len(counts)} labels: {shown}; this row says "
            labels = tuple((_show(names, h, quote=False), c) for h, c in counts.items())
            first = rows[0]
            other = next(m for m in rows if t.label[m] != t.label[first])
            for m in rows:
                cols["ref"].append(other if m == first else first)
                cols["template"].append(templates.setdefault(
                    f"{head}{_show(names, int(t.label[m]))} (see {{related}})", len(templates)))
            n = len(rows)
            cols["row"] += rows
            cols["group"] += [g] * n
            cols["labels"] += [tables.setdefault(labels, len(tables))] * n
            cols["near"] += [near] * n
        a = {k: np.array(v, bool if k == "near" else np.int64) for k, v in cols.items()}
        mid, rid = t.ids[a["row"]], t.ids[a["ref"]]
        paths = [s.path for s in run.sources]
        messages, counted = list(templates), [dict(labels) for labels in tables]
        return [self.row_findings((messages, a["template"][sel]), source=(paths, mid[sel] >> ROW_BITS),
                                  rows=mid[sel] & ROW_MASK, group=a["group"][sel], severity=severity,
                                  related=((paths, rid[sel] >> ROW_BITS), rid[sel] & ROW_MASK),
                                  extra={"labels": (counted, a["labels"][sel])}, object_keys=True)
                for sel, severity in ((~a["near"], None), (a["near"], Severity.WARNING)) if sel.any()]


def _show(names: dict, h: int, quote: bool = True) -> str:
    v = names.get(int(h))
    if v is None:
        return f"label#{int(h):016x}"
    return repr(v) if quote else str(v)
