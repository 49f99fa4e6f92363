"""Draw the random sample of default findings that tests/data/reviewed/<CODE>.jsonl holds, judged.

    python benchmarks/review_sample.py --codes DU001,DU002,DU003,LB001,LK001 [--seed 22] [--n 30]

Runs the default rules on the real datasets in ../shared/data, pools each rule's warning and error
findings over all of them, draws up to ``--n`` with a fixed seed and prints, per drawn finding, the text of the row
and of the related row (as the rules saw it: the text role, joined) so a person can judge it.
With ``--write DIR`` it writes ``DIR/<CODE>.jsonl`` in the shared fixture format with
``"verdict": "?"``, keeping the verdict and reason of any entry already judged in that file (same
file, line and code), so re-drawing never loses a judgement.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / ".." / "shared" / "data"

#: the real datasets, as a user would lint them (splits together where the data has them)
DATASETS = {
    "banking77": ["banking77/train.csv", "banking77/test.csv"],
    "sms_spam": ["sms_spam/SMSSpamCollection"],
    "uci_sentiment": ["uci_sentiment"],
    "mrpc": ["mrpc"],
    "alpaca": ["chat/alpaca_en_demo.json"],
    "sharegpt": ["chat/sharegpt_dummy_conversation.json"],
    "openai_toy": ["chat/openai_toy_chat_fine_tuning.jsonl"],
    "titanic": ["titanic"],
}


def row_texts(paths: list[str], wanted: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The text role of the wanted (source path, row) as the rules see it."""
    from trainlint.engines.base import parsed_blocks
    from trainlint.sources import ReadOptions, open_sources

    out = {}
    for spec in open_sources(paths, ReadOptions()):
        for _block, contexts in parsed_blocks(spec.reader):
            for ctx in contexts:
                rows = ctx.row_ids & ((1 << 40) - 1)
                text = ctx.text
                for k, r in enumerate(rows.tolist()):
                    if (spec.info.path, r) in wanted:
                        if text is not None and text[k].is_valid:
                            out[(spec.info.path, r)] = text[k].as_py()
                        else:  # no text role (e.g. titanic): the whole record
                            out[(spec.info.path, r)] = json.dumps(ctx.table.slice(k, 1).to_pylist()[0], default=str)
    return out


def findings(codes: set[str]) -> list[dict]:
    """Every warning and error of ``codes`` on the datasets; exits 1 when one of them did not run
    (PI002 without phonenumbers: an empty draw would read as a rule with nothing to review)."""
    import sys

    import trainlint

    from noise_budget import not_run

    rows = []
    for paths in DATASETS.values():
        full = [str(DATA / p) for p in paths]
        if not all(Path(p).exists() for p in full):
            continue
        report = trainlint.lint(full)
        skipped = {c: why for c, why in not_run(report).items() if c in codes}
        if skipped:
            sys.exit("review_sample: " + "; ".join(f"{c} did not run: {why}" for c, why in skipped.items()))
        # the sample is of what the default run reports as problems: warnings and errors (``info``
        # findings are notes, e.g. DU001's whole-row repeats in tables without a text role)
        fs = [f for f in report.findings if f.code in codes and f.row is not None and f.severity.value != "info"]
        wanted = {(f.source, f.row) for f in fs} | {(r.source, r.row) for f in fs for r in f.related[:1]}
        texts = row_texts(full, wanted)
        for f in fs:
            rel = f.related[0] if f.related else None
            rows.append({
                "code": f.code, "file": _rel(f.source), "line": f.line, "related_line": rel.line if rel else None,
                "severity": f.severity.value, "message": f.message,
                "text": texts.get((f.source, f.row), ""), "related_text": texts.get((rel.source, rel.row), "") if rel else "",
                "related_file": _rel(rel.source) if rel else None})
    rows.sort(key=lambda r: (r["code"], r["file"], r["line"] or 0))
    return rows


def _rel(path: str) -> str:
    p = Path(path).resolve()
    try:
        return str(p.relative_to(DATA.resolve()))
    except ValueError:
        return str(p)


def sample(rows: list[dict], code: str, n: int, seed: int) -> list[dict]:
    pool = [r for r in rows if r["code"] == code]
    return random.Random(f"{seed}-{code}").sample(pool, min(n, len(pool)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--codes", default="DU001,DU002,DU003,LB001,LK001")
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--write", help="directory of <CODE>.jsonl fixtures to (re)write")
    a = ap.parse_args()
    codes = a.codes.split(",")
    rows = findings(set(codes))
    for code in codes:
        drawn = sample(rows, code, a.n, a.seed)
        print(f"== {code}: {sum(r['code'] == code for r in rows)} findings, {len(drawn)} drawn")
        old = {}
        path = Path(a.write) / f"{code}.jsonl" if a.write else None
        if path and path.exists():
            for line in path.read_text().splitlines():
                e = json.loads(line)
                old[(e["file"], e["line"])] = e
        out = []
        for k, r in enumerate(drawn):
            print(f"[{k}] {r['file']}:{r['line']} -> {r['related_file']}:{r['related_line']}  {r['message'][:90]}")
            print(f"     A: {r['text'][:300]!r}\n     B: {r['related_text'][:300]!r}")
            prev = old.get((r["file"], r["line"]), {})
            out.append({"code": code, "file": r["file"], "line": r["line"], "related_line": r["related_line"],
                        "snippet": r["text"][:80], "verdict": prev.get("verdict", "?"),
                        "reason": prev.get("reason", "")})
        if path and out:  # a rule without findings gets no (empty) file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in out))


if __name__ == "__main__":
    main()
