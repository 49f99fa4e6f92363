"""Which files a run lints: paths named, folders walked, globs expanded, with ``exclude``.

A folder walk takes files with a data extension and skips, with the reason, the ones that are not
datasets: a JSON file that holds one object rather than records (``config.json``), metadata that
Hugging Face, tokenizers or JavaScript tools write next to data (``dataset_info.json``,
``state.json``, ``package.json``, ...) and binary files under a text extension.  ``exclude``
patterns (ruff's semantics, ``lint/globs.py``) prune folders and files of the walk; a file named
on the command line is always linted, strictly, unless ``force_exclude`` (pre-commit names every
file) and a pattern matches it.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from collections.abc import Sequence

from ..errors import SourceError

#: JSON files that tools write beside data: never a dataset, whatever their content
METADATA_NAMES = frozenset({
    "dataset_info.json", "dataset_dict.json", "state.json", "dataset_infos.json",  # Hugging Face datasets
    "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "added_tokens.json", "vocab.json", "preprocessor_config.json",
    "adapter_config.json", "trainer_state.json", "training_args.json", "all_results.json",
    "package.json", "package-lock.json", "tsconfig.json", "composer.json", "manifest.json",
    ".eslintrc.json", "settings.json", "launch.json", "tasks.json", "devcontainer.json",
})


@dataclass
class Walk:
    files: list[str] = field(default_factory=list)
    #: (path, why it is not linted)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str | None:
        """One line naming the files a walk skipped, or None."""
        if not self.skipped:
            return None
        names = ", ".join(f"{p} ({why})" for p, why in self.skipped[:8])
        more = f" and {len(self.skipped) - 8} more (--show-files lists them)" if len(self.skipped) > 8 else ""
        n = len(self.skipped)
        return f"skipped {n} file{'s' if n != 1 else ''} that {'are' if n != 1 else 'is'} not data: {names}{more}"


def not_a_dataset(path: str) -> str | None:
    """Why a file found by a folder walk is not a dataset, or None when it may be one."""
    from . import _strip_compression
    from .stream import read_sample

    plain = _strip_compression(os.path.basename(path)).lower()
    if plain in METADATA_NAMES:
        return "metadata, not records"
    try:
        head = read_sample(path, 4096)
    except (SourceError, OSError, EOFError, ValueError):
        return None  # the reader will say what is wrong with it
    if plain.endswith((".parquet", ".pq")):
        return None if head[:4] == b"PAR1" else "not a Parquet file"
    if b"\x00" in head:
        return "binary"
    if plain.endswith(".json"):
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if text[:1] == b"{":
            # a JSON object: records only if a second object starts a line (JSON Lines named .json)
            rest = text.partition(b"\n")[2]
            if rest.lstrip()[:1] != b"{":
                return "a JSON object, not records"
        elif text[:1] not in (b"[", b""):
            return "not JSON records"
    return None


def walk(paths: Sequence[str], *, exclude: Sequence[str] = (), root: str | None = None,
         force_exclude: bool = False, walk_ext: tuple[str, ...] = (), looks_tabular=None,
         is_artifact=None, recursive: bool = True) -> Walk:
    """Files named by paths, folders (walked, sorted; only their own files unless ``recursive``)
    and globs, each once, in the order given."""
    from ..globs import excluded_by

    root = os.path.abspath(root or os.getcwd())
    out = Walk()
    seen: set[str] = set()

    def add(p: str) -> None:
        key = os.path.abspath(p) if "://" not in p else p
        if key not in seen:
            seen.add(key)
            out.files.append(p)

    def excluded(p: str) -> str | None:
        return excluded_by(tuple(exclude), p, root) if exclude else None

    def take_found(full: str, f: str) -> None:
        from . import _strip_compression

        if f.startswith(".") or (is_artifact and is_artifact(full)):
            return
        name = _strip_compression(f).lower()
        if not name.endswith(walk_ext):
            return
        if name.endswith(".txt") and looks_tabular and not looks_tabular(full):
            return  # a README next to the data, not data
        pattern = excluded(full)
        if pattern:
            out.skipped.append((full, f"excluded by '{pattern}'"))
            return
        why = not_a_dataset(full)
        if why:
            out.skipped.append((full, why))
        else:
            add(full)

    for p in paths:
        if "://" in p and not p.startswith("file://"):
            add(p)
        elif any(ch in p for ch in "*?["):
            matches = sorted(glob.glob(p, recursive=True))
            files = [m for m in matches if os.path.isfile(m)]
            if not files:
                raise SourceError(f"{p}: the pattern matches no file")
            for m in files:
                pattern = excluded(m)
                if pattern:
                    out.skipped.append((m, f"excluded by '{pattern}'"))
                else:
                    add(m)
        elif os.path.isdir(p):
            before = len(out.files)
            for dirpath, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if recursive and not d.startswith(".")
                                 and not excluded(os.path.join(dirpath, d)))
                for f in sorted(files):
                    take_found(os.path.join(dirpath, f), f)
            if len(out.files) == before:
                skipped = f"; skipped: {Walk([], out.skipped).summary()}" if out.skipped else ""
                raise SourceError(f"{p}: the directory holds no data files "
                                  f"({', '.join(walk_ext)}, optionally .gz/.zst){skipped}")
        elif os.path.exists(p):
            pattern = excluded(p) if force_exclude else None
            if pattern:
                out.skipped.append((p, f"excluded by '{pattern}'"))
            else:
                add(p)
        else:
            raise SourceError(f"{p}: no such file or directory; check the path")
    return out
