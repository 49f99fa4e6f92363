"""``--output-format github``: GitHub Actions workflow commands, one annotation per finding.

    ::warning file=data/train.csv,line=12,title=DU001 exact-duplicate::text repeats row 3

Escaping follows the runner's rules: in the message ``%``, ``\\r`` and ``\\n``; in a property
value also ``:`` and ``,``.  GitHub shows only a few annotations per step, and a huge log helps
nobody, so at most ``max_annotations`` are printed, then one summary line that keeps the true count.
"""

from __future__ import annotations

from ..escape import github_data, github_property
from ._common import GITHUB_COMMAND, relative_path

MAX_ANNOTATIONS = 200


escape_data = github_data
escape_property = github_property


def annotation(f, root: str | None = None) -> str:
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
    return f"::{GITHUB_COMMAND[f.severity.value]} {','.join(props)}::{escape_data(message)}"


def render(report, *, max_annotations: int = MAX_ANNOTATIONS, root: str | None = None, **_opts) -> str:
    lines = [annotation(f, root) for f in report.findings[:max_annotations]]
    s = report.summary
    n = s["findings"]
    if n:
        sev = ", ".join(f"{v} {k}" for k, v in s["by_severity"].items() if v)
        text = (f"{n} finding{'s' if n != 1 else ''} ({sev}) in {s['rows_with_findings']} of {s['rows']} rows; "
                f"{'passed' if report.passed else 'failed'} (fail on {report.fail_on.value})")
        if n > max_annotations:
            text += f"; {max_annotations} shown as annotations, {n - max_annotations} more in the full report"
    else:
        text = f"all checks passed: {s['rows']} rows, no findings"
    level = "notice" if report.passed else "error"
    lines.append(f"::{level} title=trainlint::{escape_data(text)}")
    return "\n".join(lines) + "\n"
