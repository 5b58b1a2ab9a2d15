"""Write the exercise version of the notebooks: every worked solution replaced by a stub to fill in.

    python tools/student.py                        # notebooks/NN_*.ipynb -> notebooks/exercises/ (make student)
    python tools/student.py --check                # change nothing; exit 1 if an exercise version is stale
    python tools/student.py --output DIR NB.ipynb  # chosen notebooks, another folder

The exercise versions are committed, so that a student opens them where the course is (GitHub, Colab:
each main notebook's second badge) without running anything first.

An exercise is a markdown cell with the task, a code cell tagged ``solution`` with the worked answer, and
right after it a self-check: a code cell calling a check imported from ``ganlib.exercises``. In the copy

* each ``solution`` cell becomes a stub tagged ``exercise``: for every function the solution defines, its
  signature with ``raise NotImplementedError``; for every name it assigns at the top level, ``name = ...``.
  So the stub runs, and every name the self-check takes exists;
* every output (and the timestamps of the last run) is stripped: the self-checks' (they would give the answer away), the figures and tables
  that follow an exercise (they might), and the rest (the files stay small; running the cells makes them);
* the Colab badge and setup cell are those of the exercise version (``tools/badges.py``);
* every code cell after the first stub is tagged ``nbval-skip``: ``make test`` runs the exercise version
  with nbval up to its first stub (everything after may need the learner's answers), so it checks that
  the part a student runs before writing anything works;
* every other cell is copied unchanged.

A solution cell not followed by a self-check is an error: the script names it and exits with status 1.
"""

from __future__ import annotations

import argparse
import ast
import copy
import sys
from pathlib import Path

import nbformat
from badges import settings, with_colab_cells
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "notebooks" / "exercises"
SOLUTION, STUB, SKIP = "solution", "exercise", "nbval-skip"
STUB_HEADER = "# Exercise: your answer here. Replace each `...` and `raise NotImplementedError`, then run the check below."


def python_of(cell: nbformat.NotebookNode) -> ast.Module:
    """The cell's code as Python (``%magics`` and ``!commands`` turned into calls), parsed; empty if invalid."""
    try:
        return ast.parse(TransformerManager().transform_cell(cell.source))
    except SyntaxError:  # e.g. a cell that demonstrates an error on purpose
        return ast.Module(body=[], type_ignores=[])


def exercise_checks(notebook: nbformat.NotebookNode) -> set[str]:
    """Names the notebook imports from ``ganlib.exercises``: its self-checks (and their helpers)."""
    names = set()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for node in ast.walk(python_of(cell)):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ganlib.exercises"):
                    names.update(alias.asname or alias.name for alias in node.names)
    return names


def is_self_check(cell: nbformat.NotebookNode, checks: set[str]) -> bool:
    """A code cell that calls one of the notebook's exercise checks."""
    if cell.cell_type != "code":
        return False
    calls = [node.func for node in ast.walk(python_of(cell)) if isinstance(node, ast.Call)]
    return any(isinstance(func, ast.Name) and func.id in checks for func in calls)


def stub_source(solution: str) -> str:
    """The stub for a solution: the signatures and top-level names it defines, without the answer."""
    blocks = []
    for node in ast.parse(TransformerManager().transform_cell(solution)).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            signature = copy.copy(node)
            signature.body = ast.parse('raise NotImplementedError("write this function")').body
            blocks.append(ast.unparse(signature))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            blocks.append(" = ".join(ast.unparse(target) for target in targets) + " = ...")
    return "\n\n".join([STUB_HEADER, *blocks])


def student_copy(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The exercise version of a notebook (see the module docstring); raises ValueError naming a solution
    that has no self-check."""
    notebook = copy.deepcopy(notebook)
    checks = exercise_checks(notebook)
    for index, cell in enumerate(notebook.cells):
        if SOLUTION not in cell.metadata.get("tags", []):
            continue
        following = notebook.cells[index + 1] if index + 1 < len(notebook.cells) else None
        if following is None or not is_self_check(following, checks):
            raise ValueError(
                f"{name}, cell {index}: a `solution` cell must be followed by a code cell calling its check "
                f"from ganlib.exercises (see CONTRIBUTING.md)"
            )
        cell.source = stub_source(cell.source)
        cell.metadata["tags"] = [STUB if tag == SOLUTION else tag for tag in cell.metadata["tags"]]
    notebook = with_colab_cells(notebook, name, *settings(), exercises=True)
    stubbed = False
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)  # the timestamps of the last run
        if stubbed and SKIP not in cell.metadata.get("tags", []):
            cell.metadata["tags"] = [*cell.metadata.get("tags", []), SKIP]
        stubbed = stubbed or STUB in cell.metadata.get("tags", [])
    return notebook


def exercise_text(path: Path) -> str:
    """The file text of the exercise version of the notebook at ``path``."""
    return nbformat.writes(student_copy(nbformat.read(path, as_version=4), path.name)) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--output", type=Path, default=EXERCISES)
    parser.add_argument("--check", action="store_true", help="report stale exercise versions and exit 1; write nothing")
    args = parser.parse_args()

    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    args.output.mkdir(parents=True, exist_ok=True)
    failed, stale = False, []
    for path in paths:
        try:
            text = exercise_text(path)
        except ValueError as error:
            print(error, file=sys.stderr)
            failed = True
            continue
        target = args.output / path.name
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        stale.append(path.name)
        if not args.check:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target}")
    if args.check and stale:
        print("exercise versions out of date (run `make student`): " + ", ".join(stale), file=sys.stderr)
    return 1 if failed or (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
