"""The one place rules read data from disk: files that ship inside installed packages (dictionaries,
language models) and the word lists a user names in an option.  Rules themselves do no I/O.

Nothing is downloaded: a missing package or file is an error that says what to install or fix.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path


def package_file(package: str, *parts: str, hint: str) -> Path:
    """The file ``parts`` inside the installed ``package`` (a module name); ``ImportError`` saying
    ``hint`` (what to install) when the package, or the file in it, is missing."""
    try:
        module = importlib.import_module(package)
    except ImportError as e:
        raise ImportError(hint) from e
    path = Path(module.__file__).parent.joinpath(*parts)
    if not path.exists():
        raise ImportError(f"{package} is installed without its bundled {'/'.join(parts)} ({path}); {hint}")
    return path


def word_counts(path: Path | str) -> tuple[list[str], list[int]]:
    """The ``word count`` lines of a frequency dictionary (other lines are skipped)."""
    words, counts = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            w, _, c = line.rstrip("\n").partition(" ")
            if w and c.isdigit():
                words.append(w)
                counts.append(int(c))
    return words, counts


@functools.lru_cache(maxsize=1)
def english_dictionary():
    """symspellpy's English frequency dictionary (82,834 words, MIT): (words as a pyarrow string
    array, counts as an int64 NumPy array), loaded once per process."""
    import numpy as np
    import pyarrow as pa

    words, counts = word_counts(package_file(
        "symspellpy", "frequency_dictionary_en_82_765.txt",
        hint="the misspelling rule needs symspellpy (its dictionary): pip install symspellpy"))
    return pa.array(words, pa.string()), np.array(counts, dtype=np.int64)


def word_list(path: str, option: str) -> set[str]:
    """The words of a user's text file, one a line (``#`` starts a comment), lower-cased;
    ``ConfigError`` naming ``option`` when the file cannot be read."""
    from .errors import ConfigError

    words = set()
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                w = line.split("#", 1)[0].strip().lower()
                if w:
                    words.add(w)
    except OSError as e:
        raise ConfigError(f"option {option}: cannot read {path!r}: {e.strerror or e}; "
                          f"give a text file with one word a line") from None
    return words
