"""Suppressions: accepted findings, each with the reason it is accepted.

Entries live in a sidecar TOML file (``suppressions = "trainlint-suppressions.toml"`` in the
config, or ``--suppressions FILE``) as ``[[suppress]]`` tables, or in the config itself as
``[[tool.trainlint.suppress]]``::

    [[suppress]]
    rule = "DU001"                      # code, prefix or name
    path = "data/sms.csv"               # optional: a file pattern (lint/globs.py)
    hash = "04c1b0e2d5f3a9b7"           # the finding's content key (--add-suppressions writes it) ...
    reason = "Repeated greetings are real SMS traffic."

    [[suppress]]
    rule = "unexpected-language"
    pattern = "(?i)\\bbonjour\\b"       # ... or a regular expression (RE2) searched in the row's
                                        #     text and in the finding's message
    reason = "Greetings in French belong to the intent set."

``reason`` is mandatory.  A hash entry matches a finding whose key or related row's key it is
(so a pair stays suppressed whichever row comes first); a pattern entry matches a finding whose
row's text or message it finds.  An entry that matches nothing
is reported as ``unused-suppression`` (TL001) at its line, as ruff's RUF100 reports a stale noqa.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any
from collections.abc import Mapping, Sequence

import numpy as np

from .errors import ConfigError

DEFAULT_PATH = "trainlint-suppressions.toml"
PLACEHOLDER = "TODO: say why this finding is accepted"
_HEX = re.compile(r"^[0-9a-f]{16}$")
_KEYS = {"rule", "path", "hash", "pattern", "reason"}


@dataclass(frozen=True)
class Suppression:
    rule: str
    reason: str
    hash: int | None = None
    pattern: str | None = None
    path: str | None = None
    #: where the entry is written (file, 1-based line of its table header), for unused-suppression
    origin: str | None = None
    line: int | None = None


def check_entries(raw: Any, where: str) -> list[dict[str, Any]]:
    """Validate ``[[suppress]]`` tables (a list of tables); errors name the entry."""
    if not isinstance(raw, list) or not all(isinstance(e, Mapping) for e in raw):
        raise ConfigError(f"{where}: 'suppress' must be a list of tables ([[suppress]] entries)")
    out = []
    for n, e in enumerate(raw, 1):
        label = f"{where}: suppression #{n}"
        unknown = set(e) - _KEYS
        if unknown:
            raise ConfigError(f"{label}: unknown key(s) {', '.join(sorted(unknown))}; "
                              f"known: {', '.join(sorted(_KEYS))}")
        for key in _KEYS & set(e):
            if not isinstance(e[key], str):
                raise ConfigError(f"{label}: '{key}' must be a string")
        if not e.get("rule"):
            raise ConfigError(f"{label}: 'rule' is required (a rule code, prefix or name)")
        if not str(e.get("reason", "")).strip():
            raise ConfigError(f"{label} ({e['rule']}): 'reason' is required: say why the finding is accepted")
        if ("hash" in e) == ("pattern" in e):
            raise ConfigError(f"{label} ({e['rule']}): give exactly one of 'hash' or 'pattern'")
        if "hash" in e and not _HEX.match(e["hash"]):
            raise ConfigError(f"{label}: 'hash' must be 16 hex digits, as --add-suppressions writes it")
        if "pattern" in e:
            try:
                re.compile(e["pattern"])
            except re.error as err:
                raise ConfigError(f"{label}: 'pattern' is not a regular expression ({err})") from None
        out.append(dict(e))
    return out


def _header_lines(path: str, table: str) -> list[int]:
    """1-based lines of each ``[[table]]`` header in a TOML file, in order."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return []
    rx = re.compile(r"^\s*\[\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]\]")
    return [n for n, line in enumerate(text.splitlines(), 1) if rx.match(line)]


def load(settings: Any) -> list[Suppression]:
    """Entries of the config's ``[[tool.trainlint.suppress]]`` and of the sidecar file."""
    out: list[Suppression] = []
    if settings.suppress:
        cfg = settings.config_path
        table = "tool.trainlint.suppress" if cfg and os.path.basename(cfg) == "pyproject.toml" else "suppress"
        lines = _header_lines(cfg, table) if cfg else []
        out += [_make(e, cfg, lines[k] if k < len(lines) else None) for k, e in enumerate(settings.suppress)]
    if settings.suppressions:
        out += load_file(settings.suppressions)
    return out


def load_file(path: str) -> list[Suppression]:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: suppressions file not found; write one with --add-suppressions") from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not a readable TOML file ({e})") from None
    unknown = set(data) - {"suppress"}
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; the file holds [[suppress]] entries")
    entries = check_entries(data.get("suppress", []), path)
    lines = _header_lines(path, "suppress")
    return [_make(e, path, lines[k] if k < len(lines) else None) for k, e in enumerate(entries)]


