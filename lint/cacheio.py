"""A state-cache entry as bytes: a magic, then the value's pickle, zstd-compressed, streamed both
ways (a large state never exists a second time as bytes); the collector kept out of it."""

from __future__ import annotations

import contextlib
import gc
import pickle
from typing import Any

MAGIC = b"TLC2"  # 2: the pickle zstd-compressed


def read_entry(f) -> Any:
    """The value of the entry in the open file ``f``; raises on a foreign or damaged one."""
    if f.read(4) != MAGIC:
        raise ValueError("foreign entry")
    import zstandard

    with zstandard.ZstdDecompressor().stream_reader(f, read_size=1 << 20) as z, _no_gc():
        value = pickle.load(z)
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

    f.write(MAGIC)
    # level 1: rule states hold text and hashes; ~2.5x smaller, 0.15 s per 100 MB.  Streamed into
    # the file: a large state is never held a second time as its pickle's bytes
    with zstandard.ZstdCompressor(level=1).stream_writer(f, closefd=False) as z, _no_gc():
        pickle.dump(value, z, protocol=pickle.HIGHEST_PROTOCOL)
