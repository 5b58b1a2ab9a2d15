"""Write the student copies of the notebooks: every worked solution replaced by a stub to fill in.

    python tools/student.py                        # notebooks/NN_*.ipynb -> build/student/ (make student)
    python tools/student.py --output DIR NB.ipynb  # chosen notebooks, another folder

An exercise is a markdown cell with the task, a code cell tagged ``solution`` with the worked answer, and
right after it a self-check: a code cell calling a check imported from ``ganlib.exercises``. In the copy

* each ``solution`` cell becomes a stub tagged ``exercise``: for every function the solution defines, its
  signature with ``raise NotImplementedError``; for every name it assigns at the top level, ``name = ...``.
  So the stub runs, and every name the self-check takes exists;
* the self-check cell is kept as it is, with its output cleared (it would give the answer away);
* every other cell is copied unchanged, outputs included.

A solution cell not followed by a self-check is an error: the script names it and exits with status 1.
"""

from __future__ import annotations

import argparse
import ast
import copy
import sys
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
SOLUTION, STUB = "solution", "exercise"
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
    """The notebook with solutions stubbed; raises ValueError naming a solution that has no self-check."""
    notebook = copy.deepcopy(notebook)
    checks = exercise_checks(notebook)
    for index, cell in enumerate(notebook.cells):
        tags = cell.metadata.get("tags", [])
        if SOLUTION not in tags:
            continue
        following = notebook.cells[index + 1] if index + 1 < len(notebook.cells) else None
        if following is None or not is_self_check(following, checks):
            raise ValueError(
                f"{name}, cell {index}: a `solution` cell must be followed by a code cell calling its check "
                f"from ganlib.exercises (see CONTRIBUTING.md)"
            )
        cell.source = stub_source(cell.source)
        cell.metadata["tags"] = [STUB if tag == SOLUTION else tag for tag in tags]
        cell.outputs, cell.execution_count = [], None
        following.outputs, following.execution_count = [], None
    return notebook


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "student")
    args = parser.parse_args()

    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    args.output.mkdir(parents=True, exist_ok=True)
    failed = False
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        try:
            student = student_copy(notebook, path.name)
        except ValueError as error:
            print(error, file=sys.stderr)
            failed = True
            continue
        nbformat.write(student, args.output / path.name)
        solutions = sum(SOLUTION in cell.metadata.get("tags", []) for cell in notebook.cells)
        print(f"{path.name}: {solutions} solution cell(s) replaced by stubs")
    print(f"student copies in {args.output}/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
