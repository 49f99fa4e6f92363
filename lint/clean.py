"""The cleaned copy and the rejects file (datatrove's exclusion writer, for one linter run), and
the changes file of the rows ``--mask`` rewrites (``trainlint.rewrite``).  What a fix would do
without writing (``--diff``, ``Report.cleaned``) is ``trainlint.preview``.

Every function here takes the report (which rows to drop, and why) and the sources the run read:
the readers ``trainlint.sources.open_sources`` opened, which the runner hands in, or an
``Inputs`` (``report.inputs``) that opens them again.  A Report holds no reader.

For every input, ``DIR/<name>`` holds the kept rows in the input's own format (JSONL lines and
CSV records copied byte for byte, Parquet with the same schema) and ``DIR/<name>.rejects.jsonl``
holds each removed row with its source, line, codes and reasons.  Kept + rejected = input rows,
checked before anything is renamed into place; files are written to temporary names and renamed
only when every output is complete, so a failed run leaves nothing half-written.

Each input is written by one task, ``_write_one(spec, rows to drop, paths, token)``, which returns
its counts and temporary names; ``tasks`` runs those tasks (default: here, one after another).
The Dask engine runs them on its workers, one per input file (so a sharded dataset is written in
parallel, each worker reading its shard again and copying the kept records), and this process
only checks the counts and renames.  Temporary names carry the run's token, so files left by a
worker that died mid-write are found and removed whatever happens.
"""

from __future__ import annotations

import glob
import gzip
import json
import os
import re
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Sequence

import numpy as np

from .errors import TrainlintError, UsageError
from .memory import return_freed_memory
from .paths import ensure_not_an_input
from .sources.stream import compression_of

if TYPE_CHECKING:  # pragma: no cover
    from .report import Report
    from .sources import SourceSpec


@dataclass
class CleanResult:
    path: str
    cleaned: str
    rejects: str
    kept: int
    rejected: int
    #: kept rows whose text ``--mask`` rewrote, and where the changes are recorded (None: none)
    rewritten: int = 0
    changes: str | None = None


