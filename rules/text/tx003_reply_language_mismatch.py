from __future__ import annotations

import dataclasses
import re

import pyarrow as pa

from trainlint.finding import Severity
from trainlint.rule import Rule

from . import _langid as L

_TRANSLATE = re.compile(r"(?i)translat|traduc|übersetz|tradu[ziçs]|перев|翻译|翻訳|번역")


class ReplyLanguageMismatch(Rule):
    """Reply is in another language than its prompt.

    What it checks
        In chat and instruction records (OpenAI messages, ShareGPT, Alpaca, preference pairs),
        each assistant turn against the user turns just before it.  Reported when the prompt is
        confidently in one language and the reply confidently in another (both best languages
        with probability >= ``min-probability``; the reply's probability of the prompt's
        language below ``max-probability``; close varieties such as English and Nigerian Pidgin
        count as one language);
        turns with fewer than ``min-letters`` letters are not judged.  A prompt that asks for a
        translation (``translat``/``traduc``/``übersetz``/... or the name of the reply's
        language) is skipped.  The finding points at the reply (``pointer``).  Language ID is
        TX001's (same backend and options), run on all turns of a batch at once.

    Why it matters
        A model fine-tuned on replies that switch language learns to switch language: a user
        asking in German gets English back.

    Example
        ``{"messages": [{"role": "user", "content": "Wie spät ist es in Tokio, wenn es in Berlin
        Mittag ist?"}, {"role": "assistant", "content": "When it is noon in Berlin it is 8 pm in
        Tokyo."}]}``: the reply is English (en), the prompt German (de).

    Fix
        None: rewrite the reply, or drop the record if it is noise.

    Options
        TX001's language options (``backend``, ``languages``, ``min-letters``,
        ``max-probability``, ``max-chars``; ``language`` is not used: the prompt sets the
        expected language), plus ``min-probability``.
    """

    code = "TX003"
    name = "reply-language-mismatch"
    severity = Severity.WARNING
    groups = ("text", "language", "chat")
    fix = None
    requires = ("text",)

    @dataclasses.dataclass(frozen=True)
    class Options(L.LangOptions):
        #: the best language of the prompt, and of the reply, must have at least this probability.
        #: 0.7 measured: 0 of 5,574 casual English SMS prompts (Singlish) with an English reply
        #: reported (0.5 before: 44, "Nigerian Pidgin"); 83 % of 500 lingua prompt/reply pairs
        #: with one side in another language (0.5: 93 %).  README, "Language ID: abstaining".
        min_probability: float = 0.7

    def __init__(self, options=None) -> None:
        super().__init__(options)
        L.check_options(self.options, self.name)

    def applies_to(self, source) -> bool:
        return source.record_format != "text"

    def update(self, batch, state):
        from trainlint import formats

        fmt = batch.source.record_format
        pairs = []  # (row index, prompt text, reply text, reply pointer)
        for i, rec in enumerate(formats.batch_records(batch)):
            prompt: list[str] = []
            for role, text, ptr in formats.iter_turns(fmt, rec):
                if role == "user":
                    prompt.append(text or "")
                elif role == "assistant":
                    if prompt:
                        pairs.append((i, "\n".join(prompt), text or "", ptr))
                    prompt = []
        if not pairs:
            return ()
        o = self.options
        texts = pa.array([p[1] for p in pairs] + [p[2] for p in pairs], pa.string())
        r = L.rank_texts(texts, backend=o.backend, languages=tuple(o.languages), min_letters=o.min_letters,
                         tau=o.max_probability, max_chars=o.max_chars)
        n = len(pairs)
        findings = []
        seen_rows = set()
        for k, (i, prompt, _reply, ptr) in enumerate(pairs):
            if not r.judged[k] or r.prob[k] < o.min_probability or i in seen_rows:
                continue
            want = int(r.codes[k, 0])
            j = n + k
            if r.prob[j] < o.min_probability or not L.not_language(
                    r.codes[j:j + 1], r.strong[j:j + 1], r.tail_weak[j:j + 1], r.judged[j:j + 1], want)[0]:
                continue
            got = L.decode(r.codes[j, 0])
            name = L.NAMES.get(got, "")
            if _TRANSLATE.search(prompt) or (name and re.search(rf"(?i)\b{name}\b", prompt)):
                continue
            seen_rows.add(i)
            findings.append(self.finding(
                f"reply looks like {L.name_of(got, float(r.prob[j]))}, prompt {L.name_of(L.decode(want))}",
                source=batch.source.path, row=int(batch.rows[i]), pointer=ptr,
                extra={"prompt_language": L.decode(want), "reply_language": got}))
        return findings

