"""The exercise version, ``notebooks/exercises/NN_*.ipynb`` (``make student``): every worked solution is a
stub, every self-check is kept, nothing gives an answer away, and it is never stale.

The self-checks are found here independently of tools/student.py: a code cell right after a
``solution`` cell that calls a function the notebook imports from ``ganlib.exercises``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = ROOT / "notebooks" / "exercises"
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ganlib"]
GUARD_IMPORT = "from ganlib.exercises import needs_answers  # exercise version: this cell needs an answer above"
REPOSITORY, BRANCH = CONFIG["repository"].rstrip("/").removesuffix(".git"), CONFIG["branch"]


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


def test_the_exercise_versions_are_committed_and_up_to_date() -> None:
    assert sorted(p.name for p in EXERCISES.glob("*.ipynb")) == [p.name for p in NOTEBOOKS], "run `make student`"
    done = subprocess.run([sys.executable, "tools/student.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_check_mode_notices_a_stale_exercise_version(tmp_path: Path) -> None:
    """`student.py --check` fails once a main notebook changes after its exercise version was written."""
    notebook = nbformat.read(NOTEBOOKS[1], as_version=4)
    changed = tmp_path / NOTEBOOKS[1].name
    nbformat.write(notebook, changed)
    command = [sys.executable, "tools/student.py", "--output", str(tmp_path / "exercises"), str(changed)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    assert subprocess.run([*command, "--check"], cwd=ROOT, capture_output=True).returncode == 0
    notebook.cells[-1].source += "\n\nOne more sentence."
    nbformat.write(notebook, changed)
    done = subprocess.run([*command, "--check"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1 and changed.name in done.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercise_version_replaces_every_solution_and_keeps_every_self_check(path: Path) -> None:
    original = nbformat.read(path, as_version=4)
    student = nbformat.read(EXERCISES / path.name, as_version=4)
    assert [c.get("id") for c in student.cells] == [c.get("id") for c in original.cells], "same cells, same order"
    for index, (before, after) in enumerate(zip(original.cells, student.cells)):
        where = f"{path.name}, cell {index}"
        if after.cell_type == "code":
            assert after.outputs == [] and after.execution_count is None, f"{where}: outputs are stripped"
        if "colab-badge" in before.metadata.get("tags", []) or "colab-setup" in before.metadata.get("tags", []):
            continue
        if is_solution(before):
            assert not is_solution(after) and "exercise" in after.metadata.get("tags", []), where
            assert after.outputs == [] and after.execution_count is None, where
            assert defined_names(after.source) == defined_names(before.source), f"{where}: the stub defines other names"
            answer = {line.strip() for line in before.source.splitlines() if line.strip() and not line.lstrip().startswith("def ")}
            leaked = answer & {line.strip() for line in after.source.splitlines()}
            assert not leaked, f"{where}: the stub still holds lines of the answer: {leaked}"
            check = original.cells[index + 1]
            kept = student.cells[index + 1]
            assert kept.source.endswith(check.source) and kept.cell_type == "code", f"{where}: its self-check is kept"
        elif after.source != before.source:  # only a guard may be added, at the top of a cell that needs an answer
            guard, _, rest = after.source.partition("\nneeds_answers(")
            assert guard == GUARD_IMPORT and rest.endswith("\n" + before.source), f"{where} changed, but only solutions may"
    assert not any(is_solution(cell) for cell in student.cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercise_version_opens_in_colab_and_runs_under_nbval_up_to_its_first_stub(path: Path) -> None:
    cells = nbformat.read(EXERCISES / path.name, as_version=4).cells
    url = f"https://colab.research.google.com/github/{REPOSITORY.removeprefix('https://github.com/')}/blob/{BRANCH}/notebooks/exercises/{path.name}"
    assert f"]({url})" in cells[0].source and "Open the exercises in Colab" in cells[0].source
    assert f"](../{path.name})" in cells[0].source, "the exercise version links to its worked version"
    assert cells[1].source.rstrip().endswith('/notebooks/exercises")'), "in Colab, the setup cell ends beside the exercises"
    code = [cell for cell in cells if cell.cell_type == "code"]
    first_stub = next(i for i, cell in enumerate(code) if "exercise" in cell.metadata.get("tags", []))
    skipped = ["nbval-skip" in cell.metadata.get("tags", []) for cell in code]
    assert skipped == [i > first_stub for i in range(len(code))], "nbval runs every cell up to the first stub, no further"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stubs_run_and_a_stubbed_function_asks_for_an_answer(path: Path) -> None:
    """A stub is valid Python that defines its names; calling a stubbed function says what to do."""
    notebook = nbformat.read(EXERCISES / path.name, as_version=4)
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


def test_cells_that_need_an_answer_are_guarded_and_others_are_not(tmp_path: Path) -> None:
    """The guard follows names: through a later cell, through a loop, not through a rebinding, and a cell waits
    only for the answers it uses."""
    sys.path.insert(0, str(ROOT / "tools"))
    from student import student_copy

    notebook = nbformat.v4.new_notebook()
    cells = [
        ("markdown", "### Exercise 1 · Squares", []),
        ("code", "def square(x):\n    return x * x\n\nlimit = 3", ["solution"]),
        ("code", "check_square(square, limit)", []),
        ("code", "table = [square(i) for i in range(limit)]", []),  # needs the answer
        ("code", "total = sum(table)", []),  # needs it through `table`
        ("code", "limit = 10\nfor i in range(limit):\n    pass", []),  # rebinds limit from nothing of the exercise
        ("code", "print(limit, i)", []),  # so this one needs no answer
        ("code", "def helper(square):\n    return square", []),  # a parameter that shadows the answer's name
        ("code", "cubes = [square(i) * i for i in range(4)]", []),  # needs `square` only, not `limit`
    ]
    for kind, source, tags in cells:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = tags
        notebook.cells.append(cell)
    notebook.cells.insert(0, nbformat.v4.new_code_cell("from ganlib.exercises.overview import check_square"))
    copy = student_copy(notebook, "toy.ipynb")
    guarded = [cell.source.splitlines()[-1] for cell in copy.cells if cell.source.startswith(GUARD_IMPORT)]
    assert guarded == ["check_square(square, limit)", "table = [square(i) for i in range(limit)]", "total = sum(table)",
                       "cubes = [square(i) * i for i in range(4)]"]
    sources = "\n".join(cell.source for cell in copy.cells)
    assert "needs_answers('Exercise 1 · Squares', limit=limit, square=square)" in sources
    assert "needs_answers('Exercise 1 · Squares', square=square)\ncubes" in sources  # waits only for what it uses
    assert "raise NotImplementedError('Exercise 1 · Squares: `square` is not written yet." in sources


def test_needs_answers_names_what_is_missing() -> None:
    from ganlib.exercises import is_unfinished, needs_answers

    def stub(x):
        raise NotImplementedError("Exercise 1 · Squares: `square` is not written yet. Write it in this cell.")

    def written(x):
        return x * x

    assert is_unfinished(...) and is_unfinished(stub) and not is_unfinished(written) and not is_unfinished(0)
    needs_answers("Exercise 1 · Squares", square=written, limit=3)  # finished: nothing happens
    with pytest.raises(NotImplementedError, match="your answer to Exercise 1 · Squares: write `square`, `limit`"):
        needs_answers("Exercise 1 · Squares", square=stub, limit=...)
