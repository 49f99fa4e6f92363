"""The render memo: a report file kept in the state cache for a re-run over unchanged data (issue 17).

A report is a function of the finished run (the cache keeps it: ``StateCache.run_entry``, keyed by
every file's content, the version, the rules and their options, the reader settings), of how the
runner turned it into a ``Report`` (sources, stats, ``fail_on``, ``mask``) and of the reporter and
its options.  At 1M templated rows the JSON report is 137k findings and 59 MB, ~2 s to make:
most of a warm run.  So a report written to a file by a built-in reporter is kept under a key of
all of that (the trainlint and Python versions, and the reporters' source files' mtimes, so an
edited reporter is not served an old rendering), and the next run that reuses the same finished
run writes those bytes.  Only a report of the run as it finished is kept: nothing accepted
(suppressions, a baseline, per-file-ignores), no ``--siblings`` filter, no content keys (SARIF).
One rendering is kept per report file and run key: the previous one goes when replaced.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


def _canonical(value: Any) -> str:
    import json

    return json.dumps(value, default=lambda o: o.tolist() if hasattr(o, "tolist") else repr(o))


def _reporter_files() -> list:
    here = Path(__file__).parent / "reporters"
    return sorted((p.name, p.stat().st_mtime_ns) for p in here.glob("*.py"))


class RenderMemo:
    """Renderings of ``report`` (whose finished run is the cache's entry ``run_entry``)."""

    def __init__(self, cache: Any, run_entry: str, report: Any) -> None:
        from ._version import __version__

        self.cache = cache
        # as text, not pickled: a pickle depends on which equal strings are one object
        self.base = _canonical([run_entry, __version__, sys.version_info[:2], _reporter_files(), report.sources,
                                report.stats, report.fail_on.value, list(report.mask)])

    def _key(self, module: Any, fmt: str, opts: dict) -> str | None:
        from .statecache import entry_name

        if not getattr(module, "__name__", "").startswith("trainlint.reporters."):
            return None  # a plugin's reporter: its code is not in the key
        return entry_name("render", self.base, _canonical([fmt, module.__name__, sorted(opts.items())]))

    def _last(self, path: str, fmt: str) -> str:
        from .statecache import entry_name

        return entry_name("last-render", self.cache.run_key, os.path.abspath(path), fmt)

    def write(self, path: str, module: Any, fmt: str, opts: dict) -> bool:
        """Write the kept rendering to ``path`` (atomically); False when none is kept."""
        from .cacheio import StoredFile

        key = self._key(module, fmt, opts)
        kept = self.cache.load(key, count=False) if key else None
        if not isinstance(kept, StoredFile):
            return False
        try:
            kept.copy_to(path)  # streamed: a 4M-row JSON report is 250 MB
        except Exception:  # noqa: BLE001 - a damaged or evicted entry: the report is made again
            return False
        return True

    def keep(self, path: str, module: Any, fmt: str, opts: dict) -> None:
        """Keep the report just written to ``path``, in place of this file's earlier rendering."""
        from .cacheio import FileBytes

        key = self._key(module, fmt, opts)
        if key is None or not Path(path).is_file():
            return
        self.cache.store(key, FileBytes(path))  # streamed into the entry, never read whole
        self.cache.point(self._last(path, fmt), key)
