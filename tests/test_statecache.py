"""The incremental-lint cache (``lint/statecache.py``): a warm run's report equals a cold run's,
byte for byte, whatever was edited between runs; damaged entries are rebuilt; the cap holds."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from trainlint.cli import cli
from trainlint.cacheio import MAGIC
from trainlint.statecache import StateCache

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
WORDS = "the cat sat on a mat while dogs ran far away from home and never came back again".split()


def _report(paths, *extra: str) -> str:
    res = CliRunner().invoke(cli, ["check", *map(str, paths), "--output-format", "json", "--no-progress",
                                   "--isolated", *extra], catch_exceptions=False)
    assert res.exit_code in (0, 1), res.output
    return res.output


def _same(paths, cache_dir, *extra: str) -> str:
    """The warm run (cache in ``cache_dir``) and a cold run (no cache) give the same report."""
    warm = _report(paths, "--cache", "--cache-dir", str(cache_dir), *extra)
    cold = _report(paths, "--no-cache", *extra)
    assert warm == cold
    return warm


def _line(rng: random.Random, i: int, fmt: str = "csv") -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 8)))
    if rng.random() < 0.1:
        text = "the cat sat on a mat"  # duplicates within and across files
    label = rng.choice(["pos", "neg", "", "neg"])
    if fmt == "jsonl":
        return json.dumps({"text": text, "label": label}) + "\n"
    return f'"{text}",{label}\n'


def _edit(rng: random.Random, path: Path, op: str, fmt: str) -> None:
    """One random edit.  The appends that are no clean append: a last line without its newline
    (the next append continues it), a quote left open (the next lines are inside it), a blank line."""
    if op.startswith("append"):
        extra = {"append": lambda: "".join(_line(rng, i, fmt) for i in range(rng.randint(1, 5))),
                 "append_unfinished": lambda: _line(rng, 0, fmt).rstrip("\n"),
                 "append_open_quote": lambda: '"an open quote,pos\n' if fmt == "csv" else '{"text": "open\n',
                 "append_blank": lambda: "\n"}[op]()
        with open(path, "a") as f:  # in place: the bytes before stay as they were
            f.write(extra)
        return
    lines = path.read_text().splitlines(keepends=True)
    head, body = (lines[:1], lines[1:]) if fmt == "csv" else ([], lines)
    at = rng.randint(0, len(body))
    if op == "insert":
        body.insert(at, _line(rng, at, fmt))
    elif op == "delete" and body:
        body.pop(min(at, len(body) - 1))
    elif op == "modify" and body:
        body[min(at, len(body) - 1)] = _line(rng, at, fmt)
    elif op == "replace":
        body = [_line(rng, i, fmt) for i in range(rng.randint(1, 30))]
    path.write_text("".join(head + body))


OPS = ["append", "append", "append_unfinished", "append_open_quote", "append_blank", "insert", "delete", "modify",
       "replace", "option"]


def test_warm_report_equals_cold_after_random_edits(tmp_path_factory, monkeypatch):
    """Random edits between runs, each example ending with an append: the warm report equals the
    cold one every time, and appends were read from where the cached content ended."""
    tails = []
    grown = StateCache.grown

    def counted(self, reader):
        found = grown(self, reader)
        tails.append(found is not None)
        return found

    monkeypatch.setattr(StateCache, "grown", counted)

    @settings(max_examples=14, deadline=None)
    @given(seed=st.integers(0, 2**32 - 1), ops=st.lists(st.sampled_from(OPS), min_size=1, max_size=4),
           fmt=st.sampled_from(["csv", "jsonl"]))
    def check(seed, ops, fmt):
        rng = random.Random(seed)
        tmp = tmp_path_factory.mktemp("edits")
        files = [tmp / f"train.{fmt}", tmp / f"test.{fmt}"]
        for f in files:
            f.write_text(("text,label\n" if fmt == "csv" else "")
                         + "".join(_line(rng, i, fmt) for i in range(rng.randint(5, 40))))
        cache = tmp / "cache"
        options = [(), ("--select", "DU,LB,LK,MV"), ("--label", "text")]
        opt = ()
        _same(files, cache, *opt)
        for op in ops + ["append"]:
            if op == "option":
                opt = rng.choice(options)
            else:
                _edit(rng, rng.choice(files), op, fmt)
            _same(files, cache, *opt)

    check()
    assert any(tails), "no append was read from where the cached content ended"
    assert not all(tails)


def test_real_data_edits_hit_the_cache(tmp_path):
    """banking77's two splits: an unchanged run hits every entry, an edited split misses only itself."""
    for name in ("train.csv", "test.csv"):
        shutil.copy(DATA / "banking77" / name, tmp_path / name)
        os.chmod(tmp_path / name, 0o644)
    files = [tmp_path / "train.csv", tmp_path / "test.csv"]
    cache = tmp_path / "cache"
    first = _same(files, cache)
    assert len(list((cache / "entries").rglob("*"))) >= 2
    assert _same(files, cache) == first
    rng = random.Random(17)
    for op in ("append", "modify", "delete"):
        lines = files[1].read_text().splitlines(keepends=True)
        k = rng.randint(1, len(lines) - 1)
        if op == "append":
            lines.append(lines[5])  # a duplicate of a test row, and of train rows
        elif op == "modify":
            lines[k] = lines[k].replace("card", "cards")
        else:
            lines.pop(k)
        files[1].write_text("".join(lines))
        _same(files, cache)


