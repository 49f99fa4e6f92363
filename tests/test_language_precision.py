"""Precision of the language rules (TX001-TX003) on their reviewed findings (issue 22).

``tests/data/reviewed/<CODE>.jsonl`` holds, for each language rule, its findings of the default
run on the real datasets of ../shared/data (all of them while there are at most 30, else a
fixed-seed sample of 30), each judged right or wrong with a reason.  tests/test_noise_budget.py
and tests/test_reviewed_precision.py recompute the precision of every fixture; this test checks
that the judgements are still about what the language rules report today: a finding nobody
judged fails here until it is reviewed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REVIEWED = Path(__file__).parent / "data" / "reviewed"
CODES = ("TX001", "TX002", "TX003")


def _reviews(code: str) -> list[dict]:
    path = REVIEWED / f"{code}.jsonl"
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _datasets() -> list[tuple[list[Path], dict]]:
    """The real datasets as the noise budget lints them: each lingua_sentences file on its own."""
    out = [([DATA / "banking77" / "train.csv", DATA / "banking77" / "test.csv"], {}),
           ([DATA / "mrpc" / "msr_paraphrase_train.txt", DATA / "mrpc" / "msr_paraphrase_test.txt"], {}),
           ([DATA / "sms_spam" / "SMSSpamCollection"], {}), ([DATA / "titanic" / "titanic.csv"], {}),
           (sorted((DATA / "uci_sentiment").glob("*_labelled.txt")), {}),
           ([DATA / "encoding" / "youtube01_psy_not_utf8.csv"], {})]
    out += [([p], {}) for p in sorted((DATA / "chat").glob("*.json*"))]
    out += [([p], {"input_format": "tsv", "header": False}) for p in sorted((DATA / "lingua_sentences").glob("*.txt"))]
    return out


@pytest.mark.skipif(not DATA.exists(), reason="../shared/data not present")
def test_reviews_cover_todays_findings():
    import trainlint

    found: dict[str, set] = {c: set() for c in CODES}
    for paths, opts in _datasets():
        report = trainlint.lint([str(p) for p in paths], select=list(CODES), **opts)
        for f in report.findings:
            rel = Path(f.source).resolve().relative_to(DATA.resolve()).as_posix() if f.source else None
            found[f.code].add((rel, f.line))
    for code in CODES:
        reviewed = {(r["file"], r["line"]) for r in _reviews(code)}
        if len(found[code]) <= 30:  # all of them are the sample
            assert found[code] == reviewed, f"{code}: not reviewed {found[code] - reviewed}, " \
                                            f"no longer reported {reviewed - found[code]}"
        else:
            assert len(reviewed) == 30 and reviewed <= found[code]
