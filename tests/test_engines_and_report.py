"""Engines give identical findings; the JSON report keeps its contract; Report's Python API."""

from __future__ import annotations

import json

import jsonschema
from click.testing import CliRunner

import trainlint
from trainlint.cli import cli
from trainlint.engines.partitioned import PartitionedEngine
from trainlint.engines.processes import ProcessEngine
from trainlint.runner import build_rules
from trainlint.config import Settings
from trainlint.sources import ReadOptions, open_sources

from helpers import DATA, ROOT

SCHEMA = json.loads((ROOT.parent / "shared" / "contracts" / "report-v1.schema.json").read_text())
REAL = [DATA / "sms_spam" / "SMSSpamCollection", DATA / "titanic" / "titanic.csv",
        DATA / "chat" / "alpaca_en_demo.json", DATA / "encoding" / "youtube01_psy_not_utf8.csv",
        DATA / "banking77" / "train.csv", DATA / "banking77" / "test.csv"]


def _run(engine, block_bytes=1 << 16):
    specs = open_sources([str(p) for p in REAL], ReadOptions(block_bytes=block_bytes, batch_rows=500))
    rules = build_rules(Settings(select=("MV001", "DU001", "DU003", "IR001")))
    return [f.to_dict() for f in engine.run(specs, rules).findings]


def test_process_engine_matches_local_engine():
    from trainlint.engines.local import LocalEngine

    local = _run(LocalEngine(), block_bytes=8 << 20)
    assert local
    assert _run(ProcessEngine(2, workers_after=0)) == local
    mixed = ProcessEngine(2, workers_after=2)  # local blocks first, then workers
    assert _run(mixed) == local
    assert mixed.lanes["local"] >= 2 and mixed.lanes["workers"] > 0
    assert _run(PartitionedEngine(), block_bytes=4096) == local


def test_cli_jobs_two_same_json():
    args = ["check", str(REAL[0]), str(REAL[2]), "--output-format", "json", "--select", "MV001,DU001,IR001"]
    a = json.loads(CliRunner().invoke(cli, args).output)
    b = json.loads(CliRunner().invoke(cli, args + ["--jobs", "2"]).output)
    assert a["findings"] == b["findings"] and a["summary"] == b["summary"]
    c = json.loads(CliRunner().invoke(cli, args + ["--engine", "processes", "--jobs", "2"]).output)
    assert a["findings"] == c["findings"] and a["summary"] == c["summary"]


def test_json_report_matches_contract():
    res = CliRunner().invoke(cli, ["check", *map(str, REAL), "--output-format", "json"])
    assert res.exit_code == 1
    doc = json.loads(res.output)
    jsonschema.validate(doc, SCHEMA)
    assert doc["summary"]["rows"] == sum(s["rows"] for s in doc["sources"])
    assert doc["summary"]["by_rule"]["exact-duplicate"] == sum(
        1 for f in doc["findings"] if f["name"] == "exact-duplicate")


def test_report_api_to_pandas_and_exit_code():
    r = trainlint.lint(str(REAL[0]), select=["DU001"])
    df = r.to_pandas()
    assert len(df) == 403 and list(df.columns[:5]) == ["code", "name", "severity", "message", "source"]
    assert df["line"].notna().all() and df["related"].str.contains("SMSSpamCollection:").all()
    assert r.exit_code == 1
    assert trainlint.lint(str(REAL[0]), select=["DU001"], fail_on="error").exit_code == 0
    assert "exact-duplicate" in r._repr_html_()
    assert len(r.show(rule="DU001")) == 403 and len(r.show(rule="missing-value")) == 0
    jsonschema.validate(json.loads(r.to_json()), SCHEMA)


def test_report_is_a_finished_value():
    """A Report holds no open reader: it pickles (with its findings as columns), and ``cleaned()``
    reads the inputs again from ``report.inputs``, as the runner handed them over."""
    import pickle

    r = trainlint.lint(str(REAL[0]), select=["DU001"])
    again = pickle.loads(pickle.dumps(r))
    assert again.to_json() == r.to_json() and again.exit_code == r.exit_code
    kept = again.cleaned()
    assert len(kept) == r.summary["rows"] - 403 == len(r.cleaned())
    held = [x for v in vars(r).values() for x in (v if isinstance(v, list) else [v])]
    assert not any(hasattr(x, "reader") for x in held)  # no SourceSpec


def test_import_is_light():
    import subprocess
    import sys

    code = ("import sys, trainlint; heavy = [m for m in ('pandas', 'pyarrow', 'numpy') if m in sys.modules];"
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"import trainlint loaded {out}"


def test_check_runs_without_importing_pandas(tmp_path):
    """pyarrow's implicit pandas import (~0.35 s) is deferred on the command line
    (``trainlint._arrow``): a run, in one process or with workers, never loads pandas."""
    import subprocess
    import sys

    data = tmp_path / "d.csv"
    data.write_text("text,label\nhello,a\nhello,a\n,b\nN/A,a\n")
    for extra in ([], ["--jobs", "2"], ["--engine", "processes", "--jobs", "2"]):
        code = ("import sys; from trainlint.cli import cli\n"
                f"try: cli(['check', {str(data)!r}, '-q', '--exit-zero', *{extra!r}])\n"
                "except SystemExit: pass\n"
                "print('pandas' in sys.modules, file=sys.stderr)")
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert res.stderr.strip().splitlines()[-1] == "False", res.stderr
    out = subprocess.run([sys.executable, "-m", "trainlint", "check", str(data), "--select", "DU001,MV001"],
                         capture_output=True, text=True).stdout
    assert "exact-duplicate" in out and "missing-value" in out


def test_pandas_imported_after_deferral_works_with_pyarrow():
    """Once code imports pandas itself, pyarrow's pandas paths work again in that process."""
    import subprocess
    import sys

    code = """
import sys, importlib
from trainlint._arrow import defer_pandas
defer_pandas()
import numpy as np, pyarrow as pa
pa.array(np.arange(3)).to_numpy(); pa.array(["a", None]); pa.scalar(1)
assert "pandas" not in sys.modules
pd = importlib.import_module("pandas") if sys.argv[1] == "module" else __import__("builtins") and None
if pd is None:
    import pandas as pd
assert pa.lib._pandas_api.have_pandas
assert pa.array(pd.Series([1, None], dtype="Int64")).null_count == 1
assert pa.Table.from_pandas(pd.DataFrame({"a": [1, 2]})).num_rows == 2
assert pa.table({"a": [1, None]}).to_pandas().shape == (2, 1)
assert pa.array(pd.Series(["x", None])).null_count == 1
print("ok")
"""
    for how in ("statement", "module"):
        res = subprocess.run([sys.executable, "-c", code, how], capture_output=True, text=True)
        assert res.stdout.strip() == "ok", res.stderr


def test_rule_doc_printed_for_every_rule():
    from trainlint.registry import all_rules

    for rule in all_rules():
        res = CliRunner().invoke(cli, ["rule", rule.code])
        assert res.exit_code == 0 and "What it checks" in res.output and rule.name in res.output
