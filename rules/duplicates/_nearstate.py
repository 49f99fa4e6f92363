"""The state of the near-duplicate rules: per-row keys, and band hashes and texts shared by the rules.

A state is a list of chunks appended in row order; ``merge`` is concatenation.  Each chunk holds
the row's global id, split/label/normalised-text/whole-row hashes (8 bytes each) and a 1-byte
tag: the *keys*, 41 bytes a row, which are the rule's own.  The bulky columns, the band hashes
(4 bytes a band) and the capped texts for verification, are a ``_arena.Stored`` block made once per
batch (``BatchContext.cached``) and shared by every near rule of the run: a chunk only points at
it and at its rows (``sel``, 4 bytes a row).  So near-duplicate, split-leakage and (with ``near``)
conflicting-label hold one copy of the band hashes and texts, not one each, and the texts are
kept zstd-compressed (level 1; decompressed a block at a time when pairs are verified): at 1M
templated rows ~50 bytes a row instead of ~330.  Keys and blocks are kept in the process's spill
file (``trainlint.spill``, issue 21), not in memory.  A worker process pickles its rules' states in
one go, so the blocks stay shared in the parent too.

Detached state (the rules declare a keyed-shuffle finish, ``trainlint/shuffle.py``): ``detach()``
on one block's state takes the bulky columns out as a :class:`Part` (uncompressed), leaving the
keys and the part's row count.  The engine keeps each part where its block ran and supplies the
shuffle while ``finish`` runs.  Then ``arrays()`` returns a :class:`Table` without bands or texts
but with ``remote`` set, and ``near.near_pairs``/``jaccard`` run the band-hash shuffle and the
verification through ``keyed_shuffle`` (``_shuffle.py``): only candidate and verified pairs come
back.  The rules' ``finish`` code is the same either way.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainlint.spill import Spilled

from ._arena import ColumnBands, Stored, string_array
from ._chunk import IDS, LABEL, NKEY, RKEY, SEL, SPLIT, STORED, TAG, Chunk, field
from ._hashstate import ranges
from ._minhash import SHORT, U64, Params, batch_bands, utf8_buffer

@dataclass
class Part:
    """The bulky columns of one block's rows, in row order: band hashes and capped UTF-8 texts."""

    bands: np.ndarray  # uint32 (n, bands)
    off: np.ndarray  # int64 (n + 1) offsets into data
    data: bytes

    def __len__(self) -> int:
        return int(self.off.size - 1)

    def take(self, idx: np.ndarray) -> Part:
        lens = np.diff(self.off)[idx]
        buf = np.frombuffer(self.data, np.uint8)
        data = buf[ranges(self.off[:-1][idx], lens)].tobytes()
        return Part(self.bands[idx], np.concatenate(([0], np.cumsum(lens))).astype(np.int64), data)


@dataclass
class Remote:
    """Where a detached table's bulky columns are: the engine's part ``k`` (reached through
    ``trainlint.shuffle``) holds rows ``offsets[k]:offsets[k + 1]`` of the table."""

    offsets: np.ndarray

    def __len__(self) -> int:
        return int(self.offsets.size - 1)


_KEYS = (IDS, SPLIT, LABEL, NKEY, TAG, RKEY)


