"""Data-first rule tests: tests/rules/cases/<CODE>.yml, each case run in every mode of ``MODES``.

A case gives ``records`` (one source), ``sources`` (several, with path/split/records) or
``files`` (raw file contents read through the real readers), optional ``options`` and
``roles``, and ``expect``: a list of partial findings (``row``, ``source``, ``column``,
``group``, ``related`` as rows or {source,row}, ``message`` as a substring, ``severity``,
``n_rows``, ``fix``, ``pointer``) that must match the rule's findings one to one, in order.
``pass_*`` cases expect nothing.  ``pytest -k DU001`` runs one rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from trainlint.registry import find_rule
from trainlint.testing import MODES, case_options, comparable, run_rules_on, run_rules_on_files

CASES = Path(__file__).parent / "cases"


def _load():
    for path in sorted(CASES.glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            yield path.stem, case


ALL = list(_load())


def _options(case) -> dict:
    """A case's options, placeholders (``$TEKKEN``, ``$SENTENCEPIECE``, ``$TESTS``) resolved."""
    return case_options(case.get("options"), str(Path(__file__).resolve().parents[1]))


def _run(code, case, mode, tmp_path):
    rule_cls = find_rule(code)
    rule = rule_cls(rule_cls.make_options(_options(case)))
    roles = case.get("roles")
    if "files" in case:
        paths = []
        for f in case["files"]:
            p = tmp_path / mode / f["name"]
            p.parent.mkdir(parents=True, exist_ok=True)
            data = f["content"].encode("utf-8") if "content" in f else bytes.fromhex(f["hex"])
            p.write_bytes(data)
            paths.append(str(p))
        result = run_rules_on_files([rule], paths, mode, roles, **(case.get("read") or {}))
        base = str(tmp_path / mode) + "/"
        fs = [f for f in result.findings if f.code == code]
        return [_strip(f, base) for f in fs]
    sources = case.get("sources") or [{"path": "data.jsonl", "records": case.get("records") or [],
                                       "split": case.get("split")}]
    if "suppress" in case:
        return _with_suppressions(rule, case, sources, mode, roles)
    result = run_rules_on([rule], sources, mode, roles)
    return [f for f in result.findings if f.code == code]


def _with_suppressions(rule, case, sources, mode, roles):
    """The run as ``trainlint check`` makes it with suppressions: the rules of ``with`` plus
    content keys, then ``accept``; the findings of ``rule`` (TL001) and the ones left."""
    from types import SimpleNamespace

    from trainlint.accept import accept
    from trainlint.keys import ContentKeys, finding_keys
    from trainlint.suppressions import Suppression, check_entries

    entries = [Suppression(rule=e["rule"], reason=e["reason"], hash=int(e["hash"], 16) if "hash" in e else None,
                           pattern=e.get("pattern"), path=e.get("path"), origin="suppressions.toml", line=k)
               for k, e in enumerate(check_entries(case["suppress"], "case"), 1)]
    rules = [rule, *(find_rule(c)() for c in case.get("with", []))]
    content = ContentKeys(tuple(e.pattern for e in entries))
    result = run_rules_on([*rules, content], sources, mode, roles)
    infos = [SimpleNamespace(index=i, path=s.get("path") or "data.jsonl") for i, s in enumerate(sources)]
    keys = finding_keys(result.findings, content.table, infos)
    settings = SimpleNamespace(per_file_ignores={}, extend_per_file_ignores={}, root=".", baseline=None)
    done = accept(result.findings, settings, keys=keys, entries=entries, text_hits=content.hits, sources=infos,
                  selected=rules)
    return [f for f in done.store if f.code == rule.code]


def _strip(f, base):
    from dataclasses import replace

    from trainlint.finding import Related

    src = f.source[len(base):] if f.source and f.source.startswith(base) else f.source
    rel = tuple(Related(r.source[len(base):] if r.source.startswith(base) else r.source, r.row, r.line)
                for r in f.related)
    return replace(f, source=src, related=rel, message=f.message.replace(base, ""))


def _matches(f, exp):
    for key, want in exp.items():
        if key == "message":
            if want not in f.message:
                return False
        elif key == "related":
            got = [(r.source, r.row) for r in f.related]
            want_l = [(w["source"], w["row"]) if isinstance(w, dict) else (f.related[i].source if i < len(f.related) else None, w)
                      for i, w in enumerate(want)]
            if got != want_l:
                return False
        elif key == "severity":
            if f.severity.value != want:
                return False
        elif key == "fix":
            if (f.fix.value if f.fix else None) != want:
                return False
        elif key == "rows_sample":
            if list(f.rows_sample) != list(want):
                return False
        elif getattr(f, key) != want:
            return False
    return True


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("code,case", ALL, ids=[f"{c}-{k['name']}" for c, k in ALL])
def test_rule_case(code, case, mode, tmp_path):
    findings = _run(code, case, mode, tmp_path)
    expect = case.get("expect") or []
    if case["name"].startswith("pass_"):
        assert findings == [], [f.to_dict() for f in findings]
    assert len(findings) == len(expect), (
        f"expected {len(expect)} findings, got {len(findings)}: {[f.to_dict() for f in findings]}")
    for f, exp in zip(findings, expect):
        assert _matches(f, exp), f"finding {f.to_dict()} does not match {exp}"


@pytest.mark.parametrize("code,case", ALL, ids=[f"{c}-{k['name']}" for c, k in ALL])
def test_modes_agree(code, case, tmp_path):
    """Streaming, one-row batches, merged one-row partitions and those partitions with detached
    state finished through a shuffle give identical findings."""
    results = [comparable(_run(code, case, mode, tmp_path)) for mode in MODES]
    assert all(r == results[0] for r in results[1:])
