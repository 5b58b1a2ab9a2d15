"""`make student`: the student copies lose every worked solution and keep every self-check.

The self-checks are found here independently of tools/student.py: a code cell right after a
``solution`` cell that calls a function the notebook imports from ``ganlib.exercises``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def python(source: str) -> ast.Module:
    return ast.parse(TransformerManager().transform_cell(source))


def is_solution(cell) -> bool:
    return "solution" in cell.metadata.get("tags", [])


def checks_imported(notebook) -> set[str]:
    return {
        alias.asname or alias.name
        for cell in notebook.cells if cell.cell_type == "code"
        for node in ast.walk(python(cell.source))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ganlib.exercises")
        for alias in node.names
    }  # fmt: skip


def defined_names(source: str) -> set[str]:
    """Functions defined and names assigned at the top level of a cell."""
    names = set()
    for node in python(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("student")
    done = subprocess.run([sys.executable, "tools/student.py", "--output", str(output)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return output


def test_every_notebook_has_exercises_with_self_checks() -> None:
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        checks = checks_imported(notebook)
        solutions = [i for i, cell in enumerate(notebook.cells) if is_solution(cell)]
        assert solutions, f"{path.name} has no exercise (a code cell tagged `solution`)"
        for i in solutions:
            after = notebook.cells[i + 1] if i + 1 < len(notebook.cells) else None
            calls = [] if after is None or after.cell_type != "code" else [
                node.func.id for node in ast.walk(python(after.source))
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            ]  # fmt: skip
            assert set(calls) & checks, f"{path.name}, cell {i}: the solution is not followed by its self-check"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_copy_replaces_every_solution_and_keeps_every_self_check(path: Path, student_dir: Path) -> None:
    original = nbformat.read(path, as_version=4)
    student = nbformat.read(student_dir / path.name, as_version=4)
    assert [c.get("id") for c in student.cells] == [c.get("id") for c in original.cells], "same cells, same order"
    for index, (before, after) in enumerate(zip(original.cells, student.cells)):
        where = f"{path.name}, cell {index}"
        if is_solution(before):
            assert not is_solution(after) and "exercise" in after.metadata.get("tags", []), where
            assert after.outputs == [] and after.execution_count is None, where
            assert defined_names(after.source) == defined_names(before.source), f"{where}: the stub defines other names"
            answer = {line.strip() for line in before.source.splitlines() if line.strip() and not line.lstrip().startswith("def ")}
            leaked = answer & {line.strip() for line in after.source.splitlines()}
            assert not leaked, f"{where}: the stub still holds lines of the answer: {leaked}"
            check = original.cells[index + 1]
            kept = student.cells[index + 1]
            assert kept.source == check.source and kept.cell_type == "code", f"{where}: its self-check is kept"
            assert kept.outputs == [], f"{where}: the self-check's stored output would give the answer away"
        elif not (index and is_solution(original.cells[index - 1])):
            assert after == before, f"{where} changed, but only solutions and their checks' outputs may"
    assert not any(is_solution(cell) for cell in student.cells)


def test_stubs_run_and_the_self_check_asks_for_an_answer(student_dir: Path) -> None:
    """A stub is valid Python that defines its names; calling a stubbed function says what to do."""
    notebook = nbformat.read(student_dir / NOTEBOOKS[0].name, as_version=4)
    for cell in notebook.cells:
        if "exercise" in cell.metadata.get("tags", []):
            namespace: dict = {}
            exec(TransformerManager().transform_cell(cell.source), namespace)
            for value in namespace.values():
                if callable(value):
                    with pytest.raises(NotImplementedError):
                        value(*[0] * value.__code__.co_argcount)


def test_a_solution_without_a_self_check_is_refused(tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOKS[0], as_version=4)
    index = next(i for i, cell in enumerate(notebook.cells) if is_solution(cell))
    del notebook.cells[index + 1]
    broken = tmp_path / "broken.ipynb"
    nbformat.write(notebook, broken)
    done = subprocess.run([sys.executable, "tools/student.py", "--output", str(tmp_path / "out"), str(broken)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1 and "must be followed by" in done.stderr
