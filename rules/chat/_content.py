"""Helpers for the chat content rules: replies to check and text outside code."""

from __future__ import annotations

import re

from ._chat import applies, chats

_FENCE_RE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.S)


def prose(text: str) -> str:
    """Text with fenced code blocks and inline code blanked out (placeholders in code are code)."""
    return _FENCE_RE.sub(lambda m: " " * len(m.group(0)), text)


class ChatRule:
    """Mixin: a per-record content rule over the parsed chats of a batch."""

    def applies_to(self, source) -> bool:
        return applies(source)

    def update(self, batch, state):
        out = []
        path = batch.source.path
        for i, chat in enumerate(chats(batch)):
            if chat.ok("structure"):
                for message, ptr in self.check(chat):
                    out.append(self.finding(message, source=path, row=int(batch.rows[i]), pointer=ptr))
        return out

    def check(self, chat):  # -> iterable of (message, pointer)
        return ()


def clip(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"