def test_sms_spam_warm_equals_cold(tmp_path):
    src = tmp_path / "sms.tsv"
    shutil.copy(DATA / "sms_spam" / "SMSSpamCollection", src)
    os.chmod(src, 0o644)
    args = ("--input-format", "tsv", "--no-header")
    _same([src], tmp_path / "c", *args)
    with open(src, "a") as f:
        f.write("spam\tWINNER!! claim your prize now\n")
    _same([src], tmp_path / "c", *args)


def test_repeated_appends_stay_exact_and_small(tmp_path, monkeypatch):
    """Appends are stored as links to the earlier content (a chain, stored whole again after
    MAX_LINKS); every report equals a cold one and the cache keeps one chain, not every version."""
    from trainlint.statecache import MAX_LINKS

    tails = []
    grown = StateCache.grown
    monkeypatch.setattr(StateCache, "grown", lambda self, r: tails.append(grown(self, r)) or tails[-1])
    rng = random.Random(5)
    f = tmp_path / "a.jsonl"
    f.write_text("".join(_line(rng, i, "jsonl") for i in range(30)))
    cache = tmp_path / "c"
    _same([f], cache)
    for k in range(MAX_LINKS + 3):
        with open(f, "a") as out:
            out.write("".join(_line(rng, i, "jsonl") for i in range(3)))
        _same([f], cache)
        assert tails[-1] is not None, f"append {k} was read whole"
    # a chain of at most MAX_LINKS entries, the anchor, the run's result and its pointer
    assert len(_entries(cache)) <= MAX_LINKS + 3


def _entries(cache: Path) -> list[Path]:
    return [p for p in (cache / "entries").rglob("*") if p.is_file()]


