from __future__ import annotations

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._chat import IssueRule


class EmptyTurn(IssueRule, Rule):
    """Turn is empty or whitespace only.

    What it checks
        A message, ShareGPT turn, Alpaca instruction (with empty input) or output, or preference
        side whose text is empty or only whitespace.  The final assistant turn being empty has
        its own message (``final assistant turn is empty``), as does an empty Alpaca
        ``output``.  An assistant message that only calls tools, and tool results, are not
        empty turns.

    Why it matters
        An empty reply trains the model to answer nothing; an empty prompt trains it to answer
        a question nobody asked.  Both are usually a failed generation or a broken template.

    Example
        ``{"role": "assistant", "content": "  "}`` at the end of a conversation.

    Fix
        Unsafe: the record is dropped.

    Options
        None.
    """

    code = "CH003"
    name = "empty-turn"
    severity = Severity.WARNING
    groups = ("chat",)
    fix = Fix.UNSAFE
    kind = "empty"
