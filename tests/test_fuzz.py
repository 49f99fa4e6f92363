"""A slice of the fuzz campaign (benchmarks/fuzz.py): a few hundred malformed files of every format,
each checked and fixed in this process: no traceback, no internal error, findings at file:line or
one line naming the file, inputs unchanged, records written = rows read.  The full campaign (10,000
files, default rules, memory-limited workers) runs from benchmarks/; its totals are in the README."""

from __future__ import annotations

import sys

import pytest
from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import fuzz  # noqa: E402

#: slow to generate or to lint (a 17 MB field, a gzip bomb): the full campaign has them
SLOW = ("huge_field", "gzip_bomb")


@pytest.fixture()
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRAINLINT_DEBUG", raising=False)
    return tmp_path


def test_generation_is_deterministic():
    assert fuzz.generate(3, 41) == fuzz.generate(3, 41)
    assert fuzz.generate(3, 41) != fuzz.generate(4, 41)
    kinds = {fuzz.generate(0, i)[0].split("_", 1)[1].split(".")[0] for i in range(len(fuzz.FORMATS) * 25)}
    assert len(kinds) >= 20  # every mutation turns up in one cycle of formats


def test_fuzz_slice(in_tmp):
    problems = {}
    seen = 0
    for i in range(200):
        name, _data = fuzz.generate(11, i)
        if any(k in name for k in SLOW):
            continue
        name, found, _facts = fuzz.check_one(11, i, timeout=60, select="IR001,DU001,MV001,LB001")
        seen += 1
        if found:
            problems[name] = found
    assert seen >= 150
    assert problems == {}


def test_special_files_never_hang(in_tmp):
    results = fuzz.special_files(in_tmp, timeout=60)
    assert len(results) == 6
    assert [(label, p) for label, p in results if p] == []
