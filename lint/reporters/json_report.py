"""``--output-format json``: the stable contract (README, "JSON report")."""

from __future__ import annotations


def render(report, **_opts) -> str:
    return report.to_json(indent=2) + "\n"


def write(report, fp, **_opts) -> None:
    """``render`` streamed to ``fp``, a few thousand findings at a time."""
    report.write_json(fp, indent=2)
    fp.write("\n")
