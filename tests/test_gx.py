"""The Great Expectations bridge: findings equal GX's own on the whole DataFrame, with lines.

GX reads the CSV the way the bridge hands batches to it: every column a string, an empty field
missing (``dtype=str, keep_default_na=False, na_values=[""]``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

gx = pytest.importorskip("great_expectations", reason="the GX bridge needs the extra: pip install 'trainlint[gx]'")
pd = pytest.importorskip("pandas")

from click.testing import CliRunner  # noqa: E402

import trainlint  # noqa: E402
from trainlint.cli import cli  # noqa: E402
from trainlint.gx import expectation_rules, load_suites  # noqa: E402
from trainlint.gx._gx import build_expectation, validate  # noqa: E402
from trainlint.testing import MODES, comparable, run_rules_on  # noqa: E402

HERE = os.path.dirname(__file__)
DATA = os.path.join(HERE, "..", "..", "shared", "data")
TITANIC = os.path.join(DATA, "titanic", "titanic.csv")
BANKING = os.path.join(DATA, "banking77", "train.csv")
SUITES = {"titanic": (TITANIC, os.path.join(HERE, "data", "gx_suite_titanic.json")),
          "banking77": (BANKING, os.path.join(HERE, "data", "gx_suite_banking77.json"))}


def read_like_trainlint(path: str):
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def record_lines(path: str) -> list[int]:
    """The physical line where each record starts (banking77 has quoted newlines), by Python's csv."""
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader)
        starts, prev = [], reader.line_num
        for _ in reader:
            starts.append(prev + 1)
            prev = reader.line_num
    return starts


def gx_failures(df, suite_path: str) -> dict[str, tuple[bool, set[int]]]:
    """GX001... -> (success, failing row indexes) from GX on the whole DataFrame."""
    suite = load_suites([suite_path])[0]
    exps = [build_expectation(c) for c in suite.expectations]
    out = {}
    for k, res in enumerate(validate(df, exps)):
        assert not (res.exception_info or {}).get("raised_exception"), res.exception_info
        idx = set((res.result or {}).get("unexpected_index_list") or ())
        out[f"GX{k + 1:03d}"] = (bool(res.success), idx)
    return out


@pytest.fixture(scope="module", params=sorted(SUITES))
def case(request):
    data, suite = SUITES[request.param]
    report = trainlint.lint(data, expectations=suite, select="GX")
    return data, suite, report, gx_failures(read_like_trainlint(data), suite)


def test_row_findings_are_exactly_gx_failures_with_lines(case):
    data, suite, report, expected = case
    lines = record_lines(data)
    by_code: dict[str, set[int]] = {}
    for f in report.findings:
        if f.row is not None:
            assert f.line == lines[f.row], f
            by_code.setdefault(f.code, set()).add(f.row)
    n_failing_row_exps = 0
    for code, (success, rows) in expected.items():
        got = by_code.get(code, set())
        if rows:
            n_failing_row_exps += 1
            assert got == (set() if success else rows), code
        else:
            assert not got, code
    assert n_failing_row_exps >= 3  # the suites are written to fail on real rows


def test_aggregate_findings_match_gx_success(case):
    data, suite, report, expected = case
    dataset = {f.code for f in report.findings if f.row is None}
    df = read_like_trainlint(data)
    cfgs = load_suites([suite])[0].expectations
    for k, cfg in enumerate(cfgs):
        code = f"GX{k + 1:03d}"
        if cfg["type"] == "expect_column_mean_to_be_between":  # GX needs numbers: give it the column as such
            num = df.assign(**{cfg["kwargs"]["column"]: pd.to_numeric(df[cfg["kwargs"]["column"]])})
            ok = validate(num, [build_expectation(cfg)])[0].success
        elif expected[code][1]:
            continue
        else:
            ok = expected[code][0]
        assert (code in dataset) == (not ok), code


def test_severity_from_suite(case):
    data, suite, report, _ = case
    cfgs = load_suites([suite])[0].expectations
    assert len(report.findings) > 0, "the case's suite must fail somewhere for this test to say anything"
    for f in report.findings:
        cfg = cfgs[int(f.code[2:]) - 1]
        want = (cfg.get("meta") or {}).get("severity") or {"critical": "error"}.get(cfg["severity"], cfg["severity"])
        assert f.severity.value == want


