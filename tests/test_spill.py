"""The spill file (``trainlint.spill``): per-row states kept in an anonymous temporary file read
back exactly, pickled with their data (or as handles for the finish spill), in memory when the
temp dir cannot be written, and the same findings either way."""

from __future__ import annotations

import gc
import io
import os
import pickle
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from helpers import ROOT
from trainlint import spill
from trainlint.config import Settings
from trainlint.engines.local import LocalEngine
from trainlint.rules.duplicates._pairset import PairSet
from trainlint.runner import build_rules
from trainlint.sources import ReadOptions, open_sources
from trainlint.spill import Spilled, dump_handles, load_handles

GENERATOR = ROOT.parent / "shared" / "bench" / "templated.py"


def _arrays():
    rng = np.random.default_rng(7)
    return (rng.integers(0, 2**63, 1000, dtype=np.int64), rng.integers(0, 2**32, (50, 32), dtype=np.uint32),
            np.zeros(0, np.int8), np.frombuffer(b"some compressed text", np.uint8))


def _same(a, b) -> bool:
    return len(a) == len(b) and all(x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)
                                    for x, y in zip(a, b))


def test_arrays_come_back_whole_and_by_range_from_an_unlinked_file():
    arrays = _arrays()
    s = Spilled(arrays)
    assert s._file is not None and s._mem is None  # on disk, not in memory
    assert _same(s.get(), arrays)
    assert np.array_equal(s.read(1, 64, 96), arrays[1].reshape(-1)[64:96])  # band 2 of a (32, 50) block
    out = np.empty(10, np.int64)
    assert s.read(0, 5, 15, out) is out and np.array_equal(out, arrays[0][5:15])
    # no name in the temp dir: nothing is left behind, even if the process is killed
    assert not [n for n in os.listdir(tempfile.gettempdir()) if n.startswith("trainlint-spill-")]


def test_pickled_with_data_or_as_handles():
    arrays = _arrays()
    s = Spilled(arrays)
    copy = pickle.loads(pickle.dumps(s))  # another process, the cache: the data travel
    assert copy is not s and _same(copy.get(), arrays)
    f = io.BytesIO()
    handles = dump_handles({"state": [s, s]}, f)  # the finish spill: handles stay, no data read
    assert handles == [s, s] and len(f.getvalue()) < 100
    f.seek(0)
    back = load_handles(f, handles)
    assert back["state"][0] is s and back["state"][1] is s


def test_the_file_closes_when_nothing_uses_it():
    s = Spilled(_arrays())
    f = s._file
    ref = spill._CURRENT
    assert ref() is f
    del s, f
    gc.collect()
    assert ref() is None  # the next run writes a new file; the old one's space is freed


def test_no_writable_temp_dir_keeps_the_arrays_in_memory(monkeypatch):
    def refuse(*_a, **_k):
        raise OSError(13, "Permission denied")

    gc.collect()
    monkeypatch.setattr(spill, "_CURRENT", None)
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    arrays = _arrays()
    s = Spilled(arrays)
    assert s._file is None and _same(s.get(), arrays)
    assert np.array_equal(s.read(1, 64, 96), arrays[1].reshape(-1)[64:96])
    assert _same(pickle.loads(pickle.dumps(s)).get(), arrays)


def test_a_full_temp_dir_keeps_the_arrays_in_memory(monkeypatch):
    def full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    arrays = _arrays()
    s = Spilled(arrays)
    assert s._file is None and _same(s.get(), arrays)


def test_pair_set_ranges_are_the_unique_sorted_pairs():
    rng = np.random.default_rng(3)
    rows = 5000
    pairs = PairSet(fold=1000, rows=rows, parts=7)
    added = []
    for _ in range(20):
        a, b = rng.integers(0, rows, 800), rng.integers(0, rows, 800)
        p = (np.minimum(a, b).astype(np.int64) << 32) | np.maximum(a, b)
        added.append(p)
        pairs.add(p)
    want = np.unique(np.concatenate(added))
    got = list(pairs.parts())
    assert len(got) == 7
    i = np.concatenate([g[0] for g in got]).astype(np.int64)
    j = np.concatenate([g[1] for g in got]).astype(np.int64)
    assert np.array_equal((i << 32) | j, want)
    si, sj = pairs.split()  # read again: the same
    assert np.array_equal(si, i) and np.array_equal(sj, j)
    assert np.array_equal(pairs.result(), want)


def _report(path):
    specs = open_sources([str(path)], ReadOptions())
    return [f.to_dict() for f in LocalEngine().run(specs, build_rules(Settings())).findings]


@pytest.mark.skipif(not GENERATOR.exists(), reason="shared benchmark generator not present")
def test_same_findings_with_and_without_a_writable_temp_dir(monkeypatch, tmp_path):
    subprocess.run([sys.executable, str(GENERATOR), "--rows", "3000", "--out", str(tmp_path), "--formats", "csv"],
                   check=True, capture_output=True)
    on_disk = _report(tmp_path / "data.csv")
    # every spilled state: near keys, blocks and pairs, exact hashes, languages, findings
    assert {f["code"] for f in on_disk} >= {"DU001", "DU002", "DU003", "LB001", "TX001", "PI001"}

    def refuse(*_a, **_k):
        raise OSError(30, "Read-only file system")

    gc.collect()
    monkeypatch.setattr(spill, "_CURRENT", None)
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    assert _report(tmp_path / "data.csv") == on_disk


def test_candidates_by_slices_of_the_key_space_are_the_same(monkeypatch):
    """A large table pairs each band's buckets a slice of the key space at a time: the same pairs."""
    from trainlint.rules.duplicates import _candidates

    rng = np.random.default_rng(5)
    n = 3000
    bands = rng.integers(0, 40, (n, 16), dtype=np.uint32)  # small values: big buckets in every band
    bucket = rng.integers(0, 3, n).astype(np.uint64)
    content = rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64)
    mask = rng.random(n) < 0.9
    whole = _candidates.candidates(bands, bucket, mask, content)
    monkeypatch.setattr(_candidates, "_PARTITION_ROWS", 200)  # 16 slices
    sliced = _candidates.candidates(bands, bucket, mask, content)
    assert whole[0].size > n and all(np.array_equal(a, b) for a, b in zip(whole, sliced))
