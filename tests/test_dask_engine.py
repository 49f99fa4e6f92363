"""The Dask engine gives the local engine's findings and cleaned output, byte for byte.

Everything runs on one LocalCluster (2 worker processes, 1 thread each) made once for the module.
Inputs are cut into many small blocks so that states really are merged in a tree on the workers.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip(
    "distributed", reason="the dask engine needs Dask: pip install 'trainlint[dask]' (CI installs it)")

from helpers import DATA, spy_finish_states  # noqa: E402
from trainlint.clean import write_outputs  # noqa: E402
from trainlint.config import Settings  # noqa: E402
from trainlint.engines.dask import DaskEngine  # noqa: E402
from trainlint.sources.filerange import FileRange  # noqa: E402
from trainlint.engines.local import LocalEngine  # noqa: E402
from trainlint.registry import find_rule  # noqa: E402
from trainlint.report import Report  # noqa: E402
from trainlint.runner import Inputs, build_rules  # noqa: E402
from trainlint.sources import ReadOptions, open_sources  # noqa: E402
from trainlint.testing import make_specs  # noqa: E402


def _load_cases():
    path = Path(__file__).parent / "rules" / "test_rule_cases.py"
    spec = importlib.util.spec_from_file_location("_trainlint_rule_cases", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.ALL


CASES = _load_cases()
REAL = {
    "sms_spam": [DATA / "sms_spam" / "SMSSpamCollection"],
    "titanic": [DATA / "titanic" / "titanic.csv"],
    "banking77": [DATA / "banking77"],
    "alpaca": [DATA / "chat" / "alpaca_en_demo.json"],
    "uci_sentiment": [DATA / "uci_sentiment"],
}


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=40)
    c = distributed.Client(cluster, set_as_default=False)
    yield c
    c.close()
    cluster.close()


def _dicts(result):
    return [f.to_dict() for f in result.findings]


# -- every YAML rule case ------------------------------------------------------------------------

def _case_specs(case, tmp_path, small: bool):
    roles = dict(case.get("roles") or {})
    if "files" in case:
        paths = []
        for f in case["files"]:
            p = tmp_path / f["name"]
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(f["content"].encode("utf-8") if "content" in f else bytes.fromhex(f["hex"]))
            paths.append(str(p))
        read = dict(case.get("read") or {})
        opts = ReadOptions(batch_rows=1, block_bytes=16, **read) if small else ReadOptions(**read)
        text = roles.get("text")
        return open_sources(paths, opts, text=(text,) if isinstance(text, str) else text,
                            label=roles.get("label"), split_column=roles.get("split_column"),
                            record_format=roles.get("format"))
    sources = case.get("sources") or [{"path": "data.jsonl", "records": case.get("records") or [],
                                       "split": case.get("split")}]
    return make_specs(sources, 1 if small else 1 << 20, roles)


@pytest.mark.parametrize("code,case", CASES, ids=[f"{c}-{k['name']}" for c, k in CASES])
def test_rule_case_same_as_local(client, code, case, tmp_path):
    from trainlint.testing import case_options

    cls = find_rule(code)
    tests = str(Path(__file__).resolve().parent)
    options = case_options(case.get("options"), tests)  # as tests/rules/test_rule_cases.py
    rule = cls(cls.make_options(options))
    local = LocalEngine().run(_case_specs(case, tmp_path, small=False), [rule])
    # one record per block: every row its own task, states merged in a tree of tasks
    dask = DaskEngine(client).run(_case_specs(case, tmp_path, small=True), [rule])
    assert _dicts(dask) == _dicts(local)
    assert dask.rows_by_source == local.rows_by_source


# -- the real datasets, every rule, and the cleaned copy ---------------------------------------------

def _report(paths, engine, block_bytes: int = 1 << 23, progress=None) -> Report:
    settings = Settings(select=("ALL",))
    rules = build_rules(settings)
    specs = open_sources([str(p) for p in paths], ReadOptions(block_bytes=block_bytes))
    result = engine.run(specs, rules, progress)
    sources = [s.info.to_dict(result.rows_by_source.get(s.info.index, 0)) for s in specs]
    return Report(result.findings, sources, result.stats, settings.fail_on, rules, Inputs([str(p) for p in paths], settings))


def _tree(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", list(REAL))
def test_real_dataset_same_findings_and_cleaned_copy(client, name, tmp_path):
    paths = REAL[name]
    local = _report(paths, LocalEngine())
    dask = _report(paths, DaskEngine(client), block_bytes=64 << 10)
    assert len(local.findings) > 0
    assert [f.to_dict() for f in dask.findings] == [f.to_dict() for f in local.findings]
    assert dask.sources == local.sources
    assert dask.stats == local.stats
    write_outputs(local, local.inputs, str(tmp_path / "local"), unsafe=True)
    write_outputs(dask, dask.inputs, str(tmp_path / "dask"), unsafe=True)
    a, b = _tree(tmp_path / "local"), _tree(tmp_path / "dask")
    assert a and a == b


def test_bytes_shipped_same_as_ranges_read_by_workers(client):
    paths = REAL["sms_spam"] + REAL["titanic"]
    ranged = _report(paths, DaskEngine(client), block_bytes=32 << 10)
    shipped = _report(paths, DaskEngine(client, read_on_workers=False), block_bytes=32 << 10)
    assert [f.to_dict() for f in ranged.findings] == [f.to_dict() for f in shipped.findings]


def test_ranges_cover_the_file_exactly(tmp_path):
    """Each JSONL range holds exactly the bytes the reader cut, BOM and CRLF included."""
    p = tmp_path / "bom.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + b"".join(b'{"text": "row %d", "label": "x"}\r\n' % i for i in range(3000)))
    (spec,) = open_sources([str(p)], ReadOptions(block_bytes=4096))
    raw = p.read_bytes()
    blocks = list(spec.reader.blocks_by_range())
    assert len(blocks) > 5 and all(isinstance(b.payload, FileRange) for b in blocks)
    for b, orig in zip(blocks, spec.reader.blocks(), strict=True):
        r = b.payload
        assert raw[r.offset:r.offset + r.length] == orig.payload[0]
        assert b.first_row == orig.first_row and r.rest[0].size == orig.payload[1].size


@pytest.mark.parametrize("name,header", [("gaps.csv", b"text,label\n"), ("gaps.jsonl", b"")])
def test_chunks_without_records_keep_ranges_exact(client, tmp_path, name, header):
    """A chunk holding only the header or only blank lines yields no block, so the next block
    does not start where the last one ended: the engine finds its bytes in the file.  Lines on
    findings stay exact."""
    rec = (lambda t, lab: b"%s,%s\n" % (t, lab)) if header else (
        lambda t, lab: b'{"text": "%s", "label": "%s"}\n' % (t, lab))
    p = tmp_path / name
    p.write_bytes(header + rec(b"hello", b"a") + rec(b"", b"b") + b"\n" * 200 + rec(b"world", b"")
                  + rec(b"", b"c") + rec(b"hello", b"a"))
    (spec,) = open_sources([str(p)], ReadOptions(block_bytes=16))
    if not header:
        kinds = [isinstance(b.payload, FileRange) for b in spec.reader.blocks_by_range()]
        assert len(kinds) >= 3 and all(kinds)
    local = _report([p], LocalEngine())
    dask = _report([p], DaskEngine(client), block_bytes=16)
    assert [f.to_dict() for f in dask.findings] == [f.to_dict() for f in local.findings]
    assert {f.line for f in local.findings if f.row is not None} >= {203 + bool(header), 205 + bool(header)}


def test_memory_filesystem_end_to_end(client):
    import fsspec
    import pandas as pd

    import trainlint

    fs = fsspec.filesystem("memory")
    rows = [{"text": f"sentence number {i % 40}", "label": "ab"[i % 2]} for i in range(200)]
    rows[7]["text"] = None
    df = pd.DataFrame(rows)
    fs.pipe("/tl/a.jsonl", df.to_json(orient="records", lines=True).encode())
    fs.pipe("/tl/b.csv", df.to_csv(index=False).encode())
    with fs.open("/tl/c.parquet", "wb") as f:
        df.to_parquet(f, row_group_size=30)
    paths = ["memory://tl/a.jsonl", "memory://tl/b.csv", "memory://tl/c.parquet"]
    local = trainlint.lint(paths, select="ALL")
    dask = trainlint.lint(paths, select="ALL", engine="dask", scheduler=client)
    assert len(local.findings) > 10
    assert {f.source for f in local.findings} == set(paths)
    assert [f.to_dict() for f in dask.findings] == [f.to_dict() for f in local.findings]


def test_file_changed_after_cutting_is_an_error(tmp_path):
    """A worker reading a range that no longer holds the bytes the client cut stops the run."""
    from trainlint.engines.dask_tasks import read_range
    from trainlint.errors import SourceError

    p = tmp_path / "live.jsonl"
    p.write_bytes(b"".join(b'{"text": "line %05d", "label": "a"}\n' % i for i in range(400)))
    (spec,) = open_sources([str(p)], ReadOptions(block_bytes=4096))
    blocks = list(spec.reader.blocks_by_range())
    assert read_range(blocks[1]).payload[0] == list(spec.reader.blocks())[1].payload[0]
    p.write_bytes(p.read_bytes().replace(b"line 001", b"LINE 001"))  # same size, other bytes
    with pytest.raises(SourceError, match="changed while it was being linted"):
        read_range(blocks[1])


# -- workers dying ------------------------------------------------------------------------------

def test_worker_killed_mid_run_completes_with_same_output(client, tmp_path):
    """A worker process killed (SIGKILL) in the middle: its tasks are recomputed elsewhere, the
    nanny restarts it, and findings and cleaned copy are still the local engine's."""
    paths = [DATA / "banking77" / "train.csv"]
    pids = client.run(os.getpid)
    killed = []

    def kill_one(_rows):
        if not killed:
            pid = next(iter(pids.values()))
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    local = _report(paths, LocalEngine())
    dask = _report(paths, DaskEngine(client, blocks_in_flight=2, merge_height=1), block_bytes=32 << 10,
                   progress=kill_one)
    assert killed
    assert [f.to_dict() for f in dask.findings] == [f.to_dict() for f in local.findings]
    write_outputs(local, local.inputs, str(tmp_path / "local"), unsafe=True)
    write_outputs(dask, dask.inputs, str(tmp_path / "dask"), unsafe=True)
    assert _tree(tmp_path / "local") == _tree(tmp_path / "dask")
    client.wait_for_workers(2, timeout=60)