def test_modes_agree_with_duplicates_across_batches():
    df = read_like_trainlint(TITANIC).head(40)
    records = [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in df.to_dict("records")]
    suite = SUITES["titanic"][1]
    results = {}
    for mode in MODES:
        rules = expectation_rules([suite])
        results[mode] = comparable(run_rules_on(rules, [{"path": "t.jsonl", "records": records}], mode).findings)
    assert all(r == results["stream"] for r in results.values())
    codes = {c[0] for c in results["stream"]}
    assert {"GX001", "GX004", "GX006", "GX007"} <= codes  # null, unique across batches, count, mean


def test_select_and_ignore_gx():
    suite = SUITES["titanic"][1]
    only = trainlint.lint(TITANIC, expectations=suite, select="GX004")
    assert {f.code for f in only.findings} == {"GX004"}
    none = trainlint.lint(TITANIC, expectations=suite, select="DU001", ignore="GX")
    assert not any(f.code.startswith("GX") for f in none.findings)


def test_suite_object_in_python_api():
    suite = gx.ExpectationSuite(name="api", expectations=[
        gx.expectations.ExpectColumnValuesToBeInSet(column="label", value_set=["a", "b"])])
    df = pd.DataFrame({"text": ["x", "y", "z"], "label": ["a", "c", "b"]})
    report = trainlint.lint(df, expectations=suite, select="GX")
    assert [(f.code, f.row) for f in report.findings] == [("GX001", 1)]


def test_config_table_and_max_rows(tmp_path):
    suite = SUITES["titanic"][1]
    cfg = tmp_path / "trainlint.toml"
    cfg.write_text(f'select = ["GX"]\n[gx]\nsuites = ["{suite}"]\nmax-rows = 100\n')
    res = CliRunner().invoke(cli, ["check", TITANIC, "--config", str(cfg), "--statistics"])
    assert res.exit_code == 2  # GX009 (distinct values) must hold the column whole: 891 > 100
    assert "max-rows" in res.output and "GX009" in res.output
    cfg.write_text(f'select = ["GX"]\n[gx]\nsuites = ["{suite}"]\n')
    res = CliRunner().invoke(cli, ["check", TITANIC, "--config", str(cfg), "--output-format", "json"])
    assert res.exit_code == 1
    assert {f["code"] for f in json.loads(res.output)["findings"]} >= {"GX001", "GX009"}
    cfg.write_text('[gx]\nsuite = "x.json"\n')
    res = CliRunner().invoke(cli, ["check", TITANIC, "--config", str(cfg)])
    assert res.exit_code == 2 and "unknown key 'suite' in [tool.trainlint.gx]" in res.output


def test_bad_suite_is_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "b", "expectations": [{"type": "expect_nonsense", "kwargs": {}}]}))
    res = CliRunner().invoke(cli, ["check", TITANIC, "--expectations", str(bad)])
    assert res.exit_code == 2
    assert "GX rejected expectation 1 (expect_nonsense)" in res.output and "Traceback" not in res.output


def test_missing_extra_names_the_install_command():
    code = ("import sys; sys.modules['great_expectations'] = None\n"
            "from trainlint.cli import main; sys.argv = ['trainlint', 'check', sys.argv[1], "
            "'--expectations', sys.argv[2]]; main()")
    p = subprocess.run([sys.executable, "-c", code, TITANIC, SUITES["titanic"][1]],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    assert p.stderr.count("\n") == 1 and "pip install 'trainlint[gx]'" in p.stderr


def test_export_round_trip(tmp_path):
    out = tmp_path / "suite.json"
    res = CliRunner().invoke(cli, ["export-gx", BANKING, "-o", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    types = {(e["type"], e["kwargs"].get("column")) for e in data["expectations"]}
    assert {("expect_column_values_to_not_be_null", "text"), ("expect_column_values_to_be_in_set", "category"),
            ("expect_column_value_lengths_to_be_between", "text")} <= types
    labels = next(e for e in data["expectations"] if e["type"] == "expect_column_values_to_be_in_set")
    assert len(labels["kwargs"]["value_set"]) == 77
    suite = gx.ExpectationSuite(**data)  # GX itself loads it
    df = read_like_trainlint(BANKING)
    assert all(r.success for r in validate(df, list(suite.expectations)))
    bad = df.copy()
    bad.loc[1234, "category"] = "card_arival"
    results = validate(bad, list(suite.expectations))
    failed = [r for r in results if not r.success]
    assert [r.expectation_config.type for r in failed] == ["expect_column_values_to_be_in_set"]
    assert failed[0].result["unexpected_index_list"] == [1234]
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    report = trainlint.lint(str(path), expectations=str(out), select="GX")
    assert [(f.row, f.line) for f in report.findings] == [(1234, record_lines(str(path))[1234])]