class NearState:
    """Chunks appended in row order; merge is concatenation.  Picklable, NumPy only."""

    def __init__(self) -> None:
        self.chunks: list[Chunk] = []
        #: what finish() computed, so stats() does not compute it again
        self.result = None
        #: row counts of the detached parts, in block order (see detach)
        self.parts: list[int] = []

    def add(self, ids, split, label, nkey, tag, bands, texts: pa.Array, rkey=None) -> None:
        """Rows with their own band hashes and texts (a block of their own)."""
        if ids.size == 0:
            return
        self.add_rows(ids, split, label, nkey, tag, rkey, Stored(bands, texts), np.arange(ids.size))

    def add_rows(self, ids, split, label, nkey, tag, rkey, stored: Stored | None, sel: np.ndarray | None) -> None:
        """Rows whose band hashes and texts are rows ``sel`` of ``stored`` (None: keys only)."""
        if ids.size == 0:
            return
        rkey = np.zeros(ids.size, U64) if rkey is None else rkey.astype(U64)
        self.chunks.append(Chunk(ids.astype(np.int64), split.astype(U64), label.astype(U64), nkey.astype(U64),
                                 tag.astype(np.int8), None if sel is None else sel.astype(np.int32), rkey, stored))

    def merge(self, other: NearState) -> NearState:
        self.chunks.extend(other.chunks)
        self.parts.extend(other.parts)
        return self

    def __len__(self) -> int:
        return sum(c.n for c in self.chunks)

    def has_tag(self, tag: int) -> bool:
        """Whether some row carries ``tag`` (SHORT aside), without building the table."""
        return any(bool(np.any((c[TAG] & ~SHORT) == tag)) for c in self.chunks)

    # -- detached state --------------------------------------------------------------------------
    def detach(self) -> Part | None:
        """Take the bulky columns of this (one block's) state out; the keys stay.  Every call
        counts as one part, empty or not, so parts and the engine's handles stay aligned."""
        if self.parts:
            raise ValueError("detach() takes one block's state, before any merge")
        n = len(self)
        self.parts.append(n)
        if n == 0:
            return None
        bands, lens, data = [], [], []
        for c in self.chunks:
            if c[STORED] is None:  # keys only
                bands.append(np.zeros((c.n, 0), np.uint32))
                lens.append(np.zeros(c.n, np.int64))
                continue
            sel = c[SEL]
            d, off = utf8_buffer(c[STORED].take(sel))
            bands.append(c[STORED].bands[sel])
            lens.append(np.diff(off))
            data.append(d.tobytes())
        width = max(b.shape[1] for b in bands)
        bands = [b if b.shape[1] == width else np.zeros((b.shape[0], width), np.uint32) for b in bands]
        part = Part(np.concatenate(bands), np.concatenate(([0], np.cumsum(np.concatenate(lens)))).astype(np.int64),
                    b"".join(data))
        self.chunks = [c.keys_only() for c in self.chunks]
        return part

    def _keys(self) -> list[np.ndarray]:
        return [field(self.chunks, f) for f in _KEYS]

    def arrays(self, bands: int) -> Table:
        if self.parts:
            return self._detached_arrays(bands)
        if not self.chunks:
            z = np.zeros(0, U64)
            return Table(np.zeros(0, np.int64), z, z, z, np.zeros(0, np.int8),
                         np.zeros((0, bands), np.uint32), np.zeros(1, np.int64), b"", rkey=z)
        ids, split, label, nkey, tag, rkey = self._keys()
        stored = [c[STORED] for c in self.chunks]
        if all(s is None for s in stored):  # keys only
            return Table(ids, split, label, nkey, tag, np.zeros((ids.size, 0), np.uint32),
                         np.zeros(ids.size + 1, np.int64), b"", rkey=rkey).sorted()
        sel = [c[SEL] for c in self.chunks]
        src = Segments(stored, np.repeat(np.arange(len(stored), dtype=np.int32), [c.n for c in self.chunks]),
                       np.concatenate(sel))
        band = ColumnBands.of(stored, sel)
        return Table(ids, split, label, nkey, tag, band, None, None, src=src, rkey=rkey).sorted()

    def _detached_arrays(self, bands: int) -> Table:
        from trainlint.shuffle import gather_parts, part_count

        if part_count() != len(self.parts):
            raise ValueError(f"{part_count()} parts supplied for {len(self.parts)} detached parts")
        remote = Remote(np.concatenate(([0], np.cumsum(self.parts))).astype(np.int64))
        if not self.chunks:
            z = np.zeros(0, U64)
            return Table(np.zeros(0, np.int64), z, z, z, np.zeros(0, np.int8), None, None, None, remote, rkey=z)
        ids, split, label, nkey, tag, rkey = self._keys()
        if ids.size > 1 and not bool(np.all(ids[1:] > ids[:-1])):
            # blocks arrive in row order, so this does not happen; if it did, fetching the parts
            # keeps the result exact (only the memory bound is lost)
            fetched = gather_parts()
            ps = [p for p in fetched if p is not None]
            offs, base = [], 0
            for p in ps:
                offs.append(p.off[:-1] + base)
                base += len(p.data)
            off = np.concatenate(offs + [np.array([base], np.int64)])
            return Table(ids, split, label, nkey, tag, np.concatenate([p.bands for p in ps]), off,
                         b"".join(p.data for p in ps), rkey=rkey).sorted()
        return Table(ids, split, label, nkey, tag, None, None, None, remote, rkey=rkey)


