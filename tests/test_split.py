"""trainlint split: on real data (banking77 train) every row lands in exactly one split, the same
seed gives the same bytes, no copy, near copy or group crosses a split, LK001 finds nothing."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from helpers import DATA
from trainlint.cli import cli
from trainlint.splitting import TOLERANCE, split

BANKING = DATA / "banking77" / "train.csv"
pytestmark = pytest.mark.skipif(not BANKING.exists(), reason="shared data not present")


def _records(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def test_banking77_split_keeps_every_row_once_and_no_leak(tmp_path):
    res = split(str(BANKING), test_size=0.2, valid_size=0.1, stratify="category", seed=3,
                output_dir=str(tmp_path / "a"))
    header, rows = _records(BANKING)
    parts = {n: _records(p) for n, (p,) in res.paths.items()}
    assert all(h == header for h, _ in parts.values())
    assert sum(len(r) for _, r in parts.values()) == len(rows)
    assert sorted(map(tuple, (r for _, rs in parts.values() for r in rs))) == sorted(map(tuple, rows))
    assert {n: len(r) for n, (_, r) in parts.items()} == {n: r.size for n, r in res.rows.items()}
    assert abs(len(parts["test"][1]) / len(rows) - 0.2) < 0.01
    # no normalised text in two splits
    seen = {}
    for n, (_, rs) in parts.items():
        for r in rs:
            key = " ".join(r[0].lower().split())
            assert seen.setdefault(key, n) == n, key
    assert res.leakage == 0
    assert res.max_label_gap() <= TOLERANCE


def test_same_seed_same_bytes_other_seed_other_split(tmp_path):
    runner = CliRunner()
    for d, seed in (("a", "1"), ("b", "1"), ("c", "2")):
        res = runner.invoke(cli, ["split", str(BANKING), "--seed", seed, "--stratify", "category",
                                  "--output-dir", str(tmp_path / d)])
        assert res.exit_code == 0, res.output
        assert "LK001): 0 findings" in res.output and "train" in res.output
    for name in ("train.csv", "test.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "test.csv").read_bytes() != (tmp_path / "c" / "test.csv").read_bytes()


def test_group_and_copies_never_cross(tmp_path):
    src = tmp_path / "data.jsonl"
    lines = []
    for k in range(200):
        text = f"Question number {k % 60} about topic {k % 7}" if k % 3 else f"Unique row {k} text here"
        lines.append(f'{{"text": "{text.upper() if k % 2 else text}", "label": "{"ab"[k % 2]}", "user": "u{k % 23}"}}')
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = split(str(src), test_size=0.25, group="user", seed=5, output_dir=str(tmp_path / "out"), check=False)
    import json

    where = {}
    for n, (p,) in res.paths.items():
        for line in open(p, encoding="utf-8"):
            r = json.loads(line)
            assert where.setdefault(("u", r["user"]), n) == n
            assert where.setdefault(("t", r["text"].lower()), n) == n
    assert sum(r.size for r in res.rows.values()) == 200


def test_frames_from_the_api_and_outputs_never_over_inputs(tmp_path):
    import trainlint

    res = trainlint.split(str(BANKING), test_size=0.3, seed=0)
    assert sum(len(f) for f in res.frames.values()) == 10003 and set(res.frames) == {"train", "test"}
    src = tmp_path / "train.csv"
    src.write_bytes(BANKING.read_bytes())
    before = src.read_bytes()
    out = CliRunner().invoke(cli, ["split", str(src), "--output-dir", str(tmp_path)])
    assert out.exit_code == 2 and "overwrite" in out.output
    assert src.read_bytes() == before and not (tmp_path / "test.csv").exists()


def _shards(tmp_path, k: int = 3, near: int = 20):
    """banking77 train as ``k`` CSV shards, with ``near`` near-copies (punctuation dropped, "!"
    added) of rows of the first shard appended to the last one: clusters across files."""
    import re

    header, rows = _records(BANKING)
    long_rows = [r for r in rows[: len(rows) // k] if len(r[0].split()) >= 12 and re.search(r"[,.?']", r[0])]
    long_rows = long_rows[:near]
    copies = [[re.sub(r"[^\w\s]", "", r[0]) + "!", r[1]] for r in long_rows]
    paths = []
    for i in range(k):
        part = rows[i * len(rows) // k:(i + 1) * len(rows) // k] + (copies if i == k - 1 else [])
        p = tmp_path / f"shard{i}.csv"
        with open(p, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([header] + part)
        paths.append(str(p))
    return paths, long_rows, copies


def test_shards_split_as_one_dataset(tmp_path):
    paths, originals, copies = _shards(tmp_path)
    runs = [split(paths, test_size=0.2, valid_size=0.1, stratify="category", seed=4,
                  output_dir=str(tmp_path / d)) for d in ("a", "b")]
    res = runs[0]
    assert res.leakage == 0 and res.max_label_gap() <= TOLERANCE
    assert {n: [p.rsplit("/", 1)[-1] for p in ps] for n, ps in res.paths.items()} == {
        n: [f"{n}-{i:05d}-of-00003.csv" for i in range(3)] for n in ("train", "test", "valid")}
    for ps, qs in zip(runs[0].paths.values(), runs[1].paths.values()):
        assert [open(p, "rb").read() for p in ps] == [open(q, "rb").read() for q in qs]
    # every input row once, each in an output file of its own input
    where = {}
    for i, src in enumerate(paths):
        header, rows = _records(src)
        out = []
        for n, ps in res.paths.items():
            h, rs = _records(ps[i])
            assert h == header
            out += rs
            for r in rs:
                where.setdefault(r[0], set()).add(n)
        assert sorted(map(tuple, out)) == sorted(map(tuple, rows))
    assert sum(r.size for r in res.rows.values()) == 10003 + len(copies)
    # the near-copies (in the last shard) are in the split of their original (in the first)
    assert all(where[c[0]] == where[o[0]] and len(where[c[0]]) == 1 for o, c in zip(originals, copies))


def test_cli_takes_several_inputs(tmp_path):
    paths, _o, _c = _shards(tmp_path, k=2, near=0)
    res = CliRunner().invoke(cli, ["split", *paths, "--seed", "1", "--output-dir", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "LK001): 0 findings" in res.output and "-> 2 files" in res.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "test-00000-of-00002.csv", "test-00001-of-00002.csv", "train-00000-of-00002.csv", "train-00001-of-00002.csv"]


def test_a_shard_without_the_group_column_is_a_usage_error(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"text": "first row here", "user": "u1"}\n', encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"text": "second row here"}\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["split", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"),
                                   "--group", "user", "--output-dir", str(tmp_path / "out")])
    assert res.exit_code == 2 and "--group user: no such column in" in res.output and "b.jsonl" in res.output
    assert not (tmp_path / "out").exists()
