from __future__ import annotations

from trainlint.finding import Fix, Severity
from trainlint.formats import maybe_json, pointer, prompt_key
from trainlint.rule import Rule

from ._chat import Chat, ChatRule, Turn


class EmptyTurn(ChatRule, Rule):
    """Turn is empty or whitespace only.

    What it checks
        A message, ShareGPT turn, Alpaca instruction (with empty input) or output, or preference
        side whose text is empty or only whitespace.  The final assistant turn being empty has
        its own message (``final assistant turn is empty``), as does an empty Alpaca
        ``output``; in an HH transcript a last "Assistant:" with nothing after it is one.  An assistant message that only calls tools, and tool results, are not
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

    Default
        A warning: exact evidence.  No finding in the default run on ../shared/data; its YAML
        cases and tests/data/chat_layouts/hh_rlhf.jsonl (the empty final reply: found now,
        missed before the transcripts were split) test it.
    """

    code = "CH003"
    name = "empty-turn"
    severity = Severity.WARNING
    groups = ("chat",)
    fix = Fix.UNSAFE
    readable_only = False

    def check(self, chat: Chat):
        rec = chat.record
        if chat.fmt == "alpaca":
            if chat.readable:
                yield from _alpaca(rec)
            return
        threads = {th.key: th for th in chat.threads}
        keys = (prompt_key(rec) or "prompt", "chosen", "rejected") if chat.fmt == "preference" else threads
        for key in keys:
            th = threads.get(key)
            if th is not None:
                if th.readable:
                    yield from _turns(th.turns)
                continue
            v = maybe_json(rec.get(key))  # a preference side given as a string
            if key in ("chosen", "rejected") and isinstance(v, str) and not v.strip():
                yield f"'{key}' is empty", pointer(key)


def _turns(turns: list[Turn]):
    last_assistant = max((k for k, t in enumerate(turns) if t.role == "assistant"), default=None)
    for k, t in enumerate(turns):
        if t.text.strip() or t.has_tool_calls or t.role == "tool":
            continue
        what = "empty" if t.text == "" else "whitespace-only"
        if k == last_assistant and k == len(turns) - 1:
            yield f"final assistant turn is {what}: the example trains the model to answer nothing", t.pointer
        else:
            yield f"{t.role} turn is {what}", t.pointer


def _alpaca(rec: dict):
    inst, inp, output = rec.get("instruction"), rec.get("input") or "", rec.get("output")
    if not inst.strip() and not inp.strip():
        yield "instruction is empty (and so is input)", "/instruction"
    if not output.strip():
        yield (f"output is {'empty' if output == '' else 'whitespace-only'}: the example trains the model to "
               f"answer nothing", "/output")
