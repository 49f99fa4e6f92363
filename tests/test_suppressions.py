"""Suppressions with reasons, through the command line, on SMS spam: --add-suppressions writes
entries with a placeholder reason; a reason is mandatory; an entry that no longer matches is an
``unused-suppression`` finding at its line."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner
from helpers import ROOT

from trainlint.cli import cli
from trainlint.suppressions import PLACEHOLDER

SMS = ROOT.parent / "shared" / "data" / "sms_spam" / "SMSSpamCollection"


def _run(*args):
    return CliRunner().invoke(cli, ["check", "--no-progress", *args])


def _setup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(SMS, "sms.tsv")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.trainlint]\nselect = ["DU001", "TL001"]\nsuppressions = "trainlint-suppressions.toml"\n')


def test_add_suppressions_then_everything_is_accepted(tmp_path, monkeypatch):
    _setup(tmp_path, monkeypatch)
    (tmp_path / "trainlint-suppressions.toml").write_text("")
    r = _run("sms.tsv", "--add-suppressions", "-q")
    # one entry per repeated message: an entry accepts its content, however many copies there are
    assert "added 281 suppressions to trainlint-suppressions.toml" in r.stderr, r.output
    text = (tmp_path / "trainlint-suppressions.toml").read_text()
    assert text.count("[[suppress]]") == 281 and text.count(f'reason = "{PLACEHOLDER}"') == 281
    assert "# sms.tsv:104: same text and label as an earlier row" in text  # where it came from, for people
    r = _run("sms.tsv", "--output-format", "json")
    data = json.loads(r.stdout)
    assert r.exit_code == 0 and data["findings"] == [] and data["stats"]["accepted"]["suppressed"] == 403
    assert "403 findings suppressed" in r.stderr
    assert "281 suppressions still give the placeholder reason" in r.stderr
    assert data["stats"]["accepted"]["placeholder_reasons"] == 281
    text = text.replace(f'reason = "{PLACEHOLDER}"', 'reason = "Repeated texts are real SMS traffic."', 280)
    (tmp_path / "trainlint-suppressions.toml").write_text(text)
    assert "1 suppression still gives the placeholder reason" in _run("sms.tsv", "-q").stderr
    # adding again adds nothing: every finding has its entry
    assert "added 0 suppressions" in _run("sms.tsv", "--add-suppressions", "-q").stderr


def test_entries_follow_rows_that_move_and_stale_ones_are_reported(tmp_path, monkeypatch):
    _setup(tmp_path, monkeypatch)
    (tmp_path / "trainlint-suppressions.toml").write_text("")
    _run("sms.tsv", "--add-suppressions", "-q")
    lines = [ln + b"\n" for ln in (tmp_path / "sms.tsv").read_bytes().splitlines()]
    # the file reversed (every row moves) and the first repeated message's copies removed
    first_dup = lines[103]
    kept = [ln for ln in reversed(lines) if ln != first_dup]
    (tmp_path / "sms.tsv").write_bytes(b"".join(kept))
    r = _run("sms.tsv", "--output-format", "json")
    found = json.loads(r.stdout)["findings"]
    assert [f["code"] for f in found] == ["TL001"] * len(found) and 1 <= len(found) <= 3, found
    tl = found[0]
    assert tl["source"] == "trainlint-suppressions.toml" and tl["line"] > 1
    header = (tmp_path / "trainlint-suppressions.toml").read_text().splitlines()[tl["line"] - 1]
    assert header == "[[suppress]]"
    assert r.exit_code == 1  # a stale suppression is a warning, like any finding


def test_reason_is_mandatory_and_pattern_entries_in_pyproject(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text("text,label\nhello there friend,a\nhello there friend,a\nbye now,b\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.trainlint]\nselect = ["DU001", "TL001"]\n\n[[tool.trainlint.suppress]]\nrule = "DU001"\n'
        'pattern = "hello"\n')
    r = _run("d.csv")
    assert r.exit_code == 2 and "'reason' is required" in r.stderr
    (tmp_path / "pyproject.toml").write_text(
        '[tool.trainlint]\nselect = ["DU001", "TL001"]\n\n[[tool.trainlint.suppress]]\nrule = "DU001"\n'
        'pattern = "hello"\nreason = "greetings repeat in real chats"\n\n'
        '[[tool.trainlint.suppress]]\nrule = "DU001"\npattern = "bye"\nreason = "stale"\n')
    r = _run("d.csv")
    assert r.exit_code == 1
    assert r.stdout.splitlines()[0].startswith("pyproject.toml:9: TL001 unused-suppression")
    assert "1 finding suppressed" in r.stderr
