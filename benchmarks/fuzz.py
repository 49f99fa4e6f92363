"""Fuzz campaign: malformed files of every format, generated deterministically, each linted and fixed.

    python benchmarks/fuzz.py --files 10000 --jobs 2 --mem-mib 4096     # the full campaign
    python benchmarks/fuzz.py --files 300 --seed 7                       # a slice

Per file, ``trainlint check FILE --output-format json`` and ``trainlint check FILE --fix`` run in a
worker process held to ``--mem-mib`` of address space (RLIMIT_AS) and ``--timeout`` seconds each
(in-process through click's CliRunner, so the 10,000 files do not pay 20,000 interpreter starts).
Checked per file:

* no traceback (an exception out of the command) and no ``internal error``;
* exit 0 or 1 with findings that name the file (and a line, for text formats), or exit 2 with one
  line on stderr that names the file;
* the input byte-identical afterwards;
* ``--fix``: records in the cleaned copy (read back by trainlint's reader) + lines of the rejects
  file = rows the check read.

Special files (a FIFO named or in a directory, a link loop under ``**``, standard input) run as
real subprocesses with a timeout: a hang is a failure.  Prints the totals and the failures (first
few of each kind) and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

FORMATS = ("csv", "tsv", "jsonl", "json", "parquet", "csv.gz", "jsonl.zst", "txt")
WORDS = ("the cat sat on a mat dog ran far away bird flew over hill café naïve 東京 😀 "
         "hello world data label train test value row line quote comma tab").split()
CONTROL = ["\x1b]0;pwned\x07", "\x1b[2J", "\x1b]8;;http://e.vil\x1b\\x\x1b]8;;\x1b\\", "\n::error::boom",
           "\r", "\x00", "\u202e", "\x7f", "\x85"]
# byte-level mutations of a text file; each takes (rng, bytes) and returns bytes
MUTATIONS = ("none", "truncate", "bad_bytes", "bare_cr", "mixed_eol", "bom", "control_chars", "nul",
             "unbalanced_quote", "extra_field", "missing_field", "blank_lines", "duplicate_header",
             "latin1", "huge_field", "deep_nesting", "lone_surrogate", "many_keys", "new_key_per_line",
             "binary_junk", "empty", "header_only", "utf16", "swap_delimiter", "not_an_object")
RARE = {"huge_field": 0.25, "gzip_bomb": 0.0}  # relative weights below 1: slower cases


def _value(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8)))


def _rows(rng: random.Random) -> list[tuple[str, str]]:
    n = rng.randint(1, 40)
    rows = [(_value(rng), rng.choice("abc")) for _ in range(n)]
    for _ in range(rng.randint(0, 3)):  # duplicates, so that --fix rejects rows
        rows.append(rng.choice(rows))
    if rng.random() < 0.3:
        rows.append(("", "a"))
    return rows


def _text_file(fmt: str, rows, rng: random.Random) -> bytes:
    import csv

    if fmt in ("csv", "tsv", "txt"):
        out = io.StringIO()
        w = csv.writer(out, delimiter="\t" if fmt in ("tsv", "txt") else ",", lineterminator=rng.choice(["\n", "\r\n"]))
        w.writerow(["text", "label"])
        w.writerows(rows)
        return out.getvalue().encode()
    if fmt == "jsonl":
        return "".join(json.dumps({"text": t, "label": lab}, ensure_ascii=rng.random() < 0.5) + "\n"
                       for t, lab in rows).encode()
    return json.dumps([{"text": t, "label": lab} for t, lab in rows], indent=rng.choice([None, 1])).encode()


def _mutate(kind: str, data: bytes, fmt: str, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    pick = lambda: rng.randrange(len(lines))  # noqa: E731
    if kind == "truncate":
        return data[: rng.randrange(max(1, len(data)))]
    if kind == "bad_bytes":
        b = bytearray(data)
        for _ in range(rng.randint(1, 5)):
            b.insert(rng.randrange(len(b) + 1), rng.choice([0xE9, 0xD8, 0xFF, 0xC3, 0x80, 0xA5]))
        return bytes(b)
    if kind == "bare_cr":
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    if kind == "mixed_eol":
        return b"".join(ln + rng.choice([b"\n", b"\r\n", b"\r"]) for ln in lines)
    if kind == "bom":
        return b"\xef\xbb\xbf" + data
    if kind == "control_chars":
        s = data.decode("utf-8", "replace")
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(s) + 1)
            s = s[:i] + rng.choice(CONTROL) + s[i:]
        return s.encode("utf-8", "surrogatepass")
    if kind == "nul":
        i = rng.randrange(len(data) + 1)
        return data[:i] + b"\x00" * rng.randint(1, 3) + data[i:]
    if kind == "unbalanced_quote":
        i = pick()
        lines[i] = b'"' + lines[i]
        return b"\n".join(lines)
    if kind == "extra_field":
        i = pick()
        lines[i] += b",extra" if fmt == "csv" else b"\textra"
        return b"\n".join(lines)
    if kind == "missing_field":
        i = pick()
        lines[i] = lines[i].split(b"," if fmt == "csv" else b"\t")[0]
        return b"\n".join(lines)
    if kind == "blank_lines":
        for _ in range(rng.randint(1, 4)):
            lines.insert(rng.randrange(len(lines) + 1), rng.choice([b"", b"   ", b"\r"]))
        return b"\n".join(lines)
    if kind == "duplicate_header":
        return data.replace(b"text", b"label", 1)
    if kind == "latin1":
        return data.decode("utf-8", "replace").encode("latin-1", "replace")
    if kind == "huge_field":
        size = rng.choice([200_000, 2_000_000, 17_000_000])
        i = pick()
        lines.insert(i, b'{"text":"' + b"x" * size + b'","label":"a"}' if fmt == "jsonl" else b"x" * size + b",a")
        return b"\n".join(lines)
    if kind == "deep_nesting":
        d = rng.choice([50, 65, 500, 10_000])
        deep = b'{"a":' * d + b"1" + b"}" * d
        if fmt == "json":
            return data.replace(b"[", b"[" + deep + b",\n", 1)
        lines.insert(pick(), deep)
        return b"\n".join(lines)
    if kind == "lone_surrogate":
        return data.replace(b'"text": "', b'"text": "\\ud800', 1).replace(b'"text":"', b'"text":"\\udfff', 1)
    if kind == "many_keys":
        n = rng.choice([100, 3_000, 20_000])
        obj = json.dumps({f"k{i}": i for i in range(n)}).encode()
        lines.insert(pick(), obj)
        return b"\n".join(lines)
    if kind == "new_key_per_line":
        return data + b"".join(json.dumps({f"key{i}": i}).encode() + b"\n" for i in range(rng.choice([50, 2_500])))
    if kind == "binary_junk":
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(10, 4000)))
        return junk if rng.random() < 0.5 else data + junk
    if kind == "empty":
        return rng.choice([b"", b"\n", b"  \n\n", b"\xef\xbb\xbf"])
    if kind == "header_only":
        return lines[0] + b"\n"
    if kind == "utf16":
        return data.decode("utf-8", "replace").encode("utf-16")
    if kind == "swap_delimiter":
        return data.replace(b",", b"\t") if fmt == "csv" else data.replace(b"\t", b",")
    if kind == "not_an_object":
        lines.insert(pick(), rng.choice([b"[1,2,3]", b'"just a string"', b"42", b"null", b"{", b"}"]))
        return b"\n".join(lines)
    return data


def _parquet(rows, rng: random.Random, corrupt: str) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = [t for t, _ in rows]
    if corrupt == "bad_bytes":  # invalid UTF-8 stored in a string column
        raw = [t.encode() for t in text]
        raw[rng.randrange(len(raw))] += b"\xe9"
        offsets = [0]
        for r in raw:
            offsets.append(offsets[-1] + len(r))
        import numpy as np

        col = pa.Array.from_buffers(pa.string(), len(raw), [None, pa.py_buffer(np.array(offsets, np.int32).tobytes()),
                                                            pa.py_buffer(b"".join(raw))])
    else:
        col = pa.array(text)
    buf = io.BytesIO()
    pq.write_table(pa.table({"text": col, "label": [lab for _, lab in rows]}), buf,
                   row_group_size=rng.choice([5, 1000]), compression=rng.choice(["snappy", "zstd", "none"]))
    data = buf.getvalue()
    if corrupt == "truncate":
        return data[: rng.randrange(len(data))]
    if corrupt in ("binary_junk", "nul"):
        b = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            b[rng.randrange(4, max(5, len(b) - 8))] ^= rng.randrange(1, 256)
        return bytes(b)
    return data


def generate(seed: int, i: int) -> tuple[str, bytes]:
    """The i-th file of a campaign: (name, content)."""
    rng = random.Random(seed * 1_000_003 + i)
    fmt = FORMATS[i % len(FORMATS)]
    kind = MUTATIONS[(i // len(FORMATS)) % len(MUTATIONS)]
    if kind in RARE and rng.random() > RARE[kind]:
        kind = "bad_bytes"
    rows = _rows(rng)
    if fmt == "parquet":
        return f"f{i:05d}_{kind}.parquet", _parquet(rows, rng, kind)
    base = fmt.split(".")[0]
    data = _mutate(kind, _text_file(base, rows, rng), base, rng)
    if kind == "huge_field" and fmt == "csv.gz":  # a compression bomb instead
        data = b"text,label\n" + b"the same row,a\n" * 20_000_000
        kind = "gzip_bomb"
    if fmt.endswith(".gz"):
        data = gzip.compress(data, 6) if rng.random() > 0.1 else gzip.compress(data)[:-rng.randint(1, 30)]
    elif fmt.endswith(".zst"):
        import zstandard

        data = zstandard.ZstdCompressor().compress(data)
        if rng.random() < 0.1:
            data = data[: rng.randrange(len(data))]
    return f"f{i:05d}_{kind}.{fmt}", data


# -- checking one file (in a worker) --------------------------------------------------------------
def _limit(mem_mib: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (mem_mib << 20, mem_mib << 20))


def _init(mem_mib: int, workdir: str) -> None:
    _limit(mem_mib)
    os.chdir(workdir)
    os.environ.pop("TRAINLINT_DEBUG", None)


_SELECT: list[str] = []


class _Timeout(BaseException):
    """Not an Exception: the command's own ``except Exception`` must not turn it into an error line."""


