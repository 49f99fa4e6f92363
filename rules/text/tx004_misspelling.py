from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa

from trainlint.finding import Severity
from trainlint.rule import Rule

from . import _spelling as S


class UnknownTokens:
    """Distinct out-of-dictionary tokens: token -> [count, first row ids (at most ``keep``)].

    Bounded: when there are more than ``cap`` distinct tokens, only the ``cap`` with the smallest
    xxh3 hash are kept (a bottom-k sample).  That set, and each kept token's count and first rows,
    are the same whatever the batching or partitioning, because a token in the global bottom-k
    is in the bottom-k of every partition it appears in.
    """

    __slots__ = ("tokens", "cap", "keep", "threshold", "words", "checked", "skipped_rows")

    def __init__(self, cap: int, keep: int) -> None:
        self.tokens: dict[str, list] = {}
        self.cap, self.keep = cap, keep
        self.threshold = (1 << 64) - 1  # tokens hashing above it are out of the sample
        self.words = 0
        self.checked = 0
        self.skipped_rows = 0

    def add(self, token: str, row_id: int) -> None:
        entry = self.tokens.get(token)
        if entry is None:
            if _h(token) > self.threshold:
                return
            self.tokens[token] = [1, [row_id]]
            if len(self.tokens) > 2 * self.cap:
                self._prune()
        else:
            entry[0] += 1
            if len(entry[1]) < self.keep:
                entry[1].append(row_id)

    def _prune(self) -> None:
        if len(self.tokens) <= self.cap:
            return
        hashes = sorted((_h(t), t) for t in self.tokens)
        self.threshold = min(self.threshold, hashes[self.cap - 1][0])
        for _hv, t in hashes[self.cap:]:
            del self.tokens[t]

    def merge(self, other: UnknownTokens) -> UnknownTokens:
        self.threshold = min(self.threshold, other.threshold)
        for t, (count, rows) in other.tokens.items():
            entry = self.tokens.get(t)
            if entry is None:
                self.tokens[t] = [count, list(rows)]
            else:
                entry[0] += count
                entry[1].extend(rows[: self.keep - len(entry[1])])
        self.words += other.words
        self.checked += other.checked
        self.skipped_rows += other.skipped_rows
        self.tokens = {t: e for t, e in self.tokens.items() if _h(t) <= self.threshold}
        if len(self.tokens) > 2 * self.cap:
            self._prune()
        return self

    def final(self) -> dict[str, list]:
        self._prune()
        return {t: e for t, e in self.tokens.items() if _h(t) <= self.threshold}

    @property
    def sampled(self) -> bool:
        return self.threshold < (1 << 64) - 1


def _h(token: str) -> int:
    import xxhash

    return xxhash.xxh3_64_intdigest(token.encode("utf-8"))


