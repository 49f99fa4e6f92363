from __future__ import annotations

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._render import ViewRule, rendered


class ChatTemplateError(ViewRule, Rule):
    """Chat template refuses the conversation.

    What it checks
        Each readable conversation rendered with the chat template the trainer will use
        (``--chat-template``: ``chatml``, ``qwen2``, ``qwen2.5``/``qwen``, ``llama3``, ``mistral``,
        ``gemma`` or a Jinja file; else the ``chat_template`` of the ``--tokenizer`` model folder).  A template that
        raises (an unsupported role, roles out of order, no system support) is reported with the
        template's own message.  User templates run in Jinja's immutable sandbox.

    Why it matters
        The trainer calls the same template on every example: one it refuses stops the run, or is
        dropped silently by a preprocessing step, after the GPU time is booked.

    Example
        ``{"role": "tool", ...}`` under ``--chat-template gemma``: "Gemma supports only user and
        assistant roles after an optional system message".

    Fix
        Unsafe: the record is dropped.

    Options
        ``chat-template``, ``tokenizer``: set run-wide by ``--chat-template`` / ``--tokenizer`` or
        the same keys in ``[tool.trainlint]``.  Without either the rule is skipped.
    """

    code = "CH005"
    name = "chat-template-error"
    severity = Severity.ERROR
    groups = ("chat",)
    fix = Fix.UNSAFE

    def update(self, batch, state):
        out = []
        for i, r in enumerate(rendered(batch, self.options)):
            if r is not None and r.error is not None:
                out.append(self.finding(f"chat template refuses the conversation: {r.error}",
                                        source=batch.source.path, row=int(batch.rows[i]),
                                        pointer=r.pointers[0].rsplit("/", 2)[0] or None))
        return out
