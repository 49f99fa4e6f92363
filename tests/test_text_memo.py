"""The text memo (``lint/textmemo.py``): a warm run's report takes the texts it shows from what the
last run read, reads only rows it does not hold (an append's), and never shows a text of content
that is no longer there."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from test_statecache import _report, _same

from trainlint.reporters import _snippets

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


@pytest.fixture
def reads(monkeypatch) -> list[int]:
    """The rows whose text a report read from the sources."""
    rows: list[int] = []
    real = _snippets._read

    def counted(spec, wanted):
        rows.extend(wanted)
        return real(spec, wanted)

    monkeypatch.setattr(_snippets, "_read", counted)
    return rows


def _banking(tmp_path: Path) -> Path:
    f = tmp_path / "test.csv"
    shutil.copy(DATA / "banking77" / "test.csv", f)
    os.chmod(f, 0o644)
    return f


def test_unchanged_run_reads_no_text(tmp_path, reads):
    """banking77 test: 28 near-duplicate findings show both texts; the second warm run reads none."""
    f = _banking(tmp_path)
    cache = tmp_path / "c"
    first = _same([f], cache)
    assert first.count('"related_text"') >= 20
    reads.clear()
    assert _report([f], "--cache", "--cache-dir", str(cache)) == first
    assert reads == []
    # the text report's snippets and pair texts: the same memo, the rows it lacks read and added
    text = _report([f], "--cache", "--cache-dir", str(cache), "--output-format", "text")
    assert text == _report([f], "--no-cache", "--output-format", "text")
    reads.clear()
    assert _report([f], "--cache", "--cache-dir", str(cache), "--output-format", "text") == text
    assert reads == []


def test_append_reads_only_new_rows_and_an_edit_reads_again(tmp_path, reads):
    f = _banking(tmp_path)
    cache = tmp_path / "c"
    first = _same([f], cache)
    shown = set(reads)  # the rows whose texts the memo holds
    lines = f.read_text().splitlines(keepends=True)
    rows = json.loads(first)["summary"]["rows"]
    # an append whose rows near-duplicate earlier ones: their texts and the earlier rows' are shown
    with open(f, "a") as out:
        out.write(lines[40].replace("?", "??", 1) + lines[41].replace("my", "my own", 1))
    reads.clear()
    warm = _report([f], "--cache", "--cache-dir", str(cache))
    warm_reads = list(reads)
    assert warm == _report([f], "--no-cache")
    assert warm.count('"related_text"') > first.count('"related_text"')
    # the memo's rows are not read again: the warm run read the appended rows' texts and those
    # of the rows they pair with, which no finding showed before
    assert rows in warm_reads and rows + 1 in warm_reads and not shown & set(warm_reads), warm_reads
    assert len(reads) > len(warm_reads)  # the cold run reads the earlier rows too
    # an edit of a row that is shown (row 39: "Where is the tracking number ..."): its text is
    # read again, the memo's old text is never shown
    lines = f.read_text().splitlines(keepends=True)
    assert "tracking number for the card you sent me?" in lines[40]
    lines[40] = lines[40].replace("sent me?", "sent me?!")
    f.write_text("".join(lines))
    out = _same([f], cache)
    assert "sent me?!" in out


def test_damaged_memo_is_ignored(tmp_path, reads):
    f = _banking(tmp_path)
    cache = tmp_path / "c"
    first = _same([f], cache)
    for e in (cache / "entries").rglob("*"):
        if e.is_file():
            e.write_bytes(e.read_bytes()[:30])  # every entry cut short, the memo among them
    assert _same([f], cache) == first


def test_a_kept_finished_run_is_shown_redacted(tmp_path):
    """The finished run is kept redacted (``engines.cached.redacted``): a warm run that reuses it
    shows no private value, as the cold one.  Label variants quote the labels (an address here)."""
    f = tmp_path / "labels.jsonl"
    labels = ["jane.doe@privatemail.org", "Jane.Doe@privatemail.org "]
    f.write_text("".join(json.dumps({"text": f"hello world {i}", "label": labels[i % 2]}) + "\n" for i in range(20)))
    cache = tmp_path / "c"
    for fmt in ("json", "text"):
        first = _same([f], cache, "--output-format", fmt)
        assert _report([f], "--cache", "--cache-dir", str(cache), "--output-format", fmt) == first
        # the message quotes both labels masked (the stats count labels as they are)
        msgs = ([x["message"] for x in json.loads(first)["findings"]] if fmt == "json"
                else [line for line in first.splitlines() if "differs from" in line])
        variant = [m for m in msgs if "differs from" in m]
        assert variant and all("j***@" in m and "privatemail" not in m for m in variant), msgs
