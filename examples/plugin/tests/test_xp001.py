"""The plugin's YAML cases, each run streamed, in one-row batches and as merged partitions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trainlint.testing import MODES, lint_records
from trainlint_example_plugin import TextTooLong

DOC = yaml.safe_load((Path(__file__).parent / "cases" / "XP001.yml").read_text(encoding="utf-8"))
CASES = {c["name"]: c for c in DOC["cases"]}


def test_cases_name_the_rule():
    assert DOC["rule"] == TextTooLong.name
    assert any(n.startswith("pass_") for n in CASES) and any(n.startswith("fail_") for n in CASES)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", CASES)
def test_case(name, mode):
    case = CASES[name]
    found = lint_records(TextTooLong, case["records"], options=case.get("options"), mode=mode)
    expect = case.get("expect") or []
    assert len(found) == len(expect), [f.message for f in found]
    for f, want in zip(found, expect):
        assert f.code == "XP001" and f.row == want["row"]
        assert want["message"] in f.message


def test_doc_sections():
    from trainlint.rule import DOC_SECTIONS

    doc = TextTooLong.doc()
    assert doc.splitlines()[0].endswith(".")
    for section in DOC_SECTIONS:
        assert f"\n{section}\n" in doc
