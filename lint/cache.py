"""A cache of NumPy arrays derived from files that ship inside installed packages.

Some bundled models are stored compressed: py3langid's 4.5 MB ``model.npz.xz`` takes ~0.8 s to
decompress and convert, on every run and in every ``--jobs`` worker.  The arrays it yields are
written once, uncompressed, under the user's cache directory and memory-mapped afterwards
(a few milliseconds; worker processes share the mapped pages instead of holding a copy each).

Nothing is downloaded: an entry is only ever built from a file already on disk, and its name
carries a fingerprint of that file and the version of the code that converts it, so neither an
upgraded package nor a changed conversion meets a stale entry.  Where is the cache:

- ``TRAINLINT_CACHE_DIR`` if set (an empty value turns the cache off);
- else ``$XDG_CACHE_HOME/trainlint``, else ``~/.cache/trainlint``.

The cache is an optimisation only: a directory that cannot be written, or an entry that cannot
be read, means the arrays are built in memory as before.  Entries are written to a temporary
directory and renamed into place, so a reader never sees half an entry; an entry damaged on disk
afterwards (a crash before the data reached it) fails to load and is rebuilt.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

#: a file listing the arrays of an entry, written last: an entry without it is incomplete
_INDEX = "arrays.txt"


def cache_dir() -> Path | None:
    """Where cached arrays live, or None when the cache is turned off."""
    env = os.environ.get("TRAINLINT_CACHE_DIR")
    if env is not None:
        return Path(env).expanduser() if env.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "trainlint"


def fingerprint(path: str | os.PathLike) -> str:
    """A short digest of a file's bytes (xxh3-64): entries are keyed by what they were built from."""
    import xxhash

    h = xxhash.xxh3_64()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cached_arrays(name: str, source: str | os.PathLike, build: Callable[[], dict[str, np.ndarray]],
                  version: int = 1) -> dict[str, np.ndarray]:
    """The arrays ``build()`` makes from ``source``, memory-mapped from the cache when an entry
    for this exact ``source`` and ``version`` of ``build`` exists; otherwise built, stored for
    next time, returned.  Read-only either way, so that a use that writes to them fails on the
    first run too.  Bump ``version`` whenever ``build`` changes what it makes."""
    root = cache_dir()
    if root is None:
        return _read_only(build())
    try:
        entry = root / f"{name}-v{version}-{fingerprint(source)}"
    except OSError:
        return _read_only(build())
    found = _load(entry)
    if found is not None:
        return found
    if entry.exists():  # unreadable (truncated, say): replaced, or every run would rebuild it
        shutil.rmtree(entry, ignore_errors=True)
    arrays = _read_only(build())
    if _store(entry, arrays):
        _prune(entry, name)
    return arrays


def _prune(entry: Path, name: str) -> None:
    """Entries of ``name`` for another source or version (an upgrade made them stale): removed,
    so that the cache does not grow by ~100 MB with every upgrade.  (A process that still maps one
    keeps its pages: the files go when it unmaps them.)"""
    for other in entry.parent.glob(f"{name}-v*"):
        if other != entry and other.is_dir():
            shutil.rmtree(other, ignore_errors=True)


def _read_only(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    for a in arrays.values():
        a.setflags(write=False)
    return arrays


def _load(entry: Path) -> dict[str, np.ndarray] | None:
    try:
        names = (entry / _INDEX).read_text(encoding="utf-8").split()
        # plain read-only arrays over the mapped file (no np.memmap subclass on every slice)
        return {n: np.load(entry / f"{n}.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)
                for n in names}
    except Exception:  # noqa: BLE001 - a truncated file is an EOFError, a bad header a ValueError...
        return None  # ... whatever it is, the entry is rebuilt


def _store(entry: Path, arrays: dict[str, np.ndarray]) -> bool:
    """Whether the entry was written."""
    tmp = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", dir=entry.parent))
        tmp.chmod(0o755)  # mkdtemp's 0700 would hide a shared TRAINLINT_CACHE_DIR's entries from others
        for n, a in arrays.items():
            np.save(tmp / f"{n}.npy", np.asarray(a), allow_pickle=False)
        (tmp / _INDEX).write_text("\n".join(arrays) + "\n", encoding="utf-8")
        os.rename(tmp, entry)  # atomic; fails if another process stored the same entry first
        tmp = None
        return True
    except OSError:
        return False  # read-only or full disk, or a concurrent writer won: the arrays are still returned
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
