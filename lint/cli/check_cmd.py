"""``trainlint check``: settings from the flags and the config, one run, then its reports."""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

import click

from .check_notes import baseline_target, record, say_accepted, say_skipped, say_view_skipped, show_files
from .check_options import check_options
from .check_output import say_fixed, write_reports
from .common import CONTEXT, describe, fail, split_values


@click.command(context_settings=CONTEXT)
@check_options
def check(paths: tuple[str, ...], **o: Any) -> None:
    """Lint training data files, directories or globs."""
    from ..cacheio import frozen_loads
    from ..errors import TrainlintError

    try:
        with frozen_loads():  # what the cache loads lives until the command ends: out of gc's walks
            code = _check(paths, o)
    except TrainlintError as e:
        fail(str(e), e.exit_code)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except BrokenPipeError:
        # whoever read the report went away (``| head``): stop quietly, as other command-line
        # tools do; stdout goes to /dev/null so that flushing it at exit cannot fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except Exception as e:  # an internal error is still one line, unless debugging
        if os.environ.get("TRAINLINT_DEBUG"):
            raise
        fail(f"internal error: {describe(e)} (set TRAINLINT_DEBUG=1 for a traceback; "
             f"please report it)")
    sys.exit(code)


def _outputs(o: dict[str, Any]) -> list[tuple[str, str | None]]:
    outs: list[tuple[str, str | None]] = []
    for spec in o["outputs"]:
        fmt, _, path = spec.partition(":")
        outs.append((fmt.strip(), path.strip() or None))
    if o["output_format"] or o["output_file"] or not outs:
        outs.insert(0, (o["output_format"] or "text", o["output_file"]))
    return outs


def _overrides(o: dict[str, Any]) -> dict[str, Any]:
    """The settings the flags give (None: not given, the config decides)."""
    return {
        "select": split_values(o["select"]), "ignore": split_values(o["ignore"]),
        "extend_select": split_values(o["extend_select"]),
        "fail_on": o["fail_on"], "text": split_values(o["text"]), "label": o["label"],
        "split_column": o["split_column"], "against": tuple(o["against"]) or None,
        "format": o["record_format"], "input_format": o["input_format"],
        "encoding": o["encoding"], "delimiter": _delimiter(o["delimiter"]), "header": o["header"],
        "jobs": o["jobs"], "engine": o["engine"], "unsafe_fixes": o["unsafe_fixes"],
        "mask": split_values(o["mask"]),
        "rules": {"unexpected-language": {"language": o["language"]}} if o["language"] else None,
        "scheduler": o["scheduler"], "show_text": o["show_text"],
        "tokenizer": o["tokenizer"], "chat_template": o["chat_template"], "max_length": o["max_length"],
        "gx_suites": tuple(o["expectations"]) or None,
        "baseline": o["baseline"], "suppressions": o["suppressions"], "force_exclude": o["force_exclude"],
        "cache": o["cache"], "cache_dir": o["cache_dir"],
    }


def _check(paths: tuple[str, ...], o: dict[str, Any]) -> int:
    from ..config import resolve_settings
    from ..errors import UsageError
    from ..reporters import get_reporter
    from ..runner import run

    if (o["fix"] or o["output_dir"]) and not o["diff"]:
        if not o["output_dir"]:
            raise UsageError("--fix writes a cleaned copy and never touches the input: add --output-dir DIR")
        if not o["fix"]:
            raise UsageError("--output-dir is where --fix writes: add --fix")
    outputs = _outputs(o)
    reporters = [(get_reporter(fmt), fmt, path) for fmt, path in outputs]  # bad format: fail before work
    _check_output_paths(paths, [p for _f, p in outputs if p])
    settings = resolve_settings(o["config"], _overrides(o), isolated=o["isolated"])
    write_baseline = baseline_target(o["write_baseline"], settings)
    applied = {"baseline": settings.baseline, "suppressions": settings.suppressions}  # by later runs
    if write_baseline is not None:
        from dataclasses import replace

        settings = replace(settings, baseline=None)  # every finding is recorded, then the new file applied
    if settings.engine != "dask" and not settings.gx_suites:  # both use pandas with pyarrow
        from .._arrow import defer_pandas

        defer_pandas()
    from ..engines import prepare

    prepare(settings.engine, settings.scheduler)  # e.g. the process engine's workers, early
    asked = settings.cache  # --cache, or `cache = true` in the config
    if settings.cache is None:  # on by default, as ruff's and mypy's
        from dataclasses import replace

        settings = replace(settings, cache=not os.environ.get("TRAINLINT_NO_CACHE"))
    if asked and o["fix"]:
        click.echo("note: the cache is bypassed: --fix reads every row", err=True)
    elif asked and (settings.engine != "local" or (settings.jobs or 1) > 1):
        click.echo("note: with --jobs/--engine the cache keeps whole runs only: a changed file is read whole, "
                   "with every other", err=True)
    if not paths and not settings.paths:
        raise UsageError("name files, directories or globs to lint (or set `paths` in [tool.trainlint])")
    if o["show_files"]:
        return show_files(paths, settings)
    inputs: list[str] = list(paths)
    report_on = None
    if o["siblings"]:
        if o["fix"]:
            raise UsageError("--siblings reads other files as context only: it does not go with --fix")
        from ..runner import resolve_paths, with_siblings

        report_on = resolve_paths(inputs, settings)
        inputs = with_siblings(report_on, settings)
    progress, close = progress_bar(o)
    fixing = bool(o["fix"]) and not o["diff"]
    written: list = []
    opened: list = []
    keys = write_baseline is not None or o["add_suppressions"] or any(fmt == "sarif" for _m, fmt, _p in reporters)
    try:
        report = run(inputs, settings, progress, output_dir=o["output_dir"] if fixing else None,
                     on_sources=opened.extend, on_outputs=written.append, keys=keys, on_walk=say_skipped,
                     report_on=report_on, before_accept=functools.partial(record, o, write_baseline, settings, applied))
    finally:
        close()
    say_accepted(report)
    if all(fmt in ("text", "concise", "grouped") for fmt, path in outputs if not path):  # stdout stays parseable
        say_view_skipped(report)
    unsafe = bool(settings.unsafe_fixes)
    say_fixed(report, o, unsafe, opened, written)
    write_reports(report, reporters, o, settings)
    if o["exit_zero"]:
        return 0
    if o["fix"]:
        return report.exit_code_after_fix(unsafe)
    return report.exit_code


def _check_output_paths(paths: tuple[str, ...], outputs: list[str]) -> None:
    """Fail (exit 2, nothing written) when a report would be written over an input."""
    if not outputs:
        return
    from ..paths import ensure_not_an_input
    from ..sources import discover

    inputs = discover(list(paths))
    for out in outputs:
        ensure_not_an_input(out, inputs, "the report")


def _delimiter(d: str | None) -> str | None:
    if d is None:
        return None
    d = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(d, d)
    if len(d) != 1:
        from ..errors import UsageError

        raise UsageError(f"--delimiter must be one character, got {d!r}")
    return d


def progress_bar(o: dict[str, Any]):
    """A progress bar on stderr only on a TTY, only for runs longer than about a second."""
    if o["no_progress"] or o["quiet"] or not sys.stderr.isatty() or os.environ.get("CI"):
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=None, unit=" rows", unit_scale=True, delay=1.0, file=sys.stderr, leave=False,
               desc="trainlint")
    return bar.update, bar.close

