from __future__ import annotations

from dataclasses import dataclass

from trainlint.finding import Severity
from trainlint.rule import Rule

from ._chat import ChatRule


class ShortReply(ChatRule, Rule):
    """Reply is very short.

    What it checks
        The final assistant reply of each record (a preference pair's ``chosen``) with fewer
        than ``min-chars`` non-space characters but not empty (empty replies are
        ``empty-turn``'s).  Reported as information: "4", "Yes." and "Paris" can be right.

    Why it matters
        Many very short replies in a chat set teach terse answers, and a one-character output
        is often a label or a truncated generation that slipped into the reply column.

    Example
        Alpaca demo data: an output of ``"1"``.

    Fix
        None automatic: look at them.

    Options
        ``min-chars`` (5): replies shorter than this are reported.

    Default
        Off (select CT006), measured: its 4 findings on ../shared/data (alpaca_en_demo.json:
        'fog.', '3', '0.5', 'bird') are all correct answers in the format the prompt asked for
        (tests/data/reviewed/CT006.jsonl, 0 of 4 right; a review of 455 findings, issue 22,
        judged 0.12 right).  A short reply is only a problem in bulk, which this per-row rule
        cannot tell.
    """

    code = "CT006"
    name = "short-reply"
    severity = Severity.INFO
    groups = ("chat",)
    default = False

    @dataclass(frozen=True)
    class Options:
        min_chars: int = 5

    def check(self, chat):
        t = chat.final_reply
        if t is None:
            return
        n = len("".join(t.text.split()))
        if 0 < n < self.options.min_chars:
            yield f"reply is only {n} character{'s' if n != 1 else ''} long: {t.text.strip()!r}", t.pointer
