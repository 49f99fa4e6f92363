"""Report: the findings of a run, their summary, and the ways to look at them."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from collections.abc import Iterable, Sequence

from ._version import __version__
from .finding import Finding, Fix, Severity


class Report:
    """What ``trainlint.lint`` returns and every reporter renders.

    ``findings`` are sorted by source, row and code.  ``exit_code`` follows ruff: 0 clean,
    1 when a finding is at or above ``fail_on``.
    """

    def __init__(self, findings: Sequence[Finding], sources: Sequence[dict[str, Any]],
                 stats: dict[str, Any] | None = None, fail_on: str = "warning",
                 specs: Sequence[Any] = (), rules: Sequence[Any] = ()) -> None:
        self.findings = list(findings)
        self.sources = list(sources)
        self.stats = dict(stats or {})
        self.fail_on = Severity.parse(fail_on)
        self._specs = list(specs)
        self.rules = list(rules)

    # -- summary ---------------------------------------------------------------------------------
    @property
    def summary(self) -> dict[str, Any]:
        by_rule = Counter(f.name for f in self.findings)
        by_sev = Counter(f.severity.value for f in self.findings)
        rows = sum(s["rows"] for s in self.sources)
        flagged = {(f.source, f.row) for f in self.findings if f.row is not None}
        return {
            "by_rule": dict(sorted(by_rule.items())),
            "by_code": dict(sorted(Counter(f.code for f in self.findings).items())),
            "by_severity": {s.value: by_sev.get(s.value, 0) for s in Severity},
            "rows": rows,
            "rows_with_findings": len(flagged),
            "findings": len(self.findings),
            "fixable": sum(1 for f in self.findings if f.fix is not None),
        }

    @property
    def exit_code(self) -> int:
        return 1 if any(f.severity.rank >= self.fail_on.rank for f in self.findings) else 0

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def filter(self, rule: str | Iterable[str] | None = None, source: str | None = None,
               severity: str | None = None) -> Report:
        """A report with only the findings of some rules (codes, prefixes or names), source or severity."""
        keys = [rule] if isinstance(rule, str) else list(rule or [])
        fs = self.findings
        if keys:
            fs = [f for f in fs if any(f.name == k or f.code.upper().startswith(k.upper()) for k in keys)]
        if source:
            fs = [f for f in fs if f.source == source]
        if severity:
            rank = Severity.parse(severity).rank
            fs = [f for f in fs if f.severity.rank >= rank]
        return Report(fs, self.sources, self.stats, self.fail_on.value, self._specs, self.rules)

    def show(self, rule: str | Iterable[str] | None = None, **kw: Any) -> Report:
        """A filtered view for notebooks: ``report.show(rule="exact-duplicate")`` displays itself."""
        return self.filter(rule, **kw)

    # -- machine-readable --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        s = self.summary
        return {
            "version": 1,
            "tool": {"name": "trainlint", "version": __version__},
            "sources": self.sources,
            "findings": [f.to_dict() for f in self.findings],
            "summary": {"by_rule": s["by_rule"], "by_severity": s["by_severity"], "rows": s["rows"],
                        "rows_with_findings": s["rows_with_findings"], "fail_on": self.fail_on.value,
                        "exit_code": self.exit_code},
            "stats": self.stats,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The JSON report.  With ``indent``, the document is laid out but each finding stays on one
        line: readable and diffable, and written by the C encoder (an indented dump of 50k findings
        goes through json's pure-Python encoder, about a second)."""
        d = self.to_dict()
        if indent is None:
            return json.dumps(d, ensure_ascii=False, default=_json_default)
        findings = d.pop("findings")
        pad = " " * indent
        enc = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
        body = ",\n".join(pad * 2 + enc(f) for f in findings)
        parts = []
        for key, value in d.items():
            text = json.dumps(value, indent=indent, ensure_ascii=False, default=_json_default)
            parts.append(f'{pad}"{key}": ' + text.replace("\n", "\n" + pad))
            if key == "sources":  # keep the contract's order: sources, findings, summary
                parts.append(f'{pad}"findings": [\n{body}\n{pad}]' if findings else f'{pad}"findings": []')
        return "{\n" + ",\n".join(parts) + "\n}"

    def to_pandas(self):
        """One tidy row per finding (pandera-style failure cases)."""
        import pandas as pd

        cols = ["code", "name", "severity", "message", "source", "row", "line", "column", "n_rows",
                "group", "related", "fix", "pointer"]
        rows = []
        for f in self.findings:
            d = f.to_dict()
            d["related"] = "; ".join(
                f"{r['source']}:{r['line']}" if r.get("line") else f"{r['source']} row {r['row']}"
                for r in d["related"]) or None
            d.setdefault("pointer", None)
            rows.append({c: d.get(c) for c in cols})
        df = pd.DataFrame(rows, columns=cols)
        for c in ("row", "line", "group"):
            if c in df and c != "group":
                df[c] = df[c].astype("Int64")
        return df

    # -- fixes -----------------------------------------------------------------------------------
    def rows_to_drop(self, unsafe: bool = False) -> dict[str, dict[int, list[Finding]]]:
        """source path -> row -> the fixable findings that drop it."""
        allowed = {Fix.SAFE, Fix.UNSAFE} if unsafe else {Fix.SAFE}
        out: dict[str, dict[int, list[Finding]]] = {}
        for f in self.findings:
            if f.fix in allowed and f.row is not None and f.source is not None:
                out.setdefault(f.source, {}).setdefault(f.row, []).append(f)
        return out

    def cleaned(self, unsafe: bool = False):
        """The kept rows as one pandas DataFrame (all sources, in order), with the fixes applied."""
        import numpy as np
        import pandas as pd
        import pyarrow as pa

        drop = self.rows_to_drop(unsafe)
        frames = []
        for spec in self._specs:
            rows_drop = np.array(sorted(drop.get(spec.info.path, {})), dtype=np.int64)
            for batch in spec.reader.batches():
                keep = ~np.isin(batch.rows, rows_drop)
                t = batch.table.filter(pa.array(keep))
                if t.num_rows:
                    df = t.to_pandas()
                    if len(self._specs) > 1:
                        df.insert(0, "_source", spec.info.path)
                    frames.append(df)
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True)

    # -- display ---------------------------------------------------------------------------------
    def __repr__(self) -> str:
        s = self.summary
        return (f"<Report {len(self.sources)} source(s), {s['rows']} rows, {len(self.findings)} findings "
                f"({', '.join(f'{k}: {v}' for k, v in s['by_rule'].items()) or 'clean'})>")

    def _repr_html_(self) -> str:
        from .reporters import html

        return html.render_summary(self)

    def __len__(self) -> int:
        return len(self.findings)

    def __iter__(self):
        return iter(self.findings)


def _json_default(o: Any) -> Any:
    try:
        import numpy as np

        if isinstance(o, np.integer):
            return int(o)
        if isinstance(o, np.floating):
            return float(o)
        if isinstance(o, np.ndarray):
            return o.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(o, (set, tuple)):
        return list(o)
    return str(o)
