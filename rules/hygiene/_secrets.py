"""Secret formats: documented key prefixes, private key blocks, bearer tokens, passwords in URLs.

Each entry: (kind, compiled pattern, length of the prefix that may be shown, minimum Shannon
entropy in bits per character of the random part).  The prefixes are the ones the issuers
document (and that GitHub secret scanning and detect-secrets match); the entropy floor drops
placeholders such as ``sk-xxxxxxxxxxxxxxxxxxxxxxxx`` or ``ghp_YOUR_TOKEN_HERE...``.
"""

from __future__ import annotations

import math
import re
from collections import Counter

KEYS: tuple[tuple[str, re.Pattern, int, float], ...] = (
    ("AWS access key", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Z0-9])"), 4, 2.5),
    ("AWS secret key", re.compile(r"(?i:aws_?secret_?(?:access_?)?key)[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"),
     0, 3.5),
    ("Azure storage key", re.compile(r"AccountKey=([A-Za-z0-9+/]{86}==)"), 0, 3.5),
    ("GitHub token", re.compile(r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])"), 4, 3.0),
    ("GitHub token", re.compile(r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{82}(?![A-Za-z0-9_])"), 11, 3.0),
    ("GitLab token", re.compile(r"(?<![A-Za-z0-9_])glpat-[A-Za-z0-9_-]{20}(?![A-Za-z0-9_-])"), 6, 3.0),
    ("Slack token", re.compile(r"(?<![A-Za-z0-9])xox[abposr]-[0-9A-Za-z-]{10,250}"), 5, 3.0),
    ("Stripe key", re.compile(r"(?<![A-Za-z0-9_])(?:sk|rk)_live_[0-9A-Za-z]{24,99}(?![A-Za-z0-9])"), 8, 3.0),
    ("Google API key", re.compile(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])"), 4, 3.0),
    ("Anthropic API key", re.compile(r"(?<![A-Za-z0-9_-])sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,120}"), 7, 3.0),
    ("OpenAI API key", re.compile(
        r"(?<![A-Za-z0-9_-])sk-(?!ant-)(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200}"
        r"|(?<![A-Za-z0-9_-])sk-[A-Za-z0-9]{48}(?![A-Za-z0-9_-])"), 3, 3.0),
    ("Hugging Face token", re.compile(r"(?<![A-Za-z0-9_])hf_[A-Za-z]{34}(?![A-Za-z0-9_])"), 3, 3.0),
    ("SendGrid key", re.compile(r"(?<![A-Za-z0-9])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])"), 3, 3.0),
    ("npm token", re.compile(r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])"), 4, 3.0),
    ("JSON web token", re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"),
     3, 3.0),
    ("private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"
                               r"(?:\s*[A-Za-z0-9+/=:,\- ]{0,80}\n){0,3}\s*[A-Za-z0-9+/=]{40,}"), 0, 0.0),
    ("bearer token", re.compile(r"(?<![A-Za-z0-9])[Bb]earer\s+([A-Za-z0-9._~+/-]{20,}=*)"), 0, 3.5),
)

#: ``scheme://user:password@host``: the password is the secret
URL_PASSWORD = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://([^\s/:@]{1,64}):([^\s/@]{3,128})@[A-Za-z0-9.-]+")

#: what a stand-in looks like: a placeholder word, a template, a run of one character
PLACEHOLDER = re.compile(r"(?i)example|your|xxxx|\*\*\*|<|>|\$\{|\{\{|%\(|redacted|placeholder|changeme|dummy|"
                         r"^(?:pass(?:word)?|secret|token|pwd|pw|test|\.\.\.+)$")

#: RE2 prefilter: any text holding a secret matches this
PREFILTER = (r"(?i:aws_?secret)|AccountKey=|AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|_live_|AIza|sk-|hf_|SG\.|npm_|"
             r"eyJ|PRIVATE KEY|[Bb]earer|://[^\s/:@]+:[^\s/@]+@")


def entropy(s: str) -> float:
    """Shannon entropy in bits per character."""
    if not s:
        return 0.0
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())
