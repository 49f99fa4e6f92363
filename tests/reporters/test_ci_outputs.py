"""CI outputs on real data: SARIF against the 2.1.0 schema and GitHub code scanning's documented
requirements, fingerprints that survive inserted rows; GitHub annotations within GitHub's limits."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT

from trainlint.cli import cli

HERE = Path(__file__).parent
SMS = ROOT.parent / "shared" / "data" / "sms_spam" / "SMSSpamCollection"
ALPACA = ROOT.parent / "shared" / "data" / "chat" / "alpaca_en_demo.json"
SELECT = ["--isolated", "--no-progress", "--select", "DU001,MV001,LB002,LB003,CT006"]


def github_requirements(doc: dict) -> list[str]:
    """What GitHub code scanning documents as required of an uploaded SARIF file ("SARIF support
    for code scanning"): runs <= 20, results per run <= 25,000, a tool name, rules with an id and
    descriptions, and per result a ruleId, a message text and a location: an artifact URI
    relative to the repository and ``region.startLine``; fingerprints in ``partialFingerprints``."""
    problems = []
    if doc.get("version") != "2.1.0" or not 1 <= len(doc["runs"]) <= 20:
        problems.append("version 2.1.0 with 1-20 runs")
    for run in doc["runs"]:
        driver = run["tool"]["driver"]
        if not driver.get("name"):
            problems.append("tool.driver.name")
        ids = set()
        for rule in driver.get("rules", []):
            ids.add(rule["id"])
            for key in ("shortDescription", "fullDescription", "help"):
                if not rule.get(key, {}).get("text"):
                    problems.append(f"rule {rule['id']}: {key}.text")
        if len(run["results"]) > 25_000:
            problems.append("more than 25,000 results")
        for r in run["results"]:
            where = f"result {r.get('ruleId')}"
            if r.get("ruleId") not in ids:
                problems.append(f"{where}: ruleId not among the rules")
            if not r.get("message", {}).get("text"):
                problems.append(f"{where}: message.text")
            locs = r.get("locations") or []
            if len(locs) != 1:
                problems.append(f"{where}: exactly one location")
                continue
            phys = locs[0]["physicalLocation"]
            uri = phys["artifactLocation"]["uri"]
            if re.match(r"^[a-z]+:", uri) or uri.startswith("/"):
                problems.append(f"{where}: uri {uri} not relative to the repository")
            line = phys.get("region", {}).get("startLine")
            if not isinstance(line, int) or line < 1:
                problems.append(f"{where}: region.startLine")
            if not r.get("partialFingerprints", {}).get("primaryLocationLineHash"):
                problems.append(f"{where}: partialFingerprints.primaryLocationLineHash")
    return problems


def _sarif(tmp_path, *paths) -> dict:
    out = tmp_path / "out.sarif"
    r = CliRunner().invoke(cli, ["check", *SELECT, *map(str, paths), "-o", f"sarif:{out}", "-q"])
    assert r.exit_code in (0, 1), r.output
    return json.loads(out.read_text())


def test_sarif_meets_schema_and_github_requirements(tmp_path, monkeypatch):
    jsonschema = pytest.importorskip("jsonschema")
    monkeypatch.chdir(tmp_path)
    shutil.copy(SMS, "sms.tsv")
    shutil.copy(ALPACA, "alpaca.json")
    doc = _sarif(tmp_path, "sms.tsv", "alpaca.json")
    schema = json.loads((HERE / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(doc))
    assert not errors, errors[:3]
    assert github_requirements(doc) == []
    results = doc["runs"][0]["results"]
    codes = Counter(r["ruleId"] for r in results)
    assert codes["DU001"] >= 400 and codes["LB002"] >= 1  # label-imbalance: a file-level finding
    lb = next(r for r in results if r["ruleId"] == "LB002")
    assert lb["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    prints = [json.dumps(r["partialFingerprints"], sort_keys=True) for r in results]
    assert len(set(prints)) == len(prints)  # every alert its own fingerprint


def test_github_requirements_check_can_fail():
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t", "rules": [
        {"id": "X1", "shortDescription": {"text": "s"}, "fullDescription": {"text": "f"}, "help": {"text": "h"}}]}},
        "results": [{"ruleId": "X1", "message": {"text": "m"}, "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": "file:///abs/a.csv"}}}]}]}]}
    problems = github_requirements(bad)
    assert any("not relative" in p for p in problems) and any("startLine" in p for p in problems)
    assert any("partialFingerprints" in p for p in problems)


def test_fingerprints_survive_inserted_rows(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = SMS.read_bytes().splitlines(keepends=True)
    Path("sms.tsv").write_bytes(b"".join(lines))
    before = _sarif(tmp_path, "sms.tsv")["runs"][0]["results"]
    Path("sms.tsv").write_bytes(b"ham\tA brand new first message\n" + b"ham\tanother one\n" + b"".join(lines))
    after = _sarif(tmp_path, "sms.tsv")["runs"][0]["results"]

    def prints(results):
        return {(r["ruleId"], json.dumps(r["partialFingerprints"], sort_keys=True)): r for r in results}

    b, a = prints(before), prints(after)
    assert set(b) == set(a)  # every alert keeps its fingerprint ...
    moved = [k for k in b if k[0] == "DU001"
             and a[k]["locations"][0]["physicalLocation"]["region"]["startLine"]
             == b[k]["locations"][0]["physicalLocation"]["region"]["startLine"] + 2]
    assert len(moved) >= 400  # ... though its line moved


def test_github_annotations_most_severe_first_within_limits(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(ALPACA, "alpaca.json")
    shutil.copy(SMS, "sms.tsv")
    Path("empty.csv").write_text("text,label\n" + "".join(f",{k % 2}\n" for k in range(15)))  # 15 MV001 errors
    r = CliRunner().invoke(cli, ["check", *SELECT, "sms.tsv", "alpaca.json", "empty.csv", "--output-format",
                                 "github", "-o", "json:report.json"])
    lines = r.stdout.splitlines()
    levels = [ln.split(" ", 1)[0].split("::")[1] for ln in lines]
    per = Counter(levels)
    assert all(n <= 10 for n in per.values()), per
    # 9 MV001 errors and the summary (an error: the run failed), 10 warnings, the notices (CT006)
    assert per["error"] == 10 and per["warning"] == 10 and 1 <= per["notice"] <= 10, per
    rank = {"error": 0, "warning": 1, "notice": 2}
    body = levels[:-1]
    assert body == sorted(body, key=rank.get)
    assert lines[-1].startswith("::error title=trainlint::") and "the full report is in report.json" in lines[-1]
    total = json.loads(Path("report.json").read_text())["findings"]
    assert re.search(rf"::{len(total)} findings", lines[-1].replace("title=trainlint", ""))


def test_star_marks_only_fixes_that_apply_now(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    t = ("the quick brown fox jumps over the lazy dog while the farmer watches from the old wooden porch "
         "and drinks his morning coffee slowly")
    # a long text with one typo is a near-duplicate (a short one with one changed word is not)
    Path("d.csv").write_text(f"text,label\n{t},a\n{t},a\n{t.replace('wooden', 'woden')},a\n")
    args = ["check", "--isolated", "--no-progress", "--select", "DU001,DU002", "d.csv", "--statistics"]
    out = CliRunner().invoke(cli, args).stdout
    assert re.search(r"DU001\t\[\*\] exact-duplicate", out)   # safe fix
    assert re.search(r"DU002\t    near-duplicate", out)       # unsafe only: not fixable now
    out = CliRunner().invoke(cli, [*args, "--unsafe-fixes"]).stdout
    assert re.search(r"DU002\t\[\*\] near-duplicate", out)
