"""Pair evidence: a near-duplicate or a near leak is shown with both texts it compares, escaped and
masked, in the text, Markdown, GitHub and JSON reports (``lint/reporters/_evidence.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from trainlint.cli import cli

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / ".." / "shared" / "contracts"
                     / "report-v1.schema.json").read_text())
BASE = "please write to john.smith@gmail.com about the refund for order 5521 today"


@pytest.fixture
def near_file(tmp_path):
    rows = [BASE,                                            # line 1: the cluster's first row
            "a completely different sentence about cats, birds and the weather",
            BASE + "\u200b!",                                # line 3: only a zero-width space and "!" more
            BASE.replace("for order", "for the order").replace("refund", "refund\x1b\x07")]  # line 4: control
    # characters (a terminal escape), one word more
    p = tmp_path / "d.jsonl"
    p.write_text("".join(json.dumps({"text": t, "label": "a"}) + "\n" for t in rows))
    return p


def check(*args: str) -> str:
    r = CliRunner().invoke(cli, ["check", *args, "--isolated", "--no-cache", "--no-progress"],
                           catch_exceptions=False)
    return r.output


def _safe(out: str, mask: str = "j***@g***.com") -> None:
    assert "john.smith" not in out and mask in out  # masked as every snippet
    assert "\x1b" not in out and "\u200b" not in out  # escaped: visible, not printed


def test_text_report_shows_each_member_with_the_row_it_was_verified_against(near_file):
    out = check(str(near_file), "--select", "DU002")
    lines = out.splitlines()
    head = next(k for k, ln in enumerate(lines) if " DU002 " in ln)
    assert lines[head].endswith(":1: DU002 near-duplicate 3 near-duplicate rows (88-100% similar)")
    assert lines[head + 1] == "    | please write to j***@g***.com about the refund for order 5521 today"
    assert lines[head + 2].startswith("    | line 3, 100% similar to line 1: please write")
    assert lines[head + 2].endswith("5521 today\\u200b!")
    assert lines[head + 3].startswith("    | line 4, ") and "refund\\x1b\\x07 for the order" in lines[head + 3]
    _safe(out)


def test_markdown_github_and_json_carry_both_texts(near_file):
    md = check(str(near_file), "--select", "DU002", "--output-format", "markdown")
    assert "line 3, 100% similar to line 1: please write" in md and "&#92;u200b!" in md
    _safe(md, "j&#42;&#42;&#42;&#64;g&#42;&#42;&#42;.com")
    gh = check(str(near_file), "--select", "DU002", "--output-format", "github")
    ann = [ln for ln in gh.splitlines() if "line=3," in ln]
    assert len(ann) == 1 and "%0Athis row: please write" in ann[0] and "%0Aline 1: please write" in ann[0]
    _safe(gh)
    doc = json.loads(check(str(near_file), "--select", "DU002", "--output-format", "json"))
    jsonschema.validate(doc, SCHEMA)
    f = next(f for f in doc["findings"] if f["line"] == 3)
    assert f["related"][0]["line"] == 1
    assert f["extra"]["text"].endswith("today\\u200b!") and f["extra"]["related_text"].endswith("5521 today")
    assert f["extra"]["similarity"] == 1.0
    _safe(json.dumps(doc, ensure_ascii=False))
    # --no-show-text: no text of the data in any output
    doc = json.loads(check(str(near_file), "--select", "DU002", "--output-format", "json", "--no-show-text"))
    assert all("text" not in f.get("extra", {}) for f in doc["findings"])
    assert "please" not in check(str(near_file), "--select", "DU002", "--output-format", "github", "--no-show-text")


def test_near_leak_shows_the_train_text_next_to_the_evaluation_text(tmp_path):
    (tmp_path / "train.csv").write_text("text,label\nhow do I order a new virtual card for my account,a\n"
                                        "a completely different sentence about the weather,b\n")
    (tmp_path / "test.csv").write_text("text,label\nhow can I order a new virtual card for my account?,a\n")
    out = check(str(tmp_path / "train.csv"), str(tmp_path / "test.csv"), "--select", "LK001")
    lines = out.splitlines()
    head = next(k for k, ln in enumerate(lines) if " LK001 " in ln)
    assert "near" in lines[head]
    shown = "\n".join(lines[head + 1:head + 3])
    assert "train.csv line 2: how do I order a new virtual card for my account" in shown
    assert "similar to" in shown and "how can I order a new virtual card for my account?" in shown
    doc = json.loads(check(str(tmp_path / "train.csv"), str(tmp_path / "test.csv"), "--select", "LK001",
                           "--output-format", "json"))
    (f,) = doc["findings"]
    assert f["extra"]["related_text"] == "how do I order a new virtual card for my account"
    assert f["extra"]["text"] == "how can I order a new virtual card for my account?"


def test_texts_that_first_differ_past_the_cut_are_both_shown_from_there(tmp_path):
    head = ("I ordered a new debit card three weeks ago and it still has not arrived at my home address, "
            "I have checked the tracking page every day and called twice, the agent said it was posted "
            "on the fifth but nothing came, ")
    rows = [head + "can you tell me where it is and whether I should cancel it now please",
            head + "can you tell me where it is and whether I should block it now please"]
    p = tmp_path / "long.jsonl"
    p.write_text("".join(json.dumps({"text": t, "label": "a"}) + "\n" for t in rows))
    lines = check(str(p), "--select", "DU002").splitlines()
    head_at = next(k for k, ln in enumerate(lines) if " DU002 " in ln)
    mine, theirs = lines[head_at + 2], lines[head_at + 3]
    assert mine.startswith("    | line 2, ") and ": …" in mine and "block it now please" in mine
    assert theirs.startswith("    |   line 1 from the same point: …") and "cancel it now please" in theirs
    doc = json.loads(check(str(p), "--select", "DU002", "--output-format", "json"))
    (f,) = doc["findings"]
    assert f["extra"]["text"].startswith("…") and f["extra"]["text"].endswith("block it now please")
    assert f["extra"]["related_text"].startswith("…") and f["extra"]["related_text"].endswith("cancel it now please")


def test_sarif_and_html_carry_both_texts(near_file):
    """Code-scanning (SARIF) and the HTML page are where a team reviews findings: each pair finding
    carries its own text and the text of the row it was verified against, masked and escaped."""
    import re

    doc = json.loads(check(str(near_file), "--select", "DU002", "--output-format", "sarif"))
    res = [r for r in doc["runs"][0]["results"] if r["locations"][0]["physicalLocation"]["region"]["startLine"] == 3]
    assert len(res) == 1
    extra = res[0]["properties"]["extra"]
    assert extra["text"].endswith("5521 today\\u200b!") and extra["related_text"].startswith("please write to j***")
    assert res[0]["relatedLocations"][0]["message"]["text"].startswith("row 0: please write to j***@g***.com")
    _safe(json.dumps(doc, ensure_ascii=False))
    page = check(str(near_file), "--select", "DU002", "--output-format", "html")
    data = json.loads(re.search(r'id="tl-data">(.*?)</script>', page, re.S).group(1))
    row = next(r for r in data["findings"] if r["w"].endswith(":3"))
    assert row["v"].endswith("5521 today\\u200b!")
    assert row["r"][0].endswith(": please write to j***@g***.com about the refund for order 5521 today")
    assert "john.smith" not in page and "\u200b" not in page
    plain = json.loads(check(str(near_file), "--select", "DU002", "--output-format", "sarif", "--no-show-text"))
    assert all("text" not in r["properties"].get("extra", {}) for r in plain["runs"][0]["results"])


def test_sarif_and_html_carry_both_texts_on_banking77():
    """On real data (banking77's test split), the SARIF result and the HTML row of a near-duplicate
    carry the row's text and the text of the row it was verified against, read from the file."""
    import csv
    import re

    from helpers import DATA

    path = DATA / "banking77" / "test.csv"
    if not path.exists():
        pytest.skip("../shared/data not present")
    texts = {}  # the line a record starts on -> its text (a few records span lines)
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        start = 2
        for row in reader:
            texts[start] = row["text"]
            start = reader.line_num + 1
    doc = json.loads(check(str(path), "--select", "DU002", "--output-format", "sarif"))
    results = doc["runs"][0]["results"]
    assert results
    for r in results:
        line = r["locations"][0]["physicalLocation"]["region"]["startLine"]
        other = r["relatedLocations"][0]["physicalLocation"]["region"]["startLine"]
        assert r["properties"]["extra"]["text"] == texts[line]
        assert r["properties"]["extra"]["related_text"] == texts[other]
        assert r["relatedLocations"][0]["message"]["text"].endswith(": " + texts[other])
    page = check(str(path), "--select", "DU002", "--output-format", "html")
    rows = json.loads(re.search(r'id="tl-data">(.*?)</script>', page, re.S).group(1))["findings"]
    for row in rows:
        line, other = int(row["w"].rsplit(":", 1)[1]), int(row["r"][0].split(":")[1])
        assert row["v"] == texts[line] and row["r"][0].endswith(": " + texts[other])
