"""The cache directory as files: its tags, what it holds, its removal (``trainlint clean``)."""

from __future__ import annotations

import stat
from pathlib import Path


def tag(root: Path) -> None:
    """A CACHEDIR.TAG and a .gitignore, as ruff's cache has: backup tools and git skip it."""
    if not (root / ".gitignore").exists():
        (root / ".gitignore").write_text("# created by trainlint\n*\n")
        (root / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55\n")


def files(root: Path) -> list[tuple[Path, int, float]]:
    out = []
    for sub in ("entries", "stat"):
        for p in (root / sub).rglob("*"):
            try:
                st = p.stat()
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):  # as ``p.is_file()``, without a second stat
                out.append((p, st.st_size, st.st_atime if sub == "stat" else st.st_mtime))
    return out


def size(root: str) -> tuple[int, int]:
    """(files, bytes) in the cache directory ``root``."""
    found = files(Path(root))
    return len(found), sum(s for _, s, _ in found)


def clean(root: str, dry_run: bool = False) -> tuple[int, int]:
    """Remove the cache directory ``root`` (only when it is one: it has our CACHEDIR.TAG);
    returns (files, bytes) it held."""
    import shutil

    n, b = size(root)
    r = Path(root)
    if not dry_run and (r / "CACHEDIR.TAG").exists():
        shutil.rmtree(r, ignore_errors=True)
    return n, b
