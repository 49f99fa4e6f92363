from __future__ import annotations

import re
from dataclasses import dataclass

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._chat import ChatRule
from ._content import clip

#: boilerplate anywhere in a reply; "As an AI" counts only with a limitation in its sentence ("As an
#: AI, I don't have..."): "As an AI assistant, I would first..." and identity answers are not boilerplate
ANYWHERE = [
    r"\bas an ai\b(?: (?:language )?(?:model|assistant))?",
    r"\bas a (?:large )?language model\b",
    r"\bi(?:'m|’m| am) (?:just |only |merely )?an ai\b(?: (?:language )?model| assistant)?",
]
#: boilerplate that is a limitation by itself
ALWAYS = [
    r"\bmy knowledge cut-?off\b",
    r"\bi do(?:n't|n’t| not) have (?:personal )?(?:opinions|feelings|emotions|beliefs|preferences)\b",
]
#: refusals only at the start of a reply (later they may be part of an answer)
OPENING = [
    r"^(?:i(?:'m|’m| am) )?(?:sorry|afraid|apologi[sz]e)[,.!]? (?:but )?i (?:can(?:not|'t|’t)|am (?:not able|unable)|won't|will not)\b",
    r"^i (?:can(?:not|'t|’t)|am (?:not able|unable) to|won't|will not) (?:help|assist|comply|fulfil|fulfill|provide|do that|answer)\b",
    r"^unfortunately,? i (?:can(?:not|'t|’t)|am (?:not able|unable))\b",
]
_LIMIT = re.compile(r"\b(?:not|cannot|can't|can’t|unable|incapable|lack|without|neither|nor|only)\b|n't\b|n’t\b|"
                    r"\bno (?:personal|physical|access|ability|real-time|way)\b", re.I)
#: a refusal that asks for what is missing ("I cannot ... without more information") is an answer
_NEEDS_INFO = re.compile(r"\bwithout (?:more|additional|further|any|the|specific|knowing)\b|\bgiven only\b|"
                         r"\b(?:more|additional|further) (?:information|details|context)\b|\bnot enough information\b",
                         re.I)
#: a scoped assistant declining what is outside its job
_SCOPED = re.compile(r"\bonly (?:help|assist|answer|provide|discuss|talk)|\b(?:outside|beyond|not within) (?:of )?"
                     r"(?:my|the) (?:scope|purpose|role)|\bnot (?:related|relevant) to\b", re.I)
#: the user asked who the assistant is: "I am an AI" is the answer
_IDENTITY = re.compile(r"\b(?:who|what) are you\b|\byour name\b|\bwho (?:made|created|trained|built|developed) "
                       r"you\b|\b(?:introduce|about) yourself\b|\bare you (?:an? )?(?:ai|bot|robot|human|person|"
                       r"machine|chatbot|language model)\b|\bwho (?:am i|is this) (?:talking|speaking|chatting)\b", re.I)
_SENTENCE_END = re.compile(r"[.!?\n]")


class RefusalReply(ChatRule, Rule):
    """Reply is a refusal or AI boilerplate.

    What it checks
        Assistant replies (a preference pair's ``chosen`` side, a desirable KTO example; the
        rejected ones are meant to be bad) that contain assistant boilerplate ("As an AI
        language model", "as a language model", "I'm just an AI" with a limitation in the same
        sentence: "..., I don't have access"; "my knowledge cutoff", "I don't have personal
        opinions") or open with a refusal ("I'm sorry, but I can't", "I cannot help with",
        "Unfortunately, I am unable"), matched case-insensitively.  The message quotes the
        phrase.  Not reported: a reply that merely mentions language models, an answer to "who
        are you?" (identity data is meant to say "I am an AI"), a refusal that asks for what is
        missing ("... without more information"), and a scoped assistant declining what is
        outside its job ("I can only help with billing"; a system prompt that says "only").

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

    Default
        A warning, measured on the default run over ../shared/data (tests/data/reviewed/CT002.jsonl):
        23 findings, 23 judged right (1.00).  Before the limits below it had 54: the 24 identity
        answers of sharegpt_dummy_conversation.json ("As a language model, I go by the name
        Vicuna", answering "Who are you?"), and in alpaca_en_demo.json "As an AI assistant, I would
        first..." (an answer, 4) and "I cannot determine the angle without more information" (2),
        all wrong: a review of 455 findings (issue 22) had judged 0.24 of this rule's right.
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
            pats = self._compiled = (re.compile("|".join(ANYWHERE), re.I),
                                     re.compile("|".join(ALWAYS + list(self.options.extra_patterns)), re.I),
                                     re.compile("|".join(OPENING), re.I))
        return pats

    def check(self, chat):
        anywhere, always, opening = self._patterns()
        system = " ".join(t.text for t in chat.turns if t.role == "system")
        scoped_system = bool(system) and bool(re.search(r"\bonly\b|\bdo not\b|\bdon't\b|\bnever\b", system, re.I))
        for prompt, reply, ptr in chat.exchanges:
            if _IDENTITY.search(prompt):
                continue
            m = opening.search(reply.lstrip())
            if m is not None:
                sentence = _sentence(reply.lstrip(), m.start())
                if scoped_system or _NEEDS_INFO.search(sentence) or _SCOPED.search(sentence):
                    m = None
            if m is None:
                m = next((x for x in anywhere.finditer(reply) if _LIMIT.search(_sentence(reply, x.start()))), None)
            if m is None:
                m = always.search(reply)
            if m:
                yield f"reply is a refusal or AI boilerplate: \"{clip(m.group(0))}\"", ptr


def _sentence(text: str, at: int) -> str:
    """The sentence of ``text`` that holds position ``at`` (up to the next . ! ? or newline)."""
    start = max(text.rfind(c, 0, at) for c in ".!?\n") + 1
    end = _SENTENCE_END.search(text, at)
    return text[start:end.end() if end else len(text)]
