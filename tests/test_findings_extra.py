"""Row findings with extra columns (a similarity per row, a dict shared by a cluster's rows) stand
for exactly the ``Finding`` objects a rule made before: same ``extra``, JSON lines, pair texts,
redaction, pickles and content keys."""

from __future__ import annotations

import json
import pickle

import numpy as np

from trainlint.context import SourceInfo
from trainlint.finding import NO_EXTRA, Fix, Related, Severity
from trainlint.findings import FindingStore, RowFindings, located_store
from trainlint.findings.rows import formatted, message_table
from trainlint.rule import Rule
from trainlint.sources import LineIndex

PATHS = ["a.csv", "b.csv"]
SIM = np.array([0.75, 0.123456, 0.9, 0.75])
LABELS = [{"x": 2}, {"y": 3, "seen": ["mail bob.jones@gmail.com"]}]


class Near(Rule):
    code, name, severity, fix = "DU002", "near-duplicate", Severity.WARNING, Fix.UNSAFE


def _sources():
    return [SourceInfo(index=i, path=p, format="csv", columns=("text", "label")) for i, p in enumerate(PATHS)]


def _lines():
    a, b = LineIndex(), LineIndex()
    a.add(np.arange(0, 50), np.arange(0, 50) + 2)
    b.add(np.arange(0, 50), np.arange(0, 50) + 2)
    return {0: a, 1: b}


def _rows(**kw) -> RowFindings:
    return Near().row_findings((["similar to {related}", "near {related}"], np.array([0, 1, 0, 1])),
                               source=(PATHS, np.array([0, 1, 0, 0])), rows=np.array([4, 2, 9, 30]),
                               group=np.array([1, 1, 2, 2]),
                               related=((PATHS, np.array([0, 0, 1, 0])), np.array([1, 1, 7, 3])),
                               extra={"similarity": SIM, "labels": (LABELS, np.array([0, 0, 1, 1]))}, **kw)


def _objects():
    srcs = [0, 1, 0, 0]
    return [Near().finding(["similar to {related}", "near {related}"][k % 2], source=PATHS[s], row=r, group=g,
                           related=[Related(PATHS[rs], rr)], extra={"similarity": float(x), "labels": LABELS[lab]})
            for k, (s, r, g, rs, rr, x, lab) in enumerate(zip(srcs, [4, 2, 9, 30], [1, 1, 2, 2], [0, 0, 1, 0],
                                                                [1, 1, 7, 3], SIM, [0, 0, 1, 1]))]


def test_findings_carry_the_extra_columns_in_order():
    got = list(_rows())
    assert got == _objects()
    assert [list(f.extra) for f in got] == [["similarity", "labels"]] * 4
    assert got[1].extra == {"similarity": 0.123456, "labels": LABELS[0]} and type(got[1].extra["similarity"]) is float
    assert list(Near().row_findings("m", source="a.csv", rows=[1]))[0].extra is NO_EXTRA
    again = pickle.loads(pickle.dumps(_rows()))
    assert list(again) == got
    old = _rows()
    del old.__dict__["extra"]  # a RowFindings pickled before extra columns: no extra
    assert all(f.extra == {} for f in pickle.loads(pickle.dumps(old)))


def test_located_store_and_json_equal_the_objects():
    from trainlint.report import Report

    by_rows = located_store([_rows()], _sources(), _lines())
    by_objects = located_store(_objects(), _sources(), _lines())
    assert list(by_rows) == list(by_objects)
    assert Report(by_rows, []).to_json() == Report(by_objects, []).to_json()


def test_json_lines_with_pair_texts_equal_the_dict_path():
    from trainlint.reporters import _jsonline, json_report
    from trainlint.reporters._evidence import is_pair, row_wants, wants, with_texts

    enc = json.JSONEncoder(ensure_ascii=False, default=json_report._json_default).encode
    part = located_store([_rows()], _sources(), _lines()).parts[0]
    objs = list(part)
    assert part.is_pair and all(is_pair(f) for f in objs)
    assert set(row_wants(part)) == {w for f in objs for w in wants(f)}
    found = {("a.csv", 4, None): "x" * 300 + " tail one", ("a.csv", 1, None): "x" * 300 + " tail two",
             ("b.csv", 7, None): "short \u2028 text"}
    for texts in (found, None):
        line = _jsonline.line_maker(enc, texts, lambda f: enc(f.to_dict()))
        idx = np.arange(len(part))
        expected = [enc(with_texts(f.to_dict(), f, texts) if texts else f.to_dict()) for f in objs]
        assert _jsonline.row_lines(part, idx, line) == expected
    assert '"text": "…' in _jsonline.row_lines(part, np.arange(1), line_maker_with(found))[0]
    # a similarity that is no number, or a masked value, makes no pair
    words = Near().row_findings("m", source="a.csv", rows=[1], related=("a.csv", [0]),
                                extra={"similarity": (["high"], np.array([0]))})
    assert not words.is_pair and not is_pair(list(words)[0])
    masked = Near().row_findings("m", source="a.csv", rows=[1], related=("a.csv", [0]),
                                 extra={"similarity": np.array([0.5]), "masked": (["a***"], np.array([0]))})
    assert not masked.is_pair and not is_pair(list(masked)[0])


