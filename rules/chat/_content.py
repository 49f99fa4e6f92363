"""Helpers for the chat content rules: text outside code, short quotes."""

from __future__ import annotations

import re

_FENCE_RE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]+`", re.S)


def prose(text: str) -> str:
    """Text with fenced code blocks and inline code blanked out (placeholders in code are code)."""
    return _FENCE_RE.sub(lambda m: " " * len(m.group(0)), text)


def clip(text: str, n: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"