def _alarm(_sig, _frame):
    raise _Timeout()


def _invoke(args: list[str], timeout: int):
    from click.testing import CliRunner
    from trainlint.cli import cli

    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        return CliRunner().invoke(cli, ["check", "--isolated", "--no-progress", *_SELECT, *args])
    finally:
        signal.alarm(0)


def check_one(seed: int, i: int, timeout: int = 120, fix: bool = True,
              select: str | None = None) -> tuple[str, list[str], dict]:
    """(file name, problems, facts) for the i-th file; written into the current directory.
    ``select``: the rules to run (default: the default set)."""
    global _SELECT
    _SELECT = ["--select", select] if select else []
    name, data = generate(seed, i)
    d = Path(tempfile.mkdtemp(prefix="fz", dir="."))
    path = d / name
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    problems: list[str] = []
    facts: dict = {"bytes": len(data)}
    t0 = time.time()
    try:
        problems += _check_run(str(path), timeout, facts, fix)
    except _Timeout:
        problems.append("hang")
    except MemoryError:
        problems.append("memory")
    if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
        problems.append("input changed")
    shutil.rmtree(d, ignore_errors=True)
    facts["seconds"] = round(time.time() - t0, 3)
    return name, problems, facts


def _check_run(path: str, timeout: int, facts: dict, fix: bool) -> list[str]:
    out = os.path.join(os.path.dirname(path), "out")
    args = [path, "--output-format", "json"] + (["--fix", "--output-dir", out] if fix else [])
    r = _invoke(args, timeout)
    if fix and r.exit_code == 2:  # --fix refused (a file-wide cause) or the file unreadable: check alone
        facts["fix_exit"] = 2
        problems = _common(r, path)
        fix = False
        r = _invoke([path, "--output-format", "json"], timeout)
    else:
        problems = []
    facts["exit"] = r.exit_code
    problems += _common(r, path)
    if r.exit_code in (0, 1) and not problems:
        report = json.loads(r.stdout)
        text = not path.endswith(".parquet")
        for f in report["findings"]:
            if f.get("source") not in (path, None):
                problems.append(f"finding names another file: {f.get('source')}")
            if text and f.get("row") is not None and f.get("line") is None:
                problems.append(f"{f['code']} finding without a line")
        rows = report["sources"][0]["rows"] if report["sources"] else 0
        facts["rows"] = rows
        facts["findings"] = len(report["findings"])
        if fix:
            facts["fix_exit"] = r.exit_code
            problems += _check_fix(path, out, rows)
    return problems


