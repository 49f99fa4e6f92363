"""Helpers the CI-facing reporters share: paths relative to the repo root, rule metadata, levels."""

from __future__ import annotations

import functools
import os
import re
from typing import Any
from collections.abc import Iterable

#: trainlint severity -> SARIF level / GitHub workflow command
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
GITHUB_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def relative_path(path: str | None, root: str | None = None) -> str | None:
    """``path`` relative to ``root`` (default: the working directory), with ``/`` separators.

    CI systems match annotations against paths relative to the repository root; a path
    given relative on the command line is kept as given (normalised), an absolute one is
    made relative when it lies under the root.
    """
    if path is None:
        return None
    return _relative(path, os.path.abspath(root or os.getcwd()))


@functools.lru_cache(maxsize=1024)
def _relative(path: str, root: str) -> str:
    if path.startswith("<") or "://" in path:  # <dataframe>, s3://...
        return path
    if os.path.isabs(path):
        absolute = os.path.abspath(path)
        try:
            rel = os.path.relpath(absolute, root)
        except ValueError:  # another drive on Windows
            return path.replace(os.sep, "/")
        if rel.startswith(".."):
            return absolute.replace(os.sep, "/")
        return rel.replace(os.sep, "/")
    return os.path.normpath(path).replace(os.sep, "/")


def source_roles(src: dict[str, Any]) -> list[str]:
    """``format=openai``, ``text=...``, ``label=...``, ``split=...``: what the run took each column for."""
    roles = []
    if src.get("record_format") and src["record_format"] != "text":
        roles.append(f"format={src['record_format']}")
    if src.get("text"):
        roles.append("text=" + ",".join(src["text"]))
    if src.get("label"):
        roles.append(f"label={src['label']}")
    if src.get("split"):
        roles.append(f"split={src['split']}")
    if src.get("role_notes"):  # the roles that were guessed, and why
        roles.append("guessed: " + "; ".join(src["role_notes"]))
    return roles


def rule_info(report) -> dict[str, dict[str, Any]]:
    """code -> {code, name, severity, summary, doc, groups, fix} for every rule run or seen."""
    out: dict[str, dict[str, Any]] = {}
    for r in report.rules:
        out[r.code] = {"code": r.code, "name": r.name, "severity": r.severity.value,
                       "summary": r.summary(), "doc": r.doc(), "groups": list(r.groups),
                       "fix": r.fix.value if r.fix else None}
    codes = set(report.findings.count("code"))
    for f in (report.findings if codes - set(out) else ()):  # rules the report does not know (a plugin...)
        if f.code not in out:
            out[f.code] = {"code": f.code, "name": f.name, "severity": f.severity.value,
                           "summary": "", "doc": "", "groups": [], "fix": None}
    return dict(sorted(out.items()))


def by_code(findings: Iterable[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for f in findings:
        out.setdefault(f.code, []).append(f)
    return out


def strip_control(text: str) -> str:
    """Drop characters XML 1.0 cannot hold even escaped (NUL, most C0 controls)."""
    return _CONTROL.sub("\N{REPLACEMENT CHARACTER}", text)


def one_line(text: str, limit: int | None = None) -> str:
    text = " ".join(str(text).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def severities(report) -> dict[str, str]:
    """code -> the highest severity among its findings, else the rule's default."""
    out = {c: m["severity"] for c, m in rule_info(report).items()}
    for code, rank in report.findings.max_severity_by_code().items():
        out[code] = ("info", "warning", "error")[rank]
    return out
