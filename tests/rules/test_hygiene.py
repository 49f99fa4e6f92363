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


@pytest.fixture()
def planted_with_other_problems(tmp_path):
    """The planted values in rows that other rules flag (an invisible character, markup, a copy),
    so their messages and snippets would show the values if nothing masked them."""
    p = tmp_path / "leaky2.jsonl"
    with p.open("w", encoding="utf-8") as f:
        for i, (text, _) in enumerate(PLANTED.values()):
            row = json.dumps({"text": f"row {i} \u200b: {text} &lt;br&gt; end", "label": "a"}) + "\n"
            f.write(row * 2)
        f.write(json.dumps({"text": "nothing here", "label": "b"}) + "\n")
    return p


@pytest.mark.parametrize("fmt", sorted(FORMATS) + ["statistics", "diff"])
def test_no_private_value_in_any_output_without_pi_rules(planted_with_other_problems, fmt):
    """With no PI rule selected, the other rules' messages, extras and snippets are still masked."""
    args = ["check", str(planted_with_other_problems), "--isolated", "--no-progress", "--select", "EN,MK,DU001",
            "--text", "text"]
    args += {"statistics": ["--statistics"], "diff": ["--diff", "--unsafe-fixes"]}.get(fmt, ["--output-format", fmt])
    out = CliRunner().invoke(cli, args, catch_exceptions=False).output
    if fmt not in ("statistics", "diff"):
        assert "EN003" in out and "MK001" in out, out  # the findings are there, so a leak would show
    assert not any(code in out for code in ("PI001", "PI003", "PI006"))
    for kind, (_text, cores) in PLANTED.items():
        for core in cores:
            assert core not in out, f"{kind} value {core!r} printed in {fmt} output without PI rules"


def test_api_messages_are_redacted_without_pi_rules(planted_with_other_problems):
    rep = trainlint.lint(str(planted_with_other_problems), select="EN003", text="text")
    dumped = rep.to_json()
    assert rep.findings and "\\u200B" in dumped
    assert "jane.doe" not in dumped and "s3cr3tPw9" not in dumped and "AKIAZ4RXQH7BPLMNWS2Y" not in dumped


def _fix(path, out, *extra):
    args = ["check", str(path), "--isolated", "--no-progress", "--select", "PI", "--text", "text", "--fix",
            "--unsafe-fixes", "--output-dir", str(out), *extra]
    return CliRunner().invoke(cli, args, catch_exceptions=False)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv", "parquet", "json"])
def test_mask_writes_masked_text_and_records_the_change(planted_file, tmp_path, fmt):
    import pandas as pd

    rows = [json.loads(line) for line in planted_file.read_text(encoding="utf-8").splitlines()]
    src = tmp_path / f"in.{fmt}"
    df = pd.DataFrame(rows)
    {"jsonl": lambda: src.write_text(planted_file.read_text(encoding="utf-8"), encoding="utf-8"),
     "csv": lambda: df.to_csv(src, index=False), "tsv": lambda: df.to_csv(src, index=False, sep="\t"),
     "parquet": lambda: df.to_parquet(src), "json": lambda: src.write_text(json.dumps(rows), encoding="utf-8")}[fmt]()
    out = tmp_path / "out"
    res = _fix(src, out, "--mask", "PI")
    assert res.exit_code == 0, res.output
    cleaned = trainlint.lint(str(out / src.name), select="PI", text="text")
    assert len(cleaned.findings) == 0, [f.message for f in cleaned.findings]  # nothing private is left
    texts = cleaned.cleaned().text.tolist()
    assert len(texts) == len(rows)  # every row kept: masked, not dropped
    assert texts[0] == "row 0: <EMAIL>" and texts[-1] == "nothing here"
    assert "<CARD_NUMBER>" in texts[2] and "<SECRET>" in texts[6]
    assert (out / f"in.{fmt}.rejects.jsonl").read_text() == ""
    changes = [json.loads(line) for line in (out / f"in.{fmt}.changes.jsonl").read_text().splitlines()]
    assert [c["row"] for c in changes] == [r for r in range(len(rows) - 1) if r != 1 or _has("phonenumbers")]
    first = changes[0]["changes"][0]
    assert first == {"code": "PI001", "name": "email-address", "column": "text", "pointer": None,
                     "start": 7, "end": 31, "before": "j***@p***.org", "after": "<EMAIL>"}
    written = "".join(p.read_text(encoding="utf-8", errors="replace") for p in out.iterdir() if p.suffix != ".parquet")
    for kind, (_text, cores) in PLANTED.items():
        for core in cores:
            assert core not in written, f"{kind} value {core!r} written by --mask"