def _make(e: Mapping[str, Any], origin: str | None, line: int | None) -> Suppression:
    return Suppression(rule=e["rule"], reason=e["reason"], hash=int(e["hash"], 16) if "hash" in e else None,
                       pattern=e.get("pattern"), path=e.get("path"), origin=origin, line=line)


def _rule_matches(key: str, code: str, name: str) -> bool:
    return name == key or code.upper().startswith(key.upper())


@dataclass
class Outcome:
    hidden: np.ndarray  # bool by global index
    used: list[bool]


def apply(entries: Sequence[Suppression], store: Any, keys: Any, text_hits: Mapping[int, set[tuple[str, int]]],
          root: str) -> Outcome:
    """Which findings the entries hide (bool by global index) and which entries matched one.

    ``text_hits``: entry index -> (source path, row) of the rows whose text the entry's pattern
    found (``ContentKeys`` searched them during the run)."""
    from .globs import matches

    cols = store.columns()
    total = store.total
    hidden = np.zeros(total, dtype=bool)
    used = [False] * len(entries)
    in_store = np.zeros(total, dtype=bool)
    in_store[store.order] = True
    src, code = cols["source"], cols["code"]
    names = store_names(store)
    for k, e in enumerate(entries):
        ok_codes = [i for i, c in enumerate(cols["codes"]) if _rule_matches(e.rule, c, names.get(c, ""))]
        if not ok_codes:
            continue
        base = os.path.dirname(os.path.abspath(e.origin)) if e.origin else root
        ok_src = [i for i, p in enumerate(cols["paths"])
                  if e.path is None or (p is not None and matches(e.path, p, base))]
        m = in_store & np.isin(code, ok_codes) & np.isin(src, ok_src)
        if not m.any():
            continue
        if e.hash is not None:
            hit = m & (keys.own == np.uint64(e.hash))
            if keys.related_at.size:
                rel = keys.related_at[keys.related == np.uint64(e.hash)]
                hit[rel[m[rel]]] = True
        else:
            hit = np.zeros(total, dtype=bool)
            rows_hit = text_hits.get(k, set())
            rx = re.compile(e.pattern)
            cand = np.flatnonzero(m)
            for g, f in zip(cand.tolist(), store.at(cand)):
                if (f.row is not None and (f.source, f.row) in rows_hit) or rx.search(f.message):
                    hit[g] = True
        if hit.any():
            used[k] = True
            hidden |= hit
    return Outcome(hidden, used)


def store_names(store: Any) -> dict[str, str]:
    """code -> rule name, from the store's columns."""
    c = store.columns()
    if not len(c["code"]):
        return {}
    pairs = np.unique(c["code"].astype(np.int64) << 32 | c["name"])
    return {c["codes"][int(p) >> 32]: c["names"][int(p) & 0xFFFFFFFF] for p in pairs.tolist()}


def _escape_comment(text: str) -> str:
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)[:160]


def render_new(store: Any, keys: Any, root: str, known: set[tuple[str, int]]) -> tuple[str, int]:
    """``[[suppress]]`` entries for the findings of ``store`` not already in ``known``
    ((code, hash) pairs), each with the placeholder reason; returns (text, entries)."""
    from .baseline import key_path

    out: list[str] = []
    seen = set(known)
    order = store.order
    for g, f in zip(order.tolist(), store.at(order)):
        key = (f.code, int(keys.own[g]))
        if key in seen:
            continue
        seen.add(key)
        where = f"{f.location}" + (f" [{f.column}]" if f.column else "")
        out.append(f"\n# {_escape_comment(where + ': ' + f.message)}\n[[suppress]]\nrule = \"{f.code}\"\n"
                   f"path = {_toml_str(key_path(f.source, root))}\nhash = \"{key[1]:016x}\"\n"
                   f"reason = \"{PLACEHOLDER}\"\n")
    return "".join(out), len(out)


def _toml_str(s: str) -> str:
    import json

    return json.dumps(s, ensure_ascii=False)


def add_to_file(settings: Any, report: Any) -> tuple[str, int]:
    """Append an entry with the placeholder reason for every finding of ``report`` that no entry
    of the file names yet; returns (path, entries added)."""
    path = settings.suppressions or DEFAULT_PATH
    known: set[tuple[str, int]] = set()
    old = ""
    if os.path.exists(path):
        known = {(e.rule, e.hash) for e in load_file(path) if e.hash is not None}
        with open(path, encoding="utf-8") as f:
            old = f.read()
    text, n = render_new(report.findings, report.keys, os.path.dirname(os.path.abspath(path)), known)
    if not old:
        old = ("# trainlint suppressions: accepted findings, each with the reason it is accepted.\n"
               "# An entry matches by rule and content hash (or a 'pattern' searched in the row's text).\n")
    from .outputs import write_atomic

    write_atomic(path, old + text)
    return path, n
