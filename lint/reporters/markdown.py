"""``--output-format markdown``: a pull-request comment or a job summary (``$GITHUB_STEP_SUMMARY``).

Tables for the sources and the rules, the largest problems (one entry per duplicate cluster,
leaked train row or column, with a snippet of its text), and every rule's entries collapsed in
``<details>``.  Values from the data are HTML-escaped and ``|`` is neutralised, so a message can
neither break a table nor inject markup; long lists are capped with the true count kept.
"""

from __future__ import annotations

import re
from html import escape

from ..escape import markdown as markdown_text
from ._common import by_code, one_line, relative_path, rule_info, severities, source_roles
from ._entries import add_snippets, by_rule

TOP = 10
PER_RULE = 50


def cell(value, limit: int | None = 160) -> str:
    """One table cell: a single line of inert text (``escape.markdown``): no markup, link, image
    or @mention from the data."""
    return markdown_text(one_line("" if value is None else str(value), limit))


def _where(e, root) -> str:
    """Where an entry is: its anchor row's ``path:line``, else the path and column."""
    a = e.anchor
    src = relative_path(a.source, root) or "<run>"
    if a.line is not None:
        return f"{src}:{a.line}"
    if a.row is not None:
        return f"{src}:row {a.row}"
    return src + (f" [{e.column}]" if e.column else "")


_EMPHASIS = re.compile(r"[*_~]|(?<!&)#")


def _snippet_cell(snippet: str | None) -> str:
    """A snippet of the data as inert text (``cell``), and no emphasis or issue reference either."""
    if not snippet:
        return ""
    return _EMPHASIS.sub(lambda m: f"&#{ord(m.group())};", cell(snippet, None))


def _text_cell(e) -> str:
    """An entry's snippet and, for pair findings, each compared row's text with what it was
    compared with (``Entry.evidence``), one per line of the cell."""
    parts = [_snippet_cell(e.snippet)] if e.snippet and e.anchor not in e.texts else []
    parts += [f"{cell(where, None)}: {_snippet_cell(text)}" for where, text in e.evidence()]
    return "<br>".join(parts)


def render(report, *, top: int = TOP, per_rule: int = PER_RULE, root: str | None = None,
           show_text: bool = True, **_opts) -> str:
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
        ranked = by_rule(report, per_rule)
        if show_text:
            add_snippets(report, [e for shown, _ in ranked for e in shown])
        text_col = show_text and any(e.snippet or e.texts for shown, _ in ranked for e in shown)
        head = "| where | problem | text | also |" if text_col else "| where | problem | also |"
        sep = "|---|---|---|---|" if text_col else "|---|---|---|"

        def row(e) -> str:
            text = f" {_text_cell(e)} |" if text_col else ""
            return f"| {cell(_where(e, root))} | {cell(e.message, 240)} |{text} {cell(e.others_text(skip=e.shown_with_text() if text_col else ()), 240)} |"

        top_entries = sorted((e for shown, _ in ranked for e in shown), key=lambda e: (-e.severity.rank, -e.rows))
        n_entries = sum(len(shown) + left for shown, left in ranked)
        out += ["", f"### The {min(top, len(top_entries))} largest of {n_entries:,} problems", "",
                "| where | code | problem |" + (" text |" if text_col else ""),
                "|---|---|---|" + ("---|" if text_col else "")]
        out += [f"| {cell(_where(e, root))} | {cell(e.code)} | {cell(e.message, 240)} |"
                + (f" {_text_cell(e)} |" if text_col else "") for e in top_entries[:top]]
        out.append("")
        for shown, left in sorted(ranked, key=lambda r: r[0][0].code):
            code = shown[0].code
            meta = info[code]
            nf = len(found[code])
            out += [f"<details><summary>{escape(code)} {escape(meta['name'])}: {nf:,} "
                    f"finding{'s' if nf != 1 else ''} in {len(shown) + left:,} "
                    f"entr{'ies' if len(shown) + left != 1 else 'y'}</summary>", ""]
            if meta["summary"]:
                out += [f"_{cell(meta['summary'], None)}_ (`trainlint rule {escape(code)}`)", ""]
            out += [head, sep] + [row(e) for e in shown]
            if left:
                out += ["", f"… and {left:,} more (largest first above; see the JSON or HTML report)."]
            out += ["", "</details>", ""]
    return "\n".join(out).rstrip("\n") + "\n"
