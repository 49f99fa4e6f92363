"""Redaction: no private value (an e-mail address, a card number, a key) is printed in any report,
whichever rules ran.

Rules that find private values (``Rule.redact`` overridden: the PI rules) mask them in any text:
the text of a row a report shows (snippets), and every finding's message and ``extra`` (a rule
that quotes data, such as an excerpt around an invisible character or a placeholder a reply ends
on, may quote an address with it).  The run's own rules redact with their options; every other
registered one with its defaults, so a run with ``--select EN`` still prints no address.

Each redactor tries a prefilter first (one regular-expression search), so a message that holds
nothing private costs a few microseconds; findings are redacted once, when the run ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

Redactor = Callable[[str], str]


def _masks(rule_or_class: Any) -> bool:
    from .rule import Rule

    cls = rule_or_class if isinstance(rule_or_class, type) else type(rule_or_class)
    return cls.redact is not Rule.redact


@lru_cache(maxsize=1)
def _defaults() -> tuple[Any, ...]:
    """One instance, with default options, of every registered rule that masks something."""
    from .registry import all_rules

    out = []
    for cls in all_rules():
        if _masks(cls):
            try:
                out.append(cls())
            except Exception:  # a plugin whose defaults do not build: it cannot redact
                continue
    return tuple(out)


class Redactors:
    """The ``redact`` of the run's ``rules`` that mask something, then of every other registered
    one (default options), called in turn by ``text``.  When every one of them names the pattern
    any text it would change matches (``redact_gate``), one search of their union skips them all
    on a text that holds nothing private: most messages and snippets."""

    def __init__(self, rules: Iterable[Any] = ()) -> None:
        run = [r for r in rules if _masks(r)]
        have = {type(r) for r in run}
        self.rules = run + [r for r in _defaults() if type(r) not in have]
        self.fns: list[Redactor] = [r.redact for r in self.rules]
        self.gate = _gate(tuple(getattr(r, "redact_gate", lambda: None)() for r in self.rules))

    def __bool__(self) -> bool:
        return bool(self.fns)

    def __iter__(self):
        return iter(self.fns)

    def text(self, text: str) -> str:
        if self.gate is not None and self.gate.search(text) is None:
            return text
        for fn in self.fns:
            text = fn(text)
        return text


@lru_cache(maxsize=16)
def _gate(patterns: tuple[str | None, ...]):
    import re

    if not patterns or any(p is None for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error:
        return None


def redactors(rules: Iterable[Any] = ()) -> Redactors:
    """The redactors of a run of ``rules`` (see ``Redactors``)."""
    return Redactors(rules)


def private_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, mask)`` of the private values in ``text``, by every registered rule that
    finds them (with default options): for a rule that quotes text to cut its excerpt from."""
    return [sp for r in _defaults() if hasattr(r, "private_spans") for sp in r.private_spans(text)]


def redact(text: str, with_: Redactors | Sequence[Redactor]) -> str:
    if isinstance(with_, Redactors):
        return with_.text(text)
    for fn in with_:
        text = fn(text)
    return text


def redact_value(value: Any, with_: Redactors | Sequence[Redactor]) -> Any:
    """Strings in ``value`` (a string, or lists and dicts of them) redacted; the same object when
    nothing changed."""
    if isinstance(value, str):
        return redact(value, with_)
    if isinstance(value, (list, tuple)):
        new = [redact_value(v, with_) for v in value]
        return value if all(a is b for a, b in zip(new, value)) else type(value)(new)
    if isinstance(value, Mapping):
        new_d = {k: redact_value(v, with_) for k, v in value.items()}
        return value if all(new_d[k] is v for k, v in value.items()) else new_d
    return value


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _strings(v, out)
    elif isinstance(value, Mapping):
        for v in value.values():
            _strings(v, out)


def flagged(strings: list[str], with_: Redactors) -> set[str] | None:
    """The strings a redactor may change, by one vectorised RE2 search of the rules' prefilters
    (``prefilter_pattern``) over all of them; None when a redactor names no prefilter."""
    patterns = [getattr(r, "prefilter_pattern", lambda: None)() for r in with_.rules]
    if not strings or any(p is None for p in patterns):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    uniq = list(dict.fromkeys(strings))
    try:
        hit = pc.match_substring_regex(pa.array(uniq, pa.string()), "|".join(f"(?:{p})" for p in patterns))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return {s for s, h in zip(uniq, hit.to_pylist()) if h}


def redact_findings(store: Any, rules: Iterable[Any] = ()) -> Any:
    """``store`` (a ``FindingStore``) with every message and ``extra`` redacted; the same store
    when nothing held a private value.  Findings of a private rule (``extra["masked"]``) carry
    only masked values already and are left as they are.  The strings are first searched all at
    once for the rules' prefilters, so only those that may hold a private value reach Python."""
    from dataclasses import replace

    from .findings.rows import RowFindings

    with_ = redactors(rules)
    if not with_:
        return store
    strings: list[str] = []
    for part in store.parts:
        if isinstance(part, RowFindings):
            strings += part.templates
            if "masked" not in part.extra:
                for table, _index in part.extra.values():
                    _strings(table or (), strings)
            continue
        for f in part:
            if not (f.extra and "masked" in f.extra):
                strings.append(f.message)
                _strings(f.extra, strings)
    flagged_ = flagged(strings, with_)
    if flagged_ is not None and not flagged_:
        return store

    def text(s: str) -> str:
        return with_.text(s) if flagged_ is None or s in flagged_ else s

    def value(x):
        """An extra value (a finding's whole ``extra``, or a shared value of a column) redacted."""
        if x and flagged_ is not None:
            inner: list[str] = []
            _strings(x, inner)
            return redact_value(x, with_) if any(v in flagged_ for v in inner) else x
        return redact_value(x, with_) if x else x

    def finding(f):
        if f.extra and "masked" in f.extra:
            return f
        m = text(f.message)
        x = value(f.extra)
        return f if m is f.message and x is f.extra else replace(f, message=m, extra=x)

    return store.redacted(text, finding, value)
