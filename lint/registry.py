"""Find rules through the ``trainlint.rules`` entry-point group, built-in and third-party alike.

An entry point may name a Rule subclass, a module (every Rule subclass defined in it), or a
callable returning Rule subclasses.  The engine never imports a built-in rule by name.
"""

from __future__ import annotations

import inspect
from functools import lru_cache
from importlib import metadata
from types import ModuleType
from collections.abc import Iterable

from .errors import UsageError
from .rule import Rule

ENTRY_POINT_GROUP = "trainlint.rules"


def _rules_in(obj: object) -> list[type[Rule]]:
    if inspect.isclass(obj) and issubclass(obj, Rule):
        return [obj]
    if isinstance(obj, ModuleType):
        return [v for v in vars(obj).values()
                if inspect.isclass(v) and issubclass(v, Rule) and v.code and v.__module__ == obj.__name__]
    if callable(obj):
        return _rules_in_iterable(obj())
    if isinstance(obj, Iterable):
        return _rules_in_iterable(obj)
    return []


def _rules_in_iterable(items: Iterable) -> list[type[Rule]]:
    out: list[type[Rule]] = []
    for item in items:
        out.extend(_rules_in(item))
    return out


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    """Every registered rule, built-in first, then plugins, each group sorted by code."""
    found: dict[str, type[Rule]] = {}
    eps = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name != "builtin", e.name))
    for ep in eps:
        try:
            loaded = ep.load()
        except Exception as e:  # a broken plugin must not take the linter down
            raise UsageError(f"rule plugin '{ep.name}' ({ep.value}) failed to load: {e}; "
                             f"fix or uninstall it") from None
        for rule in sorted(_rules_in(loaded), key=lambda r: r.code):
            other = found.get(rule.code)
            if other is not None and other is not rule:
                raise UsageError(f"rule code {rule.code} is registered twice ({other.__module__} and "
                                 f"{rule.__module__}); a plugin must use codes of its own")
            found[rule.code] = rule
    return tuple(found.values())


def find_rule(key: str) -> type[Rule]:
    """A rule by code (case-insensitive) or name."""
    k = key.strip()
    for r in all_rules():
        if r.code.lower() == k.lower() or r.name == k.lower():
            return r
    raise UsageError(f"unknown rule '{key}': run `trainlint rules` to list codes and names")


def matches(rule: type[Rule], selector: str) -> bool:
    """Whether ``selector`` (ALL, a code, a code prefix, a name or a group) picks ``rule``."""
    s = selector.strip()
    if s.upper() == "ALL":
        return True
    if s.lower() == rule.name or s.lower() in rule.groups:
        return True
    return rule.code.upper().startswith(s.upper())


def select_rules(select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
                 extend_select: Iterable[str] | None = None) -> list[type[Rule]]:
    """Rules chosen ruff-style: by code, code prefix, name or group; ``ignore`` wins over ``select``."""
    rules = all_rules()
    select = [s for s in (select or []) if s.strip()]
    ignore = [s for s in (ignore or []) if s.strip()]
    extend = [s for s in (extend_select or []) if s.strip()]
    for s in select + ignore + extend:
        if not any(matches(r, s) for r in rules) and not s.upper().startswith("GX"):
            raise UsageError(f"unknown rule selector '{s}': use a code (DU001), a prefix (DU), "
                             f"a name (exact-duplicate) or ALL; `trainlint rules` lists them")
    if select:
        chosen = [r for r in rules if any(matches(r, s) for s in select)]
    else:
        chosen = [r for r in rules if r.default]
    chosen += [r for r in rules if r not in chosen and any(matches(r, s) for s in extend)]
    return [r for r in chosen if not any(matches(r, s) for s in ignore)]


def markdown_table(rules: Iterable[type[Rule]]) -> str:
    """The README's rule table, made from the rules' own metadata and docstrings (a test keeps the
    README equal to it; ``trainlint rules --output-format markdown`` prints it)."""
    lines = ["| code | name | severity | fix | default | what it finds |", "|---|---|---|---|---|---|"]
    for r in sorted(rules, key=lambda r: r.code):
        fix = r.fix.value if r.fix else "—"
        lines.append(f"| {r.code} | `{r.name}` | {r.severity.value} | {fix} | {'on' if r.default else 'off'} "
                     f"| {r.summary()} |")
    return "\n".join(lines) + "\n"
