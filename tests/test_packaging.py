"""Packaging: lint/ installs as trainlint, rules/ as trainlint.rules, never as bare lint/rules."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from helpers import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _declared():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return set(cfg["packages"]), cfg["package-dir"]


def test_every_package_folder_is_declared():
    declared, mapping = _declared()
    assert mapping == {"trainlint": "lint", "trainlint.rules": "rules"}
    found = set()
    for top, name in (("lint", "trainlint"), ("rules", "trainlint.rules")):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top).parts
            if "__pycache__" in rel:
                continue
            found.add(".".join((name, *rel)) if rel else name)
    assert found == declared, f"undeclared: {found - declared}, stale: {declared - found}"


def test_wheel_has_no_bare_lint_or_rules(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True)
    wheel = next(tmp_path.glob("trainlint-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert "lint" not in tops and "rules" not in tops
    assert "trainlint/cli.py" in names and "trainlint/rules/duplicates/du001_exact_duplicate.py" in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry).decode()
    assert "trainlint = trainlint.cli:main" in text and "trainlint.rules:builtin_rules" in text


def test_readme_lists_every_builtin_rule():
    from trainlint.registry import all_rules

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in all_rules():
        if rule.__module__.startswith("trainlint.rules"):
            assert f"| {rule.code} | `{rule.name}` |" in readme, f"README's rule table lacks {rule.code}"
