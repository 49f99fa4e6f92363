"""Row findings kept as columns behave exactly like the Finding objects they stand for."""

from __future__ import annotations

import json
import pickle
from collections import Counter

import numpy as np
import pytest

from trainlint.context import SourceInfo
from trainlint.finding import Fix, Related, Severity
from trainlint.findings import FindingStore, RowFindings, RowsToDrop, locate, located_store
from trainlint.report import Report
from trainlint.rule import Rule
from trainlint.sources import LineIndex


class Dup(Rule):
    code, name, severity, fix = "DU001", "exact-duplicate", Severity.WARNING, Fix.SAFE


class Miss(Rule):
    code, name, severity, fix = "MV001", "missing-value", Severity.ERROR, Fix.SAFE


class Odd(Rule):  # an object-only rule with no fix
    code, name, severity, fix = "ZZ001", "odd-row", Severity.INFO, None


PATHS = ["a.csv", "b.csv"]


def _sources():
    return [SourceInfo(index=i, path=p, format="csv", columns=("text", "label")) for i, p in enumerate(PATHS)]


def _line_index():
    a, b = LineIndex(), LineIndex()
    a.add(np.arange(0, 50), np.arange(0, 50) + 2)  # a header line, lines are 1-based
    a.add(np.arange(50, 100), np.arange(50, 100) + 5)  # a record spanning lines before row 50
    b.add(np.arange(10, 60), np.arange(10, 60) + 2)  # rows before 10 have no line
    return {0: a, 1: b}


def _mixed():
    """Batches and objects, with ties on (source, row, code, column) that only the message breaks."""
    dup, miss, odd = Dup(), Miss(), Odd()
    rows = np.array([40, 7, 55, 3, 7], np.int64)
    batches = [
        dup.row_findings((["copy {related} of 2", "copy {related} of 3"], np.array([0, 1, 0, 1, 1])),
                         source=(PATHS, np.array([0, 1, 0, 1, 1])), rows=rows,
                         group=np.array([1, 2, 1, 2, 2]),
                         related=((PATHS, np.array([0, 1, 1, 0, 1])), np.array([1, 2, 8, 3, 5]))),
        miss.row_findings((["text is missing", "text is 'N/A'"], np.array([1, 0, 0])), source="a.csv",
                          rows=np.array([40, 12, 99]), column=(["text", "label"], np.array([0, 0, 1]))),
        miss.row_findings("label is missing", source="b.csv", rows=np.array([7]), column="label"),
    ]
    objects = [odd.finding("odd", source="b.csv", row=7), odd.finding("also odd", source="b.csv", row=7),
               odd.finding("a dataset note", source=None),
               miss.finding("column 'x' has 3 missing values", source="a.csv", column="x", n_rows=3,
                            rows_sample=[1, 2, 3], severity=Severity.WARNING, fix=None),
               dup.finding("copy {related} of 2", source="a.csv", row=40, group=9,
                           related=[Related("a.csv", 0)])]
    return [objects[0], batches[0], objects[1], batches[1], objects[2], batches[2], objects[3], objects[4]]


def _as_objects(mixed):
    """What the engine did before columns: every finding an object, located one by one."""
    out = []
    for item in mixed:
        out.extend(list(item) if isinstance(item, RowFindings) else [item])
    return out


def _store(mixed=None):
    mixed = _mixed() if mixed is None else mixed
    return located_store(mixed, _sources(), _line_index())


def _expected():
    srcs = _sources()
    objs = locate(_as_objects(_mixed()), srcs, _line_index())
    order = {s.path: s.index for s in srcs}
    return sorted(objs, key=lambda f: f.sort_key(order))


def test_store_equals_sorted_located_objects():
    store, expected = _store(), _expected()
    assert len(store) == len(expected) == 14
    assert [f.to_dict() for f in store] == [f.to_dict() for f in expected]
    assert store == expected and list(store) == expected
    # lines and related lines came from the line index; rows before its first entry have none
    f = next(f for f in store if f.source == "b.csv" and f.row == 3)
    assert f.line is None and f.related == (Related("a.csv", 3, 5),) and f.message == "copy a.csv:5 of 3"
    f = next(f for f in store if f.source == "a.csv" and f.row == 55)
    assert f.line == 60 and f.related == (Related("b.csv", 8, None),) and f.message == "copy b.csv row 8 of 2"


def test_store_is_a_sequence():
    store, expected = _store(), _expected()
    assert store[0] == expected[0] and store[-1] == expected[-1] and store[5] == expected[5]
    assert store[2:9] == expected[2:9] and store[::3] == expected[::3] and store[10:100] == expected[10:]
    with pytest.raises(IndexError):
        store[len(expected)]
    assert store != expected[:-1] and FindingStore([]) == []
    small = FindingStore._CHUNK
    try:  # iteration goes chunk by chunk
        FindingStore._CHUNK = 3
        assert list(store) == expected
    finally:
        FindingStore._CHUNK = small
    again = pickle.loads(pickle.dumps(store))
    assert again == expected and isinstance(again, FindingStore)
    batch = pickle.loads(pickle.dumps(_mixed()[1]))
    assert list(batch) == list(_mixed()[1]) and len(batch) == 5


