"""Payment card issuer ranges (IIN prefixes and lengths) and the Luhn check."""

from __future__ import annotations

#: (brand, prefix ranges as (low, high) over the first digits, allowed lengths)
ISSUERS: tuple[tuple[str, tuple[tuple[int, int], ...], tuple[int, ...]], ...] = (
    ("Visa", ((4, 4),), (13, 16, 19)),
    ("Mastercard", ((51, 55), (2221, 2720)), (16,)),
    ("American Express", ((34, 34), (37, 37)), (15,)),
    ("Discover", ((6011, 6011), (644, 649), (65, 65)), (16, 19)),
    ("JCB", ((3528, 3589),), (16, 17, 18, 19)),
    ("Diners Club", ((300, 305), (36, 36), (38, 39)), (14, 16, 19)),
    ("UnionPay", ((62, 62),), (16, 17, 18, 19)),
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def issuer(digits: str) -> str | None:
    """The card brand whose range and length fit ``digits``, else None."""
    n = len(digits)
    for brand, ranges, lengths in ISSUERS:
        if n not in lengths:
            continue
        for lo, hi in ranges:
            k = len(str(lo))
            if lo <= int(digits[:k]) <= hi:
                return brand
    return None
