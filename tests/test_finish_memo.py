"""The finish memo (``rules/duplicates/_memo.py``): what a run's near-pair verification found,
used by the next run only where it gives the same answer.

Tables are built by hand (texts, band hashes chosen so that buckets are crowded), edited at
random (rows appended, deleted, relabelled, copied, renumbered) and every run's pairs and direct
evidence with the memo are checked against a run without it."""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest

from trainlint.hashing import combine
from trainlint.rules.duplicates import _memo, _pairs
from trainlint.rules.duplicates._candidates import candidates
from trainlint.rules.duplicates import near as mh
from trainlint.rules.duplicates._nearstate import Table

U64 = np.uint64
PARAMS = mh.Params(bands=4, perms=8)
WORDS = mh.WordTest(0.05)
BASES = [
    "the quarterly report shows revenue growth in every region except the northern market where sales fell "
    "sharply after the new competitor arrived last spring",
    "please reset my online banking password because the old one expired and the mobile app keeps asking "
    "for a verification code that never arrives",
    "our hiking group meets every saturday morning at the old railway station and walks along the river "
    "toward the mountain village for lunch",
]
SWAP = ["blue", "green", "quickly", "ancient", "purple", "market", "river", "morning"]


def _variant(rng: random.Random, base: str) -> str:
    """The base with 0-3 words changed: some pairs pass the word test, some do not."""
    w = base.split()
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        w[rng.randrange(len(w))] = rng.choice(SWAP)
    return " ".join(w)


def _h(s: str) -> int:
    return zlib.crc32(s.encode()) | (zlib.crc32(s[::-1].encode()) << 32)


def _bands(text: str) -> list[int]:
    """A function of the text, as real band hashes are: two bands shared by a family (its first
    word), two with few values shared across families."""
    fam = text.split()[0]
    return [_h(f"0{fam}") & 0xFFFFFFFF, _h(f"1{fam}") & 0xFFFFFFFF, _h(f"2{text}") % 3, _h(f"3{text}") % 2]


def _row(rng: random.Random, rid: int) -> dict:
    return {"id": rid, "text": _variant(rng, rng.choice(BASES)), "split": rng.choice([1, 1, 2]),
            "label": rng.choice([7, 8])}


def _table(rows: list[dict]) -> Table:
    rows = sorted(rows, key=lambda r: r["id"])
    data = [r["text"].encode() for r in rows]
    off = np.concatenate(([0], np.cumsum([len(d) for d in data]))).astype(np.int64)
    return Table(np.array([r["id"] for r in rows], np.int64), np.array([r["split"] for r in rows], U64),
                 np.array([r["label"] for r in rows], U64), np.array([_h(r["text"]) for r in rows], U64),
                 np.zeros(len(rows), np.int8), np.array([_bands(r["text"]) for r in rows], np.uint32).reshape(-1, 4),
                 off, b"".join(data), rkey=np.array([_h(repr(sorted(r.items()))) for r in rows], U64))


#: the three ways the rules call near_pairs: (mask, bucket, pair_ok, extra) of a table
def _du002(t):
    return (mh.first_of_groups(combine(combine(t.nkey, t.label), t.split), t.rkey),
            combine(t.split, t.label), None, None)


def _lk001(t):  # every row (exact copies too: ties), pairs across splits with one label
    return (np.ones(t.ids.size, bool), np.zeros(t.ids.size, U64),
            lambda i, j: (t.split[i] != t.split[j]) & (t.label[i] == t.label[j]), combine(t.split, t.label))


def _lb001(t):
    return (mh.first_of_groups(combine(combine(t.nkey, t.label), t.split), t.rkey), t.split,
            lambda i, j: (t.label[i] != t.label[j]) & (t.nkey[i] != t.nkey[j]), t.label)


def _pairs_of(rows, call, slot=None):
    """(pair ids, similarities, cluster members) of ``rows`` with the memo ``slot`` (or none)."""
    t = _table(rows)
    mask, bucket, ok, extra = call(t)
    i, j, sim = _pairs.near_pairs(t, PARAMS, 0.7, mask, bucket, ok, WORDS, memo=slot,
                                  extra=extra if slot is not None else None)
    root = mh.components(t.ids.size, i, j)
    member = np.flatnonzero(root != np.arange(root.size))
    return t.ids[i].tolist(), t.ids[j].tolist(), sim.tolist(), t.ids[member].tolist()