class Misspelling(Rule):
    """Text contains possible misspellings.

    What it checks
        Lower-case word tokens (3+ letters) that are neither in the bundled English dictionary
        (symspellpy's 82,834-word frequency list, MIT) nor used at least ``min-count`` times in
        the dataset itself: a word the data uses again and again is vocabulary (product names,
        slang, domain terms), not a typo.  Corpus counts are merged state, so the decision is
        made in ``finish``.  URLs, e-mail addresses, numbers and tokens with digits,
        @mentions, #hashtags, code spans, snake_case, ALL-CAPS and Capitalised words are
        skipped, as are rows where most checked tokens are unknown (another language or
        noise: ``max-unknown-share``).  Each row with unknown tokens is reported with them and
        the best suggestion for each (closest dictionary word by optimal-string-alignment
        distance, 1 edit for words of up to 4 letters and 2 beyond, the most frequent among
        equals), and one dataset finding lists the most frequent misspellings with counts.

        Every token goes through pyarrow kernels (split, regex filter, ``is_in`` on the
        dictionary's hash set); only unknown tokens reach Python.  Suggestions are computed
        once per distinct unknown token with ``rapidfuzz.process.cdist`` (about 550 words/s).

        Measured (``python benchmarks/bench_text.py``, one core): the whole rule 700k word
        tokens/s on banking77 texts (800k for the look-ups alone); pyspellchecker per token
        (``unknown`` + ``correction``), the naive approach, 311 tokens/s.  Norvig's test sets
        (270 and 400 misspellings): 97.8 % and 96.5 % detected, the suggestion right for
        74.4 % and 73.5 %.  banking77 train: 0.13 % of word tokens flagged (152 of 119,704 at
        ``min-count = 5``), nearly all real typos (beneficiery, recieve, transfered, adress);
        typos the data repeats 5+ times (withdrawl x11, didnt x22) count as vocabulary: lower
        ``min-count`` or rely on the summary of a smaller sample to see them.  sms_spam: 1.8 %
        of word tokens, mostly SMS spellings used fewer than 5 times (tkts, ansr, waitin);
        the frequent ones (lor x162, pls, txt) count as vocabulary.

        State: the distinct unknown tokens with their count and first ``min-count`` row ids
        (enough to name every row of a token that stays under ``min-count``), at most
        ``max-distinct`` of them (default 200,000, about 40 MB); beyond that a deterministic
        hash sample of them is checked and the stats say so.

    Why it matters
        Typos in inputs teach a model that the misspelled form is normal, and typos in outputs
        teach it to produce them.  An out-of-vocabulary percentage says there is a problem;
        the tokens, their rows and the suggestions say what to fix.

    Example
        ``"I still havent recieved my new card"`` -> ``havent (haven't?), recieved (received?)``.

    Fix
        None: applying a suggestion changes the text and would be wrong for names, slang and
        terms the dictionary lacks, so it is left to you.

    Options
        ``min-count`` (5), ``min-length`` (3), ``allow`` (words never reported),
        ``allow-file`` (a file of such words, one a line, ``#`` comments), ``max-unknown-share``
        (0.5), ``max-distinct`` (200,000), ``top`` (misspellings listed in the summary, 20).
        Only English is bundled; the rule is off by default (select TX004) because on informal
        text (chat, SMS) most findings are slang rather than typos.
    """

    code = "TX004"
    name = "misspelling"
    severity = Severity.INFO
    groups = ("text", "spelling")
    fix = None
    requires = ("text",)
    default = False

    @dataclasses.dataclass(frozen=True)
    class Options:
        #: a token used at least this many times in the dataset is vocabulary, not a typo.
        min_count: int = 5
        #: shorter tokens are not checked.
        min_length: int = 3
        #: words never reported (case-insensitive).
        allow: tuple[str, ...] = ()
        #: a file of words never reported, one a line; ``#`` starts a comment.
        allow_file: str = ""
        #: rows where more than this share of checked tokens is unknown are skipped (not English).
        max_unknown_share: float = 0.5
        #: at most this many distinct unknown tokens are kept (a hash sample beyond).
        max_distinct: int = 200_000
        #: misspellings listed in the dataset summary.
        top: int = 20

    def __init__(self, options=None) -> None:
        super().__init__(options)
        words = {w.strip().lower() for w in self.options.allow if w.strip()}
        if self.options.allow_file:
            from trainlint.resources import word_list

            words |= word_list(self.options.allow_file, f"{self.name}.allow-file")
        self._allow = pa.array(sorted(words), pa.string()) if words else None

    def start(self):
        return UnknownTokens(self.options.max_distinct, max(self.options.min_count, 1))

    def update(self, batch, state):
        if batch.text is None:
            return ()
        tok, parent, words = S.tokens(batch.text, self.options.min_length)
        state.words += int(words.sum())
        if not len(tok):
            return ()
        unknown = ~S.known(tok, self._allow)
        n = len(batch)
        checked = np.bincount(parent, minlength=n)
        bad = np.bincount(parent[unknown], minlength=n)
        foreign = (checked >= 4) & (bad > self.options.max_unknown_share * checked)
        state.skipped_rows += int(foreign.sum())
        counted = ~foreign[parent]
        state.checked += int(counted.sum())
        sel = unknown & counted
        if sel.any():
            ids = batch.row_ids[parent[sel]].tolist()
            for t, rid in zip(tok.filter(pa.array(sel)).to_pylist(), ids):
                state.add(t, rid)
        return ()

    def merge(self, a, b):
        return a.merge(b)

    def _typos(self, state) -> dict[str, list]:
        return {t: e for t, e in state.final().items() if e[0] < self.options.min_count}

    def finish(self, state, run):
        typos = self._typos(state)
        if not typos:
            return []
        sugg = S.suggest(list(typos))
        by_row: dict[int, list[str]] = {}
        for t, (_count, rows) in typos.items():
            for rid in rows:
                lst = by_row.setdefault(rid, [])
                if t not in lst:
                    lst.append(t)
        findings = []
        for rid in sorted(by_row):
            toks = sorted(by_row[rid])
            src, row = run.path_of(rid)
            shown = ", ".join(f"{t} ({sugg[t]}?)" if sugg.get(t) else t for t in toks)
            findings.append(self.finding(
                f"possible misspelling{'s' if len(toks) > 1 else ''}: {shown}", source=src, row=row,
                extra={"tokens": toks, "suggestions": {t: sugg.get(t) for t in toks}}))
        ranked = sorted(typos.items(), key=lambda kv: (-kv[1][0], kv[0]))[: self.options.top]
        total = sum(e[0] for e in typos.values())
        top = ", ".join(f"{t} x{e[0]}" + (f" ({sugg[t]})" if sugg.get(t) else "") for t, e in ranked)
        share = f"{100.0 * total / state.checked:.2f}%" if state.checked else "n/a"
        ids = sorted(by_row)
        first_src = run.path_of(ids[0])[0]
        sample = [run.path_of(i)[1] for i in ids if run.path_of(i)[0] == first_src]
        findings.append(self.finding(
            f"{total:,} possible misspellings ({len(typos):,} distinct, {share} of checked tokens) in "
            f"{len(by_row):,} rows; most frequent: {top}",
            source=None, n_rows=len(by_row), rows_sample=sample,
            extra={"misspellings": {t: e[0] for t, e in ranked},
                   "suggestions": {t: sugg.get(t) for t, _e in ranked}}))
        return findings

    def stats(self, state, run):
        typos = self._typos(state)
        return {"word_tokens": state.words, "checked_tokens": state.checked,
                "flagged_tokens": int(sum(e[0] for e in typos.values())), "distinct_flagged": len(typos),
                "skipped_rows": state.skipped_rows, "sampled": state.sampled}
