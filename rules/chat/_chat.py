"""Parsing and checking chat / instruction records, once per batch, shared by the chat rules.

``chats(batch)`` gives one ``Chat`` per row (memoised on the BatchContext): its turns with
normalised roles and JSON pointers, and every structural ``Issue`` found, each tagged with a
``kind`` that names the rule reporting it:

    structure  malformed-chat-record (CH001)   types, missing/unknown keys and roles, bad JSON
    order      chat-turn-order (CH002)          no user/assistant turn, last turn, alternation
    empty      empty-turn (CH003)               empty or whitespace-only turns
    tool       unmatched-tool-call (CH004)      tool calls and tool responses that do not pair

Rows read through Arrow come back with every key of every row (absent keys as None), so a key
set to null counts as absent, and an unknown key is only reported when it holds a value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from trainlint.formats import SHAREGPT_ROLES, _content_text, _maybe_json, iter_turns, pointer, split_transcript

OPENAI_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
OPENAI_MESSAGE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id", "function_call", "weight",
                       "refusal")
SHAREGPT_KEYS = ("from", "value", "weight", "loss", "markdown")
PART_TYPES = ("text", "image_url", "input_audio", "input_image", "image", "file", "refusal", "audio")


@dataclass(frozen=True)
class Issue:
    kind: str
    pointer: str
    message: str
    severity: str | None = None  # None: the rule's own


@dataclass(frozen=True)
class Turn:
    role: str        # normalised: system, user, assistant, tool (or as written when unknown)
    text: str
    pointer: str     # where the text is
    index: int       # message index (or -1 for a field of an instruction record)
    has_tool_calls: bool = False


@dataclass
class Chat:
    fmt: str
    turns: list[Turn] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    #: (prompt text, reply text, reply pointer) pairs: each assistant reply after a user turn.
    exchanges: list[tuple[str, str, str]] = field(default_factory=list)
    #: preference only: (chosen reply, rejected reply) texts.
    pair: tuple[str, str] | None = None

    def ok(self, *kinds: str) -> bool:
        return not any(i.kind in kinds for i in self.issues)

    @property
    def final_reply(self) -> Turn | None:
        """The last assistant turn if the conversation ends with one (for preference: chosen's)."""
        for t in reversed(self.turns):
            if self.fmt == "preference" and not t.pointer.startswith("/chosen"):
                continue
            return t if t.role == "assistant" else None
        return None


def _type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple)):
        return "list"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


def _a(role: str) -> str:
    if role == "null":
        return "null"
    return f"an {role}" if role in ("assistant", "observation", "object", "instruction") else f"a {role}"


# -- OpenAI messages -------------------------------------------------------------------------------

def _check_content(content: Any, where: tuple, out: list[Issue]) -> None:
    if isinstance(content, str):
        return
    if isinstance(content, (list, tuple)):
        for j, part in enumerate(content):
            part = _maybe_json(part)
            if not isinstance(part, dict):
                out.append(Issue("structure", pointer(*where, "content", j),
                                 f"content part is {_a(_type(part))}, not an object with a 'type'"))
                continue
            ptype = part.get("type")
            if ptype is None:
                out.append(Issue("structure", pointer(*where, "content", j), "content part has no 'type'"))
            elif ptype == "text" and not isinstance(part.get("text"), str):
                out.append(Issue("structure", pointer(*where, "content", j, "text"),
                                 f"text part has {_a(_type(part.get('text')))} 'text', not a string"))
        return
    out.append(Issue("structure", pointer(*where, "content"),
                     f"'content' is {_a(_type(content))}, not a string or a list of parts"))


