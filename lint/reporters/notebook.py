"""The notebook view of a report (``Report._repr_html_``): compact, a screen at most.

One status line, the top rules, the first root causes (``_entries``: a duplicate cluster is one)
of the most severe rules with a snippet of the text they are about; the sources, every rule and
the charts folded in a ``<details>`` below.  No script: notebooks
sanitise it away, and data must never run as code.  Everything from data is escaped.
"""

from __future__ import annotations

from html import escape

TOP_RULES = 5
FIRST_FINDINGS = 5


def render(report, *, top: int = TOP_RULES, first: int = FIRST_FINDINGS) -> str:
    from . import html
    from ._common import one_line, rule_info

    s = report.summary
    status = "passed" if report.passed else "failed"
    sev = ", ".join(f"{v:,} {k}" for k, v in s["by_severity"].items() if v) or "no findings"
    accepted = (report.stats or {}).get("accepted", {})
    hidden = (accepted.get("baseline") or {}).get("hidden", 0) + accepted.get("suppressed", 0)
    line = (f"<span class='tl-status tl-{status}'>{status}</span> <b>{s['findings']:,}</b> findings ({escape(sev)}) "
            f"in {s['rows_with_findings']:,} of {s['rows']:,} rows, {len(report.sources)} source(s)"
            + (f"; {hidden:,} accepted (baseline, suppressions) not shown" if hidden else ""))
    info = rule_info(report)
    counts = sorted(s["by_code"].items(), key=lambda kv: (-kv[1], kv[0]))
    rules = "".join(
        f"<tr><td><code>{escape(c)}</code></td><td>{escape(info.get(c, {}).get('name', ''))}</td>"
        f"<td class='tl-num'>{n:,}</td><td>{escape(one_line(info.get(c, {}).get('summary') or '', 90))}</td></tr>"
        for c, n in counts[:top])
    more_rules = f"<p class='tl-note'>… and {len(counts) - top} more rules below</p>" if len(counts) > top else ""
    from ._entries import add_snippets, by_rule

    shown = [e for entries, _ in by_rule(report, 1) for e in entries][:first]
    if len(shown) < first:  # fewer rules than rows: more of each
        shown = [e for entries, _ in by_rule(report, first) for e in entries][:first]
    add_snippets(report, shown)
    rows = "".join(
        f"<tr><td><code>{escape(e.location)}</code></td><td>{escape(e.code)}</td>"
        f"<td>{escape(one_line(e.message, 160))}"
        + (f"<br><q class='tl-snippet'>{escape(e.snippet)}</q>" if e.snippet else "") + "</td></tr>"
        for e in shown)
    body = (f"<h2>Top rules</h2><table class='tl-table'><tbody>{rules}</tbody></table>{more_rules}"
            f"<h2>First problems</h2><table class='tl-table'><tbody>{rows}</tbody></table>"
            "<p class='tl-note'><code>report.to_pandas()</code> has every finding; "
            "<code>report.show(rule=…)</code> one rule's</p>") if rows else ""
    details = (f"<details><summary>Sources, every rule and charts</summary>{html._summary_html(report)}"
               f"{html._charts_html(report)}</details>")
    return (f"<div class='tl-report tl-compact'><style>{html._asset('report.css')}</style>"
            f"<div class='tl-head'>trainlint: {line}</div>{body}{details}</div>")