def test_workers_lost_too_often_fail_cleanly_without_output(tmp_path):
    """With no failure allowed, a worker killed while running a block stops the run: one clear
    line on stderr, exit code 2, and nothing in --output-dir."""
    import dask
    from click.testing import CliRunner

    from trainlint.cli import cli

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", silence_logs=50)
    try:
        with distributed.Client(cluster, set_as_default=False) as c:
            pid = next(iter(c.run(os.getpid).values()))
        scheduler = cluster.scheduler
        stop = threading.Event()

        def killer():
            while not stop.is_set():
                try:
                    busy = [ts for ts in list(scheduler.tasks.values())
                            if str(ts.key).startswith("trainlint-block") and ts.state == "processing"]
                except RuntimeError:  # the dict changed while we looked
                    busy = []
                if busy:  # a worker lost with a task on it makes the task suspicious
                    os.kill(pid, signal.SIGKILL)
                    return
                time.sleep(0.002)

        t = threading.Thread(target=killer, daemon=True)
        t.start()
        out = tmp_path / "clean"
        res = CliRunner().invoke(cli, [
            "check", str(DATA / "banking77" / "train.csv"), "--select", "ALL", "--fix",
            "--output-dir", str(out), "--scheduler", cluster.scheduler_address, "--no-progress"])
        stop.set()
        t.join(5)
    finally:
        cluster.close()
    assert res.exit_code == 2, res.output
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and "lost the workers" in err[0] and "nothing was written" in err[0], err
    assert not out.exists() or not any(out.rglob("*"))


