"""Writing an output file all or nothing (reports, baselines, suppression files)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TextIO


def write_atomic(path: str, text: str | bytes | Callable[[TextIO], None], binary: bool = False) -> None:
    """``text`` (or what the callable writes to the file it is given) into ``path``, all or nothing;
    ``bytes`` are written as they are (an index file), and so is what a callable writes with
    ``binary``."""
    import tempfile

    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".trainlint-", dir=d)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is an ordinary file
        with (os.fdopen(fd, "wb") if binary or isinstance(text, bytes) else os.fdopen(fd, "w", encoding="utf-8")) as f:
            if isinstance(text, (str, bytes)):
                f.write(text)
            else:
                text(f)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
