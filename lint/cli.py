"""The ``trainlint`` command (click).  Exit codes as ruff: 0 clean, 1 findings, 2 usage or fatal error.

Only click is imported at start-up; pandas, pyarrow and the rules load when a command needs
them, so ``trainlint --version`` stays near Python's own start-up time.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any, TextIO
from collections.abc import Callable

import click

from ._version import __version__

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _split(values: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if not values:
        return None
    out: list[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(out)


def _fail(message: str, code: int = 2) -> None:
    from .errors import one_line
    from .escape import text

    click.echo(f"trainlint: error: {text(one_line(message))}", err=True)
    sys.exit(code)


def _describe(e: BaseException) -> str:
    """An unexpected exception in a few words, never empty (a Dask worker's MemoryError has no
    message; a remote exception's text may span lines)."""
    text = str(e).strip() or repr(e)
    return f"{type(e).__name__}: {text}"


@click.group(context_settings=_CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="trainlint")
def cli() -> None:
    """A linter for machine-learning training data.

    \b
      trainlint check data/train.jsonl data/test.jsonl
      trainlint check data/ --fix --output-dir clean/
      trainlint rules
      trainlint rule DU001
    """


@cli.command(context_settings=_CONTEXT)
@click.argument("paths", nargs=-1)
@click.option("--select", multiple=True, help="Rules to run: codes, prefixes, names or ALL (comma-separated).")
@click.option("--ignore", multiple=True, help="Rules to skip (comma-separated); wins over --select.")
@click.option("--extend-select", multiple=True, help="Rules to add to the default set.")
@click.option("--fail-on", type=click.Choice(["info", "warning", "error"]), default=None,
              help="Lowest severity that makes the exit code 1 (default: warning).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--output-format", "output_format", default=None,
              help="text (default: one entry per problem), concise (one line per finding), json, html, "
                   "markdown, sarif, github, junit or a registered one.")
@click.option("--output-file", default=None, type=click.Path(dir_okay=False),
              help="Write the report here instead of standard output.")
@click.option("-o", "--output", "outputs", multiple=True, metavar="FORMAT[:PATH]",
              help="A report format and where to write it; repeatable (-o json:report.json -o text).")
@click.option("--statistics", is_flag=True, help="Counts by rule instead of one line per finding.")
@click.option("--grouped", is_flag=True, help="Group findings under their source file.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary.")
@click.option("--show-text/--no-show-text", "show_text", default=None,
              help="Show a short, escaped snippet of the text each problem is about (default: on; "
                   "config key show-text). Off: no text from the data in any output.")
@click.option("--max-per-rule", type=click.IntRange(0), default=None, metavar="N",
              help="Entries shown per rule in the text and Markdown reports, largest first "
                   "(default 10; 0: all).")
@click.option("--text", "text", multiple=True, help="Text column(s), comma-separated; dotted paths for nested JSON.")
@click.option("--label", default=None, help="Label column.")
@click.option("--split-column", default=None, help="Column holding train/test/validation.")
@click.option("--against", multiple=True, metavar="EVAL",
              help="Evaluation files or .tlidx index files to check the data against (eval-contamination).")
@click.option("--format", "record_format", default=None,
              help="Record format: text, openai, alpaca, sharegpt, preference (default: detected).")
@click.option("--language", default=None, metavar="CODE",
              help="Language the text should be in (ISO 639-1, e.g. en); default: the dominant one measured.")
@click.option("--tokenizer", default=None, metavar="PATH",
              help="Chat rules: a local tokenizer.json, model folder or SentencePiece model (never downloaded).")
@click.option("--chat-template", default=None, metavar="NAME|FILE",
              help="Chat rules: chatml, qwen, llama3, mistral, gemma, or a Jinja file (default: the model folder's).")
@click.option("--max-length", type=click.IntRange(1), default=None, metavar="N",
              help="Chat rules: the trainer's sequence length in tokens.")
@click.option("--input-format", default=None, help="File format: csv, tsv, jsonl, json, parquet (default: from name).")
@click.option("--encoding", default=None, help="Text encoding of the inputs (default utf-8).")
@click.option("--delimiter", default=None, help="Field delimiter of CSV inputs (default: sniffed).")
@click.option("--header/--no-header", default=None, help="Whether CSV inputs have a header (default: sniffed).")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
              help="Cores to use: with N > 1, worker processes join in once the rules prove slow enough "
                   "to gain from them (default 1: one process).")
