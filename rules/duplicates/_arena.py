"""The near rules' blocks (``Stored``: one batch's band hashes and compressed texts, in the spill
file) and a table's band hashes read band by band from them (issue 21): a local ``finish``
holds one band of every row at a time (4 bytes a row), not the matrix (128 bytes a row, the
largest per-row item at the peak of a 4M-row run)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from trainlint.spill import Spilled

from ._minhash import utf8_buffer

#: zstd level 1: ~0.3 s per 100 MB of text each way; templated text compresses ~7x, prose ~3x
_CODEC_LEVEL = 1


def string_array(lens: np.ndarray, data: bytes) -> pa.Array:
    off = np.concatenate(([0], np.cumsum(lens))).astype(np.int32)
    return pa.StringArray.from_buffers(lens.size, pa.py_buffer(off.tobytes()), pa.py_buffer(data))


class Stored:
    """One batch's band hashes (uint32, rows x bands) and capped texts, zstd-compressed; shared
    by the rules that keep rows of that batch.  Kept in the process's spill file
    (``trainlint.spill``), the band hashes band by band, so ``finish`` reads one band of every
    block at a time (``_arena.ColumnBands``) and a text block when it verifies its pairs."""

    __slots__ = ("cols", "n", "width", "size")

    def __init__(self, bands: np.ndarray, texts: pa.Array) -> None:
        data, off = utf8_buffer(texts)
        size = int(data.size)
        blob = pa.Codec("zstd", _CODEC_LEVEL).compress(data.tobytes(), asbytes=True) if size else b""
        self._keep(np.asarray(bands, np.uint32), np.diff(off).astype(np.int32), size, blob)

    def _keep(self, bands: np.ndarray, lens: np.ndarray, size: int, blob: bytes) -> None:
        self.n, self.width = bands.shape
        self.size = size
        self.cols = Spilled((np.ascontiguousarray(bands.T), lens, np.frombuffer(blob, np.uint8)))

    @property
    def bands(self) -> np.ndarray:
        """The band hashes, rows x bands (read back)."""
        return self.cols.read(0).T.copy()

    def band(self, b: int, out: np.ndarray) -> None:
        """Band ``b`` of every row into ``out``."""
        self.cols.read(0, b * self.n, (b + 1) * self.n, out)

    @property
    def lens(self) -> np.ndarray:
        return self.cols.read(1)

    @property
    def blob(self) -> bytes:
        return self.cols.read(2).tobytes()

    # pickled as its spilled arrays (their data, or their handles under ``spill.dump_handles``)
    def __getstate__(self):
        return self.cols, self.n, self.width, self.size

    def __setstate__(self, st) -> None:
        self.cols, self.n, self.width, self.size = st

    def texts(self) -> pa.Array:
        """Every text of the block, decompressed into one buffer."""
        lens = self.lens
        if not self.size:
            return string_array(np.zeros(lens.size, np.int64), b"")
        raw = pa.Codec("zstd").decompress(self.blob, decompressed_size=self.size)
        off = np.concatenate(([0], np.cumsum(lens, dtype=np.int64))).astype(np.int32)
        return pa.StringArray.from_buffers(lens.size, pa.py_buffer(off), raw)

    def take(self, rows: np.ndarray) -> pa.Array:
        """The texts of ``rows``: the block decompressed, and Arrow's gather."""
        return self.texts().take(pa.array(np.asarray(rows, np.int64)))


class ColumnBands:
    """Band hashes of a table's rows: row ``r`` is row ``pos[r]`` of the blocks (``Stored``)
    laid end to end.  ``block_band(b)`` reads band ``b`` of the blocks; ``pos`` places the rows in it."""

    def __init__(self, blocks: list, starts: np.ndarray, pos: np.ndarray) -> None:
        self.blocks = blocks
        self.starts = starts  # first row of each block, and the total last
        self.pos = pos
        self.shape = (pos.size, max((s.width for s in blocks), default=0))

    @classmethod
    def of(cls, stored: list, sel: list[np.ndarray]) -> ColumnBands:
        """The bands of the rows ``sel[k]`` of ``stored[k]`` for every chunk ``k``, in that order
        (chunks may share a block)."""
        uniq = list({id(s): s for s in stored}.values())
        starts = np.concatenate(([0], np.cumsum([s.n for s in uniq]))).astype(np.int64)
        first = {id(s): int(a) for s, a in zip(uniq, starts[:-1])}
        pos = np.concatenate([c + first[id(s)] for s, c in zip(stored, sel)]) if sel else np.zeros(0, np.int64)
        return cls(uniq, starts, pos.astype(np.int32 if starts[-1] < 2**31 else np.int64))

    def block_band(self, b: int, out: np.ndarray | None = None) -> np.ndarray:
        """Band ``b`` of the blocks' rows laid end to end (``pos`` indexes it), into ``out`` when
        given: a caller that gathers from it by ``pos[rows]`` skips the whole-table gather."""
        whole = np.empty(int(self.starts[-1]), np.uint32) if out is None else out
        for s, a in zip(self.blocks, self.starts[:-1].tolist()):
            if b < s.width:
                s.band(b, whole[a:a + s.n])
            else:  # a block of another width (none today) holds zeros, as the matrix did
                whole[a:a + s.n] = 0
        return whole

    def take(self, o: np.ndarray) -> ColumnBands:
        return ColumnBands(self.blocks, self.starts, self.pos[o])


#: entries gathered at once by ``gather`` (its index temporaries are 8 bytes an entry)
_GATHER = 1 << 20


def gather(src: np.ndarray, idx: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``src[idx]`` in chunks of ``_GATHER``: NumPy turns a 4-byte index array into a temporary
    8-byte one, which for every row of a 4M-row table is 32 MB (issue 21)."""
    out = np.empty(idx.size, src.dtype) if out is None else out
    for a in range(0, idx.size, _GATHER):
        np.take(src, idx[a:a + _GATHER], out=out[a:a + _GATHER])
    return out


def shared_count(bands, i: np.ndarray, j: np.ndarray, chunk: int) -> np.ndarray:
    """Number of equal band hashes of each pair (i, j): a :class:`ColumnBands` band by band (one
    band of the blocks held, and the pairs' places in it), a matrix in chunks of ``chunk`` pairs."""
    out = np.zeros(i.size, np.int16)
    if isinstance(bands, ColumnBands):
        pi, pj = gather(bands.pos, i), gather(bands.pos, j)
        whole = np.empty(int(bands.starts[-1]), np.uint32)
        for b in range(bands.shape[1]):
            bands.block_band(b, whole)
            for a in range(0, i.size, chunk):
                out[a:a + chunk] += np.take(whole, pi[a:a + chunk]) == np.take(whole, pj[a:a + chunk])
        return out
    for a in range(0, i.size, chunk):
        out[a:a + chunk] = (bands[i[a:a + chunk]] == bands[j[a:a + chunk]]).sum(axis=1)
    return out