def line_maker_with(found):
    from trainlint.reporters import _jsonline, json_report

    enc = json.JSONEncoder(ensure_ascii=False, default=json_report._json_default).encode
    return _jsonline.line_maker(enc, found, lambda f: enc(f.to_dict()))


def test_redaction_masks_shared_extra_values_as_in_objects():
    from trainlint.redact import redact_findings

    rows = redact_findings(FindingStore([_rows()]))
    objects = redact_findings(FindingStore(_objects()))
    assert list(rows) == list(objects)
    assert "bob.jones@gmail.com" not in json.dumps([f.to_dict() for f in rows])
    assert list(rows)[0].extra["labels"] is LABELS[0]  # values without a private one stay shared


def test_content_keys_as_the_objects_had():
    from trainlint.keys import ContentTable, finding_keys

    table = ContentTable({0: (np.arange(50), np.arange(50, dtype=np.uint64) * 7919),
                          1: (np.arange(50), np.arange(50, dtype=np.uint64) * 104729)})
    objects = finding_keys(FindingStore(_objects()), table, _sources())
    same = finding_keys(FindingStore([_rows(object_keys=True)]), table, _sources())
    other = finding_keys(FindingStore([_rows()]), table, _sources())
    assert same.own.tolist() == objects.own.tolist() and same.related.tolist() == objects.related.tolist()
    assert other.own.tolist() != objects.own.tolist()  # DU001's and MV001's keys, as they always were


def test_message_table_and_formatted():
    percents, at = formatted(SIM, lambda s: f"{s:.0%}")
    assert [percents[k] for k in at.tolist()] == [f"{s:.0%}" for s in SIM.tolist()] and len(percents) == 3
    templates, idx = message_table(lambda p, n: f"{percents[p]} of {n}", at, np.array([3, 3, 4, 3]))
    assert [templates[k] for k in idx.tolist()] == ["75% of 3", "12% of 3", "90% of 4", "75% of 3"]
    assert len(templates) == 3
    big = np.array([0, 1 << 40, 0, 5]), np.array([1 << 41, 0, 1 << 41, 3])  # too wide for one int64 key
    templates, idx = message_table(lambda a, b: f"{a}/{b}", *big)
    assert [templates[k] for k in idx.tolist()] == [f"{a}/{b}" for a, b in zip(*(c.tolist() for c in big))]
    assert len(templates) == 3


def test_loaded_findings_share_equal_values():
    """Spilled findings come back with one object per distinct message, extra and edits (1 and
    1.0 apart: JSON keeps them apart), the same findings as before."""
    from trainlint.finding import Edit
    from trainlint.findings.spilled import Shared, expanded, spilled

    rule = Near()

    def block(k):
        return [rule.finding("markup: &amp;", source="a.csv", row=k, extra={"count": 1, "kinds": ["entity"]},
                             edits=[Edit(0, 5, "&", "&amp;", 9)]),
                rule.finding("markup: &amp;", source="a.csv", row=k + 1, extra={"count": 1.0, "kinds": ["entity"]}),
                rule.finding(f"other {k}", source="a.csv", row=k + 2, extra={"count": 2})]

    items = [x for k in (0, 10, 20) for x in spilled(block(k))] + [_rows()]
    out = expanded(items)
    assert out[:9] == block(0) + block(10) + block(20) and isinstance(out[9], RowFindings)
    objs = out[:9]
    assert objs[0].message is objs[3].message is objs[6].message is objs[1].message
    assert objs[0].extra is objs[3].extra is objs[6].extra and objs[1].extra is objs[4].extra
    assert objs[0].extra is not objs[1].extra and type(objs[1].extra["count"]) is float
    assert objs[0].edits is objs[6].edits and objs[2].extra is objs[5].extra
    try:  # past the cap, values stay the findings' own
        Shared.CAP = 0
        again = expanded([x for k in (0, 10) for x in spilled(block(k))])
        assert again == block(0) + block(10) and again[0].extra is not again[3].extra
    finally:
        Shared.CAP = 1 << 16


def test_a_related_location_is_not_masked_as_a_phone_number():
    """A row finding's ``{related}`` is filled with the related row's place after the messages are
    redacted: line 3107417 is a place, not a phone number (as Finding objects' messages had it)."""
    from trainlint.redact import redact_findings

    far = LineIndex()
    far.add(np.array([0]), np.array([3107417]))
    rows = Near().row_findings("copy of {related}", source="a.csv", rows=[5], related=("a.csv", [0]),
                               extra={"similarity": np.array([0.9])})
    store = redact_findings(located_store([rows], _sources()[:1], {0: far}))
    assert [f.message for f in store] == ["copy of a.csv:3107417"]


def test_distinct_keeps_values_json_tells_apart():
    from trainlint.findings.rows import distinct

    values = [1, 1.0, True, "1", [1], (1,), {"a": 1}, 1, "1", {"a": 1}, None]
    table, index = distinct(values)
    assert [table[k] for k in index.tolist()] == values and len(table) == 8
    assert [type(table[k]) for k in index.tolist()] == [type(v) for v in values]
