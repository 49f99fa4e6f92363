"""Readers, one per format, and the discovery of inputs: paths, directories and globs."""

from __future__ import annotations

import glob
import os
from dataclasses import replace
from typing import Any
from collections.abc import Sequence

from ..context import SourceInfo
from ..errors import SourceError, UsageError
from .base import Batch, Block, BlockMiscount, LineIndex, ReadOptions, Reader
from .columnar import ParquetReader, TableReader, to_arrow  # noqa: F401  (re-exported)
from .delimited import DelimitedReader, TsvReader
from .jsonarray import JsonArrayReader
from .jsonl import JsonlReader
from .roles import infer_roles, split_from_name
from .stream import compression_of, read_sample
from .walk import Excluder, Walk, not_a_dataset

__all__ = ["Batch", "Block", "BlockMiscount", "LineIndex", "ReadOptions", "Reader", "open_sources", "discover",
           "SourceSpec", "FORMATS"]

READERS: dict[str, type[Reader]] = {
    "csv": DelimitedReader,
    "tsv": TsvReader,
    "jsonl": JsonlReader,
    "json": JsonArrayReader,
    "parquet": ParquetReader,
}
FORMATS = tuple(READERS)
EXTENSIONS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json": "json", ".parquet": "parquet", ".pq": "parquet",
}
# files a directory walk picks up; a file named explicitly may have any name (SMSSpamCollection)
_WALK_EXT = tuple(EXTENSIONS) + (".txt",)


def _strip_compression(path: str) -> str:
    comp = compression_of(path)
    if comp:
        return path[: path.lower().rfind(".")]
    return path


def format_of(path: str, forced: str | None = None) -> str:
    """The file format from the extension, else from the first bytes."""
    if forced:
        if forced not in READERS:
            raise UsageError(f"unknown input format '{forced}': use one of {', '.join(FORMATS)}")
        return forced
    base = _strip_compression(path).lower()
    ext = os.path.splitext(base)[1]
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    head = read_sample(path, 4096)
    if head[:4] == b"PAR1":
        return "parquet"
    stripped = head.lstrip()
    if stripped[:1] == b"{":
        return "jsonl"
    if stripped[:1] == b"[":
        return "json"
    return "csv"


def _is_output_artifact(path: str) -> bool:
    return ".rejects." in os.path.basename(path)


def discover(paths: Sequence[str], exclude: Sequence[str] = (), root: str | None = None,
             force_exclude: bool = False, recursive: bool = True,
             skipped: list[tuple[str, str]] | None = None) -> list[str]:
    """Files named by paths, directories (walked, sorted) and globs, each once (by real path), in the
    order given.  Symbolic links to directories are not followed (a link loop cannot hang a walk);
    anything that is not a regular file (a FIFO, a socket, standard input) and a directory that
    cannot be read stop the run with one line.

    A walk skips files matching ``exclude`` (ruff's semantics, ``lint/globs.py``; relative to
    ``root``) and files that are not datasets (``walk.not_a_dataset``), and says which in
    ``skipped`` as (path, why); a file named explicitly is linted, unless ``force_exclude``."""
    out: list[str] = []
    seen: set[str] = set()
    excluded = Excluder(exclude, root)
    skip = skipped if skipped is not None else []

    def add(p: str) -> None:
        if "://" not in p or p.startswith("file://"):
            _regular_file(p)
            key = os.path.realpath(p[7:] if p.startswith("file://") else p)
        else:
            key = p
        if key not in seen:
            seen.add(key)
            out.append(p)

    for p in paths:
        if p in ("-", "/dev/stdin"):
            raise SourceError(f"{p}: reading standard input is not supported (trainlint reads a file more than "
                              f"once); save it to a file first, e.g. cat > data.jsonl")
        if "://" in p and not p.startswith("file://"):
            add(p)
        elif any(ch in p for ch in "*?["):
            files = _glob_files(p)
            if not files:
                raise SourceError(f"{p}: the pattern matches no file")
            for m in files:
                if not excluded.skips(m, skip):
                    add(m)
        elif os.path.isdir(p):
            found = []
            for root_dir, dirs, files in _walk(p):
                dirs[:] = sorted(d for d in dirs if recursive and not d.startswith(".")
                                 and not excluded(os.path.join(root_dir, d)))
                for f in sorted(files):
                    full = os.path.join(root_dir, f)
                    if f.startswith(".") or _is_output_artifact(full):
                        continue
                    name = _strip_compression(f).lower()
                    if not name.endswith(_WALK_EXT):
                        continue
                    _regular_file(full)
                    if name.endswith(".txt") and not _looks_tabular(full):
                        continue  # a README next to the data, not data
                    if not excluded.skips(full, skip):
                        why = not_a_dataset(full, name)
                        if why:
                            skip.append((full, why))
                        else:
                            found.append(full)
            if not found:
                raise SourceError(f"{p}: the directory holds no data files "
                                  f"({', '.join(sorted(set(EXTENSIONS)))}, optionally .gz/.zst)"
                                  + "".join(f"; skipped {q} ({why})" for q, why in skip[:5]))
            for f in found:
                add(f)
        elif os.path.exists(p) or os.path.islink(p):
            if not (force_exclude and excluded.skips(p, skip)):
                add(p)
        else:
            raise SourceError(f"{p}: no such file or directory; check the path")
    return out


