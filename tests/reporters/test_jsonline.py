"""The JSON report's finding lines made straight from the findings (``reporters/_jsonline.py``)
equal ``json.dumps`` of the finding's dict (with its pair texts), byte for byte, on real data with
every kind of finding: pair texts, related rows, groups, pointers, extras, edits, masked values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import trainlint
from trainlint.finding import Finding, Related, Severity
from trainlint.reporters import _jsonline, json_report

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
ENC = json.JSONEncoder(ensure_ascii=False, default=json_report._json_default).encode


def _pairs(report, fast: bool) -> list[str]:
    line = json_report._finding_line(report, True, ENC)
    to_dict = json_report._finding_dict(report, True)
    return [line(f) if fast else ENC(to_dict(f)) for f in report.findings]


@pytest.mark.parametrize("data, opts", [
    ("banking77/test.csv", {}),                                  # near-duplicate pairs with texts
    ("encoding/youtube01_psy_not_utf8.csv", {}),                 # mojibake: edits, masked extras
    ("chat/sharegpt_dummy_conversation.json", {}),               # pointers into records
    ("chat/openai_toy_chat_fine_tuning.jsonl", {}),
    ("sms_spam/SMSSpamCollection", {"input_format": "tsv", "header": False}),  # phone numbers, URLs
])
def test_lines_equal_the_dict_path(data, opts, monkeypatch):
    report = trainlint.lint(str(DATA / data), **opts)
    assert len(report.findings) > 0
    slow = []
    real = _jsonline.line_maker

    def counting(enc, found, fallback):
        return real(enc, found, lambda f: slow.append(f) or fallback(f))

    monkeypatch.setattr(_jsonline, "line_maker", counting)
    assert _pairs(report, True) == _pairs(report, False)
    assert len(slow) < len(report.findings) / 2  # the fast path made most of them


def test_unusual_values_take_the_dict_path():
    import numpy as np

    odd = [Finding("X001", "x", Severity.INFO, "m \u2028 \"q\" é", source="a.csv", row=np.int64(3), line=4),
           Finding("X001", "x", Severity.ERROR, "m", group=7, rows_sample=(1, 2), related=(Related("b", 2, None),),
                   extra={"similarity": 0.5, "v": [1.5, None, float("inf")]}, pointer="/a/0"),
           Finding("X001", "x", Severity.WARNING, "m", group="g", extra={"n": np.float32(0.25)})]
    line = _jsonline.line_maker(ENC, None, lambda f: ENC(f.to_dict()))
    assert [line(f) for f in odd] == [ENC(f.to_dict()) for f in odd]


@pytest.mark.parametrize("data, opts", [("sms_spam/SMSSpamCollection", {"input_format": "tsv", "header": False}),
                                        ("titanic/titanic.csv", {}), ("uci_sentiment", {})])
def test_document_equals_the_dict_path(data, opts, monkeypatch):
    """The whole report, row findings (columns, never made into ``Finding``s) among them."""
    report = trainlint.lint(str(DATA / data), **opts)
    assert any(type(p).__name__ == "RowFindings" for p in report.findings.parts)
    fast = json_report.dumps(report)
    to_dict = json_report._finding_dict(report, True)
    monkeypatch.setattr(json_report, "_finding_line", lambda report, show_text, enc: lambda f: enc(to_dict(f)))
    monkeypatch.setattr(_jsonline, "row_lines", lambda part, idx, line: [line(f) for f in part.findings(idx)])
    assert json_report.dumps(report) == fast
