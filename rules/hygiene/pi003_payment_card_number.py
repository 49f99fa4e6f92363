from __future__ import annotations

import re
from dataclasses import dataclass

from ._cards import issuer, luhn_ok
from ._mask import mask_digits
from ._scan import Hit, PrivateRule

# 13-19 digits, optionally in groups split by one consistent space or hyphen
_CARD = re.compile(r"(?<![\d.,/-])\d{4}(?:([ -]?)\d{2,6})(?:\1\d{1,6}){1,3}(?![\d]|[.,/-]\d)")


class PaymentCardNumber(PrivateRule):
    """Text holds a payment card number.

    What it checks
        Every text for 13 to 19 digits, written together or in groups split by one consistent
        space or hyphen, that pass the Luhn checksum and fall in a known issuer range with that
        issuer's length (Visa, Mastercard, American Express, Discover, JCB, Diners Club,
        UnionPay).  A random 16-digit number passes Luhn one time in ten; the issuer ranges
        cut that further.  The message names the brand and shows only the last four digits:
        ``**** **** **** 4242``.

    Why it matters
        Card numbers are the most regulated private value there is (PCI DSS); a training set
        holding them is a data breach waiting to be sampled.

    Example
        ``my card is 4111 1111 1111 1111, exp 12/27``.

    Fix
        Unsafe: the row is dropped (``--unsafe-fixes``); with ``--mask PI003`` the number is
        replaced by ``<CARD_NUMBER>`` in the cleaned copy instead, and the change recorded (masked).

    Options
        ``test-numbers`` (true): also report the well-known test numbers (4111 1111 1111 1111,
        4242 4242 4242 4242...), which are not private but usually mean a payment form was
        scraped.
    """

    code = "PI003"
    name = "payment-card-number"
    placeholder = "<CARD_NUMBER>"
    prefilter = r"\d{4}[ -]?\d{2}(?:[ -]?\d){7}"
    noun = "payment card number"

    @dataclass(frozen=True)
    class Options:
        test_numbers: bool = True

    def scan(self, text):
        hits = []
        for m in _CARD.finditer(text):
            digits = re.sub(r"\D", "", m.group(0))
            if not 13 <= len(digits) <= 19 or not luhn_ok(digits):
                continue
            brand = issuer(digits)
            if brand is None or len(set(digits)) < 2:
                continue
            if not self.options.test_numbers and digits in _TEST:
                continue
            hits.append(Hit(brand, mask_digits(m.group(0), 4), m.span()))
        return hits


_TEST = frozenset(["4111111111111111", "4242424242424242", "4012888888881881", "5555555555554444",
                   "5105105105105100", "378282246310005", "371449635398431", "6011111111111117",
                   "4000056655665556", "5200828282828210", "3530111333300000", "30569309025904"])
