"""State-cache entries as bytes (``lint/cacheio.py``): a round trip, foreign and damaged entries
refused, and loads frozen out of the collector only within a command (``frozen_loads``)."""

from __future__ import annotations

import gc
import io

import pytest
from click.testing import CliRunner

from trainlint import cacheio
from trainlint.cli import cli


def test_round_trip_and_refusals():
    value = {"a": list(range(1000)), "b": ("x", None)}
    buf = io.BytesIO()
    cacheio.dump_entry(value, buf)
    data = buf.getvalue()
    assert data[:4] == cacheio.MAGIC
    assert cacheio.read_entry(io.BytesIO(data)) == value
    with pytest.raises(ValueError):
        cacheio.read_entry(io.BytesIO(b"XXXX" + data[4:]))
    with pytest.raises((EOFError, ValueError)):  # cut short
        cacheio.read_entry(io.BytesIO(data[:40]))
    assert gc.isenabled()


def test_spilled_arrays_follow_the_pickle_one_at_a_time(monkeypatch):
    """A state's spilled arrays are not part of the pickle (whose memo would keep every one read
    back until the end, issue 21): each ``Spilled`` is written once, however often it is met,
    read back one at a time, and loads as one object again, into the spill file."""
    import numpy as np

    from trainlint.spill import Spilled

    a = Spilled((np.arange(100_000, dtype=np.int64), np.ones((3, 4), np.float32)))
    b = Spilled((np.zeros(0, np.int8),))
    reads = []
    real = Spilled.read

    def read(self, k, *args, **kw):
        out = real(self, k, *args, **kw)
        reads.append(out.nbytes)
        return out

    monkeypatch.setattr(Spilled, "read", read)
    buf = io.BytesIO()
    cacheio.dump_entry({"x": [a, b, a], "y": "text"}, buf)
    assert reads == [800_000, 48, 0]  # each array once, one at a time
    pickled = io.BytesIO()
    cacheio._Namer(pickled, {}).dump({"x": [a, b, a]})
    assert len(pickled.getvalue()) < 1000  # the pickle names them; it does not hold them
    got = cacheio.read_entry(io.BytesIO(buf.getvalue()))
    assert got["x"][0] is got["x"][2] and got["y"] == "text"
    assert np.array_equal(got["x"][0].read(0), np.arange(100_000)) and got["x"][1].read(0).size == 0
    assert np.array_equal(got["x"][0].read(1), np.ones((3, 4), np.float32))
    with pytest.raises(ValueError):  # cut inside the arrays
        cacheio.read_entry(io.BytesIO(buf.getvalue()[:-100]))


def test_loads_are_frozen_only_within_a_command(tmp_path, monkeypatch):
    f = tmp_path / "a.csv"
    f.write_text("text,label\nhello there,a\nhello there,b\nsomething else,a\n")
    frozen = []
    real = cacheio.read_entry

    def seen(fp):
        value = real(fp)
        frozen.append(gc.get_freeze_count())
        return value

    monkeypatch.setattr(cacheio, "read_entry", seen)
    monkeypatch.setattr("trainlint.statecache.read_entry", seen)
    args = ["check", str(f), "--no-progress", "--isolated", "--cache", "--cache-dir", str(tmp_path / "c")]
    for _ in range(2):
        assert CliRunner().invoke(cli, args, catch_exceptions=False).exit_code in (0, 1)
    assert frozen and max(frozen) > 0  # the second run loaded entries, frozen
    assert gc.get_freeze_count() == 0 and gc.isenabled()  # and let go when the command ended
    buf = io.BytesIO()
    cacheio.dump_entry([1], buf)
    real(io.BytesIO(buf.getvalue()))
    assert gc.get_freeze_count() == 0  # outside a command (``lint()``): nothing is frozen


def test_file_entries_stream_a_file_and_refuse_a_cut_one(tmp_path):
    """A report kept by the render memo goes into its entry and out again as a stream
    (``FileBytes``/``StoredFile``); a cut entry writes nothing."""
    import os

    src = tmp_path / "report.json"
    src.write_bytes(os.urandom(3_000_000) + b"end")
    entry = tmp_path / "entry"
    with open(entry, "wb") as f:
        cacheio.dump_entry(cacheio.FileBytes(str(src)), f)
    with open(entry, "rb") as f:
        kept = cacheio.read_entry(f)
    assert isinstance(kept, cacheio.StoredFile)
    kept.copy_to(str(tmp_path / "out.json"))
    assert (tmp_path / "out.json").read_bytes() == src.read_bytes()
    entry.write_bytes(entry.read_bytes()[:-50_000])
    with pytest.raises(Exception):
        kept.copy_to(str(tmp_path / "cut.json"))
    assert not (tmp_path / "cut.json").exists() and len(list(tmp_path.glob(".trainlint-*"))) == 0
