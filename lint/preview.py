"""What a fix does without writing files: the ``--diff`` lines and the cleaned rows as a DataFrame
(``Report.cleaned``), with the rows dropped and the texts ``--mask`` rewrites as the cleaned copy
(``trainlint.clean``) would have them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .clean import opened
from .escape import text as esc

if TYPE_CHECKING:  # pragma: no cover
    from .report import Report
    from .sources import SourceSpec


def diff_lines(report: Report, sources: Sequence[SourceSpec] | Any, unsafe: bool = False,
               echo: Callable[[str], None] = print) -> int:
    """What --fix would change, without writing anything: one ``- path:line [codes] message`` line
    per row it removes, one ``~ path:line [codes] where: 'before' -> 'after'`` per row ``--mask``
    rewrites (masked)."""
    drop = report.rows_to_drop(unsafe)
    edit = report.rows_to_edit(unsafe) if report.mask else {}
    n = 0
    for s in opened(sources):
        rows = drop.get(s.info.path) or {}
        edits = edit.get(s.info.path) or {}
        for row in sorted(set(rows) | set(edits)):
            fs = rows[row] if row in rows else edits[row]
            loc = f"{s.info.path}:{fs[0].line}" if fs[0].line else f"{s.info.path}:row {row}"
            codes = ",".join(sorted({f.code for f in fs}))
            if row in rows:
                echo(f"- {esc(loc)} [{codes}] {esc(fs[0].message)}")
            else:  # what --mask writes instead, masked: never the value
                from .rewrite import change

                shown = "; ".join(f"{c['pointer'] or c['column']}: {c['before']!r} -> {c['after']!r}"
                                  for c in (change(f, e) for f in fs for e in f.edits))
                echo(f"~ {esc(loc)} [{codes}] {esc(shown)}")
            n += 1
    return n


def cleaned_frame(report: Report, inputs: Any, unsafe: bool = False):
    """The kept rows of ``inputs`` as one pandas DataFrame (all sources, in order, a ``_source``
    column first when there are several), with the fixes applied.  ``inputs``: the sources the
    run opened, or something with ``open()`` that opens them again (``trainlint.runner.Inputs``)."""
    import pandas as pd
    import pyarrow as pa

    from .rewrite import Rewriter
    from .sources.columnar import rewrite_table

    specs = opened(inputs)
    drop = report.rows_to_drop(unsafe)
    edit = report.rows_to_edit(unsafe) if report.mask else {}
    frames = []
    for spec in specs:
        by_row = drop.get(spec.info.path)
        rows_drop = by_row.rows if by_row is not None else np.zeros(0, np.int64)
        edits = Rewriter(edit[spec.info.path], spec.info.path, None) if spec.info.path in edit else None
        for batch in spec.reader.batches():
            keep = ~np.isin(batch.rows, rows_drop)
            table = batch.table
            if edits is not None:
                edited = np.isin(batch.rows, edits.rows) & keep
                if edited.any():
                    table, refused = rewrite_table(table, batch.rows, edited, edits)
                    keep &= ~refused
            t = table.filter(pa.array(keep))
            if t.num_rows:
                df = t.to_pandas()
                if len(specs) > 1:
                    df.insert(0, "_source", spec.info.path)
                frames.append(df)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)