@click.option("--engine", type=click.Choice(["local", "processes", "dask"]), default=None,
              help="Where rules run (default local).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Join the Dask cluster at ADDRESS (tcp://host:8786); implies --engine dask.")
@click.option("--config", type=click.Path(dir_okay=False), default=None,
              help="A trainlint.toml or pyproject.toml (default: found upward from here).")
@click.option("--isolated", is_flag=True, help="Ignore every config file.")
@click.option("--expectations", multiple=True, type=click.Path(dir_okay=False), metavar="SUITE.json",
              help="Run a Great Expectations 1.x suite as rules GX001... (repeatable; needs trainlint[gx]).")
@click.option("--fix", is_flag=True, help="Write a cleaned copy and a rejects file to --output-dir.")
@click.option("--unsafe-fixes", is_flag=True, default=None, help="Also apply unsafe fixes (near-duplicates, ...).")
@click.option("--output-dir", type=click.Path(file_okay=False), default=None, help="Where --fix writes.")
@click.option("--diff", is_flag=True, help="Show the rows --fix would remove; write nothing.")
@click.option("--baseline", default=None, type=click.Path(dir_okay=False), metavar="FILE",
              help="Hide the findings recorded in FILE (by --write-baseline); say how many.")
@click.option("--write-baseline", "write_baseline", is_flag=False, flag_value="", default=None,
              metavar="[FILE]", help="Record every current finding in FILE (default: the configured baseline "
                                     "or trainlint-baseline.txt); entries no longer matching are dropped.")
@click.option("--suppressions", default=None, type=click.Path(dir_okay=False), metavar="FILE",
              help="A TOML file of [[suppress]] entries (accepted findings with reasons).")
@click.option("--add-suppressions", is_flag=True,
              help="Add a suppression with a placeholder reason for every current finding.")
@click.option("--show-files", is_flag=True, help="List the files that would be linted, and those skipped and why.")
@click.option("--siblings", is_flag=True,
              help="Also read the other files of each named file's dataset (its folder, or the configured "
                   "paths) and report findings on the named files only (pre-commit: leakage across splits).")
@click.option("--force-exclude", is_flag=True, default=None,
              help="Apply exclude patterns to files named on the command line too (for pre-commit).")
@click.option("--cache/--no-cache", "cache", default=None,
              help="Reuse the rule states of unchanged files from the last run (default: off, or `cache` "
                   "in the config; the local engine only, bypassed with --fix).")
@click.option("--cache-dir", default=None, type=click.Path(file_okay=False),
              help="Where the cache lives (default: .trainlint_cache next to the config).")