def _check_tool_calls(calls: Any, where: tuple, out: list[Issue]) -> list[tuple[str, str]]:
    """Structure of ``tool_calls``; returns (id, pointer) of each call."""
    ids = []
    if not isinstance(calls, (list, tuple)):
        out.append(Issue("structure", pointer(*where, "tool_calls"), f"'tool_calls' is {_a(_type(calls))}, not a list"))
        return ids
    for j, call in enumerate(calls):
        call = _maybe_json(call)
        at = (*where, "tool_calls", j)
        if not isinstance(call, dict):
            out.append(Issue("structure", pointer(*at), f"tool call is {_a(_type(call))}, not an object"))
            continue
        fn = _maybe_json(call.get("function"))
        if not isinstance(fn, dict):
            out.append(Issue("structure", pointer(*at, "function"), "tool call has no 'function' object"))
        else:
            if not isinstance(fn.get("name"), str) or not fn.get("name"):
                out.append(Issue("structure", pointer(*at, "function", "name"), "tool call has no function 'name'"))
            args = fn.get("arguments")
            if isinstance(args, str):
                try:
                    json.loads(args)
                except ValueError as e:
                    msg = getattr(e, "msg", str(e))
                    col = getattr(e, "colno", None)
                    out.append(Issue("structure", pointer(*at, "function", "arguments"),
                                     f"tool call arguments are not valid JSON ({msg}"
                                     f"{f' at column {col}' if col else ''})"))
            elif args is not None:
                out.append(Issue("structure", pointer(*at, "function", "arguments"),
                                 f"tool call 'arguments' is {_a(_type(args))}; it must be a JSON string"))
        if call.get("id") is not None:
            ids.append((str(call.get("id")), pointer(*at)))
    return ids


def _check_messages(msgs: Any, key: str, out: list[Issue], need_user: bool = True,
                    conversation: bool = True) -> list[Turn]:
    """Structure, order, empty turns and tool pairing of an OpenAI ``messages`` list."""
    msgs = _maybe_json(msgs)
    if msgs is None:
        out.append(Issue("structure", pointer(key), f"record has no '{key}' list"))
        return []
    if not isinstance(msgs, (list, tuple)):
        out.append(Issue("structure", pointer(key), f"'{key}' is {_a(_type(msgs))}, not a list of messages"))
        return []
    if not msgs:
        out.append(Issue("structure", pointer(key), f"'{key}' is an empty list"))
        return []
    turns: list[Turn] = []
    bad = len(out)
    calls: list[tuple[int, str, str]] = []  # (message index, id, pointer)
    answers: list[tuple[int, str, str]] = []
    for i, m in enumerate(msgs):
        m = _maybe_json(m)
        at = (key, i)
        if not isinstance(m, dict):
            out.append(Issue("structure", pointer(*at), f"message is {_a(_type(m))}, not an object"))
            continue
        role = m.get("role")
        for k, v in m.items():
            if k not in OPENAI_MESSAGE_KEYS and v is not None:
                out.append(Issue("structure", pointer(*at, k), f"unrecognised key '{k}' in a message"))
        if role is None:
            out.append(Issue("structure", pointer(*at), "message has no 'role'"))
            continue
        if not isinstance(role, str) or role not in OPENAI_ROLES:
            out.append(Issue("structure", pointer(*at, "role"),
                             f"unrecognised role {json.dumps(role)}: use one of {', '.join(OPENAI_ROLES)}"))
            continue
        content = m.get("content")
        tool_calls = m.get("tool_calls")
        has_calls = bool(tool_calls) or bool(m.get("function_call"))
        if content is None:
            if not (role == "assistant" and has_calls):
                out.append(Issue("structure", pointer(*at), f"{role} message has no 'content'"))
        else:
            _check_content(content, at, out)
        if tool_calls is not None:
            if role != "assistant":
                out.append(Issue("structure", pointer(*at, "tool_calls"), f"{_a(role)} message has 'tool_calls'; "
                                 f"only assistant messages call tools"))
            for cid, ptr in _check_tool_calls(_maybe_json(tool_calls), at, out):
                calls.append((i, cid, ptr))
        if role == "tool":
            tcid = m.get("tool_call_id")
            if tcid is None:
                out.append(Issue("structure", pointer(*at), "tool message has no 'tool_call_id'"))
            else:
                answers.append((i, str(tcid), pointer(*at, "tool_call_id")))
        w = m.get("weight")
        if w is not None and (isinstance(w, bool) or not isinstance(w, (int, float)) or w not in (0, 1)):
            out.append(Issue("structure", pointer(*at, "weight"), f"'weight' is {json.dumps(w)}; it must be 0 or 1"))
        text = _content_text(content) if isinstance(content, (str, list, tuple)) else ""
        turns.append(Turn("user" if role == "user" else "system" if role in ("system", "developer")
                          else "tool" if role in ("tool", "function") else "assistant",
                          text, pointer(*at, "content"), i, has_calls))
    if len(out) > bad:  # a broken message: order and pairing would only repeat it
        return turns
    if conversation:  # a preference prompt given as messages has no reply by design
        _check_order(turns, out, key, need_user)
    _check_empty(turns, out)
    _check_tools(calls, answers, len(msgs), out)
    return turns


