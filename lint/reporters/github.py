"""``--output-format github``: GitHub Actions workflow commands, one annotation per finding.

    ::warning file=data/train.csv,line=12,title=DU001 exact-duplicate::text repeats row 3

Escaping follows the runner's rules: in the message ``%``, ``\\r`` and ``\\n``; in a property
value also ``:`` and ``,``.  GitHub shows at most 10 annotations of each level (error, warning,
notice) per step and drops the rest without a word, so the most severe findings come first, at
most ``PER_LEVEL`` of each level, then one summary annotation with the true counts and where the
full report is (a slot of its level is kept for it).
"""

from __future__ import annotations

from ..escape import github_data, github_property
from ._common import GITHUB_COMMAND, relative_path

#: annotations GitHub shows per level and step (documented limit)
PER_LEVEL = 10


escape_data = github_data
escape_property = github_property


def annotation(f, root: str | None = None, found=None) -> str:
    """One workflow command; ``found`` (``_evidence.texts``): a pair finding's message is followed
    by both texts it compares, one a line."""
    props = []
    path = relative_path(f.source, root)
    if path is not None and not path.startswith("<"):
        props.append(f"file={escape_property(path)}")
        if f.line is not None:
            props.append(f"line={f.line}")
    props.append(f"title={escape_property(f'{f.code} {f.name}')}")
    message = f.message
    if f.column and f.row is None:
        message = f"[{f.column}] {message}"
    elif f.line is None and f.row is not None:
        message = f"row {f.row}: {message}"
    if found:
        message += _evidence_lines(f, found, root)
    return f"::{GITHUB_COMMAND[f.severity.value]} {','.join(props)}::{escape_data(message)}"


def _evidence_lines(f, found, root: str | None) -> str:
    from ._evidence import pair_texts

    mine, theirs = pair_texts(f, found)
    if mine is None and theirs is None:  # no pair finding, or neither text read
        return ""
    r = f.related[0]
    at = f"line {r.line}" if r.line is not None else f"row {r.row}"
    where = at if r.source == f.source else f"{relative_path(r.source, root)} {at}"
    return "".join(f"\n{label}: {text}" for label, text in (("this row", mine), (where, theirs)) if text)


def _chosen(report, per_level: int, summary_level: str):
    """The findings to annotate: per level, the first ``per_level`` in report order (one fewer
    for the summary's level), the most severe level first."""
    import numpy as np

    store = report.findings
    order = store.order
    sev = store.columns()["severity"][order]
    picked = []
    for rank, level in ((2, "error"), (1, "warning"), (0, "notice")):
        cap = per_level - (1 if level == summary_level else 0)
        picked.append(order[np.flatnonzero(sev == rank)[:max(cap, 0)]])
    return store.at(np.concatenate(picked)) if picked else []


def render(report, *, per_level: int = PER_LEVEL, root: str | None = None, full_report: str | None = None,
           show_text: bool = True, **_opts) -> str:
    level = "notice" if report.passed else "error"
    chosen = _chosen(report, per_level, level)
    found = None
    if show_text:
        from ._evidence import texts

        found = texts(report, chosen)
    lines = [annotation(f, root, found) for f in chosen]
    s = report.summary
    n = s["findings"]
    if n:
        sev = ", ".join(f"{v} {k}" for k, v in s["by_severity"].items() if v)
        text = (f"{n} finding{'s' if n != 1 else ''} ({sev}) in {s['rows_with_findings']} of {s['rows']} rows; "
                f"{'passed' if report.passed else 'failed'} (fail on {report.fail_on.value})")
        if n > len(chosen):
            where = (f"the full report is in {full_report}" if full_report else
                     "for the full report add `-o json:trainlint.json` (or text, html, sarif) and keep it "
                     "as an artifact, or look at the job log")
            text += f"; the {len(chosen)} most severe shown as annotations, {n - len(chosen)} more: {where}"
    else:
        text = f"all checks passed: {s['rows']} rows, no findings"
    accepted = (report.stats or {}).get("accepted", {})
    if accepted.get("baseline"):
        text += f"; {accepted['baseline']['hidden']} accepted by the baseline"
    lines.append(f"::{level} title=trainlint::{escape_data(text)}")
    return "\n".join(lines) + "\n"
