"""The process engine's own choices: block sizes that keep every worker busy to the end."""

from __future__ import annotations

import pyarrow as pa
import pytest

from trainlint.config import Settings
from trainlint.engines import processes
from trainlint.engines.local import LocalEngine
from trainlint.engines.processes import ProcessEngine, balance_blocks
from trainlint.rules.missing.mv001_missing_value import MissingValue
from trainlint.runner import build_rules
from trainlint.sources import ReadOptions, open_sources


def _csv(tmp_path, rows: int):
    p = tmp_path / "train.csv"
    body = "".join(f"{i},this is text number {i % (rows // 3)} of the sample,{'ab'[i % 2]}\n" for i in range(rows))
    p.write_text("id,text,label\n" + body)
    return p


def test_small_inputs_get_smaller_blocks_big_ones_keep_theirs(tmp_path, monkeypatch):
    p = _csv(tmp_path, 4000)  # ~200 KB
    monkeypatch.setattr(processes, "MIN_BLOCK_BYTES", 4096)
    specs = open_sources([str(p)], ReadOptions(block_bytes=8 << 20))
    balance_blocks(specs, jobs=2)
    size = specs[0].reader.options.block_bytes
    assert size == p.stat().st_size // (processes.BLOCKS_PER_WORKER * 2)
    assert len(list(specs[0].reader.blocks())) >= processes.BLOCKS_PER_WORKER * 2
    # never larger than asked for, never below the floor
    specs = open_sources([str(p)], ReadOptions(block_bytes=1024))
    balance_blocks(specs, jobs=2)
    assert specs[0].reader.options.block_bytes == 1024
    monkeypatch.setattr(processes, "MIN_BLOCK_BYTES", 1 << 20)
    specs = open_sources([str(p)], ReadOptions(block_bytes=8 << 20))
    balance_blocks(specs, jobs=2)
    assert specs[0].reader.options.block_bytes == 1 << 20


def test_in_memory_inputs_are_left_alone():
    specs = open_sources([pa.table({"text": ["a", "b"], "label": ["x", "y"]})], ReadOptions(block_bytes=8 << 20))
    before = specs[0].reader.options.block_bytes
    balance_blocks(specs, jobs=4)
    assert specs[0].reader.options.block_bytes == before


def test_balanced_blocks_give_the_local_engines_findings(tmp_path, monkeypatch):
    p = _csv(tmp_path, 4000)
    monkeypatch.setattr(processes, "MIN_BLOCK_BYTES", 4096)

    def run(engine):
        specs = open_sources([str(p)], ReadOptions())
        rules = build_rules(Settings(select=("MV001", "DU001", "DU002", "LB001")))
        return [f.to_dict() for f in engine.run(specs, rules).findings]

    local = run(LocalEngine())
    assert sum(f["name"] == "exact-duplicate" for f in local) > 1000
    only_workers = ProcessEngine(2, workers_after=0)
    assert run(only_workers) == local
    assert only_workers.lanes["local"] == 0 and only_workers.lanes["workers"] >= 16
    mixed = ProcessEngine(2, workers_after=2)
    assert run(mixed) == local
    assert mixed.lanes["local"] >= 2 and mixed.lanes["workers"] > 0


# -- when workers join in ---------------------------------------------------------------------------
def _timing(*blocks):
    from trainlint.engines.processes import _Timing

    t = _Timing()
    for parse, rules in blocks:
        t.add(parse, rules, 8 << 20)
    return t


def test_cheap_rules_stay_in_one_process():
    # nulls + exact duplicates on two cores: parsing ~ rules, one process already uses both cores
    t = _timing((0.03, 0.25), (0.019, 0.015), (0.028, 0.015))
    assert not t.workers_pay(2, remaining_bytes=4 << 30)
    # ... but on eight cores workers beat the one rules thread
    assert t.workers_pay(8, remaining_bytes=4 << 30)


def test_slow_rules_get_workers_when_enough_input_is_left():
    t = _timing((0.006, 0.55), (0.005, 0.42))
    assert t.workers_pay(2, remaining_bytes=100 << 20)
    assert not t.workers_pay(2, remaining_bytes=8 << 20)  # ~0.4 s left: not worth starting them
    # blocks that do not tell their bytes (Parquet row groups, compressed files): taken as enough
    assert t.workers_pay(2, remaining_bytes=None)


