"""What a folder walk (``sources.discover``) leaves out, and why.

A walk takes files with a data extension and skips, with the reason, the ones that are not
datasets: a JSON file that holds one object rather than records (``config.json``), metadata that
Hugging Face, tokenizers or JavaScript tools write next to data (``dataset_info.json``,
``state.json``, ``package.json``, ...) and binary files under a text extension.  ``exclude``
patterns (ruff's semantics, ``lint/globs.py``) prune folders and files of the walk; a file named
on the command line is always linted, strictly, unless ``force_exclude`` (pre-commit names every
file) and a pattern matches it.
"""

from __future__ import annotations

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


class Excluder:
    """``exclude`` patterns relative to ``root``: ``self(path)`` is the pattern that excludes a
    path (or one of its folders below ``root``), or None."""

    def __init__(self, patterns: Sequence[str], root: str | None) -> None:
        self.patterns = tuple(patterns)
        self.root = os.path.abspath(root or os.getcwd())

    def __call__(self, path: str) -> str | None:
        if not self.patterns:
            return None
        from ..globs import excluded_by

        return excluded_by(self.patterns, path, self.root)

    def skips(self, path: str, skipped: list[tuple[str, str]]) -> bool:
        """Whether ``path`` is excluded; if so it is recorded in ``skipped``."""
        pattern = self(path)
        if pattern:
            skipped.append((path, f"excluded by '{pattern}'"))
        return pattern is not None


def not_a_dataset(path: str, plain_name: str) -> str | None:
    """Why a file found by a folder walk is not a dataset, or None when it may be one.
    ``plain_name``: its lower-case name without a compression suffix."""
    from .stream import read_sample

    if plain_name in METADATA_NAMES:
        return "metadata, not records"
    try:
        head = read_sample(path, 4096)
    except (SourceError, OSError, EOFError, ValueError):
        return None  # the reader will say what is wrong with it
    if plain_name.endswith((".parquet", ".pq")):
        return None if head[:4] == b"PAR1" else "not a Parquet file"
    if b"\x00" in head:
        return "binary"
    if plain_name.endswith(".json"):
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if text[:1] == b"{":
            # a JSON object: records only if a second object starts a line (JSON Lines named .json)
            rest = text.partition(b"\n")[2]
            if rest.lstrip()[:1] != b"{":
                return "a JSON object, not records"
        elif text[:1] not in (b"[", b""):
            return "not JSON records"
    return None
