"""Blocks that stay in their file: a block named by its byte range (``FileRange``, what engines
send to other processes instead of the bytes) and the memory map a plain file is scanned in."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass
class FileRange:
    """A block's bytes named by their place in a plain file: what an engine sends a worker instead
    of the bytes themselves (a few hundred bytes of pickle instead of megabytes).  The one byte-range
    block payload, handed out by the text readers (``blocks_by_range``), with an xxh3 ``digest`` of
    the bytes the reader cut, so that a file changed under the run is an error, never a wrong answer."""

    path: str
    offset: int
    length: int
    rest: tuple  # the reader's per-record arrays, as in its bytes payload after the data
    digest: int  # xxh3-64 of the bytes (~0.1 ms per 8 MiB block), checked by ``read``

    @classmethod
    def of(cls, path: str, offset: int, data: bytes | memoryview, rest: tuple) -> FileRange:
        """The range of ``path`` holding ``data`` (the bytes the reader cut, in hand anyway)."""
        return cls(local_path(path), offset, len(data), rest, _xxh3(data))

    def read(self, where: str = "", hint: str = "") -> bytes:
        """The bytes; ``SourceError`` when the file cannot be read (``where``: on which machine,
        ``hint``: what to do) or no longer holds them."""
        from ..errors import SourceError

        try:
            with open(self.path, "rb") as f:
                data = os.pread(f.fileno(), self.length, self.offset)
        except OSError as e:
            raise SourceError(f"{self.path}: cannot be read{where} ({e.strerror or e}){hint}") from None
        if len(data) != self.length or _xxh3(data) != self.digest:
            raise SourceError(f"{self.path}: the file changed while it was being linted (bytes {self.offset}-"
                              f"{self.offset + self.length}); lint it again once it is no longer being written")
        return data


def _xxh3(data: bytes) -> int:
    import xxhash

    return xxhash.xxh3_64_intdigest(data)


def local_path(path: str) -> str:
    return path[7:] if path.startswith("file://") else path


class MappedFile:
    """A read-only memory map of a plain file, released page range by page range as it is read,
    so the mapped pages do not pile up in the process's resident memory."""

    def __init__(self, mm, start: int) -> None:
        self._mm = mm
        self.view = memoryview(mm)
        self.start = start  # first byte after a UTF-8 BOM
        self._released = 0

    def find(self, sub: bytes, start: int, end: int | None = None) -> int:
        """``bytes.find`` on the map, without copying it."""
        return self._mm.find(sub, start) if end is None else self._mm.find(sub, start, end)

    def line_end(self, at: int) -> int:
        """The offset just after the first newline at or after ``at``; the file's end if none."""
        nl = self._mm.find(b"\n", at)
        return len(self.view) if nl < 0 else nl + 1

    def release(self, upto: int) -> None:
        """Drop the pages before ``upto`` from this process (they stay in the page cache)."""
        import mmap

        end = upto - upto % mmap.PAGESIZE
        if end > self._released and hasattr(self._mm, "madvise"):
            try:
                self._mm.madvise(mmap.MADV_DONTNEED, self._released, end - self._released)
            except (OSError, ValueError):
                return
            self._released = end


def plain_utf8(path: str, encoding: str) -> bool:
    """Whether the reader's bytes are the file's own (after a BOM): a local, uncompressed file
    read as UTF-8, so a block can be named by its place in the file."""
    from .stream import compression_of

    if ("://" in path and not path.startswith("file://")) or compression_of(path):
        return False
    return encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")


def chunks_from(path: str, offset: int, size: int):
    """The bytes of a plain file (``plain_utf8``) from ``offset`` on, in chunks of ``size``."""
    from ..errors import SourceError

    try:
        with open(local_path(path), "rb") as f:
            f.seek(offset)
            yield from iter(lambda: f.read(size), b"")
    except OSError as e:
        raise SourceError(f"{path}: cannot be read ({e.strerror or e})") from None


def text_start(path: str, encoding: str) -> int | None:
    """Where the text of a plain UTF-8 regular file starts (3 after a BOM, else 0); None for any
    other input (its blocks carry their bytes)."""
    import stat

    from .stream import BOM

    if not plain_utf8(path, encoding):
        return None
    try:
        with open(local_path(path), "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None
            return 3 if f.read(3) == BOM else 0
    except OSError:
        return None


def map_plain_file(path: str, encoding: str) -> MappedFile | None:
    """The memory map of an uncompressed local UTF-8 file; None for anything else (it is read in
    chunks and decoded)."""
    import mmap

    from .stream import BOM

    if not plain_utf8(path, encoding):
        return None
    try:
        with open(local_path(path), "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                return None
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None  # the chunked reader reports the error properly
    return MappedFile(mm, 3 if mm[:3] == BOM else 0)
