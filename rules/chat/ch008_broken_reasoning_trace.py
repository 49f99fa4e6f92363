from __future__ import annotations

import re

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._chat import Chat, ChatRule

_TAG = re.compile(r"<(/?)think>")
_EMPTY = re.compile(r"<think>\s*</think>")


class BrokenReasoningTrace(ChatRule, Rule):
    """Reasoning trace is unbalanced or empty.

    What it checks
        The ``<think>`` ... ``</think>`` tags of each trained assistant turn: a tag never closed,
        a closing tag without an opening one, nested tags (errors), and an empty trace
        ``<think></think>`` (a warning: some recipes write one on purpose to train "no thinking").

    Why it matters
        The model learns the tags as text: a trace never closed teaches it to think forever and
        never answer; trainers that split the trace from the answer drop or mis-mask both.

    Example
        ``{"role": "assistant", "content": "<think>Add the numbers. The answer is 4."}``

    Fix
        Unsafe: the record is dropped.

    Options
        None.
    """

    code = "CH008"
    name = "broken-reasoning-trace"
    severity = Severity.ERROR
    groups = ("chat",)
    fix = Fix.UNSAFE

    def check(self, chat: Chat):
        for t in chat.turns:
            if t.role != "assistant" or "think>" not in t.text or not chat.trained(t):
                continue
            depth, problem = 0, None
            for m in _TAG.finditer(t.text):
                if m.group(1):
                    depth -= 1
                    if depth < 0:
                        problem = "</think> closes no <think>"
                        break
                else:
                    depth += 1
                    if depth > 1:
                        problem = "<think> opened inside another <think>"
                        break
            if problem is None and depth > 0:
                problem = "<think> is never closed"
            if problem is not None:
                yield f"reasoning trace is unbalanced: {problem}", t.pointer
            elif _EMPTY.search(t.text):
                yield "reasoning trace is empty (<think></think>)", t.pointer, "warning"
