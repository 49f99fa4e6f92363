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
