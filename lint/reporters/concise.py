"""``--output-format concise``: one line per finding (``path:line: CODE name message``), no snippets."""

from __future__ import annotations

from typing import TextIO

from . import text


def render(report, **opts) -> str:
    return text.render(report, **{**opts, "concise": True})


def write(report, fp: TextIO, **opts) -> None:
    text.write(report, fp, **{**opts, "concise": True})
