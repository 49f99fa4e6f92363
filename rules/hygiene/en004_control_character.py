from __future__ import annotations

from dataclasses import dataclass

from ._chars import CONTROL, CONTROL_PREFILTER
from ._scan import CharacterRule, Hit, context


class ControlCharacter(CharacterRule):
    """Text holds control characters.

    What it checks
        Every text for C0 control characters other than tab, line feed and carriage return
        (NUL, BEL, ESC, form feed...), DEL, and C1 controls (U+0080-U+009F).  A C1 control that
        is Windows-1252 punctuation read as Latin-1 ("that\\x92s"), which ftfy repairs, is
        mojibake's to report (EN001) and left out here, unless ftfy is not installed.  The
        message names the characters and shows where, escaped.

    Why it matters
        Control characters are invisible in most viewers, break CSV and terminal output, and
        are usually the trace of a binary field or a wrong decoding (Mac Roman read as Latin-1
        leaves ``deuxi\\x8fme``).

    Example
        ``est la deuxi\\x8fme ressource`` (lingua sentences, French).

    Fix
        Unsafe: the row is dropped (``--unsafe-fixes``); with ``--mask EN004`` the characters are
        removed from the text in the cleaned copy instead, and the change recorded.

    Options
        None.
    """

    code = "EN004"
    name = "control-character"
    prefilter = CONTROL_PREFILTER
    noun = "control character"

    @dataclass(frozen=True)
    class Options:
        pass

    def scan(self, text):
        hits = []
        explained = None
        for m in CONTROL.finditer(text):
            o = ord(m.group(0))
            if 0x80 <= o <= 0x9F:
                if explained is None:
                    explained = _mojibake_explains(text)
                if explained:
                    continue
            hits.append(Hit(f"U+{o:04X}", context(text, m.start(), m.end()), m.span(), ""))
        return hits



def _mojibake_explains(text: str) -> bool:
    try:
        from ._chars import repair

        return repair(text) is not None
    except ImportError:
        return False