def test_mask_per_rule_drop_for_the_others(planted_file, tmp_path):
    """--mask PI001: addresses are masked, the rows with other private values dropped; each row is
    in exactly one of the cleaned copy and the rejects file."""
    out = tmp_path / "out"
    res = _fix(planted_file, out, "--mask", "email-address")
    assert res.exit_code == 0, res.output
    kept = [json.loads(line) for line in (out / "leaky.jsonl").read_text().splitlines()]
    rejected = [json.loads(line) for line in (out / "leaky.jsonl.rejects.jsonl").read_text().splitlines()]
    assert [r["text"] for r in kept] == ["row 0: <EMAIL>", "nothing here"]
    assert len(kept) + len(rejected) == len(PLANTED) + 1
    assert "1 rewritten" in res.output


def test_mask_without_unsafe_fixes_changes_nothing(planted_file, tmp_path):
    out = tmp_path / "out"
    args = ["check", str(planted_file), "--isolated", "--no-progress", "--select", "PI", "--text", "text", "--fix",
            "--output-dir", str(out), "--mask", "PI"]
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 1  # the findings stay: a rewrite is an unsafe fix
    assert (out / "leaky.jsonl").read_text() == planted_file.read_text()
    assert not (out / "leaky.jsonl.changes.jsonl").exists()


def test_mask_repairs_encoding_and_removes_invisible_characters(tmp_path):
    p = tmp_path / "enc.jsonl"
    rows = ["Sie starb am 11. MÃ¤rz 1796, donâ€™t", "pass\u200bword and \x07bell", "fine"]
    p.write_text("".join(json.dumps({"text": t}) + "\n" for t in rows), encoding="utf-8")
    out = tmp_path / "out"
    args = ["check", str(p), "--isolated", "--no-progress", "--select", "EN", "--text", "text", "--fix",
            "--unsafe-fixes", "--output-dir", str(out), "--mask", "EN"]
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert [json.loads(x)["text"] for x in (out / "enc.jsonl").read_text(encoding="utf-8").splitlines()] == [
        "Sie starb am 11. März 1796, don’t", "password and bell", "fine"]
    lines = (out / "enc.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines[2] == json.dumps({"text": "fine"})  # a row not rewritten is copied byte for byte
    changes = [json.loads(x) for x in (out / "enc.jsonl.changes.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(c["code"], c["before"], c["after"]) for c in changes[0]["changes"]] == [
        ("EN001", "Ã¤", "ä"), ("EN001", "â€™", "’")]
    assert {(c["code"], c["before"], c["after"]) for c in changes[1]["changes"]} == {
        ("EN003", "\\u200B", ""), ("EN004", "\\u0007", "")}


def test_mask_that_cannot_apply_rejects_the_row_with_the_reason(tmp_path):
    """A finding whose text is not where its positions point (here: the file changed between the
    run and the write) is not guessed at: the row goes to the rejects file, saying why."""
    from trainlint.clean import write_outputs
    from trainlint.runner import Inputs

    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"text": "write to jane.doe@privatemail.org now"}) + "\n")
    rep = trainlint.lint(str(p), select="PI001", text="text", mask="PI")
    p.write_text(json.dumps({"text": "write to jane.doe@privatemail.org now, please"}) + "\n")
    summary = write_outputs(rep, rep.inputs, str(tmp_path / "out"), unsafe=True)
    assert (summary.results[0].kept, summary.results[0].rejected, summary.results[0].rewritten) == (0, 1, 0)
    rej = json.loads((tmp_path / "out" / "d.jsonl.rejects.jsonl").read_text())
    assert rej["codes"] == ["PI001"] and any("not rewritten: the text at column 'text' is not the one the rule read" in r
                                          for r in rej["reasons"])
    assert isinstance(rep.inputs, Inputs)


