"""Label rules on the shared real datasets (../shared/data, beside the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainlint.registry import find_rule
from trainlint.testing import run_rules_on_files

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SMS = DATA / "sms_spam" / "SMSSpamCollection"
BANK_TRAIN = DATA / "banking77" / "train.csv"
BANK_TEST = DATA / "banking77" / "test.csv"

pytestmark = pytest.mark.skipif(not SMS.exists() or not BANK_TRAIN.exists(), reason="shared data not present")


def _run(codes, paths):
    rules = [find_rule(c)(find_rule(c).make_options({})) for c in codes]
    return run_rules_on_files(rules, [str(p) for p in paths])


def test_sms_spam_is_imbalanced_at_defaults():
    res = _run(["LB002", "LB003", "LB005"], [SMS])
    assert [f.code for f in res.findings] == ["LB002"]
    f = res.findings[0]
    assert "ham 4,827 (86.6%), spam 747 (13.4%)" in f.message
    assert f.n_rows == 5574 and f.row is None
    stats = res.stats["label-imbalance"]["by_split"][str(SMS)]
    assert stats["distribution"] == {"ham": 4827, "spam": 747}
    assert stats["ratio"] == pytest.approx(4827 / 747, abs=1e-3)
    assert stats["evenness"] == pytest.approx(0.568, abs=1e-3)


def test_banking77_is_balanced_enough_and_not_shifted_at_defaults():
    res = _run(["LB002", "LB003", "LB004", "LB005"], [BANK_TRAIN, BANK_TEST])
    assert res.findings == []
    by = res.stats["label-imbalance"]["by_split"]
    assert by["split 'test'"]["ratio"] == 1.0 and by["split 'test'"]["classes"] == 77
    # train: 35..187 rows per intent, a ratio of 5.3 but an evenness of 0.99
    assert by["split 'train'"]["ratio"] == pytest.approx(187 / 35, abs=1e-3)
    assert by["split 'train'"]["evenness"] > 0.99
    assert res.stats["label-shift"]["vs_train"]["test"]["total_variation"] == pytest.approx(0.101, abs=1e-3)


def test_banking77_train_is_flagged_by_ratio_when_asked():
    rule = find_rule("LB002")
    res = run_rules_on_files([rule(rule.make_options({"max-ratio": 5}))], [str(BANK_TRAIN)])
    assert len(res.findings) == 1 and "largest/smallest class 5.3×" in res.findings[0].message


def test_glue_style_test_split_of_minus_one(tmp_path):
    (tmp_path / "train.csv").write_text("text,label\n" + "".join(f"t{i},{i % 2}\n" for i in range(40)))
    (tmp_path / "test.csv").write_text("text,label\n" + "".join(f"s{i},-1\n" for i in range(30)))
    res = _run(["LB002", "LB003", "LB004", "LB005"], [tmp_path / "train.csv", tmp_path / "test.csv"])
    assert [(f.code, f.severity.value, f.n_rows) for f in res.findings] == [("LB005", "error", 30)]
    assert res.findings[0].source.endswith("test.csv")
