"""The flags of ``trainlint check``, kept apart from what the command does with them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable)

#: the command's argument and options, in the order ``--help`` lists them
_PARAMS = [
    click.argument("paths", nargs=-1),
    click.option("--select", multiple=True, help="Rules to run: codes, prefixes, names or ALL (comma-separated)."),
    click.option("--ignore", multiple=True, help="Rules to skip (comma-separated); wins over --select."),
    click.option("--extend-select", multiple=True, help="Rules to add to the default set."),
    click.option("--fail-on", type=click.Choice(["info", "warning", "error"]), default=None,
                 help="Lowest severity that makes the exit code 1 (default: warning)."),
    click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings."),
    click.option("--output-format", "output_format", default=None,
                 help="text (default: one entry per problem), concise (one line per finding), json, html, "
                      "markdown, sarif, github, junit or a registered one."),
    click.option("--output-file", default=None, type=click.Path(dir_okay=False),
                 help="Write the report here instead of standard output."),
    click.option("-o", "--output", "outputs", multiple=True, metavar="FORMAT[:PATH]",
                 help="A report format and where to write it; repeatable (-o json:report.json -o text)."),
    click.option("--statistics", is_flag=True, help="Counts by rule instead of one line per finding."),
    click.option("--grouped", is_flag=True, help="Group findings under their source file."),
    click.option("-q", "--quiet", is_flag=True, help="Print only the summary."),
    click.option("--show-text/--no-show-text", "show_text", default=None,
                 help="Show a short, escaped snippet of the text each problem is about (default: on; "
                      "config key show-text). Off: no text from the data in any output."),
    click.option("--max-per-rule", type=click.IntRange(0), default=None, metavar="N",
                 help="Entries shown per rule in the text and Markdown reports, largest first "
                      "(default 10; 0: all)."),
    click.option("--text", "text", multiple=True, help="Text column(s), comma-separated; dotted paths for nested JSON."),
    click.option("--label", default=None, help="Label column."),
    click.option("--split-column", default=None, help="Column holding train/test/validation."),
    click.option("--against", multiple=True, metavar="EVAL",
                 help="Evaluation files or .tlidx index files to check the data against (eval-contamination)."),
    click.option("--format", "record_format", default=None,
                 help="Record format: text, openai, alpaca, sharegpt, preference (default: detected)."),
    click.option("--language", default=None, metavar="CODE",
                 help="Language the text should be in (ISO 639-1, e.g. en); default: the dominant one measured."),
    click.option("--tokenizer", default=None, metavar="PATH",
                 help="Chat rules: a local tokenizer.json, model folder or SentencePiece model (never downloaded)."),
    click.option("--chat-template", default=None, metavar="NAME|FILE",
                 help="Chat rules: chatml, qwen, llama3, mistral, gemma, or a Jinja file (default: the model folder's)."),
    click.option("--max-length", type=click.IntRange(1), default=None, metavar="N",
                 help="Chat rules: the trainer's sequence length in tokens."),
    click.option("--input-format", default=None, help="File format: csv, tsv, jsonl, json, parquet (default: from name)."),
    click.option("--encoding", default=None, help="Text encoding of the inputs (default utf-8)."),
    click.option("--delimiter", default=None, help="Field delimiter of CSV inputs (default: sniffed)."),
    click.option("--header/--no-header", default=None, help="Whether CSV inputs have a header (default: sniffed)."),
    click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
                 help="Cores to use: with N > 1, worker processes join in once the rules prove slow enough "
                      "to gain from them (default 1: one process)."),
    click.option("--engine", type=click.Choice(["local", "processes", "dask"]), default=None,
                 help="Where rules run (default local)."),
    click.option("--scheduler", default=None, metavar="ADDRESS",
                 help="Join the Dask cluster at ADDRESS (tcp://host:8786); implies --engine dask."),
    click.option("--config", type=click.Path(dir_okay=False), default=None,
                 help="A trainlint.toml or pyproject.toml (default: found upward from here)."),
    click.option("--isolated", is_flag=True, help="Ignore every config file."),
    click.option("--expectations", multiple=True, type=click.Path(dir_okay=False), metavar="SUITE.json",
                 help="Run a Great Expectations 1.x suite as rules GX001... (repeatable; needs trainlint[gx])."),
    click.option("--fix", is_flag=True, help="Write a cleaned copy and a rejects file to --output-dir."),
    click.option("--unsafe-fixes", is_flag=True, default=None, help="Also apply unsafe fixes (near-duplicates, ...)."),
    click.option("--mask", "mask", multiple=True, metavar="RULES",
                 help="Rules (codes, prefixes, names; comma-separated) whose unsafe fix rewrites the text instead "
                      "of dropping the row: private values masked (PI), mojibake repaired, invisible and control "
                      "characters removed (EN). Changes go to <name>.changes.jsonl beside the rejects."),
    click.option("--output-dir", type=click.Path(file_okay=False), default=None, help="Where --fix writes."),
    click.option("--diff", is_flag=True, help="Show the rows --fix would remove; write nothing."),
    click.option("--baseline", default=None, type=click.Path(dir_okay=False), metavar="FILE",
                 help="Hide the findings recorded in FILE (by --write-baseline); say how many."),
    click.option("--write-baseline", "write_baseline", is_flag=False, flag_value="", default=None,
                 metavar="[FILE]", help="Record every current finding in FILE (default: the configured baseline "
                                        "or trainlint-baseline.txt); entries no longer matching are dropped."),
    click.option("--suppressions", default=None, type=click.Path(dir_okay=False), metavar="FILE",
                 help="A TOML file of [[suppress]] entries (accepted findings with reasons)."),
    click.option("--add-suppressions", is_flag=True,
                 help="Add a suppression with a placeholder reason for every current finding."),
    click.option("--show-files", is_flag=True, help="List the files that would be linted, and those skipped and why."),
    click.option("--siblings", is_flag=True,
                 help="Also read the other files of each named file's dataset (its folder, or the configured "
                      "paths) and report findings on the named files only (pre-commit: leakage across splits)."),
    click.option("--force-exclude", is_flag=True, default=None,
                 help="Apply exclude patterns to files named on the command line too (for pre-commit)."),
    click.option("--cache/--no-cache", "cache", default=None,
                 help="Reuse the rule states of unchanged files, and of the part of a grown file read "
                      "before, from the last run (default: on, unless `cache = false` in the config or "
                      "TRAINLINT_NO_CACHE is set; bypassed with --fix; with --jobs/--engine only an "
                      "unchanged run is reused)."),
    click.option("--cache-dir", default=None, type=click.Path(file_okay=False),
                 help="Where the cache lives (default: .trainlint_cache next to the config)."),
    click.option("--no-progress", is_flag=True, help="Never show a progress bar."),
]


def check_options(f: F) -> F:
    """``f`` with every argument and option of ``trainlint check``."""
    for param in reversed(_PARAMS):
        f = param(f)
    return f
