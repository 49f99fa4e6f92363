"""Packaging: lint/ installs as trainlint, rules/ as trainlint.rules, never as bare lint/rules."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from helpers import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)], check=True)
    return zipfile.ZipFile(next(out.glob("trainlint-*.whl")))


def test_package_dirs_are_mapped_not_listed():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert cfg["package-dir"] == {"trainlint": "lint", "trainlint.rules": "rules"}
    assert "packages" not in cfg  # found by setup.py: a new folder needs no list


def test_every_package_folder_is_in_the_wheel(wheel):
    names = set(wheel.namelist())
    found = set()
    for top, name in (("lint", "trainlint"), ("rules", "trainlint/rules")):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.relative_to(ROOT / top).as_posix()
            found.add(f"{name}/{rel}")
            for module in init.parent.glob("*.py"):
                assert f"{name}/{module.relative_to(ROOT / top).as_posix()}" in names
    assert found and found <= names
    assert {n for n in names if n.endswith("__init__.py")} == found  # nothing else packaged


def test_wheel_has_no_bare_lint_or_rules(wheel):
    names = wheel.namelist()
    tops = {n.split("/")[0] for n in names}
    assert "lint" not in tops and "rules" not in tops
    assert "trainlint/cli/__init__.py" in names and "trainlint/rules/duplicates/du001_exact_duplicate.py" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    text = wheel.read(entry).decode()
    assert "trainlint = trainlint.cli:main" in text and "trainlint.rules:builtin_rules" in text


def test_readme_rule_table_is_the_generated_one():
    """The README's table is ``trainlint rules --output-format markdown`` for the built-in rules."""
    from trainlint.registry import markdown_table
    from trainlint.rules import builtin_rules

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("| code | name | severity |")
    table = readme[start:readme.index("\n\n", start) + 1]
    assert table == markdown_table(builtin_rules()), "regenerate it: trainlint rules --output-format markdown"
    assert table.count("\n") == len(builtin_rules()) + 2
