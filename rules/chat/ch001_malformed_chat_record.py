from __future__ import annotations

import json
from typing import Any

from trainlint.finding import Fix, Severity
from trainlint.formats import SHAREGPT_ROLES, maybe_json, pointer, prompt_key
from trainlint.rule import Rule

from ._chat import OPENAI_ROLES, Chat, ChatRule, a, llamafactory_message, type_name

OPENAI_MESSAGE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id", "function_call", "weight",
                       "refusal", "loss_weight")
SHAREGPT_KEYS = ("from", "value", "weight", "loss", "markdown")


class MalformedChatRecord(ChatRule, Rule):
    """Chat record does not have the structure of its format.

    What it checks
        Each record of an OpenAI chat, ShareGPT, Alpaca or preference file against its format,
        with a JSON pointer to the offending place.  For OpenAI ``messages`` these are the seven
        error types of the OpenAI cookbook's format check, plus what it does not know:

        - ``'messages' is a string, not a list of messages`` / ``message is a list, not an
          object`` (wrong data type)
        - ``record has no 'messages' list`` (missing messages list)
        - ``message has no 'role'`` / ``user message has no 'content'`` (missing key or content;
          an assistant message that only calls tools may have none)
        - ``unrecognised key 'foo' in a message`` (keys: role, content, name, tool_calls,
          tool_call_id, function_call, weight, refusal)
        - ``unrecognised role "bot"`` (roles: system, developer, user, assistant, tool, function)
        - ``'content' is a number, not a string or a list of parts``, and malformed parts
        - ``tool call arguments are not valid JSON (…)``, a tool call without a function name,
          ``tool_calls`` on a non-assistant message, a tool message without ``tool_call_id``
        - ``'weight' is 0.5; it must be 0 or 1``

        The cookbook's seventh type, no assistant message, is ``chat-turn-order`` (CH002).
        ShareGPT: ``conversations`` a list of ``{from, value}`` objects with a known speaker
        (human, gpt, system, function_call, observation, ...) and a string value.  Alpaca:
        string ``instruction`` and ``output`` present, string ``input``/``system`` when given,
        ``history`` a list of [instruction, response] pairs.  Preference: ``chosen`` and
        ``rejected`` present, each a string (or transcript) or a list of messages, checked as
        above.  Modern tool messages (role ``tool``, ``tool_calls``, content as a list of
        parts) are valid, and so is LLaMA-Factory's newer layout: parts ``{"type": "text",
        "value": ...}``, ``loss_weight`` (a number >= 0), tool calls as ``tool_call`` parts and
        tool results without ids.  A preference side may also be one message
        (``{"from": "gpt", "value": ...}``) and the prompt ``conversations``/``messages``.

    Why it matters
        A fine-tuning API rejects the whole file for one bad record, and a local trainer either
        crashes mid-epoch or, worse, silently trains on a template rendered from a null.

    Example
        ``{"messages": [{"content": "Hi"}, {"role": "assistant", "content": "Hello"}]}``:
        ``message has no 'role'`` at ``/messages/0``.

    Fix
        Unsafe: the record is dropped; repairing it may be better.

    Options
        None.  The format is detected from the columns or forced with ``--format``.

    Default
        An error: the evidence is exact (the record does not have the format's shape).  No
        finding in the default run on ../shared/data.  A review of 455 findings (issue 22)
        judged 0.00 right, all from LLaMA-Factory's newer SFT layout read as broken OpenAI
        messages (2,000 errors in one 500-row file); that layout is read now
        (tests/data/chat_layouts/llamafactory_sft.jsonl: 22 errors before, none after).
    """

    code = "CH001"
    name = "malformed-chat-record"
    severity = Severity.ERROR
    groups = ("chat",)
    fix = Fix.UNSAFE
    readable_only = False

    def check(self, chat: Chat):
        if chat.error:
            return [(chat.error, "")]
        out: list[tuple[str, str]] = []
        rec = chat.record
        if chat.fmt in ("openai", "kto"):
            _messages(rec.get("messages"), "messages", out)
        elif chat.fmt == "sharegpt":
            _sharegpt(rec.get("conversations"), "conversations", out)
        elif chat.fmt == "alpaca":
            _alpaca(rec, out)
        elif chat.fmt == "preference":
            for key, required in ((prompt_key(rec) or "prompt", False), ("chosen", True), ("rejected", True)):
                _side(rec, key, required, out)
        return out


