"""A contract every registered rule must keep (sqlfluff's rule contract test)."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest
import yaml

from trainlint.registry import all_rules
from trainlint.rule import CODE_RE, DOC_SECTIONS, NAME_RE
from trainlint.testing import make_specs

CASES = Path(__file__).parent / "cases"
RULES = [r for r in all_rules() if r.__module__.startswith("trainlint.rules")]


def test_codes_and_names_unique():
    codes = [r.code for r in all_rules()]
    names = [r.name for r in all_rules()]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_metadata(rule):
    assert CODE_RE.match(rule.code), rule.code
    assert NAME_RE.match(rule.name), rule.name
    assert not rule.name.startswith("no-"), "a name says the problem, not its absence"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_a_detached_state_is_declared(rule):
    """A rule detaches bulky state exactly when it declares a keyed-shuffle finish (lint/shuffle.py)."""
    from trainlint.rule import Rule
    from trainlint.shuffle import KEYED_SHUFFLE

    assert rule.distributed_finish in (None, KEYED_SHUFFLE)
    assert (rule.detach is not Rule.detach) == (rule.distributed_finish == KEYED_SHUFFLE)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_doc_has_sections(rule):
    doc = rule.doc()
    assert doc.splitlines()[0].endswith("."), "first line is the default message, a sentence"
    for section in DOC_SECTIONS:
        assert f"\n{section}\n" in doc, f"{rule.code} doc lacks '{section}'"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_has_yaml_cases(rule):
    path = CASES / f"{rule.code}.yml"
    assert path.exists(), f"missing {path}"
    names = [c["name"] for c in yaml.safe_load(path.read_text())["cases"]]
    assert any(n.startswith("pass_") for n in names), "needs a pass_ case"
    assert any(n.startswith("fail_") for n in names), "needs a fail_ case"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_default_options_and_picklable_state(rule):
    inst = rule(rule.make_options({}))
    state = inst.start()
    pickle.dumps(state)
    spec = make_specs([{"records": [{"text": "hello world", "label": "a"}, {"text": "hello world", "label": "b"}]}],
                      batch_rows=100)[0]
    from trainlint.context import BatchContext

    for batch in spec.reader.batches():
        ctx = BatchContext(spec.info, batch.table, batch.rows)
        if inst.applies_to(spec.info):
            inst.update(ctx, state)
    state2 = pickle.loads(pickle.dumps(state))
    merged = inst.merge(inst.start(), state2)
    # default options are the rule's frozen options; a state that went through pickle and a merge
    # with a fresh state finishes exactly like the original
    assert inst.options == rule.make_options({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        inst.options.__setattr__("_probe", 1)
    from trainlint.context import RunContext
    from trainlint.testing import comparable

    run = RunContext(sources=[spec.info], rows_by_source={spec.info.index: 2})
    assert comparable(inst.finish(merged, run) or []) == comparable(inst.finish(state, run) or [])


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_unknown_option_is_named(rule):
    from trainlint.errors import ConfigError

    with pytest.raises(ConfigError, match="no-such-option"):
        rule.make_options({"no-such-option": 1})
