"""Arrays kept in an anonymous temporary file instead of the heap (issue 21).

The rules' per-row states (band hashes, compressed texts, keys) grew with the rows in the
process's memory: ~300 bytes a row at the end of the scan of the templated benchmark, and a
``finish`` holds its rule's on top.  A :class:`Spilled` keeps a tuple of NumPy arrays in one
temporary file shared by the process (``tempfile.TemporaryFile``: unlinked from the start, so
it is gone when closed or when the process ends, even on error); ``get`` and ``read`` copy them
back (``pread``).  What was written stays in the OS page cache, which is not the process's
memory.  The file lives as long as some :class:`Spilled` written to it: the next run starts a
new one.

A :class:`Spilled` pickles its data (the process engine, Dask and the cache get the arrays) and
writes them to the receiving process's file when unpickled.  ``dump_handles``/``load_handles``
pickle a structure keeping its :class:`Spilled` as they are (``engines.base``'s finish spill).
When no temporary file can be made or written (read-only or full temp dir), the arrays stay in
memory: the same results, a higher peak.
"""

from __future__ import annotations

import os
import pickle
import threading
import weakref

import numpy as np

_LOCK = threading.Lock()
#: the file new arrays go to (a weak reference: the file closes once no Spilled uses it)
_CURRENT: weakref.ref | None = None


class _File:
    """An append-only anonymous temporary file; writers reserve their range under a lock."""

    def __init__(self, f) -> None:
        self.f = f
        self.fd = f.fileno()
        self.end = 0

    def write(self, buf: memoryview) -> int:
        with _LOCK:
            at = self.end
            self.end += buf.nbytes
        done = 0
        while done < buf.nbytes:
            done += os.pwrite(self.fd, buf[done:], at + done)
        return at

    def read_into(self, at: int, out: np.ndarray) -> None:
        view = memoryview(out.reshape(-1).view(np.uint8)) if out.size else memoryview(b"")
        done = 0
        while done < view.nbytes:
            got = os.preadv(self.fd, [view[done:]], at + done)
            if got <= 0:
                raise OSError(f"spill file ended at {at + done}")
            done += got

    def __del__(self) -> None:
        self.f.close()


def _file() -> _File | None:
    """The process's current spill file, made when none is open; None when none can be."""
    global _CURRENT
    with _LOCK:
        f = _CURRENT() if _CURRENT is not None else None
        if f is not None:
            return f
        import tempfile

        try:
            f = _File(tempfile.TemporaryFile(prefix="trainlint-spill-"))
        except OSError:
            return None
        _CURRENT = weakref.ref(f)
        return f


class Spilled:
    """A tuple of NumPy arrays in the process's spill file (in memory when it cannot be written)."""

    __slots__ = ("_file", "_at", "_meta", "_mem")

    def __init__(self, arrays: tuple) -> None:
        arrays = tuple(np.ascontiguousarray(a) for a in arrays)
        self._meta = tuple((a.dtype.str, a.shape) for a in arrays)
        self._file, self._at, self._mem = None, (), arrays
        f = _file()
        if f is None:
            return
        try:
            self._at = tuple(f.write(memoryview(a.reshape(-1).view(np.uint8))) if a.size else 0 for a in arrays)
        except OSError:  # the temp dir is full: this one stays in memory
            self._at = ()
            return
        self._file, self._mem = f, None

    def __len__(self) -> int:
        return len(self._meta)

    @property
    def meta(self) -> tuple:
        """(dtype string, shape) of each array."""
        return self._meta

    def size(self, k: int) -> int:
        """Elements of array ``k``."""
        return int(np.prod(self._meta[k][1], dtype=np.int64))

    def get(self) -> tuple:
        """Every array, read back (fresh arrays the caller may change)."""
        return tuple(self.read(k) for k in range(len(self._meta)))

    def read(self, k: int, start: int = 0, stop: int | None = None, out: np.ndarray | None = None) -> np.ndarray:
        """Array ``k`` (its elements ``start:stop`` in C order, flat, when given), into ``out``
        when given."""
        dtype, shape = np.dtype(self._meta[k][0]), self._meta[k][1]
        whole = start == 0 and stop is None
        stop = self.size(k) if stop is None else stop
        if out is None:
            out = np.empty(shape if whole else stop - start, dtype)
        if self._mem is not None:
            src = self._mem[k] if whole else self._mem[k].reshape(-1)[start:stop]
            out.reshape(-1)[:] = src.reshape(-1)
            return out
        if stop > start:
            self._file.read_into(self._at[k] + start * dtype.itemsize, out)
        return out

    def __getstate__(self):
        return self.get()

    def __setstate__(self, arrays) -> None:
        Spilled.__init__(self, arrays)


class _Keeper(pickle.Pickler):
    def __init__(self, f, handles: list) -> None:
        super().__init__(f, protocol=pickle.HIGHEST_PROTOCOL)
        self.handles = handles

    def persistent_id(self, obj):
        if type(obj) is Spilled:
            self.handles.append(obj)
            return len(self.handles) - 1
        return None


class _Loader(pickle.Unpickler):
    def __init__(self, f, handles: list) -> None:
        super().__init__(f)
        self.handles = handles

    def persistent_load(self, pid):
        return self.handles[pid]


def dump_handles(obj, f) -> list:
    """Pickle ``obj`` into ``f``, its :class:`Spilled` kept as they are (not read back): the
    handles to give ``load_handles``."""
    handles: list = []
    _Keeper(f, handles).dump(obj)
    return handles


def load_handles(f, handles: list):
    return _Loader(f, handles).load()
