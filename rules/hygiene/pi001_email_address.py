from __future__ import annotations

import re
from dataclasses import dataclass

from ._mask import mask_email
from ._scan import Hit, PrivateRule

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24}))(?![\w-]|\.[A-Za-z0-9])")


_URL_USERINFO = re.compile(r"://[^\s/@]*$")

#: top-level domains reserved for tests and documentation (RFC 2606, RFC 6761): never a mailbox
_RESERVED_TLDS = frozenset({"test", "example", "invalid", "localhost", "local"})
#: a domain that stands for "your domain here" in templates and made-up examples (``nom@VotreDomaine.com``,
#: ``alice@email.com`` in a generated table): its name, before a generic top-level domain.  Reviewed
#: PI001 findings on the shared datasets: 3 of the 4 wrong ones were such addresses.
_PLACEHOLDER_NAMES = frozenset({"domain", "yourdomain", "mydomain", "votredomaine", "tudominio", "ihredomain",
                                "company", "yourcompany", "mycompany", "email", "youremail", "website", "yoursite"})
_GENERIC_TLDS = frozenset({"com", "org", "net"})


def placeholder(domain: str) -> bool:
    """``domain`` (lower case) is a reserved or template domain, not one a mailbox lives at."""
    labels = domain.split(".")
    return labels[-1] in _RESERVED_TLDS or (len(labels) == 2 and labels[-1] in _GENERIC_TLDS
                                            and labels[0] in _PLACEHOLDER_NAMES)


class EmailAddress(PrivateRule):
    """Text holds an e-mail address.

    What it checks
        Every text (each text column, each chat turn) for e-mail addresses: a local part, ``@``,
        a domain of dot-separated labels ending in an alphabetic top-level domain written in one
        case (``kiosk.Valid`` in "msg+ticket@kiosk.Valid 4-7/12" is a sentence, not a domain).
        Documentation domains (``example.com``..., the reserved top-level domains ``.test``,
        ``.example``, ``.invalid``, ``.localhost``), template domains (``you@yourdomain.com``,
        ``alice@email.com``) and the ``user:password@host`` of a URL
        (a credential: ``secret``, PI006) are left out.  The message names each
        address masked, ``j***@e***.com``; the value itself is never shown.

    Why it matters
        A model fine-tuned on personal addresses can repeat them to anyone who asks; data
        protection law treats an e-mail address as personal data.

    Example
        ``I only haf msn. It's yijue@hotmail.com`` (SMS Spam Collection).

    Fix
        Unsafe: the row is dropped (``--unsafe-fixes``); with ``--mask PI001`` the address is
        replaced by ``<EMAIL>`` in the cleaned copy instead, and the change recorded (masked).

    Options
        ``ignore-domains``: domains (and their subdomains) never reported
        (example.com, example.org, example.net, localhost).
    """

    code = "PI001"
    name = "email-address"
    placeholder = "<EMAIL>"
    prefilter = r"[A-Za-z0-9]@[A-Za-z0-9]"
    noun = "e-mail address"
    nouns = "e-mail addresses"

    @dataclass(frozen=True)
    class Options:
        ignore_domains: tuple[str, ...] = ("example.com", "example.org", "example.net", "localhost")

    def scan(self, text):
        hits = []
        ignore = tuple(d.lower() for d in self.options.ignore_domains)
        for m in _EMAIL.finditer(text):
            domain, tld = m.group(1).lower(), m.group(2)
            if not (tld.islower() or tld.isupper()):
                continue
            if any(domain == d or domain.endswith("." + d) for d in ignore) or placeholder(domain):
                continue
            if _URL_USERINFO.search(text, max(0, m.start() - 80), m.start()):
                continue  # user:password@host in a URL: a credential (secret, PI006), not an address
            hits.append(Hit("", mask_email(m.group(0)), m.span()))
        return hits
