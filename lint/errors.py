"""Errors a user can act on.  Each becomes one line on stderr and exit code 2 in the CLI."""

from __future__ import annotations


class TrainlintError(Exception):
    """Something that stops the whole run: a missing file, a bad option, a corrupt Parquet file.

    The message names what was wrong, where, and what to do; the CLI prints it on one line.
    A malformed *record* is never this: it is an ``invalid-record`` finding.
    """

    exit_code = 2


class UsageError(TrainlintError):
    """A bad option, rule code or config key."""


class ConfigError(UsageError):
    """An unknown or ill-typed key in ``[tool.trainlint]`` or ``trainlint.toml``."""


class SourceError(TrainlintError):
    """A file that cannot be read at all: missing, empty, unreadable, not the format it claims."""


def one_line(message: str) -> str:
    """A message from a library (pyarrow's can span lines) as one line: runs of whitespace,
    newlines included, become one space."""
    return " ".join(message.split())