def _regular_file(path: str) -> None:
    """SourceError unless ``path`` is a regular file (after links): opening a FIFO blocks forever."""
    import stat

    local = path[7:] if path.startswith("file://") else path
    try:
        mode = os.stat(local).st_mode
    except OSError as e:
        raise SourceError(f"{path}: cannot be read ({e.strerror or e}); check the path and links") from None
    if stat.S_ISREG(mode):
        return
    kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a directory" if stat.S_ISDIR(mode)
            else "not a regular file")
    raise SourceError(f"{path}: {kind}, not a regular file; trainlint reads files more than once: "
                      f"save the data to a file first (or remove it from the directory)")


def _walk(top: str):
    """os.walk without following links, failing on a directory it cannot read."""
    def fail(e: OSError) -> None:
        raise SourceError(f"{e.filename}: cannot read the directory ({e.strerror or e}); "
                          f"fix its permissions or name the files to lint") from None

    return os.walk(top, onerror=fail, followlinks=False)


def _glob_files(pattern: str) -> list[str]:
    """Files matching a glob (``**`` = any number of directories), found by a walk that does not
    follow links to directories: ``glob.glob`` loops through a link that points to its parent."""
    import re

    if "**" not in pattern:
        return sorted(m for m in glob.glob(pattern) if not os.path.isdir(m))
    parts = pattern.split("/")
    k = next(i for i, part in enumerate(parts) if any(ch in part for ch in "*?["))
    base = "/".join(parts[:k]) or ("/" if pattern.startswith("/") else ".")
    rest = "/".join(parts[k:])
    rx = ""
    i = 0
    while i < len(rest):
        if rest.startswith("**/", i):
            rx, i = rx + "(?:[^/]*/)*", i + 3
        elif rest.startswith("**", i):
            rx, i = rx + ".*", i + 2
        elif rest[i] == "*":
            rx, i = rx + "[^/]*", i + 1
        elif rest[i] == "?":
            rx, i = rx + "[^/]", i + 1
        elif rest[i] == "[" and "]" in rest[i + 1:]:
            j = rest.index("]", i + 2) if rest[i + 1] == "]" else rest.index("]", i + 1)
            body = rest[i + 1:j].replace("\\", "\\\\")
            rx, i = rx + "[" + ("^" + body[1:] if body.startswith("!") else body) + "]", j + 1
        else:
            rx, i = rx + re.escape(rest[i]), i + 1
    match = re.compile(rx + r"\Z").match
    found = []
    if not os.path.isdir(base):
        return []
    for root, dirs, files in _walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            full = os.path.join(root, f)
            rel = os.path.relpath(full, base)
            if not f.startswith(".") and match(rel):
                found.append(full if base != "." or pattern.startswith("./") else rel)
    return sorted(found)


