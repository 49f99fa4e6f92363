"""``--output-format html``: one self-contained page (inline CSS, inline JS, pure SVG charts).

Nothing is fetched: a Content-Security-Policy allows no network and only the page's own script
(by hash), so even a value that slipped through escaping could not run.  Data never meets the
HTML parser unescaped: text in markup goes through ``html.escape``; the findings table is built
by the script with ``textContent`` from a ``<script type="application/json">`` block in which
``<``, ``>`` and ``&`` are ``\\u``-escaped.

Charts come from the run's statistics when a rule provides them, and are skipped otherwise:

- findings by rule (always), nulls by column (``missing_by_column``: ``{source: {column: n}}``),
- label distribution per split (``label_distribution``: ``{split: {label: n}}`` or ``{label: n}``;
  or ``by_split``: ``{split: {"distribution": {label: n}}}`` as label-imbalance reports it),
- text-length histogram (``length_histogram``: ``{"edges": [...], "counts": [...], "unit": "chars"}``),
- language mix (``languages``: ``{language: n}``, or one such dict per source),
- largest duplicate clusters (``largest_clusters``: sizes, largest first).

At most ``max_findings`` findings are embedded (shared fairly among the rules); every count on the
page is the true one, and the page says when rows were left out.
"""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from importlib import resources
from typing import Any

from . import _svg
from ._common import one_line, rule_info, severities, source_roles
from ._snippets import is_private

