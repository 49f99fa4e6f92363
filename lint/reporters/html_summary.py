"""A compact HTML summary for notebooks (``Report._repr_html_``).  Every data value is escaped."""

from __future__ import annotations

from html import escape


def render_summary(report, max_rows: int = 20) -> str:
    s = report.summary
    status = "passed" if report.passed else "failed"
    colour = "#1a7f37" if report.passed else "#cf222e"
    srcs = "".join(
        f"<li><code>{escape(src['path'])}</code>: {escape(src['format'])}, {src['rows']} rows</li>"
        for src in report.sources)
    by_rule = "".join(f"<tr><td>{escape(k)}</td><td style='text-align:right'>{v}</td></tr>"
                      for k, v in s["by_rule"].items())
    rows = "".join(
        f"<tr><td><code>{escape(f.location)}</code></td><td>{escape(f.code)}</td><td>{escape(f.name)}</td>"
        f"<td>{escape(f.message[:200])}</td></tr>" for f in report.findings[:max_rows])
    more = (f"<p>… {len(report.findings) - max_rows} more (<code>report.to_pandas()</code>)</p>"
            if len(report.findings) > max_rows else "")
    return (
        f"<div class='trainlint-report'><p><b>trainlint</b>: <span style='color:{colour}'>{status}</span> "
        f"(fail on {escape(report.fail_on.value)}): {s['findings']} findings in {s['rows_with_findings']} of "
        f"{s['rows']} rows</p><ul>{srcs}</ul>"
        f"<table><thead><tr><th>rule</th><th>findings</th></tr></thead><tbody>{by_rule}</tbody></table>"
        f"<table><thead><tr><th>where</th><th>code</th><th>rule</th><th>message</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>{more}</div>"
    )
