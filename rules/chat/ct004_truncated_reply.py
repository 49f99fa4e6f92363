from __future__ import annotations

import re
from dataclasses import dataclass

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._chat import ChatRule
from ._content import clip

_END_OK = re.compile(r"""[.!?…:;)\]}>"'`*_~|\u3002\uff01\uff1f\u201d\u2019]\s*$|[\U0001F300-\U0001FAFF\u2600-\u27BF]\s*$""")
#: a last word that cannot end a sentence: an article, a preposition that is not also a particle
#: ("boiled over", "gave up" end sentences), a conjunction, a possessive...
_DANGLING = frozenset(
    "the a an of to for with from at by into onto about than as and or but nor because although though if "
    "whether while whereas that which whose your my our their his her its this these those is are was were "
    "be been being will would can could should shall may might must has have had very more most such".split())
#: a penultimate word after which one more word does not close a sentence ("your body", "we reverse")
_OPENER = frozenset("the a an your my our their his her its we they you i he she it this these those".split())


class TruncatedReply(ChatRule, Rule):
    """Reply looks cut off.

    What it checks
        The final assistant reply of each record (a preference pair's ``chosen``):

        - an odd number of ````` fences: a code block opened and never closed;
        - prose that stops mid-sentence: the last line has at least ``min-words`` words, no
          closing punctuation, and ends in a comma, in a word that cannot end a sentence (an
          article, a preposition that is not also a particle, a conjunction, a possessive,
          an auxiliary: "the importance of") or in one word after a determiner or a subject
          pronoun ("your body", "we reverse").  "...that finally boiled over" is a complete
          sentence without its full stop and is not reported.  Lines that are list items, table
          rows, headings or code are not judged.

    Why it matters
        Generations cut at a token limit are common in synthetic data; a model trained on them
        learns to stop mid-thought and to leave code blocks open.

    Example
        ``"To install it, run:\\n```bash\\npip install"`` (the fence never closes).

    Fix
        Unsafe: the record is dropped.

    Options
        ``min-words`` (8): shorter last lines are not judged (a short answer may omit the
        full stop).

    Default
        A warning, measured on the default run over ../shared/data (tests/data/reviewed/CT004.jsonl):
        4 findings, 4 right.  Before, any lower-case last word counted: 5 findings, the fifth
        ("...tension and aggression that finally boiled over") a complete sentence (wrong); a
        review of 455 findings (issue 22) had judged 0.52 of this rule's right.  The sample is
        small: widen it when more chat data is in ../shared/data.
    """

    code = "CT004"
    name = "truncated-reply"
    severity = Severity.WARNING
    groups = ("chat",)
    fix = Fix.UNSAFE

    @dataclass(frozen=True)
    class Options:
        min_words: int = 8

    def check(self, chat):
        t = chat.final_reply
        if t is None or not t.text.strip():
            return
        text = t.text.rstrip()
        fences = len(re.findall(r"^\s*```", text, re.M))
        if fences % 2:
            yield "reply opens a code block (```) that never closes", t.pointer
            return
        last = text.splitlines()[-1].strip()
        if (last[:1] in "-*#|>+" or re.match(r"^\d+[.)]\s", last) or len(last.split()) < self.options.min_words
                or _END_OK.search(last)):
            return
        words = re.findall(r"[A-Za-z']+|,", last)
        if not words:
            return
        if words[-1] == "," or words[-1].lower() in _DANGLING or (
                len(words) > 1 and words[-2].lower() in _OPENER and words[-1].islower()):
            yield f"reply ends mid-sentence: \"…{clip(last[-40:], 40)}\"", t.pointer