def _common(r, path: str) -> list[str]:
    problems = []
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        if isinstance(r.exception, _Timeout):
            raise r.exception
        if isinstance(r.exception, MemoryError):
            raise r.exception
        problems.append(f"traceback: {type(r.exception).__name__}: {str(r.exception)[:200]}")
    if "internal error" in r.stderr:
        problems.append("internal error: " + r.stderr.strip()[:300])
    if "Traceback" in r.stderr:
        problems.append("traceback on stderr")
    if r.exit_code not in (0, 1, 2):
        problems.append(f"exit {r.exit_code}")
    if r.exit_code == 2:
        err = r.stderr.strip().splitlines()
        if len(err) != 1:
            problems.append(f"exit 2 with {len(err)} stderr lines")
        elif path not in err[0] and "trainlint: error:" in err[0] and os.path.basename(path) not in err[0]:
            problems.append("exit 2 without the file name: " + err[0][:200])
    return problems


def _check_fix(path: str, out: str, rows: int) -> list[str]:
    """Records written (cleaned copy read back by trainlint's reader + rejects lines) = rows read."""
    from trainlint.clean import count_records
    from trainlint.sources import ReadOptions, open_sources

    name = os.path.basename(path)
    cleaned, rejects = os.path.join(out, name), os.path.join(out, name + ".rejects.jsonl")
    if not os.path.exists(cleaned) or not os.path.exists(rejects):
        return ["--fix wrote no cleaned copy or no rejects file"]
    spec = open_sources([path], ReadOptions())[0]
    kept = count_records(spec, cleaned)
    with open(rejects, "rb") as f:
        rejected = sum(1 for _ in f)
    if kept + rejected != rows:
        return [f"--fix: {kept} records in the cleaned copy + {rejected} rejects != {rows} rows read"]
    return []


