"""The array cache: built once from a bundled file, memory-mapped afterwards, never in the way."""

from __future__ import annotations

import numpy as np
import pytest

from trainlint import cache


@pytest.fixture
def source(tmp_path):
    p = tmp_path / "model.bin"
    p.write_bytes(b"model v1")
    return p


def _mapped(a: np.ndarray) -> bool:
    """Whether ``a`` is a view of a memory-mapped file."""
    import mmap

    while a is not None and not isinstance(a, mmap.mmap):
        a = a.base
    return a is not None


def _builder(calls):
    def build():
        calls.append(1)
        return {"table": np.arange(12, dtype=np.float32).reshape(3, 4), "names": np.array(["en", "fr"])}
    return build


def test_built_once_then_mapped(tmp_path, source, monkeypatch):
    monkeypatch.setenv("TRAINLINT_CACHE_DIR", str(tmp_path / "c"))
    calls: list = []
    first = cache.cached_arrays("m", source, _builder(calls))
    second = cache.cached_arrays("m", source, _builder(calls))
    assert len(calls) == 1
    assert _mapped(second["table"]) and not second["table"].flags.writeable
    for k in first:
        assert np.array_equal(first[k], second[k]) and first[k].dtype == second[k].dtype
    # one complete entry, no temporary directory left behind
    assert [p.name for p in (tmp_path / "c").iterdir()] == [f"m-v1-{cache.fingerprint(source)}"]
    assert not first["table"].flags.writeable  # read-only on the first run too


def test_a_new_version_of_the_conversion_gets_a_new_entry(tmp_path, source, monkeypatch):
    monkeypatch.setenv("TRAINLINT_CACHE_DIR", str(tmp_path / "c"))
    calls: list = []
    cache.cached_arrays("m", source, _builder(calls))
    cache.cached_arrays("m", source, _builder(calls), version=2)
    cache.cached_arrays("m", source, _builder(calls), version=2)
    assert len(calls) == 2


def test_a_changed_source_gets_a_new_entry(tmp_path, source, monkeypatch):
    monkeypatch.setenv("TRAINLINT_CACHE_DIR", str(tmp_path / "c"))
    calls: list = []
    cache.cached_arrays("m", source, _builder(calls))
    (tmp_path / "c" / "other-v1-0123").mkdir()  # another name's entry
    source.write_bytes(b"model v2")
    cache.cached_arrays("m", source, _builder(calls))
    assert len(calls) == 2
    # the stale entry of the old source is gone, the other name's entry stays
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == [f"m-v1-{cache.fingerprint(source)}",
                                                                   "other-v1-0123"]


def test_empty_setting_turns_the_cache_off(tmp_path, source, monkeypatch):
    monkeypatch.setenv("TRAINLINT_CACHE_DIR", "")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    calls: list = []
    cache.cached_arrays("m", source, _builder(calls))
    cache.cached_arrays("m", source, _builder(calls))
    assert len(calls) == 2 and list(tmp_path.iterdir()) == [source]


def test_default_location_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv("TRAINLINT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "trainlint"


def test_unwritable_cache_still_gives_the_arrays(tmp_path, source, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TRAINLINT_CACHE_DIR", str(blocker / "cache"))
    calls: list = []
    out = cache.cached_arrays("m", source, _builder(calls))
    assert out["table"].shape == (3, 4) and len(calls) == 1


@pytest.mark.parametrize("damage", [b"\x93NUMPY truncated", b"", None])
def test_a_damaged_entry_is_rebuilt(tmp_path, source, monkeypatch, damage):
    monkeypatch.setenv("TRAINLINT_CACHE_DIR", str(tmp_path / "c"))
    calls: list = []
    cache.cached_arrays("m", source, _builder(calls))
    entry = tmp_path / "c" / f"m-v1-{cache.fingerprint(source)}"
    if damage is None:
        (entry / "table.npy").unlink()
    else:
        (entry / "table.npy").write_bytes(damage)  # b"": an EOFError from np.load
    out = cache.cached_arrays("m", source, _builder(calls))
    assert len(calls) == 2 and out["table"].shape == (3, 4)
    again = cache.cached_arrays("m", source, _builder(calls))
    assert len(calls) == 2 and np.array_equal(again["table"], out["table"])


def test_language_model_from_the_cache_equals_a_fresh_conversion(tmp_path, monkeypatch):
    from py3langid import langid

    from trainlint.rules.text import _py3langid

    def clear():
        for f in (_py3langid.model, _py3langid.columns, _py3langid.latin_columns):
            f.cache_clear()

    monkeypatch.setenv("TRAINLINT_CACHE_DIR", str(tmp_path / "c"))
    clear()
    try:
        built = _py3langid.model()  # builds and stores
        _py3langid.model.cache_clear()
        mapped = _py3langid.model()  # maps the entry
        assert _mapped(mapped["ptc"]) and not _mapped(built["ptc"])
        fresh = _py3langid.arrays(langid._load_model_file(langid.MODEL_DIR / langid.MODEL_FILE))
        for k in ("ptc", "pc", "packed", "start_row", "ptc_latin"):
            assert np.array_equal(mapped[k], fresh[k]) and mapped[k].dtype == fresh[k].dtype
        assert mapped["classes"] == built["classes"] == [str(c) for c in fresh["classes"]]
    finally:
        clear()


def test_language_findings_on_real_data_are_the_same_from_the_cache(tmp_path):
    """lingua_sentences/cs.txt (1,000 Czech lines with stray Polish, Latin, German) through the
    command line: building the cache, reading it back and running without it give the same
    language findings."""
    import json
    import os
    import subprocess
    import sys

    from helpers import DATA

    def run(cache_dir: str) -> list:
        env = dict(os.environ, TRAINLINT_CACHE_DIR=cache_dir)
        out = subprocess.run([sys.executable, "-m", "trainlint", "check", str(DATA / "lingua_sentences" / "cs.txt"),
                              "--input-format", "tsv", "--no-header",
                              "--select", "TX001,TX002", "--output-format", "json", "--exit-zero"],
                             env=env, capture_output=True, text=True, check=True).stdout
        return json.loads(out)["findings"]

    built = run(str(tmp_path / "c"))
    assert [p.name.startswith("py3langid-v3-") for p in (tmp_path / "c").iterdir()] == [True]
    mapped = run(str(tmp_path / "c"))
    off = run("")
    assert built and built == mapped == off
