from __future__ import annotations

from trainlint.finding import Fix, Severity
from trainlint.rule import Rule


class InvalidRecord(Rule):
    """Record could not be parsed.

    What it checks
        A record the reader could not turn into a row: a JSON line that is not valid JSON or not
        an object, a CSV row with more or fewer fields than the header, bytes that are not valid
        UTF-8.  The finding names the line (and the byte or column where that helps), like a
        syntax error in a code linter; the rest of the file is still linted.

    Why it matters
        A training loader either crashes on such a record or, worse, silently skips or
        mis-splits it, so the data you train on is not the data you reviewed.

    Example
        ``{"text": "hello", "label": 1`` (line 7 of a JSONL file: the object is not closed).

    Fix
        Safe: the record goes to the rejects file with its raw content, the cleaned copy omits it.
        For a file in another encoding, pass ``--encoding latin-1`` (or its real encoding).

    Options
        None.
    """

    code = "IR001"
    name = "invalid-record"
    severity = Severity.ERROR
    groups = ("records",)
    fix = Fix.SAFE

    def update(self, batch, state):
        path = batch.source.path
        return [self.finding(r.message, source=path, row=r.row) for r in batch.invalid]
