from __future__ import annotations

import re
from dataclasses import dataclass

from ._mask import mask_alnum
from ._scan import Hit, PrivateRule

#: IBAN length by country (SWIFT IBAN registry)
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
    "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

_IBAN = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2})(\d{2})((?: ?[A-Z0-9]){11,30})(?![A-Za-z0-9])")


def iban_ok(compact: str) -> bool:
    """Length for its country and the ISO 7064 mod-97 check."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


class Iban(PrivateRule):
    """Text holds an IBAN.

    What it checks
        Every text for International Bank Account Numbers: a country code, two check digits and
        the account, written together or in groups of four, with the length the SWIFT registry
        gives for that country and a valid ISO 7064 mod-97 checksum (a random string passes it
        about one time in a hundred, after the length already had to fit).  The message shows
        the country code and the last four characters: ``DE** **** **** **** **30 00``.

    Why it matters
        A bank account number tied to a name in a chat log is personal and financial data.

    Example
        ``please send it to DE89 3704 0044 0532 0130 00 by Friday``.

    Fix
        Unsafe: the row is dropped (``--unsafe-fixes``); with ``--mask PI004`` the IBAN is
        replaced by ``<IBAN>`` in the cleaned copy instead, and the change recorded (masked).

    Options
        None.
    """

    code = "PI004"
    name = "iban"
    placeholder = "<IBAN>"
    prefilter = r"[A-Z]{2}\d\d ?[A-Z0-9]{4} ?[A-Z0-9]{4}"
    noun = "IBAN"

    @dataclass(frozen=True)
    class Options:
        pass

    def scan(self, text):
        hits = []
        for m in _IBAN.finditer(text):
            raw = m.group(0)
            compact = raw.replace(" ", "")
            # grouped IBANs are grouped by four; a trailing word may have been swallowed
            while len(compact) > 15 and not iban_ok(compact) and " " in raw:
                raw = raw.rsplit(" ", 1)[0]
                compact = raw.replace(" ", "")
            if iban_ok(compact):
                hits.append(Hit(compact[:2], mask_alnum(raw, 2, 4), (m.start(), m.start() + len(raw))))
        return hits