# -- the command line --------------------------------------------------------------------------

def test_cli_scheduler_gives_the_local_report(client, tmp_path):
    from click.testing import CliRunner

    from trainlint.cli import cli

    path = str(DATA / "sms_spam" / "SMSSpamCollection")
    args = ["check", path, "--isolated", "--no-progress", "--output-format", "json"]
    local = CliRunner().invoke(cli, args + ["--output-file", str(tmp_path / "local.json")])
    dask = CliRunner().invoke(cli, args + ["--output-file", str(tmp_path / "dask.json"),
                                           "--scheduler", client.scheduler.address])
    assert local.exit_code == dask.exit_code == 1, (local.output, dask.output)
    assert (tmp_path / "local.json").read_text() == (tmp_path / "dask.json").read_text()


def test_cli_scheduler_with_process_engine_is_a_usage_error(tmp_path):
    from click.testing import CliRunner

    from trainlint.cli import cli

    res = CliRunner().invoke(cli, ["check", str(DATA / "titanic" / "titanic.csv"), "--engine", "processes",
                                   "--scheduler", "tcp://127.0.0.1:8786"])
    assert res.exit_code == 2
    assert "--scheduler" in res.stderr and "--engine dask" in res.stderr


def test_missing_dask_names_the_extra(monkeypatch):
    import sys

    from trainlint.engines import get_engine
    from trainlint.errors import UsageError

    monkeypatch.delitem(sys.modules, "trainlint.engines.dask", raising=False)
    monkeypatch.setitem(sys.modules, "distributed", None)  # what an environment without Dask looks like
    with pytest.raises(UsageError, match=r"pip install 'trainlint\[dask\]'"):
        get_engine("dask")


