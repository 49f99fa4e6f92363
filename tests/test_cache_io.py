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
