"""One problem, one entry, with its text: the default text, Markdown and HTML reports on real data
(SMS spam) and on small files made to hold one leak, one label conflict and hostile text."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from helpers import DATA
from trainlint.cli import cli
from trainlint.reporters._snippets import around, escape_snippet

SMS = str(DATA / "sms_spam" / "SMSSpamCollection")


def run(*args: str) -> str:
    r = CliRunner().invoke(cli, ["check", "--isolated", "--no-progress", *args], catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output
    return r.output


def test_sms_message_with_30_copies_is_one_entry_with_its_text():
    out = run(SMS, "--select", "DU001")
    concise = run(SMS, "--select", "DU001", "--output-format", "concise")
    assert len(concise.splitlines()) > 403  # one line per duplicate row, as before
    lines = out.splitlines()
    assert len(lines) < 60
    at = [i for i, line in enumerate(lines) if line.endswith(":81: DU001 exact-duplicate 30 rows with the same text "
                                                               "and label")]
    assert len(at) == 1
    assert lines[at[0] + 1] == "    | Sorry, I'll call later"
    assert lines[at[0] + 2] == "    = also lines 224, 340, 445, 703, 769, 1133, 1153, 1486 and 21 more"
    assert "... 271 more DU001 exact-duplicate entries" in out
    assert sum(":340:" in line for line in lines) == 0  # a copy is listed under its first, not on its own


def test_all_entries_on_request():
    out = run(SMS, "--select", "DU001", "--max-per-rule", "0")
    assert sum(" DU001 exact-duplicate " in line for line in out.splitlines()) == 281  # clusters


@pytest.mark.parametrize("fmt", ["text", "concise", "markdown", "html", "json", "sarif", "github", "junit"])
def test_no_show_text_prints_no_text_anywhere(tmp_path, fmt):
    secret = "Sorry, I'll call later"
    shown = run(SMS, "--select", "DU001", "--output-format", fmt)
    hidden = run(SMS, "--select", "DU001", "--output-format", fmt, "--no-show-text")
    if fmt in ("text", "markdown", "html"):
        assert secret in shown or "Sorry, I&#x27;ll call later" in shown or "Sorry, I'll" in shown
    for form in (secret, "Sorry, I&#x27;ll", "call later"):
        assert form not in hidden
    cfg = tmp_path / "trainlint.toml"
    cfg.write_text("show-text = false\n")
    r = CliRunner().invoke(cli, ["check", "--config", str(cfg), "--no-progress", SMS, "--select", "DU001",
                                 "--output-format", fmt], catch_exceptions=False)
    assert "call later" not in r.output


def test_escape_snippet():
    assert escape_snippet("a\nb\tc\x1b[31mred\u202edcba") == "a\\nb\\tc\\x1b[31mred\\u202edcba"
    long = escape_snippet("word " * 100)
    assert len(long) <= 80 and long.endswith("…")
    assert escape_snippet("  short  ") == "short"
    assert "\x1b" not in escape_snippet("\x1b" * 200) and len(escape_snippet("\x1b" * 200)) <= 80


def test_snippet_shows_what_the_message_quotes():
    letter = "Dear all,\n\n" + "We would be glad to see you there. " * 5 + "Best regards,\n[Your Name]"
    assert around(letter, "assistant turn holds unfilled template placeholder: [Your Name]").endswith(
        "regards,\n[Your Name]")
    assert escape_snippet(around(letter, "placeholder: [Your Name]")).startswith("…")
    cut = "a long reply " * 10 + "until we reach the end of the list.\nThen we reverse"
    assert around(cut, 'reply ends mid-sentence: "…ach the end of the list. Then we reverse"').endswith(
        "list.\nThen we reverse")
    assert around("short text", 'quotes "something else"') == "short text"
    assert around("As an AI, I cannot", 'boilerplate: "As an AI"') == "As an AI, I cannot"


@pytest.fixture()
def split_files(tmp_path):
    train = tmp_path / "train.csv"
    test = tmp_path / "test.csv"
    train.write_text("text,label\n"
                     "how do I reset my card pin today,pin\n"
                     "where is my parcel [click](http://evil.example) @someone,delivery\n"
                     "where is my parcel [click](http://evil.example) @someone,delivery\n"
                     "the same words with two labels here,a\n"
                     "the same words with two labels here,b\n"
                     "<script>alert(1)</script> \x1b[2J wipe,x\n"
                     "<script>alert(1)</script> \x1b[2J wipe,x\n")
    test.write_text("text,label\n"
                    "how do I reset my card pin today,pin\n"
                    "something else entirely unrelated,pin\n"
                    "how do I reset my card pin today,pin\n")
    return train, test


def test_leak_into_several_test_rows_is_one_entry(split_files):
    train, test = split_files
    out = run(str(train), str(test), "--select", "LK001,LB001")
    lk = [line for line in out.splitlines() if " LK001 " in line]
    assert lk == [f"{train}:2: LK001 split-leakage train row found in 2 evaluation rows: 2 exact"]
    i = out.splitlines().index(lk[0])
    assert out.splitlines()[i + 1:i + 3] == ["    | how do I reset my card pin today", f"    = also {test} lines 2, 4"]
    lb = [line for line in out.splitlines() if " LB001 " in line]
    assert lb == [f"{train}:5: LB001 conflicting-label 2 rows of the same text with different labels: "
                  f"'a' (1 row), 'b' (1 row)"]
    data = json.loads(run(str(train), str(test), "--select", "LK001", "--output-format", "json"))
    assert len(data["findings"]) == 2 and {f["group"] for f in data["findings"]} == {1}  # the contract: per row


def test_hostile_text_is_escaped_everywhere(split_files):
    train, _ = split_files
    text = run(str(train), "--select", "DU001")
    assert "\x1b" not in text and "\\x1b[2J" in text
    md = run(str(train), "--select", "DU001", "--output-format", "markdown")
    assert "](http" not in md and "@someone" not in md and "<script>" not in md
    assert md.count("http://") == md.count("`http://evil.example`") >= 1  # a URL only as code, never a link
    assert "where is my parcel" in md
    html = run(str(train), "--select", "DU001", "--output-format", "html")
    assert "<script>alert" not in html
    chart = html[html.index("Largest clusters"):]
    chart = chart[:chart.index("</figure>")]
    assert "cluster 1" not in chart  # labelled by text, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\x1b[2J wipe" in chart and "where is my parcel" in chart
    hidden = run(str(train), "--select", "DU001", "--output-format", "html", "--no-show-text")
    assert "cluster 1" in hidden and "parcel" not in hidden
