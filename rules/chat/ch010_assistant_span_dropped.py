from __future__ import annotations

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._render import ViewRule, rendered_answers, think_blocks


class AssistantSpanDropped(ViewRule, Rule):
    """Chat template drops an assistant answer: the loss mask has nothing of it.

    What it checks
        The loss-mask audit: after rendering with the chat template, the text of every assistant
        message that has any must be in the rendered conversation, where the trainer's
        assistant-only mask finds it.  An answer the template leaves out (a template that renders
        only the last turn, or rewrites the content) gives an empty span: nothing to train on.  A
        template that marks the trained spans with ``{% generation %}`` blocks (what TRL's
        ``assistant_only_loss`` reads) must render each answer inside one: an answer outside every
        block is masked out.  The answer is the content without its ``<think>`` block: reasoning the
        template drops is ``reasoning-dropped`` (CH011).

    Why it matters
        The example costs a step and trains nothing, or trains only the prompt when the mask falls
        back to the whole text.

    Example
        A template ``{% for m in messages if m.role != 'assistant' %}...`` on any conversation; one
        whose ``{% generation %}`` block wraps only the last assistant turn, on a multi-turn one.

    Fix
        Unsafe: the record is dropped (or the template fixed).

    Options
        ``chat-template``, ``tokenizer``: set run-wide by ``--chat-template`` / ``--tokenizer``.
        Without either the rule is skipped.
    """

    code = "CH010"
    name = "assistant-span-dropped"
    severity = Severity.ERROR
    groups = ("chat",)
    fix = Fix.UNSAFE

    def update(self, batch, state):
        out = []
        for i, r, m, ptr in rendered_answers(batch, self.options):
            body = think_blocks(m["content"])[0]  # a dropped <think> block alone is CH011's
            if not body:
                continue
            if body not in r.text:
                msg = "chat template drops this assistant answer: its loss-mask span is empty"
            elif r.spans is not None and not _marked(body, r.text, r.spans):
                msg = ("chat template does not mark this assistant answer for the loss: it is outside every "
                       "{% generation %} block")
            else:
                continue
            out.append(self.finding(msg, source=batch.source.path, row=int(batch.rows[i]), pointer=ptr))
        return out


def _marked(body: str, text: str, spans: tuple) -> bool:
    """Some occurrence of ``body`` in ``text`` lies inside one {% generation %} span."""
    at = text.find(body)
    while at >= 0:
        if any(a <= at and at + len(body) <= b for a, b in spans):
            return True
        at = text.find(body, at + 1)
    return False
