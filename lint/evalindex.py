"""The evaluation side of ``eval-contamination``: hashed word n-grams of eval rows and, per row,
its line; no text, so an index file (``trainlint index``) can be shared without redistributing
benchmark data.

An eval row of ``n`` words or more is kept as its n-grams.  A shorter one (``MIN_WORDS`` or more) is
kept whole: found anywhere inside a training text ("contained"), unless its words also occur inside a
longer row of the same eval set, which makes it a common phrase ("what do i do") rather than a
benchmark item; such a row matches only a training text that is the same whole sequence of words.
Which rows are common is decided per build (the data files of one ``--against`` or ``trainlint
index``); index files given together keep their own decisions.

File layout (little-endian): the 8-byte magic ``TLIDX\\0\\r\\n``, a uint32 version, a uint32 header
length, a JSON header (n, min-words, the lengths of contained rows, sources and their row counts,
array lengths), the arrays, then a 32-byte BLAKE2b digest of everything before it.  A distinct
n-gram or short row costs 12 bytes (an 8-byte hash, a 4-byte row id), each eval row 4 (its line).
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
VERSION = 2
SUFFIX = ".tlidx"
#: an eval row with fewer words is not indexed at all (too short to be evidence of a copy); also
#: the words of the anchor that finds where a contained row may start
MIN_WORDS = 4
_ARRAYS = (("hashes", "<u8"), ("ids", "<u4"), ("whole", "<u8"), ("whole_ids", "<u4"),
           ("inner", "<u8"), ("inner_ids", "<u4"), ("lines", "<u4"))
_EMPTY = np.empty(0, np.int64)
_LOW = np.uint64(0xFFFFFFFF)
_32 = np.uint64(32)


def _bits_filter(top: np.ndarray, width: int) -> tuple[np.ndarray, np.uint64]:
    """A bit per bucket of the top bits of ``width``-bit values ``top``, set where one falls: most
    training n-grams miss it, and the binary search runs on the few that do."""
    bits = int(min(26, max(16, np.ceil(np.log2(max(top.size, 1) * 16)))))
    shift = np.uint64(width - bits)
    table = np.zeros(1 << bits, bool)
    table[top.astype(np.uint64) >> shift] = True
    return table, shift


def _find(sorted_keys: np.ndarray, ids: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions in ``k`` found in ``sorted_keys``, the row id of each)."""
    if sorted_keys.size == 0 or k.size == 0:
        return _EMPTY, _EMPTY
    p = np.minimum(np.searchsorted(sorted_keys, k), sorted_keys.size - 1)
    ok = np.flatnonzero(sorted_keys[p] == k)
    return ok, ids[p[ok]].astype(np.int64)


def inner_key(anchor_raw: np.ndarray, whole_key: np.ndarray) -> np.ndarray:
    """The key of a contained short row: the top half of the ``raw`` hash of its first MIN_WORDS
    words (where to look: a training text's positions are filtered by it), then the low half of
    its ``ngrams.whole`` key (what is there)."""
    return ((anchor_raw >> _32) << _32) | (whole_key & _LOW)