@click.option("--no-progress", is_flag=True, help="Never show a progress bar.")
def check(paths: tuple[str, ...], **o: Any) -> None:
    """Lint training data files, directories or globs."""
    from .errors import TrainlintError

    try:
        code = _check(paths, o)
    except TrainlintError as e:
        _fail(str(e), e.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        # whoever read the report went away (``| head``): stop quietly, as other command-line
        # tools do; stdout goes to /dev/null so that flushing it at exit cannot fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except Exception as e:  # an internal error is still one line, unless debugging
        if os.environ.get("TRAINLINT_DEBUG"):
            raise
        _fail(f"internal error: {_describe(e)} (set TRAINLINT_DEBUG=1 for a traceback; "
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


def _check(paths: tuple[str, ...], o: dict[str, Any]) -> int:
    from .config import resolve_settings
    from .errors import UsageError
    from .reporters import get_reporter
    from .runner import run

    if (o["fix"] or o["output_dir"]) and not o["diff"]:
        if not o["output_dir"]:
            raise UsageError("--fix writes a cleaned copy and never touches the input: add --output-dir DIR")
        if not o["fix"]:
            raise UsageError("--output-dir is where --fix writes: add --fix")
    outputs = _outputs(o)
    reporters = [(get_reporter(fmt), fmt, path) for fmt, path in outputs]  # bad format: fail before work
    _check_output_paths(paths, [p for _f, p in outputs if p])
    overrides = {
        "select": _split(o["select"]), "ignore": _split(o["ignore"]), "extend_select": _split(o["extend_select"]),
        "fail_on": o["fail_on"], "text": _split(o["text"]), "label": o["label"],
        "split_column": o["split_column"], "against": tuple(o["against"]) or None,
        "format": o["record_format"], "input_format": o["input_format"],
        "encoding": o["encoding"], "delimiter": _delimiter(o["delimiter"]), "header": o["header"],
        "jobs": o["jobs"], "engine": o["engine"], "unsafe_fixes": o["unsafe_fixes"],
        "rules": {"unexpected-language": {"language": o["language"]}} if o["language"] else None,
        "scheduler": o["scheduler"], "show_text": o["show_text"],
        "tokenizer": o["tokenizer"], "chat_template": o["chat_template"], "max_length": o["max_length"],
        "gx_suites": tuple(o["expectations"]) or None,
        "baseline": o["baseline"], "suppressions": o["suppressions"], "force_exclude": o["force_exclude"],
        "cache": o["cache"], "cache_dir": o["cache_dir"],
    }
    settings = resolve_settings(o["config"], overrides, isolated=o["isolated"])
    write_baseline = _baseline_target(o["write_baseline"], settings)
    applied = {"baseline": settings.baseline, "suppressions": settings.suppressions}  # by later runs
    if write_baseline is not None:
        from dataclasses import replace

        settings = replace(settings, baseline=None)  # every finding is recorded, then the new file applied
    if settings.engine != "dask" and not settings.gx_suites:  # both use pandas with pyarrow
        from ._arrow import defer_pandas

        defer_pandas()
    from .engines import prepare

    prepare(settings.engine, settings.scheduler)  # e.g. the process engine's workers, early
    if settings.cache and (o["fix"] or settings.engine != "local" or (settings.jobs or 1) > 1):
        why = "--fix" if o["fix"] else "the local engine only (not --jobs, --engine)"
        click.echo(f"note: the cache is bypassed: {why}", err=True)
    if not paths and not settings.paths:
        raise UsageError("name files, directories or globs to lint (or set `paths` in [tool.trainlint])")
    if o["show_files"]:
        return _show_files(paths, settings)
    inputs: list[str] = list(paths)
    report_on = None
    if o["siblings"]:
        if o["fix"]:
            raise UsageError("--siblings reads other files as context only: it does not go with --fix")
        from .runner import resolve_paths, with_siblings

        report_on = resolve_paths(inputs, settings)
        inputs = with_siblings(report_on, settings)
    progress, close = _progress(o)
    fixing = bool(o["fix"]) and not o["diff"]
    written: list = []
    opened: list = []
    keys = write_baseline is not None or o["add_suppressions"] or any(fmt == "sarif" for _m, fmt, _p in reporters)
    try:
        report = run(inputs, settings, progress, output_dir=o["output_dir"] if fixing else None,
                     on_sources=opened.extend, on_outputs=written.append, keys=keys, on_walk=_say_skipped,
                     report_on=report_on, before_accept=functools.partial(_record, o, write_baseline, settings, applied))
    finally:
        close()
    _say_accepted(report)
    if all(fmt in ("text", "concise", "grouped") for fmt, path in outputs if not path):  # stdout stays parseable
        _say_view_skipped(report)
    unsafe = bool(settings.unsafe_fixes)
    if o["diff"]:
        from .clean import diff_lines

        n = diff_lines(report, opened, unsafe, click.echo)
        click.echo(f"{n} row{'s' if n != 1 else ''} would be removed.", err=True)
    elif o["fix"]:
        summary = written[0]  # by run(), on the engine's workers when it has them
        from .escape import text as esc

        for r in summary.results:
            click.echo(esc(f"{r.path}: kept {r.kept}, rejected {r.rejected} -> {r.cleaned}, {r.rejects}",
                           line_start=True), err=True)
        for p in summary.skipped:
            click.echo(f"{esc(p, line_start=True)}: not written (in-memory or remote input)", err=True)
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    for module, _fmt, path in reporters:
        opts = {"statistics": o["statistics"], "quiet": o["quiet"], "color": color and path is None,
                "grouped": o["grouped"], "unsafe_fixes": unsafe, "fixed": o["fix"],
                "show_text": settings.show_text,
                # where the whole report goes, for a reporter that shows only part (github)
                "full_report": next((p for _m, f, p in reporters if p and f != _fmt), None)}
        if o["max_per_rule"] is not None:
            opts["per_rule"] = o["max_per_rule"]
        # a reporter with ``write`` streams the report (a large one never exists whole in memory)
        write = getattr(module, "write", None)
        if path:
            _write_atomic(path, functools.partial(write, report, **opts) if write else module.render(report, **opts))
        elif write:
            write(report, _Echo(plain=_fmt in _PLAIN_TEXT and not opts["color"]), **opts)
        elif _fmt in _PLAIN_TEXT and not opts["color"]:
            # a CI log: whatever a reporter missed, no line of it escapes or is a workflow command
            from .escape import lines

            click.echo(lines(module.render(report, **opts)), nl=False)
        else:
            click.echo(module.render(report, **opts), nl=False)
    if o["exit_zero"]:
        return 0
    if o["fix"]:
        return report.exit_code_after_fix(unsafe)
    return report.exit_code


def _check_output_paths(paths: tuple[str, ...], outputs: list[str]) -> None:
    """Fail (exit 2, nothing written) when a report would be written over an input."""
    if not outputs:
        return
    from .paths import ensure_not_an_input
    from .sources import discover

    inputs = discover(list(paths))
    for out in outputs:
        ensure_not_an_input(out, inputs, "the report")


#: reports read as plain text in a terminal or a CI log
_PLAIN_TEXT = ("text", "concise")


def _say_skipped(walked: Any) -> None:
    line = walked.summary()
    if line:
        click.echo(f"trainlint: {line}", err=True)


def _show_files(paths: tuple[str, ...], settings: Any) -> int:
    """--show-files: what a run would lint, and what it skips and why (nothing is read)."""
    from .runner import resolve_paths

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


def _baseline_target(value: str | None, settings: Any) -> str | None:
    """Where --write-baseline writes: its FILE, else the configured baseline, else the default."""
    if value is None:
        return None
    if value:
        return value
    from .baseline import DEFAULT_PATH

    return settings.baseline or DEFAULT_PATH


def _record(o: dict[str, Any], write_baseline: str | None, settings: Any, applied: dict[str, Any],
            report: Any) -> Any:
    """--write-baseline and --add-suppressions, on the report with every finding; a written
    baseline then hides what it recorded, as ``--baseline`` would.  ``applied``: the baseline and
    suppressions file that runs read (a file written elsewhere is named with how to use it)."""
    from .paths import ensure_not_an_input

    written = None
    if write_baseline is not None:
        from . import baseline

        n, pruned = baseline.record(write_baseline, report)
        written = baseline.load(write_baseline)
        click.echo(f"trainlint: recorded {n} finding{'s' if n != 1 else ''} in {_shown(write_baseline)}"
                   + (f"; dropped {pruned} entr{'ies' if pruned != 1 else 'y'} no longer matching" if pruned else "")
                   + _how_to_use("baseline", write_baseline, applied["baseline"]), err=True)
    if o["add_suppressions"]:
        from .suppressions import DEFAULT_PATH, add_to_file

        ensure_not_an_input(settings.suppressions or DEFAULT_PATH, _report_inputs(report), "the suppressions file")
        path, n = add_to_file(settings, report)
        path = _shown(path)
        click.echo(f"trainlint: added {n} suppression{'s' if n != 1 else ''} to {path}; replace each "
                   f"placeholder reason with why the finding is accepted"
                   + _how_to_use("suppressions", path, applied["suppressions"]), err=True)
    return written


def _how_to_use(key: str, path: str, configured: str | None) -> str:
    """How later runs read a file just written, unless they already do."""
    if configured and os.path.realpath(configured) == os.path.realpath(path):
        return ""
    path = _shown(path)
    return f"; later runs use it with --{key} {path} (or {key} = \"{path}\" in [tool.trainlint])"


def _shown(path: str) -> str:
    from .globs import shown

    return shown(path)


def _report_inputs(report: Any) -> list[str]:
    """The files a report read (in-memory sources, named ``<...>``, have no file to protect)."""
    return [p for src in report.sources if (p := src.get("path") or "") and not p.startswith("<")]


def _say_view_skipped(report) -> None:
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


def _say_accepted(report: Any) -> None:
    """One line on standard error per kind of accepted finding the report leaves out."""
    acc = report.stats.get("accepted") or {}
    b = acc.get("baseline")
    if b:
        line = (f"trainlint: {b['hidden']} finding{'s' if b['hidden'] != 1 else ''} hidden by baseline "
                f"{_shown(b['path'])}")
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


class _Echo:
    """A file-like ``write`` onto ``click.echo`` (which strips colours off a non-terminal).
    ``plain``: a plain-text report, each line escaped (``escape.lines``) as it is written."""

    def __init__(self, plain: bool = False) -> None:
        self.plain = plain

    def write(self, text: str) -> int:
        if self.plain:
            from .escape import lines

            text = lines(text)
        click.echo(text, nl=False)
        return len(text)


def _delimiter(d: str | None) -> str | None:
    if d is None:
        return None
    d = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(d, d)
    if len(d) != 1:
        from .errors import UsageError

        raise UsageError(f"--delimiter must be one character, got {d!r}")
    return d


def _write_atomic(path: str, text: str | Callable[[TextIO], None]) -> None:
    from .outputs import write_atomic

    write_atomic(path, text)


def _progress(o: dict[str, Any]):
    """A progress bar on stderr only on a TTY, only for runs longer than about a second."""
    if o["no_progress"] or o["quiet"] or not sys.stderr.isatty() or os.environ.get("CI"):
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=None, unit=" rows", unit_scale=True, delay=1.0, file=sys.stderr, leave=False,
               desc="trainlint")
    return bar.update, bar.close


@cli.command("clean", context_settings=_CONTEXT)
@click.option("--cache-dir", default=None, type=click.Path(file_okay=False), help="The cache to remove.")
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="Config file (finds the cache).")
@click.option("--dry-run", is_flag=True, help="Print the cache's size, remove nothing.")
def clean_cmd(cache_dir: str | None, config: str | None, dry_run: bool) -> None:
    """Remove the cache of rule states (.trainlint_cache)."""
    from .config import resolve_settings
    from .statecache import clean, default_dir

    root = cache_dir or default_dir(resolve_settings(config, {}))
    files, size = clean(root, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{root}: {verb} {files} files, {size / 1e6:.1f} MB")


@cli.command("rules", context_settings=_CONTEXT)
@click.option("--output-format", type=click.Choice(["text", "json", "markdown"]), default="text",
              help="markdown: the README's rule table.")
def rules_cmd(output_format: str) -> None:
    """List every rule: code, name, severity, fix, default."""
    from .errors import TrainlintError
    from .registry import all_rules, markdown_table

    try:
        rules = all_rules()
    except TrainlintError as e:
        _fail(str(e))
    if output_format == "markdown":
        click.echo(markdown_table(rules), nl=False)
        return
    if output_format == "json":
        import json

        click.echo(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity.value,
                                "fix": r.fix.value if r.fix else None, "default": r.default,
                                "summary": r.summary()} for r in rules], indent=2))
        return
    for r in rules:
        fix = r.fix.value if r.fix else "-"
        dflt = "" if r.default else "  (off by default)"
        click.echo(f"{r.code}  {r.name:<26} {r.severity.value:<8} fix={fix:<7} {r.summary()}{dflt}")


