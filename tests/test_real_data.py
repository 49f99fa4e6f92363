"""The foundation on real datasets: counts measured with pandas (shared/data/README.md), lines,
the --fix invariant (kept + rejected = rows), and inputs left byte-identical."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest

import trainlint
from trainlint.cli import cli
from click.testing import CliRunner

from helpers import DATA, digest

SELECT = ["MV001", "DU001", "DU003", "IR001"]


def by_code(report):
    return Counter(f.code for f in report.findings)


def test_sms_spam_exact_duplicates_headerless_tsv():
    path = DATA / "sms_spam" / "SMSSpamCollection"
    report = trainlint.lint(str(path), select=SELECT)
    src = report.sources[0]
    assert src["format"] == "tsv" and src["rows"] == 5574
    assert src["text"] == ["column_2"] and src["label"] == "column_1"
    assert by_code(report)["DU001"] == 403
    # 415 after lower-casing and collapsing whitespace: the other 12 are normalized duplicates
    assert by_code(report)["DU003"] == 12
    # each duplicate points at a first copy with the same text, on the right line
    lines = path.read_text(encoding="utf-8").splitlines()
    for f in [f for f in report.findings if f.code == "DU001"][:50]:
        first = f.related[0]
        assert lines[f.line - 1] == lines[first.line - 1]
        assert f.line == f.row + 1  # headerless, one record a line


def test_sms_spam_matches_pandas():
    path = DATA / "sms_spam" / "SMSSpamCollection"
    df = pd.read_csv(path, sep="\t", header=None, names=["label", "text"], quoting=3, dtype=str,
                     keep_default_na=False)
    expected = set(df.index[df.duplicated(["text", "label"])])
    report = trainlint.lint(str(path), select=["DU001"])
    assert {f.row for f in report.findings} == expected


def test_banking77_clean_control():
    report = trainlint.lint([str(DATA / "banking77" / "train.csv"), str(DATA / "banking77" / "test.csv")],
                            select=SELECT)
    c = by_code(report)
    assert c["DU001"] == 0 and c["MV001"] == 0 and c["IR001"] == 0
    # 4 train duplicates after case/whitespace folding (README), plus 1 in test
    assert sum(1 for f in report.findings if f.code == "DU003" and f.source.endswith("train.csv")) == 4
    assert [s["split"] for s in report.sources] == ["train", "test"]
    assert report.sources[0]["text"] == ["text"] and report.sources[0]["label"] == "category"


def test_titanic_missing_values_by_column():
    report = trainlint.lint(str(DATA / "titanic" / "titanic.csv"), select=["MV001"])
    counts = {f.column: f.n_rows for f in report.findings}
    assert counts["age"] == 177 and counts["deck"] == 688 and counts["embarked"] == 2
    assert counts["embark_town"] == 2
    age = next(f for f in report.findings if f.column == "age")
    assert age.row is None and len(age.rows_sample) == 20 and age.rows_sample[0] == 5


def test_titanic_full_row_duplicates():
    report = trainlint.lint(str(DATA / "titanic" / "titanic.csv"), select=["DU001"])
    df = pd.read_csv(DATA / "titanic" / "titanic.csv", dtype=str, keep_default_na=False)
    assert len(report.findings) == int(df.duplicated().sum()) == 107


def test_alpaca_json_array_duplicates_and_lines():
    path = DATA / "chat" / "alpaca_en_demo.json"
    report = trainlint.lint(str(path), select=["DU001"])
    assert len(report.findings) == 14
    text = path.read_text(encoding="utf-8").splitlines()
    for f in report.findings:
        assert text[f.line - 1].strip() == "{"  # the line where the element starts


def test_not_utf8_is_one_file_wide_finding():
    """Most lines fail to decode: one file-level finding with the count, the first bad lines and the
    encoding the bytes look like (not 341 invalid-record lines of one cause)."""
    path = DATA / "encoding" / "youtube01_psy_not_utf8.csv"
    report = trainlint.lint(str(path), select=["IR001"])
    assert len(report.findings) == 1
    f = report.findings[0]
    assert f.row is None and "341 of 350 lines" in f.message and "line 4" in f.message
    assert "--encoding" in f.message
    # with the right encoding the file reads cleanly
    ok = trainlint.lint(str(path), select=["IR001"], encoding="latin-1")
    assert ok.findings == [] and ok.sources[0]["rows"] == 350


def test_fix_refuses_rows_for_a_file_wide_cause(tmp_path):
    path = DATA / "encoding" / "youtube01_psy_not_utf8.csv"
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["check", str(path), "--fix", "--output-dir", str(out), "-q"])
    assert result.exit_code == 2 and "--encoding" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists() or not any(out.iterdir())


def test_mrpc_bare_quotes_read_with_quoting_off():
    report = trainlint.lint(str(DATA / "mrpc" / "msr_paraphrase_train.txt"), select=SELECT)
    assert report.sources[0]["rows"] == 4080
    assert by_code(report)["IR001"] == 0
    assert report.sources[0]["columns"][:3] == ["Quality", "#1 ID", "#2 ID"]  # BOM stripped


def test_uci_sentiment_cross_source_duplicates_and_readme_skipped():
    report = trainlint.lint(str(DATA / "uci_sentiment"), select=["DU001"])
    assert [s["path"].rsplit("/", 1)[-1] for s in report.sources] == [
        "amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt"]
    # 17 in all, as pandas finds on the three files concatenated; all happen to be within one file
    # (cross-source matching itself is covered by DU001's YAML case fail_across_sources_of_one_split)
    assert len(report.findings) == 17


@pytest.mark.parametrize("rel", ["sms_spam/SMSSpamCollection", "titanic/titanic.csv",
                                 "chat/alpaca_en_demo.json", "encoding/youtube01_psy_not_utf8.csv",
                                 "chat/openai_toy_chat_fine_tuning.jsonl", "banking77/test.csv"])
def test_fix_invariant_and_inputs_untouched(rel, tmp_path):
    path = DATA / rel
    before = digest(path)
    out = tmp_path / "out"
    # the not-UTF-8 file is cleaned with the encoding its file-wide finding names (without, --fix refuses)
    enc = ["--encoding", "latin-1"] if rel.startswith("encoding/") else []
    result = CliRunner().invoke(cli, ["check", str(path), "--select", ",".join(SELECT), "--fix",
                                      "--output-dir", str(out), "-q", *enc])
    assert result.exit_code in (0, 1), result.output
    assert digest(path) == before
    cleaned = out / path.name
    rejects = out / (path.name + ".rejects.jsonl")
    assert cleaned.exists() and rejects.exists()
    report = trainlint.lint(str(path), select=SELECT, **({"encoding": "latin-1"} if enc else {}))
    rows = report.sources[0]["rows"]
    n_rejected = sum(1 for _ in rejects.open(encoding="utf-8"))
    kept = trainlint.lint(str(cleaned), select=[], header=None).sources[0]["rows"]
    assert kept + n_rejected == rows
    assert n_rejected == len(report.rows_to_drop().get(str(path), {}))
    for line in rejects.open(encoding="utf-8"):
        entry = json.loads(line)
        assert entry["codes"] and entry["reasons"] and "row" in entry and "raw" in entry
    # nothing half-written is left behind
    assert not [p for p in out.rglob(".trainlint-*")]


def test_text_length_histogram_and_bounds_on_real_files():
    r = trainlint.lint(str(DATA / "chat" / "openai_toy_chat_fine_tuning.jsonl"), select=["TX005"],
                       rules={"text-length": {"max-chars": 20000}})
    assert [(f.line, f.extra["chars"] > 20000) for f in r.findings] == [(5, True)]
    r = trainlint.lint(str(DATA / "sms_spam" / "SMSSpamCollection"), select=["TX005"])
    st = r.stats["text-length"]
    assert r.findings == [] and st["rows"] == sum(st["length_histogram"]["counts"]) == 5574
    assert st["min"] == 2 and st["max"] == 910
    assert len(st["length_histogram"]["edges"]) == len(st["length_histogram"]["counts"]) + 1