# -- OpenAI messages -------------------------------------------------------------------------------

def _content(content: Any, where: tuple, out: list) -> None:
    if isinstance(content, str):
        return
    if isinstance(content, (list, tuple)):
        for j, part in enumerate(content):
            part = maybe_json(part)
            if not isinstance(part, dict):
                out.append((f"content part is {a(type_name(part))}, not an object with a 'type'",
                            pointer(*where, "content", j)))
                continue
            ptype = part.get("type")
            if ptype is None:
                out.append(("content part has no 'type'", pointer(*where, "content", j)))
            elif ptype == "text" and not isinstance(part.get("text", part.get("value")), str):
                tkey = "value" if "value" in part and "text" not in part else "text"
                out.append((f"text part has {a(type_name(part.get(tkey)))} '{tkey}', not a string",
                            pointer(*where, "content", j, tkey)))
        return
    out.append((f"'content' is {a(type_name(content))}, not a string or a list of parts", pointer(*where, "content")))


def _tool_calls(calls: Any, where: tuple, out: list) -> None:
    if not isinstance(calls, (list, tuple)):
        out.append((f"'tool_calls' is {a(type_name(calls))}, not a list", pointer(*where, "tool_calls")))
        return
    for j, call in enumerate(calls):
        call = maybe_json(call)
        at = (*where, "tool_calls", j)
        if not isinstance(call, dict):
            out.append((f"tool call is {a(type_name(call))}, not an object", pointer(*at)))
            continue
        fn = maybe_json(call.get("function"))
        if not isinstance(fn, dict):
            out.append(("tool call has no 'function' object", pointer(*at, "function")))
            continue
        if not isinstance(fn.get("name"), str) or not fn.get("name"):
            out.append(("tool call has no function 'name'", pointer(*at, "function", "name")))
        args = fn.get("arguments")
        if isinstance(args, str):
            try:
                json.loads(args)
            except ValueError as e:
                msg = getattr(e, "msg", str(e))
                col = getattr(e, "colno", None)
                out.append((f"tool call arguments are not valid JSON ({msg}{f' at column {col}' if col else ''})",
                            pointer(*at, "function", "arguments")))
        elif args is not None:
            out.append((f"tool call 'arguments' is {a(type_name(args))}; it must be a JSON string",
                        pointer(*at, "function", "arguments")))


def _entries(v: Any, key: str, out: list, listed: str, entry: str, known: tuple[str, ...]):
    """(index, entry, pointer keys) of each object in the list ``v`` at ``key``; what is not a
    list of objects, and keys not in ``known``, are reported into ``out``."""
    v = maybe_json(v)
    if v is None:
        out.append((f"record has no '{key}' list", pointer(key)))
        return
    if not isinstance(v, (list, tuple)):
        out.append((f"'{key}' is {a(type_name(v))}, not a list{listed}", pointer(key)))
        return
    if not v:
        out.append((f"'{key}' is an empty list", pointer(key)))
        return
    for i, m in enumerate(v):
        m = maybe_json(m)
        at = (key, i)
        if not isinstance(m, dict):
            out.append((f"{entry} is {a(type_name(m))}, not an object", pointer(*at)))
            continue
        for k, x in m.items():
            if k not in known and x is not None:
                out.append((f"unrecognised key '{k}' in a {entry}", pointer(*at, k)))
        yield i, m, at


