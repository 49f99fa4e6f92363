"""The noise budget: the default rules on every real dataset in ../shared/data, and per rule the
findings, the rows they cover and the precision on a reviewed random sample.

    python benchmarks/noise_budget.py                 # the table (Markdown), for the README
    python benchmarks/noise_budget.py --stubs DIR     # also DIR/<CODE>.jsonl: sampled findings not yet reviewed

The reviewed samples are ``tests/data/reviewed/<CODE>.jsonl``: one JSON object per line,
``{"code", "file" (relative to ../shared/data), "line", "related_line", "snippet", "verdict":
"right"|"wrong", "reason"}``.  For each rule a random sample of its findings (``--sample`` per rule,
fixed ``--seed``, the draw of ``benchmarks/review_sample.py``) is drawn; a finding is matched to a
review by (code, file, line, related_line).  Precision is right / judged among the reviews whose
finding the rules still report; "not
reviewed" counts the drawn findings without one (after a rule changes, review those: ``--stubs``
writes them out with the snippet to judge).  "all reviews" is the precision over every review of
the rule, also those whose finding is gone (an off-by-default rule's come from a ``--select`` run).  ``tests/test_noise_budget.py`` recomputes the
fixtures' precision without running anything.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data"
REVIEWED = ROOT / "tests" / "data" / "reviewed"


def datasets() -> list[tuple[str, list[Path], dict]]:
    """(name, files linted together, lint() options) for every real dataset that lints."""
    out = [
        ("banking77", [DATA / "banking77" / "train.csv", DATA / "banking77" / "test.csv"], {}),
        ("mrpc", [DATA / "mrpc" / "msr_paraphrase_train.txt", DATA / "mrpc" / "msr_paraphrase_test.txt"], {}),
        ("sms_spam", [DATA / "sms_spam" / "SMSSpamCollection"], {}),
        ("titanic", [DATA / "titanic" / "titanic.csv"], {}),
        ("uci_sentiment", sorted((DATA / "uci_sentiment").glob("*_labelled.txt")), {}),
        ("encoding", [DATA / "encoding" / "youtube01_psy_not_utf8.csv"], {}),
    ]
    out += [(f"chat/{p.name}", [p], {}) for p in sorted((DATA / "chat").glob("*.json*"))]
    # one sentence a line, one language a file: each file a dataset with one text column
    out += [(f"lingua/{p.stem}", [p], {"input_format": "tsv", "header": False})
            for p in sorted((DATA / "lingua_sentences").glob("*.txt"))]
    # typos/ holds Python source (dicts of misspellings), not a dataset: it does not lint
    return out


def relative(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).resolve().relative_to(DATA.resolve()).as_posix()
    except ValueError:
        return path


def key(code: str, file: str | None, line: int | None, related_line: int | None, pointer: str | None = None) -> tuple:
    """How a finding and its review are matched; ``pointer`` (optional in a review) tells two turns
    of one chat record apart."""
    return (code, file, line, related_line, pointer)


def load_reviews(folder: Path = REVIEWED) -> dict[tuple, dict]:
    """Every review in the fixtures, by (code, file, line, related_line)."""
    out: dict[tuple, dict] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for text in path.read_text(encoding="utf-8").splitlines():
            if not text.strip():
                continue
            r = json.loads(text)
            out[key(r["code"], r["file"], r.get("line"), r.get("related_line"), r.get("pointer"))] = r
    return out


def precision_of(reviews: list[dict]) -> tuple[int, int, float | None]:
    """(right, judged, right / judged) of a list of reviews."""
    judged = [r for r in reviews if r.get("verdict") in ("right", "wrong")]
    right = sum(r["verdict"] == "right" for r in judged)
    return right, len(judged), (right / len(judged) if judged else None)


def not_run(report) -> dict[str, str]:
    """Why a rule of the run did not look at the data, by code: an optional library missing
    (PI002 without phonenumbers) or options a default run does not give (the trainer's-view rules
    need a chat template).  Such a rule's only finding is a note without a source ("rule
    skipped"), which is not a finding on the data."""
    out = {}
    for r in report.rules:
        hint = r.missing_library() if callable(getattr(r, "missing_library", None)) else None
        if hint:
            out[r.code] = f"needs {r.needs[0]} ({hint})"
            continue
        why = r.skip_reason() if callable(getattr(r, "skip_reason", None)) else None
        if why:
            out[r.code] = why
    return out