def walk_files(paths: Sequence[str], exclude: Sequence[str] = (), root: str | None = None,
               force_exclude: bool = False, recursive: bool = True):
    """``discover`` with what it skipped and why (a ``walk.Walk``)."""

    skipped: list[tuple[str, str]] = []
    files = discover(paths, exclude, root, force_exclude, recursive, skipped)
    return Walk(files, skipped)


def _looks_tabular(path: str) -> bool:
    """A .txt file found in a directory walk is data only if its lines split consistently."""
    from collections import Counter

    from .sniff import CANDIDATES, count_outside_quotes

    try:
        lines = [ln for ln in read_sample(path, 1 << 14).decode("utf-8", "replace").splitlines() if ln.strip()]
    except SourceError:
        return False
    lines = lines[:-1] if len(lines) > 2 else lines
    if len(lines) < 2:
        return False
    for d in CANDIDATES:
        mode, freq = Counter(count_outside_quotes(ln, d) for ln in lines).most_common(1)[0]
        if mode > 0 and freq / len(lines) >= 0.9:
            return True
    return False


class SourceSpec:
    """An opened input: its info (with roles) and its reader."""

    def __init__(self, info: SourceInfo, reader: Reader) -> None:
        self.info = info
        self.reader = reader


def _sample_table(reader: Reader):
    for block in reader.blocks():
        for batch in reader.parse(block):
            if batch.table.num_rows:
                return batch.table.slice(0, 2000)
        break
    return None


def open_sources(
    inputs: Any,
    options: ReadOptions,
    *,
    text: tuple[str, ...] | None = None,
    label: str | None = None,
    split_column: str | None = None,
    record_format: str | None = None,
) -> list[SourceSpec]:
    """Open every input, infer roles, and check that requested columns exist."""
    from .. import formats

    from ..frames import frames, is_frame

    specs: list[SourceSpec] = []
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [os.fspath(inputs)]
    items: list[tuple[str, Any, str | None]] = []  # (path or name, in-memory table, split)
    if is_frame(inputs):
        items.extend(frames(inputs))
    else:
        if any(is_frame(x) for x in inputs):
            for i, t in enumerate(inputs):
                if isinstance(t, (str, os.PathLike)):
                    items.extend((p, None, None) for p in discover([os.fspath(t)]))
                else:
                    items.extend(frames(t, f"<dataframe {i}>"))
        else:
            items.extend((p, None, None) for p in discover([os.fspath(x) for x in inputs]))
    if not items:
        raise UsageError("no input given: name files, directories or globs")
    for index, (path, table, split_name) in enumerate(items):
        if table is not None:
            info = SourceInfo(index=index, path=path, format="dataframe", split=split_name)
            reader: Reader = TableReader(info, path, options, table)
        else:
            fmt = format_of(path, options.input_format)
            info = SourceInfo(index=index, path=path, format=fmt, split=split_from_name(path))
            reader = READERS[fmt](info, path, options)
        columns = reader.open()
        sample = _sample_table(reader)
        if sample is None:
            import pyarrow as pa

            sample = pa.table({c: pa.array([], pa.string()) for c in columns})
        rec_format = formats.detect(columns, sample, record_format)
        notes = [formats.format_note(rec_format)] if rec_format != "text" and not record_format else []
        t, lab, split = infer_roles(sample, text=text if rec_format == "text" else (text or ()),
                                    label=label, split_column=split_column, notes=notes)
        for col in list(t) + [c for c in (lab, split) if c]:
            if _column_missing(col, columns, sample):
                raise UsageError(f"{path}: no column '{col}' (columns: {', '.join(columns)}); "
                                 f"check --text/--label/--split-column")
        info = replace(info, format=reader.format, columns=tuple(columns), text_columns=t, label_column=lab,
                       split_column=split, record_format=rec_format, role_notes=tuple(notes))
        reader.info = info
        specs.append(SourceSpec(info, reader))
    return specs


def _column_missing(col: str, columns: list[str], sample) -> bool:
    if col in columns:
        return False
    from ..context import column_by_path

    return column_by_path(sample, col) is None
