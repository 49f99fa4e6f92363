from __future__ import annotations

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._render import ViewRule, rendered_answers, think_blocks


class ReasoningDropped(ViewRule, Rule):
    """Chat template drops the reasoning of an assistant message: it is not trained.

    What it checks
        Assistant messages that carry reasoning, as a ``reasoning_content`` field or a
        ``<think>`` ... ``</think>`` block in the content: after rendering with the chat template,
        the reasoning text must be in the rendered conversation.  Reasoning the template leaves
        out is reported where it is (``/messages/1/reasoning_content``, ``/messages/1/content``).
        Templates that know no ``reasoning_content`` (the bundled ChatML, Llama 3, Mistral and
        Gemma ones, most templates of non-reasoning models) drop it; Qwen3's template drops the
        reasoning of every assistant turn before the last user message.

    Why it matters
        A reasoning data set is bought for its traces: a template that drops them trains the
        model on bare answers, or, for history turns, on answers whose reasoning it never sees.
        Nothing fails; the run just teaches less than the data holds.

    Example
        ``{"role": "assistant", "content": "4", "reasoning_content": "2 + 2 = 4"}`` under
        ``--chat-template chatml``.

    Fix
        Unsafe: the record is dropped; better, render with a template that keeps the reasoning
        (or move it into the content as a ``<think>`` block for a template that keeps content).
        A warning: dropping history reasoning is sometimes the recipe (Qwen3 trains that way).

    Options
        ``chat-template``, ``tokenizer``: set run-wide by ``--chat-template`` / ``--tokenizer``.
        Without either the rule is skipped.
    """

    code = "CH011"
    name = "reasoning-dropped"
    severity = Severity.WARNING
    groups = ("chat",)
    fix = Fix.UNSAFE

    def update(self, batch, state):
        out = []
        for i, r, m, ptr in rendered_answers(batch, self.options):
            field = m.get("reasoning_content")
            if isinstance(field, str) and field.strip() and field.strip() not in r.text:
                out.append(self.finding("chat template drops this reasoning_content: the model is trained without it",
                                        source=batch.source.path, row=int(batch.rows[i]),
                                        pointer=ptr.rsplit("/", 1)[0] + "/reasoning_content"))
            if any(block not in r.text for block in think_blocks(m["content"])[1]):
                out.append(self.finding("chat template drops this message's <think> block: the model is trained "
                                        "without it", source=batch.source.path, row=int(batch.rows[i]), pointer=ptr))
        return out
