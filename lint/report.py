"""Report: the findings of a run and their summary, a finished value.  It renders nothing itself:
``trainlint.reporters`` turn it into text, JSON, HTML..., and ``trainlint.clean`` writes the
cleaned copy; the conveniences here (``to_json``, ``cleaned``, ``_repr_html_``) call them."""

from __future__ import annotations

from typing import Any
from collections.abc import Iterable, Sequence

import numpy as np

from .finding import Finding, Fix, Severity
from .findings import FindingStore, RowsToDrop


class Report:
    """What ``trainlint.lint`` returns and every reporter renders.

    ``findings`` are sorted by source, row and code.  ``exit_code`` follows ruff: 0 clean,
    1 when a finding is at or above ``fail_on``.  ``findings`` is a read-only sequence of
    ``Finding``; behind it, row findings a rule made in bulk stay columns (``FindingStore``), so
    the summary, the exit code, filters and fixes are computed on arrays.

    ``inputs`` says what the run read and how (``trainlint.runner.Inputs``: the data as given, the
    read options and column roles), so ``cleaned()`` can read the rows again; None when unknown.
    The report holds no open reader.
    """

    def __init__(self, findings: Sequence[Finding], sources: Sequence[dict[str, Any]],
                 stats: dict[str, Any] | None = None, fail_on: str = "warning",
                 rules: Sequence[Any] = (), inputs: Any = None) -> None:
        self.findings = findings
        self.sources = list(sources)
        self.stats = dict(stats or {})
        self.fail_on = Severity.parse(fail_on)
        self.rules = list(rules)
        self.inputs = inputs
        #: rule selectors (``--mask``): their fixes rewrite the text (mask, repair) where they can,
        #: instead of dropping the row
        self.mask: tuple[str, ...] = ()
        #: content keys of the findings (``lint/keys.py``), by the store's global index; None
        #: unless the run computed them (a baseline, suppressions, SARIF output)
        self.keys = None
        #: every finding of the run, before per-file-ignores, suppressions and a baseline hid
        #: some (``lint/accept.py``); None when nothing was hidden
        self.every_finding: FindingStore | None = None
        #: the texts of rows an earlier run's report read (``trainlint.textmemo``), or None
        self.text_memo = None
        #: reports of this run rendered before (``trainlint.rendermemo``), or None
        self.render_memo = None

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
        dropped |= store.fixed_entries(self._fixes(unsafe), self.rewrite_codes())[1]  # rewritten away
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
        out = Report(store.select(mask), self.sources, self.stats, self.fail_on.value, self.rules, self.inputs)
        out.keys = self.keys
        out.mask = self.mask
        return out

    def show(self, rule: str | Iterable[str] | None = None, **kw: Any) -> Report:
        """A filtered view for notebooks: ``report.show(rule="exact-duplicate")`` displays itself."""
        return self.filter(rule, **kw)

    # -- machine-readable (``reporters/json_report.py`` writes the JSON) -----------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON report as a dict (the contract, ../shared/contracts/report-v1.schema.json)."""
        from .reporters import json_report

        return json_report.as_dict(self)

    def to_json(self, indent: int | None = 2) -> str:
        """The JSON report (``--output-format json`` without its final newline)."""
        from .reporters import json_report

        return json_report.dumps(self, indent)

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
        return self.findings.rows_to_drop(self._fixes(unsafe), self.rewrite_codes())

    def rows_to_edit(self, unsafe: bool = False) -> dict[str, RowsToDrop]:
        """source path -> row -> the findings whose ``edits`` rewrite its text in the cleaned copy
        (rules chosen by ``mask``, on rows no fix drops); ``rows`` as for ``rows_to_drop``."""
        return self.findings.rows_to_edit(self._fixes(unsafe), self.rewrite_codes())

    def rewrite_codes(self) -> set[str]:
        """Codes of the rules ``mask`` chooses (codes, prefixes, names, groups or ALL)."""
        if not self.mask:
            return set()
        from .registry import matches

        classes = {type(r) for r in self.rules if getattr(r, "code", "")}
        codes = {r.code for r in classes if any(matches(r, s) for s in self.mask)}
        # findings of rules the report does not hold (a report rebuilt from JSON): by code prefix
        codes |= {c for c in self.findings.columns()["codes"]
                  if any(c.upper().startswith(s.strip().upper()) or s.strip().upper() == "ALL" for s in self.mask)}
        return codes

    @staticmethod
    def _fixes(unsafe: bool) -> tuple[Fix, ...]:
        return (Fix.SAFE, Fix.UNSAFE) if unsafe else (Fix.SAFE,)

    def cleaned(self, unsafe: bool = False, inputs: Any = None):
        """The kept rows as one pandas DataFrame (all sources, in order), with the fixes applied.

        ``inputs``: where to read the rows from: the sources a run opened
        (``trainlint.sources.open_sources``), or an ``Inputs`` (``report.inputs``, the default:
        what ``lint()`` read, opened again)."""
        from .preview import cleaned_frame

        return cleaned_frame(self, self.inputs if inputs is None else inputs, unsafe)

    # -- accepting findings ------------------------------------------------------------------------
    def write_baseline(self, path: str | None = None) -> tuple[int, int]:
        """Record this run's findings in the baseline file ``path`` (default
        ``trainlint-baseline.txt``), as ``trainlint check --write-baseline`` does: every finding,
        also those a baseline or suppressions hid; entries of an earlier baseline there that no
        longer match are dropped.  Returns (findings recorded, entries dropped).

        When the run made no content keys (``lint()`` without ``baseline``, ``suppressions`` or
        ``write_baseline``), the data is read once more to make them."""
        from . import baseline

        if self.keys is None:
            self.keys = self._content_keys()
        return baseline.record(path or baseline.DEFAULT_PATH, self, self.every_finding)

    def _content_keys(self) -> Any:
        from .errors import UsageError

        if getattr(self.inputs, "content_keys", None) is None:
            raise UsageError("this report does not say what it read: lint with "
                             "trainlint.lint(data, write_baseline=PATH) instead")
        return self.inputs.content_keys(self.findings)

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
