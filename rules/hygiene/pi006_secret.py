from __future__ import annotations

from dataclasses import dataclass

from trainlint.finding import Severity

from ._mask import mask_secret
from ._scan import Hit, PrivateRule
from ._secrets import KEYS, PLACEHOLDER, PREFILTER, URL_PASSWORD, entropy


class Secret(PrivateRule):
    """Text holds a secret: an API key, a token, a private key or a password.

    What it checks
        Every text for credentials by their documented formats: AWS access key IDs (and secret
        keys after an ``aws_secret_access_key`` label), Azure storage account keys, GitHub,
        GitLab, Slack, Stripe (live), Google, OpenAI, Anthropic, Hugging Face, SendGrid and npm
        keys and tokens, JSON web tokens, ``-----BEGIN … PRIVATE KEY-----`` blocks with a key
        body, ``Bearer`` tokens, and passwords in URLs (``https://user:pass@host``).  A match
        whose random part has low entropy (``sk-xxxx…``) or reads as a stand-in ("example",
        "your", ``<token>``, ``${PASSWORD}``) is left out, so documentation and templates pass.
        The message names the kind and shows only the documented prefix and the length:
        ``ghp_**** (40 chars)``.

    Why it matters
        A live key in a training set is leaked to everyone who can prompt the model, and keys
        in public data are harvested within minutes.  Revoke it; removing it from the data is
        not enough.

    Example
        ``export OPENAI_API_KEY=sk-proj-…T3BlbkFJ…`` in a pasted shell session.

    Fix
        Unsafe: the row is dropped (``--unsafe-fixes``); with ``--mask PI006`` the secret is
        replaced by ``<SECRET>`` in the cleaned copy instead, and the change recorded (masked).
        Rotate the credential as well.

    Options
        ``url-passwords`` (true): report passwords in URLs.  ``bearer-tokens`` (true): report
        ``Bearer`` tokens.
    """

    code = "PI006"
    name = "secret"
    placeholder = "<SECRET>"
    severity = Severity.ERROR
    prefilter = PREFILTER
    noun = "secret"

    @dataclass(frozen=True)
    class Options:
        url_passwords: bool = True
        bearer_tokens: bool = True

    def scan(self, text):
        hits = []
        taken: list[tuple[int, int]] = []  # a bearer token that is a JWT is reported once, as the JWT
        for kind, rx, head, floor in KEYS:
            if kind == "bearer token" and not self.options.bearer_tokens:
                continue
            for m in rx.finditer(text):
                g = m.lastindex or 0
                value = m.group(g)
                body = value[head:]
                if floor and (entropy(body) < floor or PLACEHOLDER.search(body)):
                    continue
                if any(a < m.end(g) and m.start(g) < b for a, b in taken):
                    continue
                taken.append((m.start(g), m.end(g)))
                if kind == "private key":
                    hits.append(Hit(kind, "-----BEGIN **** PRIVATE KEY-----", m.span()))
                else:
                    hits.append(Hit(kind, mask_secret(value, value[:head]), (m.start(g), m.end(g))))
        if self.options.url_passwords and "://" in text:
            for m in URL_PASSWORD.finditer(text):
                pw = m.group(2)
                if PLACEHOLDER.search(pw) or len(set(pw)) < 3:
                    continue
                hits.append(Hit("password in URL", "://" + m.group(1)[:1] + "***:****@…", (m.start(1), m.end(2)),
                                shown_in_text=m.group(1)[:1] + "***:****"))
        return hits
