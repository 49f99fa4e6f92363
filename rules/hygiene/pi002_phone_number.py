from __future__ import annotations

from dataclasses import dataclass

import re

from ._mask import mask_digits
from ._scan import Hit, PrivateRule


#: a run of digits and separators long enough to hold a phone number (with its + or bracket)
_RUN = re.compile(r"[+(]?\d(?:[ ().\-/]{0,3}\d){6,}\)?")
_CONTEXT = 8

# numbers that validate as phone numbers somewhere but are written as something else
_THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_DATE = re.compile(r"\d{1,2}[./]\d{1,2}[./](?:19|20)\d\d")
_ISBN = re.compile(r"(?i)isbn[\s:-]*$")


def _not_a_phone(raw: str, text: str, start: int) -> bool:
    """A thousands-grouped count (2.124.821.694 views), a date, or an ISBN."""
    return bool(_THOUSANDS.fullmatch(raw) or _DATE.fullmatch(raw) or _ISBN.search(text, max(0, start - 12), start))


class PhoneNumber(PrivateRule):
    """Text holds a phone number.

    What it checks
        Every text (each text column, each chat turn) for phone numbers, found and validated by
        ``phonenumbers`` (Google's libphonenumber metadata): a number counts only when it is a
        valid number of its region (right length and prefixes), not any run of digits.  Numbers
        written with ``+`` and a country code are found whatever the region; national numbers
        are read in each of ``regions``.  Dates, ISBNs and thousands-grouped counts
        ("2.124.821.694 views") are left out, as is a part of a number that another region reads
        whole (``44 7732584351`` is one GB number, not also the US ``7732584351``).  The message
        names each number's region and shows it masked, all digits but the last two:
        ``0906170**61`` -> ``*********61``.

    Why it matters
        Phone numbers are personal data; a model that memorised them can reveal them.  In
        scraped or exported text they are also a common spam signature.

    Example
        ``To claim call 09061701461.`` (SMS Spam Collection, a UK premium-rate number).

    Fix
        Unsafe: the row is dropped (``--unsafe-fixes``); with ``--mask PI002`` the number is
        replaced by ``<PHONE>`` in the cleaned copy instead, and the change recorded (masked).

    Options
        ``regions`` (US, GB): ISO 3166 regions whose national numbers (without ``+``) are
        looked for.  Needs the optional ``phonenumbers`` (``pip install 'trainlint[hygiene]'``);
        without it the rule is skipped with one info line.
    """

    code = "PI002"
    name = "phone-number"
    placeholder = "<PHONE>"
    # seven digits with at most two separators between each, or a +country code
    prefilter = r"\d(?:[ ().\-/]{0,2}\d){6}"
    noun = "phone number"
    needs = ("phonenumbers", "pip install 'trainlint[hygiene]'")

    @dataclass(frozen=True)
    class Options:
        regions: tuple[str, ...] = ("US", "GB")

    def scan(self, text):
        import phonenumbers

        seen: dict[tuple[int, int], Hit] = {}
        # The matcher's own scan of a whole text is what costs; it only runs on the runs of
        # digits that could be a number, each with a few characters of context either side
        # (its checks look at the neighbouring characters, never further).
        for w in _RUN.finditer(text):
            lo = max(0, w.start() - _CONTEXT)
            window = text[lo:w.end() + _CONTEXT]
            for region in self.options.regions or (None,):
                for m in phonenumbers.PhoneNumberMatcher(window, region, leniency=phonenumbers.Leniency.VALID):
                    key = (lo + m.start, lo + m.end)
                    if key not in seen and not _not_a_phone(m.raw_string, text, lo + m.start):
                        where = phonenumbers.region_code_for_number(m.number) or "international"
                        seen[key] = Hit(where, mask_digits(m.raw_string, 2), key)
        return [seen[k] for k in sorted(seen) if not _inside_another(k, seen)]


def _inside_another(span: tuple[int, int], spans) -> bool:
    """Whether ``span`` lies within another of ``spans``: one region's reading of part of a number
    another region reads whole ("44 7732584351" is GB; its "7732584351" is also a valid US number)."""
    lo, hi = span
    return any(a <= lo and hi <= b and (a, b) != span for a, b in spans)
