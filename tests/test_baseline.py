"""The baseline on real data: keyed by content, so shuffling and appending rows does not churn it.

SMS spam (5,574 messages, 403 exact repeats): baseline it, shuffle it, append 1 % new rows with
planted problems (copies of existing messages, empty texts, a copy with the other label); a run
with the baseline reports exactly the findings about the new rows.  The timing target (<= 1.1x a
plain run at 100k rows) lives in benchmarks/baseline.py.
"""

from __future__ import annotations

import os

import csv
import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT

from trainlint.cli import cli

SMS = ROOT.parent / "shared" / "data" / "sms_spam" / "SMSSpamCollection"
#: the rules whose findings are exact (fuzzy rules may flag other rows when the order changes)
EXACT = "DU001,DU003,MV001,LB005,IR001,LB002,LB003"


def _read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def _write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\", lineterminator="\n").writerows(rows)


def _check(*args, select=EXACT):
    sel = ["--select", select] if select else []  # None: the default rules
    r = CliRunner().invoke(cli, ["check", "--isolated", "--no-progress", *sel, *args])
    assert r.exit_code in (0, 1), r.output
    return r


def _findings(*args, select=EXACT):
    r = _check("--output-format", "json", *args, select=select)
    return json.loads(r.stdout), r.stderr


@pytest.fixture()
def shuffled(tmp_path, monkeypatch):
    """(baseline path, first new row) in a fresh folder."""
    return _shuffled(tmp_path, monkeypatch, EXACT)


