"""``--output-format sarif``: SARIF 2.1.0 for code-scanning dashboards (GitHub, Azure DevOps, ...).

One result per finding with ``ruleId``, ``level`` and a physical location whose artifact URI is
relative to the repository root (``%SRCROOT%``, the working directory), with ``region.startLine``
(1 for a finding about a whole file or column: GitHub code scanning shows no result without one).
Every rule that ran is described in ``tool.driver.rules`` with its documentation, so the
dashboard can show why a finding matters and how to fix it.

``partialFingerprints`` come from the findings' content keys (``lint/keys.py``): an alert
follows its row when rows are inserted, moved or shuffled, instead of every alert below an
inserted row being closed and opened again.  ``primaryLocationLineHash`` (the key GitHub
matches alerts by) is that content key with an occurrence count, so GitHub's upload action does
not replace it with a hash of the text on the line.  Past GitHub's 25,000 results per run, the
most severe are kept and the rest counted in the run's properties.
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
#: GitHub code scanning reads at most this many results of a run
MAX_RESULTS = 25_000
FINGERPRINT = "trainlintContentKey/v1"


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
    phys: dict = {"artifactLocation": dict(_artifact(source, root)),
                  "region": {"startLine": int(line) if line is not None and line >= 1 else 1}}
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


def _result(f, index: dict[str, int], root: str, key: str | None = None, found: dict | None = None) -> dict:
    """One SARIF result; ``found`` (``_evidence.texts``): a pair finding's related location says the
    related row's text and ``properties.extra`` carries both texts, as the JSON report's does."""
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
    if found:
        from ._evidence import with_texts

        props = with_texts(props, f, found)
        theirs = props.get("extra", {}).get("related_text")
        if theirs is not None and related:
            related[0]["message"]["text"] += f": {theirs}"
    r["properties"] = props
    if key is not None:
        r["partialFingerprints"] = {FINGERPRINT: key}
    return r


def _fallback_key(f) -> str:
    """A fingerprint when the run made no content keys (a report made without them): the rule,
    file, column, pointer and message with numbers left out (row numbers never enter it)."""
    import re

    import xxhash

    text = "\x1f".join((f.code, f.source or "", f.column or "", f.pointer or "",
                        re.sub(r"\d+", "#", f.message)))
    return f"{xxhash.xxh3_64_intdigest(text.encode('utf-8', 'surrogatepass')):016x}"


def _results(report, index: dict[str, int], root: str, show_text: bool = True) -> tuple[list[dict], int]:
    """Results in report order (the most severe first past MAX_RESULTS), with fingerprints and,
    with ``show_text``, both texts of every pair finding."""
    import numpy as np

    store = report.findings
    order = store.order
    keep = np.arange(order.size)
    if order.size > MAX_RESULTS:
        sev = store.columns()["severity"][order]
        keep = np.sort(np.argsort(-sev, kind="stable")[:MAX_RESULTS])
    keys = report.keys
    seen: dict[tuple, int] = {}
    out = []
    chosen = list(store.at(order[keep]))
    found = None
    if show_text:
        from ._evidence import texts

        found = texts(report, chosen)
    for g, f in zip(order[keep].tolist(), chosen):
        key = f"{int(keys.own[g]):016x}" if keys is not None else _fallback_key(f)
        occurrence = (f.code, f.source, key)
        n = seen.get(occurrence, 0)
        seen[occurrence] = n + 1
        r = _result(f, index, root, key if not n else f"{key}:{n}", found)
        r["partialFingerprints"]["primaryLocationLineHash"] = f"{key}:{n + 1}"
        out.append(r)
    return out, int(order.size - keep.size)


def to_sarif(report, root: str | None = None, show_text: bool = True) -> dict:
    root = os.path.abspath(root or os.getcwd())
    info = rule_info(report)
    index = {code: i for i, code in enumerate(info)}
    root_uri = Path(root).as_uri().rstrip("/") + "/"
    results, omitted = _results(report, index, root, show_text)
    run = {
        "tool": {"driver": {"name": "trainlint", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFO_URI, "rules": [_rule(m) for m in info.values()]}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"fail_on": report.fail_on.value, "exit_code": report.exit_code,
                       "rows": report.summary["rows"]},
    }
    if omitted:
        run["properties"]["results_omitted"] = omitted
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report, *, root: str | None = None, show_text: bool = True, **_opts) -> str:
    # indented for people while small; compact when large (100k results: 115 MB indented)
    indent = 2 if len(report.findings) <= 5000 else None
    return json.dumps(to_sarif(report, root, show_text), indent=indent, ensure_ascii=False) + "\n"
