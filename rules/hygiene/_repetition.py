"""The Gopher repetition ratios (Rae et al. 2021, "Scaling Language Models", table A1), as
datatrove's GopherRepetitionFilter computes them, for one text."""

from __future__ import annotations

from collections import Counter

#: (name, limit): duplicated lines by count and by characters
LINE_LIMITS = (0.30, 0.20)
#: n -> limit on the characters of the most frequent n-gram
TOP_NGRAM_LIMITS = {2: 0.20, 3: 0.18, 4: 0.16}
#: n -> limit on the characters inside repeated n-grams
DUP_NGRAM_LIMITS = {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}


def _dup_chars(words: list[str], n: int) -> int:
    """Characters of the n-grams that repeat an earlier one, counted without overlap."""
    seen = set()
    total = 0
    i = 0
    last = len(words) - n + 1
    while i < last:
        gram = tuple(words[i:i + n])
        if gram in seen:
            total += sum(len(w) for w in gram)
            i += n
        else:
            seen.add(gram)
            i += 1
    return total


def worst_ratio(text: str, min_words: int, scale: float = 1.0) -> tuple[str, float, float, str] | None:
    """The repetition measure furthest over its limit (limits times ``scale``): (what, ratio, limit,
    the repeated piece), or None when every ratio is within its limit."""
    words = text.split()
    if len(words) < min_words:
        return None
    worst = None

    def consider(what: str, ratio: float, limit: float, piece: str) -> None:
        nonlocal worst
        limit *= scale
        if ratio > limit and (worst is None or ratio / limit > worst[1] / worst[2]):
            worst = (what, ratio, limit, piece)

    lines = [ln.strip() for ln in text.split("\n") if ln.strip()] if text.count("\n") >= 2 else []
    if len(lines) >= 3:
        counts = Counter(lines)
        dup = [ln for ln, c in counts.items() if c > 1]
        if dup:
            n_dup = sum(counts[ln] - 1 for ln in dup)
            c_dup = sum((counts[ln] - 1) * len(ln) for ln in dup)
            top = max(dup, key=lambda ln: counts[ln])
            consider("repeated lines", n_dup / len(lines), LINE_LIMITS[0], top)
            consider("characters in repeated lines", c_dup / max(1, sum(len(ln) for ln in lines)),
                     LINE_LIMITS[1], top)
    # Every n-gram measure needs repeated word pairs: the most frequent n-gram, or the repeated
    # n-grams, cover their share of the text with pairs seen before.  Prose repeats few pairs
    # ("of the"), a loop repeats most; below half the smallest limit no n-gram measure can pass,
    # and counting n-grams is what costs (a set of pairs is ~20x cheaper than the six counts).
    pairs = len(words) - 1
    repeated_pairs = 1.0 - len(set(zip(words, words[1:]))) / pairs
    if repeated_pairs < 0.5 * scale * min(min(TOP_NGRAM_LIMITS.values()), min(DUP_NGRAM_LIMITS.values())):
        return worst
    chars = len("".join(words))
    for n, limit in TOP_NGRAM_LIMITS.items():
        grams = Counter(zip(*(words[i:] for i in range(n))))
        if not grams:
            continue
        gram, c = grams.most_common(1)[0]
        if c > 1:
            consider(f"the most frequent {n}-gram", c * sum(len(w) for w in gram) / chars, limit, " ".join(gram))
    for n, limit in DUP_NGRAM_LIMITS.items():
        if len(words) < 2 * n:
            break
        ratio = _dup_chars(words, n) / chars
        if ratio > limit * scale:
            grams = Counter(zip(*(words[i:] for i in range(n))))
            consider(f"repeated {n}-grams", ratio, limit, " ".join(grams.most_common(1)[0][0]))
    return worst
