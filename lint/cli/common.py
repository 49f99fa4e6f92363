"""What every command shares: its click settings, errors as one line on standard error, lists of
comma-separated values, and atomic writes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TextIO

import click

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def split_values(values: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Repeated and comma-separated option values as one tuple; None when there are none."""
    if not values:
        return None
    out: list[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return tuple(out)


def fail(message: str, code: int = 2) -> None:
    """One escaped line on standard error, then exit with ``code``."""
    from ..errors import one_line
    from ..escape import text

    click.echo(f"trainlint: error: {text(one_line(message))}", err=True)
    sys.exit(code)


def describe(e: BaseException) -> str:
    """An unexpected exception in a few words, never empty (a Dask worker's MemoryError has no
    message; a remote exception's text may span lines)."""
    text = str(e).strip() or repr(e)
    return f"{type(e).__name__}: {text}"


def guarded(work: Callable[[], None]) -> None:
    """``work()``, its errors as one line (exit 2), as ``check`` does."""
    from ..errors import TrainlintError

    try:
        work()
    except TrainlintError as e:
        fail(str(e), e.exit_code)
    except Exception as e:
        if os.environ.get("TRAINLINT_DEBUG"):
            raise
        fail(f"internal error: {describe(e)} (set TRAINLINT_DEBUG=1 for a traceback)")


def write_atomic(path: str, text: str | Callable[[TextIO], None]) -> None:
    from ..outputs import write_atomic as write

    write(path, text)


def shown(path: str) -> str:
    """A path as the user should see it (relative to here when below it)."""
    from ..globs import shown as shown_path

    return shown_path(path)
