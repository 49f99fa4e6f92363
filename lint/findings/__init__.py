"""The findings of a run: stored as columns (``RowFindings``) or objects, kept in report order
(``FindingStore``), located to ``file:line`` (``located_store``), and the rows a fix drops
(``RowsToDrop``).  ``trainlint.finding.Finding`` is the value a rule makes and a reader sees."""

from __future__ import annotations

from .drop import RowsToDrop
from .locate import locate, locate_rows, located_store
from .rows import RowFindings
from .sort import sort_findings
from .store import FindingStore

__all__ = ["FindingStore", "RowFindings", "RowsToDrop", "locate", "locate_rows", "located_store", "sort_findings"]
