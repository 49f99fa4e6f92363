from __future__ import annotations

from trainlint.finding import Severity
from trainlint.rule import Rule


class UnusedSuppression(Rule):
    """Suppression matches no finding.

    What it checks
        Each ``[[suppress]]`` entry (in the suppressions file or ``[[tool.trainlint.suppress]]``)
        against the findings of the run: an entry whose rule ran, on a file its ``path`` names,
        and that hid no finding, is reported at its line in the file that holds it.  Entries of
        rules that did not run (``--select``) are not judged.  This is ruff's RUF100 (unused
        ``noqa``) for data.

    Why it matters
        A suppression outlives the row it was written for: the row was fixed, removed or changed.
        Left in place, it would silently hide a new problem that happens to match it, and the
        file of accepted findings stops saying what is really accepted.

    Example
        An entry ``rule = "DU001"``, ``hash = "04c1b0e2d5f3a9b7"`` after the duplicate row it
        accepted was deleted from the data.

    Fix
        Delete the entry (``trainlint check --add-suppressions`` writes entries for the current
        findings).  There is no automatic fix: the suppressions file is yours.

    Options
        None.
    """

    code = "TL001"
    name = "unused-suppression"
    severity = Severity.WARNING
    groups = ("config",)
    fix = None