def _check_order(turns: list[Turn], out: list[Issue], key: str, need_user: bool = True,
                 names: dict | None = None) -> None:
    names = names or {"user": "user", "assistant": "assistant", "system": "system", "tool": "tool"}
    roles = [t.role for t in turns]
    if "assistant" not in roles:
        out.append(Issue("order", pointer(key), f"conversation has no {names['assistant']} message",
                         severity="error"))
        return
    if need_user and "user" not in roles:
        out.append(Issue("order", pointer(key), f"conversation has no {names['user']} message"))
    last = turns[-1]
    if last.role != "assistant":
        out.append(Issue("order", pointer(key, last.index),
                         f"conversation ends with {_a(names.get(last.role, last.role))} turn; the last turn "
                         f"should be the {names['assistant']}'s reply"))
    started = False
    prev = None
    first_user = roles.index("user") if "user" in roles else None
    for t in turns:
        if t.role == "system":
            if started:
                out.append(Issue("order", pointer(key, t.index),
                                 f"{names['system']} message after the conversation started"))
            continue
        if not started and t.role == "assistant" and first_user is not None:
            out.append(Issue("order", pointer(key, t.index),
                             f"conversation starts with {_a(names['assistant'])} turn before any {names['user']} turn"))
        started = True
        if prev is not None and t.role == prev.role and t.role in ("user", "assistant") \
                and not (t.role == "assistant" and prev.has_tool_calls):
            out.append(Issue("order", pointer(key, t.index),
                             f"two {names[t.role]} turns in a row ({pointer(key, prev.index)}, "
                             f"{pointer(key, t.index)}): turns should alternate"))
        prev = t


def _check_empty(turns: list[Turn], out: list[Issue]) -> None:
    last_assistant = max((k for k, t in enumerate(turns) if t.role == "assistant"), default=None)
    for k, t in enumerate(turns):
        if t.text.strip() or t.has_tool_calls or t.role == "tool":
            continue
        what = "empty" if t.text == "" else "whitespace-only"
        if k == last_assistant and k == len(turns) - 1:
            out.append(Issue("empty", t.pointer, f"final assistant turn is {what}: the example trains "
                                                 f"the model to answer nothing"))
        else:
            out.append(Issue("empty", t.pointer, f"{t.role} turn is {what}"))


def _check_tools(calls, answers, n_msgs, out) -> None:
    answered = {cid for _i, cid, _p in answers}
    called: dict[str, int] = {}
    for i, cid, ptr in calls:
        called.setdefault(cid, i)
        # a call in the last message with no response is the training target (function-calling fine-tuning)
        if cid not in answered and i != n_msgs - 1:
            out.append(Issue("tool", ptr, f"tool call '{cid}' has no tool response"))
    for i, cid, ptr in answers:
        if cid not in called or called[cid] > i:
            out.append(Issue("tool", ptr, f"tool response for '{cid}' answers no earlier tool call"))