def _messages(msgs: Any, key: str, out: list) -> None:
    for _i, m, at in _entries(msgs, key, out, " of messages", "message", OPENAI_MESSAGE_KEYS):
        role = m.get("role")
        if role is None:
            out.append(("message has no 'role'", pointer(*at)))
            continue
        if not isinstance(role, str) or role not in OPENAI_ROLES:
            out.append((f"unrecognised role {json.dumps(role)}: use one of {', '.join(OPENAI_ROLES)}",
                        pointer(*at, "role")))
            continue
        content = m.get("content")
        tool_calls = m.get("tool_calls")
        has_calls = bool(tool_calls) or bool(m.get("function_call"))
        if content is None:
            if not (role == "assistant" and has_calls):
                out.append((f"{role} message has no 'content'", pointer(*at)))
        else:
            _content(content, at, out)
        if tool_calls is not None:
            if role != "assistant":
                out.append((f"{a(role)} message has 'tool_calls'; only assistant messages call tools",
                            pointer(*at, "tool_calls")))
            _tool_calls(maybe_json(tool_calls), at, out)
        lf = llamafactory_message(m)  # LLaMA-Factory's layout: tool results carry no id
        if role == "tool" and m.get("tool_call_id") is None and not lf:
            out.append(("tool message has no 'tool_call_id'", pointer(*at)))
        w = m.get("weight")
        if w is not None and (isinstance(w, bool) or not isinstance(w, (int, float)) or w not in (0, 1)):
            out.append((f"'weight' is {json.dumps(w)}; it must be 0 or 1", pointer(*at, "weight")))
        lw = m.get("loss_weight")
        if lw is not None and (isinstance(lw, bool) or not isinstance(lw, (int, float)) or lw < 0):
            out.append((f"'loss_weight' is {json.dumps(lw)}; it must be a number >= 0", pointer(*at, "loss_weight")))


# -- ShareGPT, Alpaca, preference ---------------------------------------------------------------

def _sharegpt(conv: Any, key: str, out: list) -> None:
    for _i, m, at in _entries(conv, key, out, "", "turn", SHAREGPT_KEYS):
        who, value = m.get("from"), m.get("value")
        if who is None:
            out.append(("turn has no 'from'", pointer(*at)))
        elif not isinstance(who, str) or who.lower() not in SHAREGPT_ROLES:
            out.append((f"unrecognised speaker {json.dumps(who)}: use human, gpt, system, function_call or "
                        f"observation", pointer(*at, "from")))
        elif value is None:
            out.append((f"'{who}' turn has no 'value'", pointer(*at)))
        elif not isinstance(value, str):
            out.append((f"'value' is {a(type_name(value))}, not a string", pointer(*at, "value")))


def _str_field(rec: dict, key: str, out: list, required: bool) -> None:
    v = rec.get(key)
    if v is None:
        if required:
            out.append((f"record has no '{key}'", pointer(key)))
    elif not isinstance(v, str):
        out.append((f"'{key}' is {a(type_name(v))}, not a string", pointer(key)))


def _alpaca(rec: dict, out: list) -> None:
    for key, required in (("instruction", True), ("input", False), ("output", True), ("system", False)):
        _str_field(rec, key, out, required)
    hist = maybe_json(rec.get("history"))
    if hist is None:
        return
    if not isinstance(hist, (list, tuple)):
        out.append((f"'history' is {a(type_name(hist))}, not a list of [instruction, response] pairs", "/history"))
        return
    for i, pair in enumerate(hist):
        pair = maybe_json(pair)
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            out.append(("history entry is not an [instruction, response] pair of strings", pointer("history", i)))


def _side(rec: dict, key: str, required: bool, out: list) -> None:
    v = maybe_json(rec.get(key))
    if v is None:
        if required:
            out.append((f"record has no '{key}'", pointer(key)))
    elif isinstance(v, (list, tuple)):
        first = next((maybe_json(m) for m in v if isinstance(maybe_json(m), dict)), None)
        if first is not None and first.get("role") is None and first.get("from") is not None:
            _sharegpt(v, key, out)
        else:
            _messages(v, key, out)
    elif isinstance(v, dict):  # one message: {"from": "gpt", "value": ...} or {"role": ..., "content": ...}
        sub: list[tuple[str, str]] = []
        (_sharegpt if v.get("role") is None and v.get("from") is not None else _messages)([v], key, sub)
        at = pointer(key)
        out.extend((msg, at + ptr[len(at) + 2:]) for msg, ptr in sub)  # /chosen/0/value -> /chosen/value
    elif not isinstance(v, str):
        out.append((f"'{key}' is {a(type_name(v))}, not a string, a message or a list of messages", pointer(key)))