def _shuffled(tmp_path, monkeypatch, select):
    monkeypatch.chdir(tmp_path)
    rows = [r for r in _read(SMS) if len(r) == 2]
    _write("sms.tsv", [["label", "text"], *rows])
    r = _check("sms.tsv", "--write-baseline", select=select)  # default file name
    assert "recorded" in r.stderr and r.exit_code == 0
    rng = random.Random(16)
    rng.shuffle(rows)
    new = []
    for k in range(len(rows) // 100):
        label, text = rng.choice(rows)
        if k % 3 == 0:
            new.append([label, text])                                    # an exact copy
        elif k % 3 == 1:
            new.append([label, ""])                                      # a missing text
        else:
            new.append([label, f"  {text.upper()} "])                    # a copy up to case, spacing
    _write("sms.tsv", [["label", "text"], *rows, *new])
    return tmp_path / "trainlint-baseline.txt", len(rows)


def test_baseline_file_is_sorted_diffable_and_small(shuffled):
    path, _ = shuffled
    text = path.read_text()
    lines = text.splitlines()
    body = [ln for ln in lines if not ln.startswith("#")]
    headers = [ln for ln in body if ln.startswith("@ ")]
    assert headers == sorted(headers, key=lambda h: (h.split(" ", 2)[2], h.split(" ")[1]))
    for h in headers:  # keys sorted under each header
        start = body.index(h) + 1
        end = next((i for i in range(start, len(body)) if body[i].startswith("@ ")), len(body))
        assert body[start:end] == sorted(body[start:end])
    recorded = _findings_count_before(shuffled)
    assert len(text.encode()) / recorded <= 40, (len(text.encode()), recorded)


def _findings_count_before(shuffled) -> int:
    path, _ = shuffled
    return sum(int(ln.split(" x")[1]) if " x" in ln else 0 if ln.endswith("~") else 1
               for ln in path.read_text().splitlines() if ln and not ln.startswith(("#", "@")))


@pytest.mark.parametrize("select", [EXACT, None], ids=["exact-rules", "default-rules"])
def test_shuffled_and_appended_reports_exactly_the_new_rows(tmp_path, monkeypatch, select):
    """With the default rules too: near-duplicate and split-leakage pick their candidate pairs and
    the row that stands for exact copies by content, not by row order."""
    path, first_new = _shuffled(tmp_path, monkeypatch, select)
    plain, _ = _findings("sms.tsv", select=select)
    based, err = _findings("sms.tsv", "--baseline", str(path), select=select)

    def about_new(f):
        rows = [f["row"]] if f["row"] is not None else []
        rows += [r["row"] for r in f["related"]]
        return any(r >= first_new for r in rows)

    want = sorted((f["code"], f["row"]) for f in plain["findings"] if about_new(f))
    got = sorted((f["code"], f["row"]) for f in based["findings"])
    assert len(want) >= 50 and got == want
    acc = based["stats"]["accepted"]["baseline"]
    assert acc["hidden"] == len(plain["findings"]) - len(want) and acc["unmatched"] == 0
    assert f"{acc['hidden']} findings hidden by baseline" in err


def test_stale_entries_are_counted_and_pruned(shuffled):
    path, first_new = shuffled
    rows = _read("sms.tsv")[1:first_new + 1]
    seen, kept = set(), []
    for r in rows:  # drop every repeat: their baseline entries no longer match anything
        if r[1] not in seen:
            seen.add(r[1])
            kept.append(r)
    _write("sms.tsv", [["label", "text"], *kept])
    data, err = _findings("sms.tsv", "--baseline", str(path))
    unmatched = data["stats"]["accepted"]["baseline"]["unmatched"]
    assert unmatched >= 400 and f"{unmatched} baseline entries no longer match" in err
    r = _check("sms.tsv", "--write-baseline", str(path))
    assert f"dropped {unmatched} entries no longer matching" in r.stderr
    data, _ = _findings("sms.tsv", "--baseline", str(path))
    assert data["stats"]["accepted"]["baseline"]["unmatched"] == 0


def test_baseline_from_config_and_refusing_to_overwrite_an_input(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text("text,label\nhello there,a\nhello there,a\n")
    (tmp_path / "pyproject.toml").write_text('[tool.trainlint]\nselect = ["DU001"]\nbaseline = "bl.txt"\n')
    r = CliRunner().invoke(cli, ["check", "d.csv", "--write-baseline", "--no-progress"])
    assert r.exit_code == 0 and (tmp_path / "bl.txt").exists(), r.output
    r = CliRunner().invoke(cli, ["check", "d.csv", "--no-progress"])
    assert r.exit_code == 0 and "1 finding hidden by baseline" in r.stderr
    r = CliRunner().invoke(cli, ["check", "d.csv", "--write-baseline", "d.csv", "--no-progress"])
    assert r.exit_code == 2 and "the baseline d.csv is the input" in r.stderr
    assert (tmp_path / "d.csv").read_text().startswith("text,label")
    # a hard link to the input is the input too
    os.link(tmp_path / "d.csv", tmp_path / "same.csv")
    r = CliRunner().invoke(cli, ["check", "d.csv", "--write-baseline", "same.csv", "--no-progress"])
    assert r.exit_code == 2 and "would overwrite the data" in r.stderr
    assert (tmp_path / "d.csv").read_text().startswith("text,label")


def test_a_broken_baseline_names_file_and_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text("text,label\nhello there,a\n")
    (tmp_path / "bl.txt").write_text("@ DU001 d.csv\nnot-a-key\n")
    r = CliRunner().invoke(cli, ["check", "d.csv", "--isolated", "--baseline", "bl.txt"])
    assert r.exit_code == 2 and "bl.txt:2: not a baseline line" in r.stderr


def test_python_api_takes_the_baseline(shuffled):
    import trainlint

    path, first_new = shuffled
    report = trainlint.lint("sms.tsv", select=EXACT, baseline=str(path))
    assert report.stats["accepted"]["baseline"]["hidden"] > 400
    assert all((f.row or 0) >= first_new for f in report.findings if f.row is not None)


def test_every_engine_writes_the_same_baseline(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [r for r in _read(SMS) if len(r) == 2]
    _write("sms.tsv", [["label", "text"], *rows])
    _check("sms.tsv", "--write-baseline", "local.txt")
    _check("sms.tsv", "--write-baseline", "processes.txt", "--engine", "processes", "--jobs", "2")
    assert (tmp_path / "local.txt").read_text() == (tmp_path / "processes.txt").read_text()


def test_entries_outside_the_run_are_kept_and_not_counted(tmp_path, monkeypatch):
    """A run of fewer rules or fewer files neither calls the other entries stale nor drops them."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.csv").write_text("text,label\nhello there,a\nhello there,a\n,b\n")
    (tmp_path / "b.csv").write_text("text,label\nbye now,a\nbye now,a\n")
    _check("a.csv", "b.csv", "--write-baseline", "bl.txt")
    full = (tmp_path / "bl.txt").read_text()
    assert "@ DU001 a.csv" in full and "@ MV001 a.csv" in full and "@ DU001 b.csv" in full
    only = ["check", "--isolated", "--no-progress", "--select", "DU001", "a.csv"]
    r = CliRunner().invoke(cli, [*only, "--baseline", "bl.txt", "--output-format", "json"])
    assert json.loads(r.stdout)["stats"]["accepted"]["baseline"] == {"path": "bl.txt", "hidden": 1, "unmatched": 0}
    r = CliRunner().invoke(cli, [*only, "--write-baseline", "bl.txt"])
    assert "dropped" not in r.stderr
    assert (tmp_path / "bl.txt").read_text() == full


def test_python_api_writes_the_same_baseline_as_the_cli(tmp_path, monkeypatch):
    import pandas as pd

    import trainlint

    monkeypatch.chdir(tmp_path)
    rows = [r for r in _read(SMS) if len(r) == 2]
    _write("sms.tsv", [["label", "text"], *rows])
    _check("sms.tsv", "--write-baseline", "cli.txt")
    cli_text = (tmp_path / "cli.txt").read_text()
    # lint(write_baseline=...): recorded before anything is hidden, then applied
    report = trainlint.lint("sms.tsv", select=EXACT, write_baseline="api.txt")
    assert (tmp_path / "api.txt").read_text() == cli_text
    assert len(report.findings) == 0 and report.stats["accepted"]["baseline"]["hidden"] > 400
    # a finished report without content keys: the data is read again to make them
    plain = trainlint.lint("sms.tsv", select=EXACT)
    assert plain.keys is None
    assert plain.write_baseline("report.txt") == (len(plain.findings), 0)
    assert (tmp_path / "report.txt").read_text() == cli_text
    # a report whose baseline hid everything still records every finding
    assert report.write_baseline("again.txt")[0] == len(plain.findings)
    assert (tmp_path / "again.txt").read_text() == cli_text
    # a DataFrame: keyed by content as a file is; a shuffled copy keeps every key
    df = pd.DataFrame(rows, columns=["label", "text"])
    trainlint.lint(df, select=EXACT).write_baseline("frame.txt")
    shuffled = df.sample(frac=1, random_state=3).reset_index(drop=True)
    again = trainlint.lint(shuffled, select=EXACT, baseline="frame.txt")
    assert len(again.findings) == 0 and again.stats["accepted"]["baseline"]["unmatched"] == 0
    with pytest.raises(trainlint.TrainlintError, match="would overwrite the data"):
        plain.write_baseline("sms.tsv")


# -- default rules: banking77 train + test, shuffled, 1 % new rows each ----------------------------
BANKING = ROOT.parent / "shared" / "data" / "banking77"


def _bench():
    import importlib.util

    spec = importlib.util.spec_from_file_location("baseline_bench", ROOT / "benchmarks" / "baseline.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _default_rules(*args):
    r = CliRunner().invoke(cli, ["check", "--isolated", "--no-progress", "--output-format", "json", *args])
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def banking(tmp_path_factory):
    """A folder with banking77's train and test baselined (default rules), then each shuffled with
    1 % new rows (copies, empty texts, relabelled copies, one word changed, train rows leaked into
    test, German sentences); (folder, first new row of each file)."""
    bench = _bench()
    tmp = tmp_path_factory.mktemp("banking")
    old = os.getcwd()
    os.chdir(tmp)
    try:
        for name in ("train.csv", "test.csv"):
            shutil.copy(BANKING / name, name)
        r = CliRunner().invoke(cli, ["check", "--isolated", "--no-progress", "train.csv", "test.csv",
                                     "--write-baseline", "-q"])
        assert r.exit_code == 0, r.output
        with open("train.csv", newline="", encoding="utf-8") as f:
            train_texts = [row[0] for row in list(csv.reader(f))[1:]]
        first = {"train.csv": bench.shuffled_with_new_rows(BANKING / "train.csv", tmp / "train.csv", 0.01, 16),
                 "test.csv": bench.shuffled_with_new_rows(BANKING / "test.csv", tmp / "test.csv", 0.01, 17,
                                                           leak_from=train_texts)}
    finally:
        os.chdir(old)
    return tmp, first


def _new_rows_findings(first, *args, files=("train.csv", "test.csv")):
    """(new rows' findings not reported, reported findings not caused by new rows: ``compare`` of
    benchmarks/baseline.py) and the JSON of the run with the baseline; default rules."""
    plain = _default_rules(*files, *args)["findings"]
    based = _default_rules(*files, "--baseline", "trainlint-baseline.txt", *args)
    missing, extra = _bench().compare(plain, based["findings"], first)
    must, _ = _bench().expected(plain, first)
    return missing, extra, must, based


def test_default_rules_report_exactly_the_new_rows_of_every_split(banking, monkeypatch):
    """Exact and near duplicates, conflicts, missing values, leakage from train into test, languages:
    keyed by content, the old findings neither come back after a shuffle nor hide a new row's."""
    tmp, first = banking
    monkeypatch.chdir(tmp)
    missing, extra, must, based = _new_rows_findings(first)
    codes = {c for c, *_ in must}
    assert {"DU001", "DU002", "MV001", "LB001", "LK001", "TX001"} <= codes, codes  # the planted problems
    assert not missing and not extra, (sorted(missing)[:10], sorted(extra)[:10])
    # (entries may stop matching: a new exact copy may become the copy a near-duplicate is reported on)


@pytest.fixture()
def sms_default(tmp_path, monkeypatch):
    """SMS spam as a CSV, baselined with default rules, shuffled with 1 % new rows."""
    monkeypatch.chdir(tmp_path)
    rows = [r for r in _read(SMS) if len(r) == 2]
    with open("orig.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["label", "text"], *rows])
    _default_rules("orig.csv", "--write-baseline", "-q")
    return {"orig.csv": _bench().shuffled_with_new_rows(tmp_path / "orig.csv", tmp_path / "orig.csv", 0.01, 16)}


def test_sms_default_rules(sms_default):
    """An old row whose text a new row repeats under the other label is in conflict now: reported."""
    missing, extra, must, based = _new_rows_findings(sms_default, files=("orig.csv",))
    assert {"DU001", "DU002", "LB001", "MV001", "TX001"} <= {c for c, *_ in must}
    assert not missing and not extra, (sorted(missing)[:10], sorted(extra)[:10])


TEMPLATED = ROOT.parent / "shared" / "bench" / "templated.py"


def _shuffle_alone_then_append(csv_name, *args, rows=None):
    """Baseline ``csv_name`` (default rules), shuffle it: nothing is reported and every entry still
    matches; then append 1 % new rows: (missing, extra, the new rows' findings)."""
    bench = _bench()
    src = Path(csv_name + ".orig")
    src.write_bytes(Path(csv_name).read_bytes())
    _default_rules(csv_name, *args, "--write-baseline", "-q")
    bench.shuffled_with_new_rows(src, Path(csv_name), 0.0, 16)
    alone = _default_rules(csv_name, *args, "--baseline", "trainlint-baseline.txt")
    assert alone["findings"] == [] and alone["stats"]["accepted"]["baseline"]["unmatched"] == 0, (
        alone["stats"]["accepted"], [(f["code"], f["row"]) for f in alone["findings"]][:10])
    first = {csv_name: bench.shuffled_with_new_rows(src, Path(csv_name), 0.01, 16)}
    missing, extra, must, _based = _new_rows_findings(first, *args, files=(csv_name,))
    return missing, extra, must


def test_banking_shuffle_alone_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(BANKING / "train.csv", "train.csv")
    missing, extra, _must = _shuffle_alone_then_append("train.csv")
    assert not missing and not extra


def test_templated_40k_default_rules(tmp_path, monkeypatch):
    """The benchmark's target at 40k templated rows (planted copies, near copies, conflicts, leaks
    between splits, foreign rows): baselined and shuffled, nothing; 1 % new rows: exactly their
    findings.  Near-duplicate candidates, pairs and the copy standing for exact copies are chosen by
    content (rules/duplicates/), so a shuffle moves no near-duplicate or near-leak finding."""
    import subprocess
    import sys

    monkeypatch.chdir(tmp_path)
    subprocess.run([sys.executable, str(TEMPLATED), "--rows", "40000", "--out", "gen", "--formats", "csv"],
                   check=True, capture_output=True)
    shutil.copy("gen/data.csv", "data.csv")
    missing, extra, must = _shuffle_alone_then_append("data.csv", "--split-column", "split")
    assert {"DU001", "DU002", "LB001", "LK001", "MV001"} <= {c for c, *_ in must}
    assert not missing and not extra, (sorted(missing)[:10], sorted(extra)[:10])


def test_written_files_say_how_later_runs_use_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text("text,label\nhello there,a\nhello there,a\n")
    r = CliRunner().invoke(cli, ["check", "d.csv", "--isolated", "--select", "DU001", "--write-baseline",
                                 "bl.txt", "--add-suppressions"])
    assert "recorded 1 finding in bl.txt; later runs use it with --baseline bl.txt" in r.stderr
    assert "later runs use it with --suppressions trainlint-suppressions.toml" in r.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.trainlint]\nbaseline = "bl.txt"\n')
    r = CliRunner().invoke(cli, ["check", "d.csv", "--select", "DU001", "--write-baseline"])
    assert "recorded 1 finding in bl.txt" in r.stderr and "later runs" not in r.stderr, r.stderr


def test_a_pandas_index_renumbered_after_a_shuffle_keeps_every_key(tmp_path, monkeypatch):
    """``df.to_csv(path)`` writes the index as an unnamed first column; shuffled, renumbered and
    saved again, every row has another index but the same content."""
    import pandas as pd

    monkeypatch.chdir(tmp_path)
    df = pd.DataFrame([r for r in _read(SMS) if len(r) == 2], columns=["label", "text"])
    df.to_csv("sms.csv")
    r = _check("sms.csv", "--write-baseline", "bl.txt")
    assert "recorded 4" in r.stderr  # the header is read, the text found: hundreds of duplicates
    df.sample(frac=1, random_state=5).reset_index(drop=True).to_csv("sms.csv")
    data, err = _findings("sms.csv", "--baseline", "bl.txt")
    assert data["sources"][0]["columns"] == ["Unnamed: 0", "label", "text"]
    assert data["findings"] == [] and data["stats"]["accepted"]["baseline"]["unmatched"] == 0