# -- ShareGPT, Alpaca, preference ---------------------------------------------------------------

def _check_sharegpt(rec: dict, out: list[Issue]) -> list[Turn]:
    conv = _maybe_json(rec.get("conversations"))
    if conv is None:
        out.append(Issue("structure", "/conversations", "record has no 'conversations' list"))
        return []
    if not isinstance(conv, (list, tuple)):
        out.append(Issue("structure", "/conversations", f"'conversations' is {_a(_type(conv))}, not a list"))
        return []
    if not conv:
        out.append(Issue("structure", "/conversations", "'conversations' is an empty list"))
        return []
    turns = []
    bad = len(out)
    for i, m in enumerate(conv):
        m = _maybe_json(m)
        at = ("conversations", i)
        if not isinstance(m, dict):
            out.append(Issue("structure", pointer(*at), f"turn is {_a(_type(m))}, not an object"))
            continue
        for k, v in m.items():
            if k not in SHAREGPT_KEYS and v is not None:
                out.append(Issue("structure", pointer(*at, k), f"unrecognised key '{k}' in a turn"))
        who, value = m.get("from"), m.get("value")
        if who is None:
            out.append(Issue("structure", pointer(*at), "turn has no 'from'"))
            continue
        if not isinstance(who, str) or who.lower() not in SHAREGPT_ROLES:
            out.append(Issue("structure", pointer(*at, "from"), f"unrecognised speaker {json.dumps(who)}: use "
                             f"human, gpt, system, function_call or observation"))
            continue
        if value is None:
            out.append(Issue("structure", pointer(*at), f"'{who}' turn has no 'value'"))
            continue
        if not isinstance(value, str):
            out.append(Issue("structure", pointer(*at, "value"), f"'value' is {_a(_type(value))}, not a string"))
            continue
        turns.append(Turn(SHAREGPT_ROLES[who.lower()], value, pointer(*at, "value"), i,
                          who.lower() == "function_call"))
    if len(out) == bad:
        _check_order(turns, out, "conversations", True,
                     {"user": "human", "assistant": "gpt", "system": "system", "tool": "observation"})
        _check_empty(turns, out)
    return turns


def _check_str_field(rec: dict, key: str, out: list[Issue], required: bool) -> str | None:
    v = rec.get(key)
    if v is None:
        if required:
            out.append(Issue("structure", pointer(key), f"record has no '{key}'"))
        return None
    if not isinstance(v, str):
        out.append(Issue("structure", pointer(key), f"'{key}' is {_a(_type(v))}, not a string"))
        return None
    return v


def _check_alpaca(rec: dict, out: list[Issue]) -> None:
    bad = len(out)
    inst = _check_str_field(rec, "instruction", out, True)
    _check_str_field(rec, "input", out, False)
    output = _check_str_field(rec, "output", out, True)
    _check_str_field(rec, "system", out, False)
    hist = _maybe_json(rec.get("history"))
    if hist is not None:
        if not isinstance(hist, (list, tuple)):
            out.append(Issue("structure", "/history", f"'history' is {_a(_type(hist))}, not a list of "
                                                      f"[instruction, response] pairs"))
        else:
            for i, pair in enumerate(hist):
                pair = _maybe_json(pair)
                if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
                    out.append(Issue("structure", pointer("history", i),
                                     "history entry is not an [instruction, response] pair of strings"))
    if len(out) > bad:
        return
    inp = rec.get("input") or ""
    if not inst.strip() and not inp.strip():
        out.append(Issue("empty", "/instruction", "instruction is empty (and so is input)"))
    if not output.strip():
        out.append(Issue("empty", "/output", f"output is {'empty' if output == '' else 'whitespace-only'}: the "
                                             f"example trains the model to answer nothing"))


