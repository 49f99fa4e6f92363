"""The reviewed samples of the noise budget (tests/data/reviewed/<CODE>.jsonl): each line a finding
of the default run on a real dataset in ../shared/data, judged by a person ("right" or "wrong", with
the reason); well-formed, and every default-on rule with a sample of 10 or more judged findings is
right at least 90% of the time.  The samples are drawn by ``benchmarks/noise_budget.py`` or
``benchmarks/review_sample.py`` (the same draw: fixed seed, up to 30 per rule, warnings and errors);
this test only re-reads the judgements, so it runs no rule.  (A file or dataset finding has no
line: ``line`` is null.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import DATA

REVIEWED = Path(__file__).parent / "data" / "reviewed"
FILES = sorted(REVIEWED.glob("*.jsonl"))
FIELDS = {"code", "file", "line", "related_line", "snippet", "verdict", "reason"}
#: precision a default-on rule must reach on its reviewed sample (issue 22)
TARGET = 0.9
MIN_SAMPLE = 10


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def default_on() -> dict[str, bool]:
    from trainlint.registry import all_rules

    return {r.code: r.default for r in all_rules()}


def test_there_are_fixtures():
    # the duplicate and leakage rules' samples (written by the near-duplicate work) and this issue's others;
    # LB001 has none: its default (exact conflicts only) finds nothing on ../shared/data
    assert {p.stem for p in FILES} >= {"DU001", "DU002", "DU003", "LK001", "IR001", "LB002", "TX004"}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_fixture_is_well_formed(path):
    rows = load(path)  # empty: the rule had no finding on the real data to review
    seen = set()
    for n, r in enumerate(rows, start=1):
        where = f"{path.name}:{n}"
        assert FIELDS <= set(r), f"{where}: missing {FIELDS - set(r)}"
        assert r["code"] == path.stem, f"{where}: code {r['code']} in the file of {path.stem}"
        assert re.fullmatch(r"[A-Z]{2,3}\d{3}", r["code"])
        assert r["verdict"] in ("right", "wrong"), f"{where}: verdict must be right or wrong"
        assert isinstance(r["reason"], str) and len(r["reason"]) >= 15, f"{where}: say why"
        assert (DATA / r["file"]).is_file(), f"{where}: {r['file']} is not a file under ../shared/data"
        assert r["line"] is None or (isinstance(r["line"], int) and r["line"] >= 1)
        # one line may hold two findings (two columns, two turns): only the same review twice is an error
        key = json.dumps(r, sort_keys=True)
        assert key not in seen, f"{where}: the same review twice"
        seen.add(key)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_default_rules_meet_the_precision_target(path):
    rows = load(path)
    on = default_on()
    if not rows:
        pytest.skip(f"{path.stem}: no finding reviewed")
    right = sum(r["verdict"] == "right" for r in rows)
    precision = right / len(rows)
    if not on.get(path.stem, False) or len(rows) < MIN_SAMPLE:
        pytest.skip(f"{path.stem}: {'off by default' if not on.get(path.stem, False) else 'sample < 10'}, "
                    f"precision {precision:.2f} ({right}/{len(rows)})")
    assert precision >= TARGET, (f"{path.stem} is on by default at precision {precision:.2f} ({right}/{len(rows)}) "
                                 f"on its reviewed sample: below {TARGET}")


def noise_budget():
    import importlib.util

    spec = importlib.util.spec_from_file_location("noise_budget", Path(__file__).parents[1] / "benchmarks" /
                                                  "noise_budget.py")
    nb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(nb)
    return nb


def test_precision_is_recomputed_from_the_verdicts(tmp_path):
    nb = noise_budget()
    (tmp_path / "XX001.jsonl").write_text("\n".join(json.dumps(
        {"code": "XX001", "file": "a", "line": i, "related_line": None, "snippet": None,
         "verdict": "right" if i < 8 else "wrong", "reason": "because"}) for i in range(1, 11)))
    reviews = nb.load_reviews(tmp_path)
    assert nb.precision_of(list(reviews.values())) == (7, 10, 0.7)
    assert nb.key("XX001", "a", 3, None) in reviews


def test_a_rule_that_did_not_run_is_not_run_in_the_table(tmp_path, monkeypatch):
    """PI002 without phonenumbers leaves one note per dataset ("rule skipped", no source): the table
    once showed those 35 notes as PI002's findings over 0 rows.  They are no findings; the row says
    "not run" and why."""
    import trainlint
    from trainlint.registry import all_rules
    from trainlint.rules.hygiene import _scan

    nb = noise_budget()
    data = tmp_path / "sms.csv"
    data.write_text("text,label\nTo claim call 09061701461 now,spam\nsee you soon,ham\n", encoding="utf-8")

    def meta():
        return {r.code: {"name": r.name, "severity": r.severity.value, "default": r.default} for r in all_rules()}

    ran = meta()
    found = nb.findings_of(trainlint.lint([str(data)], select=["PI002"]), ran, "sms")
    assert [(f["code"], f["line"]) for f in found] == [("PI002", 2)] and "not_run" not in ran["PI002"]

    real = _scan._installed
    monkeypatch.setattr(_scan, "_installed", lambda module: module != "phonenumbers" and real(module))
    skipped = meta()
    report = trainlint.lint([str(data)], select=["PI002"])
    assert [f.source for f in report.findings] == [None]  # the note
    assert nb.findings_of(report, skipped, "sms") == []
    assert skipped["PI002"]["not_run"].startswith("needs phonenumbers")
    row = next(r for r in nb.table([], {"PI002": skipped["PI002"]}, {}, {}) if r.startswith("| PI002"))
    assert "| not run | — |" in row
    assert nb.not_run_notes(skipped) == ["*not run*: PI002: needs phonenumbers (pip install 'trainlint[hygiene]')"]