@cli.command("rule", context_settings=_CONTEXT)
@click.argument("code")
def rule_cmd(code: str) -> None:
    """Print a rule's documentation (by code or name)."""
    from .errors import TrainlintError
    from .registry import find_rule

    try:
        click.echo(find_rule(code).render_doc())
    except TrainlintError as e:
        _fail(str(e))


@cli.command("export-gx", context_settings=_CONTEXT)
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="Where to write the suite JSON.")
@click.option("--name", default=None, help="Suite name (default: trainlint-<file name>).")
@click.option("--id-column", default=None, help="Column of unique ids (default: id, uuid or *_id if unique).")
@click.option("--text", "text", multiple=True, help="Text column(s), comma-separated.")
@click.option("--label", default=None, help="Label column.")
@click.option("--input-format", default=None, help="File format: csv, tsv, jsonl, json, parquet.")
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="A trainlint.toml or pyproject.toml.")
@click.option("--isolated", is_flag=True, help="Ignore every config file.")
def export_gx_cmd(paths: tuple[str, ...], **o: Any) -> None:
    """Write a Great Expectations 1.x suite from what trainlint measures on the data."""

    def work() -> None:
        import json

        from .config import resolve_settings
        from .gx import export_suite

        settings = resolve_settings(o["config"], {"text": _split(o["text"]), "label": o["label"],
                                                  "input_format": o["input_format"]}, isolated=o["isolated"])
        suite = export_suite(list(paths), settings, name=o["name"], id_column=o["id_column"])
        _write_atomic(o["output"], json.dumps(suite, indent=2, ensure_ascii=False) + "\n")
        click.echo(f"{o['output']}: {len(suite['expectations'])} expectations", err=True)

    _guarded(work)