def _check_side(rec: dict, key: str, out: list[Issue], required: bool) -> None:
    v = _maybe_json(rec.get(key))
    if v is None:
        if required:
            out.append(Issue("structure", pointer(key), f"record has no '{key}'"))
        return
    if isinstance(v, str):
        if key != "prompt" and not v.strip():
            out.append(Issue("empty", pointer(key), f"'{key}' is empty"))
        return
    if isinstance(v, (list, tuple)):
        _check_messages(v, key, out, need_user=False, conversation=key != "prompt")
        return
    out.append(Issue("structure", pointer(key), f"'{key}' is {_a(_type(v))}, not a string or a list of messages"))


def _check_preference(rec: dict, out: list[Issue]) -> None:
    _check_side(rec, "prompt", out, False)
    _check_side(rec, "chosen", out, True)
    _check_side(rec, "rejected", out, True)


# -- entry points --------------------------------------------------------------------------------

def parse(fmt: str, rec: dict) -> Chat:
    chat = Chat(fmt)
    try:
        if fmt == "openai":
            _check_messages(rec.get("messages"), "messages", chat.issues)
        elif fmt == "sharegpt":
            _check_sharegpt(rec, chat.issues)
        elif fmt == "alpaca":
            _check_alpaca(rec, chat.issues)
        elif fmt == "preference":
            _check_preference(rec, chat.issues)
        turns = iter_turns(fmt, rec)
    except Exception as e:  # noqa: BLE001 - a record must never crash the run
        chat.issues.append(Issue("structure", "", f"record could not be read as {fmt}: {e}"))
        return chat
    chat.turns = [Turn(r, t, p, -1) for r, t, p in turns]
    if fmt == "preference":
        chosen = _side_reply(rec.get("chosen"))
        rejected = _side_reply(rec.get("rejected"))
        if chosen is not None and rejected is not None:
            chat.pair = (chosen, rejected)
    prompt, prev_role = None, None
    for t in chat.turns:
        if t.role == "user":
            prompt = t.text if prompt is None or prev_role != "user" else prompt + "\n" + t.text
        elif t.role == "assistant" and prompt is not None and (fmt != "preference" or t.pointer.startswith("/chosen")):
            chat.exchanges.append((prompt, t.text, t.pointer))
        prev_role = t.role
    return chat


def _side_reply(v: Any) -> str | None:
    v = _maybe_json(v)
    if isinstance(v, str):
        parts = split_transcript(v)
        if parts is None:
            return v
        replies = [t for r, t in parts if r == "assistant"]
        return replies[-1] if replies else None
    if isinstance(v, (list, tuple)):
        replies = [_content_text(m.get("content")) for m in v if isinstance(m, dict) and m.get("role") == "assistant"]
        return replies[-1] if replies else None
    return None


def chats(batch) -> list[Chat]:
    """One Chat per row of a chat-format batch, parsed once and memoised on the batch."""
    cached = batch.__dict__.get("_trainlint_chats")
    if cached is None:
        from trainlint.formats import batch_records

        fmt = batch.source.record_format
        cached = [parse(fmt, r) for r in batch_records(batch)]
        batch.__dict__["_trainlint_chats"] = cached
    return cached


def applies(source) -> bool:
    return source.record_format in ("openai", "sharegpt", "alpaca", "preference")


class IssueRule:
    """Mixin for the structure rules: report this rule's ``kind`` of Issue, one finding per issue."""

    kind = ""

    def applies_to(self, source) -> bool:
        return applies(source)

    def update(self, batch, state):
        from trainlint.finding import Severity

        out = []
        for i, chat in enumerate(chats(batch)):
            for issue in chat.issues:
                if issue.kind == self.kind:
                    out.append(self.finding(issue.message, source=batch.source.path, row=int(batch.rows[i]),
                                            pointer=issue.pointer or None,
                                            severity=Severity.parse(issue.severity) if issue.severity else None))
        return out
