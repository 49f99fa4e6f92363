"""Vectorised helpers that replace a slower exact computation must agree with it exactly."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest

from trainlint.nulls import DISGUISED, _masks, missing_mask

TRICKY = [
    "", " ", "\t", "\n \r", "\u00a0", "\u3000", "N/A", "n/a", " n/a ", "NULL", "Null\n", "\u00a0null",
    "none", "None.", "nan", "NaN", "NAN ", "-", " - ", "?", "??", "na", "n", "N", "nul", "nulls",
    "no", "new", "never mind", "\u212aan", "N\u212aN", "\u0130", "ok", "1", "12345", "normal text",
    "-1", "- x", "?x", "x?", "\u00e9t\u00e9", "nan\u00a0", "Nan\u200b", "\u200bnull", "ünknown",
    "a long text that starts and ends normally " * 3 + "end", "nan" + " " * 40, "N/A" + "\u00a0" * 20,
    "?" + "\n" * 30, " " * 50 + "null", "n" * 40, None,
]


def _random_values(seed: int, n: int) -> list[str | None]:
    rng = random.Random(seed)
    alphabet = ["n", "N", "a", "/", "u", "l", "o", "e", "-", "?", " ", "\t", "\u00a0", "x", "1", "\u212a"]
    out: list[str | None] = []
    for _ in range(n):
        if rng.random() < 0.05:
            out.append(None)
        elif rng.random() < 0.3:
            out.append(rng.choice(TRICKY))
        else:
            out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))))
    return out


@pytest.mark.parametrize("disguised", [DISGUISED, ("unknown", "ünknown", "-1"), ()])
@pytest.mark.parametrize("seed", range(4))
def test_shortcut_equals_full_check(disguised, seed):
    values = TRICKY + _random_values(seed, 3000)
    arr = pa.array(values, pa.string())
    for sliced in (arr, arr.slice(7, 1500)):
        got_missing, got_fake = missing_mask(sliced, disguised)
        want_missing, want_fake = _masks(sliced, disguised)
        np.testing.assert_array_equal(got_missing, want_missing)
        np.testing.assert_array_equal(got_fake, want_fake)


def test_known_values():
    arr = pa.array(["N/A", " null ", "\u00a0", "nancy", "fine", None, "", "NaN"], pa.string())
    missing, fake = missing_mask(arr, DISGUISED)
    assert missing.tolist() == [True, True, True, False, False, True, True, True]
    assert fake.tolist() == [True, True, False, False, False, False, False, True]


def test_in_rows_equals_isin():
    from trainlint.sources.base import in_rows, sorted_rows

    rng = np.random.default_rng(0)
    for n_drop in (0, 1, 50, 5000):
        drop = rng.integers(0, 10_000, n_drop)
        rows = np.arange(2_000, 12_000, dtype=np.int64)
        np.testing.assert_array_equal(in_rows(rows, sorted_rows(drop)), np.isin(rows, drop))


@pytest.mark.parametrize("seed", range(6))
def test_bucket_order_equals_stable_argsort_without_singletons(seed):
    from trainlint.rules.duplicates._candidates import bucket_order

    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 3000))
    # few distinct values (every entry repeats), many (a few repeat), or all distinct
    distinct = [2, 50, n * 4 + 1][seed % 3]
    key = rng.integers(0, max(1, distinct), n).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    order = np.argsort(key, kind="stable")
    counts = dict(zip(*np.unique(key, return_counts=True)))
    expected = order[[counts[v] > 1 for v in key[order]]] if n else order
    got = bucket_order(key)
    if expected.size == 0:
        assert got is None
    else:
        assert got is not None and np.array_equal(got, expected)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("test", [(0.05, 0.1, 1), (0.0, 0.0, 0), (0.2, 0.3, 2)])
def test_word_lower_bounds_never_reject_a_passing_pair(seed, test):
    """``WordTest.may_pass`` (lengths, word fingerprints) is exact evidence of failing: every
    pair ``passes`` keeps, it keeps too; and on unrelated texts it rejects most pairs."""
    from trainlint.rules.duplicates._words import WordTest

    rng = random.Random(seed)
    vocab = [f"w{k}" for k in range(60)] + ["the", "a", "of", "not", "is", "to"]
    base = [[rng.choice(vocab) for _ in range(rng.randint(0, 45))] for _ in range(150)]
    texts = []
    for words in base:  # each text, and an edited copy of it: 0-4 words changed, dropped, added
        texts.append(" ".join(words))
        edited = list(words)
        for _ in range(rng.randint(0, 4)):
            op, k = rng.random(), rng.randrange(len(edited) + 1)
            if op < 0.4 and edited:
                edited[min(k, len(edited) - 1)] = rng.choice(vocab)
            elif op < 0.7 and edited:
                del edited[min(k, len(edited) - 1)]
            else:
                edited.insert(k, rng.choice(vocab))
        texts.append(" ".join(edited))
    texts += ["中文文本没有空格" * 3, "中文文本没有空格" * 3 + "再加"]
    arr = pa.array(texts)
    n = len(texts)
    li, lj = np.triu_indices(n, 1)
    wt = WordTest(*test)
    may = wt.may_pass(lambda a, b: arr[a:b], n, li, lj)
    ok, _diff = wt.passes(lambda a, b: arr[a:b], n, li, lj)
    assert not (ok & ~may).any()
    assert ok.sum() > 100 and may.sum() < 0.2 * li.size


@pytest.mark.parametrize("rows", [1, 7, 1000, 100_003])
def test_pair_set_in_parts_equals_one_unique(rows):
    from trainlint.rules.duplicates._pairset import PairSet, pack as _pack

    rng = np.random.default_rng(rows)
    batches = [_pack(rng.integers(0, rows, 5000), rng.integers(0, rows, 5000)) for _ in range(7)]
    whole = np.unique(np.concatenate(batches))
    for fold in (1000, 1 << 22):
        ps = PairSet(fold=fold, rows=rows)
        for b in batches:
            ps.add(b)
        i, j = ps.split()
        assert np.array_equal(i, whole >> 32) and np.array_equal(j, whole & 0xFFFFFFFF)
        one = PairSet(fold=fold)
        for b in batches:
            one.add(b)
        assert np.array_equal(one.result(), whole)
