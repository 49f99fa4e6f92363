"""Character classes for the encoding rules, and the mojibake repair they share."""

from __future__ import annotations

import re
from functools import lru_cache

#: what UTF-8 read as Latin-1/Windows-1252 leaves: a lead byte as a Latin-1 letter followed by a
#: continuation byte as Latin-1 or as a Windows-1252 punctuation sign; or a bare C1 control
#: (Windows-1252 read as Latin-1).  RE2 syntax, for the prefilter.
MOJIBAKE_PREFILTER = (r"[\x{c2}-\x{f4}][\x{80}-\x{bf}\x{152}\x{153}\x{160}\x{161}\x{178}\x{17d}\x{17e}\x{192}"
                      r"\x{2c6}\x{2dc}\x{2013}\x{2014}\x{2018}-\x{201e}\x{2020}-\x{2022}\x{2026}\x{2030}"
                      r"\x{2039}\x{203a}\x{20ac}\x{2122}]|[\x{80}-\x{9f}]")

#: C0 controls but tab, line feed and carriage return; DEL; C1 controls
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_PREFILTER = r"[\x{00}-\x{08}\x{0b}\x{0c}\x{0e}-\x{1f}\x{7f}-\x{9f}]"


@lru_cache(maxsize=4096)
def repair(text: str) -> tuple[str, str] | None:
    """``(repaired text, how)`` when ftfy explains ``text`` as mojibake and its repair reads clean.

    Only ftfy's encoding fixes count (not its quote or width normalisation), and a repair that
    still looks broken to ftfy is no explanation: those characters stay for other rules.
    """
    import ftfy
    from ftfy.badness import is_bad

    fixed, plan = ftfy.fix_encoding_and_explain(text)
    if fixed == text or not plan or is_bad(fixed):
        return None
    encs = [arg for step, arg in plan if step in ("encode", "decode")]
    how = f"{encs[-1]} read as {encs[0].replace('sloppy-', '')}" if len(encs) >= 2 else "mis-decoded"
    mac = _mac_roman_instead(text, fixed)
    if mac is not None:
        return mac, "mac-roman read as latin-1"
    return fixed, how


_C1 = re.compile("[\x80-\x9f]")


def _case_breaks(text: str) -> int:
    return sum(1 for a, b in zip(text, text[1:]) if a.islower() and b.isupper())


def _mac_roman_instead(text: str, fixed: str) -> str | None:
    """Mac Roman's reading of the C1 bytes when it reads as words and ftfy's Windows-1252 does not.

    C1 controls are bytes 0x80-0x9f read as Latin-1; ftfy reads them as Windows-1252, but Mac
    Roman puts the Nordic and German vowels there (0x8a is "ä": Finnish "tietää" became
    "tietŠŠ").  Mac Roman wins only when its reading has fewer lower-to-upper case breaks inside
    words, so Windows-1252's punctuation ("that\x92s" -> "that’s") and "š" stay ftfy's.
    """
    if not _C1.search(text) or _C1.sub(lambda m: _cp1252(m.group()), text) != fixed:
        return None
    mac = _C1.sub(lambda m: bytes([ord(m.group())]).decode("mac_roman"), text)
    return mac if _case_breaks(mac) < _case_breaks(fixed) else None


def _cp1252(ch: str) -> str:
    try:
        return bytes([ord(ch)]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d: ftfy's sloppy codec keeps them
        return ch


def first_difference(a: str, b: str) -> tuple[int, int, int]:
    """(start, end in a, end in b) of the span where ``a`` and ``b`` differ."""
    start = 0
    n = min(len(a), len(b))
    while start < n and a[start] == b[start]:
        start += 1
    ea, eb = len(a), len(b)
    while ea > start and eb > start and a[ea - 1] == b[eb - 1]:
        ea -= 1
        eb -= 1
    return start, ea, eb


#: texts longer than this are rewritten as one span (the first to the last difference): matching
#: characters one by one is quadratic in the worst case
_DIFF_CHARS = 20_000


def repair_spans(text: str, fixed: str) -> list[tuple[int, int, str]]:
    """``(start, end, replacement)`` spans of ``text`` that turn it into ``fixed``: the broken
    runs only, so a rewrite leaves the rest of the text as it was."""
    s, ea, eb = first_difference(text, fixed)
    if ea - s > _DIFF_CHARS:
        return [(s, ea, fixed[s:eb])]
    from difflib import SequenceMatcher

    ops = SequenceMatcher(None, text[s:ea], fixed[s:eb], autojunk=False).get_opcodes()
    return [(s + i1, s + i2, fixed[s + j1:s + j2]) for op, i1, i2, j1, j2 in ops if op != "equal"]


def word_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``start..end`` widened to whole words (at most 24 characters more on each side)."""
    lo = start
    while lo > 0 and start - lo < 24 and not text[lo - 1].isspace():
        lo -= 1
    hi = end
    while hi < len(text) and hi - end < 24 and not text[hi].isspace():
        hi += 1
    return lo, hi
