"""examples/quickstart.ipynb runs top to bottom in a real kernel and shows what it promises.

Executed in memory (nothing is written back), with the repository root as working directory.
"""

from __future__ import annotations

import re

import pytest

from helpers import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"


@pytest.fixture(scope="module")
def executed():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    # raises CellExecutionError, naming the cell, on any error
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    return nb


def _outputs(nb, mime: str | None = None) -> str:
    parts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            assert out.output_type != "error", out
            if mime is None and out.output_type == "stream" and out.name == "stdout":
                parts.append(out.text)
            elif mime is not None and "data" in out:
                parts.append(out.data.get(mime, ""))
    return "\n".join(parts)


def test_every_code_cell_ran(executed):
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code)


def test_report_displays_as_html(executed):
    html = _outputs(executed, "text/html")
    assert "tl-report" in html
    for name in ("exact-duplicate", "missing-value", "invalid-record"):
        assert name in html


def test_findings_table_and_cleaned_copy(executed):
    text = _outputs(executed, "text/plain")
    assert "MV001" in text and "DU001" in text
    printed = _outputs(executed)
    # 55 rows; safe fixes drop at least the 3 exact duplicates, 2 missing values and 1 invalid record
    # (more if a later rule with a safe fix finds something else), unsafe ones the case-only copy
    m = re.search(r"55 rows in, (\d+) kept, (\d+) with unsafe fixes too", printed)
    assert m, printed
    assert int(m[1]) <= 49 and int(m[2]) < int(m[1])
    assert "'exact-duplicate': 3" in printed


def test_dataframe_is_linted(executed):
    last = executed.cells[-1]
    assert "exit code, as the CLI would give it: 1" in "".join(o.get("text", "") for o in last.outputs)


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
        "clear the outputs before committing (they go stale)"
