"""Planted-case recall and speed of the hygiene rules (PI, EN, MK, RP) on real text.

Real sentences from ../shared/data (Banking77, SMS ham, lingua English/German/French) are
cycled to ``--rows`` rows; into ``--rate`` of them per kind a known value is planted (a
generated e-mail address, phone number, Luhn-valid card, checksummed IBAN, public IP, API key,
mojibake of a real accented sentence, U+FFFD, a zero-width space, a control character, HTML
entities, a reply loop).  Recall is the share of planted rows the right rule reports; speed is
rows per CPU second of the whole group, and of the group on the clean text alone.

    python benchmarks/hygiene.py --rows 100000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from _hygiene_data import DATA  # noqa: E402


def _sentences() -> tuple[list[str], list[str]]:
    plain, accented = [], []
    with open(os.path.join(DATA, "banking77", "train.csv"), encoding="utf-8") as f:
        next(f)
        plain += [line.rsplit(",", 1)[0].strip('"') for line in f]
    with open(os.path.join(DATA, "sms_spam", "SMSSpamCollection"), encoding="utf-8") as f:
        plain += [line.split("\t", 1)[1].strip() for line in f if line.startswith("ham\t") and "&" not in line]
    for lang in ("de", "fr", "en"):
        with open(os.path.join(DATA, "lingua_sentences", f"{lang}.txt"), encoding="utf-8") as f:
            for line in f:
                s = line.strip()
                if not s or any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c == "\ufffd" for c in s):
                    continue
                (accented if any(c in s for c in "äöüéèàç") else plain).append(s)
    return plain, accented


def _luhn_complete(prefix: str) -> str:
    for d in "0123456789":
        s = prefix + d
        total = 0
        for i, c in enumerate(reversed(s)):
            v = int(c) * (2 if i % 2 else 1)
            total += v - 9 if v > 9 else v
        if total % 10 == 0:
            return s
    raise AssertionError


def _card(rng: random.Random) -> str:
    n = _luhn_complete("4" + "".join(rng.choice("0123456789") for _ in range(14)))
    return " ".join(n[i:i + 4] for i in range(0, 16, 4))


def _iban(rng: random.Random) -> str:
    bban = "".join(rng.choice("0123456789") for _ in range(18))
    check = 98 - int("".join(str(int(c, 36)) for c in bban + "DE00")) % 97
    iban = f"DE{check:02d}{bban}"
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def _b62(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


PLANTS = {
    "PI001": lambda r, s, a: f"{s} Mail {rng_name(r)}.{rng_name(r)}@{rng_name(r)}mail.com",
    "PI002": lambda r, s, a: f"{s} Call 020 7{r.randint(100, 999)} {r.randint(1000, 9999)}.",
    "PI003": lambda r, s, a: f"{s} Card {_card(r)}",
    "PI004": lambda r, s, a: f"{s} IBAN {_iban(r)}",
    "PI005": lambda r, s, a: f"{s} from IP {r.randint(60, 90)}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
    "PI006": lambda r, s, a: f"{s} token ghp_{_b62(r, 36)}" if r.random() < 0.5 else f"{s} key AKIA{''.join(r.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567') for _ in range(16))}",
    "EN001": lambda r, s, a: r.choice(a).encode("utf-8").decode("windows-1252", "replace").replace("\ufffd", "?"),
    "EN002": lambda r, s, a: s[: len(s) // 2] + "\ufffd\ufffd" + s[len(s) // 2:],
    "EN003": lambda r, s, a: s.replace(" ", " \u200b", 1) if " " in s else s + "\u200b!",
    "EN004": lambda r, s, a: s.replace(" ", " \x07", 1) if " " in s else s + "\x1b",
    "MK001": lambda r, s, a: s.replace(" ", " &amp; ", 1) if r.random() < 0.5 else s + "<br />",
    "RP001": lambda r, s, a: " ".join([s] * 12),
}


def rng_name(r: random.Random) -> str:
    return "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(3, 8)))


def build(rows: int, rate: float, seed: int = 20) -> tuple[list[str], dict[int, str]]:
    rng = random.Random(seed)
    plain, accented = _sentences()
    accented = [s for s in accented if s.encode("utf-8").decode("windows-1252", "replace") != s]
    texts = [plain[i % len(plain)] for i in range(rows)]
    planted: dict[int, str] = {}
    k = max(1, int(rows * rate))
    picks = rng.sample(range(rows), k * len(PLANTS))
    for j, code in enumerate(PLANTS):
        for i in picks[j * k:(j + 1) * k]:
            texts[i] = PLANTS[code](rng, texts[i], accented)
            planted[i] = code
    return texts, planted


def run(path: str, select: str) -> tuple[object, float]:
    import trainlint

    t = time.process_time()
    rep = trainlint.lint(path, select=select, text="text", rules={"repeated-text": {}})
    return rep, time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--rate", type=float, default=0.002, help="share of rows planted per kind")
    ap.add_argument("--also", metavar="CSV", help="also time the group on this file (its 'text' column), e.g. "
                    "the templated benchmark: python ../shared/bench/templated.py --rows 100000 --out DIR")
    args = ap.parse_args()
    texts, planted = build(args.rows, args.rate)
    select = ",".join(PLANTS)
    with tempfile.TemporaryDirectory() as d:
        clean_p, plant_p = os.path.join(d, "clean.jsonl"), os.path.join(d, "planted.jsonl")
        plain, _ = _sentences()
        with open(clean_p, "w", encoding="utf-8") as f:
            for i in range(args.rows):
                f.write(json.dumps({"text": plain[i % len(plain)]}, ensure_ascii=False) + "\n")
        with open(plant_p, "w", encoding="utf-8") as f:
            for t in texts:
                f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
        import trainlint  # noqa: F401  (imports out of the timing)

        run(clean_p, "MV001")  # warm: readers, caches
        _, t_read = run(clean_p, "MV001")
        _, t_clean = run(clean_p, select)
        rep, t_plant = run(plant_p, select)
    found: dict[str, set[int]] = {}
    for f in rep.findings:
        found.setdefault(f.code, set()).add(f.row)
    print(f"{args.rows:,} rows, {len(planted):,} planted ({args.rate:.1%} per kind)\n")
    print("| rule | planted | found | recall | other rows flagged |")
    print("|---|---|---|---|---|")
    for code in PLANTS:
        rows = {i for i, c in planted.items() if c == code}
        hit = rows & found.get(code, set())
        other = found.get(code, set()) - rows
        print(f"| {code} | {len(rows)} | {len(hit)} | {len(hit) / len(rows):.3f} | {len(other)} |")
    print(f"\nCPU s (process time, one process): reading + MV001 {t_read:.2f}; whole group on clean text "
          f"{t_clean:.2f} ({args.rows / t_clean:,.0f} rows/s); on planted text {t_plant:.2f} "
          f"({args.rows / t_plant:,.0f} rows/s); the group alone (minus reading) "
          f"{args.rows / max(1e-9, t_plant - t_read):,.0f} rows/s")
    if args.also:
        _, t_read = run(args.also, "MV001")
        rep, t = run(args.also, select)
        n = sum(s["rows"] for s in rep.sources)
        print(f"{args.also}: {n:,} rows, reading + MV001 {t_read:.2f} s; whole group {t:.2f} s "
              f"({n / t:,.0f} rows/s; {n / max(1e-9, t - t_read):,.0f} rows/s without reading), "
              f"{len(rep.findings):,} findings")


if __name__ == "__main__":
    main()