def test_the_first_block_alone_decides_nothing():
    # its rules pay their one-off set-up (imports, model loads): it is never counted
    assert not _timing((0.005, 5.0)).workers_pay(2, remaining_bytes=1 << 40)
    t = _timing((0.005, 5.0), (0.02, 0.015))
    assert t.rules == pytest.approx(0.015) and not t.workers_pay(2, remaining_bytes=1 << 40)


class SlowMissingValue(MissingValue):
    """``missing-value`` with CPU work in proportion to the rows, as language ID has (~20 µs a
    row); at module level, so that worker processes can unpickle it."""

    def update(self, batch, state):
        import time

        end = time.thread_time() + len(batch.rows) * 20e-6
        while time.thread_time() < end:
            pass
        return super().update(batch, state)


def test_slow_rules_move_to_workers_with_the_same_findings(tmp_path, monkeypatch):
    monkeypatch.setattr(processes, "MIN_BLOCK_BYTES", 4096)
    monkeypatch.setattr(processes, "MIN_WORKER_SECONDS", 0.05)
    p = tmp_path / "train.csv"
    p.write_text("id,text,label\n" + "".join(
        f"{i},{'' if i % 7 == 0 else f'text {i}'},{'ab'[i % 2]}\n" for i in range(6000)))

    def run(engine, cls):
        specs = open_sources([str(p)], ReadOptions())
        return [f.to_dict() for f in engine.run(specs, [cls(cls.make_options({}))]).findings]

    local = run(LocalEngine(), MissingValue)
    assert len(local) > 800
    fast = ProcessEngine(2)  # ~1 ms a block: too little left to be worth starting workers
    assert run(fast, MissingValue) == local
    assert fast.lanes == {"local": fast.lanes["local"], "workers": 0}
    slow = ProcessEngine(2)
    assert run(slow, SlowMissingValue) == local
    assert slow.lanes["local"] >= 2 and slow.lanes["workers"] > 0

    # Parquet blocks (row groups) do not tell their bytes: the timing alone decides
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    p = tmp_path / "train.parquet"
    pq.write_table(pacsv.read_csv(tmp_path / "train.csv"), p, row_group_size=300)
    local = run(LocalEngine(), MissingValue)
    slow = ProcessEngine(2)
    assert run(slow, SlowMissingValue) == local
    assert slow.lanes["local"] >= 2 and slow.lanes["workers"] > 0


def test_on_real_data_slow_rules_move_to_workers(monkeypatch):
    """banking77 train and test (10k + 3k rows) and titanic, cut into 32 KiB blocks: the timing
    sends a CPU-heavy rule's blocks to workers, with the local engine's findings, across the three
    files.  (Whether cheap rules stay in one process depends on their cost per 8 MiB block, which
    small test files cannot show: ``test_cheap_rules_stay_in_one_process`` checks the decision on
    timings measured on the 1M-row benchmark.)"""
    from helpers import DATA

    monkeypatch.setattr(processes, "MIN_BLOCK_BYTES", 32 << 10)
    monkeypatch.setattr(processes, "MIN_WORKER_SECONDS", 0.05)
    paths = [str(DATA / "banking77" / "train.csv"), str(DATA / "banking77" / "test.csv"),
             str(DATA / "titanic" / "titanic.csv")]

    def run(engine, rules):
        specs = open_sources(paths, ReadOptions(block_bytes=32 << 10))
        return [f.to_dict() for f in engine.run(specs, rules).findings]

    slow_rules = [SlowMissingValue(SlowMissingValue.make_options({})), *build_rules(Settings(select=("DU001",)))]
    local = run(LocalEngine(), slow_rules)
    assert sum(f["code"] == "MV001" for f in local) >= 3 and any(f["code"] == "DU001" for f in local)
    slow = ProcessEngine(2)
    assert run(slow, slow_rules) == local
    assert slow.lanes["local"] >= 2 and slow.lanes["workers"] > 0
