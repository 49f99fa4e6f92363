"""``--output-format text``: one entry per root cause with a snippet of its text (a duplicate
cluster is one entry), ruff-style, then a summary by rule.  ``concise``: one line per finding."""

from __future__ import annotations

import io
from collections import Counter
from typing import TextIO

import click

from ..escape import text as esc
from ..finding import Fix
from ..findings import RowFindings
from ._common import relative_path, source_roles

_SEV_COLOUR = {"error": "red", "warning": "yellow", "info": "blue"}


def finding_line(f, color: bool = False) -> str:
    loc = esc(f.location, line_start=True)
    code = f.code
    if color:
        loc = click.style(loc, bold=True)
        code = click.style(code, fg=_SEV_COLOUR.get(f.severity.value, None), bold=True)
    col = f" [{esc(f.column)}]" if f.column and f.row is None else ""
    ptr = f" {esc(f.pointer)}" if f.pointer else ""
    return f"{loc}: {code} {f.name}{col}{ptr} {esc(f.message)}"


def plain_lines(part: RowFindings, idx) -> list[str]:
    """``finding_line`` without colour for the findings at ``idx`` of a ``RowFindings``, made
    straight from its columns (no ``Finding`` objects: a third of the time of a million-row run's
    report).  Row findings have a row and no pointer, so this is all ``finding_line`` prints."""
    src, rows, lines = part.locations(idx)
    msgs, _ = part.messages(idx)
    head = f": {part.code} {part.name} "
    return [f"{s or '<run>'}:{ln}{head}{m}" if ln is not None else f"{s or '<run>'}:row {r}{head}{m}"
            for s, r, ln, m in zip(src, rows, lines, msgs)]


def describe(f, root: str | None = None) -> str:
    """``path:line: CODE name [column] message`` with the path relative to the root (CI reports)."""
    src = relative_path(f.source, root) or "<run>"
    where = f"{src}:{f.line}" if f.line is not None else (f"{src}:row {f.row}" if f.row is not None else src)
    col = f" [{f.column}]" if f.column and f.row is None else ""
    return f"{where}: {f.code} {f.name}{col} {f.message}"


def grouped_lines(report, color: bool = False) -> list[str]:
    """Findings under a header per source (ruff's ``grouped``): ``  line  CODE name message``."""
    counts = Counter(f.source for f in report.findings)
    width = max((len(str(f.line if f.line is not None else f"row {f.row}")) for f in report.findings
                 if f.line is not None or f.row is not None), default=0)
    out: list[str] = []
    current = object()
    for f in report.findings:
        if f.source != current:
            if out:
                out.append("")
            current = f.source
            n = counts[f.source]
            head = f"{esc(f.source or '<run>', line_start=True)} ({n} finding{'s' if n != 1 else ''})"
            out.append(click.style(head, bold=True, underline=True) if color else head)
        where = str(f.line) if f.line is not None else (f"row {f.row}" if f.row is not None else "")
        code = click.style(f.code, fg=_SEV_COLOUR.get(f.severity.value), bold=True) if color else f.code
        col = f" [{esc(f.column)}]" if f.column and f.row is None else ""
        ptr = f" {esc(f.pointer)}" if f.pointer else ""
        out.append(f"  {where:>{width}}  {code} {f.name}{col}{ptr} {esc(f.message)}")
    return out


def statistics_lines(report, unsafe_fixes: bool = False) -> list[str]:
    """Counts by rule; ``[*]`` marks a rule with fixes that apply now (ruff's meaning): safe
    fixes, and unsafe ones too under ``--unsafe-fixes``."""
    counts = report.findings.code_names()
    fixable = report.findings.fixable_code_names((Fix.SAFE, Fix.UNSAFE) if unsafe_fixes else (Fix.SAFE,))
    width = max((len(str(n)) for n in counts.values()), default=1)
    out = []
    for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        mark = "[*]" if (code, name) in fixable else "   "
        out.append(f"{n:>{width}}\t{code}\t{mark} {name}")
    return out


