"""``--output-format markdown``: a pull-request comment or a job summary (``$GITHUB_STEP_SUMMARY``).

Tables for the sources and the rules, the first findings, and every rule's findings collapsed in
``<details>``.  Values from the data are HTML-escaped and ``|`` is neutralised, so a message can
neither break a table nor inject markup; long lists are capped with the true count kept.
"""

from __future__ import annotations

from html import escape

from ..escape import markdown as markdown_text
from ._common import by_code, one_line, relative_path, rule_info, severities, source_roles

TOP = 10
PER_RULE = 50


def cell(value, limit: int | None = 160) -> str:
    """One table cell: a single line of inert text (``escape.markdown``): no markup, link, image
    or @mention from the data."""
    return markdown_text(one_line("" if value is None else str(value), limit))


def _where(f, root) -> str:
    src = relative_path(f.source, root) or "<run>"
    if f.line is not None:
        return f"{src}:{f.line}"
    if f.row is not None:
        return f"{src}:row {f.row}"
    return src + (f" [{f.column}]" if f.column else "")


def render(report, *, top: int = TOP, per_rule: int = PER_RULE, root: str | None = None, **_opts) -> str:
    s = report.summary
    n = s["findings"]
    status = "✅ passed" if report.passed else "❌ failed"
    out = [f"## trainlint: {status}", ""]
    if n:
        sev = ", ".join(f"{v} {k}" for k, v in s["by_severity"].items() if v)
        out.append(f"**{n:,}** finding{'s' if n != 1 else ''} ({sev}) in **{s['rows_with_findings']:,}** of "
                   f"{s['rows']:,} rows; exit code {report.exit_code} (fail on {report.fail_on.value}).")
    else:
        out.append(f"All checks passed: {s['rows']:,} rows, no findings.")
    out += ["", "| source | format | rows | columns | roles |", "|---|---|--:|--:|---|"]
    for src in report.sources:
        roles = source_roles(src)
        out.append(f"| {cell(relative_path(src['path'], root))} | {cell(src['format'])} | {src['rows']:,} | "
                   f"{len(src.get('columns') or [])} | {cell(' '.join(roles)) or '—'} |")

    info = rule_info(report)
    sev_of = severities(report)
    found = by_code(report.findings)
    if n:
        out += ["", "| code | rule | severity | findings | fixable |", "|---|---|---|--:|--:|"]
        for code, fs in sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            meta = info[code]
            fixable = sum(1 for f in fs if f.fix is not None)
            out.append(f"| {cell(code)} | {cell(meta['name'])} | {sev_of[code]} | {len(fs):,} | "
                       f"{fixable:,} |")
        shown = report.findings[:top]
        out += ["", f"### First {len(shown)} of {n:,} findings", "",
                "| where | code | message |", "|---|---|---|"]
        out += [f"| {cell(_where(f, root))} | {cell(f.code)} | {cell(f.message, 240)} |" for f in shown]
        out.append("")
        for code, fs in sorted(found.items()):
            meta = info[code]
            out += [f"<details><summary>{escape(code)} {escape(meta['name'])}: {len(fs):,} "
                    f"finding{'s' if len(fs) != 1 else ''}</summary>", ""]
            if meta["summary"]:
                out += [f"_{cell(meta['summary'], None)}_ (`trainlint rule {escape(code)}`)", ""]
            out += ["| where | message |", "|---|---|"]
            out += [f"| {cell(_where(f, root))} | {cell(f.message, 240)} |" for f in fs[:per_rule]]
            if len(fs) > per_rule:
                out += ["", f"… and {len(fs) - per_rule:,} more (see the JSON or HTML report)."]
            out += ["", "</details>", ""]
    return "\n".join(out).rstrip("\n") + "\n"
