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


def redactors(rules: Iterable[Any] = ()) -> list[Redactor]:
    """The ``redact`` of the run's ``rules`` that mask something, then of every other registered one."""
    run = [r for r in rules if _masks(r)]
    have = {type(r) for r in run}
    return [r.redact for r in run] + [r.redact for r in _defaults() if type(r) not in have]


def private_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, mask)`` of the private values in ``text``, by every registered rule that
    finds them (with default options): for a rule that quotes text to cut its excerpt from."""
    return [sp for r in _defaults() if hasattr(r, "private_spans") for sp in r.private_spans(text)]


def redact(text: str, with_: Sequence[Redactor]) -> str:
    for fn in with_:
        text = fn(text)
    return text


def redact_value(value: Any, with_: Sequence[Redactor]) -> Any:
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


def redact_findings(store: Any, rules: Iterable[Any] = ()) -> Any:
    """``store`` (a ``FindingStore``) with every message and ``extra`` redacted; the same store
    when nothing held a private value."""
    with_ = redactors(rules)
    if not with_:
        return store
    return store.redacted(lambda s: redact(s, with_), lambda v: redact_value(v, with_))