def summary_lines(report, color: bool = False, fixed: bool = False, unsafe_fixes: bool = False) -> list[str]:
    s = report.summary
    lines = []
    for src in report.sources:
        roles = source_roles(src)
        lines.append(f"{esc(src['path'], line_start=True)}: {src['format']}, {src['rows']} rows"
                     + (f" ({esc(', '.join(roles))})" if roles else ""))
    n = s["findings"]
    if n == 0:
        msg = f"All checks passed: {s['rows']} rows, no findings."
        lines.append(click.style(msg, fg="green") if color else msg)
        return lines
    sev = ", ".join(f"{v} {k}" for k, v in s["by_severity"].items() if v)
    lines.append(f"Found {n} finding{'s' if n != 1 else ''} ({sev}) in {s['rows_with_findings']} of "
                 f"{s['rows']} rows.")
    fixes = report.findings.count("fix")
    safe = fixes.get(Fix.SAFE, 0)
    unsafe = fixes.get(Fix.UNSAFE, 0)
    if fixed:
        dropped = sum(len(rows) for rows in report.rows_to_drop(unsafe_fixes).values())
        edited = sum(len(rows) for rows in report.rows_to_edit(unsafe_fixes).values()) if report.mask else 0
        lines.append(f"Fixed: {dropped} row{'s' if dropped != 1 else ''} moved to the rejects files"
                     + (f", {edited} row{'s' if edited != 1 else ''} rewritten (--mask)" if edited else "")
                     + ("" if unsafe_fixes or not unsafe else
                        f"; {unsafe} finding{'s' if unsafe != 1 else ''} with unsafe fixes left "
                        f"(--unsafe-fixes applies them)") + ".")
    elif safe or unsafe:
        parts = [f"{safe} fixable with `--fix --output-dir DIR`"] if safe else []
        if unsafe:
            parts.append(f"{unsafe} more with `--unsafe-fixes`" if safe else
                         f"{unsafe} fixable with `--fix --unsafe-fixes --output-dir DIR`")
        # ``[*]`` only where a fix applies now, as ruff marks it
        lines.append(("[*] " if safe or unsafe_fixes else "") + ", ".join(parts) + ".")
    return lines


#: entries shown per rule in the default view (largest first); ``--max-per-rule 0`` shows all.
PER_RULE = 10


def write_entries(report, fp: TextIO, color: bool = False, show_text: bool = True,
                  per_rule: int | None = PER_RULE) -> None:
    """One entry per root cause, by rule, largest first, each with its snippet and other rows."""
    from ._entries import add_snippets, by_rule, text_lines

    ranked = by_rule(report, per_rule)
    if show_text:
        add_snippets(report, [e for shown, _ in ranked for e in shown])
    for shown, left in ranked:
        for e in shown:
            fp.write("\n".join(text_lines(e, color)) + "\n")
        if left:
            e = shown[0]
            fp.write(f"... {left:,} more {e.code} {e.name} entr{'ies' if left != 1 else 'y'} "
                     f"(`--max-per-rule 0` shows all; `--output-format concise`, one line per finding)\n")


def render(report, **opts) -> str:
    out = io.StringIO()
    write(report, out, **opts)
    return out.getvalue()


def write(report, fp: TextIO, *, statistics: bool = False, quiet: bool = False, color: bool = False,
          grouped: bool = False, fixed: bool = False, unsafe_fixes: bool = False, concise: bool = False,
          show_text: bool = True, per_rule: int | None = PER_RULE, **_opts) -> None:
    """The report written to ``fp`` as it is made: one entry (or, ``concise``, one finding line) at
    a time, never the whole text."""
    out: list[str] = []
    if statistics:
        out.extend(statistics_lines(report, unsafe_fixes))
    elif not quiet:
        if grouped:
            out.extend(grouped_lines(report, color))
        elif not concise:
            write_entries(report, fp, color, show_text, per_rule)
        else:
            def lines(part, idx) -> list[str]:
                if not color and isinstance(part, RowFindings):
                    return plain_lines(part, idx)  # from the columns, no Finding objects
                return [finding_line(f, color) for f in part.findings(idx)]

            for chunk in report.findings.chunks(lines):
                fp.write("\n".join(chunk) + "\n")
        if len(report.findings):
            out.append("")
            out.extend(statistics_lines(report, unsafe_fixes))
            out.append("")
    out.extend(summary_lines(report, color, fixed, unsafe_fixes))
    fp.write("\n".join(out) + "\n")