def _edit(rng: random.Random, rows: list[dict], op: str) -> list[dict]:
    rows = [dict(r) for r in rows]
    top = max([r["id"] for r in rows], default=-1)
    if op == "append":
        rows += [_row(rng, top + 1 + k) for k in range(rng.randint(1, 4))]
    elif op == "append_copies":  # exact copies of earlier rows (the benchmark's append)
        rows += [dict(rng.choice(rows), id=top + 1 + k) for k in range(rng.randint(1, 4))]
    elif op == "delete" and rows:
        rows.pop(rng.randrange(len(rows)))
    elif op == "delete_renumber" and rows:  # a line deleted from a file: later rows move up
        at = rng.randrange(len(rows))
        rows = [dict(r, id=r["id"] - (r["id"] > rows[at]["id"])) for k, r in enumerate(rows) if k != at]
    elif op == "relabel" and rows:
        rng.choice(rows)["label"] = rng.choice([7, 8, 9])
    return rows


@pytest.mark.parametrize("call", [_du002, _lk001, _lb001])
def test_memo_gives_the_results_of_a_run_without_it(call):
    """Chains of random edits: every run with the previous run's memo finds exactly the pairs,
    similarities and clusters of a run without one; each of the memo's cases happens."""
    rng = random.Random(11)
    used = set()
    sig = "test"
    for _chain in range(40):
        rows = [_row(rng, k) for k in range(rng.randint(6, 30))]
        before = None
        for op in ["none"] + rng.choices(["append", "append_copies", "delete", "delete_renumber", "relabel", "none"],
                                         k=4):
            rows = _edit(rng, rows, op)
            slot = _memo.Slot(before, sig)
            assert _pairs_of(rows, call, slot) == _pairs_of(rows, call), op
            used.add(slot.used)
            before = slot.after
    assert {"same", "grown", "partial"} <= used


def test_memo_never_decides_a_pair_with_a_new_row(monkeypatch):
    """After rows are added, exactly the candidate pairs with a new row are verified: a pair of
    two earlier rows is looked up, a pair with an added row never is."""
    rng = random.Random(3)
    rows = [_row(rng, k) for k in range(40)]
    slot = _memo.Slot(None, "t")
    _pairs_of(rows, _du002, slot)
    # new texts (a row with the text, split and label of an earlier row is that row's element)
    grown = _edit(random.Random(4), rows, "append") + [dict(rows[0], id=100, text=rows[0]["text"] + " again")]
    seen_before = {(o["text"], o["split"], o["label"]) for o in rows}
    new_ids = {r["id"] for r in grown if (r["text"], r["split"], r["label"]) not in seen_before}
    t = _table(grown)
    mask, bucket, _ok, _extra = _du002(t)
    ci, cj = candidates(t.bands, bucket, mask, t.nkey)
    with_new = {(int(t.ids[a]), int(t.ids[b])) for a, b in zip(ci, cj) if {t.ids[a], t.ids[b]} & new_ids}
    assert with_new, "the added rows make no candidate pair: the test checks nothing"
    seen = []
    passing = _pairs.passing  # what is left to verify goes through the word test's bounds first

    def spy(table, chunks, words):
        for i, j in chunks():
            seen.extend(zip(table.ids[i].tolist(), table.ids[j].tolist()))
        return passing(table, chunks, words)

    monkeypatch.setattr(_pairs, "passing", spy)
    again = _memo.Slot(slot.after, "t")
    t = _table(grown)
    mask, bucket, _ok, _extra = _du002(t)
    _pairs.near_pairs(t, PARAMS, 0.7, mask, bucket, None, WORDS, memo=again)
    assert again.used == "grown"
    assert set(seen) == with_new


def test_a_delete_does_not_let_an_old_negative_stand(monkeypatch):
    """In a bucket walked in content order each row is paired with the first and its predecessor:
    deleting a row can pair two earlier rows that were never verified together.  Such a pair
    is not in the memo, and must be verified, not read as failed.  The test finds a table where
    that pair passes, and checks the memo that trusted coverage alone would get it wrong."""
    rng = random.Random(21)
    for _ in range(200):
        rows = [_row(rng, k) for k in range(12)]
        slot = _memo.Slot(None, "t")
        before = _pairs_of(rows, _du002, slot)
        after = _edit(rng, rows, "delete")
        plain = _pairs_of(after, _du002)
        if set(zip(plain[0], plain[1])) - set(zip(before[0], before[1])):
            break  # a passing pair of two earlier rows that the first run did not verify
    else:
        pytest.fail("no delete paired two earlier rows anew: the test checks nothing")
    again = _memo.Slot(slot.after, "t")
    assert _pairs_of(after, _du002, again) == plain
    assert again.used == "partial"
    # the memo read as "covered, so decided" (a pair it does not hold fails) loses that pair
    monkeypatch.setattr(_memo, "covers", lambda small, big: True)
    assert _pairs_of(after, _du002, _memo.Slot(slot.after, "t")) != plain


