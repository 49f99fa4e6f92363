"""Record formats: plain columns, or chat / instruction records (OpenAI, Alpaca, ShareGPT, preference).

For a chat record the "text" that duplicate, language and typo rules see is the whole
conversation, one ``role: content`` line per turn, so those rules work unchanged on it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pyarrow as pa

RECORD_FORMATS = ("text", "openai", "alpaca", "sharegpt", "preference", "kto")
#: where a preference record keeps its prompt: a string, or a list of messages (OpenAI or ShareGPT)
PROMPT_KEYS = ("prompt", "conversations", "messages")


def detect(columns: list[str], sample: pa.Table | None, forced: str | None = None) -> str:
    """The record format from the column names (and, for KTO, the label's type).

    ``chosen`` + ``rejected`` is preference data whatever holds the prompt: ``prompt``, or
    LLaMA-Factory's ``conversations`` (ShareGPT) / ``messages`` (OpenAI) that end with the user
    turn, the answers being in ``chosen``/``rejected``.  ``messages`` with a boolean ``label``
    is KTO (a desirable or undesirable example).
    """
    if forced:
        if forced not in RECORD_FORMATS:
            from .errors import UsageError

            raise UsageError(f"unknown --format '{forced}': use one of {', '.join(RECORD_FORMATS)}")
        return forced
    cols = set(columns)
    if {"chosen", "rejected"} <= cols:
        return "preference"
    if "messages" in cols:
        kto = sample is not None and "label" in sample.column_names and pa.types.is_boolean(
            sample.schema.field("label").type)
        return "kto" if kto else "openai"
    if "conversations" in cols:
        return "sharegpt"
    if {"instruction", "output"} <= cols:
        return "alpaca"
    return "text"


_FORMAT_WHY = {
    "openai": "'messages'", "kto": "'messages' and a boolean 'label'", "sharegpt": "'conversations'",
    "alpaca": "'instruction' and 'output'", "preference": "'chosen' and 'rejected'",
}


def format_note(fmt: str) -> str:
    """Why a record format was detected, for the report's summary."""
    return f"format by its columns ({_FORMAT_WHY.get(fmt, fmt)})"


#: fields of each chat format that are optional: empty there is normal, not a missing value
OPTIONAL_FIELDS = {
    "alpaca": ("input", "system", "history"),
    "sharegpt": ("system", "tools"),
    "openai": ("tools",),
    "kto": ("tools",),
    "preference": ("prompt", "system", "tools"),
}


def content_text(content: Any) -> str:
    """Message content as text.  A string, or a list of parts: OpenAI's ``{"type": "text",
    "text": ...}`` or LLaMA-Factory's ``{"type": "text", "value": ...}`` (its ``reasoning``
    parts count as text; tool calls, images and audio do not)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for p in content:
            if isinstance(p, dict):
                t = p.get("text")
                if t is None and p.get("type") in TEXT_PART_TYPES:
                    t = p.get("value")
                parts.append(str(t or ""))
            elif isinstance(p, str):
                parts.append(p)
        return "\n".join(x for x in parts if x)
    return json.dumps(content, ensure_ascii=False, sort_keys=True)


#: LLaMA-Factory part types whose ``value`` is text the model reads or writes
TEXT_PART_TYPES = ("text", "reasoning")
#: part types that are a tool call (LLaMA-Factory: ``{"type": "tool_call", "value": "<json>"}``)
TOOL_CALL_PART_TYPES = ("tool_call", "tool_calls")


def maybe_json(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in "[{":
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def record_text(fmt: str, rec: dict) -> str | None:
    """The conversation of one record as text, or None when it has none."""
    if fmt in ("openai", "kto"):
        msgs = maybe_json(rec.get("messages"))
        if not isinstance(msgs, list):
            return None
        lines = [f"{m.get('role', '?')}: {content_text(m.get('content'))}" for m in msgs if isinstance(m, dict)]
        return "\n".join(lines) or None
    if fmt == "sharegpt":
        conv = maybe_json(rec.get("conversations"))
        if not isinstance(conv, list):
            return None
        lines = [f"{m.get('from', '?')}: {m.get('value') or ''}" for m in conv if isinstance(m, dict)]
        return "\n".join(lines) or None
    if fmt == "alpaca":
        parts = [rec.get(k) for k in ("system", "instruction", "input", "output")]
        parts = [p if isinstance(p, str) else ("" if p is None else json.dumps(p)) for p in parts]
        return "\n".join(parts) if any(parts) else None
    if fmt == "preference":
        turns = iter_turns(fmt, rec)
        return "\n".join(f"{role}: {text}" for role, text, _p in turns) if turns else None
    return None


def conversation_text(batch) -> pa.Array:
    """The text of each row of a batch in a chat/instruction format."""
    fmt = batch.source.record_format
    return pa.array([record_text(fmt, r) for r in batch_records(batch)], pa.string())


def batch_records(batch) -> list[dict]:
    """The rows of a batch as Python dicts, converted once per batch and shared by every rule.

    Memoised on the BatchContext object (which lives for one batch), so the chat rules and the
    conversation text do not each pay for ``Table.to_pylist()``.  Nested values may still be JSON
    strings (when their type changed across rows); read them through ``maybe_json``.
    """
    return batch.cached("records", batch.table.to_pylist)


# -- turns -------------------------------------------------------------------------------------

#: ShareGPT speaker names -> the OpenAI role names every rule uses.
SHAREGPT_ROLES = {
    "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "chatgpt": "assistant",
    "bard": "assistant", "bing": "assistant", "model": "assistant", "system": "system",
    "function_call": "assistant", "observation": "tool", "tool": "tool", "function": "tool",
}

_TRANSCRIPT_RE = re.compile(r"(?:^|\n\n)(Human|Assistant|H|A|System):[ \t]?", re.IGNORECASE)
_TRANSCRIPT_ROLES = {"human": "user", "h": "user", "assistant": "assistant", "a": "assistant", "system": "system"}


def _esc(key: Any) -> str:
    """One JSON pointer reference token (RFC 6901)."""
    s = key if isinstance(key, str) else str(key)
    if "~" in s or "/" in s:
        return s.replace("~", "~0").replace("/", "~1")
    return s


def pointer(*keys: Any) -> str:
    """A JSON pointer from keys: ``pointer("messages", 3, "content") == "/messages/3/content"``."""
    return "".join("/" + _esc(k) for k in keys)


def split_transcript(text: str) -> list[tuple[str, str]] | None:
    """``"\n\nHuman: hi\n\nAssistant: hello"`` -> [("user", "hi"), ("assistant", "hello")]; None
    when the string is not a transcript (no ``Human:``/``Assistant:`` markers)."""
    if not isinstance(text, str):
        return None
    marks = list(_TRANSCRIPT_RE.finditer(text))
    if not marks or not any(m.group(1).lower() in ("assistant", "a") for m in marks):
        return None
    out = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        out.append((_TRANSCRIPT_ROLES[m.group(1).lower()], text[m.end():end].strip()))
    return out


def _message_turns(msgs: Any, key: str) -> list[tuple[str, str, str]]:
    """A list of messages, OpenAI ``{role, content}`` or ShareGPT ``{from, value}`` (told apart per message)."""
    msgs = maybe_json(msgs)
    if not isinstance(msgs, list):
        return []
    out = []
    for i, m in enumerate(msgs):
        m = maybe_json(m)
        if isinstance(m, dict):
            role, text, tkey = _one_message(m)
            out.append((role, text, pointer(key, i, tkey)))
    return out


def _one_message(m: dict) -> tuple[str, str, str]:
    """(role, text, key of the text) of one OpenAI or ShareGPT message."""
    if m.get("role") is None and m.get("from") is not None:
        who = str(m.get("from"))
        return SHAREGPT_ROLES.get(who.lower(), who), content_text(maybe_json(m.get("value"))), "value"
    role = m.get("role")
    return (str(role) if role is not None else "?"), content_text(maybe_json(m.get("content"))), "content"


def _side_turns(value: Any, key: str) -> list[tuple[str, str, str]]:
    """A preference side or prompt: a string (maybe a transcript), one message or a list of messages."""
    value = maybe_json(value)
    if value is None:
        return []
    if isinstance(value, list):
        return _message_turns(value, key)
    if isinstance(value, dict):  # a single message
        role, text, tkey = _one_message(value)
        if role == "?":
            role = "assistant" if key in ("chosen", "rejected") else "user"
        return [(role, text, pointer(key, tkey))]
    text = value if isinstance(value, str) else content_text(value)
    parts = split_transcript(text)
    if parts is None:
        return [("assistant" if key in ("chosen", "rejected") else "user", text, pointer(key))]
    return [(role, t, pointer(key)) for role, t in parts]


def prompt_key(record: dict) -> str | None:
    """The key holding a preference record's prompt, or None."""
    for key in PROMPT_KEYS:
        if record.get(key) is not None:
            return key
    return None


def iter_turns(record_format: str, record: dict) -> list[tuple[str, str, str]]:
    """The turns of one record as ``(role, text, json_pointer)``, in conversation order.

    Roles use OpenAI names: ``system``, ``user``, ``assistant``, ``tool`` (ShareGPT ``human`` is
    ``user``, ``gpt`` is ``assistant``, ``observation`` is ``tool``; an unknown role is kept as
    written, a missing one is ``"?"``).  Content given as a list of parts is joined text.

    - openai, kto: one turn per message, pointer ``/messages/<i>/content``.
    - sharegpt: one turn per entry, pointer ``/conversations/<i>/value``.
    - alpaca: ``system`` (system), each ``history`` pair (user ``/history/<i>/0``, assistant
      ``/history/<i>/1``), ``instruction`` and ``input`` (user), ``output`` (assistant).
      Empty ``input``/``system`` are left out.
    - preference: the prompt (``prompt``, or ``conversations``/``messages`` in LLaMA-Factory's
      layouts), then ``chosen`` then ``rejected``; each may be a string, an ``"\n\nHuman: …
      \n\nAssistant: …"`` transcript (split into turns that share the side's pointer), one
      message (``/chosen/value``) or a list of messages (``/chosen/<i>/content``).
    - text (or unknown): no turns.

    Never raises on malformed records: what cannot be read is skipped (the structure rules
    report it).
    """
    if not isinstance(record, dict):
        return []
    if record_format in ("openai", "kto"):
        return _message_turns(record.get("messages"), "messages")
    if record_format == "sharegpt":
        return _message_turns(record.get("conversations"), "conversations")
    if record_format == "alpaca":
        out = []
        system = record.get("system")
        if isinstance(system, str) and system.strip():
            out.append(("system", system, pointer("system")))
        history = maybe_json(record.get("history"))
        if isinstance(history, list):
            for i, pair in enumerate(history):
                pair = maybe_json(pair)
                if isinstance(pair, (list, tuple)) and len(pair) >= 2:
                    out.append(("user", content_text(pair[0]), pointer("history", i, 0)))
                    out.append(("assistant", content_text(pair[1]), pointer("history", i, 1)))
        for key, role in (("instruction", "user"), ("input", "user"), ("output", "assistant")):
            v = record.get(key)
            if v is None or (key == "input" and isinstance(v, str) and not v.strip()):
                continue
            out.append((role, v if isinstance(v, str) else content_text(maybe_json(v)), pointer(key)))
        return out
    if record_format == "preference":
        out = []
        pkey = prompt_key(record)
        for key in ((pkey,) if pkey else ()) + ("chosen", "rejected"):
            out.extend(_side_turns(record.get(key), key))
        return out
    return []
