from __future__ import annotations

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._chat import Chat, ChatRule


class UnmatchedToolCall(ChatRule, Rule):
    """Tool call and tool response do not pair up.

    What it checks
        In OpenAI messages: every ``tool_calls[].id`` of an assistant message must be answered
        by a later ``tool`` message with that ``tool_call_id`` (``tool call 'call_1' has no tool
        response``), and every tool message must answer an earlier call (``tool response for
        'call_9' answers no earlier tool call``).  Calls in the last message need no response:
        that message is the training target of function-calling fine-tuning.  In ShareGPT
        conversations, which have no ids, by position: a ``function_call`` turn must be followed by
        an ``observation`` turn, and an ``observation`` must follow a ``function_call`` (or another
        observation answering the same call group).

    Why it matters
        The API rejects conversations whose tool messages do not follow their calls, and a
        model trained on calls that are never answered learns to call tools and carry on
        without their results.

    Example
        ``{"role": "tool", "tool_call_id": "call_9", "content": "42"}`` after a call with id
        ``call_1``; ``{"from": "observation", ...}`` right after a ``gpt`` turn.

    Fix
        Unsafe: the record is dropped.

    Options
        None.

    Default
        An error: the evidence is exact (an id with no partner).  No finding in the default run on
        ../shared/data (no tool calls there); its YAML cases test it.
    """

    code = "CH004"
    name = "unmatched-tool-call"
    severity = Severity.ERROR
    groups = ("chat",)
    fix = Fix.UNSAFE
    readable_only = False

    def check(self, chat: Chat):
        for th in chat.threads:
            if not th.readable:
                continue
            if th.names.get("tool") == "observation":
                yield from _by_position(th)
                continue
            answered = {cid for _i, cid, _p in th.answers}
            called: dict[str, int] = {}
            for i, cid, ptr in th.calls:
                called.setdefault(cid, i)
                # a call in the last message with no response is the training target (function-calling
                # fine-tuning)
                if cid not in answered and i != th.size - 1:
                    yield f"tool call '{cid}' has no tool response", ptr
            for i, cid, ptr in th.answers:
                if cid not in called or called[cid] > i:
                    yield f"tool response for '{cid}' answers no earlier tool call", ptr


def _by_position(th):
    """ShareGPT: a function_call answered by the observation after it, an observation answering
    the function_call (or observation) before it."""
    turns = th.turns
    for j, t in enumerate(turns):
        before = turns[j - 1] if j else None
        after = turns[j + 1] if j + 1 < len(turns) else None
        if t.has_tool_calls and after is not None and after.role != "tool":
            yield f"function_call has no observation after it (the next turn is {th.names.get(after.role, after.role)})", t.pointer
        elif t.role == "tool" and not (before is not None and (before.has_tool_calls or before.role == "tool")):
            yield "observation answers no function_call before it", t.pointer