def test_parquet_row_groups_and_gzip_read_by_workers(client, tmp_path):
    """Parquet row groups are opened by the workers; a gzip file cannot be read by range, so its
    bytes are shipped.  Both give the local engine's findings and cleaned copy."""
    import gzip

    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    src = DATA / "titanic" / "titanic.csv"
    pq.write_table(pacsv.read_csv(src), tmp_path / "titanic.parquet", row_group_size=100)
    (tmp_path / "sms.tsv.gz").write_bytes(gzip.compress((DATA / "sms_spam" / "SMSSpamCollection").read_bytes()))
    paths = [tmp_path / "titanic.parquet", tmp_path / "sms.tsv.gz"]
    local = _report(paths, LocalEngine())
    dask = _report(paths, DaskEngine(client), block_bytes=64 << 10)
    assert {f.source for f in local.findings} >= {str(p) for p in paths}
    assert [f.to_dict() for f in dask.findings] == [f.to_dict() for f in local.findings]
    write_outputs(local, local.inputs, str(tmp_path / "out_local"), unsafe=True)
    write_outputs(dask, dask.inputs, str(tmp_path / "out_dask"), unsafe=True)
    assert _tree(tmp_path / "out_local") == _tree(tmp_path / "out_dask")


# -- near-duplicates: band hashes and texts stay on the workers -----------------------------------

@pytest.mark.parametrize("partitions", [1, 3])
def test_near_duplicates_shuffled_on_workers(client, partitions, monkeypatch):
    """DU002/LB001/LK001 on real data with near-duplicate clusters: the band-hash shuffle and the
    verification run on the workers (several partitions and verification tasks), the client's
    merged state holds keys only, and findings and stats are the local engine's."""
    import trainlint.engines.dask as de
    import trainlint.engines.dask_tasks as dt

    seen = spy_finish_states(monkeypatch, de)
    monkeypatch.setattr(dt.DaskExecutor, "min_piece", 20)  # several verification tasks
    shuffles = []
    real = dt.DaskExecutor.shuffle

    def shuffle(self, handles, *a, **kw):
        shuffles.append(len(handles))
        return real(self, handles, *a, **kw)

    monkeypatch.setattr(dt.DaskExecutor, "shuffle", shuffle)
    paths = REAL["banking77"] + REAL["sms_spam"]
    # LB001's near matching is off by default: turned on (with word differences allowed) so that its
    # shuffle runs too
    rules = lambda: build_rules(Settings(select=("DU002", "LB001", "LK001"), rules={  # noqa: E731
        "conflicting-label": {"near": True, "max-word-diff": 0.2}}))
    local = LocalEngine().run(open_sources([str(p) for p in paths], ReadOptions()), rules())
    dask = DaskEngine(client, shuffle_partitions=partitions).run(
        open_sources([str(p) for p in paths], ReadOptions(block_bytes=64 << 10)), rules())
    assert {f.code for f in local.findings} == {"DU002", "LB001", "LK001"}
    assert max(f.related and sum(g.group == f.group for g in local.findings if g.code == "DU002")
               for f in local.findings if f.code == "DU002") >= 2
    assert _dicts(dask) == _dicts(local)
    assert dask.stats == local.stats
    for code in ("DU002", "LB001", "LK001"):
        st = seen[code][0] if code == "LB001" else seen[code]
        assert len(st.parts) > 10 and all(c[5] is None and c[7] is None for c in st.chunks)
    assert len(shuffles) >= 6 and min(shuffles) > 10  # two per rule, over the parts on the workers


def test_near_duplicates_without_detaching_same_findings(client):
    paths = REAL["sms_spam"]
    on = _report(paths, DaskEngine(client), block_bytes=64 << 10)
    off = _report(paths, DaskEngine(client, detach=False), block_bytes=64 << 10)
    assert [f.to_dict() for f in on.findings] == [f.to_dict() for f in off.findings]
    assert on.stats == off.stats


# -- the cleaned copy written on the workers ------------------------------------------------------

