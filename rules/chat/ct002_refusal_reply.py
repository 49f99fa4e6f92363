from __future__ import annotations

import re
from dataclasses import dataclass

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._chat import ChatRule
from ._content import clip

#: boilerplate anywhere in a reply
ANYWHERE = [
    r"\bas an ai\b(?: (?:language )?(?:model|assistant))?",
    r"\bas a (?:large )?language model\b",
    r"\bi(?:'m|’m| am) (?:just |only |merely )?an ai\b(?: (?:language )?model| assistant)?",
    r"\bmy knowledge cut-?off\b",
    r"\bi do(?:n't|n’t| not) have (?:personal )?(?:opinions|feelings|emotions|beliefs|preferences)\b",
]
#: refusals only at the start of a reply (later they may be part of an answer)
OPENING = [
    r"^(?:i(?:'m|’m| am) )?(?:sorry|afraid|apologi[sz]e)[,.!]? (?:but )?i (?:can(?:not|'t|’t)|am (?:not able|unable)|won't|will not)\b",
    r"^i (?:can(?:not|'t|’t)|am (?:not able|unable) to|won't|will not) (?:help|assist|comply|fulfil|fulfill|provide|do that|answer)\b",
    r"^unfortunately,? i (?:can(?:not|'t|’t)|am (?:not able|unable))\b",
]


class RefusalReply(ChatRule, Rule):
    """Reply is a refusal or AI boilerplate.

    What it checks
        Assistant replies (a preference pair's ``chosen`` side; the ``rejected`` side is meant
        to be bad) that contain assistant boilerplate anywhere ("As an AI language model", "as a
        language model", "I'm just an AI", "my knowledge cutoff", "I don't have personal
        opinions") or open with a refusal ("I'm sorry, but I can't", "I cannot help with",
        "Unfortunately, I am unable"), matched case-insensitively.  The message quotes the
        phrase.  A reply that merely mentions language models ("GPT-3 is one of the largest
        language models") is not matched.

    Why it matters
        Distilled data carries the teacher's refusals and disclaimers; fine-tuning on them
        teaches a model to refuse harmless requests and to talk about being an AI.

    Example
        Alpaca demo data: "I am sorry, but as an AI language model, I do not have the data or
        access to real-time information…".

    Fix
        Unsafe: the record is dropped.

    Options
        ``extra-patterns``: more regular expressions (case-insensitive) matched anywhere.
    """

    code = "CT002"
    name = "refusal-reply"
    severity = Severity.WARNING
    groups = ("chat",)
    fix = Fix.UNSAFE

    @dataclass(frozen=True)
    class Options:
        extra_patterns: tuple[str, ...] = ()

    def _patterns(self):
        pats = getattr(self, "_compiled", None)
        if pats is None:
            pats = self._compiled = (re.compile("|".join(ANYWHERE + list(self.options.extra_patterns)), re.I),
                                     re.compile("|".join(OPENING), re.I))
        return pats

    def check(self, chat):
        anywhere, opening = self._patterns()
        for t in chat.turns:
            if t.role != "assistant" or not chat.trained(t):
                continue
            m = opening.search(t.text.lstrip()) or anywhere.search(t.text)
            if m:
                yield f"reply is a refusal or AI boilerplate: \"{clip(m.group(0))}\"", t.pointer
