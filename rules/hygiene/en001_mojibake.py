from __future__ import annotations

from dataclasses import dataclass

from trainlint.finding import Edit

from ._chars import MOJIBAKE_PREFILTER, first_difference, repair, repair_spans, word_span
from ._scan import Hit, ScanRule, escape


class Mojibake(ScanRule):
    """Text is mojibake: it was decoded with the wrong encoding.

    What it checks
        Texts holding the traces a wrong decoding leaves ("donâ€™t", "FÃ¼r", "that\\x92s") are
        given to ``ftfy``, which reverses the wrong decoding when it can explain it.  A text is
        reported only when ftfy's encoding repair changes it and the repair itself reads clean,
        and the finding shows the repair on the first broken words and the cause
        (``'FÃ¼r' -> 'Für' (utf-8 read as latin-1)``).  Bytes 0x80-0x9f read as Latin-1 are
        read back as Windows-1252 (ftfy's guess) unless Mac Roman reads them as words where
        Windows-1252 breaks them (``tiet\\x8a\\x8a``: "tietää", not "tietŠŠ").

    Why it matters
        A model learns "donâ€™t" as a word.  Mojibake usually comes from a whole file or source
        read with the wrong codec, so one finding often points at many rows.

    Example
        ``Sie starb am 11. MÃ¤rz 1796 in Urexweiler.`` (lingua sentences, German).

    Fix
        Unsafe: the row is dropped (``--unsafe-fixes``); with ``--mask EN001`` ftfy's repair is
        written into the cleaned copy instead (only the broken spans change), and each change
        recorded.

    Options
        None.  Needs ``ftfy`` (a dependency of trainlint, imported only when a text looks broken).
    """

    code = "EN001"
    name = "mojibake"
    prefilter = MOJIBAKE_PREFILTER
    noun = "mojibake"
    needs = ("ftfy", "pip install ftfy")

    @dataclass(frozen=True)
    class Options:
        pass

    def scan(self, text):
        got = repair(text)
        if got is None:
            return []
        fixed, how = got
        s, ea, eb = first_difference(text, fixed)
        lo, hi = word_span(text, s, min(ea, s + 1))  # the first broken word
        if hi < ea:
            word = text[lo:hi]
            alone = repair(word)  # ours, not bare ftfy: the same codec choice as the whole text
            shown = word if alone is None else alone[0]
            if shown == word:  # the word alone is ambiguous: show the whole changed span
                lo, hi = word_span(text, s, ea)
                word, shown = text[lo:hi], fixed[lo:hi + (eb - ea)]
        else:
            word, shown = text[lo:hi], fixed[lo:hi + (eb - ea)]
        return [Hit(how, f"'{escape(word)}' -> '{escape(shown)}'")]

    def message(self, hits):
        return f"text is mojibake ({hits[0].kind}): {hits[0].shown}"

    def edits(self, hits, text):
        got = repair(text)
        if got is None:
            return []
        n = len(text)
        return [Edit(a, b, new, escape(text[a:b]), n) for a, b, new in repair_spans(text, got[0])]
