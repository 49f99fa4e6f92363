"""The text memo: the row texts a report showed, kept in the state cache for the next run (issue 17).

Reports show text (snippets, both texts of a near-duplicate pair: ``reporters._snippets``), read
back from the sources after the run: at 1M templated rows, 40k rows' texts, about 2 s, most of a
warm run.  The run that read them keeps them here (masked, not escaped: what ``read_texts``
returns), and the next run over the same files takes them from here and reads only the others.

A row's text is a pure function of the file's content, how it is read (the source as opened:
roles, columns, format; the reader settings) and the redactors (the rules and their options):
the entry is keyed by the run key (version, rules, options, reader settings) and the files' paths;
each file's texts are used only when its source is opened the same way and its content is the
one they were read from, or that content is a prefix of it that this run read as such (an
append: ``StateCache.grown``, so the earlier rows are the same records).  A text read from a
file that changed after the run is not kept.  A damaged or foreign memo is ignored.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: characters of text kept at most (beyond it, texts are read from the sources as before)
MAX_CHARS = 64 << 20


class TextMemo:
    """The texts a report may take instead of reading them, for the sources ``infos`` of a run
    cached in ``cache`` (a ``statecache.StateCache``)."""

    def __init__(self, cache: Any, infos: Sequence[Any]) -> None:
        from .statecache import entry_name

        self.cache = cache
        self.key = entry_name("texts", cache.run_key, [os.path.abspath(i.path) if i.path else None for i in infos])
        #: path as given -> (how it is opened, the content its texts are of)
        self.files: dict[str, tuple[str, str]] = {}
        for info in infos:
            digest = cache.digest(info.path) if info.path else None
            if digest is not None:
                self.files[info.path] = (entry_name(cache.run_key, pickle.dumps(info, protocol=4)), digest)
        self.texts: dict[tuple, str] = {}
        self._loaded = False
        self._dirty = False

    def _load(self) -> None:
        self._loaded = True
        value = self.cache.load(self.key, count=False)
        if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], dict)
                and isinstance(value[1], dict)):
            return
        files, texts = value
        valid = {path for path, (opened, digest) in files.items()
                 if path in self.files and self.files[path][0] == opened
                 and digest in (self.files[path][1], self.cache.grown_from(path))}
        self.texts = {w: t for w, t in texts.items() if w[0] in valid}
        self._dirty = len(self.texts) != len(texts) or valid != set(files)

    def known(self, wanted: Iterable[tuple]) -> tuple[dict[tuple, str], list[tuple]]:
        """(the wanted rows' texts this memo holds, the wanted rows it does not)."""
        if not self._loaded:
            self._load()
        found: dict[tuple, str] = {}
        missing = []
        for w in wanted:
            t = self.texts.get(w)
            if t is None:
                missing.append(w)
            else:
                found[w] = t
        return found, missing

    def add(self, read: Mapping[tuple, str], asked: Iterable[tuple]) -> None:
        """Keep what was read of the rows ``asked`` (an empty text is kept as one: read, nothing
        shown), for files unchanged since the run, and store the memo when it changed."""
        fresh = {path for path in self.files if self.cache.unchanged(path)}
        size = sum(len(t) for t in self.texts.values())
        for w in asked:
            if w[0] in fresh and w not in self.texts:
                t = read.get(w, "")
                if size + len(t) > MAX_CHARS:
                    break
                self.texts[w] = t
                size += len(t)
                self._dirty = True
        if self._dirty:
            self._dirty = False
            self.cache.store(self.key, (dict(self.files), dict(self.texts)))
