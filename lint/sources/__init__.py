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
from .jsonfiles import JsonArrayReader, JsonlReader
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
    """Files named by paths, directories (walked, sorted) and globs, each once, in the order given.

    A walk skips files matching ``exclude`` (ruff's semantics, ``lint/globs.py``; relative to
    ``root``) and files that are not datasets (``walk.not_a_dataset``), and says which in
    ``skipped`` as (path, why); a file named explicitly is linted, unless ``force_exclude``."""
    out: list[str] = []
    seen: set[str] = set()
    excluded = Excluder(exclude, root)
    skip = skipped if skipped is not None else []

    def add(p: str) -> None:
        key = os.path.abspath(p) if "://" not in p else p
        if key not in seen:
            seen.add(key)
            out.append(p)

    for p in paths:
        if "://" in p and not p.startswith("file://"):
            add(p)
        elif any(ch in p for ch in "*?["):
            matches = sorted(glob.glob(p, recursive=True))
            files = [m for m in matches if os.path.isfile(m)]
            if not files:
                raise SourceError(f"{p}: the pattern matches no file")
            for m in files:
                if not excluded.skips(m, skip):
                    add(m)
        elif os.path.isdir(p):
            found = []
            for root_dir, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if recursive and not d.startswith(".")
                                 and not excluded(os.path.join(root_dir, d)))
                for f in sorted(files):
                    full = os.path.join(root_dir, f)
                    if f.startswith(".") or _is_output_artifact(full):
                        continue
                    name = _strip_compression(f).lower()
                    if name.endswith(".txt") and not _looks_tabular(full):
                        continue  # a README next to the data, not data
                    if name.endswith(_WALK_EXT) and not excluded.skips(full, skip):
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
        elif os.path.exists(p):
            if not (force_exclude and excluded.skips(p, skip)):
                add(p)
        else:
            raise SourceError(f"{p}: no such file or directory; check the path")
    return out


def walk_files(paths: Sequence[str], exclude: Sequence[str] = (), root: str | None = None,
               force_exclude: bool = False, recursive: bool = True):
    """``discover`` with what it skipped and why (a ``walk.Walk``)."""

    skipped: list[tuple[str, str]] = []
    files = discover(paths, exclude, root, force_exclude, recursive, skipped)
    return Walk(files, skipped)


def _looks_tabular(path: str) -> bool:
    """A .txt file found in a directory walk is data only if its lines split consistently."""
    from collections import Counter

    from .sniff import CANDIDATES, _count_outside_quotes

    try:
        lines = [ln for ln in read_sample(path, 1 << 14).decode("utf-8", "replace").splitlines() if ln.strip()]
    except SourceError:
        return False
    lines = lines[:-1] if len(lines) > 2 else lines
    if len(lines) < 2:
        return False
    for d in CANDIDATES:
        mode, freq = Counter(_count_outside_quotes(ln, d) for ln in lines).most_common(1)[0]
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
        t, lab, split = infer_roles(sample, text=text if rec_format == "text" else (text or ()),
                                    label=label, split_column=split_column)
        for col in list(t) + [c for c in (lab, split) if c]:
            if _column_missing(col, columns, sample):
                raise UsageError(f"{path}: no column '{col}' (columns: {', '.join(columns)}); "
                                 f"check --text/--label/--split-column")
        info = replace(info, format=reader.format, columns=tuple(columns), text_columns=t, label_column=lab,
                       split_column=split, record_format=rec_format)
        reader.info = info
        specs.append(SourceSpec(info, reader))
    return specs


def _column_missing(col: str, columns: list[str], sample) -> bool:
    if col in columns:
        return False
    from ..context import column_by_path

    return column_by_path(sample, col) is None
