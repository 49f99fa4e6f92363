"""Hostile and broken input (issue 23, issue 22 point 4): never a crash, a hang, unbounded memory or
an overwritten input.  Each test is a reproducer from the issues; each failed before its fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import DATA, digest
from trainlint.cli import cli

YOUTUBE = DATA / "encoding" / "youtube01_psy_not_utf8.csv"


@pytest.fixture()
def cwd(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRAINLINT_DEBUG", raising=False)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(cli, ["check", "--isolated", "--no-progress", *args], catch_exceptions=False)


def one_error_line(r, *words: str) -> None:
    """Exit 2 with one line on stderr that says all ``words``, never an internal error."""
    assert r.exit_code == 2, r.output
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "internal error" not in err
    for w in words:
        assert w in err, err


def findings(r) -> list[dict]:
    return json.loads(r.stdout)["findings"]


# -- file-wide causes (issue 22 point 4) ---------------------------------------------------------
def test_wrong_encoding_is_one_file_level_finding():
    r = run(str(YOUTUBE), "--select", "IR001", "--output-format", "json")
    assert r.exit_code == 1
    fs = findings(r)
    assert len(fs) == 1  # was 341 invalid-record lines
    msg = fs[0]["message"]
    assert fs[0]["row"] is None and "341 of 350 lines" in msg and "--encoding mac_latin2" in msg
    assert "first: line 4, 5, 7" in msg
    # read in the encoding it looks like: every row is linted
    assert json.loads(r.stdout)["sources"][0]["rows"] == 350


def test_wrong_encoding_fix_refuses_with_the_hint(cwd):
    r = run(str(YOUTUBE), "--fix", "--output-dir", "out")
    one_error_line(r, "--encoding mac_latin2", "file-wide")
    assert not (cwd / "out").exists() or not any((cwd / "out").iterdir())


def test_wrong_encoding_with_the_suggested_encoding_lints_cleanly(cwd):
    r = run(str(YOUTUBE), "--select", "IR001", "--encoding", "mac_latin2", "--output-format", "json")
    assert r.exit_code == 0 and findings(r) == []
    r = run(str(YOUTUBE), "--select", "IR001", "--encoding", "mac_latin2", "--fix", "--output-dir", "out")
    assert r.exit_code == 0, r.output
    assert "kept 350, rejected 0" in r.stderr


def test_tsv_full_of_commas_is_said_once(cwd):
    Path("c.tsv").write_text("text,label\nhello world,a\nbye now,b\nsee you,a\n")
    r = run("c.tsv", "--select", "IR001", "--output-format", "json")
    fs = findings(r)
    assert len(fs) == 1 and "no tab" in fs[0]["message"] and "comma-separated" in fs[0]["message"]
    src = json.loads(r.stdout)["sources"][0]
    assert src["columns"] == ["text", "label"] and src["rows"] == 3


def test_png_renamed_csv_is_not_a_csv_file(cwd):
    Path("img.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    one_error_line(run("img.csv"), "img.csv", "not a CSV file", "PNG")


def test_binary_without_magic_is_not_a_jsonl_file(cwd):
    Path("x.jsonl").write_bytes(b"{\x00\x01\x02" * 500)
    one_error_line(run("x.jsonl"), "x.jsonl", "not a JSON Lines file")


def test_bare_cr_line_ends_say_what_to_do(cwd):
    Path("cr.csv").write_bytes(b"text,label\rhello,a\rbye,b\r")
    one_error_line(run("cr.csv"), "cr.csv", "bare CR", "tr ")


# -- output paths (issue 23 point 2) -------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ("--output-format", "json", "--output-file", "train.csv"),
    ("-o", "json:train.csv"),
    ("-o", "text:./sub/../train.csv"),
    ("-o", "json:link.csv"),
    ("--fix", "--output-dir", "."),
])
def test_no_output_overwrites_an_input(cwd, args):
    Path("train.csv").write_text("text,label\nthe cat sat,a\nthe dog ran,b\n")
    Path("sub").mkdir()
    Path("link.csv").symlink_to("train.csv")
    before = digest(Path("train.csv"))
    one_error_line(run("train.csv", *args), "is the input")
    assert digest(Path("train.csv")) == before
    assert sorted(p.name for p in cwd.iterdir()) == ["link.csv", "sub", "train.csv"]


def test_output_dir_that_cannot_be_made_is_one_line_and_writes_nothing(cwd):
    Path("blocker").write_text("a file, not a folder\n")
    r = run(str(DATA / "titanic" / "titanic.csv"), "--fix", "--output-dir", "blocker/clean")
    one_error_line(r, "--output-dir blocker/clean", "cannot write", "choose a folder")
    assert sorted(p.name for p in cwd.iterdir()) == ["blocker"]


def test_output_over_an_input_found_in_a_directory(cwd):
    Path("data").mkdir()
    Path("data/a.csv").write_text("text,label\nthe cat sat,a\n")
    one_error_line(run("data", "-o", "json:data/a.csv"), "is the input data/a.csv")


def test_ensure_not_an_input_hard_link(tmp_path):
    import os

    from trainlint.errors import UsageError
    from trainlint.paths import ensure_not_an_input

    a = tmp_path / "a.csv"
    a.write_text("x\n")
    os.link(a, tmp_path / "b.csv")
    with pytest.raises(UsageError, match="is the input"):
        ensure_not_an_input(str(tmp_path / "b.csv"), [str(a)])
    ensure_not_an_input(str(tmp_path / "new.json"), [str(a)])  # a new file is fine


# -- malformed records are findings at file:line (issue 23 points 1, 3, 4) -------------------------
BAD_UTF8_JSONL = b'{"text":"ok","label":"b"}\n{"text":"caf\xe9","label":"a"}\n{"text":"fine","label":"a"}\n'


@pytest.mark.parametrize("select", [(), ("--select", "IR001")])
def test_invalid_utf8_in_jsonl_is_a_finding(cwd, select):
    Path("v.jsonl").write_bytes(BAD_UTF8_JSONL)
    r = run("v.jsonl", *select, "--output-format", "json")
    assert r.exit_code == 1 and "internal error" not in r.stderr
    ir = [f for f in findings(r) if f["code"] == "IR001"]
    assert [(f["line"], "0xE9" in f["message"]) for f in ir] == [(2, True)]


def test_invalid_utf8_in_a_json_array_fails_one_element_only(cwd):
    Path("v.json").write_bytes(b'[{"text":"ok","label":"b"},\n{"text":"caf\xe9","label":"a"},\n'
                               b'{"text":"fine","label":"a"}]\n')
    r = run("v.json", "--select", "IR001", "--output-format", "json")
    assert [f["line"] for f in findings(r)] == [2]
    assert json.loads(r.stdout)["sources"][0]["rows"] == 3


def test_invalid_utf8_in_chat_records_is_a_finding(cwd):
    ok = b'{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}\n'
    bad = b'{"messages":[{"role":"user","content":"caf\xe9"},{"role":"assistant","content":"yes"}]}\n'
    Path("c.jsonl").write_bytes(ok + bad + ok.replace(b"hi", b"hey"))
    r = run("c.jsonl", "--output-format", "json")
    assert "internal error" not in r.stderr and r.exit_code == 1
    assert [f["line"] for f in findings(r) if f["code"] == "IR001"] == [2]


def test_invalid_utf8_in_parquet_strings_is_a_finding(cwd):
    import pyarrow as pa
    import pyarrow.parquet as pq

    offsets = pa.py_buffer(bytes([0, 0, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 11, 0, 0, 0]))
    text = pa.Array.from_buffers(pa.string(), 3, [None, offsets, pa.py_buffer(b"okcaf\xe9 fine")])
    pq.write_table(pa.table({"text": text, "label": ["a", "b", "a"]}), "p.parquet")
    r = run("p.parquet", "--output-format", "json")
    assert "internal error" not in r.stderr and r.exit_code == 1
    ir = [f for f in findings(r) if f["code"] == "IR001"]
    assert [f["row"] for f in ir] == [1] and "'text'" in ir[0]["message"]
    r = run("p.parquet", "--select", "IR001", "--fix", "--output-dir", "out")
    assert "kept 2, rejected 1" in r.stderr
    assert pq.read_table("out/p.parquet").num_rows == 2


def test_deep_nesting_is_a_finding_not_a_crash(cwd):
    deep = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
    Path("d.jsonl").write_bytes(b'{"text":"ok","label":"a"}\n' + deep + b"\n")
    r = run("d.jsonl", "--select", "IR001", "--output-format", "json")
    fs = findings(r)
    assert [f["line"] for f in fs] == [2] and "nested" in fs[0]["message"]
    Path("d.json").write_bytes(b'[{"text":"ok","label":"a"},\n' + deep + b',\n{"text":"b","label":"b"}]')
    r = run("d.json", "--select", "IR001", "--output-format", "json")
    assert [f["line"] for f in findings(r)] == [2]
    assert json.loads(r.stdout)["sources"][0]["rows"] == 3


def test_nesting_over_the_limit_in_strings_does_not_count(cwd):
    """Brackets inside strings (and escaped quotes) are text, not nesting."""
    text = '{[' * 200 + '\\" }'
    Path("s.jsonl").write_text(json.dumps({"text": text, "label": "a"}) + "\n" + '{"text":"b","label":"b"}\n')
    r = run("s.jsonl", "--select", "IR001", "--output-format", "json")
    assert r.exit_code == 0 and findings(r) == []


@pytest.mark.parametrize("name,content", [
    ("s.jsonl", b'{"text":"\\ud800","label":"a"}\n{"text":"ok","label":"b"}\n'),
    ("s.json", b'[{"text":"\\ud800","label":"a"},\n{"text":"ok","label":"b"}]\n'),
])
def test_lone_surrogate_is_a_finding(cwd, name, content):
    Path(name).write_bytes(content)
    r = run(name, "--output-format", "json")
    assert "internal error" not in r.stderr
    ir = [f for f in findings(r) if f["code"] == "IR001"]
    assert [f["line"] for f in ir] == [1] and "surrogate" in ir[0]["message"]


def test_malformed_row_with_a_huge_field(cwd):
    Path("big.csv").write_text("text,label\na,b\n" + "x" * 200_000 + ",y,z\n" + '"' + "q" * 140_000 + ",d\nc,d\n")
    r = run("big.csv", "--select", "IR001", "--output-format", "json")
    assert "internal error" not in r.stderr and r.exit_code == 1
    assert [f["line"] for f in findings(r)][:1] == [3]


def test_fix_counts_one_record_once(cwd):
    """A record both malformed and not UTF-8 is one record, one finding (was 4 rows for 3)."""
    Path("p.csv").write_bytes(b"text,label\nhello,a\nbye,\xd8\n\xe3")
    r = run("p.csv", "--output-format", "json")
    assert json.loads(r.stdout)["sources"][0]["rows"] == 3
    assert [f["line"] for f in findings(r) if f["code"] == "IR001"] == [3, 4]
    r = run("p.csv", "--fix", "--output-dir", "out")
    assert "kept 1, rejected 2" in r.stderr, r.stderr
    assert Path("out/p.csv").read_bytes() == b"text,label\nhello,a\n"


# -- terminal and CI injection (issue 23 point 7) ------------------------------------------------
HOSTILE_LABEL = "a\x1b]0;pwned\x07\x1b[2J\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\\n::error file=x::boom"


def _hostile_csv() -> None:
    # a missing text (MV001) on a row whose label carries escapes and a workflow command
    rows = [["the cat sat", "a"], ["", HOSTILE_LABEL], ["the cat sat", "a"]]
    import csv

    with open("h.csv", "w", newline="") as f:
        csv.writer(f).writerows([["text", "label"], *rows])


@pytest.mark.parametrize("fmt", ["text", "concise", "markdown", "github"])
def test_no_escape_sequence_or_workflow_command_from_data(cwd, fmt):
    _hostile_csv()
    from trainlint.reporters import get_reporter

    try:
        get_reporter(fmt)
    except Exception:
        pytest.skip(f"no {fmt} reporter on this branch")
    Path("::error file=y::name.csv").write_text("text,label\n\x1b[2Jx,a\n")
    r = run("h.csv", "::error file=y::name.csv", "--select", "DU001,MV001,IR001,LB001", "--output-format", fmt)
    out = r.stdout
    assert "\x1b" not in out and "\x07" not in out
    for line in out.splitlines():
        if fmt == "github":
            assert not line.lstrip().startswith("::") or line.startswith(("::error file=h.csv", "::warning",
                                                                          "::notice", "::error title=",
                                                                          "::error file=%3A%3Aerror"))
            assert "::boom" not in line.split("::", 2)[-1] or "%0A" in line
        else:
            assert not line.lstrip().startswith("::"), line
    if fmt == "markdown":
        assert "](" not in out and "<img" not in out


def test_hostile_file_name_on_stderr_is_escaped(cwd):
    r = run("\x1b]0;t\x07\n::error::x.csv")
    assert r.exit_code == 2
    assert "\x1b" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_escape_helpers():
    from trainlint import escape

    assert escape.text("a\x1b[31mb\nc\u202e") == "a\\x1b[31mb\\nc\\u202e"
    assert escape.text("::error::x", line_start=True).startswith("\\x3a")
    # invisible characters are shown (the evidence of EN003); joiners that scripts need are kept
    assert escape.text("pass\u200bword\ufeff") == "pass\\u200bword\\ufeff"
    assert escape.text("\u0645\u06cc\u200c\u062e\u0648\u0627\u0645 \U0001f468\u200d\U0001f469") == (
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0645 \U0001f468\u200d\U0001f469")
    md = escape.markdown("[x](http://e.vil) ![i](y) @bob <b> a|b")
    assert "[" not in md and "@bob" not in md and "<b>" not in md and "|" not in md
    assert "(`http://e.vil`)" in md  # a URL is code: shown and copied exactly, never a link
    md = escape.markdown("T&C at www.t-c.biz. Or https://a.io/x?a=1&b=2 (mailto:x@y.z), awww")
    assert md == "T&amp;C at `www.t-c.biz`. Or `https://a.io/x?a=1&b=2` (`mailto:x@y.z`), awww"
    assert "\u2060" not in md
    # a URL cannot close its code span, nor open a table cell
    assert escape.markdown("http://x.io/`a|b`") == "`http://x.io/`&#96;a&#124;b&#96;"


# -- special files (issue 23 point 6) ------------------------------------------------------------
def test_fifo_named_or_in_a_directory_never_hangs(cwd):
    import os

    Path("d").mkdir()
    Path("d/a.csv").write_text("text,label\nthe cat sat,a\n")
    os.mkfifo("d/pipe.csv")
    for args in (["d/pipe.csv"], ["d"], ["d/*.csv"], ["d/**/*.csv"]):
        one_error_line(run(*args), "d/pipe.csv", "FIFO")


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_stdin_is_refused_clearly(cwd, name):
    one_error_line(run(name), "standard input")


def test_symlink_loops_with_a_double_star_glob(cwd):
    import os

    Path("g/a/b").mkdir(parents=True)
    Path("g/a/b/x.csv").write_text("text,label\nthe cat sat,a\nthe dog ran,b\n")
    os.symlink("..", "g/a/b/loop")
    os.symlink("../..", "g/a/up")
    os.symlink("x.csv", "g/a/b/same.csv")
    r = run("g/**/*.csv", "g", "--select", "DU001", "--output-format", "json")
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.stdout)["sources"]) == 1  # the same file once (by real path), whatever its name


def test_unreadable_subdirectory_is_reported(cwd, monkeypatch):
    import os

    Path("d/locked").mkdir(parents=True)
    Path("d/a.csv").write_text("text,label\nthe cat sat,a\n")
    real = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    one_error_line(run("d"), "d/locked", "cannot read the directory")


def test_an_unexpected_error_is_one_non_empty_line(cwd, monkeypatch):
    from trainlint.cli import check_cmd

    def boom(*_a, **_k):
        raise MemoryError()

    monkeypatch.setattr(check_cmd, "_check", boom)
    Path("a.csv").write_text("text,label\nx,a\n")
    r = run("a.csv")
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "MemoryError: MemoryError()" in r.stderr


def test_corrupt_parquet_error_is_one_line(cwd):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": [f"hello {i}" for i in range(5000)], "label": ["a"] * 5000}),
                   "c.parquet", row_group_size=1000)
    b = bytearray(Path("c.parquet").read_bytes())
    for i in range(200, 4000, 7):
        b[i] ^= 0x5A
    Path("c.parquet").write_bytes(bytes(b))
    one_error_line(run("c.parquet"), "c.parquet", "corrupt Parquet")
    Path("t.parquet").write_bytes(Path("c.parquet").read_bytes()[:-20])
    one_error_line(run("t.parquet"), "t.parquet", "not a readable Parquet file")


# -- the --fix invariant on what was written (issue 23 point 9) ----------------------------------
ROWS = [("the cat sat", "a"), ("the dog ran", "b"), ("the cat sat", "a"), ("", "a"), ("a bird flew", "b"),
        ("the cat sat", "a")]


def _write_every_format() -> list[str]:
    import csv
    import gzip

    import pyarrow as pa
    import pyarrow.parquet as pq
    import zstandard

    with open("d.csv", "w", newline="") as f:
        csv.writer(f).writerows([("text", "label"), *ROWS])
    Path("d.tsv").write_text("text\tlabel\n" + "".join(f"{t}\t{lab}\n" for t, lab in ROWS))
    jsonl = "".join(json.dumps({"text": t, "label": lab}) + "\n" for t, lab in ROWS)
    Path("d.jsonl").write_text(jsonl + '{"text": broken\n')
    Path("d.json").write_text(json.dumps([{"text": t, "label": lab} for t, lab in ROWS], indent=1))
    pq.write_table(pa.table({"text": [t for t, _ in ROWS], "label": [lab for _, lab in ROWS]}), "d.parquet")
    Path("z.csv.gz").write_bytes(gzip.compress(Path("d.csv").read_bytes()))
    Path("z.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(jsonl.encode()))
    return ["d.csv", "d.tsv", "d.jsonl", "d.json", "d.parquet", "z.csv.gz", "z.jsonl.zst"]


def test_fix_invariant_counted_on_the_written_files(cwd):
    from trainlint.clean import count_records

    names = _write_every_format()
    r = run(*names, "--select", "DU001,MV001,IR001", "--fix", "--output-dir", "out", "--output-format", "json")
    assert r.exit_code in (0, 1), r.output
    rows = {s["path"]: s["rows"] for s in json.loads(r.stdout)["sources"]}
    from trainlint.sources import ReadOptions, open_sources

    for spec in open_sources(names, ReadOptions()):
        name = spec.info.path
        kept = count_records(spec, f"out/{name}")
        rejected = len(Path(f"out/{name}.rejects.jsonl").read_text().splitlines())
        assert rejected >= 2, name  # every input rejects rows (two copies of a duplicate at least)
        assert kept + rejected == rows[name], name
        assert f"{name}: kept {kept}, rejected {rejected}" in r.stderr


def test_a_writer_that_writes_a_rejected_row_twice_is_caught(cwd, monkeypatch):
    """The mutation of issue 23: a rejected JSONL row also written to the cleaned copy."""
    from trainlint.sources.jsonl import JsonlReader

    real = JsonlReader.write_cleaned

    def leaky(self, drop, out, rejects):
        def also(row, line, record, raw):
            out.write(bytes(raw) + b"\n")
            return rejects(row, line, record, raw)

        return real(self, drop, out, also)

    monkeypatch.setattr(JsonlReader, "write_cleaned", leaky)
    _write_every_format()
    r = run("d.jsonl", "--select", "DU001,IR001", "--fix", "--output-dir", "out")
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "cleaned copy holds 7 records" in r.stderr and "for 4 kept and 3 rejected" in r.stderr
    assert not Path("out/d.jsonl").exists() and not any(p.name.startswith(".trainlint") for p in Path("out").iterdir())


def test_stale_temporaries_of_a_killed_fix_are_removed(cwd):
    import os
    import subprocess
    import time

    from trainlint.clean import remove_stale_temporaries

    Path("out").mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    host = __import__("socket").gethostname()
    stale = Path(f"out/.trainlint-0123456789ab-{host}-{dead.pid}-x1.d.csv")
    live = Path(f"out/.trainlint-0123456789ab-{host}-{os.getpid()}-x2.d.csv")
    other = Path("out/.trainlint-notours.csv")
    for p in (stale, live, other):
        p.write_text("half")
    past = time.time() - 60
    for p in (stale, live, other):
        os.utime(p, (past, past))
    assert remove_stale_temporaries("out", time.time()) == [stale.name]
    assert live.exists() and other.exists() and not stale.exists()
    # and a later --fix run into the folder does it
    stale.write_text("half")
    os.utime(stale, (past, past))
    _write_every_format()
    run("d.csv", "--select", "DU001", "--fix", "--output-dir", "out")
    assert not stale.exists() and live.exists()


# -- memory limits (issue 23 point 5) ------------------------------------------------------------
@pytest.mark.parametrize("name", ["big.jsonl", "big.csv", "big.csv.gz"])
def test_record_over_the_size_limit_is_a_finding(cwd, name):
    import gzip

    from trainlint.sources.limits import MAX_RECORD_BYTES

    import base64
    import random

    # letters that do not compress far (a field of one letter would be a decompression bomb)
    huge = base64.b64encode(random.Random(1).randbytes(MAX_RECORD_BYTES * 3 // 4 + 1000)).replace(b"/", b"x")
    if name.endswith(".jsonl"):
        body = b'{"text":"ok","label":"a"}\n{"text":"' + huge + b'","label":"b"}\n{"text":"fine","label":"a"}\n'
    else:
        body = b"text,label\nok,a\n" + huge + b",b\nfine,a\n"
    Path(name).write_bytes(gzip.compress(body, 1) if name.endswith(".gz") else body)
    r = run(name, "--select", "IR001", "--output-format", "json")
    fs = findings(r)
    assert [f["line"] for f in fs] == [3 if ".csv" in name else 2]
    assert "over the limit" in fs[0]["message"]
    assert json.loads(r.stdout)["sources"][0]["rows"] == 3
    r = run(name, "--select", "IR001", "--fix", "--output-dir", "out")
    assert "kept 2, rejected 1" in r.stderr, r.stderr


def test_keys_that_are_data_stop_with_one_line(cwd):
    Path("k.jsonl").write_text("".join(json.dumps({f"k{i}": i}) + "\n" for i in range(3000)))
    one_error_line(run("k.jsonl"), "k.jsonl", "distinct keys", "over the limit of 2,000 columns")


def test_decompression_bomb_is_refused(cwd, monkeypatch):
    import gzip

    from trainlint.sources import limits

    monkeypatch.setattr(limits, "MIN_DECOMPRESSION_BUDGET", 1 << 20)
    Path("b.csv.gz").write_bytes(gzip.compress(b"text,label\n" + b"the same row again,a\n" * 1_000_000, 9))
    one_error_line(run("b.csv.gz"), "b.csv.gz", "decompression bomb")


# -- found by the fuzz campaign -------------------------------------------------------------------
@pytest.mark.parametrize("content", [b'{"tex', b"[1,2]\n"])
def test_jsonl_without_one_good_record(cwd, content):
    Path("t.jsonl").write_bytes(content)
    r = run("t.jsonl", "--output-format", "json")
    assert r.exit_code == 1 and "internal error" not in r.stderr
    assert [f["line"] for f in findings(r) if f["code"] == "IR001"] == [1]


def test_fix_of_a_file_that_keeps_only_a_line_of_spaces(cwd):
    import gzip

    Path("s.csv.gz").write_bytes(gzip.compress(b"   \n\ntext,label\r\nhello,a\r\nbye,b\r\n"))
    r = run("s.csv.gz", "--select", "IR001", "--fix", "--output-dir", "out")
    assert r.exit_code in (0, 1) and "rejected 3 ->" in r.stderr, r.stderr
