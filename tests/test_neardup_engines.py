"""Near-duplicate rules on templated data with a big LSH bucket: one process, worker processes and
Dask give the same findings (candidate pairs per row are bounded, so the big bucket is resolved
through its first member and each member's predecessor, whatever the block layout)."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from helpers import ROOT
from trainlint.config import Settings
from trainlint.engines import processes
from trainlint.engines.local import LocalEngine
from trainlint.engines.processes import ProcessEngine
from trainlint.runner import build_rules
from trainlint.sources import ReadOptions, open_sources

GENERATOR = ROOT.parent / "shared" / "bench" / "templated.py"
pytestmark = pytest.mark.skipif(not GENERATOR.exists(), reason="shared benchmark generator not present")

#: 400 rows sharing one long sentence (one big bucket in most bands), each with its own tail
SHARED = ("The committee will review every application received before the end of the month and "
          "publish the list of accepted projects together with the reasons for each decision")
BIG = 400


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("templated")
    subprocess.run([sys.executable, str(GENERATOR), "--rows", "3000", "--out", str(d), "--formats", "csv"],
                   check=True, capture_output=True)
    with open(d / "data.csv", "a", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        for k in range(BIG):
            tail = f"reference number {k} for office {k % 7}" if k % 2 else f"case {k}"
            w.writerow([10_000 + k, f"{SHARED} {tail}", "tech", "en", "train" if k % 3 else "test"])
    return d / "data.csv"


def _findings(path, engine, block_bytes=1 << 23):
    settings = Settings(select=("DU002", "LB001", "LK001"), split_column="split",
                        rules={"conflicting-label": {"near": True}})
    specs = open_sources([str(path)], ReadOptions(block_bytes=block_bytes), split_column="split")
    return [f.to_dict() for f in engine.run(specs, build_rules(settings)).findings]


def test_big_bucket_same_findings_in_one_process_and_worker_processes(data, monkeypatch):
    local = _findings(data, LocalEngine())
    codes = {f["code"] for f in local}
    assert codes >= {"DU002", "LK001"}
    big_rows = {f["row"] for f in local if f["row"] >= 3000}
    # rows of the big bucket whose tails differ by one short word are near copies ("case 4" / "case 6"
    # are not: one changed content word in ~35 words is allowed, a longer tail is not)
    assert big_rows
    monkeypatch.setattr(processes, "MIN_BLOCK_BYTES", 16 << 10)
    assert _findings(data, ProcessEngine(2, workers_after=0), block_bytes=64 << 10) == local


def test_big_bucket_same_findings_on_dask(data):
    distributed = pytest.importorskip("distributed")
    from trainlint.engines.dask import DaskEngine

    local = _findings(data, LocalEngine())
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=40)
    client = distributed.Client(cluster, set_as_default=False)
    try:
        assert _findings(data, DaskEngine(client), block_bytes=64 << 10) == local
    finally:
        client.close()
        cluster.close()
