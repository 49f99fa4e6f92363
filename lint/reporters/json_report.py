"""``--output-format json``: the stable contract (README, "JSON report";
../shared/contracts/report-v1.schema.json), written as it is made."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any, TextIO

from .._version import __version__


def _head(report) -> dict[str, Any]:
    return {"version": 1, "tool": {"name": "trainlint", "version": __version__}, "sources": report.sources}


def _tail(report) -> dict[str, Any]:
    s = report.summary
    return {"summary": {"by_rule": s["by_rule"], "by_severity": s["by_severity"], "rows": s["rows"],
                        "rows_with_findings": s["rows_with_findings"], "fail_on": report.fail_on.value,
                        "exit_code": report.exit_code},
            "stats": report.stats}


def _pair_texts(report, show_text: bool) -> dict | None:
    """With ``show_text``, the texts of the report's pair findings (``_evidence.texts``); None
    when none is shown."""
    if not show_text:
        return None
    from ._evidence import texts

    return texts(report) or None


def _to_dict(found: dict | None):
    if not found:
        return lambda f: f.to_dict()
    from ._evidence import with_texts

    return lambda f: with_texts(f.to_dict(), f, found)


def _finding_dict(report, show_text: bool):
    """Finding -> its dict: with ``show_text``, a pair finding (a near-duplicate, a leaked row) also
    carries both texts it compares (``extra.text``, ``extra.related_text``: ``_evidence``)."""
    return _to_dict(_pair_texts(report, show_text))


def _finding_line(report, show_text: bool, enc):
    """Finding -> its line of the document: ``enc(_finding_dict(...)(f))``, made directly
    (``_jsonline``)."""
    from ._jsonline import line_maker

    found = _pair_texts(report, show_text)
    to_dict = _to_dict(found)
    return line_maker(enc, found, lambda f: enc(to_dict(f)))


def as_dict(report, show_text: bool = True) -> dict[str, Any]:
    """The whole document as one dict (every finding made at once: for small reports)."""
    to_dict = _finding_dict(report, show_text)
    return {**_head(report), "findings": [to_dict(f) for f in report.findings], **_tail(report)}


def dumps(report, indent: int | None = 2, show_text: bool = True) -> str:
    """The document as a string.  With ``indent``, it is laid out but each finding stays on one
    line: readable and diffable, and written by the C encoder (an indented dump of 50k findings
    goes through json's pure-Python encoder, about a second)."""
    out = io.StringIO()
    write_document(report, out, indent, show_text)
    return out.getvalue()


def write_document(report, fp: TextIO, indent: int | None = 2, show_text: bool = True) -> None:
    """``dumps`` written to ``fp`` as it is made, a few thousand findings at a time, so the document
    never exists whole in memory.  Keys in the contract's order: sources, findings, summary."""
    enc = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
    head, tail = _head(report), _tail(report)
    line = _finding_line(report, show_text, enc)
    if indent is None:
        fp.write(enc(head)[:-1] + ', "findings": [')
        sep = ", "
        first = True
        for chunk in _line_chunks(report.findings, line):
            fp.write(("" if first else sep) + sep.join(chunk))
            first = False
        fp.write("], " + enc(tail)[1:])
        return
    pad = " " * indent

    def field(key: str, value: Any) -> str:
        text = json.dumps(value, indent=indent, ensure_ascii=False, default=_json_default)
        return f'{pad}"{key}": ' + text.replace("\n", "\n" + pad)

    fp.write("{\n" + ",\n".join(field(k, v) for k, v in head.items()) + ",\n")
    if len(report.findings):
        fp.write(f'{pad}"findings": [\n')
        sep = ",\n" + pad * 2
        first = True
        for chunk in _line_chunks(report.findings, line):
            fp.write(("" if first else ",\n") + pad * 2 + sep.join(chunk))
            first = False
        fp.write(f"\n{pad}],\n")
    else:
        fp.write(f'{pad}"findings": [],\n')
    fp.write(",\n".join(field(k, v) for k, v in tail.items()) + "\n}")


def render(report, show_text: bool = True, **_opts) -> str:
    return dumps(report, indent=2, show_text=show_text) + "\n"


def write(report, fp, show_text: bool = True, **_opts) -> None:
    """``render`` streamed to ``fp``, a few thousand findings at a time."""
    write_document(report, fp, indent=2, show_text=show_text)
    fp.write("\n")


def _line_chunks(findings, line) -> Iterable[list[str]]:
    """The findings' lines, chunk by chunk; a ``RowFindings``' made from its columns."""
    from ..findings import FindingStore, RowFindings
    from ._jsonline import row_lines

    if not isinstance(findings, FindingStore):
        for start in range(0, len(findings), 2048):
            yield [line(f) for f in findings[start:start + 2048]]
        return

    def lines(part, idx) -> list[str]:
        return row_lines(part, idx, line) if isinstance(part, RowFindings) else [line(part[i]) for i in idx.tolist()]

    yield from findings.chunks(lines)


def _json_default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (set, tuple)):
        return list(o)
    return str(o)
