"""The state of the near-duplicate rules: per-row keys, band hashes and capped texts.

A state is a list of chunks appended in row order; ``merge`` is concatenation.  Each chunk holds
the row's global id and split/label/normalised-text hashes (8 bytes each, plus a 1-byte tag:
the *keys*, ~33 bytes a row) and the bulky columns: 4 bytes per band hash and the capped UTF-8
text for verification (~380 bytes a row with the defaults and ~40-word texts).

Detached state (the rules declare a keyed-shuffle finish, ``trainlint/shuffle.py``): ``detach()``
on one block's state takes the bulky columns out as a :class:`Part`, leaving the keys and the
part's row count.  The engine keeps each part where its block ran and supplies the shuffle while
``finish`` runs.  Then ``arrays()`` returns a :class:`Table` without bands or texts but with
``remote`` set, and ``near.near_pairs``/``jaccard`` run the band-hash shuffle and the verification
through ``keyed_shuffle`` (``_shuffle.py``): only candidate and verified pairs come back.  The
rules' ``finish`` code is the same either way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


class NearState:
    """Chunks appended in row order; merge is concatenation.  Picklable, NumPy only."""

    FIELDS = ("ids", "split", "label", "nkey", "tag", "bands", "text_off")

    def __init__(self) -> None:
        self.chunks: list[tuple] = []
        #: what finish() computed, so stats() does not compute it again
        self.result = None
        #: row counts of the detached parts, in block order (see detach)
        self.parts: list[int] = []

    def add(self, ids, split, label, nkey, tag, bands, texts: pa.Array) -> None:
        if ids.size == 0:
            return
        data, off = utf8_buffer(texts)
        self.chunks.append((ids.astype(np.int64), split.astype(U64), label.astype(U64), nkey.astype(U64),
                            tag.astype(np.int8), np.ascontiguousarray(bands, np.uint32),
                            off.astype(np.int64), data.tobytes()))

    def merge(self, other: NearState) -> NearState:
        self.chunks.extend(other.chunks)
        self.parts.extend(other.parts)
        return self

    def __len__(self) -> int:
        return sum(c[0].size for c in self.chunks)

    # -- detached state --------------------------------------------------------------------------
    def detach(self) -> Part | None:
        """Take the bulky columns of this (one block's) state out; the keys stay.  Every call
        counts as one part, empty or not, so parts and the engine's handles stay aligned."""
        live = [c for c in self.chunks if c[5] is not None]
        if len(live) != len(self.chunks) or self.parts:
            raise ValueError("detach() takes one block's state, before any merge")
        n = len(self)
        self.parts.append(n)
        if n == 0:
            return None
        offs, base = [], 0
        for c in live:
            offs.append(c[6][:-1] + base)
            base += len(c[7])
        part = Part(np.concatenate([c[5] for c in live]), np.concatenate(offs + [np.array([base], np.int64)]),
                    b"".join(c[7] for c in live))
        self.chunks = [c[:5] + (None, None, None) for c in live]
        return part

    def arrays(self, bands: int) -> Table:
        if self.parts:
            return self._detached_arrays(bands)
        if not self.chunks:
            z = np.zeros(0, U64)
            return Table(np.zeros(0, np.int64), z, z, z, np.zeros(0, np.int8),
                         np.zeros((0, bands), np.uint32), np.zeros(1, np.int64), b"")
        if len(self.chunks) == 1:
            c = self.chunks[0]
            return Table(*c[:6], c[6], c[7]).sorted()
        # one preallocated copy, each chunk released once copied: finish holds the rows once
        # (concatenating held every chunk and the table at once: +400 MB at 1M templated rows)
        n = len(self)
        nb = int(sum(len(c[7]) for c in self.chunks))
        first = self.chunks[0]
        cols = [np.empty(n, first[f].dtype) for f in range(5)]
        band = np.empty((n, first[5].shape[1]), np.uint32)
        off = np.empty(n + 1, np.int64)
        data = np.empty(nb, np.uint8)
        r = b = 0
        chunks, self.chunks = self.chunks, []
        while chunks:
            c = chunks.pop(0)
            k, m = c[0].size, len(c[7])
            for f in range(5):
                cols[f][r:r + k] = c[f]
            band[r:r + k] = c[5]
            off[r:r + k] = c[6][:-1] + b
            data[b:b + m] = np.frombuffer(c[7], np.uint8)
            r, b = r + k, b + m
            del c
        off[n] = b
        t = Table(*cols, band, off, data).sorted()
        # the state becomes that one chunk (finish may ask again)
        self.chunks = [(t.ids, t.split, t.label, t.nkey, t.tag, t.bands, t.off, t.data)]
        return t

    def _detached_arrays(self, bands: int) -> Table:
        from trainlint.shuffle import gather_parts, part_count

        if part_count() != len(self.parts):
            raise ValueError(f"{part_count()} parts supplied for {len(self.parts)} detached parts")
        remote = Remote(np.concatenate(([0], np.cumsum(self.parts))).astype(np.int64))
        if not self.chunks:
            z = np.zeros(0, U64)
            return Table(np.zeros(0, np.int64), z, z, z, np.zeros(0, np.int8), None, None, None, remote)
        cols = [np.concatenate([c[f] for c in self.chunks]) for f in range(5)]
        ids = cols[0]
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
            return Table(*cols, np.concatenate([p.bands for p in ps]), off, b"".join(p.data for p in ps)).sorted()
        return Table(*cols, None, None, None, remote)


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

    def sorted(self) -> Table:
        if self.ids.size < 2 or bool(np.all(self.ids[1:] > self.ids[:-1])):
            return self
        o = np.argsort(self.ids, kind="stable")
        lens = np.diff(self.off)[o]
        starts = self.off[:-1][o]
        buf = np.frombuffer(self.data, np.uint8)
        data = buf[ranges(starts, lens)].tobytes()
        return Table(self.ids[o], self.split[o], self.label[o], self.nkey[o], self.tag[o], self.bands[o],
                     np.concatenate(([0], np.cumsum(lens))), data)

    def texts(self, idx: np.ndarray) -> pa.Array:
        """The texts of rows ``idx``; gathered 65536 rows at a time (the byte index is 8 bytes a
        byte: for a whole 1M-row table it measured 2.6 GB at once)."""
        lens = np.diff(self.off)[idx]
        starts = self.off[:-1][idx]
        buf = np.frombuffer(self.data, np.uint8)
        parts = [buf[ranges(starts[a:a + 65536], lens[a:a + 65536])].tobytes() for a in range(0, len(idx), 65536)]
        off = np.concatenate(([0], np.cumsum(lens))).astype(np.int32)
        return pa.StringArray.from_buffers(len(idx), pa.py_buffer(off.tobytes()), pa.py_buffer(b"".join(parts)))




# -- what the rules share -------------------------------------------------------------------------
#: ``min_chars`` of a rule whose near matching is off: keys only
NO_NEAR = 1 << 62


def _empty_texts(n: int) -> pa.Array:
    return pa.StringArray.from_buffers(n, pa.py_buffer(np.zeros(n + 1, np.int32).tobytes()), pa.py_buffer(b""))


def add_batch(state: NearState, batch, params: Params, min_chars: int, keep: np.ndarray | None = None,
              tag: np.ndarray | None = None) -> None:
    """Append a batch's rows with text (and ``keep``) to the state, with a small ``tag`` per row.
    Rows shorter than ``min_chars`` keep their exact keys but are flagged SHORT, so they never
    become near-duplicate candidates.  ``min_chars`` of ``NO_NEAR`` or more: exact keys only, no
    band hashes or texts (a rule with near matching off keeps ~33 bytes a row, not ~500)."""
    if batch.text is None:
        return

    n = len(batch)
    valid = batch.text_present.copy()  # blank and "N/A" texts are missing values, not duplicates
    if keep is not None:
        valid &= keep
    if not valid.any():
        return
    idx = np.flatnonzero(valid)
    if min_chars >= NO_NEAR:
        nkey = batch.text_normalized_hash if params.normalize else batch.text_hash
        label = batch.label_hash if batch.label is not None else np.zeros(n, U64)
        t = np.zeros(n, np.int8) if tag is None else tag.astype(np.int8)
        state.add(batch.row_ids[idx], batch.split_hash[idx], label[idx], nkey[idx], t[idx] | SHORT,
                  np.zeros((idx.size, 0), np.uint32), _empty_texts(idx.size))
        return
    bands, texts = batch_bands(batch, params)
    nkey = batch.text_normalized_hash if params.normalize else batch.text_hash
    label = batch.label_hash if batch.label is not None else np.zeros(n, U64)
    length = np.asarray(pc.utf8_length(pc.fill_null(texts, "")), dtype=np.int64)
    t = np.zeros(n, np.int8) if tag is None else tag.astype(np.int8)
    t = np.where(length >= max(min_chars, 1), t, t | SHORT).astype(np.int8)
    sel = pa.array(idx)
    state.add(batch.row_ids[idx], batch.split_hash[idx], label[idx], nkey[idx], t[idx], bands[idx],
              texts.take(sel))


def has_bands(t: Table) -> np.ndarray:
    return (t.tag & SHORT) == 0


def first_of_groups(key: np.ndarray) -> np.ndarray:
    """Mask of the first row (in table order) of each distinct key."""
    if key.size == 0:
        return np.zeros(0, bool)
    o = np.argsort(key, kind="stable")
    k = key[o]
    first = np.concatenate(([True], k[1:] != k[:-1]))
    out = np.zeros(key.size, bool)
    out[o[first]] = True
    return out