@dataclass(frozen=True)
class EvalIndex:
    n: int
    sources: tuple[str, ...]
    source_rows: tuple[int, ...]  # eval rows of each source, in order
    hashes: np.ndarray            # sorted distinct n-gram hashes
    ids: np.ndarray               # the first eval row holding each
    whole: np.ndarray             # sorted ``ngrams.whole`` keys of short rows matched as whole texts only
    whole_ids: np.ndarray
    inner: np.ndarray             # sorted ``inner_key`` of short rows matched anywhere in a text
    inner_ids: np.ndarray
    lines: np.ndarray             # per eval row: 1-based line (row number + 1 without lines)
    lengths: tuple[int, ...] = ()  # word counts of the contained rows

    @property
    def rows(self) -> int:
        return int(self.lines.size)

    @property
    def entries(self) -> int:
        """Distinct n-grams and short rows stored."""
        return int(self.hashes.size + self.whole.size + self.inner.size)

    @functools.cached_property
    def _filter(self) -> tuple[np.ndarray, np.uint64]:
        return _bits_filter(self.hashes, 64)

    @functools.cached_property
    def _anchor_filter(self) -> tuple[np.ndarray, np.uint64, np.ndarray]:
        """The bit filter of the anchors, and the distinct anchors sorted: the filter passes a few
        percent of a text's positions, the exact check leaves those that start like an eval row."""
        anchors = np.unique((self.inner >> _32).astype(np.uint32))
        return (*_bits_filter(anchors, 32), anchors)

    @functools.cached_property
    def _source_ends(self) -> np.ndarray:
        return np.cumsum(self.source_rows)

    def lookup(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions in ``h`` that are n-grams of the index, the eval row of each)."""
        if h.size == 0 or self.hashes.size == 0:
            return _EMPTY, _EMPTY
        table, shift = self._filter
        cand = np.flatnonzero(table[h >> shift])
        ok, rows = _find(self.hashes, self.ids, h[cand])
        return cand[ok], rows

    def whole_texts(self, w, texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(those of ``texts`` of words ``w`` that are a whole-only short row, the eval row of each)."""
        if self.whole.size == 0 or texts.size == 0:
            return _EMPTY, _EMPTY
        from . import ngrams

        ok, rows = _find(self.whole, self.whole_ids, ngrams.whole(w, texts))
        return texts[ok], rows

    def contained(self, w) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Contained short rows found in the texts of words ``w``: (text, first word, eval row,
        words), every occurrence."""
        if self.inner.size == 0 or w.hash.size < MIN_WORDS:
            return _EMPTY, _EMPTY, _EMPTY, _EMPTY
        from . import ngrams

        table, shift, anchors = self._anchor_filter
        raw = ngrams.raw(w, MIN_WORDS)
        cand = np.flatnonzero(table[(raw >> _32) >> shift])
        cand = cand[_find(anchors, anchors, (raw[cand] >> _32).astype(np.uint32))[0]]
        parent, pos, inside = ngrams.locate(w, cand, MIN_WORDS)
        cand, parent, pos = cand[inside], parent[inside], pos[inside]
        room = w.counts[parent] - pos
        out = [], [], [], []
        # the raw hash of words cand .. cand+k, one word longer per step: each length is looked up
        # as the windows grow past it (``ngrams.windows``, without starting over per length)
        acc = raw[cand]
        for k in range(MIN_WORDS, self.lengths[-1] + 1 if self.lengths else 0):
            live = np.flatnonzero(room >= k)
            if live.size == 0:
                break
            if k > MIN_WORDS:
                with np.errstate(over="ignore"):
                    acc[live] = acc[live] * ngrams.P + w.hash[cand[live] + k - 1]
            if k not in self.lengths:
                continue
            ok, rows = _find(self.inner, self.inner_ids, inner_key(raw[cand[live]], ngrams.key(acc[live], k)))
            for o, v in zip(out, (parent[live[ok]], pos[live[ok]], rows, np.full(ok.size, k, np.int64))):
                o.append(v)
        return tuple(np.concatenate(o) if o else _EMPTY for o in out)

    def where(self, row: int) -> str:
        s = int(np.searchsorted(self._source_ends, row, side="right"))
        return f"{self.sources[s]}:{int(self.lines[row])}"

    def to_bytes(self) -> bytes:
        header = json.dumps({"n": self.n, "min_words": MIN_WORDS, "lengths": list(self.lengths),
                             "sources": list(self.sources), "source_rows": list(self.source_rows),
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
        if len(header["sizes"]) != len(_ARRAYS):
            raise ValueError("array count")
        for (key, t), size in zip(_ARRAYS, header["sizes"]):
            arrays[key] = np.frombuffer(body, dtype=t, count=size, offset=at).astype(t[1:])
            at += arrays[key].nbytes
        if at != len(body):
            raise ValueError("length")
        idx = EvalIndex(n=int(header["n"]), sources=tuple(map(str, header["sources"])),
                        source_rows=tuple(int(k) for k in header["source_rows"]),
                        lengths=tuple(sorted(int(k) for k in header["lengths"])), **arrays)
        _check(idx)
        return idx
    except (ValueError, KeyError, TypeError) as e:
        raise bad(f"malformed contents: {e}") from None


def _check(idx: EvalIndex) -> None:
    """Every id names a row and the rows add up: a file that passes the checksum but was written
    by something else must not fail later with an IndexError."""
    pairs = ((idx.hashes, idx.ids), (idx.whole, idx.whole_ids), (idx.inner, idx.inner_ids))
    if any(a.size != b.size for a, b in pairs):
        raise ValueError("array sizes disagree")
    for ids in (idx.ids, idx.whole_ids, idx.inner_ids):
        if ids.size and int(ids.max()) >= idx.rows:
            raise ValueError("row id out of range")
    if len(idx.sources) != len(idx.source_rows) or sum(idx.source_rows) != idx.rows:
        raise ValueError("rows per source")
    if idx.n < 1 or any(not MIN_WORDS <= k < idx.n for k in idx.lengths):
        raise ValueError("n-gram lengths")


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
    from .errors import UsageError

    grams, grams_ids, lines, per_source = [], [], [], []
    wk, sk, sid, sn = [], [], [], []  # short rows: whole key, inner key, row id, words
    texts = []
    base = 0
    for name, batches in texts_by_source:
        first = base
        for batch, line in batches:
            w = ngrams.words(batch)
            h, parent, _pos = ngrams.ngrams(w, n)
            grams.append(h)
            grams_ids.append(parent + base)
            counts = w.counts
            short = np.flatnonzero((counts >= MIN_WORDS) & (counts < n))
            anchor = ngrams.windows(w, w.offsets[short], np.full(short.size, MIN_WORDS))
            wk.append(ngrams.whole(w, short))
            sk.append(inner_key(anchor, wk[-1]))
            sid.append(short + base)
            sn.append(counts[short])
            line = np.asarray(line, np.uint64)
            if line.size and int(line.max()) >= 1 << 32:
                raise UsageError(f"{name}: an eval file of more than 4,294,967,295 lines cannot be indexed")
            lines.append(line)
            texts.append(w)
            base += len(counts)
        per_source.append(base - first)
    names = tuple(name for name, _ in texts_by_source)
    row_lines = _cat(lines, np.uint32)
    keys, ids, words = _cat(sk, np.uint64), _cat(sid, np.int64), _cat(sn, np.int64)
    whole = _cat(wk, np.uint64)
    # a short row whose words occur inside a longer eval row is a common phrase: whole texts only
    every = EvalIndex(n, names, tuple(per_source), *_none(), *_none(), *_first(keys, ids), row_lines,
                      lengths=tuple(sorted({int(k) for k in words})))
    common = []
    for w in texts:
        parent, _pos, erow, k = every.contained(w)
        common.append(erow[w.counts[parent] > k])
    inner = ~np.isin(whole, whole[np.isin(ids, _cat(common, np.int64))])
    return EvalIndex(n, names, tuple(per_source), *_first(grams, grams_ids),
                     *_first(whole[~inner], ids[~inner]),
                     *_first(keys[inner], ids[inner]), row_lines,
                     lengths=tuple(sorted({int(k) for k in words[inner]})))


def _none() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, np.uint64), np.empty(0, np.uint32)


def _cat(parts: list, dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype)


def _first(hashes, ids) -> tuple[np.ndarray, np.ndarray]:
    """Distinct hashes, sorted, each with the first (lowest) row id holding it.  Each argument is
    an array or a list of arrays."""
    h, i = _cat(_listed(hashes), np.uint64), _cat(_listed(ids), np.uint32)
    o = np.lexsort((i, h))
    h, i = h[o], i[o]
    keep = np.ones(h.size, bool)
    keep[1:] = h[1:] != h[:-1]
    return h[keep], i[keep]


def _listed(a) -> list:
    return a if isinstance(a, list) else [a]


def concat(parts: Sequence[EvalIndex]) -> EvalIndex:
    """One index of several (rows and sources of each in turn; first row wins a shared n-gram)."""
    if len(parts) == 1:
        return parts[0]
    tables: dict[str, tuple[list, list]] = {k: ([], []) for k in ("hashes", "whole", "inner")}
    base = 0
    for p in parts:
        for k, (keys, ids) in tables.items():
            keys.append(getattr(p, k))
            ids.append(getattr(p, "ids" if k == "hashes" else k + "_ids").astype(np.int64) + base)
        base += p.rows
    return EvalIndex(parts[0].n, tuple(s for p in parts for s in p.sources),
                     tuple(r for p in parts for r in p.source_rows),
                     *(a for k in ("hashes", "whole", "inner") for a in _first(*tables[k])),
                     _cat([p.lines for p in parts], np.uint32),
                     lengths=tuple(sorted({k for p in parts for k in p.lengths})))


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
