"""File-wide causes, found once from a file's first bytes instead of on every line.

* content that is not text at all (an image renamed ``.csv``): the run stops with one line;
* text in another encoding than UTF-8 (most lines fail to decode): one file-level finding with
  the count, the first bad lines and the encoding the bytes look like (charset-normalizer), the
  file read in that encoding, and ``--fix`` refused until ``--encoding`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SourceError

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP archive (xlsx, docx, jar, ...)"),
    (b"\x1f\x8b", "gzip-compressed data (name it .gz)"), (b"(\xb5/\xfd", "zstd-compressed data (name it .zst)"),
    (b"\x7fELF", "an executable"), (b"PAR1", "a Parquet file (name it .parquet)"),
    (b"SQLite format 3\x00", "an SQLite database"), (b"BZh", None), (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"\x93NUMPY", "a NumPy array"), (b"\x80\x04\x95", "a Python pickle"),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: share of a sample's lines that must fail to decode for the cause to be the whole file
_MOST = 0.5
#: bytes of a file checked line by line to count the lines that are not UTF-8
_COUNT_BYTES = 16 << 20


def binary_kind(sample: bytes) -> str | None:
    """What a file's first bytes say it is when it is not text (None when it may be text)."""
    for magic, what in _MAGIC:
        if sample.startswith(magic) and what:
            return what
    if sample.startswith(_UTF16_BOMS) or sample.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")):
        return None  # UTF-16/32 text: the encoding check names it
    head = sample[:8192]
    if b"\x00" in head:
        # UTF-16 without a BOM has a NUL in every other byte; binary data has them anywhere
        if head[1::2].count(0) > len(head) // 3 or head[0::2].count(0) > len(head) // 3:
            return None
        return "binary data (NUL bytes)"
    controls = sum(head.count(bytes([c])) for c in range(1, 32) if c not in (9, 10, 12, 13, 27))
    if head and controls > len(head) // 10:
        return "binary data (control bytes)"
    return None


def refuse_binary(path: str, sample: bytes, fmt: str) -> None:
    """SourceError when the file is not text (checked before any parsing)."""
    what = binary_kind(sample)
    if what:
        name = {"csv": "CSV", "tsv": "TSV", "jsonl": "JSON Lines", "json": "JSON"}.get(fmt, fmt)
        raise SourceError(f"{path}: not a {name} file: it looks like {what}")


@dataclass(frozen=True)
class EncodingProblem:
    guess: str
    bad: int
    lines: int
    first: tuple[int, ...]
    partial: bool

    def message(self) -> str:
        first = ", ".join(str(n) for n in self.first)
        of = f"of the first {self.lines:,}" if self.partial else f"of {self.lines:,}"
        return (f"not UTF-8: {self.bad:,} {of} lines fail to decode (first: line {first}); the bytes look "
                f"like {self.guess}, read as such; pass --encoding {self.guess} (or the file's real encoding)")

    def fix_refusal(self, path: str) -> str:
        return (f"{path}: --fix will not reject rows for a file-wide cause: the file is not UTF-8 "
                f"(it looks like {self.guess}); pass --encoding {self.guess} (or the file's real encoding)")


def _bad_lines(raw: bytes) -> tuple[int, int, list[int]]:
    bad, first = 0, []
    lines = raw.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    for i, ln in enumerate(lines):
        try:
            ln.decode("utf-8")
        except UnicodeDecodeError:
            bad += 1
            if len(first) < 5:
                first.append(i + 1)
    return bad, len(lines), first


def encoding_problem(path: str, sample: bytes) -> EncodingProblem | None:
    """When most lines of the raw ``sample`` (the file's first bytes) are not UTF-8: the encoding
    they look like and how many lines of the file fail (counted over its first 16 MiB)."""
    utf16 = sample.startswith(_UTF16_BOMS) or b"\x00" in sample[:4096]
    if not utf16:
        try:
            sample.decode("utf-8")
            return None
        except UnicodeDecodeError as e:
            if e.start >= len(sample) - 4:
                return None  # a character cut at the sample's end
    cut = sample[: sample.rfind(b"\n") + 1] or sample
    bad, n, _first = _bad_lines(cut)
    if not utf16 and (n == 0 or bad < 3 and bad < n or bad / n < _MOST):
        return None
    from charset_normalizer import from_bytes

    best = from_bytes(cut[:1 << 16]).best()
    if best is None:
        return None
    guess = best.encoding
    from .stream import open_binary

    with open_binary(path) as f:
        raw = f.read(_COUNT_BYTES + 1)
    partial = len(raw) > _COUNT_BYTES
    if partial:
        raw = raw[: raw.rfind(b"\n", 0, _COUNT_BYTES) + 1]
    bad, n, first = _bad_lines(raw)
    return EncodingProblem(guess, bad, n, tuple(first), partial)
