"""The reporters: golden files (text, markdown), SARIF against the official schema, JUnit parsed,
GitHub workflow commands matched exactly, HTML escaping and capping (the browser test is separate).

Golden runs happen from the repository root with relative paths and ``--isolated``, with the rule
selection pinned, so other rules and the machine's paths cannot change them.  Regenerate with
``TRAINLINT_UPDATE_GOLDEN=1 python -m pytest tests/reporters`` and read the diff before committing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT
from trainlint.cli import cli
from trainlint.finding import Finding, Fix, Related, Severity
from trainlint.report import Report
from trainlint.reporters import FORMATS, get_reporter

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
SMS = "../shared/data/sms_spam/SMSSpamCollection"
ALPACA = "../shared/data/chat/alpaca_en_demo.json"
TITANIC = "../shared/data/titanic/titanic.csv"
PINNED = ["--isolated", "--select", "DU001,MV001,IR001", "--no-progress"]
PAYLOADS = ["<script>window.__pwned=1</script>", '" onerror="window.__pwned=1',
            "<img src=x onerror=window.__pwned=1>"]


@pytest.fixture()
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("TRAINLINT_DEBUG", raising=False)
    return ROOT


def check(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, ["check", *args, *PINNED], catch_exceptions=False)
    return r.exit_code, r.output


def matches_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("TRAINLINT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with TRAINLINT_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"output differs from {path}"


def report_on(*paths: str) -> Report:
    import trainlint

    return trainlint.lint(list(paths), select=["DU001", "MV001", "IR001"])


def tricky_report() -> Report:
    """Hand-made findings whose every data field carries a payload or a character to escape."""
    src = "data/<img src=x onerror=window.__pwned=1>.csv"
    fs = [
        Finding("DU001", "exact-duplicate", Severity.WARNING, f"text repeats {PAYLOADS[0]} 100%, a:b",
                source=src, row=3, line=5, group=1, related=(Related(src, 0, 2),), fix=Fix.SAFE,
                extra={"value": PAYLOADS[0] + " " + PAYLOADS[1]}),
        Finding("MV001", "missing-value", Severity.ERROR, f"column '{PAYLOADS[2]}' has 2 missing values\nsecond line\r",
                source=src, column=PAYLOADS[2], n_rows=2, rows_sample=(1, 2)),
        Finding("XX001", "made-up", Severity.INFO, "a run finding | with a pipe `tick` and </script>"),
    ]
    sources = [{"path": src, "format": "csv", "rows": 6, "columns": ["text", PAYLOADS[2]], "split": None,
                "text": ["text"], "label": None, "record_format": "text"}]
    stats = {"missing-value": {"missing_by_column": {src: {PAYLOADS[2]: 2, "text": 0}}},
             "exact-duplicate": {"largest_clusters": [2]},
             "label-imbalance": {"by_split": {PAYLOADS[0]: {"distribution": {PAYLOADS[1]: 3, "b": 1}}}}}
    return Report(fs, sources, stats, "warning")


# -- registry / CLI -------------------------------------------------------------------------------
def test_every_format_is_registered_and_renders():
    report = tricky_report()
    for fmt in ("text", "json", "html", "markdown", "sarif", "github", "junit"):
        assert fmt in FORMATS
        out = get_reporter(fmt).render(report)
        assert isinstance(out, str) and out.endswith("\n")
        # every finding of the report is in it, and the data never comes out raw
        for code in ("DU001", "MV001", "XX001"):
            assert code in out, (fmt, code)
        if fmt in ("html", "markdown", "junit"):  # markup: the payload is escaped
            assert "<script>window" not in out, fmt
        if fmt in ("text", "github", "markdown"):
            assert "\nsecond line" not in out, fmt


def test_several_outputs_at_once(at_root, tmp_path):
    files = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "html", "sarif", "junit", "markdown", "github")}
    code, out = check(ALPACA, *[a for fmt, p in files.items() for a in ("-o", f"{fmt}:{p}")])
    assert code == 1
    assert out == ""  # every format went to its file
    # Alpaca's empty 'input' is normal, not a missing value
    assert json.loads(files["json"].read_text())["summary"]["by_rule"] == {"exact-duplicate": 14}
    assert files["html"].read_text().startswith("<!DOCTYPE html>")
    assert len(json.loads(files["sarif"].read_text())["runs"][0]["results"]) == 14


def test_output_format_with_output_file(at_root, tmp_path):
    path = tmp_path / "report.html"
    code, _ = check(ALPACA, "--output-format", "html", "--output-file", str(path))
    assert code == 1 and "exact-duplicate" in path.read_text()
    if os.name == "posix":  # an ordinary file, not mkstemp's 0600
        umask = os.umask(0)
        os.umask(umask)
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# -- golden files ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name,args", [
    ("alpaca.txt", [ALPACA]),
    ("alpaca_concise.txt", [ALPACA, "--output-format", "concise"]),
    ("sms.txt", [SMS]),
    ("sms_no_text.txt", [SMS, "--no-show-text", "--max-per-rule", "3"]),
    ("alpaca_grouped.txt", [ALPACA, SMS, "--grouped"]),
    ("sms_statistics.txt", [SMS, "--statistics"]),
    ("sms_quiet.txt", [SMS, "-q"]),
    ("alpaca.md", [ALPACA, "--output-format", "markdown"]),
    ("sms.md", [SMS, "--output-format", "markdown"]),
])
def test_golden(at_root, name, args):
    code, out = check(*args)
    assert code == 1
    matches_golden(name, out)


BANKING77 = ["../shared/data/banking77/train.csv", "../shared/data/banking77/test.csv"]


@pytest.mark.parametrize("name,args", [
    ("banking77_near.txt", []),
    ("banking77_near.md", ["--output-format", "markdown"]),
])
def test_golden_near_duplicate_evidence(at_root, name, args):
    """Near-duplicates and near leaks with both texts of every pair they rest on."""
    r = CliRunner().invoke(cli, ["check", *BANKING77, *args, "--isolated", "--no-progress", "--select", "DU002,LK001",
                                 "--max-per-rule", "3"], catch_exceptions=False)
    assert r.exit_code == 1
    matches_golden(name, r.output)


def test_markdown_escapes_and_collapses():
    md = get_reporter("markdown").render(tricky_report())
    assert "<script>" not in md and "<img" not in md
    assert "&lt;script&gt;" in md
    # a pipe inside a message cannot open a new cell: every table row keeps its cell count
    rows = [line for line in md.splitlines() if "a run finding" in line]
    assert [line.count("|") for line in rows] == [4, 4], rows  # the top table, then the rule's details
    assert md.count("<details>") == md.count("</details>") == 3


# -- SARIF ----------------------------------------------------------------------------------------
def _sarif_validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((HERE / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def test_sarif_validates_against_the_official_schema(at_root):
    validator = _sarif_validator()
    report = report_on(SMS, ALPACA, TITANIC)
    doc = json.loads(get_reporter("sarif").render(report))
    errors = sorted(validator.iter_errors(doc), key=str)
    assert not errors, errors[:3]
    run = doc["runs"][0]
    assert doc["version"] == "2.1.0"
    # 403 sms + 14 alpaca duplicates (alpaca's empty input is no MV001) + 107 titanic copies, 4 columns with nulls
    assert len(run["results"]) == len(report.findings) == 528
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(rules) == {"DU001", "MV001", "IR001"}
    assert "Why it matters" in rules["DU001"]["help"]["text"]
    first = run["results"][0]
    f = report.findings[0]
    assert first["ruleId"] == f.code and run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == f.code
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": SMS, "uriBaseId": "%SRCROOT%"}
    assert loc["region"]["startLine"] == f.line
    assert first["level"] == "warning"
    mv = next(r for r in run["results"] if r["ruleId"] == "MV001")
    # a column finding has no line of its own: GitHub needs one to show it, so line 1
    assert mv["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}


def test_sarif_paths_are_relative_to_the_root(tmp_path, monkeypatch):
    validator = _sarif_validator()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data dir").mkdir()
    csv = tmp_path / "data dir" / "a.csv"
    csv.write_text("text,label\nx,a\nx,a\n")
    import trainlint

    report = trainlint.lint(str(csv), select=["DU001"])  # an absolute path under the root
    doc = json.loads(get_reporter("sarif").render(report))
    assert not list(validator.iter_errors(doc))
    loc = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "data%20dir/a.csv"
    assert loc["region"]["startLine"] == 3


def test_sarif_of_tricky_report_validates():
    doc = json.loads(get_reporter("sarif").render(tricky_report()))
    assert not list(_sarif_validator().iter_errors(doc))
    assert [r["level"] for r in doc["runs"][0]["results"]] == ["warning", "error", "note"]
    assert "locations" not in doc["runs"][0]["results"][2]  # a run finding has no file


# -- JUnit ----------------------------------------------------------------------------------------
def test_junit_parses_with_expected_counts(at_root):
    xml = get_reporter("junit").render(report_on(ALPACA))
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {"DU001 exact-duplicate", "MV001 missing-value", "IR001 invalid-record"}
    assert suite.get("tests") == "3" and suite.get("failures") == "1"  # Alpaca's empty input is no MV001
    assert cases["IR001 invalid-record"].find("failure") is None and cases["MV001 missing-value"].find("failure") is None
    fail = cases["DU001 exact-duplicate"].find("failure")
    assert fail.get("message") == "14 findings"
    lines = fail.text.strip().splitlines()
    assert len(lines) == 14 and all(line.startswith(ALPACA + ":") for line in lines)


def test_junit_below_fail_on_passes_and_survives_control_characters():
    report = tricky_report()
    report = Report([*report.findings, Finding("XX002", "bell", Severity.INFO, "nul \x00 bell \x07")],
                    report.sources, report.stats, "error")
    root = ET.fromstring(get_reporter("junit").render(report))
    suite = root.find("testsuite")
    assert suite.get("failures") == "1"  # only the error (MV001) fails at --fail-on error
    info = next(c for c in suite.findall("testcase") if c.get("name") == "XX002 bell")
    assert info.find("failure") is None and "bell" in info.find("system-out").text


# -- GitHub ---------------------------------------------------------------------------------------
def test_github_lines_exact():
    out = get_reporter("github").render(tricky_report()).splitlines()
    assert out == [  # the most severe first
        "::error file=data/<img src=x onerror=window.__pwned=1>.csv,title=MV001 missing-value"
        "::[<img src=x onerror=window.__pwned=1>] column '<img src=x onerror=window.__pwned=1>' has 2 missing "
        "values%0Asecond line%0D",
        "::warning file=data/<img src=x onerror=window.__pwned=1>.csv,line=5,title=DU001 exact-duplicate"
        "::text repeats <script>window.__pwned=1</script> 100%25, a:b",
        "::notice title=XX001 made-up::a run finding | with a pipe `tick` and </script>",
        "::error title=trainlint::3 findings (1 info, 1 warning, 1 error) in 1 of 6 rows; failed (fail on warning)",
    ]


def test_github_escapes_properties():
    from trainlint.reporters.github import annotation

    f = Finding("DU001", "exact-duplicate", Severity.WARNING, "m", source="a,b:c%.csv", line=2)
    assert annotation(f) == "::warning file=a%2Cb%3Ac%25.csv,line=2,title=DU001 exact-duplicate::m"


def test_github_real_data_capped_with_summary(at_root):
    out = get_reporter("github").render(report_on(SMS), full_report="trainlint.json").splitlines()
    assert len(out) == 11  # GitHub shows 10 annotations per level and step: 10 warnings, then the summary
    assert out[0] == ("::warning file=../shared/data/sms_spam/SMSSpamCollection,line=104,title=DU001 "
                      "exact-duplicate::same text and label as an earlier row "
                      "(../shared/data/sms_spam/SMSSpamCollection:8); 3 copies in all")
    assert out[-1] == ("::error title=trainlint::403 findings (403 warning) in 403 of 5574 rows; failed (fail on "
                       "warning); the 10 most severe shown as annotations, 393 more: the full report is in "
                       "trainlint.json")


# -- HTML (static checks; tests/reporters/test_html_browser.py opens it in Chromium) ---------------
def test_html_escapes_every_payload():
    page = get_reporter("html").render(tricky_report())
    for p in PAYLOADS:
        assert p not in page
    assert "<img" not in page
    assert page.count("<script") == 2  # the data block and the page's own script
    data = re.search(r'<script type="application/json" id="tl-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in data
    rows = json.loads(data)["findings"]
    assert rows[0]["v"] == PAYLOADS[0] + " " + PAYLOADS[1]  # the value survives, as data
    assert "&lt;img src=x onerror=window.__pwned=1&gt;" in page  # as text in the markup


def test_html_is_self_contained():
    page = get_reporter("html").render(tricky_report())
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "@import" not in page and "url(" not in page


def test_html_caps_rows_and_keeps_true_counts():
    from trainlint.reporters.html import pick

    fs = [Finding("DU001", "exact-duplicate", Severity.WARNING, f"dup {i}", source="a.csv", row=i, line=i + 2)
          for i in range(99_990)]
    fs += [Finding("MV001", "missing-value", Severity.WARNING, f"m {i}", source="a.csv", column=f"c{i}")
           for i in range(10)]
    report = Report(fs, [{"path": "a.csv", "format": "csv", "rows": 100_000, "columns": ["text"]}], {}, "warning")
    page = get_reporter("html").render(report)
    data = json.loads(re.search(r'id="tl-data">(.*?)</script>', page, re.S).group(1))
    assert len(data["findings"]) == 2000
    assert data["total"] == 100_000 and data["counts"] == {"DU001": 99_990, "MV001": 10}
    assert sum(r["c"] == "MV001" for r in data["findings"]) == 10  # a small rule is never crowded out
    assert "The report holds 100,000 findings; the first 2,000" in page
    assert len(page) < 2_000_000
    kept = pick(fs, 2000)
    assert kept == sorted(kept, key=fs.index)  # report order is kept


def test_html_charts_from_stats():
    from trainlint.reporters.html import charts

    titles = [t for t, _svg in charts(tricky_report())]
    assert titles == ["Findings by rule", "Missing values by column", "Labels by split (label-imbalance)",
                      "Largest clusters (exact-duplicate)"]
    stats = {"text-length": {"length_histogram": {"edges": [0, 10, 20, 40], "counts": [5, 3, 1], "unit": "chars"}},
             "language-mix": {"languages": {"en": 90, "de": 10}}}
    report = Report([], [], stats)
    assert [t for t, _ in charts(report)] == ["Text length (text-length)", "Language mix (language-mix)"]
    assert charts(Report([], [], {"broken": {"languages": "oops", "length_histogram": [1, 2]}})) == []


def test_repr_html_is_compact_and_script_free():
    report = tricky_report()
    html = report._repr_html_()
    assert "<script" not in html and "<img" not in html
    assert "Findings by rule" in html and "tl-compact" in html
    shown = report.show(rule="DU001")._repr_html_()
    assert "MV001</td>" not in shown and "DU001</td>" in shown


# -- progress bar ---------------------------------------------------------------------------------
def test_piped_json_has_nothing_on_stderr(at_root):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    r = subprocess.run([sys.executable, "-m", "trainlint", "check", SMS, "--isolated", "--select", "DU001",
                        "--output-format", "json"], capture_output=True, env=env, cwd=ROOT, timeout=300)
    assert r.returncode == 1
    assert r.stderr == b""
    assert json.loads(r.stdout)["summary"]["by_rule"] == {"exact-duplicate": 403}


class _Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty

    def write(self, s: str) -> int:
        return len(s)

    def flush(self) -> None:
        pass


@pytest.mark.parametrize("tty,ci,quiet,shown", [(True, False, False, True), (False, False, False, False),
                                                (True, True, False, False), (True, False, True, False)])
def test_progress_bar_only_on_a_tty(monkeypatch, tty, ci, quiet, shown):
    from trainlint.cli.check_cmd import progress_bar

    monkeypatch.setattr(sys, "stderr", _Stream(tty))
    if ci:
        monkeypatch.setenv("CI", "true")
    else:
        monkeypatch.delenv("CI", raising=False)
    update, close = progress_bar({"no_progress": False, "quiet": quiet})
    try:
        assert (update is not None) == shown
    finally:
        close()
