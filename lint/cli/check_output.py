"""Where ``trainlint check`` writes: each report to its file or standard output, and what
``--fix``/``--diff`` did."""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

import click

from .common import write_atomic

#: reports read as plain text in a terminal or a CI log
PLAIN_TEXT = ("text", "concise")


def say_fixed(report: Any, o: dict[str, Any], unsafe: bool, opened: list, written: list) -> None:
    """--diff: the rows --fix would remove; --fix: what each cleaned copy kept and rejected."""
    if o["diff"]:
        from ..preview import diff_lines

        n = diff_lines(report, opened, unsafe, click.echo)
        click.echo(f"{n} row{'s' if n != 1 else ''} would be {'changed' if report.mask else 'removed'}.", err=True)
    elif o["fix"]:
        summary = written[0]  # by run(), on the engine's workers when it has them
        from ..escape import text as esc

        for r in summary.results:
            rewritten = f" ({r.rewritten} rewritten, see {r.changes})" if r.changes else ""
            click.echo(esc(f"{r.path}: kept {r.kept}{rewritten}, rejected {r.rejected} -> {r.cleaned}, {r.rejects}",
                           line_start=True), err=True)
        for p in summary.skipped:
            click.echo(f"{esc(p, line_start=True)}: not written (in-memory or remote input)", err=True)


def write_reports(report: Any, reporters: list[tuple[Any, str, str | None]], o: dict[str, Any],
                  settings: Any) -> None:
    """Every (reporter module, format, path or None for standard output) of the run."""
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    for module, fmt, path in reporters:
        opts = {"statistics": o["statistics"], "quiet": o["quiet"], "color": color and path is None,
                "grouped": o["grouped"], "unsafe_fixes": bool(settings.unsafe_fixes), "fixed": o["fix"],
                "show_text": settings.show_text,
                # where the whole report goes, for a reporter that shows only part (github)
                "full_report": next((p for _m, f, p in reporters if p and f != fmt), None)}
        if o["max_per_rule"] is not None:
            opts["per_rule"] = o["max_per_rule"]
        # a reporter with ``write`` streams the report (a large one never exists whole in memory)
        write = getattr(module, "write", None)
        plain = fmt in PLAIN_TEXT and not opts["color"]
        memo = getattr(report, "render_memo", None) if path else None  # this run's report, kept
        if memo is not None and memo.write(path, module, fmt, opts):
            continue
        if path:
            write_atomic(path, functools.partial(write, report, **opts) if write else module.render(report, **opts))
            if memo is not None:
                memo.keep(path, module, fmt, opts)
        elif write:
            write(report, Echo(plain=plain), **opts)
        elif plain:
            # a CI log: whatever a reporter missed, no line of it escapes or is a workflow command
            from ..escape import lines

            click.echo(lines(module.render(report, **opts)), nl=False)
        else:
            click.echo(module.render(report, **opts), nl=False)


class Echo:
    """A file-like ``write`` onto ``click.echo`` (which strips colours off a non-terminal).
    ``plain``: a plain-text report, each line escaped (``escape.lines``) as it is written."""

    def __init__(self, plain: bool = False) -> None:
        self.plain = plain

    def write(self, text: str) -> int:
        if self.plain:
            from ..escape import lines

            text = lines(text)
        click.echo(text, nl=False)
        return len(text)
