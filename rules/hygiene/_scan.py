"""The shared shape of the hygiene rules: a cheap vectorised prefilter, then Python on candidates.

Each rule names an RE2 ``prefilter`` that every text holding what it looks for must match (a
superset: ``@`` for e-mail addresses, a run of seven digits for phone numbers).  The prefilter
runs once per batch over the whole text column in Arrow (~110 ns a row), memoised on the batch
so rules sharing a pattern pay once; only matching rows reach the rule's ``scan`` in Python.

A finding points at the text it is about: the text column (several text columns are scanned one
by one), or for chat and instruction records the turn, by JSON pointer.  The rules keep no state
across rows, so any batching or partitioning gives the same findings.

What a finding shows of the data is built by ``scan`` and is masked for private data
(``j***@e***.com``); rules about characters show a short escaped context.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from trainlint.finding import Edit, Fix, Severity
from trainlint.findings.rows import distinct
from trainlint.rule import Rule


@cache
def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


class Hit(NamedTuple):
    """One thing found in a text: its kind ("Visa", "AWS access key"), what may be shown of it, and
    where it is (``span``), so that ``redact`` can mask a private value in any text a report shows
    and ``--mask`` can rewrite it in the cleaned copy."""

    kind: str
    shown: str
    span: tuple[int, int] | None = None
    #: what ``--mask`` writes at ``span`` (rules about characters: the repair; private values:
    #: the rule's placeholder)
    replacement: str | None = None
    #: what ``redact`` shows at ``span`` in a report's text, when not ``shown``
    shown_in_text: str | None = None


def candidates(batch: Any, pattern: str) -> np.ndarray:
    """Rows of the batch whose text matches the RE2 ``pattern`` (once per batch and pattern)."""

    def make() -> np.ndarray:
        text = batch.text
        if text is None:
            return np.zeros(len(batch), dtype=bool)
        return np.asarray(pc.fill_null(pc.match_substring_regex(text, pattern), False), dtype=bool)

    return batch.cached(("hygiene-prefilter", pattern), make)


def units(batch: Any, i: int) -> list[tuple[str | None, str | None, str]]:
    """The texts of row ``i`` as ``(column, pointer, text)``: each text column, or each turn."""
    src = batch.source
    if src.record_format != "text":
        from trainlint.formats import batch_records, iter_turns

        return [(None, ptr, t) for _role, t, ptr in iter_turns(src.record_format, batch_records(batch)[i])
                if t]
    cols = src.text_columns
    if len(cols) == 1:
        v = batch.text[i].as_py()
        return [(cols[0], None, v)] if v else []
    out = []
    for c in cols:
        v = batch.cached(("hygiene-column", c), lambda c=c: batch.string_column(c))[i].as_py()
        if v:
            out.append((c, None, v))
    return out


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (nouns or noun + 's')}"


def shown_list(hits: list[Hit], cap: int = 3) -> str:
    """``a, b, c and 2 more`` of the distinct shown values."""
    uniq = list(dict.fromkeys(h.shown for h in hits))
    text = ", ".join(uniq[:cap])
    return text + (f" and {len(uniq) - cap} more" if len(uniq) > cap else "")


def context(text: str, start: int, end: int, width: int = 16) -> str:
    """A short escaped excerpt around ``text[start:end]`` (control and invisible characters as
    \\uXXXX).  It holds whole words only (a word cut in two could be part of an address or a key
    that redaction no longer recognises): an edge moves out to the next space, at most ``width``
    characters more, else in, leaving the cut word out."""
    lo, hi = _edge_left(text, max(0, start - width), start, width), _edge_right(text, min(len(text), end + width), end, width)
    piece = ("…" if lo > 0 else "") + text[lo:hi] + ("…" if hi < len(text) else "")
    return escape(" ".join(piece.split(" ")).replace("\n", " "))


def _edge_left(text: str, lo: int, start: int, more: int) -> int:
    if lo == 0 or text[lo - 1].isspace():
        return lo
    for k in range(lo - 1, max(0, lo - more) - 1, -1):  # out, to the space before the word
        if text[k].isspace():
            return k + 1
    if lo - more <= 0:
        return 0
    for k in range(lo, start):  # in, past the cut word
        if text[k].isspace():
            return k + 1
    return lo if _harmless(text[lo:start]) else start


def _edge_right(text: str, hi: int, end: int, more: int) -> int:
    n = len(text)
    if hi == n or text[hi].isspace():
        return hi
    for k in range(hi, min(n, hi + more)):
        if text[k].isspace():
            return k
    if hi + more >= n:
        return n
    for k in range(hi - 1, end - 1, -1):
        if text[k].isspace():
            return k
    return hi if _harmless(text[end:hi]) else end


_VALUE_CHARS = re.compile(r"[A-Za-z0-9@]")


def _harmless(piece: str) -> bool:
    """A piece of a word that can be no part of an address, number or key (no ASCII letter, digit
    or @: mojibake runs such as ``åä_åö¬ì``), so an excerpt may cut it."""
    return _VALUE_CHARS.search(piece) is None


def escape(s: str) -> str:
    """Characters that do not print, or print invisibly, as ``\\uXXXX``."""
    out = []
    for ch in s:
        o = ord(ch)
        if o < 0x20 or 0x7F <= o < 0xA0 or o in _INVISIBLE_CODES:
            out.append(f"\\u{o:04X}")
        else:
            out.append(ch)
    return "".join(out)


#: zero-width, bidi and other default-ignorable characters (shown escaped, found by EN003)
_INVISIBLE_CODES = frozenset([0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x200B, 0x200C,
                              0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060, 0x2061,
                              0x2062, 0x2063, 0x2064, 0x2066, 0x2067, 0x2068, 0x2069, 0x3164, 0xFEFF, 0xFFA0])


def masked(text: str, spans: list[tuple[int, int, str]]) -> tuple[str, Any]:
    """(``text`` with each ``(start, end, mask)`` span replaced by its mask, a function mapping a
    position in ``text`` to one in the masked text).  Overlapping spans: the first one masks."""
    out, at, kept = [], 0, []
    for a, b, mask in sorted(spans):
        if a >= at:
            out += [text[at:a], mask]
            kept.append((a, b, len(mask)))
            at = b
    new = "".join(out) + text[at:]

    def pos(x: int) -> int:
        shift = 0
        for a, b, n in kept:
            if x < a:
                break
            if x < b:
                return a + shift  # inside a masked value: its mask's start
            shift += n - (b - a)
        return x + shift

    return new, pos


class ScanRule(Rule):
    """Base of the hygiene rules: prefilter, then ``scan`` each text of each candidate row."""

    severity = Severity.WARNING
    groups = ("hygiene",)
    fix = Fix.UNSAFE
    requires = ("text",)
    #: RE2 pattern every text with a hit matches (a superset; false candidates only cost time)
    prefilter: ClassVar[str] = ""
    #: what one hit is called in messages ("e-mail address")
    noun: ClassVar[str] = ""
    nouns: ClassVar[str | None] = None
    #: the optional library the rule needs (import name, pip hint), checked once per run
    needs: ClassVar[tuple[str, str] | None] = None
    #: whether hits show an excerpt of the text around their span (``context``), which must then
    #: be cut from the text with private values masked (``shown_masked``)
    quotes_text: ClassVar[bool] = False

    def start(self):
        return None

    def merge(self, a, b):
        return a

    def missing_library(self) -> str | None:
        """The install hint when the rule's optional library is missing, else None."""
        if self.needs is None:
            return None
        return None if _installed(self.needs[0]) else self.needs[1]

    def update(self, batch, state):
        if batch.text is None or self.missing_library():
            return ()
        idx = np.flatnonzero(self.candidate_mask(batch))
        out = []
        path = batch.source.path
        plain = batch.source.record_format == "text"
        if not idx.size:
            return out
        if plain and len(batch.source.text_columns) == 1:  # the candidates' texts in one conversion
            col = batch.source.text_columns[0]
            texts = batch.text.take(pa.array(idx)).to_pylist()
            per_row = (((col, None, t),) if t else () for t in texts)
        else:
            per_row = (units(batch, i) for i in idx.tolist())
        found: list[tuple[int, str | None, str, dict]] = []  # findings kept as columns
        for i, row_units in zip(idx.tolist(), per_row):
            for column, ptr, text in row_units:
                hits = self.scan_in(text, plain)
                if hits and self.quotes_text:
                    hits = self.shown_masked(hits, text)
                if hits:
                    edits, extra = self.edits(hits, text), self.extra(hits)
                    if ptr is None and not edits and "masked" not in extra:
                        found.append((int(batch.rows[i]), column, self.message(hits), extra))
                    else:
                        out.append(self.finding(self.message(hits), source=path, row=int(batch.rows[i]),
                                                column=column, pointer=ptr, extra=extra, edits=edits))
        return out + self.as_columns(path, found) if found else out

    def as_columns(self, path: str, found: list[tuple[int, str | None, str, dict]]) -> list:
        """Findings (row, column, message, extra) as ``RowFindings``, one per set of extra keys
        (~40 bytes a finding and its distinct values once, not ~800 bytes of objects each: 38k
        markup findings of 1M templated rows hold 90 distinct messages)."""
        by_keys: dict[tuple, list[tuple]] = {}
        for f in found:
            by_keys.setdefault(tuple(f[3]), []).append(f)
        return [self.row_findings(distinct([f[2] for f in part]), source=path,
                                  rows=np.array([f[0] for f in part], np.int64), column=distinct([f[1] for f in part]),
                                  extra={key: distinct([f[3][key] for f in part]) for key in keys}, object_keys=True)
                for keys, part in by_keys.items()]

    def shown_masked(self, hits: list[Hit], text: str) -> list[Hit]:
        """``hits`` whose excerpt (``context`` around their span) is cut from ``text`` with every
        private value masked first, by every registered private rule (``trainlint.redact``),
        whether or not it runs: an excerpt may hold part of an address or a card number, which no
        redaction of the excerpt alone would recognise."""
        from trainlint.redact import private_spans

        spans = private_spans(text)
        if not spans:
            return hits
        red, pos = masked(text, spans)
        return [h._replace(shown=context(red, pos(h.span[0]), pos(h.span[1]))) if h.span else h for h in hits]

    def edits(self, hits: list[Hit], text: str) -> list[Edit]:
        """How ``--mask`` rewrites ``text`` instead of dropping the row: each hit with a span is
        replaced by its ``replacement``; none by default (the fix drops the row)."""
        n = len(text)
        return [Edit(h.span[0], h.span[1], h.replacement, h.shown, n) for h in hits
                if h.span is not None and h.replacement is not None]

    def finish(self, state, run):
        hint = self.missing_library()
        if hint is None:
            return ()
        return [self.finding(f"rule skipped: it needs {self.needs[0]} ({hint})", source=None,
                             severity=Severity.INFO, fix=None)]

    # -- for subclasses ------------------------------------------------------------------------
    def prefilter_pattern(self) -> str:
        return self.prefilter

    def candidate_mask(self, batch: Any) -> np.ndarray:
        """Rows worth scanning: those matching the prefilter (computed once per batch and pattern)."""
        return candidates(batch, self.prefilter_pattern())

    def scan(self, text: str) -> list[Hit]:
        raise NotImplementedError

    def scan_in(self, text: str, plain: bool) -> list[Hit]:
        """``scan`` for a text of a plain text column (``plain``) or of a chat turn."""
        return self.scan(text)

    def message(self, hits: list[Hit]) -> str:
        kinds = list(dict.fromkeys(h.kind for h in hits if h.kind))
        what = plural(len(hits), self.noun, self.nouns)
        if kinds:
            what += f" ({', '.join(kinds)})"
        return f"text holds {what}: {shown_list(hits)}"

    def extra(self, hits: list[Hit]) -> dict[str, Any]:
        return {"kinds": sorted({h.kind for h in hits if h.kind}), "masked": [h.shown for h in hits[:5]],
                "count": len(hits)}