def test_damaged_and_foreign_entries_are_rebuilt(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("text,label\nhello there,a\nhello there,b\n,a\n")
    cache = tmp_path / "c"
    first = _same([f], cache)
    # the file's states, its anchor (appends), the finished run over it and the pointer to that run
    assert len(_entries(cache)) == 4
    for e in _entries(cache):
        e.write_bytes(e.read_bytes()[:20])  # cut short
    assert _same([f], cache) == first
    for e in _entries(cache):
        e.write_bytes(b"XXXX" + e.read_bytes()[4:])  # another format's entry
    assert _same([f], cache) == first
    assert all(e.read_bytes()[:4] == MAGIC for e in _entries(cache))
    run_entry = max(_entries(cache), key=lambda e: e.stat().st_size)
    run_entry.unlink()  # only the file's states left: finish runs again on them
    assert _same([f], cache) == first


def test_lru_eviction_keeps_the_cap(tmp_path):
    cache = StateCache(str(tmp_path / "c"), [], None, max_bytes=3000)
    blobs = [os.urandom(1000) for _ in range(10)]  # incompressible: entries are zstd-compressed
    for i in range(10):
        cache.store(f"{i:02d}" + "k" * 30, blobs[i])
        os.utime(cache._entry(f"{i:02d}" + "k" * 30), (1000 + i, 1000 + i))
    assert sum(p.stat().st_size for p in _entries(tmp_path / "c")) <= 3000
    assert cache.load("09" + "k" * 30) == blobs[9]  # the newest stays
    assert cache.load("00" + "k" * 30) is None


def test_uncacheable_rule_bypasses_the_cache(tmp_path, monkeypatch):
    from trainlint.registry import find_rule

    f = tmp_path / "a.csv"
    f.write_text("text,label\nx,a\nx,a\n")
    monkeypatch.setattr(find_rule("DU001"), "cacheable", False)
    _same([f], tmp_path / "c")
    assert not (tmp_path / "c").exists()


def test_clean_dry_run_prints_size_and_keeps(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("text,label\nx,a\n")
    cache = tmp_path / "c"
    _same([f], cache)
    out = CliRunner().invoke(cli, ["clean", "--cache-dir", str(cache), "--dry-run"]).output
    assert "would remove" in out and "MB" in out and cache.exists()
    out = CliRunner().invoke(cli, ["clean", "--cache-dir", str(cache)]).output
    assert "removed" in out and not cache.exists()


def test_clean_refuses_a_folder_that_is_no_cache(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    CliRunner().invoke(cli, ["clean", "--cache-dir", str(tmp_path)])
    assert (tmp_path / "keep.txt").exists()



def test_cli_caches_by_default_and_lint_does_not(tmp_path, monkeypatch):
    """`trainlint check` keeps .trainlint_cache next to the config (here: the working directory)
    unless told not to; ``trainlint.lint`` writes nothing unasked."""
    import trainlint

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRAINLINT_NO_CACHE")
    (tmp_path / "a.csv").write_text("text,label\nx,a\nx,a\n")
    trainlint.lint("a.csv")
    assert not (tmp_path / ".trainlint_cache").exists()
    _report(["a.csv"])
    assert (tmp_path / ".trainlint_cache" / "entries").is_dir()
    assert (tmp_path / ".trainlint_cache" / ".gitignore").exists()
    CliRunner().invoke(cli, ["clean"])
    assert not (tmp_path / ".trainlint_cache").exists()
    monkeypatch.setenv("TRAINLINT_NO_CACHE", "1")
    _report(["a.csv"])
    assert not (tmp_path / ".trainlint_cache").exists()
    monkeypatch.delenv("TRAINLINT_NO_CACHE")
    (tmp_path / "trainlint.toml").write_text("cache = false\n")
    res = CliRunner().invoke(cli, ["check", "a.csv", "--no-progress"])
    assert res.exit_code in (0, 1), res.output
    assert not (tmp_path / ".trainlint_cache").exists()


def test_parquet_is_cached_by_row_group(tmp_path, monkeypatch):
    """A Parquet file rewritten with a row group appended reads only that row group; one with a
    row group replaced reads it and those after it (their offsets moved); reports equal cold ones."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import trainlint.engines.local as local

    rng = random.Random(3)
    linted = []
    lint_file = local._lint_file
    monkeypatch.setattr(local, "_lint_file", lambda spec, rules, progress, blocks=None:
                        linted.append(1) or lint_file(spec, rules, progress, blocks))

    def rows(n):
        return pa.table({"text": [" ".join(rng.choice(WORDS) for _ in range(4)) for _ in range(n)],
                         "label": [rng.choice(["pos", "neg"]) for _ in range(n)]})

    def write(groups):
        with pq.ParquetWriter(f, groups[0].schema) as w:
            for g in groups:
                w.write_table(g)

    f = tmp_path / "train.parquet"
    groups = [rows(300) for _ in range(3)]
    for edit, expect in ((lambda: None, 3), (lambda: groups.append(rows(40)), 1),
                         (lambda: groups.__setitem__(1, rows(300)), 3), (lambda: None, 0)):
        edit()
        write(groups)
        linted.clear()
        _same([f], tmp_path / "c")
        assert len(linted) == expect


def test_process_engine_reuses_an_unchanged_run(tmp_path, monkeypatch):
    """--jobs 2: an unchanged run is returned from the cache without running the engine; a
    changed file runs it again; reports equal cold ones."""
    from trainlint.engines.processes import ProcessEngine

    runs = []
    run = ProcessEngine.run
    monkeypatch.setattr(ProcessEngine, "run", lambda self, *a, **k: runs.append(1) or run(self, *a, **k))
    f = tmp_path / "a.csv"
    f.write_text("text,label\n" + "".join(_line(random.Random(2), i) for i in range(50)))

    def warm() -> str:
        out = _report([f], "--cache", "--cache-dir", str(tmp_path / "c"), "--jobs", "2")
        note, _, report = out.partition("\n")  # --cache asked for: what the cache does with --jobs
        assert note.startswith("note: with --jobs/--engine the cache keeps whole runs only")
        return report

    cold = _report([f], "--no-cache", "--jobs", "2")
    runs.clear()
    assert warm() == cold
    assert warm() == cold
    assert len(runs) == 1
    with open(f, "a") as out:
        out.write('"the cat sat on a mat",pos\n')
    assert warm() == _report([f], "--no-cache", "--jobs", "2")
    assert len(runs) == 3
