"""The incremental-lint cache: every file's rule states, kept between runs (issue 17).

A rule's state is built by ``update`` and combined by ``merge`` in row order before ``finish``,
so one file's result -- its rule states, the findings its ``update`` calls returned, its row
count and its line locations -- is all a later run needs from it.  A re-run loads the results of
unchanged files, lints only the changed ones, merges every file's result in order and runs
``finish``: checks across files (duplicates across files, leakage between splits) stay exact.

An entry is keyed by the file's content (size and mtime first, then an xxhash of its bytes), the
trainlint version, the rules and their options, and the source as opened (roles, columns,
format, position among the inputs) and the reader settings.  Anything else means a miss.

The cache never changes results: an entry is written to a temporary file and renamed into
place, an entry that cannot be read (damaged, another version's) is ignored and rebuilt, and a
rule whose state is too large to keep (``cacheable = False``) makes the run bypass the cache.
The directory is capped (``max_bytes``); the least recently used entries go first.

A file that only grew (CSV/TSV, JSONL) is read from where its cached content ended; a Parquet file
is kept row group by row group (``appends``); what ``finish`` verified, as a memo (``finishmemo``).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .cachedir import files as _files
from .cachedir import tag as _tag
from .cacheio import dump_entry, read_entry
from .appends import Anchor, Blocks, Grown, Link, Merged, clean_end, hash_prefix, last_line, reader_print

#: bump when the layout of an entry changes
FORMAT = 3  # 2: links (appends), row-group blocks, anchors; 3: states holding spilled arrays (trainlint.spill)
DIRNAME = ".trainlint_cache"
#: appends kept as links before a grown file's result is stored whole again
MAX_LINKS = 8
#: default size cap of the directory
MAX_BYTES = 2 << 30
#: seconds: a file modified more recently is hashed on every run
_RACY = 2.0
#: the settings that change how a file is read into records
_READER_FIELDS = ("text", "label", "split_column", "format", "input_format", "encoding", "delimiter", "header")


def default_dir(settings) -> str:
    """``.trainlint_cache`` next to the config file, else in the working directory (as ruff)."""
    return settings.cache_dir or os.path.join(settings.root, DIRNAME)


def uncacheable(rules: Sequence[Any]) -> list[str]:
    """Names of the rules whose state says it is too large to keep."""
    return [r.name for r in rules if not getattr(r, "cacheable", True)]


def _digest(*parts: Any) -> str:
    return hashlib.blake2b(pickle.dumps(parts, protocol=4), digest_size=16).hexdigest()

entry_name = _digest  # an entry's name from its parts, for the other keepers of entries (``finishmemo``)


class StateCache:
    """Per-file results on disk, under ``root``.  ``run_key`` fixes what a run's results depend
    on apart from the file itself (version, rules, options, reader settings)."""

    def __init__(self, root: str, rules: Sequence[Any], settings: Any = None, max_bytes: int = MAX_BYTES,
                 whole_runs: bool = True) -> None:
        from ._version import __version__

        self.root = Path(root)
        self.max_bytes = max_bytes
        reader = tuple((f, repr(getattr(settings, f, None))) for f in _READER_FIELDS)
        self.run_key = _digest(FORMAT, __version__, [(type(r).__module__, type(r).__qualname__, r.name,
                                                       repr(getattr(r, "options", None)), repr(getattr(r, "patterns", None)),
                                                       self._option_files(getattr(r, "options", None)))
                                                      for r in rules], reader)
        self.hits = self.misses = 0
        #: files whose grown tail only was read (``grown``)
        self.appends = 0
        self._stat: dict[str, tuple[int, int]] = {}
        self._newlines: dict[str, int] = {}
        self._digests: dict[str, str] = {}
        #: path -> (size, hash of the file's first size bytes), read with its content hash
        self._prefixes: dict[str, tuple[int, str]] = {}
        #: path -> the content hash of the earlier content a grown file was read on from
        self._grown_from: dict[str, str] = {}
        #: keep whole runs' finished results too (``run_entry``)
        self.whole_runs = whole_runs

    def _option_files(self, options: Any) -> list:
        """The content of files an option names (``against``: evaluation files): an edit to
        them must change the key even though the option's text stays the same."""
        import dataclasses

        if not dataclasses.is_dataclass(options):
            return []
        out = []
        for f in dataclasses.fields(options):
            value = getattr(options, f.name)
            for v in value if isinstance(value, (tuple, list)) else (value,):
                if isinstance(v, (str, os.PathLike)) and os.path.exists(v):
                    if os.path.isdir(v):
                        out.append([(str(p), p.stat().st_size, p.stat().st_mtime_ns)
                                    for p in sorted(Path(v).rglob("*")) if p.is_file()])
                    else:
                        out.append(self.content_hash(str(v)))
        return out

    # -- keys ---------------------------------------------------------------------------------------

    def content_hash(self, path: str, prefix: Any = None) -> str | None:
        """The xxhash of the file's bytes, remembered by (path, size, mtime) so an unchanged file
        is not read again; None when it is no regular file.  Its newlines are counted on the way
        (``newlines``: the line a record appended after them starts on), and, when the file is
        read, the hash of its first ``prefix()`` bytes (``grown`` then needs no second read)."""
        import numpy as np
        import xxhash

        try:
            st = os.stat(path)
        except OSError:
            return None
        if not os.path.isfile(path):
            return None
        self._stat[path] = (st.st_size, st.st_mtime_ns)
        memo = self.root / "stat" / _digest(os.path.abspath(path), st.st_size, st.st_mtime_ns, st.st_ino)
        try:
            digest, newlines = memo.read_text("ascii").split()
            self._newlines[path] = int(newlines)
            self._digests[path] = digest
            return digest
        except (OSError, ValueError):
            pass
        h = xxhash.xxh3_128()
        newlines = pos = 0
        at = prefix() if prefix is not None else None
        try:
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 22), b""):
                    if at is not None and pos < at <= pos + len(chunk):
                        h.update(memoryview(chunk)[:at - pos])
                        self._prefixes[path] = (at, f"{h.hexdigest()}-{at}")  # as ``hash_prefix``
                        h.update(memoryview(chunk)[at - pos:])
                    else:
                        h.update(chunk)
                    pos += len(chunk)
                    newlines += int(np.count_nonzero(np.frombuffer(chunk, np.uint8) == 10))  # 3x bytes.count
            st2 = os.stat(path)
        except OSError:
            return None
        digest = f"{h.hexdigest()}-{st2.st_size}"
        self._newlines[path] = newlines
        self._digests[path] = digest
        # remembered only when the file did not change while read and its mtime is older than
        # the clock's resolution could hide: a same-size edit in the same tick (``racy git``)
        # would otherwise keep the old hash
        if (st2.st_size, st2.st_mtime_ns) == (st.st_size, st.st_mtime_ns) and time.time() - st.st_mtime > _RACY:
            self._write(memo, f"{digest} {newlines}".encode("ascii"))
        return digest

    def _anchor_size(self, info: Any) -> int | None:
        anchor = self.load(self._anchor_key(info), count=False)
        return anchor.size if isinstance(anchor, Anchor) else None

    def digest(self, path: str) -> str | None:
        """The content hash this run keyed the file by (``content_hash``), or None."""
        return self._digests.get(path) if path in self._digests else self.content_hash(path)

    def grown_from(self, path: str) -> str | None:
        """The content hash of the earlier content this run read the grown file ``path`` on from
        (its rows are the same records), or None when it was not read as grown."""
        return self._grown_from.get(path)

    def unchanged(self, path: str) -> bool:
        """Whether the file still has the size and mtime it had when hashed: a result read from a
        file that changed meanwhile is not stored (it may hold rows the key does not)."""
        try:
            st = os.stat(path)
        except OSError:
            return False
        return self._stat.get(path) == (st.st_size, st.st_mtime_ns)

    def key(self, info: Any) -> str | None:
        """The entry's name for the source ``info`` (its roles, columns, format and position are
        part of it), or None when it cannot be cached (no file: a DataFrame, a stream)."""
        content = self.content_hash(info.path, lambda: self._anchor_size(info)) if info.path else None
        if content is None:
            return None
        return _digest(self.run_key, content, pickle.dumps(info, protocol=4))

    def run_entry(self, keys: Sequence[str | None], engine: str = "") -> str | None:
        """The key of a whole run's finished result over the files ``keys`` (in order), or None
        when it is not kept: a file without a key, or ``whole_runs`` off (a rule of the run
        keeps what ``finish`` found on itself, as the content keys do).  ``engine``: the engine
        other than the local one that ran it (``engines.cached``)."""
        if not self.whole_runs or not keys or any(k is None for k in keys):
            return None
        return _digest("run", self.run_key, list(keys), *((engine,) if engine else ()))

    def block_keys(self, reader: Any) -> list[tuple[Any, str]] | None:
        """(block, its entry's key) for a reader whose blocks can be cached one by one (Parquet:
        a row group, keyed by its bytes and metadata, the schema and the row it starts at), so
        that a file rewritten with row groups added or replaced reads only those; else None."""
        prints = getattr(reader, "block_fingerprints", None)
        found = prints() if prints is not None else None
        if found is None:
            return None
        info = pickle.dumps(reader.info, protocol=4)
        return [(block, _digest("block", self.run_key, info, block.first_row, fp)) for block, fp in found]

    def store_run(self, key: str, result: Any, paths: Sequence[str]) -> None:
        """Keep a whole run's finished result; the one kept before for the same files and
        rules goes (it describes data that is no longer there)."""
        self.store(key, result)
        self.point(_digest("last-run", self.run_key, [os.path.abspath(p) for p in paths]), key)

    def point(self, last: str, key: str) -> None:
        """Store ``key`` under ``last`` (the entry kept last for something), dropping the entry
        ``last`` named before unless it is ``key``."""
        before = self.load(last, count=False)
        if isinstance(before, str) and before != key:
            self.drop(before)
        self.store(last, key)

    # -- appends ------------------------------------------------------------------------------------

    def _anchor_key(self, info: Any) -> str:
        return _digest("tail", self.run_key, os.path.abspath(info.path), pickle.dumps(info, protocol=4))

    def remember(self, reader: Any, key: str, result: Any, grown: Grown | None = None) -> None:
        """Store a file's ``result`` under ``key``, and an anchor under its path, so that a later
        run finds it when the file only grew (``grown``).  With ``grown``, ``result`` is the part
        appended since: stored as a link to the earlier content's entry (the earlier states are
        not written again), unless the chain is ``MAX_LINKS`` long (``compact``: the caller then
        stores the whole result).  Nothing is stored when the file changed while it was read;
        the entries of the file's previous content go unless the new one links to them (they
        describe a file that is no longer there: the cache stays the size of the data)."""
        path = reader.info.path
        if not self.unchanged(path):
            return
        akey = self._anchor_key(reader.info)
        before = grown.anchor if grown is not None else self.load(akey, count=False)
        records = int(result.records)
        chain: tuple[str, ...] = (key,)
        if grown is not None:
            self.store(key, Link(grown.anchor.entry, result))
            records += grown.anchor.records
            chain = grown.anchor.chain + (key,)
        else:
            self.store(key, result)
        size, _ = self._stat[path]
        newlines = self._newlines.get(path, -1)
        anchor = Anchor(size, self.content_hash(path) or "", newlines, records,
                         clean_end(path, size, newlines, last_line(result, records)), key,
                         _digest(*reader_print(reader)), chain)
        self.store(akey, anchor)
        if isinstance(before, Anchor):
            for old in set(before.chain) - set(chain):
                self.drop(old)

    @staticmethod
    def compact(grown: Grown) -> bool:
        """Whether a file grown once more should be stored whole rather than as one more link."""
        return len(grown.anchor.chain) >= MAX_LINKS

    def grown(self, reader: Any) -> Grown | None:
        """The stored results of the file's earlier content and where the bytes added since
        start, when the file only grew: the earlier content is a prefix of it (same bytes, by
        hash), ended on a clean record boundary (its last record a whole line with its newline,
        quotes balanced), and the reader reads it the same way (dialect, columns, notices).
        None otherwise: the whole file is read."""
        path = reader.info.path
        anchor = self.load(self._anchor_key(reader.info), count=False)
        size = self._stat.get(path, (0, 0))[0]
        if not isinstance(anchor, Anchor) or not anchor.clean or size <= anchor.size:
            return None
        if anchor.reader != _digest(*reader_print(reader)) or not reader.can_start_at_offset():
            return None
        known = self._prefixes.get(path)
        if (known[1] if known and known[0] == anchor.size else hash_prefix(path, anchor.size)) != anchor.digest:
            return None
        parts = self.load_parts(anchor.entry)
        if parts is None or sum(int(p.records) for p in parts) != anchor.records:
            return None
        self.appends += 1
        self._grown_from[path] = anchor.digest
        return Grown(parts, (anchor.size, anchor.records, anchor.newlines + 1), anchor)

    def load_parts(self, key: str) -> list | None:
        """The results an entry holds, in row order: one, or (a grown file) its earlier content's
        followed by the parts appended since.  None when one of them is missing or damaged."""
        parts = []
        for _ in range(MAX_LINKS + 1):
            value = self.load(key, count=False)
            if isinstance(value, Link):
                parts.append(value.tail)
                key = value.prefix
                continue
            if isinstance(value, Blocks):
                blocks = [self.load(k, count=False) for k in value.keys]
                if any(b is None for b in blocks):
                    break
                value = Merged(blocks)
            if isinstance(value, Merged):
                parts.extend(value.parts[::-1])
                self.hits += 1
                return parts[::-1]
            if value is not None:
                parts.append(value)
                self.hits += 1
                return parts[::-1]
            break
        self.misses += 1
        return None

    # -- entries ------------------------------------------------------------------------------------

    def _entry(self, key: str) -> Path:
        return self.root / "entries" / key[:2] / key

    def drop(self, key: str) -> None:
        self._entry(key).unlink(missing_ok=True)

    def load(self, key: str, count: bool = True) -> Any | None:
        """The stored result, or None (missing, damaged, another format: a miss).  ``count``:
        add it to ``hits``/``misses`` (an entry of a file's result, not an anchor)."""
        p = self._entry(key)
        try:
            with open(p, "rb") as f:
                value = read_entry(f)
        except FileNotFoundError:
            self.misses += count
            return None
        except Exception:  # noqa: BLE001 - a damaged entry is rebuilt, never trusted
            self.misses += count
            try:
                p.unlink()
            except OSError:
                pass
            return None
        try:
            os.utime(p)  # least recently used goes first
        except OSError:
            pass
        self.hits += count
        return value

    def store(self, key: str, value: Any) -> None:
        if self._write(self._entry(key), lambda f: dump_entry(value, f)):
            self.evict()

    def _write(self, path: Path, data: bytes | Callable[[Any], None]) -> bool:
        """Atomically: a temporary file (``data``, or what the callable ``data`` writes into it)
        renamed into place.  A cache that cannot be written, or a state that cannot be pickled, is
        no error (the run goes on uncached)."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _tag(self.root)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    if callable(data):
                        data(f)
                    else:
                        f.write(data)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
            return True
        except Exception:  # noqa: BLE001 - OSError, or an unpicklable state: simply not cached
            return False

    def evict(self) -> None:
        """Remove the least recently used entries until the directory fits ``max_bytes``."""
        files = _files(self.root)
        total = sum(s for _, s, _ in files)
        if total <= self.max_bytes:
            return
        for p, size, _ in sorted(files, key=lambda f: f[2]):
            if total <= self.max_bytes:
                break
            try:
                p.unlink()
                total -= size
            except OSError:
                pass
