"""The hygiene rules (PI, EN, MK, RP) beyond their YAML cases: nothing private is ever printed,
the reviewed samples of real findings keep their precision, a missing optional library skips a
rule with one info line.

Reviewed samples live in ``tests/data/reviewed/<CODE>.jsonl``: real findings on ../shared/data,
each judged right or wrong by a person (snippets are the masked messages).  The test recomputes
precision from them and checks that the rule still makes every sampled finding, so the sample
cannot silently drift from what the rule does.
"""

from __future__ import annotations

import json
import sys
from functools import cache

import pytest
from click.testing import CliRunner
from helpers import DATA, ROOT

import trainlint
from trainlint.cli import cli
from trainlint.registry import find_rule
from trainlint.reporters import FORMATS

REVIEWED = ROOT / "tests" / "data" / "reviewed"
HYGIENE_PREFIXES = ("PI", "EN", "MK", "RP")
HYGIENE = ("PI001", "PI002", "PI003", "PI004", "PI005", "PI006", "EN001", "EN002", "EN003", "EN004", "MK001",
           "RP001")

#: planted private values: each must never appear in any report, nor its distinctive core (none of
#: them is in a rule's documentation, which SARIF carries)
PLANTED = {
    "email": ("jane.doe@privatemail.org", ["jane.doe", "privatemail"]),
    "phone": ("call 020 7946 0018 today", ["7946 0018", "02079460018", "79460018"]),
    "card": ("card 4000 0566 5566 5556 exp 12/27", ["4000 0566 5566", "4000056655665556", "0566"]),
    "iban": ("iban GB82 WEST 1234 5698 7654 32", ["WEST 1234", "GB82WEST12345698765432", "5698"]),
    "ip": ("server 81.2.69.160 is down", ["81.2.69.160", "2.69"]),
    "aws": ("key AKIAZ4RXQH7BPLMNWS2Y x", ["AKIAZ4RXQH7BPLMNWS2Y", "Z4RXQH7B"]),
    "github": ("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", ["aBcDeFgHiJkLmNoPqRsT"]),
    "aws_secret": ("AWS_SECRET_ACCESS_KEY=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", ["Zq3k9Vd8", "gH8jK2lQ"]),
    "url": ("postgres://admin:s3cr3tPw9@db.internal/app", ["s3cr3tPw9", "admin:"]),
}


@pytest.fixture()
def planted_file(tmp_path):
    p = tmp_path / "leaky.jsonl"
    with p.open("w", encoding="utf-8") as f:
        for i, (text, _) in enumerate(PLANTED.values()):
            f.write(json.dumps({"text": f"row {i}: {text}", "label": "a"}) + "\n")
        f.write(json.dumps({"text": "nothing here", "label": "b"}) + "\n")
    return p


@pytest.mark.parametrize("fmt", sorted(FORMATS) + ["statistics", "diff"])
def test_no_private_value_in_any_output(planted_file, fmt, tmp_path):
    args = ["check", str(planted_file), "--isolated", "--no-progress", "--select", "PI", "--text", "text"]
    if fmt == "statistics":
        args += ["--statistics"]
    elif fmt == "diff":
        args += ["--diff", "--unsafe-fixes"]
    else:
        args += ["--output-format", fmt]
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    out = res.output
    codes = {c for c in ("PI001", "PI002", "PI003", "PI004", "PI005", "PI006") if c in out}
    if fmt not in ("statistics",):
        # the report shows the findings (so the test would catch a leak), masked
        want = {"PI001", "PI003", "PI004", "PI005", "PI006"} | ({"PI002"} if _has("phonenumbers") else set())
        assert want <= codes or fmt == "diff", (fmt, codes)
    for kind, (_text, cores) in PLANTED.items():
        for core in cores:
            assert core not in out, f"{kind} value {core!r} printed in {fmt} output"


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _reviewed() -> list[tuple[str, list[dict]]]:
    out = []
    for p in sorted(REVIEWED.glob("*.jsonl")):
        if not p.stem.startswith(HYGIENE_PREFIXES):  # other groups' samples: tests/test_noise_budget.py
            continue
        out.append((p.stem, [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line]))
    return out


@cache
def _real_findings(code: str) -> frozenset:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _hygiene_data import datasets

    found = set()
    for rel, kw in datasets():
        rep = trainlint.lint(str(DATA / rel), select=code, rules={find_rule(code).name: {}}, **kw)
        found |= {(rel, f.line, f.pointer, f.message) for f in rep.findings if f.code == code}
    return frozenset(found)


needs_data = pytest.mark.skipif(not DATA.exists(), reason="../shared/data not present")


@pytest.mark.parametrize("code,rows", _reviewed(), ids=[c for c, _ in _reviewed()])
def test_reviewed_sample_precision(code, rows):
    assert rows, f"{code}: empty reviewed sample"
    for r in rows:
        assert r["code"] == code and r["verdict"] in ("right", "wrong") and r["reason"]
        assert set(r) >= {"code", "file", "line", "related_line", "snippet", "verdict", "reason"}
    precision = sum(r["verdict"] == "right" for r in rows) / len(rows)
    if find_rule(code).default:
        assert precision >= 0.9, f"{code} is on by default with a reviewed precision of {precision:.2f}"


@needs_data
@pytest.mark.parametrize("code,rows", _reviewed(), ids=[c for c, _ in _reviewed()])
def test_reviewed_sample_is_what_the_rule_finds(code, rows):
    if code == "PI002" and not _has("phonenumbers"):
        pytest.skip("phonenumbers not installed")
    found = _real_findings(code)
    for r in rows:
        assert (r["file"], r["line"], r.get("pointer"), r["snippet"]) in found, r


@needs_data
@pytest.mark.parametrize("code", ["PI003", "PI004", "PI006"])
def test_no_findings_on_real_data(code):
    """No reviewed sample: on the ~60k real rows these rules find nothing, so no noise to review."""
    assert _real_findings(code) == frozenset()


def test_every_hygiene_rule_masks_or_escapes_through_extra():
    for code in HYGIENE:
        rule = find_rule(code)
        assert rule.groups == ("hygiene",) and rule.fix is not None


def test_missing_library_skips_with_one_info_line(monkeypatch, tmp_path):
    rule = find_rule("PI002")
    monkeypatch.setattr(rule, "needs", ("trainlint_no_such_library", "pip install 'trainlint[hygiene]'"))
    p = tmp_path / "d.jsonl"
    p.write_text("".join(json.dumps({"text": f"call 09061701461 now {i}"}) + "\n" for i in range(5)))
    res = CliRunner().invoke(cli, ["check", str(p), "--isolated", "--no-progress", "--select", "PI002",
                                   "--text", "text"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.output.splitlines() if "skipped" in ln]
    assert len(lines) == 1 and "PI002" in lines[0] and "pip install 'trainlint[hygiene]'" in lines[0], res.output


def test_snippets_of_other_rules_are_redacted_too(tmp_path):
    """A duplicate row holding an address: its DU001 entry shows the row's text, masked by PI001."""
    p = tmp_path / "dup.jsonl"
    row = json.dumps({"text": "please write to jane.doe@privatemail.org about the order", "label": "a"}) + "\n"
    p.write_text(row * 3)
    for fmt in ("text", "markdown", "html"):
        res = CliRunner().invoke(cli, ["check", str(p), "--isolated", "--no-progress", "--select", "DU001,PI001",
                                       "--text", "text", "--output-format", fmt], catch_exceptions=False)
        assert "DU001" in res.output and "please write to j" in res.output, res.output  # the snippet is shown
        assert "jane.doe" not in res.output and "privatemail" not in res.output, fmt
