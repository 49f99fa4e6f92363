from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from ._scan import Hit, PrivateRule

_V4 = re.compile(r"(?<![\w.])((?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})"
                 r"(?![\w]|\.\d)")
_V6 = re.compile(r"(?<![\w:.])((?:[0-9A-Fa-f]{1,4}:){2,7}:?[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{1,4}){0,6})(?![\w:])")
# words that say a dotted quad of small numbers is an address, not a section number
_IP_CONTEXT = re.compile(r"\b(?:ip|ipv4|ipv6|address|server|host|dns|ping|gateway|proxy|nameserver|addr)\b|://",
                         re.I)


def mask_ip(value: str) -> str:
    if ":" in value:
        head = value.split(":")[0]
        return f"{head}:****:…"
    return value.split(".")[0] + ".*.*.*"


class PublicIpAddress(PrivateRule):
    """Text holds a public IP address.

    What it checks
        Every text for IPv4 addresses (four octets of 0-255) and full IPv6 addresses that are
        globally routable: private, loopback, link-local, documentation and reserved ranges are
        left out, as are dotted numbers inside longer ones ("3.2.2.5.1").  Section numbers such
        as "1.1.2.1" look like addresses, so an address whose four octets are all below 32 is
        only reported when a word such as *IP*, *address*, *server* or *host* stands in the 40
        characters before it.  The message shows the first octet only: ``65.*.*.*``.

    Why it matters
        A public address can identify a person's connection or a private server; logs and
        support tickets pasted into training data carry them.

    Example
        ``Remote IP Address: 65.95.82.91`` (lingua sentences, English).

    Fix
        Unsafe: the row is dropped (``--unsafe-fixes``); with ``--mask PI005`` the address is
        replaced by ``<IP_ADDRESS>`` in the cleaned copy instead, and the change recorded (masked).

    Options
        ``ipv6`` (true): also report public IPv6 addresses.
    """

    code = "PI005"
    name = "public-ip-address"
    placeholder = "<IP_ADDRESS>"
    prefilter = r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:"
    noun = "public IP address"
    nouns = "public IP addresses"

    @dataclass(frozen=True)
    class Options:
        ipv6: bool = True

    def prefilter_pattern(self):
        return self.prefilter if self.options.ipv6 else self.prefilter.split("|")[0]

    def scan(self, text):
        hits = []
        for m in _V4.finditer(text):
            value = m.group(1)
            if not ipaddress.ip_address(value).is_global:
                continue
            if all(int(o) < 32 for o in value.split(".")) and not _IP_CONTEXT.search(
                    text, max(0, m.start() - 40), m.start()):
                continue
            hits.append(Hit("IPv4", mask_ip(value), m.span(1)))
        if self.options.ipv6 and ":" in text:
            for m in _V6.finditer(text):
                value = m.group(1)
                if value.count(":") < 3:
                    continue
                try:
                    addr = ipaddress.ip_address(value)
                except ValueError:
                    continue
                if addr.version == 6 and addr.is_global:
                    hits.append(Hit("IPv6", mask_ip(value), m.span(1)))
        return hits
