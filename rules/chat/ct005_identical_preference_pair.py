from __future__ import annotations

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._chat import ChatRule


class IdenticalPreferencePair(ChatRule, Rule):
    """Chosen and rejected replies are the same.

    What it checks
        In preference records, the final assistant reply of ``chosen`` against that of
        ``rejected`` (whether given as strings, transcripts or message lists): identical, or
        identical after lower-casing and collapsing whitespace.

    Why it matters
        A pair with no difference carries no preference: DPO's loss for it is constant, and
        it usually means the two sides were filled from the same column.

    Example
        ``{"prompt": "Say hi", "chosen": "Hello!", "rejected": "Hello!"}``.

    Fix
        Safe: the record is dropped.

    Options
        None.

    Default
        An error: the evidence is exact (equal texts, up to case and spacing).  No finding in the
        default run on ../shared/data (no preference file there); its YAML cases test it.
    """

    code = "CT005"
    name = "identical-preference-pair"
    severity = Severity.ERROR
    groups = ("chat",)
    fix = Fix.SAFE

    def check(self, chat):
        if chat.pair is None:
            return
        chosen, rejected = chat.pair
        if chosen == rejected:
            yield "chosen and rejected replies are identical", "/rejected"
        elif " ".join(chosen.lower().split()) == " ".join(rejected.lower().split()):
            yield "chosen and rejected replies differ only in case or spacing", "/rejected"