def test_mask_in_chat_content_parts(tmp_path):
    p = tmp_path / "chat.jsonl"
    rec = {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"},
                                                     {"type": "text", "text": "mail jane.doe@privatemail.org"}]},
                        {"role": "assistant", "content": "noted: jane.doe@privatemail.org"}]}
    p.write_text(json.dumps(rec) + "\n")
    rep = trainlint.lint(str(p), select="PI001", mask="PI001")
    df = rep.cleaned(unsafe=True)
    msgs = df["messages"][0]
    msgs = json.loads(msgs) if isinstance(msgs, str) else msgs  # nested JSON is read as its text
    assert msgs[0]["content"][1]["text"] == "mail <EMAIL>" and msgs[1]["content"] == "noted: <EMAIL>"


def test_unknown_mask_selector_is_a_usage_error(planted_file):
    res = CliRunner().invoke(cli, ["check", str(planted_file), "--isolated", "--mask", "XX999"])
    assert res.exit_code == 2 and "XX999" in res.output


def test_a_plugin_redactor_without_prefilter_masks_messages_and_extras():
    """A rule that overrides ``redact`` and names no prefilter is applied to every string."""
    from trainlint.findings import FindingStore
    from trainlint.finding import Finding, Severity
    from trainlint.redact import redact_findings
    from trainlint.rule import Rule

    class Codename(Rule):
        code, name = "ZZ901", "codename"

        def redact(self, text):
            return text.replace("BLUEBIRD", "<CODENAME>")

    f = Finding("XX001", "x", Severity.WARNING, "quoted: BLUEBIRD flies", "d.jsonl", 0, extra={"sample": ["BLUEBIRD"]})
    g = Finding("XX001", "x", Severity.WARNING, "nothing here", "d.jsonl", 1)
    out = list(redact_findings(FindingStore([f, g]), [Codename()]))
    assert out[0].message == "quoted: <CODENAME> flies" and out[0].extra == {"sample": ["<CODENAME>"]}
    assert out[1] is g


def test_diff_with_mask_shows_masked_rewrites(planted_file):
    args = ["check", str(planted_file), "--isolated", "--no-progress", "--select", "PI", "--text", "text", "--diff",
            "--unsafe-fixes", "--mask", "PI001,PI003"]
    out = CliRunner().invoke(cli, args, catch_exceptions=False).output
    assert "~ " in out and "'j***@p***.org' -> '<EMAIL>'" in out and "-> '<CARD_NUMBER>'" in out
    assert "- " in out  # the rules not masked still drop their rows
    for kind, (_text, cores) in PLANTED.items():
        for core in cores:
            assert core not in out, f"{kind} value {core!r} printed by --diff --mask"


def test_mask_from_config(planted_file, tmp_path):
    cfg = tmp_path / "trainlint.toml"
    cfg.write_text('mask = ["email-address"]\nunsafe-fixes = true\n')
    out = tmp_path / "out"
    args = ["check", str(planted_file), "--config", str(cfg), "--no-progress", "--select", "PI001,PI003", "--text",
            "text", "--fix", "--output-dir", str(out)]
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    texts = [json.loads(x)["text"] for x in (out / "leaky.jsonl").read_text().splitlines()]
    assert "row 0: <EMAIL>" in texts and not any("0566" in t for t in texts)  # the card's row dropped


@needs_data
def test_template_addresses_in_real_data_are_left_out():
    """The reviewed wrong PI001 findings that were template addresses (``alice@email.com`` in an
    Alpaca table, ``nom@VotreDomaine.com`` in the French sentences) are not reported; the real
    addresses next to them still are."""
    found = _real_findings("PI001")
    lines = {(rel, line) for rel, line, _p, _m in found}
    assert ("chat/alpaca_en_demo.json", 1787) not in lines
    assert ("lingua_sentences/fr.txt", 456) not in lines
    assert ("lingua_sentences/de.txt", 213) in lines  # a real address, reviewed right
