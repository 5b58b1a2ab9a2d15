"""Write the exercise version of the notebooks: every worked solution replaced by a stub to fill in.

    python tools/student.py                        # notebooks/NN_*.ipynb -> notebooks/exercises/ (make student)
    python tools/student.py --check                # change nothing; exit 1 if an exercise version is stale
    python tools/student.py --output DIR NB.ipynb  # chosen notebooks, another folder

The exercise versions are committed, so that a student opens them where the course is (GitHub, Colab:
each main notebook's second badge) without running anything first.

An exercise is a markdown cell with the task, a code cell tagged ``solution`` with the worked answer, and
right after it a self-check: a code cell calling a check imported from ``ganlib.exercises``. In the copy

* each ``solution`` cell becomes a stub tagged ``exercise``: for every function the solution defines, its
  signature with ``raise NotImplementedError`` naming the exercise; for every name it assigns at the top
  level, ``name = ...``. So the stub runs, and every name the self-check takes exists;
* every later code cell that uses a stub's name, directly or through names that earlier such cells define
  (the self-check too), starts with ``needs_answers(exercise, name=name, ...)`` from ``ganlib.exercises``:
  run before the answer is written, it stops with a message naming the exercise to finish, instead of
  failing with an unrelated error further down;
* every output (and the timestamps of the last run) is stripped: the self-checks' (they would give the answer away), the figures and tables
  that follow an exercise (they might), and the rest (the files stay small; running the cells makes them);
* the Colab badge and setup cell are those of the exercise version (``tools/badges.py``);
* every code cell after the first stub is tagged ``nbval-skip``: ``make test-colab`` runs the exercise
  versions with nbval up to their first stub in Colab's packages. ``make test`` runs each one through
  all of its stubs instead (tests/test_exercise_versions_run.py): only the guarded cells may fail, each
  with the message that names its exercise;
* every other cell is copied unchanged.

A solution cell not followed by a self-check is an error: the script names it and exits with status 1.
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import sys
from pathlib import Path

import nbformat
from badges import settings, with_colab_cells
from ganlib.exercises import NOT_WRITTEN
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "notebooks" / "exercises"
SOLUTION, STUB, SKIP = "solution", "exercise", "nbval-skip"
STUB_HEADER = "# Exercise: your answer here. Replace each `...` and `raise NotImplementedError`, then run the check below."

GUARD_IMPORT = "from ganlib.exercises import needs_answers  # exercise version: this cell needs an answer above"


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


def exercise_title(notebook: nbformat.NotebookNode, index: int) -> str:
    """The title of the exercise whose solution is cell ``index``: the nearest heading above it that names one."""
    for cell in reversed(notebook.cells[:index]):
        if cell.cell_type == "markdown" and (heading := re.search(r"^#+\s+(.*Exercise.*?)\s*$", cell.source, re.M)):
            return heading.group(1)
    raise ValueError(f"cell {index}: a `solution` cell needs a heading naming its exercise above it")


def stub_source(solution: str, exercise: str) -> str:
    """The stub for a solution: the signatures and top-level names it defines, without the answer."""
    blocks = []
    for node in ast.parse(TransformerManager().transform_cell(solution)).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            signature = copy.copy(node)
            message = f"{exercise}: `{node.name}` {NOT_WRITTEN}. Write it in this cell, run it, then run the check below."
            signature.body = ast.parse(f"raise NotImplementedError({message!r})").body
            blocks.append(ast.unparse(signature))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            blocks.append(" = ".join(ast.unparse(target) for target in targets) + " = ...")
    return "\n\n".join([STUB_HEADER, *blocks])


def names_bound(node: ast.AST) -> set[str]:
    """The names ``node`` binds: assignment targets, functions, classes and imports."""
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for n in ast.walk(node):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in n.names}
    return names


def names_read(node: ast.AST) -> set[str]:
    """The names ``node`` reads from the cell's namespace: a function's own parameters and locals excluded."""
    if isinstance(node, ast.Name):
        return {node.id} if isinstance(node.ctx, ast.Load) else set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        body = node.body if isinstance(node.body, list) else [node.body]
        arguments = node.args
        parameters = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg] if a}
        local = parameters.union(*(names_bound(statement) for statement in body))
        outside = [*arguments.defaults, *[d for d in arguments.kw_defaults if d], *getattr(node, "decorator_list", [])]
        return set().union(*(names_read(n) for n in body)) - local | set().union(*(names_read(n) for n in outside))
    return set().union(*(names_read(child) for child in ast.iter_child_nodes(node)))


def follow(statements: list[ast.stmt], depends: dict[str, set[tuple[str, str]]]) -> set[tuple[str, str]]:
    """Run ``statements`` abstractly: update which names depend on which answers, and return the answers the
    statements need. A statement that reads a dependent name makes every name it binds dependent;
    binding a name from independent values clears it. A loop's, ``with``'s or branch's body is followed
    statement by statement, after its header binds its own names."""

    def uses(node: ast.AST | None) -> set[tuple[str, str]]:
        return set().union(*(depends.get(name, set()) for name in names_read(node))) if node else set()

    def bind(node: ast.AST | None, needs: set[tuple[str, str]]) -> None:
        for name in names_bound(node) if node else ():
            if needs:
                depends[name] = needs
            else:
                depends.pop(name, None)

    needed: set[tuple[str, str]] = set()
    for statement in statements:
        if isinstance(statement, (ast.For, ast.AsyncFor)):
            header = uses(statement.iter)
            bind(statement.target, header)
            needed |= header | follow(statement.body, depends) | follow(statement.orelse, depends)
        elif isinstance(statement, (ast.If, ast.While)):
            needed |= uses(statement.test) | follow(statement.body, depends) | follow(statement.orelse, depends)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                header = uses(item.context_expr)
                bind(item.optional_vars, header)
                needed |= header
            needed |= follow(statement.body, depends)
        else:
            needs = uses(statement)
            bind(statement, needs)
            needed |= needs
    return needed


def guard_dependent_cells(notebook: nbformat.NotebookNode, stubs: dict[str, tuple[str, str]]) -> None:
    """Start each code cell that needs a stub's answer with ``needs_answers`` (see the module docstring).

    ``stubs`` maps each cell id of a stub to its exercise's title and stub source. Which names depend on
    which answers (an exercise and one name its stub defines) is followed cell by cell (``follow``), and a
    cell waits only for the answers it uses; a guarded cell stops as a whole, so every name it binds depends on
    what it needs.
    """
    depends: dict[str, set[tuple[str, str]]] = {}  # name -> the (exercise title, stub name) answers it needs
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if cell.get("id") in stubs:
            title, source = stubs[cell.id]
            depends.update({name: {(title, name)} for name in names_bound(ast.parse(source))})
            continue
        needed = follow(python_of(cell).body, depends)
        if needed:
            depends.update({name: needed for name in names_bound(python_of(cell))})
            by_exercise: dict[str, list[str]] = {}
            for title, name in sorted(needed):
                by_exercise.setdefault(title, []).append(name)
            calls = [f"needs_answers({title!r}, " + ", ".join(f"{name}={name}" for name in names) + ")"
                     for title, names in by_exercise.items()]
            cell.source = "\n".join([GUARD_IMPORT, *calls, cell.source])


def student_copy(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The exercise version of a notebook (see the module docstring); raises ValueError naming a solution
    that has no self-check."""
    notebook = copy.deepcopy(notebook)
    checks = exercise_checks(notebook)
    stubs = {}
    for index, cell in enumerate(notebook.cells):
        if SOLUTION not in cell.metadata.get("tags", []):
            continue
        following = notebook.cells[index + 1] if index + 1 < len(notebook.cells) else None
        if following is None or not is_self_check(following, checks):
            raise ValueError(
                f"{name}, cell {index}: a `solution` cell must be followed by a code cell calling its check "
                f"from ganlib.exercises (see CONTRIBUTING.md)"
            )
        title = exercise_title(notebook, index)
        cell.source = stub_source(cell.source, title)
        cell.metadata["tags"] = [STUB if tag == SOLUTION else tag for tag in cell.metadata["tags"]]
        stubs[cell.id] = (title, cell.source)
    guard_dependent_cells(notebook, stubs)
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
