from __future__ import annotations

from dataclasses import dataclass

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._chat import ChatRule


def _norm(s: str) -> str:
    return " ".join(s.lower().split())


class ReplyRepeatsPrompt(ChatRule, Rule):
    """Reply repeats the prompt.

    What it checks
        Each assistant reply against the user turn(s) it answers (for Alpaca, instruction and
        input): after lower-casing and collapsing whitespace, the reply is the prompt, or is at
        least ``min-similarity`` similar to it (rapidfuzz ``ratio``, 0-100, on the first 2,000
        characters).  Prompts shorter than ``min-chars`` are not compared ("Hi" / "Hi").

    Why it matters
        An echo teaches the model to parrot its input; it is the usual sign of a generation
        that failed or of columns shifted by one during preparation.

    Example
        ``{"instruction": "Translate to French: good morning", "output": "Translate to French:
        good morning"}``.

    Fix
        Unsafe: the record is dropped.

    Options
        ``min-similarity`` (90): similarity from which a reply counts as a repeat.
        ``min-chars`` (20): shorter prompts are not compared.

    Default
        A warning, not measured: no finding in the default run on ../shared/data, nor in the
        review of 455 findings on 26 datasets (issue 22).  90% similarity of 20+ characters is
        near-exact evidence of an echo; review a sample when a dataset shows some.
    """

    code = "CT003"
    name = "reply-repeats-prompt"
    severity = Severity.WARNING
    groups = ("chat",)
    fix = Fix.UNSAFE

    @dataclass(frozen=True)
    class Options:
        min_similarity: float = 90.0
        min_chars: int = 20

    def check(self, chat):
        from rapidfuzz import fuzz

        for prompt, reply, ptr in chat.exchanges:
            p, r = _norm(prompt), _norm(reply)
            if len(p) < self.options.min_chars or not r:
                continue
            if p == r:
                yield "reply is the prompt, repeated word for word", ptr
                continue
            score = fuzz.ratio(p[:2000], r[:2000])
            if score >= self.options.min_similarity:
                yield f"reply repeats the prompt ({score:.0f}% similar)", ptr
