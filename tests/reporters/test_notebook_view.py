"""The notebook view (``Report._repr_html_``): compact in a real browser, details folded, data escaped."""

from __future__ import annotations

from helpers import ROOT

import trainlint
from test_html_browser import browser  # noqa: F401  (the Chromium fixture)
from test_report_formats import PAYLOADS

SMS = ROOT.parent / "shared" / "data" / "sms_spam" / "SMSSpamCollection"
ALPACA = ROOT.parent / "shared" / "data" / "chat" / "alpaca_en_demo.json"


def _report():
    return trainlint.lint([str(SMS), str(ALPACA)], select="DU001,MV001,CT002,CT006,LB002,LB003")


def test_view_shows_summary_top_rules_and_first_findings_then_folds_the_rest():
    html = _report()._repr_html_()
    visible, _, folded = html.partition("<details>")
    assert "<script" not in html
    assert visible.count("<h2>Top rules</h2>") == 1 and visible.count("<tr>") <= 5 + 5
    assert "exact-duplicate" in visible and "findings (" in visible
    # the first problems are root causes with the text they are about: 30 copies of one message, once
    assert "30 rows with the same text and label" in visible and "<q class='tl-snippet'>Sorry, I&#x27;ll call later" in visible
    assert "Sources, every rule and charts" in folded and "alpaca_en_demo.json" in folded


def test_view_escapes_data():
    import pandas as pd

    df = pd.DataFrame({"text": [PAYLOADS[0], PAYLOADS[0], PAYLOADS[2]], "label": ["a", "a", "b"]})
    html = trainlint.lint(df, select="DU001")._repr_html_()
    assert "<script>window" not in html and "<img src=x" not in html


def test_view_is_a_screen_tall_in_chromium(browser, tmp_path):  # noqa: F811
    page_file = tmp_path / "view.html"
    page_file.write_text(f"<!DOCTYPE html><html><body>{_report()._repr_html_()}</body></html>", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    page.goto(page_file.as_uri())
    folded = page.evaluate("document.body.scrollHeight")
    page.click("details summary")
    unfolded = page.evaluate("document.body.scrollHeight")
    page.close()
    assert folded < 700 and unfolded > folded + 300, (folded, unfolded)
