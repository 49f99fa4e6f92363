"""Reading chat / instruction records, once per batch, shared by the chat rules.

``chats(batch)`` gives one ``Chat`` per row (memoised on the BatchContext): the record, its
turns with normalised roles and JSON pointers, and its ``threads``: each list of messages in
it (``messages``, ``conversations``, a preference side given as messages) read into turns
with the tool calls and tool answers found on the way.

Reading never judges: a thread is ``readable`` when every entry is an object with a known
role and text that can be read, and the rules decide what to report.  ``malformed-chat-record``
(CH001) checks the structure, ``chat-turn-order`` (CH002), ``empty-turn`` (CH003) and
``unmatched-tool-call`` (CH004) look only at readable threads (one broken message is one
finding, not four), and the content rules (CT...) only at readable records.

Rows read through Arrow come back with every key of every row (absent keys as None), so a key
set to null counts as absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from trainlint.formats import (SHAREGPT_ROLES, TOOL_CALL_PART_TYPES, content_text, iter_turns,
                               maybe_json, pointer, prompt_key, split_transcript)

OPENAI_ROLES = ("system", "developer", "user", "assistant", "tool", "function")
CHAT_FORMATS = ("openai", "sharegpt", "alpaca", "preference", "kto")
#: speaker names of a thread's messages, for messages about them.
OPENAI_NAMES = {"user": "user", "assistant": "assistant", "system": "system", "tool": "tool"}
SHAREGPT_NAMES = {"user": "human", "assistant": "gpt", "system": "system", "tool": "observation"}
TRANSCRIPT_NAMES = {"user": "Human", "assistant": "Assistant", "system": "System", "tool": "tool"}


@dataclass(frozen=True)
class Turn:
    role: str        # normalised: system, user, assistant, tool (or as written when unknown)
    text: str
    pointer: str     # where the text is
    index: int       # message index (or -1 for a field of an instruction record)
    has_tool_calls: bool = False


@dataclass
class Thread:
    """One list of messages of a record, read into turns."""

    key: str                                   # "messages", "conversations", "chosen", ...
    turns: list[Turn] = field(default_factory=list)
    size: int = 0                              # entries in the list
    readable: bool = False
    names: dict[str, str] = field(default_factory=lambda: OPENAI_NAMES)
    need_user: bool = True
    conversation: bool = True                  # False: a preference prompt, which has no reply by design
    #: (message index, id, pointer) of each tool call with an id, and of each tool answer.
    calls: list[tuple[int, str, str]] = field(default_factory=list)
    answers: list[tuple[int, str, str]] = field(default_factory=list)
    #: a transcript string ("\n\nHuman: ... \n\nAssistant: ..."): every turn is at the key itself
    transcript: bool = False

    def at(self, index: int | None = None) -> str:
        """JSON pointer to the thread, or to one of its messages."""
        return pointer(self.key) if index is None or self.transcript else pointer(self.key, index)


@dataclass
class Chat:
    fmt: str
    record: dict
    turns: list[Turn] = field(default_factory=list)
    threads: list[Thread] = field(default_factory=list)
    #: the record's fields can be read (see module doc); content rules look only at readable records.
    readable: bool = True
    #: why the record could not be read at all (an unexpected exception), else None.
    error: str | None = None
    #: (prompt text, reply text, reply pointer) pairs: each assistant reply after a user turn.
    exchanges: list[tuple[str, str, str]] = field(default_factory=list)
    #: preference only: (chosen reply, rejected reply) texts.
    pair: tuple[str, str] | None = None
    #: KTO only: the example is marked undesirable (label false): its reply is meant to be bad.
    undesirable: bool = False

    def trained(self, turn: Turn) -> bool:
        """False for a reply that is meant to be bad: a preference pair's rejected side, the
        reply of an undesirable KTO example.  Content rules judge only trained turns."""
        if self.fmt == "preference" and turn.pointer.startswith("/rejected"):
            return False
        return not (self.undesirable and turn.role == "assistant")

    @property
    def final_reply(self) -> Turn | None:
        """The last assistant turn if the conversation ends with one (for preference: chosen's)."""
        if self.undesirable:
            return None
        for t in reversed(self.turns):
            if self.fmt == "preference" and not t.pointer.startswith("/chosen"):
                continue
            return t if t.role == "assistant" else None
        return None


def type_name(v: Any) -> str:
    """The JSON type of a value, for messages: null, boolean, number, string, list, object."""
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


def a(word: str) -> str:
    """``a user``, ``an assistant``."""
    if word == "null":
        return "null"
    return f"an {word}" if word.lower() in ("assistant", "observation", "object", "instruction") else f"a {word}"


# -- reading -----------------------------------------------------------------------------------

def _content_readable(content: Any) -> bool:
    if isinstance(content, str):
        return True
    if not isinstance(content, (list, tuple)):
        return False
    for part in content:
        part = maybe_json(part)
        if not isinstance(part, dict) or part.get("type") is None:
            return False
        if part.get("type") == "text" and not isinstance(part.get("text", part.get("value")), str):
            return False
    return True


def llamafactory_message(m: dict) -> bool:
    """A message in LLaMA-Factory's newer layout: ``loss_weight``, parts with a ``value``."""
    if m.get("loss_weight") is not None:
        return True
    content = m.get("content")
    return isinstance(content, (list, tuple)) and any(
        isinstance(p, dict) and "value" in p and "text" not in p for p in content)


def _part_calls(content: Any) -> bool:
    return isinstance(content, (list, tuple)) and any(
        isinstance(p, dict) and p.get("type") in TOOL_CALL_PART_TYPES for p in content)


def read_messages(msgs: Any, key: str, need_user: bool = True, conversation: bool = True) -> Thread:
    """An OpenAI ``messages`` list as a Thread."""
    th = Thread(key, need_user=need_user, conversation=conversation)
    msgs = maybe_json(msgs)
    if not isinstance(msgs, (list, tuple)) or not msgs:
        return th
    th.size = len(msgs)
    ok = True
    for i, m in enumerate(msgs):
        m = maybe_json(m)
        role = m.get("role") if isinstance(m, dict) else None
        if not isinstance(role, str) or role not in OPENAI_ROLES:
            ok = False
            continue
        content = m.get("content")
        tool_calls = maybe_json(m.get("tool_calls"))
        has_calls = bool(tool_calls) or bool(m.get("function_call")) or _part_calls(content)
        if content is None:
            ok = ok and role == "assistant" and has_calls
        elif not _content_readable(content):
            ok = False
        if tool_calls is not None:
            if not isinstance(tool_calls, (list, tuple)):
                ok = False
            else:
                for j, call in enumerate(tool_calls):
                    call = maybe_json(call)
                    if not isinstance(call, dict):
                        ok = False
                    elif call.get("id") is not None:
                        th.calls.append((i, str(call.get("id")), f"/{key}/{i}/tool_calls/{j}"))
        if role == "tool":
            if m.get("tool_call_id") is None:
                ok = ok and llamafactory_message(m)  # its tool results carry no id
            else:
                th.answers.append((i, str(m.get("tool_call_id")), f"/{key}/{i}/tool_call_id"))
        text = content_text(content) if isinstance(content, (str, list, tuple)) else ""
        th.turns.append(Turn("user" if role == "user" else "system" if role in ("system", "developer")
                             else "tool" if role in ("tool", "function") else "assistant",
                             text, f"/{key}/{i}/content", i, has_calls))
    th.readable = ok
    return th


def read_sharegpt(conv: Any, key: str = "conversations") -> Thread:
    """A ShareGPT ``conversations`` list as a Thread (speaker names kept for messages)."""
    th = Thread(key, names=SHAREGPT_NAMES)
    conv = maybe_json(conv)
    if not isinstance(conv, (list, tuple)) or not conv:
        return th
    th.size = len(conv)
    ok = True
    for i, m in enumerate(conv):
        m = maybe_json(m)
        who = m.get("from") if isinstance(m, dict) else None
        value = m.get("value") if isinstance(m, dict) else None
        if not isinstance(who, str) or who.lower() not in SHAREGPT_ROLES or not isinstance(value, str):
            ok = False
            continue
        th.turns.append(Turn(SHAREGPT_ROLES[who.lower()], value, f"/{key}/{i}/value", i,
                             who.lower() == "function_call"))
    th.readable = ok
    return th


def read_transcript(text: str, key: str) -> Thread | None:
    """An HH-style transcript string as a Thread, or None when it is not one."""
    parts = split_transcript(text)
    if parts is None:
        return None
    th = Thread(key, size=len(parts), readable=True, transcript=True, names=TRANSCRIPT_NAMES)
    th.turns = [Turn(role, t, pointer(key), i) for i, (role, t) in enumerate(parts)]
    return th


def read_one(m: dict, key: str) -> Thread:
    """A preference side given as one message (``{"from": "gpt", "value": ...}`` or
    ``{"role": "assistant", "content": ...}``): a thread of one turn, no order to check."""
    th = Thread(key, size=1, conversation=False)
    if m.get("role") is None and m.get("from") is not None:
        who, value, tkey = m.get("from"), m.get("value"), "value"
        role = SHAREGPT_ROLES.get(who.lower()) if isinstance(who, str) else None
        th.readable = role is not None and isinstance(value, str)
    else:
        role, value, tkey = m.get("role"), m.get("content"), "content"
        th.readable = role in OPENAI_ROLES and isinstance(value, (str, list, tuple)) and _content_readable(value)
    if th.readable:
        th.turns = [Turn(role if role in ("user", "assistant", "system", "tool") else "assistant",
                         content_text(value), pointer(key, tkey), 0)]
    return th


def read_side(v: Any, key: str) -> Thread | None:
    """One part of a preference record (prompt, chosen, rejected) that has turns, as a Thread."""
    conversation = key in ("chosen", "rejected")
    if isinstance(v, str):
        return read_transcript(v, key)
    if isinstance(v, dict):
        return read_one(v, key)
    if isinstance(v, (list, tuple)):
        first = next((maybe_json(m) for m in v if isinstance(maybe_json(m), dict)), None)
        if first is not None and first.get("role") is None and first.get("from") is not None:
            th = read_sharegpt(v, key)
            th.need_user, th.conversation = False, conversation
            return th
        return read_messages(v, key, need_user=False, conversation=conversation)
    return None


def _alpaca_readable(rec: dict) -> bool:
    for key, required in (("instruction", True), ("input", False), ("output", True), ("system", False)):
        v = rec.get(key)
        if (v is None and required) or (v is not None and not isinstance(v, str)):
            return False
    hist = maybe_json(rec.get("history"))
    if hist is None:
        return True
    return isinstance(hist, (list, tuple)) and all(
        isinstance(p, (list, tuple)) and len(p) == 2 and all(isinstance(x, str) for x in p)
        for p in map(maybe_json, hist))


def _side_readable(v: Any, required: bool, th: Thread | None) -> bool:
    if v is None:
        return not required
    if isinstance(v, str):
        return True
    return th is not None and th.readable


def parse(fmt: str, rec: dict) -> Chat:
    chat = Chat(fmt, rec)
    try:
        if fmt in ("openai", "kto"):
            chat.threads.append(read_messages(rec.get("messages"), "messages"))
            chat.readable = chat.threads[0].readable
            chat.undesirable = fmt == "kto" and rec.get("label") is False
        elif fmt == "sharegpt":
            chat.threads.append(read_sharegpt(rec.get("conversations")))
            chat.readable = chat.threads[0].readable
        elif fmt == "alpaca":
            chat.readable = _alpaca_readable(rec)
        elif fmt == "preference":
            pkey = prompt_key(rec) or "prompt"
            for key, required in ((pkey, False), ("chosen", True), ("rejected", True)):
                v = maybe_json(rec.get(key))
                th = read_side(v, key)
                if th is not None:
                    chat.threads.append(th)
                chat.readable = chat.readable and _side_readable(v, required, th)
        turns = iter_turns(fmt, rec)
    except Exception as e:  # noqa: BLE001 - a record must never crash the run
        chat.error = f"record could not be read as {fmt}: {e}"
        chat.readable = False
        chat.threads = []
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
        elif t.role == "assistant" and prompt is not None and chat.trained(t) and (
                fmt != "preference" or t.pointer.startswith("/chosen")):
            chat.exchanges.append((prompt, t.text, t.pointer))
        prev_role = t.role
    return chat


def _side_reply(v: Any) -> str | None:
    v = maybe_json(v)
    if isinstance(v, str):
        parts = split_transcript(v)
        if parts is None:
            return v
        replies = [t for r, t in parts if r == "assistant"]
        return replies[-1] if replies else None
    th = read_side(v, "chosen")
    if th is not None:
        replies = [t.text for t in th.turns if t.role == "assistant"]
        return replies[-1] if replies else None
    return None


def chats(batch) -> list[Chat]:
    """One Chat per row of a chat-format batch, parsed once per batch and shared by the chat rules."""
    from trainlint.formats import batch_records

    return batch.cached("chats", lambda: [parse(batch.source.record_format, r) for r in batch_records(batch)])


def applies(source) -> bool:
    return source.record_format in CHAT_FORMATS


# -- the rule mixin ------------------------------------------------------------------------------

class ChatRule:
    """Mixin: a per-record chat rule.  ``check(chat)`` yields ``(message, pointer)`` or
    ``(message, pointer, severity)`` (None: the rule's own); records that cannot be read are
    skipped unless the rule sets ``readable_only = False`` (the structure rules)."""

    readable_only = True

    def applies_to(self, source) -> bool:
        return applies(source)

    def update(self, batch, state):
        from trainlint.finding import Severity

        out = []
        path = batch.source.path
        for i, chat in enumerate(chats(batch)):
            if self.readable_only and not chat.readable:
                continue
            for item in self.check(chat):
                message, ptr = item[0], item[1]
                severity = item[2] if len(item) > 2 else None
                out.append(self.finding(message, source=path, row=int(batch.rows[i]), pointer=ptr or None,
                                        severity=Severity.parse(severity) if severity else None))
        return out

    def check(self, chat: Chat) -> Iterable[tuple]:
        return ()
