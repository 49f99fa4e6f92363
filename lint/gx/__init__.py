"""The Great Expectations bridge (extra ``trainlint[gx]``, GX 1.x).

    trainlint check train.csv --expectations suite.json      # GX expectations as rules GX001...
    trainlint export-gx train.csv -o suite.json              # what trainlint measured, as a GX suite

Importing this package does not import GX; loading a suite does (about 2 s).
"""

from __future__ import annotations

from typing import Any
from collections.abc import Sequence

from ._gx import INSTALL_HINT, require_gx
from .suites import Suite, load_suites

__all__ = ["INSTALL_HINT", "Suite", "expectation_rules", "export_suite", "load_suites", "require_gx"]

MAX_CODES = 999


def expectation_rules(suites: Sequence[Any], select: Sequence[str] = (), ignore: Sequence[str] = (),
                      extend_select: Sequence[str] = (), max_rows: int = 1_000_000) -> list:
    """One rule per expectation, GX001... in suite order, chosen by select/ignore like built-in rules.

    Without ``select`` every expectation runs (giving a suite is the opt-in); with it, only those it
    names (``GX``, ``GX003``, ``gx``, a name such as ``gx-expect-column-values-to-be-unique``, ``ALL``).
    """
    from ..errors import UsageError
    from ..registry import matches
    from ._gx import expectation_kind_classes
    from .rule import Bridge, ExpectationRule

    loaded = load_suites(suites)
    configs = [(s, e) for s in loaded for e in s.expectations]
    if len(configs) > MAX_CODES:
        raise UsageError(f"{len(configs)} expectations given; the GX codes stop at GX{MAX_CODES}")
    kinds = expectation_kind_classes()
    rules = [ExpectationRule(i + 1, e, s.name, max_rows, kinds) for i, (s, e) in enumerate(configs)]
    sel = [s for s in select if s.strip()]
    ext = [s for s in extend_select if s.strip()]
    ign = [s for s in ignore if s.strip()]
    chosen = [r for r in rules if (not sel or any(matches(r, s) for s in sel + ext))
              and not any(matches(r, s) for s in ign)]
    row_rules = [r for r in chosen if r.kind == "map"]
    bridge = Bridge([r.config for r in row_rules])
    for slot, r in enumerate(row_rules):
        r.bridge, r.slot = bridge, slot
    return chosen


def export_suite(*args: Any, **kwargs: Any) -> dict:
    from .export import export_suite as _export

    return _export(*args, **kwargs)
