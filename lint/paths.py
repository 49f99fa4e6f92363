"""Output paths checked against the inputs: no report, cleaned copy, rejects file, baseline, cache
or index may ever replace the data it was made from."""

from __future__ import annotations

import os
from collections.abc import Iterable

from .errors import UsageError


def _identity(path: str) -> tuple:
    """What makes two names the same file: device and inode when it exists (hard links, symlinks,
    ``./a`` vs ``a``), else the real path."""
    try:
        st = os.stat(path)
        return ("inode", st.st_dev, st.st_ino)
    except OSError:
        return ("path", os.path.realpath(path))


def ensure_not_an_input(path: str, inputs: Iterable[str], what: str = "the output") -> None:
    """UsageError (one line, exit 2) when writing ``path`` would replace one of ``inputs``.

    ``inputs`` are file paths (as ``sources.discover`` returns them); remote URLs are skipped.
    Call it before anything is written.
    """
    if "://" in path and not path.startswith("file://"):
        return
    target = _identity(path[7:] if path.startswith("file://") else path)
    for p in inputs:
        if "://" in p and not p.startswith("file://"):
            continue
        if _identity(p[7:] if p.startswith("file://") else p) == target:
            raise UsageError(f"{what} {path} is the input {p}: writing it would overwrite the data; "
                             f"choose another path")
