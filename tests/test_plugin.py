"""The example plugin (examples/plugin) installs, registers XP001 through the entry point, and runs.

It is installed with pip into a temporary ``--target`` directory and used from subprocesses with
that directory on PYTHONPATH: entry points are found through importlib.metadata, which reads the
``.dist-info`` there, and the rule registry is cached per process.  The environment running the
tests is left untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from helpers import ROOT

PLUGIN = ROOT / "examples" / "plugin"
LONG = "This review goes on and on and on, far longer than anyone needs."


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory):
    base = tmp_path_factory.mktemp("plugin")
    src = base / "src"
    # build from a copy: an in-tree build would leave build/ and *.egg-info in examples/plugin
    shutil.copytree(PLUGIN, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__",
                                                               ".pytest_cache"))
    target = base / "site"
    # Build isolation fetches setuptools from PyPI (or pip's cache): the test environment need not
    # have setuptools, nor the wheel package its older versions need to build.
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                        str(src)], capture_output=True, text=True, timeout=600)
    if r.returncode != 0 and any(m in r.stderr for m in ("NewConnectionError", "Temporary failure in name "
                                                          "resolution", "Network is unreachable")):
        pytest.skip("pip could not reach PyPI for the build backend (setuptools)")
    assert r.returncode == 0, r.stdout + r.stderr
    assert list(target.glob("trainlint_example_plugin-*.dist-info")), "no .dist-info installed"
    env = {k: v for k, v in os.environ.items() if k != "TRAINLINT_DEBUG"}
    env.update(PYTHONPATH=os.pathsep.join([str(target), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
               NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
    work = base / "work"
    work.mkdir()
    (work / "reviews.csv").write_text(f"text,label\nShort and sweet.,positive\n\"{LONG}\",negative\n")
    return env, work, src


def trainlint(env, cwd, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trainlint", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_rules_lists_plugin_rule(plugin_env):
    env, work, _ = plugin_env
    r = trainlint(env, work, "rules")
    assert r.returncode == 0, r.stderr
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("XP001")), None)
    assert line is not None, r.stdout
    assert "text-too-long" in line and "fix=unsafe" in line
    assert "DU001" in r.stdout  # built-in rules are still there


def test_not_installed_without_the_plugin(plugin_env):
    env, work, _ = plugin_env
    bare = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    r = trainlint(bare, work, "rules")
    assert r.returncode == 0 and "XP001" not in r.stdout


@pytest.mark.parametrize("key", ["XP001", "text-too-long"])
def test_rule_prints_plugin_doc(plugin_env, key):
    env, work, _ = plugin_env
    r = trainlint(env, work, "rule", key)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("text-too-long (XP001)")
    for section in ("What it checks", "Why it matters", "Example", "Fix", "Options", "max-chars"):
        assert section in r.stdout


@pytest.mark.parametrize("jobs", [("--jobs", "1"), ("--jobs", "2"), ("--engine", "processes", "--jobs", "2")])
def test_check_reports_plugin_rule(plugin_env, jobs, tmp_path):
    # the last runs every block in worker processes: the plugin's rule is pickled to them
    env, work, _ = plugin_env
    r = trainlint(env, work, "check", "reviews.csv", "--select", "XP001", *jobs)
    assert r.returncode == 0, r.stdout + r.stderr  # default max-chars = 2000
    (tmp_path / "trainlint.toml").write_text("[rules.text-too-long]\nmax-chars = 40\n")
    r = trainlint(env, tmp_path, "check", str(work / "reviews.csv"), "--select", "XP001", *jobs)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"reviews.csv:3: XP001 text-too-long text has {len(LONG)} characters" in r.stdout
    assert "reviews.csv:2:" not in r.stdout


def test_plugin_rule_runs_by_default_and_can_be_ignored(plugin_env, tmp_path):
    env, work, _ = plugin_env
    (tmp_path / "trainlint.toml").write_text("[rules.text-too-long]\nmax-chars = 40\n")
    data = str(work / "reviews.csv")
    assert "XP001" in trainlint(env, tmp_path, "check", data).stdout
    assert "XP001" not in trainlint(env, tmp_path, "check", data, "--ignore", "XP").stdout


def test_unknown_plugin_option_is_named(plugin_env, tmp_path):
    env, work, _ = plugin_env
    (tmp_path / "trainlint.toml").write_text("[rules.text-too-long]\nmax-char = 40\n")
    r = trainlint(env, tmp_path, "check", str(work / "reviews.csv"))
    assert r.returncode == 2
    assert "max-char" in r.stderr and "text-too-long" in r.stderr and "Traceback" not in r.stderr


def test_plugin_own_tests_pass(plugin_env):
    env, _, src = plugin_env
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=src, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert " passed" in r.stdout