@dataclass
class CleanSummary:
    results: list[CleanResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def output_paths(paths: list[str], output_dir: str) -> dict[str, tuple[str, str]]:
    """input -> (cleaned path, rejects path); inputs keep their paths relative to their common folder."""
    local = [p for p in paths if "://" not in p]
    if not local:
        return {}
    dirs = [os.path.dirname(os.path.abspath(p)) for p in local]
    common = os.path.commonpath(dirs) if dirs else ""
    out = {}
    for p in local:
        rel = os.path.relpath(os.path.abspath(p), common)
        cleaned = os.path.join(output_dir, rel)
        out[p] = (cleaned, cleaned + ".rejects.jsonl")
    return out


def _open_compressed(f, path: str):
    comp = compression_of(path)
    if comp == "gzip":
        return gzip.GzipFile(fileobj=f, mode="wb", mtime=0)
    if comp == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().stream_writer(f, closefd=False)
    return None


def _here(fn: Callable, calls: list[tuple]) -> list:
    return [fn(*args) for args in calls]


def opened(sources: Any) -> list[SourceSpec]:
    """The sources to read: as given when they are open, else ``sources.open()`` (an ``Inputs``);
    none for None (a report made by hand, which knows no inputs)."""
    if sources is None:
        return []
    return sources.open() if hasattr(sources, "open") else list(sources)


def _unwritable(output_dir: str, e: OSError) -> UsageError:
    where = e.filename or output_dir
    return UsageError(f"--output-dir {output_dir}: cannot write {where}: {e.strerror or e}; "
                      "choose a folder you can write to (nothing was written)")


def write_outputs(report: Report, sources: Sequence[SourceSpec] | Any, output_dir: str, unsafe: bool = False,
                  tasks: Callable[[Callable, list[tuple]], list] | None = None) -> CleanSummary:
    """Write the cleaned copies and rejects files of ``sources`` (the run's).  ``tasks(fn, calls)``
    returns ``[fn(*args) for args in calls]``, wherever it runs them (they write to ``output_dir``)."""
    sources = opened(sources)
    specs = [s for s in sources if s.info.format != "dataframe"]
    summary = CleanSummary(skipped=[s.info.path for s in sources if s.info.format == "dataframe"])
    targets = output_paths([s.info.path for s in specs], output_dir)
    inputs = [s.info.path for s in sources]
    for s in specs:
        if s.reader.fix_refusal:
            raise UsageError(s.reader.fix_refusal)
        for out in targets.get(s.info.path, ()):
            ensure_not_an_input(out, inputs, f"--output-dir {output_dir}: the file")
    drop = report.rows_to_drop(unsafe)
    edit = report.rows_to_edit(unsafe) if report.mask else {}
    rows_by_path = {src["path"]: src["rows"] for src in report.sources}
    return_freed_memory()
    token = uuid.uuid4().hex[:12]
    started = time.time()
    temps: list[tuple[str, str]] = []
    calls = []
    for s in specs:
        if s.info.path not in targets:
            summary.skipped.append(s.info.path)
            continue
        cleaned_path, rejects_path = targets[s.info.path]
        try:
            os.makedirs(os.path.dirname(cleaned_path) or ".", exist_ok=True)
        except OSError as e:
            raise _unwritable(output_dir, e) from None
        remove_stale_temporaries(os.path.dirname(cleaned_path) or ".", started)
        calls.append((s, drop.get(s.info.path, {}), cleaned_path, rejects_path, token, edit.get(s.info.path)))
    stale: list[str] = []
    try:
        try:
            results = (tasks or _here)(_write_one, calls) if calls else []
        except OSError as e:  # nothing is replaced yet: the temporaries are removed below
            raise _unwritable(output_dir, e) from None
        for call, res in zip(calls, results):
            temps += [(res[2], call[2]), (res[3], call[3])]
            if res[5] is not None:
                temps.append((res[5], changes_path(call[3])))
            else:  # a changes file of an earlier run would describe a copy this run replaces
                stale.append(changes_path(call[3]))
        for (s, _d, cleaned_path, rejects_path, _t, _e), res in zip(calls, results):
            kept, rejected, rewritten = res[0], res[1], res[4]
            expected = rows_by_path.get(s.info.path)
            if expected is not None and kept + rejected != expected:
                raise TrainlintError(f"{s.info.path}: internal error: {kept} kept + {rejected} rejected != "
                                     f"{expected} rows read; nothing was written; please report this")
            summary.results.append(CleanResult(s.info.path, cleaned_path, rejects_path, kept, rejected, rewritten,
                                               changes_path(rejects_path) if res[5] is not None else None))
        for tmp, final in temps:
            os.replace(tmp, final)
        temps = []
        for old in stale:
            if os.path.lexists(old):
                os.unlink(old)
    finally:
        for tmp, _final in temps:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        # what a task that died mid-write left behind (a worker killed, then the task rerun)
        for d in {os.path.dirname(c[2]) or "." for c in calls}:
            for left in glob.glob(os.path.join(glob.escape(d), f".trainlint-{token}-*")):
                try:
                    os.unlink(left)
                except OSError:
                    pass
    return summary


def changes_path(rejects_path: str) -> str:
    """Where the changes ``--mask`` made are recorded: beside the rejects file."""
    return rejects_path[: -len(".rejects.jsonl")] + ".changes.jsonl"


def _write_one(spec, by_row: dict[int, list], cleaned_path: str, rejects_path: str, token: str = "run",
               edits: dict[int, list] | None = None):
    """Write one input's cleaned copy and rejects (and the changes file, when rows are rewritten)
    to temporary names; (kept, rejected, temp names, rewritten, changes temp name or None)."""
    from .rewrite import Rewriter

    d = os.path.dirname(cleaned_path) or "."
    # named after the final file (same extension, so the written copy can be read back and
    # counted) and the writing process (so a later run can tell a dead writer's leftovers)
    prefix = _temp_prefix(token)
    fd_c, tmp_c = tempfile.mkstemp(prefix=prefix, suffix="." + os.path.basename(cleaned_path), dir=d)
    fd_r, tmp_r = tempfile.mkstemp(prefix=prefix, suffix="." + os.path.basename(rejects_path), dir=d)
    umask = os.umask(0)
    os.umask(umask)
    tmp_x = None
    if edits:
        fd_x, tmp_x = tempfile.mkstemp(prefix=prefix, suffix="." + os.path.basename(changes_path(rejects_path)), dir=d)
        os.close(fd_x)
    temps = [t for t in (tmp_c, tmp_r, tmp_x) if t]
    for t in temps:  # mkstemp makes 0600; outputs are ordinary files
        os.chmod(t, 0o666 & ~umask)
    try:
        with os.fdopen(fd_c, "wb") as raw_out, os.fdopen(fd_r, "w", encoding="utf-8", errors="backslashreplace") as rej, \
                open(tmp_x or os.devnull, "w", encoding="utf-8", errors="backslashreplace") as chg:
            writer = _open_compressed(raw_out, spec.info.path) if spec.info.format != "parquet" else None
            out = writer or raw_out
            path = spec.info.path
            rewriter = Rewriter(edits, path, chg) if edits else None

            def reject(row: int, line: int | None, record: Any, raw: bytes | None) -> None:
                fs = by_row.get(row, [])
                why: list[str] = []
                if not fs and rewriter is not None and row in rewriter.failed:
                    fs, why = rewriter.reasons(row)
                entry = {
                    "source": path, "row": row, "line": line,
                    "codes": sorted({f.code for f in fs}),
                    "reasons": [f"{f.code} {f.name}: {f.message}" for f in fs] + why,
                    "record": record,
                }
                if raw is not None:
                    entry["raw"] = raw.decode("utf-8", "backslashreplace")
                rej.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")

            drop_rows = getattr(by_row, "rows", None)  # Report.rows_to_drop's mappings carry the array
            if drop_rows is None:
                drop_rows = np.array(sorted(by_row), dtype=np.int64)
            if rewriter is not None:
                kept, rejected = spec.reader.write_cleaned(drop_rows, out, reject, rewriter)
            else:
                kept, rejected = spec.reader.write_cleaned(drop_rows, out, reject)
            if writer is not None:
                writer.close()
        # the invariant on what was written, not on the writer's counters
        written = (count_records(spec, tmp_c), _count_lines(tmp_r))
        if written != (kept, rejected):
            raise TrainlintError(f"{spec.info.path}: internal error: the cleaned copy holds {written[0]} records "
                                 f"and the rejects file {written[1]}, for {kept} kept and {rejected} rejected; "
                                 f"nothing was written; please report this")
    except BaseException:
        for t in temps:
            try:
                os.unlink(t)
            except OSError:
                pass
        raise
    return kept, rejected, tmp_c, tmp_r, rewriter.rewritten if rewriter else 0, tmp_x


def count_records(spec, path: str) -> int:
    """Records in a file written for ``spec`` (a cleaned copy), read back by its own reader."""
    from dataclasses import replace

    from .errors import SourceError

    if spec.info.format == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    opts = replace(spec.reader.options, encoding="utf-8", input_format=spec.info.format)  # copies are UTF-8
    dialect = getattr(spec.reader, "dialect", None)
    if dialect is not None:
        opts = replace(opts, delimiter=dialect.delimiter, header=dialect.header, quoting=dialect.quoting)
    reader = type(spec.reader)(replace(spec.info, path=path), path, opts)
    if spec.info.format == "json":
        try:
            reader.open()
        except SourceError as e:
            if "empty" in str(e):
                return 0
            raise
        return len(reader._spans)
    # cut into records as the input was (its dialect), without sniffing the copy: a copy that kept
    # only a line of spaces is no "empty file" here
    for attr in ("dialect", "columns"):
        if hasattr(spec.reader, attr):
            setattr(reader, attr, getattr(spec.reader, attr))
    return sum(int(b.payload[1].size) for b in reader.blocks())


def _count_lines(path: str) -> int:
    n = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            n += chunk.count(b"\n")
    return n


#: temporaries: ``.trainlint-<run token>-<host>-<pid>-<random>.<final name>``
_TEMP = re.compile(r"^\.trainlint-[0-9a-f]{12}-(?P<host>[^-/]*)-(?P<pid>\d+)-[^/]+$")
#: a temporary older than this is stale whoever wrote it (a writer on another machine)
STALE_SECONDS = 24 * 3600


def _temp_prefix(token: str) -> str:
    import socket

    host = re.sub(r"[^A-Za-z0-9.]", "", socket.gethostname())[:40]
    return f".trainlint-{token}-{host}-{os.getpid()}-"


def remove_stale_temporaries(directory: str, started: float) -> list[str]:
    """Remove what killed ``--fix`` runs left in ``directory``: trainlint's temporaries, older than
    this run, written by a process of this machine that no longer exists (or older than a day).
    Returns the names removed."""
    import socket
    import time

    host = re.sub(r"[^A-Za-z0-9.]", "", socket.gethostname())[:40]
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        m = _TEMP.match(name)
        if not m:
            continue
        path = os.path.join(directory, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not stat_is_file(st) or st.st_mtime >= started:
            continue
        dead = m["host"] == host and not _alive(int(m["pid"]))
        if dead or time.time() - st.st_mtime > STALE_SECONDS:
            try:
                os.unlink(path)
                removed.append(name)
            except OSError:
                pass
    return removed


def stat_is_file(st) -> bool:
    import stat

    return stat.S_ISREG(st.st_mode)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
