"""Every exercise version runs *through* its stubs, as a learner who has written nothing yet would run it.

Executed top to bottom with errors allowed (nbclient's ``allow_errors``), an exercise version must fail in
exactly the cells that need an answer: the cells ``tools/student.py`` starts with ``needs_answers``, and
no other. Each of those fails with a ``NotImplementedError`` that names the exercise to finish. Every
other cell (the stubs themselves, and everything that does not need an answer) runs without error. So a
learner who runs the whole notebook early sees only "finish exercise N" messages, never an unrelated
``TypeError`` from a placeholder ``...`` further down.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tools"))
from notebooks import kernel_config  # noqa: E402  (benchmarks/notebooks.py)
from student import GUARD_IMPORT, exercise_title  # noqa: E402  (tools/student.py)

EXERCISES = ROOT / "notebooks" / "exercises"
PATHS = sorted(EXERCISES.glob("[0-9][0-9]_*.ipynb"))


def errors_of(cell: nbformat.NotebookNode) -> list[tuple[str, str]]:
    return [(out.ename, out.evalue) for out in cell.get("outputs", []) if out.output_type == "error"]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_exercise_version_runs_through_its_stubs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    titles = {exercise_title(notebook, i) for i, c in enumerate(notebook.cells) if "exercise" in c.metadata.get("tags", [])}
    NotebookClient(
        notebook, timeout=1800, kernel_name="python3", allow_errors=True,
        resources={"metadata": {"path": str(EXERCISES)}}, config=kernel_config(),
    ).execute()  # fmt: skip
    guarded = 0
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        where, errors = f"{path.name}, cell {index}", errors_of(cell)
        if not cell.source.startswith(GUARD_IMPORT):
            assert not errors, f"{where} needs no answer, yet failed: {errors}"
            continue
        guarded += 1
        assert len(errors) == 1 and errors[0][0] == "NotImplementedError", f"{where}: {errors}"
        named = [title for title in titles if f"your answer to {title}:" in errors[0][1]]
        assert named, f"{where} does not name the exercise to finish: {errors[0][1]}"
    assert guarded >= len(titles), f"{path.name}: every exercise's self-check waits for its answer"
