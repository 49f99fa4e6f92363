"""Shared test constants: where the real datasets are, and a file digest."""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: real datasets written by others, used by path (never copied into the repo)
DATA = ROOT.parent / "shared" / "data"


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class DieMidWrite:
    """Wraps the cleaned-copy task (``clean._write_one``): the first call, in whichever process
    runs it, writes part of its output and then kills that process (SIGKILL), as a worker lost
    mid-write would.  ``marker`` (a path every process sees) records that it happened."""

    def __init__(self, fn, marker: str) -> None:
        self.fn = fn
        self.marker = marker

    def __call__(self, spec, *args):
        import os
        import signal

        try:
            fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return self.fn(spec, *args)
        os.close(fd)

        def half(drop, out, reject):
            out.write(b"half a cleaned copy")
            out.flush()
            os.kill(os.getpid(), signal.SIGKILL)

        spec.reader.write_cleaned = half
        return self.fn(spec, *args)


def spy_finish_states(monkeypatch, module) -> dict:
    """``module.finish_run`` wrapped so the test can see each rule's merged state (by code), as it
    was when finish began (a shallow copy: a rule's finish may let go of what it has read)."""
    import copy

    seen: dict = {}
    real = module.finish_run

    def spy(rules, states, *a, **kw):
        seen.update({r.code: copy.copy(s) for r, s in zip(rules, states)})
        return real(rules, states, *a, **kw)

    monkeypatch.setattr(module, "finish_run", spy)
    return seen
