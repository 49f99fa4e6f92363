"""The reviewed samples of default findings (tests/data/reviewed/<CODE>.jsonl) and what they say.

Each line is a finding of the default run on a real dataset in ../shared/data, judged by a person
("right" or "wrong", with the reason).  Drawn by ``benchmarks/review_sample.py`` (fixed seed, up to
30 per rule, warnings and errors).  A default-on rule must be right on >= 90% of its sample.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import DATA, ROOT
from trainlint.registry import find_rule

REVIEWED = ROOT / "tests" / "data" / "reviewed"
FILES = sorted(REVIEWED.glob("*.jsonl"))
KEYS = {"code", "file", "line", "related_line", "snippet", "verdict", "reason"}


def _entries(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def precision(entries: list[dict]) -> float:
    return sum(e["verdict"] == "right" for e in entries) / len(entries)


def test_the_five_rules_have_a_fixture():
    assert {p.stem for p in FILES} >= {"DU001", "DU002", "DU003", "LB001", "LK001"}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_entries_are_judged_findings_of_real_files(path):
    for e in _entries(path):
        assert set(e) >= KEYS, e
        assert e["code"] == path.stem
        assert e["verdict"] in ("right", "wrong") and len(e["reason"]) > 10, e
        assert isinstance(e["line"], int) and e["line"] >= 1
        if DATA.exists():
            assert (DATA / e["file"]).is_file(), e["file"]


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_default_on_rules_are_precise_on_their_reviewed_sample(path):
    entries = _entries(path)
    rule = find_rule(path.stem)
    if not entries:
        # LB001: its default (exact matching) has no finding on the real datasets; nothing to judge
        return
    if rule.default:
        assert precision(entries) >= 0.9, f"{path.stem}: {precision(entries):.2f} on {len(entries)} reviewed findings"


def test_precision_counts_wrong_verdicts():
    assert precision([{"verdict": "right"}] * 8 + [{"verdict": "wrong"}] * 2) == 0.8
