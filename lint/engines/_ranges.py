"""Byte ranges of local text files, read by the Dask workers themselves (``dask.py``).

A block of an uncompressed local UTF-8 CSV/TSV/JSONL file travels as (path, offset, length,
xxh3 digest) instead of its bytes; the worker reads the range and checks the digest, so a file
changed under the run is an error, never a wrong answer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from collections.abc import Iterator

import numpy as np

from ..errors import SourceError
from ..sources import Block

_BOM = b"\xef\xbb\xbf"


@dataclass
class _Range:
    """A block's bytes left in the file: the worker reads ``length`` bytes at ``offset``."""

    path: str
    offset: int
    length: int
    digest: int
    rest: tuple  # the reader payload without its leading bytes (record offsets, lines, ...)


def _read_range(block: Block) -> Block:
    import xxhash

    r: _Range = block.payload
    try:
        with open(r.path, "rb") as f:
            f.seek(r.offset)
            data = f.read(r.length)
    except OSError as e:
        raise SourceError(f"{r.path}: cannot be read on Dask worker {_worker_name()} ({e.strerror or e}); "
                          f"the workers must see the same files as the client") from None
    if len(data) != r.length or xxhash.xxh3_64_intdigest(data) != r.digest:
        raise SourceError(f"{r.path}: the file changed while it was being linted (bytes {r.offset}-"
                          f"{r.offset + r.length}); lint it again once it is no longer being written")
    return Block(block.source_index, block.first_row, (data,) + r.rest)


def _worker_name() -> str:
    import distributed

    try:
        return str(distributed.get_worker().address)
    except ValueError:
        return "?"


def _stat_paths(paths: list[str]) -> list[int | None]:
    out: list[int | None] = []
    for p in paths:
        try:
            out.append(os.path.getsize(p))
        except OSError:
            out.append(None)
    return out


def _local_path(path: str) -> str:
    return path[7:] if path.startswith("file://") else path


def _rows_of(block: Block) -> int:
    p = block.payload
    if hasattr(p, "rest"):  # a byte range: (record starts, ...) follow
        p = (None,) + tuple(p.rest)
    if isinstance(p, tuple) and len(p) > 1 and isinstance(p[1], np.ndarray):
        return int(p[1].size)
    return 0


def _rangeable(reader) -> bool:
    """An uncompressed local UTF-8 CSV/TSV/JSONL file, whose blocks are (bytes, offsets, ...)."""
    from ..sources.delimited import DelimitedReader
    from ..sources.jsonfiles import JsonlReader
    from ..sources.stream import compression_of

    path = reader.path
    if not isinstance(reader, (DelimitedReader, JsonlReader)):
        return False
    if "://" in path and not path.startswith("file://"):
        return False
    enc = reader.options.encoding.lower().replace("_", "-")
    return compression_of(path) is None and enc in ("utf-8", "utf8", "utf-8-sig") and os.path.isfile(
        _local_path(path))


def _ranged_blocks(reader) -> Iterator[tuple[Block, int]]:
    """Blocks whose bytes stay in the file.  A block's offset is the sum of the bytes the reader
    consumed before it, checked against the file (first and last bytes).  A reader may consume
    bytes without yielding a block (a chunk holding only the header, or only blank lines); then
    the block's bytes are looked up just after the expected offset and must match exactly, or
    the block is shipped as bytes.  So a range never holds other bytes than the reader cut."""
    import xxhash

    path = _local_path(reader.path)
    slack = 2 * reader.options.block_bytes + (1 << 16)
    with open(path, "rb") as f:
        fd = f.fileno()
        offset = 3 if f.read(3) == _BOM else 0
        for block in reader.blocks():
            data = block.payload[0]
            k = min(64, len(data))
            found = bool(k) and (os.pread(fd, k, offset) == data[:k]
                                 and os.pread(fd, k, offset + len(data) - k) == data[-k:])
            if not found and k:
                p = os.pread(fd, len(data) + slack, offset).find(data)
                if p >= 0:
                    offset, found = offset + p, True
            if found:
                rng = _Range(path, offset, len(data), xxhash.xxh3_64_intdigest(data), tuple(block.payload[1:]))
                yield Block(block.source_index, block.first_row, rng), int(block.payload[1].size)
                offset += len(data)
            else:
                yield block, _rows_of(block)
