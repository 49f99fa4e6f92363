"""``--output-format json``: the stable contract (README, "JSON report")."""

from __future__ import annotations


def render(report, **_opts) -> str:
    return report.to_json(indent=2) + "\n"
