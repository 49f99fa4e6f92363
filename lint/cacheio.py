"""A state-cache entry as bytes: a magic, then the value's pickle and its spilled arrays,
zstd-compressed, streamed both ways (a large state never exists a second time as bytes); the
collector kept out of it.

The rules' per-row states live in the process's spill file (``trainlint.spill.Spilled``).  Pickled
as part of the value, each would be read back whole and kept by the pickler's memo until the end:
a cold run at 4M templated rows held every state at once (~300 bytes a row, 2 GB, issue 21).  So
the pickle names each ``Spilled`` by number (a persistent id, with its arrays' dtypes and shapes)
and the arrays follow it, one ``Spilled`` read, written and dropped at a time; loading fills each
named one from the stream into the new process's spill file the same way."""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import shutil
from typing import Any

import numpy as np

from .spill import Spilled

MAGIC = b"TLC3"  # 2: the pickle zstd-compressed; 3: spilled arrays after it
#: an entry that is a file's bytes, zstd-compressed (``FileBytes``)
RAW = b"TLF1"


class FileBytes:
    """A file's content as a cache value (a report: 250 MB of JSON at 4M templated rows), copied
    into the entry as a stream, never held whole."""

    def __init__(self, path: str) -> None:
        self.path = path


class StoredFile:
    """A loaded ``FileBytes`` entry: ``copy_to`` streams its content into a file, all or nothing."""

    def __init__(self, entry: str) -> None:
        self.entry = entry

    def copy_to(self, path: str) -> None:
        import zstandard

        from .outputs import write_atomic

        with open(self.entry, "rb") as f:
            if f.read(4) != RAW:
                raise ValueError("not a file entry")

            size = int.from_bytes(f.read(8), "little")

            def copy(out) -> None:
                done = 0
                with zstandard.ZstdDecompressor().stream_reader(f, read_size=1 << 20) as z:
                    while chunk := z.read(1 << 20):
                        out.write(chunk)
                        done += len(chunk)
                if done != size:  # a cut entry decompresses to less, without an error
                    raise ValueError("file entry cut short")

            write_atomic(path, copy, binary=True)


def read_entry(f) -> Any:
    """The value of the entry in the open file ``f``; raises on a foreign or damaged one."""
    magic = f.read(4)
    if magic == RAW:
        return StoredFile(f.name)
    if magic != MAGIC:
        raise ValueError("foreign entry")
    import zstandard

    with zstandard.ZstdDecompressor().stream_reader(f, read_size=1 << 20) as z, _no_gc():
        named: list = []
        value = _Filler(z, named).load()
        for spilled, meta in named:
            Spilled.__init__(spilled, tuple(_read_array(z, dtype, shape) for dtype, shape in meta))
    if _FROZEN:
        gc.freeze()
    return value


#: in ``frozen_loads``: what an entry holds is moved out of the collector's generations
_FROZEN = False


@contextlib.contextmanager
def frozen_loads():
    """Within it (a command whose objects live until it ends), loaded entries are frozen
    (``gc.freeze``), so the collector's full passes stop walking them: loading ~150k findings
    made objects enough for collections that walked every loaded one again, ~20 % of a warm
    1M-row run.  Unfrozen at the end (cyclic garbage among them is collected again)."""
    global _FROZEN
    _FROZEN = True
    try:
        yield
    finally:
        _FROZEN = False
        gc.unfreeze()


@contextlib.contextmanager
def _no_gc():
    """No cyclic collection while pickling: (un)pickling makes objects, not garbage."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def dump_entry(value: Any, f) -> None:
    """``value`` as an entry into the open file ``f``: the magic, then its pickle zstd-compressed."""
    import zstandard

    if isinstance(value, FileBytes):
        with open(value.path, "rb") as src:
            f.write(RAW + os.fstat(src.fileno()).st_size.to_bytes(8, "little"))
            with zstandard.ZstdCompressor(level=1, write_checksum=True).stream_writer(f, closefd=False) as z:
                shutil.copyfileobj(src, z, 1 << 20)
        return
    f.write(MAGIC)
    # level 1: rule states hold text and hashes; ~2.5x smaller, 0.15 s per 100 MB.  Streamed into
    # the file: a large state is never held a second time as its pickle's bytes
    with zstandard.ZstdCompressor(level=1).stream_writer(f, closefd=False) as z, _no_gc():
        named: dict[int, tuple[int, Spilled]] = {}
        _Namer(z, named).dump(value)
        for _k, spilled in named.values():  # in number order (a dict keeps insertion order)
            for k in range(len(spilled)):
                a = spilled.read(k)
                z.write(memoryview(a.reshape(-1).view(np.uint8)) if a.size else b"")
                del a


class _Namer(pickle.Pickler):
    """Pickles every :class:`Spilled` as its number (in ``named``, once however often it is met)
    and its arrays' dtypes and shapes."""

    def __init__(self, f, named: dict) -> None:
        super().__init__(f, protocol=pickle.HIGHEST_PROTOCOL)
        self.named = named

    def persistent_id(self, obj):
        if type(obj) is not Spilled:
            return None
        k = self.named.setdefault(id(obj), (len(self.named), obj))[0]
        return k, obj.meta


class _Filler(pickle.Unpickler):
    """Loads an entry's pickle: each numbered :class:`Spilled` an empty one, filled (in number
    order) from the arrays after the pickle."""

    def __init__(self, f, named: list) -> None:
        super().__init__(f)
        self.named = named

    def persistent_load(self, pid):
        k, meta = pid
        if k == len(self.named):
            self.named.append((Spilled.__new__(Spilled), meta))
        return self.named[k][0]


def _read_array(z, dtype: str, shape: tuple) -> np.ndarray:
    out = np.empty(shape, np.dtype(dtype))
    view = memoryview(out.reshape(-1).view(np.uint8)) if out.size else memoryview(b"")
    done = 0
    while done < view.nbytes:
        got = z.readinto(view[done:])
        if not got:
            raise ValueError("entry ended inside its arrays")
        done += got
    return out
