"""Reporters: one module per output format, each a ``render(report, **opts) -> str``."""

from __future__ import annotations

import importlib

from ..errors import UsageError

FORMATS = {
    "text": "text",
    "concise": "concise",
    "json": "json_report",
    "html": "html",
    "markdown": "markdown",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
}


def register(name: str, module: str) -> None:
    FORMATS[name] = module


def get_reporter(name: str):
    mod = FORMATS.get(name)
    if mod is None:
        raise UsageError(f"unknown output format '{name}': use one of {', '.join(sorted(FORMATS))}")
    return importlib.import_module(f".{mod}", __name__)
