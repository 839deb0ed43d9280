"""Notebooks are committed without outputs, and each one runs top to bottom within its budget.

Execution uses nbclient with the test environment's own kernel, so a notebook
that drifts from the package API fails the test suite, not a reader. CI (``CI`` set)
holds the wall-clock budget; elsewhere the kernel's CPU time is held to it, so a
laptop busy with other work does not fail the test.
"""

from __future__ import annotations

import json
import os
import resource
import time
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
BUDGET_SECONDS = 120
STRIP_HINT = "clear all outputs before committing (Jupyter: Edit > Clear Outputs of All Cells, or nbstripout)"


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ should hold at least the walkthrough notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stripped(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(notebook["cells"], 1):
        if cell["cell_type"] != "code":
            continue
        assert not cell.get("outputs"), f"{path.name}: cell {i} has outputs; {STRIP_HINT}"
        assert cell.get("execution_count") is None, (
            f"{path.name}: cell {i} has an execution count; {STRIP_HINT}"
        )


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_within_budget(path):
    import nbformat
    from nbclient import NotebookClient

    in_ci = bool(os.environ.get("CI"))
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=BUDGET_SECONDS if in_ci else 3 * BUDGET_SECONDS,  # per cell
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    cpu_before, start = _children_cpu(), time.perf_counter()
    client.execute()  # raises CellExecutionError naming the failing cell; the kernel is reaped after
    elapsed, cpu = time.perf_counter() - start, _children_cpu() - cpu_before
    assert cpu < BUDGET_SECONDS, f"{path.name} used {cpu:.0f} s of CPU; the budget is {BUDGET_SECONDS} s"
    if in_ci:
        assert elapsed < BUDGET_SECONDS, f"{path.name} took {elapsed:.0f} s; the budget is {BUDGET_SECONDS} s"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
