"""The HTML report in a real browser: headless Chromium driven by Playwright.

Checks what a person would: the page loads without console errors, the charts draw, the rule
filter and the search narrow the table, a screenshot is not blank, and values carrying script
payloads are shown as text and never run.  Locally the test skips when Chromium or Playwright is
missing; on CI (``CI`` set) it fails instead, so it cannot be skipped silently there
(``.ci/install-browser`` installs Debian's chromium).
"""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from trainlint.cli import cli
from trainlint.reporters import get_reporter

from test_report_formats import PAYLOADS, tricky_report

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    for p in (os.environ.get("TRAINLINT_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
              shutil.which("chromium-browser")):
        if p and Path(p).exists():
            return p
    return ""


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser test: run .ci/install-browser first")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    exe = _chromium()
    if not exe:
        _unavailable("chromium is not installed (apt-get install chromium, or .ci/install-browser)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=ARGS)
        yield b
        b.close()


class Page:
    """A page with every console message and uncaught error recorded."""

    def __init__(self, browser, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.messages: list[tuple[str, str]] = []
        self.page.on("console", lambda m: self.messages.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.messages.append(("pageerror", str(e))))
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("#tl-count:not(:empty)")

    def errors(self) -> list[tuple[str, str]]:
        return [m for m in self.messages if m[0] in ("error", "pageerror", "warning")]

    def rows(self) -> list[list[str]]:
        return self.page.eval_on_selector_all(
            "#tl-rows tr", "trs => trs.map(tr => Array.from(tr.cells, td => td.textContent))")

    def search(self, text: str) -> None:
        self.page.fill("#tl-search", text)
        self.page.wait_for_timeout(300)  # the search is debounced by 120 ms


def _cli_report(tmp_path: Path) -> Path:
    """A real run on a CSV whose header, values and file name carry payloads."""
    header = "<img src=x onerror=window.__pwned=1>"
    data = tmp_path / f"{header}.csv"
    rows = ["text,label,note", f'"{PAYLOADS[0]}",a,', f'"{PAYLOADS[0]}",a,', f'"{PAYLOADS[1].replace(chr(34), chr(34) * 2)}",b,x',
            "plain,b,y"]
    data.write_text("\n".join(rows).replace("note", header, 1) + "\n", encoding="utf-8")
    out = tmp_path / "report.html"
    r = CliRunner().invoke(cli, ["check", str(data), "--isolated", "--select", "DU001,MV001", "--no-progress",
                                 "--text", "text", "--label", "label", "-o", f"html:{out}"],
                           catch_exceptions=False)
    assert r.exit_code == 1, r.output
    return out


def _not_blank(page, png: bytes) -> tuple[int, float]:
    """(distinct colours, share of non-white pixels) of a PNG, measured by the browser's canvas."""
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    return tuple(page.evaluate("""async (url) => {
        const img = new Image(); img.src = url; await img.decode();
        const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
        const g = c.getContext('2d'); g.drawImage(img, 0, 0);
        const d = g.getImageData(0, 0, c.width, c.height).data;
        const colours = new Set(); let ink = 0;
        for (let i = 0; i < d.length; i += 4) {
            colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
            if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) ink++;
        }
        return [colours.size, ink / (d.length / 4)];
    }""", url))


def test_real_report_in_chromium(browser, tmp_path):
    path = _cli_report(tmp_path)
    p = Page(browser, path)
    assert p.errors() == []
    assert p.page.evaluate("window.__pwned") is None
    assert p.page.evaluate("document.images.length") == 0
    # the payloads are on the page as text: the header in the sources table, the file name
    body = p.page.inner_text("body")
    assert "<img src=x onerror=window.__pwned=1>" in body
    # charts: findings by rule and missing values by column, each with drawn bars
    charts = p.page.eval_on_selector_all(
        "figure.tl-chart", "fs => fs.map(f => [f.querySelector('figcaption').textContent, "
        "f.querySelectorAll('svg rect').length, f.querySelector('svg').getBoundingClientRect().height])")
    titles = [c[0] for c in charts]
    assert "Findings by rule" in titles and "Missing values by column" in titles
    assert all(n > 0 and h > 10 for _t, n, h in charts), charts
    assert len(p.rows()) == 2  # one duplicate, one column with missing values
    shot = tmp_path / "report.png"
    p.page.screenshot(path=str(shot), full_page=True)
    colours, ink = _not_blank(p.page, shot.read_bytes())
    assert colours > 20 and ink > 0.02, (colours, ink)
    assert all(u.startswith(("file:", "data:", "about:")) for u in p.requests), p.requests
    p.page.close()


def test_filter_search_and_payloads_in_chromium(browser, tmp_path):
    path = tmp_path / "tricky.html"
    path.write_text(get_reporter("html").render(tricky_report()), encoding="utf-8")
    p = Page(browser, path)
    assert p.errors() == []
    assert len(p.rows()) == 3
    # every payload is displayed literally, and nothing ran
    table = p.page.inner_text("#tl-rows")
    for payload in PAYLOADS:
        assert payload in table, payload
    assert p.page.evaluate("window.__pwned") is None
    assert p.page.evaluate("document.images.length") == 0
    assert p.page.evaluate("document.scripts.length") == 2
    # rule filter
    p.page.select_option("#tl-rule", "MV001")
    rows = p.rows()
    assert len(rows) == 1 and rows[0][1].startswith("MV001")
    p.page.select_option("#tl-rule", "")
    # search: a value only the duplicate carries, then nothing
    p.search("onerror=\"window")
    rows = p.rows()
    assert len(rows) == 1 and rows[0][1].startswith("DU001")
    p.search("no such text anywhere")
    assert p.rows() == [] and p.page.inner_text("#tl-count").startswith("0 shown")
    p.search("")
    assert len(p.rows()) == 3
    # a bar of the rules chart sets the filter
    p.page.click("svg [data-rule^='XX001']")
    assert [r[1][:5] for r in p.rows()] == ["XX001"]
    assert p.page.input_value("#tl-rule") == "XX001"
    assert p.errors() == []
    p.page.close()
