from __future__ import annotations

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._chat import IssueRule


class ChatTurnOrder(IssueRule, Rule):
    """Conversation turns are missing or out of order.

    What it checks
        In well-formed OpenAI and ShareGPT conversations (and message-list preference sides):

        - ``conversation has no assistant message`` (an error: nothing to train on; the
          cookbook's seventh error type)
        - ``conversation has no user message``
        - ``conversation ends with a user turn; the last turn should be the assistant's reply``
        - ``conversation starts with an assistant turn before any user turn``
        - ``system message after the conversation started``
        - ``two user turns in a row (…): turns should alternate`` (two assistant turns are
          fine when the first one called a tool)

        A conversation without a system message is not reported: it is valid.  ShareGPT
        messages use its speaker names (human, gpt).

    Why it matters
        Chat templates and trainers assume user/assistant alternation ending in the reply they
        learn from; a conversation without a user turn teaches the model to speak unprompted,
        one that ends with the user trains on nothing.

    Example
        OpenAI's toy chat file, line 4: a system message and an assistant reply, no user.

    Fix
        Unsafe: the record is dropped; adding the missing turn may be better.

    Options
        None.
    """

    code = "CH002"
    name = "chat-turn-order"
    severity = Severity.WARNING
    groups = ("chat",)
    fix = Fix.UNSAFE
    kind = "order"