def test_store_extended_keeps_its_order_then_the_new_findings():
    store, expected = _store(), _expected()
    extra = [Odd().finding("late", source="a.csv", row=0), Odd().finding("later", source=None)]
    more = store.extended(extra)
    assert list(more) == expected + extra and len(store) == len(expected)
    assert list(more.extended([])) == list(more)
    assert list(store.select(np.zeros(store.total, bool)).extended(extra)) == extra


def test_report_on_columns_matches_report_on_objects():
    store, expected = _store(), _expected()
    by_columns, by_objects = Report(store, [{"rows": 200}]), Report(expected, [{"rows": 200}])
    s = by_columns.summary
    assert s == by_objects.summary
    assert s["by_rule"] == dict(sorted(Counter(f.name for f in expected).items()))
    assert s["by_severity"] == {"info": 3, "warning": 7, "error": 4}
    assert s["rows_with_findings"] == len({(f.source, f.row) for f in expected if f.row is not None})
    assert s["fixable"] == sum(1 for f in expected if f.fix is not None)
    assert by_columns.exit_code == 1 and Report(store, [], fail_on="error").exit_code == 1
    assert Report(FindingStore([f for f in expected if f.severity is Severity.INFO]), []).exit_code == 0
    for kw in ({"rule": "DU"}, {"rule": "missing-value"}, {"rule": ["ZZ001", "DU001"]}, {"source": "b.csv"},
               {"severity": "error"}, {"rule": "MV", "source": "a.csv", "severity": "warning"}, {"source": "c"}):
        assert list(by_columns.filter(**kw).findings) == list(by_objects.filter(**kw).findings), kw
    assert by_columns.to_json() == by_objects.to_json()
    assert json.loads(by_columns.to_json(indent=None)) == json.loads(by_columns.to_json())
    assert by_columns.to_json(indent=None) == json.dumps(by_objects.to_dict(), ensure_ascii=False)
    assert Report([], []).to_json() == json.dumps(Report([], []).to_dict(), indent=2)


def test_rows_to_drop_and_exit_code_after_fix():
    store, expected = _store(), _expected()
    for unsafe in (False, True):
        drop = Report(store, []).rows_to_drop(unsafe)
        want: dict = {}
        for f in expected:
            if f.fix is not None and f.row is not None:
                want.setdefault(f.source, {}).setdefault(f.row, []).append(f)
        assert drop == want and list(drop) == list(want)
        for path, rows in drop.items():
            assert isinstance(rows, RowsToDrop) and list(rows) == list(want[path])
            assert rows.rows.tolist() == sorted(want[path]) and len(rows) == len(want[path])
            assert rows.get(10 ** 9) is None and 10 ** 9 not in rows and "x" not in rows
    rows = Report(store, []).rows_to_drop()["b.csv"]
    rows._CHUNK = 1
    assert [rows[r] for r in reversed(list(rows))] == [want["b.csv"][r] for r in reversed(list(want["b.csv"]))]
    # left once the rows are dropped: the info findings and the column finding (a warning)
    assert Report(store, []).exit_code_after_fix() == 1
    assert Report(store, [], fail_on="error").exit_code_after_fix() == 0


def test_text_report_same_from_columns_and_objects():
    from trainlint.reporters import text

    store, expected = _store(), _expected()
    for opts in ({}, {"concise": True}, {"grouped": True}, {"statistics": True}, {"fixed": True}):
        assert text.render(Report(store, [], **{}), **opts) == text.render(Report(expected, []), **opts)
    small = text.render(Report(store, []), concise=True)
    assert small.splitlines()[0] == text.finding_line(expected[0])
    # RowFindings are written from their columns (text.plain_lines), run by run, even in small chunks
    size = FindingStore._CHUNK
    try:
        FindingStore._CHUNK = 3
        assert text.render(Report(store, []), concise=True) == text.render(Report(expected, []), concise=True)
        kinds = [type(p).__name__ for chunk in store.chunks(lambda p, i: [p] * len(i)) for p in chunk]
        assert len(kinds) == len(expected) and "RowFindings" in kinds
    finally:
        FindingStore._CHUNK = size


def test_rule_row_findings_carry_the_rules_metadata():
    b = Miss().row_findings("text is missing", source="a.csv", rows=[3, 1], column="text")
    f = list(b)
    assert f == [Miss().finding("text is missing", source="a.csv", row=3, column="text"),
                 Miss().finding("text is missing", source="a.csv", row=1, column="text")]
    assert len(b) == 2 and bool(b) and not Miss().row_findings("x", source="a.csv", rows=[])
    assert f[0].fix is Fix.SAFE and f[0].n_rows == 1 and f[0].extra == {}


def test_finding_pickled_before_edits_existed_unpickles_with_no_edits():
    """State-cache entries hold pickled findings: one written before ``edits`` was added still loads."""
    import pickle

    from trainlint.finding import Edit, Finding, Severity

    f = Finding("PI001", "email-address", Severity.WARNING, "m", "d.jsonl", 3, edits=(Edit(0, 4, "<EMAIL>", "a***", 9),))
    assert pickle.loads(pickle.dumps(f)) == f
    old = Finding.__new__(Finding)
    old.__setstate__(f.__getstate__()[:-1])  # the state as the previous layout wrote it
    assert old.edits == () and old.row == 3
