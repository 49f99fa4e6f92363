"""Record formats: plain columns, or chat / instruction records (OpenAI, Alpaca, ShareGPT, preference).

For a chat record the "text" that duplicate, language and typo rules see is the whole
conversation, one ``role: content`` line per turn, so those rules work unchanged on it.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

RECORD_FORMATS = ("text", "openai", "alpaca", "sharegpt", "preference")


def detect(columns: list[str], sample: pa.Table | None, forced: str | None = None) -> str:
    if forced:
        if forced not in RECORD_FORMATS:
            from .errors import UsageError

            raise UsageError(f"unknown --format '{forced}': use one of {', '.join(RECORD_FORMATS)}")
        return forced
    cols = set(columns)
    if "messages" in cols:
        return "openai"
    if "conversations" in cols:
        return "sharegpt"
    if {"instruction", "output"} <= cols:
        return "alpaca"
    if {"chosen", "rejected"} <= cols:
        return "preference"
    return "text"


def _content_text(content: Any) -> str:
    """OpenAI content may be a string or a list of parts ({"type": "text", "text": ...})."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for p in content:
            if isinstance(p, dict):
                parts.append(str(p.get("text") or ""))
            elif isinstance(p, str):
                parts.append(p)
        return "\n".join(x for x in parts if x)
    return json.dumps(content, ensure_ascii=False, sort_keys=True)


def _maybe_json(v: Any) -> Any:
    if isinstance(v, str) and v[:1] in "[{":
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def record_text(fmt: str, rec: dict) -> str | None:
    """The conversation of one record as text, or None when it has none."""
    if fmt == "openai":
        msgs = _maybe_json(rec.get("messages"))
        if not isinstance(msgs, list):
            return None
        lines = [f"{m.get('role', '?')}: {_content_text(m.get('content'))}" for m in msgs if isinstance(m, dict)]
        return "\n".join(lines) or None
    if fmt == "sharegpt":
        conv = _maybe_json(rec.get("conversations"))
        if not isinstance(conv, list):
            return None
        lines = [f"{m.get('from', '?')}: {m.get('value') or ''}" for m in conv if isinstance(m, dict)]
        return "\n".join(lines) or None
    if fmt == "alpaca":
        parts = [rec.get(k) for k in ("system", "instruction", "input", "output")]
        parts = [p if isinstance(p, str) else ("" if p is None else json.dumps(p)) for p in parts]
        return "\n".join(parts) if any(parts) else None
    if fmt == "preference":
        parts = [rec.get(k) for k in ("prompt", "chosen", "rejected")]
        parts = [_content_text(_maybe_json(p)) for p in parts]
        return "\n".join(parts) if any(parts) else None
    return None


def conversation_text(batch) -> pa.Array:
    """The text of each row of a batch in a chat/instruction format."""
    fmt = batch.source.record_format
    records = batch.table.to_pylist()
    return pa.array([record_text(fmt, r) for r in records], pa.string())