def _guarded(work: Callable[[], None]) -> None:
    """``work()``, its errors as one line (exit 2), as ``check`` does."""
    from .errors import TrainlintError

    try:
        work()
    except TrainlintError as e:
        _fail(str(e), e.exit_code)
    except Exception as e:
        if os.environ.get("TRAINLINT_DEBUG"):
            raise
        _fail(f"internal error: {_describe(e)} (set TRAINLINT_DEBUG=1 for a traceback)")


@cli.command("index", context_settings=_CONTEXT)
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="The index file to write (conventionally *.tlidx).")
@click.option("--n", "n", type=click.IntRange(1, 64), default=13, show_default=True, help="Words per n-gram.")
@click.option("--text", "text", multiple=True, help="Text column(s) of the eval files, comma-separated.")
def index_cmd(paths: tuple[str, ...], output: str, n: int, text: tuple[str, ...]) -> None:
    """Write the hashed word n-grams of evaluation files (no text) for --against."""

    def work() -> None:
        from .evalindex import write_index

        idx, size = write_index(list(paths), output, n, _split(text))
        click.echo(f"{output}: {idx.rows} eval rows, {idx.hashes.size} distinct {n}-grams, "
                   f"{idx.whole.size} short rows, {size} bytes", err=True)

    _guarded(work)


