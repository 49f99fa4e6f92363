from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ._scan import CharacterRule, Hit, context

#: always out of place: zero-width space, word joiner, invisible operators, BOM inside text,
#: bidi embeddings, overrides and isolates, Hangul fillers
_ALWAYS = "\u200b\u2060\u2061\u2062\u2063\u2064\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u3164\u115f\u1160\uffa0"
#: direction marks: only out of place in text without right-to-left letters
_MARKS = "\u200e\u200f\u061c"
#: joiners: needed by Indic, Arabic and Persian scripts and emoji; out of place between ASCII
_JOINERS = "\u200c\u200d"
_ANY = re.compile(f"[{_ALWAYS}{_MARKS}{_JOINERS}]")
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


class InvisibleCharacter(CharacterRule):
    """Text holds invisible zero-width or bidirectional control characters.

    What it checks
        Every text for characters that print as nothing: zero-width space (U+200B), word joiner
        and invisible operators (U+2060-U+2064), a byte order mark inside text (U+FEFF), bidi
        embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and Hangul fillers.
        Direction marks (U+200E, U+200F, U+061C) count only in text with no right-to-left
        letters, and zero-width (non-)joiners (U+200C, U+200D) only between ASCII characters:
        Arabic, Persian, Indic scripts and emoji need them.  The message names the characters
        and shows where, escaped.

    Why it matters
        Two strings that look the same differ, so deduplication and exact matching miss them;
        tokenizers split words at them; bidi overrides can make text read differently from how
        it is stored ("Trojan Source").

    Example
        ``pass\\u200bword`` (a zero-width space pasted from a web page).

    Fix
        Unsafe: the row is dropped (``--unsafe-fixes``); with ``--mask EN003`` the characters are
        removed from the text in the cleaned copy instead, and the change recorded.

    Options
        None.
    """

    code = "EN003"
    name = "invisible-character"
    prefilter = f"[{_ALWAYS}{_MARKS}{_JOINERS}]"
    noun = "invisible character"
    shown_kinds = 3

    @dataclass(frozen=True)
    class Options:
        pass

    def scan(self, text):
        rtl = None
        hits = []
        for m in _ANY.finditer(text):
            ch = m.group(0)
            i = m.start()
            if ch in _MARKS:
                if rtl is None:
                    rtl = bool(_RTL.search(text))
                if rtl:
                    continue
            elif ch in _JOINERS:
                if not (0 < i < len(text) - 1 and text[i - 1].isascii() and text[i + 1].isascii()):
                    continue
            hits.append(Hit(f"U+{ord(ch):04X} {unicodedata.name(ch, '')}".strip(), context(text, i, i + 1),
                            (i, i + 1), ""))
        return hits
