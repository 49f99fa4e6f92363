from __future__ import annotations

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._chat import Chat, ChatRule, Thread, a


class ChatTurnOrder(ChatRule, Rule):
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
        messages use its speaker names (human, gpt).  Anthropic HH transcripts
        (``Human: ... Assistant: ...`` strings) are split into turns and checked the same way.
        A preference prompt (``prompt``, or LLaMA-Factory's DPO ``conversations`` ending with
        the human turn, the answers being in ``chosen``/``rejected``) is not a conversation: it
        ends with the user by design.

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

    Default
        A warning (an error when there is no assistant turn at all), measured on the default
        run over ../shared/data (tests/data/reviewed/CH002.jsonl): 1 finding, right.  A review
        of 455 findings (issue 22) judged 0.04 right, nearly all LLaMA-Factory's DPO layout
        read as ShareGPT (tests/data/chat_layouts/dpo_sharegpt.json: 3 findings before, none
        after).
    """

    code = "CH002"
    name = "chat-turn-order"
    severity = Severity.WARNING
    groups = ("chat",)
    fix = Fix.UNSAFE
    readable_only = False

    def check(self, chat: Chat):
        for th in chat.threads:
            if th.readable and th.conversation:
                yield from _order(th)


def _order(th: Thread):
    names, turns = th.names, th.turns
    roles = [t.role for t in turns]
    if "assistant" not in roles:
        yield f"conversation has no {names['assistant']} message", th.at(), "error"
        return
    if th.need_user and "user" not in roles:
        yield f"conversation has no {names['user']} message", th.at()
    last = turns[-1]
    if last.role != "assistant":
        yield (f"conversation ends with {a(names.get(last.role, last.role))} turn; the last turn should be the "
               f"{names['assistant']}'s reply", th.at(last.index))
    started = False
    prev = None
    first_user = roles.index("user") if "user" in roles else None
    for t in turns:
        if t.role == "system":
            if started:
                yield f"{names['system']} message after the conversation started", th.at(t.index)
            continue
        if not started and t.role == "assistant" and first_user is not None:
            yield (f"conversation starts with {a(names['assistant'])} turn before any {names['user']} turn",
                   th.at(t.index))
        started = True
        if prev is not None and t.role == prev.role and t.role in ("user", "assistant") \
                and not (t.role == "assistant" and prev.has_tool_calls):
            where = (f"turns {prev.index + 1} and {t.index + 1}" if th.transcript
                     else f"{th.at(prev.index)}, {th.at(t.index)}")
            yield f"two {names[t.role]} turns in a row ({where}): turns should alternate", th.at(t.index)
        prev = t
