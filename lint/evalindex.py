"""The evaluation side of ``eval-contamination``: hashed word n-grams of eval rows and, per row,
its source and line; no text, so an index file (``trainlint index``) can be shared without
redistributing benchmark data.

File layout (little-endian): the 8-byte magic ``TLIDX\\0\\r\\n``, a uint32 version, a uint32 header
length, a JSON header (n, min-words, sources, array lengths), the arrays, then a 32-byte BLAKE2b
digest of everything before it.  Each distinct n-gram costs 12 bytes (8-byte hash, 4-byte row id);
each row 12 more (source, line); a row shorter than n words is kept as one whole-text hash.
"""

from __future__ import annotations

import functools
import hashlib
import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAGIC = b"TLIDX\0\r\n"
VERSION = 1
SUFFIX = ".tlidx"
#: an eval row with fewer words is not indexed at all (too short to be evidence of a copy)
MIN_WORDS = 4
_ARRAYS = (("hashes", "<u8"), ("ids", "<u4"), ("whole", "<u8"), ("whole_ids", "<u4"),
           ("row_source", "<u4"), ("row_line", "<u8"))


@dataclass(frozen=True)
class EvalIndex:
    n: int
    sources: tuple[str, ...]
    hashes: np.ndarray      # sorted distinct n-gram hashes
    ids: np.ndarray         # the first eval row holding each
    whole: np.ndarray       # sorted whole-text hashes of rows shorter than n words
    whole_ids: np.ndarray
    row_source: np.ndarray  # per eval row: index into sources
    row_line: np.ndarray    # per eval row: 1-based line (row number + 1 without lines)

    @property
    def rows(self) -> int:
        return int(self.row_source.size)

    @functools.cached_property
    def _filter(self) -> tuple[np.ndarray, np.uint64]:
        """A bit per bucket of the hash's top bits, set where some n-gram falls: most training
        n-grams miss it, and the binary search runs on the few that do."""
        bits = int(min(26, max(16, np.ceil(np.log2(max(self.hashes.size, 1) * 16)))))
        shift = np.uint64(64 - bits)
        table = np.zeros(1 << bits, bool)
        table[self.hashes >> shift] = True
        return table, shift

    def lookup(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions in ``h`` that are n-grams of the index, the eval row of each)."""
        if h.size == 0 or self.hashes.size == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        table, shift = self._filter
        cand = np.flatnonzero(table[h >> shift])
        hc = h[cand]
        p = np.minimum(np.searchsorted(self.hashes, hc), self.hashes.size - 1)
        ok = self.hashes[p] == hc
        return cand[ok], self.ids[p[ok]].astype(np.int64)

    def where(self, row: int) -> str:
        return f"{self.sources[int(self.row_source[row])]}:{int(self.row_line[row])}"

    def to_bytes(self) -> bytes:
        header = json.dumps({"n": self.n, "min_words": MIN_WORDS, "sources": list(self.sources),
                             "sizes": [int(getattr(self, k).size) for k, _ in _ARRAYS]},
                            sort_keys=True, ensure_ascii=False).encode("utf-8")
        parts = [MAGIC, struct.pack("<II", VERSION, len(header)), header]
        parts += [np.ascontiguousarray(getattr(self, k), dtype=t).tobytes() for k, t in _ARRAYS]
        body = b"".join(parts)
        return body + hashlib.blake2b(body, digest_size=32).digest()


def from_bytes(data: bytes, name: str) -> EvalIndex:
    """The index in ``data``; ``UsageError`` naming ``name`` when it is not one or is damaged."""
    from .errors import UsageError

    def bad(why: str) -> UsageError:
        return UsageError(f"{name}: not a usable trainlint index ({why}); rebuild it with `trainlint index`")

    if not data.startswith(MAGIC):
        raise bad("no TLIDX header")
    if len(data) < len(MAGIC) + 8 + 32:
        raise bad("truncated")
    version, hlen = struct.unpack_from("<II", data, len(MAGIC))
    if version != VERSION:
        raise bad(f"format version {version}, this trainlint reads version {VERSION}")
    body, digest = data[:-32], data[-32:]
    if hashlib.blake2b(body, digest_size=32).digest() != digest:
        raise bad("checksum mismatch: damaged or truncated")
    at = len(MAGIC) + 8
    try:
        header = json.loads(data[at:at + hlen].decode("utf-8"))
        at += hlen
        arrays = {}
        for (key, t), size in zip(_ARRAYS, header["sizes"]):
            arrays[key] = np.frombuffer(body, dtype=t, count=size, offset=at).astype(t[1:])
            at += arrays[key].nbytes
        if at != len(body):
            raise ValueError("length")
        return EvalIndex(n=int(header["n"]), sources=tuple(header["sources"]), **arrays)
    except (ValueError, KeyError, TypeError) as e:
        raise bad(f"malformed contents: {e}") from None


def is_index_file(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def read_index(path: str) -> EvalIndex:
    from .errors import UsageError

    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise UsageError(f"{path}: cannot read the index: {e.strerror or e}") from None
    return from_bytes(data, path)


def build(texts_by_source: Sequence[tuple[str, Sequence[tuple[object, np.ndarray]]]], n: int) -> EvalIndex:
    """The index of ``(source name, [(text array, 1-based lines)...])``, rows in the order given."""
    from . import ngrams

    grams, grams_ids, wh, wh_ids, srcs, lines = [], [], [], [], [], []
    base = 0
    for s, (_name, batches) in enumerate(texts_by_source):
        for texts, line in batches:
            w = ngrams.words(texts)
            h, parent, _pos = ngrams.ngrams(w, n)
            grams.append(h)
            grams_ids.append(parent + base)
            counts = w.counts
            short = np.flatnonzero((counts >= MIN_WORDS) & (counts < n))
            wh.append(ngrams.whole(w)[short])
            wh_ids.append(short + base)
            srcs.append(np.full(len(counts), s, np.uint32))
            lines.append(np.asarray(line, np.uint64))
            base += len(counts)
    return EvalIndex(n, tuple(name for name, _ in texts_by_source), *_first(grams, grams_ids),
                     *_first(wh, wh_ids), _cat(srcs, np.uint32), _cat(lines, np.uint64))


def _cat(parts: list, dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype)


def _first(hashes: list, ids: list) -> tuple[np.ndarray, np.ndarray]:
    """Distinct hashes, sorted, each with the first (lowest) row id holding it."""
    h, i = _cat(hashes, np.uint64), _cat(ids, np.uint32)
    o = np.lexsort((i, h))
    h, i = h[o], i[o]
    keep = np.ones(h.size, bool)
    keep[1:] = h[1:] != h[:-1]
    return h[keep], i[keep]


def concat(parts: Sequence[EvalIndex]) -> EvalIndex:
    """One index of several (rows and sources of each in turn; first row wins a shared n-gram)."""
    if len(parts) == 1:
        return parts[0]
    sources: list[str] = []
    grams, gids, wh, wids, rs, rl = [], [], [], [], [], []
    base = 0
    for p in parts:
        grams.append(p.hashes)
        gids.append(p.ids.astype(np.int64) + base)
        wh.append(p.whole)
        wids.append(p.whole_ids.astype(np.int64) + base)
        rs.append(p.row_source.astype(np.int64) + len(sources))
        rl.append(p.row_line)
        sources += p.sources
        base += p.rows
    return EvalIndex(parts[0].n, tuple(sources), *_first(grams, gids), *_first(wh, wids),
                     _cat(rs, np.uint32), _cat(rl, np.uint64))


def load(paths: Sequence[str], n: int, text: tuple[str, ...] | None = None) -> EvalIndex:
    """The index of eval ``paths``: index files as they are, data files (any supported format)
    read through the sources, with their detected text columns joined as one text."""
    from .errors import UsageError

    parts: list[EvalIndex] = []
    data: list[str] = []
    for p in paths:
        if p.endswith(SUFFIX) or is_index_file(p):
            idx = read_index(p)
            if idx.n != n:
                raise UsageError(f"{p}: index of {idx.n}-word n-grams, the run uses n = {n}; "
                                 f"rebuild it with `trainlint index --n {n}` or set the option n = {idx.n}")
            parts.append(idx)
        else:
            data.append(p)
    if data:
        parts.append(build(_read_texts(data, text), n))
    if not parts:
        return build([], n)
    return concat(parts)


def _read_texts(paths: Sequence[str], text: tuple[str, ...] | None = None) -> list:
    from .context import BatchContext
    from .errors import UsageError
    from .sources import ReadOptions, open_sources

    out = []
    for spec in open_sources(list(paths), ReadOptions(), text=text):
        batches = []
        for b in spec.reader.batches():
            ctx = BatchContext(spec.info, b.table, b.rows, b.invalid, b.lines)
            if ctx.text is None:
                raise UsageError(f"{spec.info.path}: no text column found to compare against; "
                                 f"build an index with `trainlint index --text COLUMN`")
            lines = b.lines if b.lines is not None else np.asarray(b.rows) + 1
            batches.append((ctx.text, lines))
        out.append((spec.info.path, batches))
    return out


def write_index(paths: Sequence[str], output: str, n: int, text: tuple[str, ...] | None = None):
    """Build the index of ``paths`` and write it to ``output`` atomically; (index, bytes written).
    The output is never one of the inputs."""
    from .outputs import write_atomic
    from .paths import ensure_not_an_input
    from .sources import discover

    inputs = discover(list(paths))
    ensure_not_an_input(output, inputs, "the index")
    data = load(inputs, n, text).to_bytes()
    write_atomic(output, data)
    return from_bytes(data, output), len(data)
