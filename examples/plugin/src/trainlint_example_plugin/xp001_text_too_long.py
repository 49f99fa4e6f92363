from __future__ import annotations

from dataclasses import dataclass

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule


class TextTooLong(Rule):
    """Text is longer than the limit.

    What it checks
        Rows whose text has more than ``max-chars`` characters (Unicode code points).  With
        several text columns they count together; in a chat format, the whole conversation.

    Why it matters
        A tokenizer truncates what does not fit in the context window, silently: the model
        trains on the first part of the example, often without the answer.

    Example
        With ``max-chars = 20``, ``"A very long review that keeps going."`` (36 characters).

    Fix
        Unsafe: drop the row.  Splitting or summarising it may keep the example; only you know.

    Options
        max-chars: the longest text allowed (default 2000).
    """

    code = "XP001"
    name = "text-too-long"
    severity = Severity.WARNING
    groups = ("text",)
    fix = Fix.UNSAFE
    requires = ("text",)

    @dataclass(frozen=True)
    class Options:
        max_chars: int = 2000

    # A row rule needs no state: everything is decided batch by batch, vectorised with pyarrow.
    def update(self, batch, state):
        import numpy as np
        import pyarrow.compute as pc

        text = batch.text
        if text is None:
            return []
        lengths = pc.utf8_length(text)
        too_long = pc.fill_null(pc.greater(lengths, self.options.max_chars), False)
        idx = np.flatnonzero(too_long.to_numpy(zero_copy_only=False))
        return [self.finding(f"text has {lengths[i].as_py()} characters, more than max-chars = "
                             f"{self.options.max_chars}", source=batch.source.path, row=int(batch.rows[i]))
                for i in idx]