# -- special files (subprocesses: a hang must be seen as one) --------------------------------------
def special_files(work: Path, timeout: int = 30) -> list[tuple[str, list[str]]]:
    d = work / "special"
    d.mkdir()
    (d / "a.csv").write_text("text,label\nthe cat sat,a\n")
    os.mkfifo(d / "pipe.csv")
    (d / "loop").mkdir()
    (d / "loop" / "x.csv").write_text("text,label\nx,a\n")
    os.symlink("..", d / "loop" / "up")
    os.symlink("x.csv", d / "loop" / "same.csv")
    cases = {"fifo named": [str(d / "pipe.csv")], "fifo in a directory": [str(d)],
             "fifo by a glob": [str(d / "*.csv")], "link loop under **": [str(d / "loop" / "**" / "*.csv")],
             "stdin -": ["-"], "/dev/stdin": ["/dev/stdin"]}
    out = []
    exe = [sys.executable, "-m", "trainlint", "check", "--isolated", "--no-progress"]
    for label, args in cases.items():
        problems = []
        try:
            p = subprocess.run(exe + args, capture_output=True, text=True, timeout=timeout,
                               input="text,label\nx,a\n")
            if "Traceback" in p.stderr or "internal error" in p.stderr:
                problems.append("traceback or internal error")
            if p.returncode == 2 and len(p.stderr.strip().splitlines()) != 1:
                problems.append("exit 2 with several lines")
            if label == "link loop under **" and p.returncode not in (0, 1):
                problems.append(f"exit {p.returncode}: {p.stderr.strip()[:200]}")
        except subprocess.TimeoutExpired:
            problems.append("hang")
        out.append((label, problems))
    return out


# -- the campaign ----------------------------------------------------------------------------------
def campaign(files: int, seed: int = 0, jobs: int = 1, mem_mib: int = 4096, timeout: int = 120,
             fix: bool = True, workdir: str | None = None, specials: bool = True) -> dict:
    work = Path(workdir or tempfile.mkdtemp(prefix="trainlint-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.time()
    results = []
    with ProcessPoolExecutor(jobs, initializer=_init, initargs=(mem_mib, str(work))) as pool:
        for res in pool.map(check_one, [seed] * files, range(files), [timeout] * files, [fix] * files,
                            chunksize=8):
            results.append(res)
            if res[1]:
                print(f"{res[0]}: {'; '.join(res[1])[:300]}", file=sys.stderr, flush=True)
            if len(results) % 500 == 0:
                print(f"[{len(results)}/{files} files, {time.time() - started:.0f} s]", file=sys.stderr, flush=True)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    special = special_files(work) if specials else []
    kinds = Counter()
    failures: dict[str, list[str]] = {}
    exits = Counter()
    for name, problems, facts in results:
        exits[facts.get("exit")] += 1
        for p in problems:
            kind = p.split(":")[0]
            kinds[kind] += 1
            failures.setdefault(kind, []).append(f"{name}: {p}")
    for label, problems in special:
        for p in problems:
            kinds[p] += 1
            failures.setdefault(p, []).append(f"special file ({label}): {p}")
    shutil.rmtree(work, ignore_errors=True)
    slowest = sorted(((f["seconds"], n) for n, _p, f in results), reverse=True)[:5]
    return {"slowest": slowest, "files": files, "special": len(special), "seconds": round(time.time() - started, 1),
            "exits": dict(exits), "fix_runs": sum(1 for _n, _p, f in results if "fix_exit" in f),
            "bytes": sum(f["bytes"] for _n, _p, f in results), "peak_rss_mib": peak_kib // 1024,
            "mem_limit_mib": mem_mib, "problems": dict(kinds), "failures": failures}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (keep to 1-2 on a shared machine)")
    ap.add_argument("--mem-mib", type=int, default=4096, help="address-space limit of each worker (RLIMIT_AS)")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per run before it counts as a hang")
    ap.add_argument("--no-fix", action="store_true", help="skip the --fix run of each file")
    args = ap.parse_args()
    res = campaign(args.files, args.seed, args.jobs, args.mem_mib, args.timeout, not args.no_fix)
    failures = res.pop("failures")
    print(json.dumps(res, indent=2))
    for kind, items in failures.items():
        print(f"\n{kind}: {len(items)}")
        for item in items[:5]:
            print("  " + item)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
