"""What ``trainlint check`` says on standard error besides the report (files skipped, findings
accepted, chat rules skipped), ``--show-files``, and the baseline and suppressions it records."""

from __future__ import annotations

from typing import Any

import click

from .common import shown


def say_skipped(walked: Any) -> None:
    line = walked.summary()
    if line:
        click.echo(f"trainlint: {line}", err=True)


def show_files(paths: tuple[str, ...], settings: Any) -> int:
    """--show-files: what a run would lint, and what it skips and why (nothing is read)."""
    from ..runner import resolve_paths

    walked: list = []
    try:
        files = resolve_paths(list(paths), settings, walked.append)
    except Exception:
        if not walked:
            raise
        files = []
    for f in files:
        click.echo(f"lint  {f}")
    for p, why in (walked[0].skipped if walked else []):
        click.echo(f"skip  {p}  ({why})")
    return 0


def baseline_target(value: str | None, settings: Any) -> str | None:
    """Where --write-baseline writes: its FILE, else the configured baseline, else the default."""
    if value is None:
        return None
    if value:
        return value
    from ..baseline import DEFAULT_PATH

    return settings.baseline or DEFAULT_PATH


def record(o: dict[str, Any], write_baseline: str | None, settings: Any, applied: dict[str, Any],
           report: Any) -> Any:
    """--write-baseline and --add-suppressions, on the report with every finding; a written
    baseline then hides what it recorded, as ``--baseline`` would.  ``applied``: the baseline and
    suppressions file that runs read (a file written elsewhere is named with how to use it)."""
    from ..paths import ensure_not_an_input

    written = None
    if write_baseline is not None:
        from .. import baseline

        n, pruned = baseline.record(write_baseline, report)
        written = baseline.load(write_baseline)
        click.echo(f"trainlint: recorded {n} finding{'s' if n != 1 else ''} in {shown(write_baseline)}"
                   + (f"; dropped {pruned} entr{'ies' if pruned != 1 else 'y'} no longer matching" if pruned else "")
                   + _how_to_use("baseline", write_baseline, applied["baseline"]), err=True)
    if o["add_suppressions"]:
        from ..suppressions import DEFAULT_PATH, add_to_file

        ensure_not_an_input(settings.suppressions or DEFAULT_PATH, _report_inputs(report), "the suppressions file")
        path, n = add_to_file(settings, report)
        path = shown(path)
        click.echo(f"trainlint: added {n} suppression{'s' if n != 1 else ''} to {path}; replace each "
                   f"placeholder reason with why the finding is accepted"
                   + _how_to_use("suppressions", path, applied["suppressions"]), err=True)
    return written


def _how_to_use(key: str, path: str, configured: str | None) -> str:
    """How later runs read a file just written, unless they already do."""
    import os

    if configured and os.path.realpath(configured) == os.path.realpath(path):
        return ""
    path = shown(path)
    return f"; later runs use it with --{key} {path} (or {key} = \"{path}\" in [tool.trainlint])"


def _report_inputs(report: Any) -> list[str]:
    """The files a report read (in-memory sources, named ``<...>``, have no file to protect)."""
    return [p for src in report.sources if (p := src.get("path") or "") and not p.startswith("<")]


def say_view_skipped(report) -> None:
    """One line for the chat rules that need --chat-template/--tokenizer/--max-length and did not get them."""
    if not any(s.get("record_format") in ("openai", "sharegpt", "alpaca", "kto") for s in report.sources):
        return
    why: dict[str, list[str]] = {}
    for r in report.rules:
        reason = getattr(r, "skip_reason", None)
        reason = reason() if callable(reason) else None
        if reason:
            why.setdefault(reason, []).append(r.code)
    if why:
        parts = [f"{', '.join(codes)}: {reason}" for reason, codes in why.items()]
        click.echo(f"trainlint: skipped (the trainer's view): {'; '.join(parts)}", err=True)


def say_accepted(report: Any) -> None:
    """One line on standard error per kind of accepted finding the report leaves out."""
    acc = report.stats.get("accepted") or {}
    b = acc.get("baseline")
    if b:
        line = (f"trainlint: {b['hidden']} finding{'s' if b['hidden'] != 1 else ''} hidden by baseline "
                f"{shown(b['path'])}")
        if b["unmatched"]:
            line += (f"; {b['unmatched']} baseline entr{'ies' if b['unmatched'] != 1 else 'y'} no longer "
                     f"match (--write-baseline prunes them)")
        click.echo(line, err=True)
    if acc.get("suppressed"):
        click.echo(f"trainlint: {acc['suppressed']} finding{'s' if acc['suppressed'] != 1 else ''} suppressed",
                   err=True)
    if acc.get("placeholder_reasons"):
        n = acc["placeholder_reasons"]
        click.echo(f"trainlint: {n} suppression{'s' if n != 1 else ''} still give{'' if n != 1 else 's'} the "
                   f"placeholder reason: replace it with why the finding is accepted", err=True)
    if acc.get("per_file_ignores"):
        n = acc["per_file_ignores"]
        click.echo(f"trainlint: {n} finding{'s' if n != 1 else ''} turned off by per-file-ignores", err=True)
