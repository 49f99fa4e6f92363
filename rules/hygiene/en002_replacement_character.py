from __future__ import annotations

from dataclasses import dataclass

from ._scan import Hit, ScanRule, context


class ReplacementCharacter(ScanRule):
    """Text holds U+FFFD replacement characters: bytes were lost in decoding.

    What it checks
        Every text for U+FFFD (``�``), the character a decoder puts where bytes were not valid
        in the encoding it used.  The message gives the count and a short escaped excerpt
        around the first one.

    Why it matters
        The original characters are gone and cannot be recovered from this text; the source has
        to be decoded again with the right encoding.  A model fine-tuned on it learns to emit
        ``�``.

    Example
        ``Subscribe to my channel ���`` (YouTube comments read as UTF-8 from Windows-1252).

    Fix
        Unsafe: the row is dropped (``--unsafe-fixes``).  Better: decode the source again with
        its real encoding.

    Options
        None.
    """

    code = "EN002"
    name = "replacement-character"
    prefilter = "\ufffd"
    noun = "U+FFFD replacement character"
    quotes_text = True

    @dataclass(frozen=True)
    class Options:
        pass

    def scan(self, text):
        i = text.find("\ufffd")
        if i < 0:
            return []
        return [Hit("", context(text, i, i + 1), (i, i + 1))] * text.count("\ufffd")

    def message(self, hits):
        return f"text holds {len(hits)} U+FFFD replacement character{'s' if len(hits) > 1 else ''}: {hits[0].shown}"

    def extra(self, hits):
        return {"count": len(hits), "snippet": hits[0].shown}