def _shards(tmp_path, n: int = 4) -> Path:
    """SMS Spam Collection cut into ``n`` TSV shards (one file per shard)."""
    lines = (DATA / "sms_spam" / "SMSSpamCollection").read_bytes().splitlines(keepends=True)
    d = tmp_path / "shards"
    d.mkdir()
    per = -(-len(lines) // n)
    for k in range(n):
        (d / f"part-{k:03d}.tsv").write_bytes(b"".join(lines[k * per:(k + 1) * per]))
    return d


def _write_on_workers(client, paths, out, tasks=None):
    with DaskEngine(client, write_on_workers=True) as engine:
        report = _report(paths, engine, block_bytes=32 << 10)
        with distributed.get_task_stream(client) as ts:
            write_outputs(report, report.inputs, str(out), unsafe=True, tasks=tasks or engine.tasks)
    return report, [t for t in ts.data if str(t["key"]).startswith("trainlint-write-")]


def test_cleaned_copy_written_on_workers_per_shard(client, tmp_path):
    shards = _shards(tmp_path)
    paths = sorted(shards.iterdir()) + [DATA / "banking77"]
    local = _report(paths, LocalEngine())
    write_outputs(local, local.inputs, str(tmp_path / "local"), unsafe=True)
    _report_, writes = _write_on_workers(client, paths, tmp_path / "dask")
    assert len(writes) == len(local.sources) >= 6  # one task per input file, on the workers
    a, b = _tree(tmp_path / "local"), _tree(tmp_path / "dask")
    assert len(a) == 2 * len(local.sources) and a == b


def test_worker_killed_mid_write_leaves_no_partial_file(client, tmp_path):
    """The first write task kills its worker after writing part of its file: the task runs again
    elsewhere, the outputs are the local engine's, and the half-written temporary is gone."""
    from helpers import DieMidWrite
    from trainlint.clean import _write_one

    paths = sorted(_shards(tmp_path).iterdir())
    local = _report(paths, LocalEngine())
    write_outputs(local, local.inputs, str(tmp_path / "local"), unsafe=True)
    marker = tmp_path / "died"
    with DaskEngine(client, write_on_workers=True) as engine:
        report = _report(paths, engine, block_bytes=32 << 10)
        write_outputs(report, report.inputs, str(tmp_path / "dask"), unsafe=True,
                      tasks=lambda fn, calls: engine.tasks(DieMidWrite(fn, str(marker)), calls))
    assert marker.exists() and _write_one
    assert _tree(tmp_path / "local") == _tree(tmp_path / "dask")
    client.wait_for_workers(2, timeout=60)


def test_write_failing_for_good_leaves_nothing(tmp_path):
    """With no failure allowed, the worker killed mid-write stops the run with one clear error,
    and the output folder holds no file at all (no cleaned copy, no rejects, no temporary)."""
    import dask

    from helpers import DieMidWrite
    from trainlint.errors import TrainlintError

    paths = sorted(_shards(tmp_path).iterdir())
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=":0", silence_logs=50)
    try:
        with distributed.Client(cluster, set_as_default=False) as c, DaskEngine(c, write_on_workers=True) as engine:
            report = _report(paths, engine, block_bytes=32 << 10)
            with pytest.raises(TrainlintError, match="lost the workers.*nothing was written"):
                write_outputs(report, report.inputs, str(tmp_path / "out"), unsafe=True,
                              tasks=lambda fn, calls: engine.tasks(DieMidWrite(fn, str(tmp_path / "died")), calls))
    finally:
        cluster.close()
    assert (tmp_path / "died").exists()
    assert [p for p in (tmp_path / "out").rglob("*") if p.is_file()] == []


def test_cli_fix_on_own_cluster_writes_on_workers_same_bytes(tmp_path):
    """`trainlint check SHARDS --engine dask --jobs 2 --fix`: the CLI path (one cluster for the run
    and the writing) gives the local engine's cleaned copy and rejects, byte for byte."""
    from click.testing import CliRunner

    from trainlint.cli import cli

    shards = _shards(tmp_path, 3)
    args = ["check", str(shards), "--isolated", "--no-progress", "--select", "ALL", "--unsafe-fixes", "--fix",
            "--exit-zero", "-q"]
    local = CliRunner().invoke(cli, args + ["--output-dir", str(tmp_path / "local")])
    dask = CliRunner().invoke(cli, args + ["--output-dir", str(tmp_path / "dask"), "--engine", "dask",
                                           "--jobs", "2"])
    assert local.exit_code == dask.exit_code == 0, (local.output, dask.output)
    a, b = _tree(tmp_path / "local"), _tree(tmp_path / "dask")
    assert len(a) == 6 and a == b
    assert local.stderr.replace(str(tmp_path / "local"), "D") == dask.stderr.replace(str(tmp_path / "dask"), "D")