def test_a_damaged_or_foreign_memo_is_ignored():
    rng = random.Random(8)
    rows = [_row(rng, k) for k in range(20)]
    slot = _memo.Slot(None, "opts")
    _pairs_of(rows, _du002, slot)
    good = slot.after
    assert _memo.Slot(good, "opts").before is good
    assert _memo.Slot(good, "other options").before is None
    bad = _memo.PairMemo("opts", good.elems[::-1].copy(), good.a, good.b, good.sim)  # not sorted
    assert _memo.Slot(bad, "opts").before is None
    assert _memo.Slot(_memo.PairMemo("opts", good.elems, good.a[:-1], good.b, good.sim), "opts").before is None
    assert _memo.Slot({"a": 1}, "opts").before is None


def _csv(rng: random.Random, n: int) -> str:
    return "".join(f'"{_variant(rng, rng.choice(BASES))}",{rng.choice(["a", "b"])}\n' for _ in range(n))


def test_warm_runs_through_the_cli_use_the_memo_and_equal_cold_runs(tmp_path, monkeypatch):
    """train/test CSVs of near copies: after an append (new near copies and exact copies) and
    after a delete, the warm report equals the cold one, and near-duplicate and split-leakage
    found their memo (an append: no verification of pairs of earlier rows).  Entries cut short,
    the memo's too, are rebuilt."""
    from test_statecache import _entries, _same

    slots = []
    memo_slot = mh.memo_slot
    monkeypatch.setattr(mh, "memo_slot", lambda run, name, *o: slots.append((name, memo_slot(run, name, *o)))
                        or slots[-1][1])
    rng = random.Random(2)
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    train.write_text("text,label\n" + _csv(rng, 80))
    test.write_text("text,label\n" + _csv(rng, 20))
    cache = tmp_path / "c"
    first = _same([train, test], cache)
    assert '"DU002"' in first and '"LK001"' in first
    with open(train, "a") as f:
        f.write(_csv(rng, 5) + "".join(train.read_text().splitlines(keepends=True)[1:4]))
    slots.clear()
    _same([train, test], cache)
    used = {name: s.used for name, s in slots if s is not None and name.endswith(".pairs")}
    assert used.get("DU002.pairs") in ("grown", "same") and used.get("LK001.pairs") in ("grown", "same"), used
    lines = test.read_text().splitlines(keepends=True)
    test.write_text("".join(lines[:5] + lines[6:]))
    _same([train, test], cache)
    for e in _entries(cache):
        e.write_bytes(e.read_bytes()[:20])
    _same([train, test], cache)


DATA = __import__("pathlib").Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.mark.skipif(not (DATA / "banking77").exists(), reason="../shared/data not present")
def test_banking77_append_verifies_only_pairs_with_a_new_row(tmp_path, monkeypatch):
    """Real paraphrase clusters: banking77's train split, then 300 rows of its test split appended.
    The warm run equals a cold one, the near-duplicate memo is used as grown, and it verifies
    fewer pairs than the cold run of the grown file (only those with an appended row)."""
    from test_statecache import _same

    slots = []
    memo_slot = mh.memo_slot
    monkeypatch.setattr(mh, "memo_slot", lambda run, name, *o: slots.append((name, memo_slot(run, name, *o)))
                        or slots[-1][1])
    train = tmp_path / "train.csv"
    train.write_bytes((DATA / "banking77" / "train.csv").read_bytes())
    cache = tmp_path / "c"
    _same([train], cache)
    cold_verified = {name: s.verified for name, s in slots if s is not None}["DU002.pairs"]
    test_lines = (DATA / "banking77" / "test.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    with open(train, "a", encoding="utf-8") as f:
        f.write("".join(test_lines[1:301]))
    slots.clear()
    _same([train], cache)
    warm = {name: s for name, s in slots if s is not None}["DU002.pairs"]
    assert warm.used == "grown"
    assert 0 < warm.verified < cold_verified, (warm.verified, cold_verified)
