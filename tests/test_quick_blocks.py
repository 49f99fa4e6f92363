"""Quick blocks (``scan.cut_lines``): CSV blocks after the first are cut by counting lines, and
``parse`` checks the count.  Whatever the file holds, the rows, lines, values and invalid records
must be exactly those of the exact cut; a file that breaks the assumption resumes exactly."""

from __future__ import annotations

import pytest

from trainlint.engines.base import parsed_blocks
from trainlint.engines.local import LocalEngine
from trainlint.engines.partitioned import PartitionedEngine
from trainlint.engines.processes import ProcessEngine
from trainlint.runner import build_rules
from trainlint.config import Settings
from trainlint.sources import ReadOptions, open_sources
from trainlint.sources import scan as _scan

BLOCK = 256  # bytes: a few records per block, so every file below has many blocks


def _line(i: int) -> str:
    return f'{i},"text number {i}, with a comma",{"ab"[i % 2]}\n'


def _reader(path, block=BLOCK):
    (spec,) = open_sources([str(path)], ReadOptions(block_bytes=block, batch_rows=7))
    return spec.reader


def _exact(reader) -> list:
    out = []
    for block in reader.blocks():
        for b in reader.parse(block):
            out.append(_rows(b.rows, b.lines, b.table, b.invalid))
    return _flat(out)


def _quick(reader) -> list:
    out = []
    for _block, contexts in parsed_blocks(reader):
        for c in contexts:
            out.append(_rows(c.rows, c.lines, c.table, c.invalid))
    return _flat(out)


def _rows(rows, lines, table, invalid):
    values = table.to_pylist()
    good = [(int(r), int(ln), tuple(v.values())) for r, ln, v in zip(rows, lines, values)]
    bad = [(i.row, i.line, i.message) for i in invalid]
    return good, bad


def _flat(parts):
    good = [g for p in parts for g in p[0]]
    bad = [b for p in parts for b in p[1]]
    return good, bad


def _spy_resumes(reader, monkeypatch) -> list:
    calls = []
    real = reader.resume_blocks

    def resume(at, ranged=False):
        calls.append(at)
        return real(at, ranged)

    monkeypatch.setattr(reader, "resume_blocks", resume)
    return calls


def _write(tmp_path, body: str, name="d.csv", newline="\n"):
    p = tmp_path / name
    p.write_bytes(("id,text,label\n" + body).replace("\n", newline).encode())
    return p


def test_plain_file_is_cut_quickly_and_matches_the_exact_cut(tmp_path, monkeypatch):
    p = _write(tmp_path, "".join(_line(i) for i in range(300)))
    reader = _reader(p)
    kinds = [type(b.payload[1]).__name__ for b in reader.quick_blocks()]
    assert kinds[0] != "QuickBlock" and kinds.count("QuickBlock") == len(kinds) - 1 > 10
    resumes = _spy_resumes(reader, monkeypatch)
    good, bad = _quick(reader)
    assert (good, bad) == _exact(reader) and not resumes
    assert [g[0] for g in good] == list(range(300)) and good[-1][1] == 301 and not bad


@pytest.mark.parametrize("odd", [
    '900,"a text\nover two lines",a\n',       # a quoted newline: fewer records than lines
    "\n",                                     # a blank line: not a record
    "901,too,many,fields\n",                  # pyarrow refuses the block; the count still holds
    "902,only-two\n",
])
def test_an_odd_line_in_a_later_block_gives_what_the_exact_cut_gives(tmp_path, monkeypatch, odd):
    lines = [_line(i) for i in range(200)]
    lines.insert(150, odd)
    p = _write(tmp_path, "".join(lines))
    reader = _reader(p)
    resumes = _spy_resumes(reader, monkeypatch)
    assert _quick(reader) == _exact(reader)
    # a record count the cut got wrong is caught and the file resumed exactly from that block
    assert bool(resumes) == (odd.count("\n") > 1 or odd == "\n")


def test_a_file_with_multiline_records_in_its_first_block_is_cut_exactly(tmp_path, monkeypatch):
    body = "".join(_line(i) if i % 3 else f'{i},"two\nlines",a\n' for i in range(200))
    reader = _reader(_write(tmp_path, body))
    resumes = _spy_resumes(reader, monkeypatch)
    assert all(type(b.payload[1]).__name__ != "QuickBlock" for b in reader.quick_blocks())
    assert _quick(reader) == _exact(reader) and not resumes


def test_crlf_lone_cr_blank_at_end_and_no_final_newline(tmp_path, monkeypatch):
    crlf = _write(tmp_path, "".join(_line(i) for i in range(200)), "crlf.csv", newline="\r\n")
    lone = _write(tmp_path, "".join(_line(i) for i in range(100)) + "777,with\ra lone CR,a\n"
                  + "".join(_line(i) for i in range(100, 200)), "lone.csv")
    tail = _write(tmp_path, "".join(_line(i) for i in range(200)) + "\n\n", "tail.csv")
    open_end = _write(tmp_path, "".join(_line(i) for i in range(200)).rstrip("\n"), "open.csv")
    for p in (crlf, lone, tail, open_end):
        reader = _reader(p)
        assert _quick(reader) == _exact(reader), p.name
    assert len(_quick(_reader(open_end))[0]) == 200


def test_a_quote_open_at_the_cut_moves_the_cut(tmp_path):
    # a long quoted field over several lines right where a block would end
    long = '555,"' + "x" * 200 + "\n" + "y" * 200 + "\n" + 'z",a\n'
    lines = [_line(i) for i in range(60)]
    lines.insert(20, long)
    reader = _reader(_write(tmp_path, "".join(lines)))
    assert _quick(reader) == _exact(reader)


def test_cut_lines_follows_an_open_quote_only_so_far(tmp_path):
    # a quote opened and never closed: cut_lines gives up and leaves it to the exact scan
    p = _write(tmp_path, '1,"never closed\n' + "".join(f"line {i}\n" for i in range(500)))
    from trainlint.sources.filerange import map_plain_file

    mapped = map_plain_file(str(p), "utf-8")
    assert _scan.cut_lines(mapped, mapped.start, 64, ord('"')) is None
    reader = _reader(p)
    assert _quick(reader) == _exact(reader)


def test_engines_agree_on_a_file_that_needs_resuming(tmp_path):
    lines = [_line(i) for i in range(400)]
    for at in (380, 250, 120):
        lines.insert(at, f'{at}0,"multi\nline",b\n')
    lines.insert(300, _line(5))  # an exact duplicate after the resume
    lines.insert(90, "\n")
    p = _write(tmp_path, "".join(lines))
    clean = _write(tmp_path, "".join(_line(i) for i in range(300)) + _line(7), "clean.csv")

    def run(engine):
        specs = open_sources([str(p), str(clean)], ReadOptions(block_bytes=BLOCK, batch_rows=5))
        rules = build_rules(Settings(select=("MV001", "DU001", "IR001")))
        return [f.to_dict() for f in engine.run(specs, rules).findings]

    local = run(LocalEngine())
    assert any(f["name"] == "exact-duplicate" for f in local)
    assert run(ProcessEngine(2, workers_after=0)) == local
    mixed = ProcessEngine(2, workers_after=3)  # resumed in the local lane, then workers
    assert run(mixed) == local
    assert mixed.lanes["local"] >= 3 and mixed.lanes["workers"] > 0
    assert run(PartitionedEngine()) == local
