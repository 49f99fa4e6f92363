"""The command-line surface, through click's CliRunner: exit codes, selection, output, config files.

Every test runs in its own temporary working directory, so no config file of the repository (or
of the machine's home) is picked up unless the test writes one.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT
from trainlint import __version__
from trainlint.cli import cli

DUPES = "text,label\nthe cat sat,a\nthe dog ran,b\nthe cat sat,a\n"
CLEAN = "text,label\nthe cat sat,a\nthe dog ran,b\n"
# a duplicate (warning) and a missing label (error)
MIXED = "text,label\nthe cat sat,a\nthe dog ran,\nthe cat sat,a\n"
# The foundation rules only, where a test depends on the exact findings: rules added later (label
# balance, languages, ...) may well have something to say about three-row files.
BASE = ("--select", "DU001,IR001,MV001")


@pytest.fixture()
def cwd(tmp_path, monkeypatch) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("TRAINLINT_DEBUG", raising=False)
    return work


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def codes(result) -> list[str]:
    """Finding codes of a JSON report printed on stdout."""
    return [f["code"] for f in json.loads(result.stdout)["findings"]]


def one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("trainlint: error: "), err
    assert "Traceback" not in result.output
    for frag in fragments:
        assert frag in err, err


# -- exit codes ----------------------------------------------------------------------------------
def test_clean_file_exits_0(cwd):
    write(cwd / "clean.csv", CLEAN)
    r = run("check", "clean.csv", *BASE)
    assert r.exit_code == 0, r.output
    assert not re.search(r"clean\.csv:\d+:", r.stdout)  # no finding lines
    assert "no findings" in r.stdout


def test_findings_exit_1_with_path_line_code_name(cwd):
    write(cwd / "d.csv", DUPES)
    r = run("check", "d.csv", "--output-format", "concise")
    assert r.exit_code == 1
    assert "d.csv:4: DU001 exact-duplicate" in r.stdout
    assert "(d.csv:2)" in r.stdout  # points to the first copy
    r = run("check", "d.csv")  # one entry: the first copy, the other lines
    assert "d.csv:2: DU001 exact-duplicate" in r.stdout and "also line 4" in r.stdout


def test_examples_data_has_findings():
    r = CliRunner().invoke(cli, ["check", str(ROOT / "examples" / "data"), "--isolated", "--output-format",
                                 "concise"])
    assert r.exit_code == 1, r.output
    for planted in ("train.csv:7: MV001", "train.csv:22: MV001", "train.csv:44: IR001",
                    "train.csv:46: DU001", "test.jsonl:7: IR001", "test.jsonl:12: DU001"):
        assert planted in r.stdout, planted


# -- selection -----------------------------------------------------------------------------------
@pytest.mark.parametrize("selector", ["DU001", "DU", "du001", "exact-duplicate"])
def test_select_by_code_prefix_or_name(cwd, selector):
    write(cwd / "m.csv", MIXED)
    r = run("check", "m.csv", "--select", selector, "--output-format", "json")
    assert codes(r) == ["DU001"]


@pytest.mark.parametrize("selector", ["MV001", "MV", "missing-value"])
def test_ignore_by_code_prefix_or_name(cwd, selector):
    write(cwd / "m.csv", MIXED)
    r = run("check", "m.csv", "--ignore", selector, "--output-format", "json")
    assert "MV001" not in codes(r) and "DU001" in codes(r)


def test_select_comma_separated_and_ignore_wins(cwd):
    write(cwd / "m.csv", MIXED)
    r = run("check", "m.csv", "--select", "DU001,MV001", "--output-format", "json")
    assert sorted(codes(r)) == ["DU001", "MV001"]
    r = run("check", "m.csv", "--select", "DU001,MV001", "--ignore", "DU", "--output-format", "json")
    assert codes(r) == ["MV001"]


@pytest.mark.parametrize("flag", ["--select", "--ignore"])
def test_unknown_rule_is_one_line_exit_2(cwd, flag):
    write(cwd / "d.csv", DUPES)
    one_line_error(run("check", "d.csv", flag, "XX999"), "XX999")


# -- exit policy ---------------------------------------------------------------------------------
def test_fail_on(cwd):
    write(cwd / "d.csv", DUPES)  # warnings only
    assert run("check", "d.csv", *BASE, "--fail-on", "warning").exit_code == 1
    assert run("check", "d.csv", *BASE, "--fail-on", "info").exit_code == 1
    assert run("check", "d.csv", *BASE, "--fail-on", "error").exit_code == 0
    write(cwd / "m.csv", MIXED)  # an error too
    assert run("check", "m.csv", *BASE, "--fail-on", "error").exit_code == 1


def test_fail_on_rejects_unknown_severity(cwd):
    write(cwd / "d.csv", DUPES)
    assert run("check", "d.csv", "--fail-on", "fatal").exit_code == 2


def test_exit_zero(cwd):
    write(cwd / "m.csv", MIXED)
    r = run("check", "m.csv", "--exit-zero")
    assert r.exit_code == 0
    assert "DU001" in r.stdout  # findings are still printed


# -- output --------------------------------------------------------------------------------------
def test_statistics_counts_by_rule_without_finding_lines(cwd):
    write(cwd / "d.csv", DUPES + "the cat sat,a\n")
    r = run("check", "d.csv", "--statistics")
    assert r.exit_code == 1
    assert "d.csv:4:" not in r.stdout
    line = next(ln for ln in r.stdout.splitlines() if "exact-duplicate" in ln)
    assert line.split()[0] == "2" and "DU001" in line


def test_quiet_prints_summary_only(cwd):
    write(cwd / "d.csv", DUPES)
    r = run("check", "d.csv", *BASE, "-q")
    assert r.exit_code == 1
    assert "d.csv:4:" not in r.output
    assert "1 finding" in r.output


def test_json_output_file(cwd):
    write(cwd / "d.csv", DUPES)
    r = run("check", "d.csv", *BASE, "--output-format", "json", "--output-file", "out/report.json")
    assert r.exit_code == 1
    report = json.loads((cwd / "out" / "report.json").read_text())
    assert report["version"] == 1 and report["summary"]["by_rule"] == {"exact-duplicate": 1}
    assert report["findings"][0]["line"] == 4 and report["findings"][0]["row"] == 2


def test_unknown_output_format_is_exit_2(cwd):
    write(cwd / "d.csv", DUPES)
    one_line_error(run("check", "d.csv", "--output-format", "yaml"), "yaml")


# -- fatal inputs --------------------------------------------------------------------------------
def test_missing_file_is_one_line_exit_2(cwd):
    one_line_error(run("check", "nope.csv"), "nope.csv")


def test_missing_file_among_good_ones_writes_nothing(cwd):
    write(cwd / "d.csv", DUPES)
    r = run("check", "d.csv", "nope.csv", "--output-file", "report.txt")
    one_line_error(r, "nope.csv")
    assert not (cwd / "report.txt").exists()


def test_empty_file_is_exit_2(cwd):
    write(cwd / "empty.csv", "")
    one_line_error(run("check", "empty.csv"), "empty.csv")


def test_no_paths_is_usage_error(cwd):
    assert run("check").exit_code == 2


# -- config files --------------------------------------------------------------------------------
PYPROJECT = """\
[project]
name = "x"

