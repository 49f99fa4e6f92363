"""Report: the findings of a run, their summary, and the ways to look at them."""

from __future__ import annotations

import io
import json
from typing import Any, TextIO
from collections.abc import Iterable, Sequence

import numpy as np

from ._version import __version__
from .finding import Finding, Fix, Severity
from .findings_table import FindingStore, RowsToDrop


class Report:
    """What ``trainlint.lint`` returns and every reporter renders.

    ``findings`` are sorted by source, row and code.  ``exit_code`` follows ruff: 0 clean,
    1 when a finding is at or above ``fail_on``.  ``findings`` is a read-only sequence of
    ``Finding``; behind it, row findings a rule made in bulk stay columns (``FindingStore``), so
    the summary, the exit code, filters and fixes are computed on arrays.
    """

    def __init__(self, findings: Sequence[Finding], sources: Sequence[dict[str, Any]],
                 stats: dict[str, Any] | None = None, fail_on: str = "warning",
                 specs: Sequence[Any] = (), rules: Sequence[Any] = ()) -> None:
        self.findings = findings
        self.sources = list(sources)
        self.stats = dict(stats or {})
        self.fail_on = Severity.parse(fail_on)
        self._specs = list(specs)
        self.rules = list(rules)
        #: content keys of the findings (``lint/keys.py``), by the store's global index; None
        #: unless the run computed them (a baseline, suppressions, SARIF output)
        self.keys = None

    @property
    def findings(self) -> FindingStore:
        return self._findings

    @findings.setter
    def findings(self, findings: Sequence[Finding] | FindingStore) -> None:
        self._findings = findings if isinstance(findings, FindingStore) else FindingStore(list(findings))

    # -- summary ---------------------------------------------------------------------------------
    @property
    def summary(self) -> dict[str, Any]:
        store = self.findings
        by_sev = store.count("severity")
        return {
            "by_rule": dict(sorted(store.count("name").items())),
            "by_code": dict(sorted(store.count("code").items())),
            "by_severity": {s.value: by_sev.get(s.rank, 0) for s in Severity},
            "rows": sum(s["rows"] for s in self.sources),
            "rows_with_findings": store.rows_with_findings(),
            "findings": len(store),
            "fixable": len(store) - store.count("fix").get(None, 0),
        }

    @property
    def exit_code(self) -> int:
        return 1 if self.findings.max_severity_rank() >= self.fail_on.rank else 0

    def exit_code_after_fix(self, unsafe: bool = False) -> int:
        """The exit code once the rows ``--fix`` drops are gone: findings on other rows count."""
        store = self.findings
        cols = store.columns()
        dropped = np.zeros(store.total, dtype=bool)
        for path, rows in self.rows_to_drop(unsafe).items():
            sid = cols["paths"].index(path)
            dropped |= (cols["source"] == sid) & np.isin(cols["row"], rows.rows)
        remaining = store.select(~dropped & (cols["severity"] >= self.fail_on.rank))
        return 1 if len(remaining) else 0

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def filter(self, rule: str | Iterable[str] | None = None, source: str | None = None,
               severity: str | None = None) -> Report:
        """A report with only the findings of some rules (codes, prefixes or names), source or severity."""
        keys = [rule] if isinstance(rule, str) else list(rule or [])
        store = self.findings
        cols = store.columns()
        mask = np.ones(store.total, dtype=bool)
        if keys:
            codes = [k for k, c in enumerate(cols["codes"]) if any(c.upper().startswith(x.upper()) for x in keys)]
            names = [k for k, n in enumerate(cols["names"]) if n in keys]
            mask &= np.isin(cols["code"], codes) | np.isin(cols["name"], names)
        if source:
            sid = cols["paths"].index(source) if source in cols["paths"] else -1
            mask &= cols["source"] == sid
        if severity:
            mask &= cols["severity"] >= Severity.parse(severity).rank
        out = Report(store.select(mask), self.sources, self.stats, self.fail_on.value, self._specs, self.rules)
        out.keys = self.keys
        return out

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
        out = io.StringIO()
        self.write_json(out, indent)
        return out.getvalue()

    def write_json(self, fp: TextIO, indent: int | None = 2) -> None:
        """``to_json()`` written to ``fp`` as it is made, a few thousand findings at a time, so the
        document never exists whole in memory."""
        enc = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
        s = self.summary
        head = {"version": 1, "tool": {"name": "trainlint", "version": __version__}, "sources": self.sources}
        tail = {"summary": {"by_rule": s["by_rule"], "by_severity": s["by_severity"], "rows": s["rows"],
                            "rows_with_findings": s["rows_with_findings"], "fail_on": self.fail_on.value,
                            "exit_code": self.exit_code},
                "stats": self.stats}
        if indent is None:
            fp.write(enc(head)[:-1] + ', "findings": [')
            sep = ", "
            first = True
            for chunk in _chunks(self.findings):
                fp.write(("" if first else sep) + sep.join(enc(f.to_dict()) for f in chunk))
                first = False
            fp.write("], " + enc(tail)[1:])
            return
        pad = " " * indent

        def field(key: str, value: Any) -> str:
            text = json.dumps(value, indent=indent, ensure_ascii=False, default=_json_default)
            return f'{pad}"{key}": ' + text.replace("\n", "\n" + pad)

        fp.write("{\n" + ",\n".join(field(k, v) for k, v in head.items()) + ",\n")
        if len(self.findings):  # the contract's order: sources, findings, summary
            fp.write(f'{pad}"findings": [\n')
            sep = ",\n" + pad * 2
            first = True
            for chunk in _chunks(self.findings):
                fp.write(("" if first else ",\n") + pad * 2 + sep.join(enc(f.to_dict()) for f in chunk))
                first = False
            fp.write(f"\n{pad}],\n")
        else:
            fp.write(f'{pad}"findings": [],\n')
        fp.write(",\n".join(field(k, v) for k, v in tail.items()) + "\n}")

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
    def rows_to_drop(self, unsafe: bool = False) -> dict[str, RowsToDrop]:
        """source path -> row -> the fixable findings that drop it.  Each source's mapping also has
        ``rows``, the dropped rows as a sorted array; findings are made when a row is looked up."""
        return self.findings.rows_to_drop((Fix.SAFE, Fix.UNSAFE) if unsafe else (Fix.SAFE,))

    def cleaned(self, unsafe: bool = False):
        """The kept rows as one pandas DataFrame (all sources, in order), with the fixes applied."""
        import pandas as pd
        import pyarrow as pa

        drop = self.rows_to_drop(unsafe)
        frames = []
        for spec in self._specs:
            by_row = drop.get(spec.info.path)
            rows_drop = by_row.rows if by_row is not None else np.zeros(0, np.int64)
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
        from .reporters import notebook

        return notebook.render(self)

    def __len__(self) -> int:
        return len(self.findings)

    def __iter__(self):
        return iter(self.findings)


def _chunks(findings: FindingStore, size: int = 2048) -> Iterable[list[Finding]]:
    for start in range(0, len(findings), size):
        yield findings[start:start + size]


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
