"""The process engine's own choices: block sizes that keep every worker busy to the end."""

from __future__ import annotations

import pyarrow as pa

from trainlint.config import Settings
from trainlint.engines import processes
from trainlint.engines.local import LocalEngine
from trainlint.engines.processes import ProcessEngine, balance_blocks
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
    assert run(ProcessEngine(2)) == local