[tool.trainlint]
select = ["MV001"]
"""


def test_pyproject_found_upward_from_cwd(cwd, monkeypatch):
    write(cwd / "pyproject.toml", PYPROJECT)
    write(cwd / "m.csv", MIXED)
    sub = cwd / "a" / "b"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    r = run("check", "../../m.csv", "--output-format", "json")
    assert codes(r) == ["MV001"]


def test_pyproject_without_trainlint_table_is_skipped(cwd, monkeypatch):
    write(cwd / "pyproject.toml", PYPROJECT)
    write(cwd / "m.csv", MIXED)
    sub = cwd / "pkg"
    write(sub / "pyproject.toml", "[project]\nname = 'y'\n")  # nearer, but not ours
    monkeypatch.chdir(sub)
    assert codes(run("check", "../m.csv", "--output-format", "json")) == ["MV001"]


def test_trainlint_toml_and_rule_options(cwd):
    write(cwd / "trainlint.toml", 'select = ["MV001"]\n[rules.missing-value]\ndisguised = ["unknown"]\n')
    write(cwd / "m.csv", "text,label\na,x\nb,unknown\nc,N/A\n")
    r = run("check", "m.csv", "--output-format", "json")
    found = json.loads(r.stdout)["findings"]
    assert [(f["code"], f["line"]) for f in found] == [("MV001", 3)]  # 'N/A' is no longer a null


def test_isolated_ignores_config(cwd):
    write(cwd / "trainlint.toml", 'ignore = ["DU001"]\n')
    write(cwd / "m.csv", MIXED)
    assert "DU001" not in codes(run("check", "m.csv", "--output-format", "json"))
    assert "DU001" in codes(run("check", "m.csv", "--isolated", "--output-format", "json"))


def test_explicit_config_path(cwd):
    write(cwd / "conf" / "strict.toml", 'select = ["DU001"]\nfail-on = "error"\n')
    write(cwd / "d.csv", DUPES)
    assert run("check", "d.csv", *BASE).exit_code == 1
    assert run("check", "d.csv", "--config", "conf/strict.toml").exit_code == 0


def test_unknown_config_key_names_it(cwd):
    write(cwd / "pyproject.toml", "[tool.trainlint]\nselekt = ['DU']\n")
    write(cwd / "d.csv", DUPES)
    one_line_error(run("check", "d.csv"), "selekt", "pyproject.toml")


def test_unknown_rule_option_names_it(cwd):
    write(cwd / "trainlint.toml", "[rules.missing-value]\ndisgiused = ['x']\n")
    write(cwd / "d.csv", DUPES)
    one_line_error(run("check", "d.csv"), "disgiused", "missing-value")


def test_unknown_rule_in_config_names_it(cwd):
    write(cwd / "trainlint.toml", "[rules.no-such-rule]\nx = 1\n")
    write(cwd / "d.csv", DUPES)
    one_line_error(run("check", "d.csv"), "no-such-rule")


@pytest.mark.parametrize("line, key", [("jobs = 'two'", "jobs"), ("jobs = 0", "jobs"), ("jobs = true", "jobs"),
                                       ("fail-on = 'fatal'", "fail-on"), ("select = 3", "select"),
                                       ("header = 'yes'", "header")])
def test_ill_typed_config_value_names_it(cwd, line, key):
    write(cwd / "trainlint.toml", line + "\n")
    write(cwd / "d.csv", DUPES)
    r = run("check", "d.csv")
    one_line_error(r, key, "trainlint.toml")
    assert "internal error" not in r.stderr


def test_invalid_toml_is_one_line(cwd):
    write(cwd / "trainlint.toml", "select = [\n")
    write(cwd / "d.csv", DUPES)
    one_line_error(run("check", "d.csv"), "trainlint.toml")


def test_broken_pyproject_with_our_table_is_an_error_not_ignored(cwd, monkeypatch):
    write(cwd / "pyproject.toml", '[tool.trainlint]\nselect = ["MV001"\n')
    write(cwd / "d.csv", DUPES)
    sub = cwd / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    one_line_error(run("check", "../d.csv"), "pyproject.toml", "invalid TOML")


def test_broken_pyproject_of_someone_else_is_skipped(cwd):
    write(cwd / "pyproject.toml", "[project\nname = 'x'\n")
    write(cwd / "d.csv", DUPES)
    assert run("check", "d.csv", *BASE).exit_code == 1


def test_config_not_utf8_is_one_line(cwd):
    (cwd / "trainlint.toml").write_bytes(b"select = ['\xff']\n")
    write(cwd / "d.csv", DUPES)
    one_line_error(run("check", "d.csv"), "trainlint.toml")


def test_unknown_option_of_unselected_rule_names_it(cwd):
    write(cwd / "trainlint.toml", 'select = ["DU001"]\n[rules.missing-value]\ndisgiused = ["x"]\n')
    write(cwd / "d.csv", DUPES)
    one_line_error(run("check", "d.csv"), "disgiused")


def test_cli_overrides_config(cwd):
    write(cwd / "trainlint.toml", 'select = ["MV001"]\nfail-on = "error"\n')
    write(cwd / "d.csv", DUPES)
    assert run("check", "d.csv").exit_code == 0  # config: only MV001, nothing found
    r = run("check", "d.csv", "--select", "DU001", "--fail-on", "warning")
    assert r.exit_code == 1 and "DU001" in r.stdout


def test_examples_config_is_valid():
    example = ROOT / "examples" / "pyproject-example" / "pyproject.toml"
    r = CliRunner().invoke(cli, ["check", str(ROOT / "examples" / "data"), "--config", str(example),
                                 "--output-format", "json"])
    assert r.exit_code == 1, r.output  # fail-on = "error": the invalid records and missing values
    found = codes(r)
    assert "DU003" not in found and "DU001" in found and "MV001" in found


# -- rules and rule ------------------------------------------------------------------------------
def test_rules_lists_every_builtin_rule():
    r = run("rules")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    du = next(ln for ln in lines if ln.startswith("DU001"))
    assert "exact-duplicate" in du and "warning" in du and "fix=safe" in du
    assert any(ln.startswith("MV001") and "missing-value" in ln for ln in lines)
    as_json = json.loads(run("rules", "--output-format", "json").stdout)
    assert {"DU001", "MV001", "IR001"} <= {x["code"] for x in as_json}


@pytest.mark.parametrize("key", ["DU001", "du001", "exact-duplicate"])
def test_rule_prints_its_doc(key):
    r = run("rule", key)
    assert r.exit_code == 0
    assert r.stdout.startswith("exact-duplicate (DU001)")
    for section in ("What it checks", "Why it matters", "Example", "Fix"):
        assert section in r.stdout


def test_rule_unknown_is_exit_2():
    r = run("rule", "XX999")
    assert r.exit_code == 2
    assert "XX999" in r.stderr and len(r.stderr.strip().splitlines()) == 1


# -- entry points --------------------------------------------------------------------------------
def test_python_m_version():
    out = subprocess.run([sys.executable, "-m", "trainlint", "--version"], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == f"trainlint, version {__version__}"


def test_help_lists_commands():
    r = run("--help")
    assert r.exit_code == 0
    for cmd in ("check", "rules", "rule"):
        assert cmd in r.stdout


def test_language_flag_sets_the_expected_language(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("text,label\n" + "".join(f"This is an ordinary English sentence number {i},a\n" for i in range(5)))
    res = CliRunner().invoke(cli, ["check", str(p), "--select", "TX001", "--language", "de"])
    assert res.exit_code == 1 and res.output.count("TX001") >= 5
    res = CliRunner().invoke(cli, ["check", str(p), "--select", "TX001", "--language", "en"])
    assert res.exit_code == 0, res.output


def test_report_piped_into_head_stops_quietly(tmp_path):
    """`trainlint check ... | head -1`: the closed pipe is no internal error, nothing on stderr."""
    import subprocess
    import sys

    data = tmp_path / "d.csv"
    data.write_text("text,label\n" + "the same text,a\n" * 20000)
    proc = subprocess.Popen([sys.executable, "-m", "trainlint", "check", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert b"exact-duplicate" in first and err == "", err
