"""eval-contamination (LK002) on the templated benchmark with eval rows of MRPC (long) and
banking77 (shorter than the 13-word n-gram) planted in it: the planted rows are found, one
process, worker processes and Dask agree, and an index file (``trainlint index``) gives the same
findings as the eval file it was built from."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from helpers import DATA, ROOT
from trainlint.cli import cli
from trainlint.config import Settings
from trainlint.engines import processes
from trainlint.engines.local import LocalEngine
from trainlint.engines.processes import ProcessEngine
from trainlint.runner import build_rules
from trainlint.sources import ReadOptions, open_sources

GENERATOR = ROOT.parent / "shared" / "bench" / "templated.py"
MRPC = DATA / "mrpc" / "msr_paraphrase_test.txt"
BANKING = DATA / "banking77" / "test.csv"
pytestmark = pytest.mark.skipif(not (GENERATOR.exists() and MRPC.exists() and BANKING.exists()),
                                reason="shared data not present")
PLANTED = 30
SHORT = 12  # banking77 rows of 6-12 words, planted inside a longer text


def _mrpc_sentences(k: int) -> list[str]:
    with open(MRPC, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return [r[3] for r in rows if len(r[3].split()) >= 16][:k]


def _banking_utterances(k: int) -> list[str]:
    """k rows; those first in the list are not inside another of them (one that is, "my card has
    not arrived yet", is a common phrase that only a training row of the same words matches)."""
    with open(BANKING, encoding="utf-8", newline="") as f:
        rows = [r["text"] for r in csv.DictReader(f) if 6 <= len(r["text"].split()) <= 12][:k]
    words = [f" {' '.join(re.sub(r'[^a-z0-9]+', ' ', r.lower()).split())} " for r in rows]
    inside = [any(w in v and w != v for v in words) for w in words]
    return [r for r, c in zip(rows, inside) if not c] + [r for r, c in zip(rows, inside) if c]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("contam")
    subprocess.run([sys.executable, str(GENERATOR), "--rows", "3000", "--out", str(d), "--formats", "csv"],
                   check=True, capture_output=True)
    sentences = _mrpc_sentences(200)
    short = _banking_utterances(100)
    with open(d / "eval.jsonl", "w", encoding="utf-8") as f:
        for s in sentences + short:
            f.write(json.dumps({"text": s}) + "\n")
    with open(d / "data.csv", "a", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        for k, s in enumerate(sentences[:PLANTED]):
            words = s.split()
            kinds = [s, "\n".join(" ".join(words[i:i + 5]) for i in range(0, len(words), 5)),
                     f"As reported earlier this week, {s.upper()} Readers were not surprised."]
            w.writerow([10_000 + k, kinds[k % 3], "news", "en", "train"])
        for k, s in enumerate(short[:SHORT]):
            w.writerow([20_000 + k, f"Customer wrote: {s.lower()} (ticket {k}) and waited.", "bank", "en", "train"])
    return d


def _findings(d, engine, against, block_bytes=1 << 23):
    settings = Settings(select=("LK002",), against=(str(against),))
    specs = open_sources([str(d / "data.csv")], ReadOptions(block_bytes=block_bytes))
    return [f.to_dict() for f in engine.run(specs, build_rules(settings)).findings]


def test_planted_rows_found_and_workers_agree(data, monkeypatch):
    local = _findings(data, LocalEngine(), data / "eval.jsonl")
    assert sorted(f["row"] for f in local) == list(range(3000, 3000 + PLANTED + SHORT))
    assert all(":" in f["message"] and "eval.jsonl:" in f["message"] for f in local)
    assert all(f"eval.jsonl:{201 + k}" in f["message"] for k, f in enumerate(local[PLANTED:]))
    monkeypatch.setattr(processes, "MIN_BLOCK_BYTES", 16 << 10)
    assert _findings(data, ProcessEngine(2, workers_after=0), data / "eval.jsonl", block_bytes=64 << 10) == local


def test_same_findings_on_dask(data):
    distributed = pytest.importorskip("distributed")
    from trainlint.engines.dask import DaskEngine

    local = _findings(data, LocalEngine(), data / "eval.jsonl")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=40)
    client = distributed.Client(cluster, set_as_default=False)
    try:
        assert _findings(data, DaskEngine(client), data / "eval.jsonl", block_bytes=64 << 10) == local
    finally:
        client.close()
        cluster.close()


def test_index_is_deterministic_textless_and_used_by_against(data, monkeypatch):
    monkeypatch.chdir(data)
    runner = CliRunner()
    for out in ("a.tlidx", "b.tlidx"):
        res = runner.invoke(cli, ["index", "eval.jsonl", "-o", out])
        assert res.exit_code == 0, res.output
    a = (data / "a.tlidx").read_bytes()
    assert a == (data / "b.tlidx").read_bytes()
    assert b"Amrozi" not in a and _mrpc_sentences(1)[0][:20].encode() not in a
    from trainlint.evalindex import read_index

    idx = read_index("a.tlidx")
    # 12 bytes per distinct n-gram or short row, 4 per row (its line), the header, the checksum
    assert idx.rows == 300 and idx.inner.size >= 90 and len(a) <= 16 * idx.entries + 1024
    assert _findings(data, LocalEngine(), "a.tlidx") == _findings(data, LocalEngine(), "eval.jsonl")


def test_damaged_or_foreign_index_is_one_line_exit_2(data, monkeypatch):
    monkeypatch.chdir(data)
    runner = CliRunner()
    assert runner.invoke(cli, ["index", "eval.jsonl", "-o", "c.tlidx"]).exit_code == 0
    raw = (data / "c.tlidx").read_bytes()
    (data / "damaged.tlidx").write_bytes(raw[:-40] + bytes([raw[-40] ^ 1]) + raw[-39:])
    (data / "foreign.tlidx").write_bytes(b"PK\x03\x04 not an index")
    # well-formed, checksummed, but written by something else: an older version, ids past the rows
    import dataclasses
    import hashlib

    from trainlint.evalindex import read_index

    old = raw[:8] + (1).to_bytes(4, "little") + raw[12:-32]
    (data / "old.tlidx").write_bytes(old + hashlib.blake2b(old, digest_size=32).digest())
    idx = read_index("c.tlidx")
    (data / "ids.tlidx").write_bytes(dataclasses.replace(idx, ids=idx.ids + idx.rows).to_bytes())
    for name, why in (("damaged.tlidx", "checksum"), ("foreign.tlidx", "no TLIDX header"),
                      ("old.tlidx", "format version 1"), ("ids.tlidx", "row id out of range")):
        res = runner.invoke(cli, ["check", "data.csv", "--isolated", "--against", name])
        assert res.exit_code == 2, res.output
        assert name in res.output and why in res.output and "Traceback" not in res.output
        assert len(res.output.strip().splitlines()) == 1, res.output


def test_index_never_written_over_an_input(data, monkeypatch):
    monkeypatch.chdir(data)
    before = (data / "eval.jsonl").read_bytes()
    res = CliRunner().invoke(cli, ["index", "eval.jsonl", "-o", "eval.jsonl"])
    assert res.exit_code == 2 and "overwrite" in res.output
    assert (data / "eval.jsonl").read_bytes() == before


def test_against_from_the_config_file(data, monkeypatch):
    (data / "cfg").mkdir(exist_ok=True)
    (data / "cfg" / "trainlint.toml").write_text('against = ["../eval.jsonl"]\nselect = ["LK002"]\n')
    monkeypatch.chdir(data)
    res = CliRunner().invoke(cli, ["check", "data.csv", "--config", "cfg/trainlint.toml", "-q"])
    assert res.exit_code == 1 and f"{PLANTED + SHORT} findings" in res.output, res.output
