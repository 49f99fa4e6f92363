from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule

from ._chat import applies, chats

#: the cookbook's per-message and per-example overheads (role markers, reply priming).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_EXAMPLE = 3


def estimate_tokens(text: str) -> int:
    """Estimated tokens of a text: one per 4 characters of alphabetic script (BPE tokenisers
    average about 4 characters per token on English), one per character of wide scripts
    (CJK, Hangul, fullwidth forms: about one token or more each): U+2E80-U+D7FF and U+FF00-U+FFEF."""
    if not text:
        return 0
    if text.isascii():
        return math.ceil(len(text) / 4)
    wide = sum(1 for ch in text if "\u2e80" <= ch <= "\ud7ff" or "\uff00" <= ch <= "\uffef")
    return math.ceil((len(text) - wide) / 4) + wide


@dataclass
class _State:
    tokens: list = field(default_factory=list)     # int32 arrays, one value per example, row order
    messages: list = field(default_factory=list)   # int32 arrays
    by_role: dict = field(default_factory=dict)    # role -> [total tokens, max tokens in one example]
    no_system: int = 0                              # examples without a system turn (cookbook's count)


class TokenBudget(Rule):
    """Example is longer than the token budget.

    What it checks
        The estimated length in tokens of each chat/instruction example (all its turns, plus the
        OpenAI cookbook's overhead of 3 tokens per message and 3 per example) against
        ``budget``.  The estimate is characters / 4 for alphabetic scripts plus one token per
        CJK-like character: no tokenizer is downloaded (tiktoken fetches its files at run time),
        so counts are approximate, typically within 10-20% for English.  The finding names the
        longest turn.  The report's ``stats`` hold a dataset summary like the cookbook's:
        examples, messages per example, tokens per example (min, median, p95, max), examples
        over budget, tokens per role, and estimated billed tokens per epoch (each example
        counted up to the budget, as training truncates it).

    Why it matters
        Examples over the context length are truncated by the trainer (the reply, at the end, is
        what gets cut) or rejected by a fine-tuning API; and billing is per token per epoch.

    Example
        OpenAI's toy chat file, line 5: a 26,000-character reply, about 6,500 tokens.

    Fix
        Unsafe: the example is dropped.  Splitting it or shortening the reply may be better.

    Options
        ``budget`` (4096): tokens allowed per example (16385 for gpt-4o-mini fine-tuning); the
        run-wide ``--max-length`` sets it when the rule's own option does not.
        ``tokenizer``: a local tokenizer (set run-wide by ``--tokenizer``, see CH007): turns are
        then counted in real tokens (one ``encode_batch`` call per batch) instead of estimated.
    """

    code = "TK001"
    name = "token-budget"
    severity = Severity.WARNING
    groups = ("chat",)
    fix = Fix.UNSAFE

    @dataclass(frozen=True)
    class Options:
        budget: int = 4096
        tokenizer: str = ""

    def applies_to(self, source) -> bool:
        return applies(source)

    def start(self):
        return _State()

    def update(self, batch, state):
        out = []
        budget = self.options.budget
        n = len(batch)
        toks = np.zeros(n, np.int32)
        msgs = np.zeros(n, np.int32)
        batch_chats = chats(batch)
        counted = iter(self._counts(batch_chats))
        how = "tokens" if self.options.tokenizer else "tokens (estimated as characters/4)"
        for i, chat in enumerate(batch_chats):
            total, longest, seen = TOKENS_PER_EXAMPLE, (0, None), {}
            for t in chat.turns:
                k = next(counted)
                total += k + TOKENS_PER_MESSAGE
                seen[t.role] = seen.get(t.role, 0) + k
                if k > longest[0]:
                    longest = (k, t)
            toks[i], msgs[i] = total, len(chat.turns)
            if chat.turns and "system" not in seen:
                state.no_system += 1
            for role, k in seen.items():
                entry = state.by_role.setdefault(role, [0, 0])
                entry[0] += k
                entry[1] = max(entry[1], k)
            if total > budget:
                k, t = longest
                where = f"; its longest turn ({t.role}) is ~{k:,}" if t is not None else ""
                out.append(self.finding(
                    f"example is ~{total:,} {how}, over the {budget:,}-token "
                    f"budget{where}", source=batch.source.path, row=int(batch.rows[i]),
                    pointer=t.pointer if t is not None else None, extra={"tokens": int(total)}))
        state.tokens.append(toks)
        state.messages.append(msgs)
        return out

    def _counts(self, batch_chats) -> list[int]:
        """Tokens of every turn of the batch, in order: real ones from the tokenizer, in one call."""
        texts = [t.text for chat in batch_chats for t in chat.turns]
        if not self.options.tokenizer:
            return [estimate_tokens(x) for x in texts]
        from trainlint.resources import tokenizer

        return tokenizer(self.options.tokenizer).lengths(texts) if texts else []

    def merge(self, a, b):
        a.tokens.extend(b.tokens)
        a.messages.extend(b.messages)
        a.no_system += b.no_system
        for role, (tot, mx) in b.by_role.items():
            entry = a.by_role.setdefault(role, [0, 0])
            entry[0] += tot
            entry[1] = max(entry[1], mx)
        return a

    def stats(self, state, run):
        toks = np.concatenate(state.tokens) if state.tokens else np.zeros(0, np.int32)
        if toks.size == 0:
            return None
        msgs = np.concatenate(state.messages)
        budget = self.options.budget

        def summary(a):
            return {"min": int(a.min()), "median": float(np.median(a)), "p95": round(float(np.percentile(a, 95)), 1),
                    "max": int(a.max())}

        return {
            "estimator": (f"tokenizer {self.options.tokenizer}" if self.options.tokenizer else
                          "characters/4 (+1 per CJK-like character)") + ", +3 tokens per message and per example",
            "budget": budget,
            "examples": int(toks.size),
            "messages_per_example": summary(msgs),
            "tokens_per_example": summary(toks),
            "over_budget": int((toks > budget).sum()),
            "without_system_message": state.no_system,
            "tokens_by_role": {r: {"total": v[0], "max_per_example": v[1]} for r, v in sorted(state.by_role.items())},
            "billed_tokens_per_epoch": int(np.minimum(toks, budget).sum()),
        }
