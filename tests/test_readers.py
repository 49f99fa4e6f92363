"""Readers: formats, dialects, compression, lines, and inputs that cannot be read at all."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from click.testing import CliRunner

import trainlint
from trainlint.cli import cli
from trainlint.errors import SourceError, UsageError

from helpers import DATA, digest

CSV = "id,text,label\r\n1,hello world,a\r\n2,\"multi\r\nline, with comma\",b\r\n\r\n3,hello world,a\r\n4,,b\r\n"


def lint(path, **kw):
    kw.setdefault("select", ["MV001", "DU001", "IR001"])
    return trainlint.lint(str(path), **kw)


def test_csv_crlf_quoted_newline_blank_line_lines(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes(CSV.encode())
    r = lint(p)
    assert r.sources[0]["rows"] == 4
    got = {(f.code, f.row, f.line) for f in r.findings}
    # row 2 starts on line 6: the quoted newline and the blank line push it down
    assert ("DU001", 2, 6) in got
    assert ("MV001", 3, 7) in got


@pytest.mark.parametrize("suffix,opener", [(".gz", gzip.open), (".zst", None)])
def test_compressed_inputs_read_like_plain(tmp_path, suffix, opener):
    p = tmp_path / ("d.csv" + suffix)
    if suffix == ".gz":
        p.write_bytes(gzip.compress(CSV.encode()))
    else:
        p.write_bytes(zstandard.ZstdCompressor().compress(CSV.encode()))
    plain = tmp_path / "d.csv"
    plain.write_bytes(CSV.encode())
    a = [(f.code, f.row, f.line) for f in lint(p).findings]
    b = [(f.code, f.row, f.line) for f in lint(plain).findings]
    assert a == b and a


def test_cleaned_copy_keeps_compression(tmp_path):
    p = tmp_path / "in" / "d.csv.gz"
    p.parent.mkdir()
    p.write_bytes(gzip.compress(CSV.encode()))
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["check", str(p), "--select", "DU001,MV001", "--fix", "--output-dir", str(out)])
    assert res.exit_code in (0, 1), res.output
    text = gzip.decompress((out / "d.csv.gz").read_bytes()).decode()
    assert text == "id,text,label\r\n1,hello world,a\r\n2,\"multi\r\nline, with comma\",b\r\n"


def test_jsonl_bad_lines_and_blank_lines(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"text": "a", "label": 1}\n\n{"text": "a", "label": 1}\nnot json\n{"text": "b"}\n')
    r = lint(p)
    got = [(f.code, f.row, f.line) for f in r.findings]
    assert ("DU001", 1, 3) in got and ("IR001", 2, 4) in got
    assert r.sources[0]["rows"] == 4


def test_jsonl_values_changing_type_are_kept(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"text": "a", "meta": {"x": 1}}\n{"text": "b", "meta": [1, 2]}\n{"text": "c", "meta": "s"}\n')
    r = lint(p)
    assert r.sources[0]["rows"] == 3 and not [f for f in r.findings if f.code == "IR001"]


def test_nested_field_by_dotted_path(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"meta": {"prompt": "hi", "y": "a"}}\n{"meta": {"prompt": "hi", "y": "a"}}\n'
                 '{"meta": {"prompt": "", "y": "b"}}\n')
    r = lint(p, text="meta.prompt")
    assert r.sources[0]["text"] == ["meta.prompt"]
    assert [(f.code, f.row) for f in r.findings if f.code == "DU001"] == [("DU001", 1)]


def test_parquet_rows_and_cleaned_schema(tmp_path):
    t = pa.table({"text": ["a", "b", "a", None], "label": pa.array([1, 2, 1, 2], pa.int64())})
    p = tmp_path / "d.parquet"
    pq.write_table(t, p, row_group_size=2)
    r = lint(p)
    assert {(f.code, f.row, f.line) for f in r.findings} == {("DU001", 2, None), ("MV001", 3, None)}
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["check", str(p), "--select", "DU001,MV001", "--fix", "--output-dir", str(out)])
    assert res.exit_code == 0, res.output  # everything flagged was fixed
    cleaned = pq.read_table(out / "d.parquet")
    assert cleaned.schema == t.schema and cleaned.column("text").to_pylist() == ["a", "b"]


def test_json_array_of_objects_lines(tmp_path):
    p = tmp_path / "d.json"
    p.write_text(json.dumps([{"text": "x", "label": "a"}, {"text": "x", "label": "a"}], indent=2))
    r = lint(p)
    assert [(f.row, f.line) for f in r.findings] == [(1, 6)]


def test_headerless_csv_without_extension_gets_roles(tmp_path):
    p = tmp_path / "DATA"
    p.write_text("spam\tWin a free prize now by texting WIN to 80082\nham\tSee you at lunch tomorrow then\n"
                 "ham\tSee you at lunch tomorrow then\n")
    r = lint(p)
    s = r.sources[0]
    assert s["format"] == "tsv" and s["rows"] == 3 and s["label"] == "column_1" and s["text"] == ["column_2"]
    assert [(f.row, f.line) for f in r.findings] == [(2, 3)]


def test_pandas_to_csv_index_column_keeps_the_header(tmp_path):
    """``DataFrame.to_csv`` writes an unnamed index first: still a header, read as pandas reads it."""
    p = tmp_path / "d.csv"
    p.write_text(",text,label\n0,hello there,a\n1,hello there,a\n2,see you,b\n")
    r = lint(p)
    s = r.sources[0]
    assert s["columns"] == ["Unnamed: 0", "text", "label"] and s["text"] == ["text"] and s["label"] == "label"
    assert [(f.code, f.row, f.line) for f in r.findings] == [("DU001", 1, 3)]
    p.write_text(",text,label\nx,hello there,a\n")  # an empty name over a column that is no index
    assert lint(p).sources[0]["columns"] == ["column_1", "column_2", "column_3"]


def test_split_from_file_names(tmp_path):
    for name in ("train.csv", "valid.csv", "my_test_set.csv"):
        (tmp_path / name).write_text("text,label\nhello there,a\n")
    r = trainlint.lint(str(tmp_path), select=["DU001"])
    assert {s["path"].rsplit("/", 1)[-1]: s["split"] for s in r.sources} == {
        "my_test_set.csv": "test", "train.csv": "train", "valid.csv": "validation"}
    assert r.findings == []  # the same text in two splits is leakage, not a duplicate


def test_globs_and_directories(tmp_path):
    (tmp_path / "a.csv").write_text("text,label\nx,1\n")
    (tmp_path / "b.jsonl").write_text('{"text": "x", "label": 1}\n')
    (tmp_path / "notes.md").write_text("# not data\n")
    r = trainlint.lint(str(tmp_path / "*.csv"), select=["DU001"])
    assert len(r.sources) == 1
    r = trainlint.lint(str(tmp_path), select=["DU001"])
    assert [s["format"] for s in r.sources] == ["csv", "jsonl"]


@pytest.mark.parametrize("content,needle", [
    (b"", "empty"),
    (b"   \n", "empty"),
])
def test_empty_files_are_fatal(tmp_path, content, needle):
    p = tmp_path / "d.csv"
    p.write_bytes(content)
    with pytest.raises(SourceError, match=needle):
        lint(p)


def test_missing_file_and_bad_parquet_are_one_line_errors(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["check", str(tmp_path / "nope.csv")])
    assert res.exit_code == 2 and "no such file" in res.output and "Traceback" not in res.output
    bad = tmp_path / "x.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    res = runner.invoke(cli, ["check", str(bad)])
    assert res.exit_code == 2 and "Parquet" in res.output and len(res.output.strip().splitlines()) == 1
    gz = tmp_path / "x.csv.gz"
    gz.write_bytes(b"not gzip at all")
    res = runner.invoke(cli, ["check", str(gz)])
    assert res.exit_code == 2 and "x.csv.gz" in res.output and "Traceback" not in res.output


def test_missing_column_is_named(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("text,label\nx,1\n")
    with pytest.raises(UsageError, match="no column 'body'"):
        lint(p, text="body")


def test_output_dir_equal_to_input_is_refused(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("text,label\nx,1\nx,1\n")
    before = digest(p)
    res = CliRunner().invoke(cli, ["check", str(p), "--fix", "--output-dir", str(tmp_path)])
    assert res.exit_code == 2 and "overwrite" in res.output
    assert digest(p) == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["d.csv"]


def test_dataframe_and_arrow_inputs():
    import pandas as pd

    df = pd.DataFrame({"text": ["a", "b", "a", None], "label": ["x", "y", "x", "y"]})
    r = trainlint.lint(df, select=["DU001", "MV001"])
    assert [(f.code, f.row, f.line) for f in r.findings] == [("DU001", 2, None), ("MV001", 3, None)]
    assert r.sources[0]["path"] == "<dataframe>"
    kept = r.cleaned()
    assert list(kept["text"]) == ["a", "b"]
    r2 = trainlint.lint(pa.Table.from_pandas(df), select=["DU001"])
    assert len(r2.findings) == 1


def test_shared_data_untouched_by_a_full_run():
    paths = [DATA / "sms_spam" / "SMSSpamCollection", DATA / "chat" / "openai_toy_chat_fine_tuning.jsonl"]
    before = [digest(p) for p in paths]
    trainlint.lint([str(p) for p in paths])
    assert [digest(p) for p in paths] == before


@pytest.mark.parametrize("compress", [False, True])
def test_unbalanced_quote_is_one_bad_line_not_the_rest_of_the_file(tmp_path, compress):
    from trainlint.sources.scan import MAX_QUOTED_LINES

    lines = ["text,label", '"fine",a', '"never closed,b'] + [f"row {i},a" for i in range(MAX_QUOTED_LINES + 50)]
    content = ("\n".join(lines) + "\n").encode()
    p = tmp_path / ("d.csv.gz" if compress else "d.csv")
    p.write_bytes(gzip.compress(content) if compress else content)
    r = lint(p, select=["IR001", "DU001"])
    assert r.sources[0]["rows"] == len(lines) - 1
    assert [(f.code, f.row, f.line) for f in r.findings] == [("IR001", 1, 3)]
    assert "unbalanced quote" in r.findings[0].message
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["check", str(p), "--select", "IR001", "--fix", "--output-dir", str(out)])
    assert res.exit_code == 0, res.output
    kept = (gzip.decompress((out / p.name).read_bytes()) if compress else (out / p.name).read_bytes()).decode()
    assert kept.count("\n") == len(lines) - 1 and '"never closed' not in kept


def test_cleaned_outputs_are_ordinary_files(tmp_path):
    import os
    import stat

    p = tmp_path / "d.csv"
    p.write_text("text,label\nx,1\nx,1\n")
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["check", str(p), "--select", "DU001", "--fix", "--output-dir", str(out)])
    assert res.exit_code == 0, res.output
    umask = os.umask(0)
    os.umask(umask)
    for f in ("d.csv", "d.csv.rejects.jsonl"):
        assert stat.S_IMODE((out / f).stat().st_mode) == 0o666 & ~umask
    assert "Fixed: 1 row moved to the rejects files." in res.output


def test_binary_garbage_csv_is_findings_and_nothing_on_stderr(tmp_path):
    import random
    import subprocess
    import sys

    rnd = random.Random(7)
    p = tmp_path / "bin.csv"
    # a ragged row with invalid UTF-8 (pyarrow's row handler once choked on it), then noise
    p.write_bytes(b"text,label\nok,a\nx,y,\xec\x80z\n" + bytes(rnd.randrange(256) for _ in range(20000)))
    res = subprocess.run([sys.executable, "-m", "trainlint", "check", str(p), "-q"], capture_output=True, text=True)
    assert res.returncode in (1, 2), res.stderr
    assert "Traceback" not in res.stderr and "Exception ignored" not in res.stderr, res.stderr


def test_jsonl_byte_ranges_hold_the_blocks_bytes(tmp_path, monkeypatch):
    """``blocks_by_range``: each range names exactly the bytes ``blocks`` cuts (BOM, CRLF, chunks of
    blank lines, a record over the size limit skipped in between), and parses to the same batches."""
    from trainlint.sources import ReadOptions, limits, open_sources
    from trainlint.sources.filerange import FileRange

    monkeypatch.setattr(limits, "MAX_RECORD_BYTES", 2048)
    rows = [b'{"text": "row %d", "label": "x"}\r\n' % i for i in range(400)]
    rows[150] = b'{"text": "' + b"y" * 5000 + b'"}\r\n'
    p = tmp_path / "r.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + b"".join(rows[:100]) + b"\n" * 3000 + b"".join(rows[100:]))
    raw = p.read_bytes()
    (spec,) = open_sources([str(p)], ReadOptions(block_bytes=1024))
    reader = spec.reader
    ranged, plain = list(reader.blocks_by_range()), list(reader.blocks())
    assert len(ranged) == len(plain) > 10
    assert sum(isinstance(b.payload, FileRange) for b in ranged) == len(ranged) - 1  # not the oversized one
    for b, orig in zip(ranged, plain):
        assert b.first_row == orig.first_row
        if isinstance(b.payload, FileRange):
            assert raw[b.payload.offset:b.payload.offset + b.payload.length] == orig.payload[0]

    def parsed(blocks):
        return [(b.table.to_pylist(), b.rows.tolist(), b.lines.tolist(), [(r.row, r.line) for r in b.invalid])
                for block in blocks for b in reader.parse(block)]

    assert parsed(ranged) == parsed(plain)
    assert (150, 3151) in [inv for *_x, invalid in parsed(plain) for inv in invalid]


@pytest.mark.parametrize("name", ["live.csv", "live.jsonl"])
def test_a_range_of_a_file_changed_after_cutting_is_an_error(tmp_path, name):
    """Every text reader's byte range carries a digest of the bytes it cut: a worker parsing it
    after the file changed (same size, other bytes) stops the run instead of linting other data."""
    from trainlint.sources import ReadOptions, open_sources
    from trainlint.sources.filerange import FileRange

    p = tmp_path / name
    row = (lambda i: b"line %05d,a\n" % i) if name.endswith(".csv") else (
        lambda i: b'{"text": "line %05d", "label": "a"}\n' % i)
    p.write_bytes((b"text,label\n" if name.endswith(".csv") else b"") + b"".join(row(i) for i in range(1000)))
    (spec,) = open_sources([str(p)], ReadOptions(block_bytes=4096))
    blocks = list(spec.reader.blocks_by_range())
    assert len(blocks) > 2 and all(isinstance(b.payload, FileRange) for b in blocks)
    assert [b.rows.size for b in spec.reader.parse(blocks[1])]
    p.write_bytes(p.read_bytes().replace(b"line %05d" % blocks[1].first_row, b"LINE %05d" % blocks[1].first_row))
    with pytest.raises(SourceError, match="changed while it was being linted"):
        list(spec.reader.parse(blocks[1]))
