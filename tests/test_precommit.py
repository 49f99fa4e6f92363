"""The pre-commit hook, end to end: ``pre-commit try-repo`` in a throw-away git repository.

try-repo installs trainlint into a fresh virtualenv from a git checkout, with its dependencies
from PyPI, on every call (it uses a throw-away store whatever PRE_COMMIT_HOME says): 20-30 s a
call here with a warm pip cache, hence only two calls.  It runs on a clone of this repository's
HEAD, so it tests the last *commit*; uncommitted work in the tree is not part of it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from helpers import ROOT

HOOKS = ROOT / ".pre-commit-hooks.yaml"


def _hook() -> dict:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    return next(h for h in hooks if h["id"] == "trainlint")


def test_hook_definition():
    hook = _hook()
    assert hook["entry"] == "trainlint check --force-exclude --siblings --cache"
    assert hook["language"] == "python"
    assert hook.get("pass_filenames", True) is True


@pytest.mark.parametrize("path", [".pre-commit-hooks.yaml", "examples/pre-commit-config.yaml"])
def test_pre_commit_validates_manifest_and_example_config(path):
    cmd = "validate-manifest" if path.startswith(".pre-commit-hooks") else "validate-config"
    r = subprocess.run([sys.executable, "-m", "pre_commit", cmd, str(ROOT / path)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("name, matched", [
    ("train.csv", True), ("data/test.jsonl", True), ("a.tsv", True), ("a.ndjson", True),
    ("a.parquet", True), ("a.jsonl.gz", True), ("a.csv.zst", True),
    ("README.md", False), ("a.csv.bak", False), ("a.py", False), ("a.gz", False), ("csv", False),
    # JSON only when its name says it is a split: never package.json, config.json, dataset_info.json
    ("train.json", True), ("data/alpaca_test.json", True), ("dev.json.gz", True), ("data/eval-v2.json", True),
    ("package.json", False), ("web/package.json", False), ("data/dataset_info.json", False),
    ("config.json", False), ("tsconfig.json", False), ("a.json", False), ("data/contest.json", False),
])
def test_hook_files_pattern(name, matched):
    assert bool(re.search(_hook()["files"], name)) is matched


@pytest.fixture(scope="module")
def precommit_env(tmp_path_factory):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: pre-commit try-repo needs one")
    base = tmp_path_factory.mktemp("precommit")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT", "VIRTUAL_ENV"))}
    env.update(PRE_COMMIT_HOME=str(base / "cache"), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com", NO_COLOR="1")
    # A clean clone of HEAD: try-repo would otherwise fold other uncommitted work into a new shadow
    # commit (and a new virtualenv) on every call.
    hook_repo = base / "trainlint"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(hook_repo)], check=True, env=env)
    if not (hook_repo / ".pre-commit-hooks.yaml").exists():
        pytest.fail(".pre-commit-hooks.yaml is not committed: try-repo only sees committed files")
    work = base / "project"
    work.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=work, check=True, env=env)
    subprocess.run(["git", "config", "user.email", "t@example.com"], cwd=work, check=True, env=env)
    subprocess.run(["git", "config", "user.name", "t"], cwd=work, check=True, env=env)
    (work / "dirty.csv").write_text("text,label\nthe cat sat,a\nthe dog ran,b\nthe cat sat,a\n")
    (work / "clean.csv").write_text("text,label\nthe cat sat,a\nthe dog ran,b\n")
    # not a data file by name, so the hook must not see it (trainlint itself would read and fail it)
    (work / "dirty.csv.bak").write_text("text,label\nthe cat sat,a\nthe cat sat,a\n")
    # the hook reads the project's config like the CLI; the foundation rules keep "clean" clean as
    # rules about label balance and the like are added
    (work / "pyproject.toml").write_text('[tool.trainlint]\nselect = ["DU001", "IR001", "MV001", "LK001"]\n')
    # a dataset's splits: train is committed; a later commit stages test with a row of train in it
    (work / "data").mkdir()
    banking = ROOT.parent / "shared" / "data" / "banking77"
    train = banking.joinpath("train.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    test = banking.joinpath("test.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (work / "data" / "train.csv").write_text("".join(train[:300]), encoding="utf-8")
    (work / "data" / "test.csv").write_text("".join(test[:80] + [train[17]]), encoding="utf-8")
    (work / "data" / "dataset_info.json").write_text('{"banking": {"file_name": "train.csv"}}\n')
    subprocess.run(["git", "add", "."], cwd=work, check=True, env=env)
    subprocess.run(["git", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "data"], cwd=work, check=True,
                   env=env)
    return work, hook_repo, env


_OFFLINE = ("NewConnectionError", "Temporary failure in name resolution", "Network is unreachable",
            "ProxyError", "ConnectTimeoutError")


def _try_repo(precommit_env, *files: str) -> subprocess.CompletedProcess:
    work, hook_repo, env = precommit_env
    r = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "trainlint", "--files", *files],
        cwd=work, env=env, capture_output=True, text=True, timeout=900)
    out = r.stdout + r.stderr
    if r.returncode == 3 and any(marker in out for marker in _OFFLINE):
        pytest.skip("pre-commit could not reach PyPI to install the hook's dependencies")
    return r


def test_try_repo_fails_on_dirty_file(precommit_env):
    r = _try_repo(precommit_env, "dirty.csv")
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "Failed" in out
    # --siblings reads clean.csv beside it: the copies are one entry, anchored on the staged file
    assert "dirty.csv:2: DU001 exact-duplicate 3 rows with the same text and label" in out
    assert "also line 4; clean.csv line 2" in out
    assert "| the cat sat" in out  # the snippet of the text


def test_try_repo_passes_clean_file_and_skips_other_files(precommit_env):
    r = _try_repo(precommit_env, "clean.csv", "dirty.csv.bak")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Passed" in r.stdout


def test_try_repo_reads_sibling_splits_and_reports_on_staged_files(precommit_env):
    """Only test.csv is passed (as pre-commit passes the staged files): its sibling train.csv is
    read too, so the row copied from train is found; train.csv's own findings are not reported."""
    r = _try_repo(precommit_env, "data/test.csv")
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    # one entry per leaked train row, naming the staged test row it leaked into
    # the entry is on the staged test row and names the train row it leaked from
    assert "data/test.csv:81: LK001 split-leakage text appears in the train split (data/train.csv:18)" in out
    assert "data/train.csv: csv, 299 rows" in out and "DU001" not in out
