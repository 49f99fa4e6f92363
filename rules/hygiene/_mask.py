"""Masking: what a finding may show of a private value.  Never the value itself."""

from __future__ import annotations


def mask_email(addr: str) -> str:
    """``john.doe@example.com`` -> ``j***@e***.com``."""
    local, _, domain = addr.partition("@")
    labels = domain.split(".")
    return f"{local[:1]}***@{labels[0][:1]}***.{labels[-1]}"


def mask_digits(value: str, keep: int) -> str:
    """Every digit but the last ``keep`` as ``*``, separators kept: ``**** **** **** 4242``."""
    total = sum(c.isdigit() for c in value)
    out, seen = [], 0
    for c in value:
        if c.isdigit():
            seen += 1
            out.append(c if seen > total - keep else "*")
        else:
            out.append(c)
    return "".join(out)


def mask_alnum(value: str, head: int, tail: int) -> str:
    """Letters and digits but the first ``head`` and last ``tail`` as ``*`` (IBANs: ``DE** … 3000``)."""
    idx = [i for i, c in enumerate(value) if c.isalnum()]
    hide = set(idx[head:len(idx) - tail if tail else None])
    return "".join("*" if i in hide else c for i, c in enumerate(value))


def mask_secret(value: str, prefix: str) -> str:
    """A secret as its documented prefix and its length: ``ghp_**** (40 chars)``."""
    return f"{prefix}**** ({len(value)} chars)"
