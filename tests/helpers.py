"""Shared test constants: where the real datasets are, and a file digest."""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: real datasets written by others, used by path (never copied into the repo)
DATA = ROOT.parent / "shared" / "data"


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
