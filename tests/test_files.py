"""Which files a run lints: a folder walk skips files that are not datasets (with one line naming
them), ``exclude``/``extend-exclude``/``per-file-ignores`` with ruff's semantics, ``--show-files``,
and a file named explicitly keeps its strictness."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner
from helpers import ROOT

from trainlint.cli import cli

DATA = ROOT.parent / "shared" / "data"


def _run(*args):
    return CliRunner().invoke(cli, ["check", "--no-progress", *args])


def _llama_factory_data(tmp_path: Path) -> Path:
    """A folder like LLaMA-Factory's data/: datasets beside a dataset_info.json, plus what
    ``save_to_disk`` and JavaScript tooling leave around."""
    d = tmp_path / "data"
    d.mkdir()
    shutil.copy(DATA / "chat" / "alpaca_en_demo.json", d)
    shutil.copy(DATA / "chat" / "openai_toy_chat_fine_tuning.jsonl", d)
    (d / "dataset_info.json").write_text('{"alpaca_en_demo": {"file_name": "alpaca_en_demo.json"}}\n')
    (d / "config.json").write_text('{"model_type": "llama"}\n')
    (d / "package.json").write_text('{"name": "site", "version": "1.0.0"}\n')
    (d / "settings.local.json").write_text('{\n  "theme": "dark"\n}\n')
    (d / "blob.csv").write_bytes(b"PK\x03\x04\x00\x00binary")
    return d


def test_walk_skips_what_is_not_data_and_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _llama_factory_data(tmp_path)
    r = _run("--isolated", "--select", "DU001,CH001", "data")
    assert r.exit_code == 1, r.output  # the 14 duplicates of the Alpaca demo, not a usage error
    assert "data/alpaca_en_demo.json: json, 999 rows" in r.stdout
    lines = [ln for ln in r.stderr.splitlines() if "skipped" in ln]
    assert len(lines) == 1, r.stderr
    for name in ("dataset_info.json", "config.json", "package.json", "settings.local.json", "blob.csv"):
        assert f"data/{name}" in lines[0]


def test_show_files_lists_linted_and_skipped_with_reasons(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _llama_factory_data(tmp_path)
    (tmp_path / "data" / "raw").mkdir()
    (tmp_path / "data" / "raw" / "dump.csv").write_text("text\nx\n")
    (tmp_path / "trainlint.toml").write_text('extend-exclude = ["raw"]\n')
    r = _run("--show-files", "data")
    assert r.exit_code == 0, r.output
    out = r.stdout.splitlines()
    assert out[:2] == ["lint  data/alpaca_en_demo.json", "lint  data/openai_toy_chat_fine_tuning.jsonl"]
    assert "skip  data/package.json  (metadata, not records)" in out
    assert "skip  data/settings.local.json  (a JSON object, not records)" in out
    assert "skip  data/blob.csv  (binary)" in out
    assert not any("raw" in line for line in out)  # an excluded folder is not entered


def test_a_file_named_explicitly_stays_strict(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _llama_factory_data(tmp_path)
    r = _run("--isolated", "data/package.json")
    assert r.exit_code == 2 and "data/package.json" in r.stderr


def test_exclude_applies_to_named_files_only_with_force_exclude(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.csv").write_text("text\nsame row\nsame row\n")
    (tmp_path / "b.csv").write_text("text\nother\n")
    (tmp_path / "pyproject.toml").write_text('[tool.trainlint]\nselect = ["DU001"]\nexclude = ["a.csv"]\n')
    assert _run("a.csv", "b.csv").exit_code == 1  # named: linted (ruff's rule)
    r = _run("--force-exclude", "a.csv", "b.csv")
    assert r.exit_code == 0 and "a.csv" not in r.stdout
    r = _run(".")
    assert r.exit_code == 0 and "b.csv" in r.stdout and "a.csv:" not in r.stdout


def test_per_file_ignores_with_negation(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    for name in ("train.csv", "test.csv"):
        (tmp_path / "data" / name).write_text("text,label\nsame row,a\nsame row,a\n,b\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.trainlint]\nselect = ["DU001", "MV001"]\n'
        '[tool.trainlint.per-file-ignores]\n"data/test.csv" = ["DU"]\n"!train.csv" = ["missing-value"]\n')
    r = _run("--output-format", "json", "data")
    import json

    found = sorted((f["source"], f["code"]) for f in json.loads(r.stdout)["findings"])
    assert found == [("data/train.csv", "DU001"), ("data/train.csv", "MV001")]
    assert "2 findings turned off by per-file-ignores" in r.stderr


def test_unknown_config_keys_still_fail(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.csv").write_text("text\nx\n")
    (tmp_path / "pyproject.toml").write_text('[tool.trainlint]\nexclud = ["a.csv"]\n')
    r = _run("a.csv")
    assert r.exit_code == 2 and "unknown key 'exclud'" in r.stderr


def test_configured_paths_are_linted_without_arguments(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("text\nsame row\nsame row\n")
    (tmp_path / "pyproject.toml").write_text('[tool.trainlint]\nselect = ["DU001"]\npaths = ["data"]\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # paths are relative to the config file, not the working directory
    r = _run()
    assert r.exit_code == 1 and "data/a.csv:" in r.stdout and "DU001 exact-duplicate" in r.stdout, r.output
    r = _run("--isolated")
    assert r.exit_code == 2 and "name files, directories or globs" in r.stderr
