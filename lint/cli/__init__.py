"""The ``trainlint`` command (click).  Exit codes as ruff: 0 clean, 1 findings, 2 usage or fatal error.

Only click is imported at start-up; pandas, pyarrow and the rules load when a command needs
them, so ``trainlint --version`` stays near Python's own start-up time.

One module per concern: ``check_cmd`` (the lint command), ``check_options`` (its flags),
``check_output`` (writing its reports), ``check_notes`` (what it says on standard error, the
baseline and suppressions it records), ``commands`` (the other commands), ``common`` (errors as
one line, shared helpers).
"""

from __future__ import annotations

import click

from .._version import __version__
from .check_cmd import check
from .commands import clean_cmd, export_gx_cmd, index_cmd, rule_cmd, rules_cmd, split_cmd
from .common import CONTEXT


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="trainlint")
def cli() -> None:
    """A linter for machine-learning training data.

    \b
      trainlint check data/train.jsonl data/test.jsonl
      trainlint check data/ --fix --output-dir clean/
      trainlint rules
      trainlint rule DU001
    """


for _command in (check, clean_cmd, rules_cmd, rule_cmd, export_gx_cmd, index_cmd, split_cmd):
    cli.add_command(_command)
del _command


def main() -> None:
    cli(prog_name="trainlint")


__all__ = ["cli", "main"]
