"""Byte streams of inputs: plain, gzip or zstd, optionally transcoded to UTF-8."""

from __future__ import annotations

import codecs
import gzip
import io
import os
from typing import BinaryIO
from collections.abc import Iterator

from ..errors import SourceError

BOM = b"\xef\xbb\xbf"


def compression_of(path: str) -> str | None:
    p = path.lower()
    if p.endswith(".gz"):
        return "gzip"
    if p.endswith(".zst") or p.endswith(".zstd"):
        return "zstd"
    return None


def open_binary(path: str, raw_files: list | None = None) -> BinaryIO:
    """The decompressed bytes of a file; SourceError naming the file when it cannot be opened.
    ``raw_files``: the compressed file object is appended to it (its position is what was read)."""
    try:
        if "://" in path and not path.startswith("file://"):
            import fsspec  # optional: only for remote paths

            raw = fsspec.open(path, "rb").open()
        else:
            raw = open(path[7:] if path.startswith("file://") else path, "rb")
    except ModuleNotFoundError:
        raise SourceError(f"{path}: remote paths need fsspec: pip install fsspec") from None
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a directory") from None
    except PermissionError:
        raise SourceError(f"{path}: permission denied; check the file's permissions") from None
    except OSError as e:
        raise SourceError(f"{path}: cannot open ({e.strerror or e})") from None
    comp = compression_of(path)
    if raw_files is not None:
        raw_files.append(raw)
    if comp == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if comp == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)  # type: ignore[return-value]
    return raw


def read_chunks(path: str, size: int, encoding: str = "utf-8") -> Iterator[bytes]:
    """The file's content as UTF-8 bytes in chunks of about ``size``, BOM removed.

    With another encoding the text is decoded incrementally and re-encoded, so offsets and
    lines downstream are those of the UTF-8 text (lines are the same; byte columns are not).
    """
    raw_files: list = []
    f = open_binary(path, raw_files)
    guard = compression_of(path) is not None
    total = 0
    try:
        decoder = None
        if _norm(encoding) not in ("utf-8", "utf8", "utf-8-sig"):
            try:
                decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
            except LookupError:
                raise SourceError(f"unknown encoding '{encoding}': use a Python codec name "
                                  f"such as utf-8 or latin-1") from None
        first = True
        while True:
            try:
                raw = f.read(size)
            except (OSError, EOFError) as e:
                raise SourceError(f"{path}: cannot decompress ({e}); the file is corrupt or "
                                  f"not {compression_of(path) or 'readable'}") from None
            except Exception as e:  # zstandard raises its own error type
                raise SourceError(f"{path}: cannot read ({e})") from None
            total += len(raw)
            if guard:
                _check_expansion(path, total, raw_files[0])
            chunk = raw
            if decoder is not None:
                try:
                    chunk = decoder.decode(raw, final=not raw).encode("utf-8")
                except UnicodeDecodeError as e:
                    raise SourceError(f"{path}: not valid {encoding} ({e.reason}); "
                                      f"give the right --encoding") from None
            if first and chunk:
                if chunk.startswith(BOM):
                    chunk = chunk[len(BOM):]
                first = False
            if chunk:
                yield chunk
            if not raw:
                break
    finally:
        f.close()


def _check_expansion(path: str, total: int, raw) -> None:
    """SourceError when a compressed input expands past the limits (``limits``): more than
    MAX_DECOMPRESSION_RATIO times the compressed bytes read so far (once past a floor: small files
    of repeated text compress far), or MAX_DECOMPRESSED_BYTES in all."""
    from .limits import MAX_DECOMPRESSED_BYTES, MAX_DECOMPRESSION_RATIO, MIN_DECOMPRESSION_BUDGET

    if total <= MIN_DECOMPRESSION_BUDGET:
        return
    try:
        read = raw.tell()
    except (OSError, AttributeError, ValueError):
        read = None
    if total > MAX_DECOMPRESSED_BYTES or (read and total > read * MAX_DECOMPRESSION_RATIO):
        raise SourceError(f"{path}: expands more than {MAX_DECOMPRESSION_RATIO}x (or past "
                          f"{MAX_DECOMPRESSED_BYTES >> 30} GiB), the mark of a decompression bomb; if the data "
                          f"is real, decompress it and lint the result")


def _norm(encoding: str) -> str:
    return encoding.lower().replace("_", "-")


def read_sample(path: str, size: int = 1 << 16, encoding: str = "utf-8") -> bytes:
    out = io.BytesIO()
    for chunk in read_chunks(path, size, encoding):
        out.write(chunk)
        if out.tell() >= size:
            break
    return out.getvalue()


def file_size(path: str) -> int | None:
    try:
        return os.path.getsize(path)
    except OSError:
        return None
