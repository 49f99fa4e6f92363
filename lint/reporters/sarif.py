"""``--output-format sarif``: SARIF 2.1.0 for code-scanning dashboards (GitHub, Azure DevOps, ...).

One result per finding with ``ruleId``, ``level`` and a physical location whose artifact URI is
relative to the repository root (``%SRCROOT%``, the working directory), with ``region.startLine``
when the finding has a line.  Every rule that ran is described in ``tool.driver.rules`` with its
documentation, so the dashboard can show why a finding matters and how to fix it.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from urllib.parse import quote

from .._version import __version__
from ._common import LEVEL, relative_path, rule_info

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://pypi.org/project/trainlint/"


def _uri(path: str) -> str:
    return quote(path, safe="/:@!$&'()*+,;=-._~")


@functools.lru_cache(maxsize=1024)
def _artifact(source: str, root: str) -> tuple[tuple[str, str], ...]:
    rel = relative_path(source, root)
    artifact = {"uri": _uri(rel)}
    if not (rel.startswith("/") or "://" in rel):
        artifact["uriBaseId"] = "%SRCROOT%"
    else:
        artifact["uri"] = Path(rel).as_uri() if rel.startswith("/") else rel
    return tuple(artifact.items())


def _location(source: str, line: int | None, root: str) -> dict:
    phys: dict = {"artifactLocation": dict(_artifact(source, root))}
    if line is not None:
        phys["region"] = {"startLine": int(line)}
    return {"physicalLocation": phys}


def _rule(meta: dict) -> dict:
    doc = meta["doc"] or meta["summary"] or meta["name"]
    d = {
        "id": meta["code"],
        "name": meta["name"],
        "shortDescription": {"text": meta["summary"] or meta["name"]},
        "fullDescription": {"text": doc},
        "help": {"text": doc},
        "defaultConfiguration": {"level": LEVEL[meta["severity"]]},
        "properties": {"tags": meta["groups"] or [], "fix": meta["fix"]},
    }
    if not meta["groups"]:
        del d["properties"]["tags"]
    return d


def _result(f, index: dict[str, int], root: str) -> dict:
    message = f.message
    if f.column and f.row is None:
        message = f"[{f.column}] {message}"
    r: dict = {"ruleId": f.code, "ruleIndex": index[f.code], "level": LEVEL[f.severity.value],
               "message": {"text": message}}
    if f.source is not None and not f.source.startswith("<"):
        r["locations"] = [_location(f.source, f.line, root)]
    related = [dict(_location(rel.source, rel.line, root), id=i, message={"text": f"row {rel.row}"})
               for i, rel in enumerate(f.related) if not rel.source.startswith("<")]
    if related:
        r["relatedLocations"] = related
    props = {k: v for k, v in (("row", f.row), ("column", f.column), ("n_rows", f.n_rows),
                                ("group", f.group), ("pointer", f.pointer),
                                ("fix", f.fix.value if f.fix else None)) if v is not None}
    if f.source is not None and f.source.startswith("<"):
        props["source"] = f.source
    if f.extra:
        props["extra"] = json.loads(json.dumps(dict(f.extra), default=str))
    r["properties"] = props
    return r


def to_sarif(report, root: str | None = None) -> dict:
    root = os.path.abspath(root or os.getcwd())
    info = rule_info(report)
    index = {code: i for i, code in enumerate(info)}
    root_uri = Path(root).as_uri().rstrip("/") + "/"
    run = {
        "tool": {"driver": {"name": "trainlint", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFO_URI, "rules": [_rule(m) for m in info.values()]}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
        "results": [_result(f, index, root) for f in report.findings],
        "columnKind": "unicodeCodePoints",
        "properties": {"fail_on": report.fail_on.value, "exit_code": report.exit_code,
                       "rows": report.summary["rows"]},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report, *, root: str | None = None, **_opts) -> str:
    # indented for people while small; compact when large (100k results: 115 MB indented)
    indent = 2 if len(report.findings) <= 5000 else None
    return json.dumps(to_sarif(report, root), indent=indent, ensure_ascii=False) + "\n"
