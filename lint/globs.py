"""File patterns with ruff's semantics, for ``exclude``, ``extend-exclude`` and ``per-file-ignores``.

A pattern without a ``/`` matches a file or folder of that name anywhere (``.venv``,
``dataset_info.json``, ``*.bak.csv``); a pattern with one is relative to the project root (the
config file's folder): ``data/raw/*.csv``, ``data/**/test.jsonl``.  ``*`` stays inside one path
part, ``**`` crosses parts.  In ``per-file-ignores`` a leading ``!`` negates a pattern.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:j]
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def shown(path: str) -> str:
    """``path`` relative to the working directory when it is below it (as data paths are shown)."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _relative(path: str, root: str) -> str:
    rel = os.path.relpath(os.path.abspath(path), root)
    return rel.replace(os.sep, "/")


def matches(pattern: str, path: str, root: str) -> bool:
    """Whether ``path`` (a file or folder) matches ``pattern`` as ruff would match it."""
    pattern = pattern.replace(os.sep, "/").rstrip("/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    rx = _regex(pattern)
    if "/" not in pattern:
        return bool(rx.match(os.path.basename(os.path.normpath(path))))
    if os.path.isabs(pattern):
        return bool(rx.match(os.path.abspath(path).replace(os.sep, "/")))
    return bool(rx.match(_relative(path, root)))


def excluded_by(patterns: tuple[str, ...] | list[str], path: str, root: str) -> str | None:
    """The first pattern that excludes ``path`` or one of the folders above it (up to ``root``)."""
    full = os.path.abspath(path)
    parts = [full]
    d = os.path.dirname(full)
    while d.startswith(root) and d != root and d != os.path.dirname(d):
        parts.append(d)
        d = os.path.dirname(d)
    for p in patterns:
        for candidate in parts:
            if matches(p, candidate, root):
                return p
    return None


def ignored_codes(per_file: dict[str, tuple[str, ...]], path: str, root: str) -> tuple[str, ...]:
    """Rule codes, prefixes or names that ``per-file-ignores`` turns off for ``path``."""
    out: list[str] = []
    for pattern, codes in per_file.items():
        negate = pattern.startswith("!")
        hit = matches(pattern[1:] if negate else pattern, path, root)
        if hit != negate:
            out.extend(codes)
    return tuple(out)