def run_all(names: set[str] | None = None, select: list[str] | None = None) -> tuple[list[dict], dict[str, dict], list]:
    """Every finding of the default rules on every dataset (as dicts with a relative ``file``),
    the rules' metadata (``not_run``: why a rule did not run, when it did not), and the reports
    (for snippets).  A rule's notes about the run (findings without a source) are left out."""
    import trainlint
    from trainlint.registry import all_rules

    meta = {r.code: {"name": r.name, "severity": r.severity.value, "default": r.default} for r in all_rules()}
    findings: list[dict] = []
    reports = []
    for name, paths, opts in datasets():
        if names and name.split("/")[0] not in names and name not in names:
            continue
        t = time.perf_counter()
        try:
            report = trainlint.lint([str(p) for p in paths], select=select, **opts)
        except Exception as e:  # a dataset that cannot be linted is reported, not fatal
            print(f"{name}: not linted: {type(e).__name__}: {e}", file=sys.stderr)
            continue
        print(f"{name}: {len(report.findings)} findings in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        reports.append(report)
        findings += findings_of(report, meta, name, len(reports) - 1)
    return findings, meta, reports


def findings_of(report, meta: dict[str, dict], name: str, index: int = 0) -> list[dict]:
    """A report's findings on the data as dicts (relative ``file``, ``related_line``); marks in
    ``meta`` the rules that did not run (``not_run``) and leaves out their notes ("rule skipped: it
    needs phonenumbers", no source): 35 such notes, one per dataset, were once counted as PI002's
    findings."""
    for code, why in not_run(report).items():
        if code in meta:
            meta[code]["not_run"] = why
    out = []
    for f in report.findings:
        if f.source is None and "not_run" in meta.get(f.code, {}):
            continue
        d = f.to_dict()
        d["file"] = relative(f.source)
        d["related_line"] = f.related[0].line if f.related else None
        d["dataset"] = name
        d["_report"] = index
        out.append(d)
    return out


def sample(findings: list[dict], per_rule: int, seed: int) -> dict[str, list[dict]]:
    """The random sample of each rule's findings that the reviews are drawn from: what the default
    run reports as problems (warnings and errors; ``info`` findings are notes), in (file, line)
    order, ``random.Random(f"{seed}-{code}")``: the draw of ``benchmarks/review_sample.py``, so a
    fixture written with either script matches."""
    by_code: dict[str, list[dict]] = {}
    for f in findings:
        if f["severity"] != "info":
            by_code.setdefault(f["code"], []).append(f)
    out = {}
    for code, fs in sorted(by_code.items()):
        fs.sort(key=lambda f: (f["file"] or "", f["line"] or 0))
        out[code] = random.Random(f"{seed}-{code}").sample(fs, min(per_rule, len(fs)))
    return out


def rows_affected(fs: list[dict]) -> int:
    rows = {(f["file"], f["row"]) for f in fs if f["row"] is not None}
    return len(rows) + sum(f["n_rows"] for f in fs if f["row"] is None)


def _keys(f: dict) -> tuple[tuple, tuple]:
    """A finding's keys: with its pointer, and without (a review that names no pointer)."""
    return (key(f["code"], f["file"], f["line"], f["related_line"], f.get("pointer")),
            key(f["code"], f["file"], f["line"], f["related_line"]))


def _p(right: int, judged: int) -> str:
    return "—" if not judged else f"{right / judged:.2f} ({right}/{judged})"


def table(findings: list[dict], meta: dict, sampled: dict[str, list[dict]], reviews: dict) -> list[str]:
    """Per rule: findings and rows now; the reviews that still match a finding and their precision;
    how many findings of a fresh draw have no review yet; every review of the rule (also stale ones:
    the rule no longer reports that row, or runs off by default)."""
    lines = ["| rule | default | severity | findings | rows | reviewed, still found | precision | "
             "drawn, not reviewed | all reviews |", "|---|---|---|--:|--:|--:|--:|--:|--:|"]
    for code in sorted(set(meta) | set(sampled)):
        fs = [f for f in findings if f["code"] == code]
        m = meta.get(code, {"name": "?", "severity": "?", "default": True})
        now = {k for f in fs for k in _keys(f)}
        mine = [r for k, r in reviews.items() if k[0] == code]
        found = [r for k, r in reviews.items() if k in now]
        right, judged, _ = precision_of(found)
        todo = sum(not any(k in reviews for k in _keys(f)) for f in sampled.get(code, []))
        a_right, a_judged, _ = precision_of(mine)
        counts = ("not run", "—") if "not_run" in m else (f"{len(fs):,}", f"{rows_affected(fs):,}")
        lines.append(f"| {code} {m['name']} | {'on' if m['default'] else 'off'} | {m['severity']} | {counts[0]} | "
                     f"{counts[1]} | {judged} | {_p(right, judged)} | {todo} | {_p(a_right, a_judged)} |")
    return lines


def not_run_notes(meta: dict) -> list[str]:
    """The line under the table that says why rules did not run (none when all ran)."""
    why: dict[str, list[str]] = {}
    for code, m in sorted(meta.items()):
        if "not_run" in m:
            why.setdefault(m["not_run"], []).append(code)
    return ["*not run*: " + "; ".join(f"{', '.join(codes)}: {reason}" for reason, codes in why.items())] if why else []


def write_stubs(folder: Path, sampled: dict[str, list[dict]], reviews: dict, reports: list) -> None:
    """The sampled findings without a review, as fixture lines to judge (verdict null)."""
    from trainlint.reporters._snippets import lookup

    folder.mkdir(parents=True, exist_ok=True)
    for code, fs in sampled.items():
        todo = [f for f in fs if not any(k in reviews for k in _keys(f))]
        if not todo:
            continue
        with open(folder / f"{code}.jsonl", "w", encoding="utf-8") as out:
            for f in todo:
                report = reports[f["_report"]]
                want = (f["source"], f["row"], f.get("pointer") or f["column"])
                snippet = (lookup(report, [want], limit=300, focus={want: f["message"]}).get(want)
                           if f["row"] is not None else None)
                rel = f["related"][0] if f["related"] else None
                rel_want = (rel["source"], rel["row"], None) if rel else None
                rel_snip = lookup(report, [rel_want], limit=300).get(rel_want) if rel else None
                out.write(json.dumps({"code": code, "file": f["file"], "line": f["line"],
                                      "related_line": f["related_line"], "pointer": f.get("pointer"),
                                      "snippet": snippet,
                                      "related_snippet": rel_snip, "message": f["message"],
                                      "dataset": f["dataset"], "verdict": None, "reason": ""},
                                     ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", type=int, default=30, help="findings sampled per rule (default 30)")
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--only", nargs="*", help="datasets to run (names as printed: banking77, chat, lingua, ...)")
    ap.add_argument("--select", help="rules to run instead of the default set (e.g. TX004, an off-by-default rule)")
    ap.add_argument("--stubs", type=Path, help="write the sampled findings not yet reviewed to DIR/<CODE>.jsonl")
    args = ap.parse_args(argv)
    os.chdir(ROOT)
    select = [c.strip() for c in args.select.split(",")] if args.select else None
    findings, meta, reports = run_all(set(args.only) if args.only else None, select)
    if select:
        meta = {c: m for c, m in meta.items() if any(c.startswith(s) for s in select)}
    sampled = sample(findings, args.sample, args.seed)
    reviews = load_reviews()
    print("\n".join(table(findings, meta, sampled, reviews) + [""] + not_run_notes(meta)))
    if args.stubs:
        write_stubs(args.stubs, sampled, reviews, reports)
    missing = sorted(c for c, m in meta.items() if m.get("not_run", "").startswith("needs "))
    if missing:  # the README's table is of a run with every optional library of the default rules
        print(f"noise_budget: {', '.join(missing)} did not run (a library is missing): this is not the "
              f"README's table", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
