"""The render memo (``lint/rendermemo.py``): a report file of an unchanged run is written from the
cache, byte for byte what the reporter writes, and never for another run, other options, or a run
whose findings were filtered (a baseline)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from trainlint.cli import cli
from trainlint.reporters import json_report, text

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The reports made by a reporter (not written from the memo)."""
    made: list[str] = []
    for mod, name in ((json_report, "json"), (text, "text")):
        real = mod.write

        def counted(*a, _real=real, _name=name, **k):
            made.append(_name)
            return _real(*a, **k)

        monkeypatch.setattr(mod, "write", counted)
    return made


def _write(tmp_path: Path, data: Path, cache: Path | None, fmt: str = "json", *extra: str) -> bytes:
    out = tmp_path / f"report.{fmt}"
    args = ["check", str(data), "--output-format", fmt, "--output-file", str(out), "--no-progress", "--isolated",
            *extra, *(["--cache", "--cache-dir", str(cache)] if cache else ["--no-cache"])]
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code in (0, 1), res.output
    return out.read_bytes()


@pytest.fixture
def banking(tmp_path) -> Path:
    f = tmp_path / "test.csv"
    shutil.copy(DATA / "banking77" / "test.csv", f)
    os.chmod(f, 0o644)
    return f


def test_unchanged_run_writes_the_kept_report(tmp_path, banking, renders):
    cache = tmp_path / "c"
    for fmt in ("json", "text"):
        cold = _write(tmp_path, banking, None, fmt)
        assert _write(tmp_path, banking, cache, fmt) == cold  # the first run keeps it
        renders.clear()
        assert _write(tmp_path, banking, cache, fmt) == cold
        assert renders == []  # written from the memo
    # other options: rendered again, as a cold run renders them
    for extra in (("--no-show-text",), ("--fail-on", "error"), ("--max-per-rule", "2")):
        fmt = "text" if "--max-per-rule" in extra else "json"
        renders.clear()
        assert _write(tmp_path, banking, cache, fmt, *extra) == _write(tmp_path, banking, None, fmt, *extra)
        assert renders[0] == fmt


def test_changed_data_or_accepted_findings_render_again(tmp_path, banking, renders):
    cache = tmp_path / "c"
    _write(tmp_path, banking, cache)
    with open(banking, "a") as f:
        f.write("What is the tracking number for the card you sent me??,card_arrival\n")
    renders.clear()
    assert _write(tmp_path, banking, cache) == _write(tmp_path, banking, None)
    assert renders == ["json", "json"]
    # a baseline hides findings: that report is not the finished run's, it is never kept or served
    base = tmp_path / "base.json"
    res = CliRunner().invoke(cli, ["check", str(banking), "--isolated", "--no-progress", "--no-cache",
                                   "--write-baseline", str(base)], catch_exceptions=False)
    assert base.exists(), res.output
    renders.clear()
    with_base = _write(tmp_path, banking, cache, "json", "--baseline", str(base))
    assert with_base == _write(tmp_path, banking, None, "json", "--baseline", str(base))
    assert renders == ["json", "json"]
    assert _write(tmp_path, banking, cache) == _write(tmp_path, banking, None)  # and back


def test_one_rendering_kept_per_report_file(tmp_path, banking):
    cache = tmp_path / "c"

    def entries() -> int:
        return sum(1 for p in (cache / "entries").rglob("*") if p.is_file())

    _write(tmp_path, banking, cache)
    n = entries()
    for fail_on in ("error", "info", "warning"):
        _write(tmp_path, banking, cache, "json", "--fail-on", fail_on)
    assert entries() == n


def test_damaged_rendering_is_rendered_again(tmp_path, banking, renders):
    cache = tmp_path / "c"
    first = _write(tmp_path, banking, cache)
    for e in (cache / "entries").rglob("*"):
        if e.is_file() and e.stat().st_size > 1000:
            e.write_bytes(e.read_bytes()[:-100])  # cut short
    assert _write(tmp_path, banking, cache) == first