MAX_FINDINGS = 2000
VALUE_KEYS = ("value", "text", "sample", "snippet")


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _json_for_script(obj: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``</script>``, no ``<!--``."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def pick(findings: list, cap: int) -> list:
    """At most ``cap`` findings, shared fairly among rules, in report order."""
    if len(findings) <= cap:
        return list(findings)
    groups: dict[str, list[int]] = {}
    for i, f in enumerate(findings):
        groups.setdefault(f.code, []).append(i)
    quota = {c: 0 for c in groups}
    left = cap
    open_codes = sorted(groups, key=lambda c: len(groups[c]))
    while left > 0 and open_codes:
        share = max(1, left // len(open_codes))
        nxt = []
        for c in open_codes:
            take = min(share, len(groups[c]) - quota[c], left)
            quota[c] += take
            left -= take
            if quota[c] < len(groups[c]):
                nxt.append(c)
        open_codes = nxt
    keep = sorted(i for c, idx in groups.items() for i in idx[: quota[c]])
    return [findings[i] for i in keep]


def _display_names(report) -> dict:
    """Source path -> what the table shows: the file name when it is unique, else the path."""
    paths = [str(src["path"]) for src in report.sources]
    base = {p: p.replace("\\", "/").rsplit("/", 1)[-1] for p in paths}
    unique = len(set(base.values())) == len(base)
    return {p: (base[p] if unique else p) for p in paths}


def _where(f, names: dict | None = None) -> str:
    src = f.source or "<run>"
    src = (names or {}).get(src, src)
    if f.line is not None:
        return f"{src}:{f.line}"
    if f.row is not None:
        return f"{src}:row {f.row}"
    return src


def _value_and_details(f) -> tuple[str, str]:
    extra = dict(f.extra or {})
    value = ""
    for k in VALUE_KEYS:
        if k in extra and extra[k] is not None:
            value = str(extra.pop(k))
            break
    if len(value) > 300:
        value = value[:299] + "…"
    bits = []
    if f.column:
        bits.append(f"column {f.column}")
    if f.pointer:
        bits.append(f.pointer)
    if f.row is None and f.n_rows > 1:
        bits.append(f"{f.n_rows:,} rows")
    if f.group is not None:
        bits.append(f"cluster {f.group}")
    bits += [f"{k}={one_line(json.dumps(v, default=str, ensure_ascii=False), 60)}" for k, v in extra.items()]
    return value, " · ".join(bits)


def _finding_row(f, names: dict) -> dict:
    value, details = _value_and_details(f)
    related = [f"{names.get(r.source, r.source)}:{r.line}" if r.line is not None
               else f"{names.get(r.source, r.source)}:row {r.row}" for r in f.related[:5]]
    if len(f.related) > 5:
        related.append(f"+{len(f.related) - 5} more")
    if f.row is None and f.rows_sample:
        related.append("rows " + ", ".join(str(r) for r in f.rows_sample[:10])
                       + (" …" if f.n_rows > 10 else ""))
    return {"c": f.code, "n": f.name, "s": f.severity.value, "w": _where(f, names), "p": _where(f), "m": f.message,
            "v": value, "d": details, "r": related}


# -- statistics -> charts ------------------------------------------------------------------------
def _find(stats: dict, *keys: str) -> list[tuple[str, Any]]:
    out = []
    for rule, block in stats.items():
        if isinstance(block, dict):
            for k in keys:
                if block.get(k):
                    out.append((rule, block[k]))
                    break
    return out


def _is_counts(d: Any) -> bool:
    return isinstance(d, dict) and bool(d) and all(isinstance(v, (int, float)) for v in d.values())


def _cluster_labels(report, rule: str, n: int) -> list[tuple[str, int]] | None:
    """(snippet, rows) of the ``n`` largest clusters of ``rule`` (a rule name), largest first, to
    label the cluster chart by text; None when the findings do not give them all."""
    from ._entries import add_snippets, by_rule

    codes = [c for c, m in rule_info(report).items() if m["name"] == rule]
    ranked = by_rule(report, n, codes[0]) if codes else []
    made = [e for e in (ranked[0][0] if ranked else []) if e.group is not None]
    if len(made) < n:
        return None
    add_snippets(report, made)
    return [(one_line(e.snippet or e.location.rsplit("/", 1)[-1], 48), e.rows) for e in made]


def charts(report, show_text: bool = True) -> list[tuple[str, str]]:
    """(title, svg) for every chart the report's findings and statistics support; with
    ``show_text``, duplicate clusters are labelled by a snippet of their text."""
    info = rule_info(report)
    sev = severities(report)
    out: list[tuple[str, str]] = []
    counts: dict[str, int] = {}
    for f in report.findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    if counts:
        items = [(f"{c} {info[c]['name']}", n, _svg.SEVERITY_COLOUR.get(sev[c], _svg.PALETTE[0]))
                 for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        out.append(("Findings by rule", _svg.hbar(items, attr="rule")))
    rows_by_src = {src["path"]: src["rows"] for src in report.sources}
    stats = report.stats or {}
    for _rule, by_source in _find(stats, "missing_by_column"):
        items = []
        many = len(by_source) > 1
        for src, cols in by_source.items():
            for col, n in (cols or {}).items():
                if n:
                    label = f"{col} · {src.rsplit('/', 1)[-1]}" if many else str(col)
                    items.append((label, n))
        if items:
            total = max(rows_by_src.values(), default=0) if many else rows_by_src.get(next(iter(by_source)), 0)
            note = f" of {total:,}" if total and not many else ""
            out.append(("Missing values by column", _svg.hbar(sorted(items, key=lambda t: -t[1]), note=note,
                                                                 label_width=200 if many else 170)))
    for rule, dist in _find(stats, "label_distribution", "labels_by_split", "label_counts", "by_split"):
        if not isinstance(dist, dict):
            continue
        rows = [("all", dist)] if _is_counts(dist) else [
            (str(k), v.get("distribution") if _is_counts(v.get("distribution")) else v)
            for k, v in dist.items() if isinstance(v, dict)]
        rows = [(k.replace("\\", "/").rsplit("/", 1)[-1], v) for k, v in rows if _is_counts(v)]
        if rows:
            out.append((f"Labels by split ({rule})", _svg.stacked(rows)))
    for rule, hist in _find(stats, "length_histogram", "text_length_histogram"):
        hists = [hist] if isinstance(hist, dict) and "counts" in hist else (
            list(hist.values()) if isinstance(hist, dict) else [])
        for h in hists[:3]:
            if isinstance(h, dict) and h.get("counts"):
                edges = h.get("edges") or h.get("bins") or list(range(len(h["counts"]) + 1))
                if len(edges) == len(h["counts"]) + 1:
                    unit = f" {h['unit']}" if h.get("unit") else ""
                    out.append((f"Text length ({rule})", _svg.histogram(edges, h["counts"], unit=unit)))
    for rule, langs in _find(stats, "languages", "language_mix", "language_counts"):
        merged: dict[str, float] = {}
        for d in ([langs] if _is_counts(langs) else [v for v in langs.values() if _is_counts(v)]
                  if isinstance(langs, dict) else []):
            for k, v in d.items():
                merged[str(k)] = merged.get(str(k), 0) + v
        if merged:
            out.append((f"Language mix ({rule})", _svg.hbar(sorted(merged.items(), key=lambda t: -t[1]))))
    for rule, sizes in _find(stats, "largest_clusters"):
        if isinstance(sizes, list) and sizes:
            items = [(f"cluster {i + 1}", n) for i, n in enumerate(sizes[:10]) if isinstance(n, (int, float))]
            labels = _cluster_labels(report, rule, len(items)) if show_text and items else None
            if labels:  # the bars from the findings, which the labels come from
                items = labels
            if items:
                out.append((f"Largest clusters ({rule})", _svg.hbar(items, note=" rows",
                                                                    label_width=250 if labels else 90)))
    return out


# -- page parts ----------------------------------------------------------------------------------
def _summary_html(report) -> str:
    s = report.summary
    info = rule_info(report)
    sev_of = severities(report)
    status = "passed" if report.passed else "failed"
    cards = [("sources", len(report.sources)), ("rows", s["rows"]), ("findings", s["findings"]),
             ("rows with findings", s["rows_with_findings"]), ("fixable", s["fixable"])]
    sev = " ".join(f'<span class="tl-sev tl-{k}">{v:,} {k}</span>' for k, v in s["by_severity"].items())
    head = (f'<div class="tl-head"><span class="tl-status tl-{status}">{status}</span> '
            f'<span>exit code {report.exit_code}, fail on <b>{escape(report.fail_on.value)}</b></span> {sev}</div>'
            '<div class="tl-cards">'
            + "".join(f'<div class="tl-card"><b>{v:,}</b><span>{k}</span></div>' for k, v in cards) + "</div>")
    srcs = "".join(
        f"<tr><td><code>{escape(str(src['path']))}</code></td><td>{escape(str(src['format']))}</td>"
        f"<td class='tl-num'>{src['rows']:,}</td><td>{escape(', '.join(map(str, src.get('columns') or [])))}</td>"
        f"<td>{escape(' '.join(source_roles(src)))}</td></tr>" for src in report.sources)
    counts = s["by_code"]
    fixable: dict[str, int] = {}
    for f in report.findings:
        if f.fix is not None:
            fixable[f.code] = fixable.get(f.code, 0) + 1
    rules = "".join(
        f"<tr><td><code>{escape(c)}</code></td><td>{escape(m['name'])}</td>"
        f"<td><span class='tl-sev tl-{escape(sev_of[c])}'>{escape(sev_of[c])}</span></td>"
        f"<td class='tl-num'>{counts.get(c, 0):,}</td><td class='tl-num'>{fixable.get(c, 0):,}</td>"
        f"<td>{escape(m['summary'])}</td></tr>"
        for c, m in sorted(info.items(), key=lambda kv: (-counts.get(kv[0], 0), kv[0])) if counts.get(c))
    quiet = [f"{c} {m['name']}" for c, m in info.items() if not counts.get(c)]
    if quiet:
        rules += (f"<tr><td colspan='6' class='tl-note'>{len(quiet)} more rule{'s' if len(quiet) != 1 else ''} "
                  f"ran without findings: {escape(', '.join(quiet))}</td></tr>")
    return (head + "<h2>Sources</h2><table class='tl-table'><thead><tr><th>path</th><th>format</th>"
            "<th>rows</th><th>columns</th><th>roles</th></tr></thead><tbody>" + srcs + "</tbody></table>"
            "<h2>Rules</h2><table class='tl-table'><thead><tr><th>code</th><th>rule</th><th>severity</th>"
            "<th>findings</th><th>fixable</th><th>what it checks</th></tr></thead><tbody>" + rules
            + "</tbody></table>")


def _charts_html(report, show_text: bool = True) -> str:
    figs = "".join(f'<figure class="tl-chart"><figcaption>{escape(t)}</figcaption>{svg}</figure>'
                   for t, svg in charts(report, show_text))
    return f'<h2>Charts</h2><div class="tl-charts">{figs}</div>' if figs else ""


def _table_html(report, shown: int) -> str:
    s = report.summary
    info = rule_info(report)
    options = "".join(f'<option value="{escape(c)}">{escape(c)} {escape(info[c]["name"])} ({n:,})</option>'
                      for c, n in s["by_code"].items())
    cap = (f'<p class="tl-note" id="tl-capped">The report holds {s["findings"]:,} findings; the first {shown:,} '
           f'(shared among the rules) are listed here. Use <code>--output-format json</code> for all of them.</p>'
           if shown < s["findings"] else "")
    return (
        '<h2>Findings</h2>' + cap +
        '<div class="tl-controls"><label>Rule <select id="tl-rule"><option value="">all rules '
        f'({s["findings"]:,})</option>{options}</select></label> '
        '<label>Severity <select id="tl-sev"><option value="">any</option><option>error</option>'
        '<option>warning</option><option>info</option></select></label> '
        '<label>Search <input id="tl-search" type="search" placeholder="path, message, value…"></label> '
        '<span id="tl-count" class="tl-note"></span></div>'
        '<div class="tl-scroll"><table class="tl-table tl-findings"><thead><tr><th>where</th><th>code</th><th>message</th>'
        '<th>value / details</th><th>related</th></tr></thead><tbody id="tl-rows"></tbody></table></div>'
        '<noscript><p>The findings table needs JavaScript; the JSON report has every finding.</p></noscript>')


def _static_rows(report, limit: int) -> str:
    names = _display_names(report)
    rows = "".join(
        f"<tr><td><code>{escape(_where(f, names))}</code></td><td>{escape(f.code)}</td>"
        f"<td>{escape(one_line(f.message, 200))}</td></tr>" for f in report.findings[:limit])
    more = (f"<p class='tl-note'>… {len(report.findings) - limit:,} more: <code>report.to_pandas()</code> or "
            f"<code>report.show(rule=…)</code></p>" if len(report.findings) > limit else "")
    return ("<h2>First findings</h2><table class='tl-table'><thead><tr><th>where</th><th>code</th><th>message</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>{more}") if rows else ""


def _with_texts(report, shown: list, rows: list[dict]) -> None:
    """Each shown row finding's value, where the rule gave none, is a snippet of its text; a pair
    finding (a near-duplicate, a leaked row: ``_evidence``) is judged from both texts: its value is
    its own text and its related row is followed by that row's text.  One read of the sources
    serves both (``read_texts``)."""
    from ._evidence import READ_CHARS, is_pair, pair_texts, wants
    from ._snippets import read_texts
    from ._snippets import shown as snippets_of

    own = {(f.source, f.row, f.pointer or f.column) for f in shown if f.row is not None and not is_private(f)}
    pairs = {w for f in shown if is_pair(f) for w in wants(f)}
    texts = read_texts(report, own | pairs)
    snippets = snippets_of({w: t for w, t in texts.items() if w in own})
    found = snippets_of({w: t for w, t in texts.items() if w in pairs}, READ_CHARS)
    for f, row in zip(shown, rows):
        if not row["v"] and f.row is not None and not is_private(f):
            row["v"] = snippets.get((f.source, f.row, f.pointer or f.column), "")
        mine, theirs = pair_texts(f, found)
        if mine is not None:
            row["v"] = mine
        if theirs is not None and row["r"]:
            row["r"][0] += f": {theirs}"


def render_summary(report, max_rows: int = 10) -> str:
    """The compact notebook view: summary, charts and the first findings; no script."""
    return (f"<div class='tl-report tl-compact'><style>{_asset('report.css')}</style>"
            f"<h1>trainlint report</h1>{_summary_html(report)}{_charts_html(report)}"
            f"{_static_rows(report, max_rows)}</div>")


def render(report, *, max_findings: int = MAX_FINDINGS, title: str = "trainlint report", show_text: bool = True,
           **_opts) -> str:
    shown = pick(report.findings, max_findings)
    info = rule_info(report)
    names = _display_names(report)
    rows = [_finding_row(f, names) for f in shown]
    if show_text:
        _with_texts(report, shown, rows)
    data = {"findings": rows, "counts": report.summary["by_code"],
            "total": len(report.findings), "names": {c: m["name"] for c, m in info.items()}}
    script = _asset("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    csp = (f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
           f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_asset('report.css')}</style></head><body>"
        f"<main class='tl-report'><h1>{escape(title)}</h1>{_summary_html(report)}{_charts_html(report, show_text)}"
        f"{_table_html(report, len(shown))}</main>"
        f'<script type="application/json" id="tl-data">{_json_for_script(data)}</script>'
        f"<script>{script}</script></body></html>\n")