class PrivateRule(ScanRule):
    """A rule about private values (e-mail addresses, card numbers, keys).  What it finds is shown
    masked (``Hit.shown``), redacted from every text a report shows (``redact``), and ``--mask``
    replaces it by ``placeholder`` in the cleaned copy."""

    #: what a value is replaced by in the cleaned copy under ``--mask`` (``<EMAIL>``)
    placeholder: ClassVar[str] = "<PRIVATE>"

    def edits(self, hits: list[Hit], text: str) -> list[Edit]:
        n = len(text)
        return [Edit(h.span[0], h.span[1], self.placeholder, h.shown, n) for h in hits if h.span is not None]

    def redact(self, text: str) -> str:
        """``text`` with every private value this rule finds in it masked (its hits with a span)."""
        spans = self.private_spans(text)
        return masked(text, spans)[0] if spans else text

    def private_spans(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, mask)`` of every private value this rule finds in ``text``."""
        if not text or self.missing_library() or not self._maybe(text):
            return []
        return [(h.span[0], h.span[1], h.shown_in_text or h.shown) for h in self.scan(text) if h.span]

    def redact_gate(self) -> str | None:
        """A Python pattern every text ``redact`` would change matches (``trainlint.redact``)."""
        return self.prefilter_pattern() if _py_prefilter(self.prefilter_pattern()) is not None else None

    def _maybe(self, text: str) -> bool:
        """The prefilter in Python: most texts a report shows hold nothing private, and this one
        search is far cheaper than ``scan``."""
        rx = _py_prefilter(self.prefilter_pattern())
        return rx is None or rx.search(text) is not None


@cache
def _py_prefilter(pattern: str):
    """The RE2 prefilter compiled by Python's ``re`` (None when its syntax is RE2's own)."""
    try:
        return re.compile(pattern)
    except re.error:
        return None


class CharacterRule(ScanRule):
    """A rule about characters: hits are kinds of character ("U+200B ZERO WIDTH SPACE") with an
    escaped excerpt; one message names the kinds and shows the first excerpt."""

    #: how many kinds of character the message names
    shown_kinds: ClassVar[int] = 4
    quotes_text = True

    def edits(self, hits: list[Hit], text: str) -> list[Edit]:
        n = len(text)
        return [Edit(h.span[0], h.span[1], h.replacement, escape(text[h.span[0]:h.span[1]]), n) for h in hits
                if h.span is not None and h.replacement is not None]

    def message(self, hits: list[Hit]) -> str:
        kinds = list(dict.fromkeys(h.kind for h in hits))
        k = self.shown_kinds
        return (f"text holds {plural(len(hits), self.noun)} "
                f"({', '.join(kinds[:k])}{' …' if len(kinds) > k else ''}): {hits[0].shown}")

    def extra(self, hits: list[Hit]) -> dict[str, Any]:
        return {"count": len(hits), "characters": sorted({h.kind for h in hits}), "snippet": hits[0].shown}
