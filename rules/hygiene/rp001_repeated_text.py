from __future__ import annotations

from dataclasses import dataclass

from ._repetition import worst_ratio
from ._scan import Hit, ScanRule, escape


class RepeatedText(ScanRule):
    """Text is dominated by a repeated line or phrase.

    What it checks
        Texts of at least ``min-words`` words (each text column, each chat turn) against the
        Gopher repetition limits (Rae et al. 2021), as datatrove computes them: the share of
        lines that repeat an earlier line (limit 30%) and of characters in them (20%); the
        characters of the most frequent 2-, 3- and 4-gram (20%, 18%, 16%); the characters in
        repeated 5- to 10-grams (15% down to 10%).  The finding names the measure furthest over
        its limit (times ``scale``) and the piece that repeats.

    Why it matters
        A reply stuck in a loop ("I'm sorry. I'm sorry. I'm sorry…") teaches the model to loop;
        a scraped page whose menu line repeats fifty times is boilerplate, not text.

    Example
        An assistant reply that says "Let me know if you have any other questions." six times.

    Fix
        Unsafe: the row is dropped (``--unsafe-fixes``).

    Options
        ``min-words`` (50): shorter texts are not measured (in a short text one repeated phrase
        is already a large share).  ``scale`` (3.0): every Gopher limit is multiplied by it.
        Gopher's own limits (``scale = 1``) were made to filter web pages; on chat replies they
        flag song choruses, dialogue and code (12 of 13 findings on the Alpaca demo were not
        loops), so the default reports only texts three times over the limits.
    """

    code = "RP001"
    default = False
    name = "repeated-text"
    noun = "repetition"

    @dataclass(frozen=True)
    class Options:
        min_words: int = 50
        scale: float = 3.0

    def candidate_mask(self, batch):
        # a text of min-words words has about min-words - 1 spaces or line breaks (literal counts:
        # 20x cheaper than counting runs of white space with a regex; tabs alone do not count)
        import numpy as np
        import pyarrow.compute as pc

        text = batch.text
        gaps = (np.asarray(pc.fill_null(pc.count_substring(text, " "), 0))
                + np.asarray(pc.fill_null(pc.count_substring(text, "\n"), 0)))
        return gaps >= self.options.min_words - 1

    def scan(self, text):
        got = worst_ratio(text, self.options.min_words, self.options.scale)
        if got is None:
            return []
        what, ratio, limit, piece = got
        piece = " ".join(piece.split())
        piece = piece if len(piece) <= 60 else piece[:59] + "…"
        return [Hit(what, f"{what}: {min(ratio, 1.0):.0%} of the text (limit {limit:.0%}): '{escape(piece)}'")]

    def message(self, hits):
        return f"text repeats itself: {hits[0].shown}"

    def extra(self, hits):
        return {"measure": hits[0].kind, "snippet": hits[0].shown}
