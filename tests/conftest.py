from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/helpers.py, from any test folder

from helpers import DATA  # noqa: E402


@pytest.fixture(scope="session")
def data_dir() -> Path:
    assert DATA.is_dir(), f"the shared datasets are expected at {DATA}"
    return DATA


@pytest.fixture(scope="session", autouse=True)
def _array_cache(tmp_path_factory):
    """The tests' own array cache (``trainlint.cache``), shared by their subprocesses, so that a
    test run neither reads nor fills the user's ~/.cache/trainlint."""
    import os

    old = os.environ.get("TRAINLINT_CACHE_DIR")
    os.environ["TRAINLINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("trainlint-cache"))
    yield
    if old is None:
        os.environ.pop("TRAINLINT_CACHE_DIR", None)
    else:
        os.environ["TRAINLINT_CACHE_DIR"] = old


@pytest.fixture(scope="session", autouse=True)
def _no_state_cache():
    """`trainlint check` keeps a .trainlint_cache in the working directory by default: not in the
    repository from a test run.  The cache's own tests pass --cache and a --cache-dir in tmp."""
    import os

    old = os.environ.get("TRAINLINT_NO_CACHE")
    os.environ["TRAINLINT_NO_CACHE"] = "1"
    yield
    if old is None:
        os.environ.pop("TRAINLINT_NO_CACHE", None)
    else:
        os.environ["TRAINLINT_NO_CACHE"] = old
