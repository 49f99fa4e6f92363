"""Roles of known layouts on real data: which columns are the text and the label, and the
summary saying which roles were guessed and why."""

from __future__ import annotations

import json

import pyarrow as pa
from click.testing import CliRunner
from helpers import DATA
from trainlint.cli import cli
from trainlint.sources.roles import infer_roles


def _report(*paths, select="MV001,DU001,LB001"):
    res = CliRunner().invoke(cli, ["check", *map(str, paths), "--isolated", "--select", select,
                                   "--output-format", "json", "--no-progress"], catch_exceptions=False)
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.output)


def test_alpaca_empty_input_is_not_missing():
    """587 of 999 Alpaca rows have an empty ``input``: normal in Alpaca (before: one MV001 warning
    'column input has 587 missing values')."""
    rep = _report(DATA / "chat" / "alpaca_en_demo.json", select="MV001")
    assert rep["findings"] == []
    assert rep["sources"][0]["record_format"] == "alpaca"
    assert rep["sources"][0]["role_notes"] == ["format by its columns ('instruction' and 'output')"]


def test_mrpc_pair_is_the_text():
    """MRPC: both sentences are the text (before: only ``#1 String``), so two pairs that share
    one sentence are different examples, not a conflict of labels."""
    rep = _report(DATA / "mrpc" / "msr_paraphrase_train.txt", DATA / "mrpc" / "msr_paraphrase_test.txt")
    for src in rep["sources"]:
        assert src["text"] == ["#1 String", "#2 String"] and src["label"] == "Quality"
        assert "text as a pair, by the column names" in src["role_notes"]
    # no exact conflict: no two rows have the same pair with different labels
    assert not [f for f in rep["findings"] if f["code"] == "LB001" and "nearly" not in f["message"]]


def test_titanic_label_is_survived_not_class():
    rep = _report(DATA / "titanic" / "titanic.csv", select="MV001")
    src = rep["sources"][0]
    assert src["label"] == "survived" and src["text"] == []
    assert src["role_notes"] == ["label by its name"]
    out = CliRunner().invoke(cli, ["check", str(DATA / "titanic" / "titanic.csv"), "--isolated", "--select",
                                   "MV001", "--no-progress"]).output
    assert "(label=survived, guessed: label by its name)" in out


def test_given_roles_are_not_guesses():
    rep = CliRunner().invoke(cli, ["check", str(DATA / "titanic" / "titanic.csv"), "--isolated", "--select",
                                   "MV001", "--label", "alive", "--output-format", "json", "--no-progress"])
    src = json.loads(rep.output)["sources"][0]
    assert src["label"] == "alive" and "role_notes" not in src


def test_headerless_sms_roles_guessed_by_content():
    rep = _report(DATA / "sms_spam" / "SMSSpamCollection", select="MV001")
    src = rep["sources"][0]
    assert (src["text"], src["label"]) == (["column_2"], "column_1")
    assert src["role_notes"] == ["text by content (the longest mostly-distinct strings)",
                                 "label by content (2 distinct short values)"]


def _roles(**cols):
    notes: list[str] = []
    return (*infer_roles(pa.table(cols), notes=notes)[:2], notes)


def test_nli_and_qqp_pairs():
    assert _roles(premise=["A man is sleeping."] * 3, hypothesis=["A man rests.", "Nobody sleeps.", "x"],
                  label=["entailment", "contradiction", "neutral"])[:2] == (("premise", "hypothesis"), "label")
    assert _roles(id=[1, 2], qid1=[1, 3], qid2=[2, 4], question1=["How do I learn Go?", "Why is the sky blue?"],
                  question2=["What is the best way to learn Go?", "Why is the sea blue?"],
                  is_duplicate=[1, 0])[0] == ("question1", "question2")


def test_html_tag_column_is_never_the_label():
    """A scraped page table: ``tag`` holds element names (div, p, span...): markup, not a class
    (the review saw 1,580 false conflicting-label errors from such a column)."""
    text = ["Home", "About us", "Contact", "Our products are made in Lisbon.", "Sign in", "Privacy"] * 5
    tags = ["a", "div", "p", "span", "li", "h1"] * 5
    got = _roles(text=text, tag=tags)
    assert got[0] == ("text",) and got[1] != "tag"
    # labels that happen to be one-letter element names are still labels
    assert _roles(text=["yes it is", "no it is not"] * 5, label=["a", "b"] * 5)[1] == "label"


def test_sentence_file_is_one_text_column():
    """A file of sentences, one a line, that no delimiter splits (lingua en.txt): one text column.
    Before: read as CSV on the commas inside sentences, 3 ragged columns, and 'text in column
    column_3 is missing' on a line whose sentence had no comma."""
    rep = _report(DATA / "lingua_sentences" / "en.txt", select="MV001")
    src = rep["sources"][0]
    assert src["columns"] == ["column_1"] and src["rows"] == 1000
    assert rep["findings"] == []


def test_sentences_with_commas_in_a_third_of_the_lines_are_still_one_column():
    """lingua hu.txt: a comma in 32% of its sentences, no quotes.  Before: read as 2 columns and
    695 lines of 'expected 2 fields, found 4' (invalid-record)."""
    rep = _report(DATA / "lingua_sentences" / "hu.txt", select="MV001,IR001")
    assert rep["sources"][0]["columns"] == ["column_1"] and rep["findings"] == []