@dataclass
class Segments:
    """Where a table's texts are: row ``r`` is row ``local[r]`` of ``stored[block[r]]``."""

    stored: list[Stored]
    block: np.ndarray  # int32
    local: np.ndarray  # int32
    #: the last block decompressed (block, texts): reading rows in order (``_words.fingerprints``,
    #: 4,096 rows a call) decompresses each block once, not once a call (~20 MB each)
    last: tuple = (None, None)

    def take(self, o: np.ndarray) -> Segments:
        return Segments(self.stored, self.block[o], self.local[o])

    def _block(self, k: int) -> pa.Array:
        if self.last[0] != k:
            self.last = (None, None)  # one block held, not two
            self.last = (k, self.stored[k].texts())
        return self.last[1]

    def lengths(self, idx: np.ndarray) -> np.ndarray:
        """UTF-8 bytes of the texts of table rows ``idx``."""
        out = np.zeros(idx.size, np.int64)
        for blk, pos in self.groups(idx):
            out[pos] = self.stored[blk].lens[self.local[idx[pos]]]
        return out

    def groups(self, idx: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """(block, positions in ``idx`` of its rows) for the blocks that rows ``idx`` are in."""
        blk = self.block[idx]
        o = np.argsort(blk, kind="stable")
        cuts = np.flatnonzero(np.concatenate(([True], blk[o][1:] != blk[o][:-1], [True])))
        return [(int(blk[o[a]]), o[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]

    def texts(self, idx: np.ndarray) -> pa.Array:
        """The texts of table rows ``idx``, each block decompressed once."""
        groups = self.groups(idx)
        got = [self._block(blk).take(pa.array(self.local[idx[pos]].astype(np.int64))) for blk, pos in groups]
        if not got:
            return string_array(np.zeros(0, np.int64), b"")
        arr = pa.concat_arrays(got) if len(got) > 1 else got[0]
        o = np.concatenate([pos for _blk, pos in groups])
        if o.size and bool(np.all(o[1:] > o[:-1])):
            return arr
        inv = np.empty_like(o)
        inv[o] = np.arange(o.size)
        return arr.take(pa.array(inv))


@dataclass
class Table:
    ids: np.ndarray
    split: np.ndarray
    label: np.ndarray
    nkey: np.ndarray
    tag: np.ndarray
    bands: np.ndarray | None
    off: np.ndarray | None
    data: bytes | None
    #: set when bands and texts are detached: they are reached through tasks (``_shuffle.py``)
    remote: Remote | None = None
    #: the texts in shared compressed blocks (``off``/``data`` are then None)
    src: Segments | None = None
    #: whole-row content hash (every column): picks, among copies of one text, the row that
    #: stands for them, by content rather than by position
    rkey: np.ndarray | None = None

    def sorted(self) -> Table:
        if self.ids.size < 2 or bool(np.all(self.ids[1:] > self.ids[:-1])):
            return self
        o = np.argsort(self.ids, kind="stable")
        rkey = None if self.rkey is None else self.rkey[o]
        if self.src is not None:
            return Table(self.ids[o], self.split[o], self.label[o], self.nkey[o], self.tag[o], self.bands.take(o),
                         None, None, src=self.src.take(o), rkey=rkey)
        lens = np.diff(self.off)[o]
        starts = self.off[:-1][o]
        buf = np.frombuffer(self.data, np.uint8)
        data = buf[ranges(starts, lens)].tobytes()
        return Table(self.ids[o], self.split[o], self.label[o], self.nkey[o], self.tag[o], self.bands[o],
                     np.concatenate(([0], np.cumsum(lens))), data, rkey=rkey)

    @contextmanager
    def parked(self):
        """The row ids, text hashes and text places in the spill file (``trainlint.spill``) for
        the duration, back after: making candidates reads none of them (band hashes and the
        rows' content order only), and at 4M rows they are 96 MB of its peak (issue 21)."""
        names = [k for k in ("ids", "nkey") if getattr(self, k) is not None]
        src = self.src
        arrays = [getattr(self, k) for k in names] + ([src.block, src.local] if src is not None else [])
        kept = Spilled(tuple(arrays))
        del arrays
        for k in names:
            setattr(self, k, None)
        if src is not None:
            src.block = src.local = None
        try:
            yield
        finally:
            got = kept.get()
            for k, a in zip(names, got):
                setattr(self, k, a)
            if src is not None:
                src.block, src.local = got[len(names):]

    def lengths(self, idx: np.ndarray) -> np.ndarray:
        """UTF-8 bytes of the texts of rows ``idx`` (what ``texts`` would hold)."""
        if self.src is not None:
            return self.src.lengths(idx)
        return np.diff(self.off)[idx]

    def texts_of(self, rows: np.ndarray) -> Table:
        """A table of the texts of ``rows`` (ascending) alone, gathered at once: its row ``k`` is
        row ``rows[k]`` here.  Reading a block's texts decompresses the whole block, so pairs
        verified chunk by chunk read their rows through this, one pass over the blocks."""
        data, off = utf8_buffer(self.texts(rows))
        z = np.zeros(rows.size, U64)
        return Table(rows, z, z, z, np.zeros(rows.size, np.int8), None, off, data.tobytes())

    def texts(self, idx: np.ndarray) -> pa.Array:
        """The texts of rows ``idx``; gathered 65536 rows at a time (the byte index is 8 bytes a
        byte: for a whole 1M-row table it measured 2.6 GB at once)."""
        if self.src is not None:
            return self.src.texts(idx)
        lens = np.diff(self.off)[idx]
        starts = self.off[:-1][idx]
        buf = np.frombuffer(self.data, np.uint8)
        parts = [buf[ranges(starts[a:a + 65536], lens[a:a + 65536])].tobytes() for a in range(0, len(idx), 65536)]
        return string_array(lens, b"".join(parts))


# -- what the rules share -------------------------------------------------------------------------
#: ``min_chars`` of a rule whose near matching is off: keys only
NO_NEAR = 1 << 62


def add_batch(state: NearState, batch, params: Params, min_chars: int, keep: np.ndarray | None = None,
              tag: np.ndarray | None = None) -> None:
    """Append a batch's rows with text (and ``keep``) to the state, with a small ``tag`` per row.
    Rows shorter than ``min_chars`` keep their exact keys but are flagged SHORT, so they never
    become near-duplicate candidates.  ``min_chars`` of ``NO_NEAR`` or more: exact keys only, no
    band hashes or texts (a rule with near matching off keeps 41 bytes a row).  The band hashes
    and texts are the batch's :class:`Stored` block, made once for all rules."""
    if batch.text is None:
        return

    n = len(batch)
    valid = batch.text_present.copy()  # blank and "N/A" texts are missing values, not duplicates
    if keep is not None:
        valid &= keep
    if not valid.any():
        return
    idx = np.flatnonzero(valid)
    nkey = batch.text_normalized_hash if params.normalize else batch.text_hash
    label = batch.label_hash if batch.label is not None else np.zeros(n, U64)
    t = np.zeros(n, np.int8) if tag is None else tag.astype(np.int8)
    keys = (batch.row_ids[idx], batch.split_hash[idx], label[idx], nkey[idx])
    if min_chars >= NO_NEAR:
        state.add_rows(*keys, t[idx] | SHORT, batch.row_hash[idx], None, None)
        return
    stored, length = batch.cached(("near-stored", params), lambda: _stored(batch, params))
    t = np.where(length >= max(min_chars, 1), t, t | SHORT).astype(np.int8)
    state.add_rows(*keys, t[idx], batch.row_hash[idx], stored, idx)


def _stored(batch, params: Params) -> tuple[Stored, np.ndarray]:
    bands, texts = batch_bands(batch, params)
    return Stored(bands, texts), np.asarray(pc.utf8_length(pc.fill_null(texts, "")), dtype=np.int64)


def has_bands(t: Table) -> np.ndarray:
    return (t.tag & SHORT) == 0


def first_of_groups(key: np.ndarray, prefer: np.ndarray | None = None) -> np.ndarray:
    """Mask of one row of each distinct key: the one with the smallest ``prefer`` (the whole-row
    hash, so the same copy whatever the row order), ties and ``prefer`` None: the first in
    table order."""
    if key.size == 0:
        return np.zeros(0, bool)
    o = np.argsort(key, kind="stable") if prefer is None else np.lexsort((prefer, key))
    k = key[o]
    first = np.concatenate(([True], k[1:] != k[:-1]))
    out = np.zeros(key.size, bool)
    out[o[first]] = True
    return out
