"""While a ``heavy_finish`` runs, the later rules' states are in a temporary file, not in memory,
and they come back unchanged for their own finish."""

from __future__ import annotations

import numpy as np

from trainlint.engines.base import finish_run
from trainlint.rule import Rule


class _Seen(Rule):
    code = "ZZ901"
    name = "zz-seen"

    def __init__(self, log, states=None, heavy=False):
        super().__init__()
        self.log, self.states, self.heavy_finish = log, states, heavy

    def finish(self, state, run):
        # what the engine holds of the other rules' states while this one finishes
        self.log.append((self.heavy_finish, [s is None for s in self.states], state))
        return []


def test_later_states_are_spilled_during_a_heavy_finish_and_restored():
    log: list = []
    states: list = []
    rules = [_Seen(log, states), _Seen(log, states, heavy=True), _Seen(log, states), _Seen(log, states)]
    big = np.arange(1000)
    states += [{"a": 1}, {"b": 2}, {"big": big}, [big, big]]
    finish_run(rules, states, [], [], {}, {})
    light, heavy, after, last = log
    assert heavy[1] == [True, False, True, True]  # the first is done, the later two are on disk
    assert heavy[2] == {"b": 2}
    assert after[1] == [True, True, False, False]  # back for their own finish
    assert np.array_equal(after[2]["big"], big)
    assert last[2][0] is last[2][1]  # one pickle: shared objects stay shared
    assert light[1] == [False, False, False, False]
    assert states == [None, None, None, None]  # each dropped once finished


def test_no_writable_temp_dir_keeps_the_states_in_memory(monkeypatch):
    """A temp dir that cannot be written (read-only, full) is no error: the states stay where they
    were and every rule still finishes with its own."""
    import tempfile

    def refuse(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    log: list = []
    states: list = []
    rules = [_Seen(log, states, heavy=True), _Seen(log, states)]
    states += [{"a": 1}, {"b": 2}]
    finish_run(rules, states, [], [], {}, {})
    heavy, after = log
    assert heavy[1] == [False, False] and after[2] == {"b": 2}
