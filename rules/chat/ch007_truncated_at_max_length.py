from __future__ import annotations

from dataclasses import dataclass

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._render import ViewRule, render_one, rendered, template_of


class TruncatedAtMaxLength(ViewRule, Rule):
    """Trainer's max length cuts the assistant answer.

    What it checks
        Each conversation rendered with the chat template and tokenised with ``--tokenizer``
        (one ``encode_batch`` call per batch; prefixes only for the examples that are too long).
        When the whole is over ``--max-length`` tokens: the last assistant answer or its
        end-of-turn token falls past the limit (``last assistant answer is cut``), or not even
        the first assistant token survives (``no assistant token survives``: the example trains
        nothing).

    Why it matters
        Trainers truncate from the right: a cut answer teaches the model to stop mid-sentence and
        never to emit its end-of-turn token; an example with no assistant token left costs a
        step and trains nothing.

    Example
        A 9,000-token conversation under ``--max-length 4096`` whose answer starts at token 4,200.

    Fix
        Unsafe: the record is dropped (or split into shorter conversations).

    Options
        ``tokenizer``, ``chat-template``, ``max-length``: set run-wide by the options of the same
        names or the keys in ``[tool.trainlint]``.  Without a tokenizer and a length the rule is
        skipped.
    """

    code = "CH007"
    name = "truncated-at-max-length"
    severity = Severity.ERROR
    groups = ("chat",)
    fix = Fix.UNSAFE
    needs = ("chat_template", "tokenizer", "max_length")

    @dataclass(frozen=True)
    class Options:
        tokenizer: str = ""
        chat_template: str = ""
        max_length: int = 0

    def update(self, batch, state):
        from trainlint.resources import tokenizer

        limit = self.options.max_length
        tok = tokenizer(self.options.tokenizer)
        template = template_of(self.options)
        rows = [(i, r) for i, r in enumerate(rendered(batch, self.options)) if r is not None and r.text is not None]
        lengths = tok.lengths([r.text for _i, r in rows])
        over = [(i, r, n) for (i, r), n in zip(rows, lengths) if n > limit]
        prefixes, where = [], []
        for i, r, n in over:
            roles = [m["role"] for m in r.messages]
            if "assistant" not in roles:
                continue
            first = roles.index("assistant")
            last = len(roles) - 1 - roles[::-1].index("assistant")
            upto, _ = render_one(template, r.messages[:last + 1], tools=r.tools)
            # the prompt before the first answer, as the whole conversation renders it (a template may
            # place a message elsewhere in a prefix alone: Mistral's system prompt goes before the
            # last user turn); rendered alone when the answer is not found verbatim
            answer = r.messages[first]["content"].strip()
            at = r.text.find(answer) if answer else -1
            before = r.text[:at] if at >= 0 else render_one(
                template, r.messages[:first], add_generation_prompt=True, tools=r.tools)[0]
            if upto is None or before is None:
                continue
            prefixes += [upto, before]
            where.append((i, r, n, last))
        plens = tok.lengths(prefixes) if prefixes else []
        out = []
        for j, (i, r, n, last) in enumerate(where):
            end, start = plens[2 * j], plens[2 * j + 1]
            if start >= limit:
                msg = (f"no assistant token survives --max-length {limit:,}: the prompt alone is {start:,} "
                       f"tokens (the example is {n:,})")
            elif end > limit:
                msg = (f"last assistant answer is cut at --max-length {limit:,}: it ends at token {end:,} "
                       f"(the example is {n:,})")
            else:
                continue
            out.append(self.finding(msg, source=batch.source.path, row=int(batch.rows[i]),
                                    pointer=r.pointers[last], extra={"tokens": int(n)}))
        return out
