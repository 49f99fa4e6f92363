"""Precision of the chat rules and missing-value, recomputed from the reviewed samples in
tests/data/reviewed/<CODE>.jsonl (each line one finding of the default run on ../shared/data,
opened and judged "right" or "wrong" with the reason).  A default-on rule must be right at
least 90% of the time on its sample (issue 22); and the sample must still be what the rule
finds on those files, so a change that adds findings has to add their reviews."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import DATA

import trainlint
from trainlint.registry import find_rule

REVIEWED = Path(__file__).parent / "data" / "reviewed"
#: the rules this file measures; CH001, CH003, CH004, CT001, CT003 and CT005 find nothing in the
#: default run on ../shared/data, so they have no sample (their YAML cases and fixtures test them)
CODES = ["CH002", "CT002", "CT004", "CT006", "MV001"]
TARGET = 0.9


def reviews(code: str) -> list[dict]:
    path = REVIEWED / f"{code}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def precision(rows: list[dict]) -> float:
    return sum(r["verdict"] == "right" for r in rows) / len(rows)


@pytest.mark.parametrize("code", CODES)
def test_default_on_rules_reach_the_target(code):
    rows = reviews(code)
    assert rows and all(r["code"] == code and r["verdict"] in ("right", "wrong") and len(r["reason"]) >= 15
                        for r in rows)
    rule = find_rule(code)
    if rule.default:
        assert precision(rows) >= TARGET, f"{code}: {precision(rows):.2f} on {len(rows)} reviewed findings"
    else:  # off by default because it is wrong too often
        assert precision(rows) < TARGET


def test_figures():
    """The numbers quoted in the rules' docstrings."""
    assert [(c, round(precision(reviews(c)), 2), len(reviews(c))) for c in CODES] == [
        ("CH002", 1.0, 1), ("CT002", 1.0, 23), ("CT004", 1.0, 4), ("CT006", 0.0, 4), ("MV001", 1.0, 1)]


@pytest.mark.parametrize("code", CODES)
def test_sample_is_what_the_rule_finds(code):
    """Every finding of the rule on the reviewed files has a review (these samples are complete:
    each rule finds fewer than 30 there), and every review is still a finding."""
    rows = reviews(code)
    files = sorted({r["file"] for r in rows})
    report = trainlint.lint([str(DATA / f) for f in files], select=[code])
    found = {(str(Path(f.source).resolve().relative_to(DATA.resolve())), f.line) for f in report.findings}
    assert found == {(r["file"], r["line"]) for r in rows}
