from __future__ import annotations

import functools
import re
from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._chat import chats
from ._render import ViewRule, control_tokens


@functools.lru_cache(maxsize=8)
def _pattern(tokens: tuple[str, ...]):
    return re.compile("|".join(map(re.escape, tokens))) if tokens else None


class ControlTokenInText(ViewRule, Rule):
    """Message text contains a control token of the template or tokenizer.

    What it checks
        Every turn's text for the chosen chat template's control tokens (``<|im_end|>``,
        ``<|eot_id|>``, ``[INST]``, ``<end_of_turn>`` ...) and the ``--tokenizer``'s special tokens.

    Why it matters
        A literal ``<|im_end|>`` inside a message is tokenised as the real control token by most
        trainers: the turn ends early, the rest is read as a new turn, and the model learns to
        emit the marker in its answers.

    Example
        ``{"role": "assistant", "content": "Done.<|im_end|>"}`` under ``--chat-template chatml``.

    Fix
        Unsafe: the record is dropped (escaping the token in the text may be better).

    Options
        ``chat-template``, ``tokenizer``: set run-wide by ``--chat-template`` / ``--tokenizer``.
        Without either the rule is skipped.
    """

    code = "CH006"
    name = "control-token-in-text"
    severity = Severity.ERROR
    groups = ("chat",)
    fix = Fix.UNSAFE

    def update(self, batch, state):
        pat = _pattern(control_tokens(self.options))
        if pat is None:
            return ()
        out = []
        for i, chat in enumerate(chats(batch)):
            if not chat.readable:
                continue
            for t in chat.turns:
                m = pat.search(t.text)
                if m is not None:
                    out.append(self.finding(f"{t.role} text contains the control token {m.group(0)!r}",
                                            source=batch.source.path, row=int(batch.rows[i]), pointer=t.pointer))
        return out