@cli.command("split", context_settings=_CONTEXT)
@click.argument("data")
@click.option("--test-size", type=float, default=0.2, show_default=True, help="Share of rows in test.")
@click.option("--valid-size", type=float, default=0.0, show_default=True, help="Share of rows in valid (0: none).")
@click.option("--stratify", default=None, metavar="COLUMN", help="Keep this column's proportions in every split.")
@click.option("--group", default=None, metavar="COLUMN", help="Rows with one value of COLUMN stay in one split.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, byte-identical files.")
@click.option("--text", "text", multiple=True, help="Text column(s), comma-separated.")
@click.option("--output-dir", required=True, type=click.Path(file_okay=False), help="Where train/test/valid go.")
def split_cmd(data: str, **o: Any) -> None:
    """Split DATA into train/test(/valid) files: no copy of a text, and no --group value, crosses a split."""

    def work() -> None:
        from .splitting import TOLERANCE, split

        res = split(data, test_size=o["test_size"], valid_size=o["valid_size"], stratify=o["stratify"],
                    group=o["group"], seed=o["seed"], output_dir=o["output_dir"], text=_split(o["text"]))
        click.echo(res.summary())
        if o["stratify"]:
            gap = res.max_label_gap()
            click.echo(f"largest gap between a label's share in a split and in the input: {gap:.2%} "
                       f"({'within' if gap <= TOLERANCE else 'above'} the {TOLERANCE:.0%} tolerance)")

    _guarded(work)


def main() -> None:
    cli(prog_name="trainlint")


if __name__ == "__main__":
    main()
