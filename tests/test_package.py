"""The package keeps its promise: every name a notebook imports is one step from its code, and the maps are true.

* Every ``from ganlib.X import name`` in a notebook names something *written* in ganlib/X.py (or
  ganlib/X/__init__.py): a top-level ``def``, ``class`` or assignment there, or the submodule ganlib.X.name.
  A name that X merely imports from elsewhere does not count: ganlib has no re-exports.
* The module map in ``ganlib/__init__.py``'s docstring lists every module once, with the notebooks that
  import from it.
* README.md's package table lists every entry directly under ganlib/.
* Top-level files stay short, and there are few of them.

Nothing here trains or imports torch: the notebooks and the package are read as text and parsed with ``ast``.
"""

from __future__ import annotations

import ast
import json
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ganlib"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "notebooks" / "exercises").glob("*.ipynb"))
MAX_LINES = 350
MAX_TOP_LEVEL_MODULES = 15  # .py files directly in ganlib/, counting __init__.py and __main__.py: one per topic

# One line of the module map: four spaces, the dotted name, what it holds, then the notebooks ("03, 05") or a
# note for a module no notebook imports. The columns are separated by at least two spaces.
UNUSED_NOTES = ("(package internals)", "(CLI, recipes)")
ENTRY = re.compile(
    r"^ {4}(?P<module>ganlib(?:\.\w+)+) {2,}(?P<what>\S(?:.*\S)?) {2,}"
    r"(?P<notebooks>\d\d(?:, \d\d)*|\(package internals\)|\(CLI, recipes\))$"
)


# ------------------------------------------------------------------------------------------------ the package

def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (packages by their own name), without ganlib and ganlib.__main__."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if name not in ("ganlib", "ganlib.__main__"):
            modules[name] = path
    return modules


def module_file(name: str) -> Path | None:
    """The file of module ``name`` (ganlib/X.py or ganlib/X/__init__.py), or None when there is no such module."""
    base = ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


@cache
def defined_names(path: Path) -> frozenset[str]:
    """Names a module's file defines at top level: def, class, assignment (also inside top-level if/try/with/for).

    Imports are not definitions: a name a module imports is written somewhere else.
    """
    names: set[str] = set()

    def targets(node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                targets(element)
        elif isinstance(node, ast.Starred):
            targets(node.value)

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    targets(target)
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets(node.target)
            elif type(node).__name__ == "TypeAlias":  # `type X = ...` (Python 3.12)
                targets(node.name)  # type: ignore[attr-defined]
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                targets(node.target)
                visit(node.body + node.orelse)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        targets(item.optional_vars)
                visit(node.body)
            elif isinstance(node, ast.If):
                visit(node.body + node.orelse)
            elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
                visit(node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body])  # type: ignore[attr-defined]

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)).body)
    return frozenset(names)


# ---------------------------------------------------------------------------------------------- the notebooks

def notebook_label(path: Path) -> str:
    """How the maps name a notebook: its number ("05" for 05_gan.ipynb), else its file name."""
    match = re.match(r"\d+", path.stem)
    return match.group(0) if match else path.stem


def python_of(source: str) -> str | None:
    """A code cell's Python: IPython's ``%`` and ``!`` lines become ``pass`` (same indentation and line numbers);
    None for a cell magic (``%%bash``...), whose body is not Python."""
    if source.lstrip().startswith("%%"):
        return None
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append(line[: len(line) - len(stripped)] + "pass" if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


@cache
def notebook_imports(path: Path) -> tuple[list[tuple[str, str, str | None]], list[str]]:
    """The ganlib imports of a notebook's code cells and the cells that do not parse.

    Imports are ``(where, module, name)``: ``name`` is None for ``import ganlib.X`` and "*" for a star import.
    """
    imports, errors = [], []
    for number, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"], start=1):
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        code = python_of(source)
        if code is None:
            continue
        where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}, cell {number}"
        try:
            tree = ast.parse(code)
        except SyntaxError as error:
            errors.append(f"{where}: does not parse ({error.msg}, line {error.lineno}), so its imports cannot be checked")
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imports += [(where, alias.name, None) for alias in node.names if alias.name.split(".")[0] == "ganlib"]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "ganlib":
                imports += [(where, node.module, alias.name) for alias in node.names]
    return imports, errors


def imported_modules(path: Path) -> set[str]:
    """The modules a notebook imports from. ``from P import M`` with M a submodule counts as importing P.M (the
    notebook uses P.M's code, not P's); ``import ganlib.X`` counts X."""
    modules = set()
    for _, module, name in notebook_imports(path)[0]:
        if name is not None and name != "*" and module_file(f"{module}.{name}") is not None:
            modules.add(f"{module}.{name}")
        else:
            modules.add(module)
    return modules


def notebooks_by_module() -> dict[str, list[str]]:
    users: dict[str, set[str]] = defaultdict(set)
    for notebook in NOTEBOOKS:
        for module in imported_modules(notebook):
            users[module].add(notebook_label(notebook))
    return {module: sorted(labels) for module, labels in users.items()}


# --------------------------------------------------------------------------------------------- the module map

def map_lines() -> list[str]:
    """The module map: the docstring of ganlib/__init__.py from the first entry (and its heading) to the end."""
    docstring = ast.get_docstring(ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8")), clean=False) or ""
    lines = docstring.strip("\n").splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith("    ganlib.")), len(lines))
    if first > 0 and lines[first - 1].strip() and not lines[first - 1].startswith(" "):
        first -= 1  # the heading of the first group
    return [line.rstrip() for line in lines[first:]]


def notebooks_column(module: str, users: dict[str, list[str]], old: str | None = None) -> str:
    if module in users:
        return ", ".join(users[module])
    if old in UNUSED_NOTES:
        return old
    return "(CLI, recipes)" if module.startswith("ganlib.recipes") else "(package internals)"


def aligned(lines: list[str]) -> list[str]:
    """The map in three aligned columns: module, what it holds, notebooks."""
    entries = [m for m in map(ENTRY.match, lines) if m]
    names = max((len(m["module"]) for m in entries), default=0) + 2
    whats = max((len(m["what"]) for m in entries), default=0) + 2
    return [f"    {m['module']:<{names}}{m['what']:<{whats}}{m['notebooks']}" if (m := ENTRY.match(line)) else line
            for line in lines]


def corrected_map(lines: list[str], modules: dict[str, Path], users: dict[str, list[str]]) -> list[str]:
    """The map as it should read: entries of missing modules dropped, notebooks recomputed, new modules added
    (after the entry that shares the longest dotted prefix with them, described as TODO)."""
    out: list[str] = []
    seen: set[str] = set()
    for line in lines:
        match = ENTRY.match(line)
        loose = re.match(r"^ {4}(ganlib(?:\.\w+)+)\b\s*(.*)$", line)
        if match or loose:
            module = match["module"] if match else loose.group(1)
            if module not in modules or module in seen:
                continue
            seen.add(module)
            what = match["what"] if match else (loose.group(2) or "TODO: what it holds")
            out.append(f"    {module}  {what}  {notebooks_column(module, users, match['notebooks'] if match else None)}")
        else:
            out.append(line)
    for module in sorted(set(modules) - seen):
        def shared(line: str) -> int:
            match = ENTRY.match(line)
            if not match:
                return -1
            a, b = match["module"].split("."), module.split(".")
            return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        scores = [shared(line) for line in out]
        at = max(range(len(out)), key=lambda i: (scores[i], i)) + 1 if out and max(scores) > 0 else len(out)
        out.insert(at, f"    {module}  TODO: what it holds  {notebooks_column(module, users)}")
    return aligned(out)


# -------------------------------------------------------------------------------------------------- the README

def readme_package_table() -> list[str]:
    """The first-column names of the table in README.md's section about the ganlib package."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    heading = next((i for i, line in enumerate(lines) if re.match(r"#+ .*ganlib.*\bpackage\b", line)), None)
    assert heading is not None, "README.md has no section about the package (a heading such as '## The `ganlib` package')"
    rows = []
    for line in lines[heading + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break  # the end of the first table
    assert len(rows) > 2, "README.md's package section has no table"
    return [row.split("|")[1].strip() for row in rows[2:]]


# ------------------------------------------------------------------------------------------------------ tests

def test_every_name_a_notebook_imports_is_written_in_the_module_it_is_imported_from():
    problems = []
    for notebook in NOTEBOOKS:
        imports, errors = notebook_imports(notebook)
        problems += errors
        for where, module, name in imports:
            path = module_file(module)
            if path is None:
                problems.append(f"{where}: `{'import ' + module if name is None else f'from {module} import {name}'}`: "
                                f"there is no module {module}")
            elif name == "*":
                problems.append(f"{where}: `from {module} import *`: import the names, so a reader sees where they live")
            elif name is not None and name not in defined_names(path) and module_file(f"{module}.{name}") is None:
                problems.append(f"{where}: `from {module} import {name}`: {name} is not defined in "
                                f"{path.relative_to(ROOT)} (no top-level def, class or assignment, nor a submodule)")
    assert NOTEBOOKS, "no notebooks found"
    assert not problems, f"{len(problems)} notebook imports are not one step from their code:\n" + "\n".join(problems)


def test_the_module_map_lists_every_module_once_with_the_notebooks_that_import_it():
    modules, users = module_files(), notebooks_by_module()
    lines = map_lines()
    listed: list[str] = []
    problems = []
    for line in lines:
        match = ENTRY.match(line)
        if match:
            listed.append(match["module"])
            module, written = match["module"], match["notebooks"]
            if module in modules:
                expected = notebooks_column(module, users, written)
                if written != expected:
                    problems.append(f"{module}: lists {written}, but the notebooks that import from it are {expected}")
        elif line.startswith("    ganlib"):
            problems.append(f"not an entry (`    ganlib.name  what it holds  notebooks`): {line.strip()!r}")
            listed.append(line.split()[0])
    problems += [f"{name}: listed, but there is no such module" for name in listed if name not in modules]
    problems += [f"{name}: a module of the package, missing from the map" for name in modules if name not in listed]
    problems += [f"{name}: listed {listed.count(name)} times" for name in sorted(set(listed)) if listed.count(name) > 1]
    assert not problems, (
        "The module map in ganlib/__init__.py's docstring is out of date:\n" + "\n".join(problems)
        + "\n\nCorrected map (paste it over the old one):\n\n" + "\n".join(corrected_map(lines, modules, users))
    )


def test_the_readme_lists_every_entry_of_the_package():
    entries = {path.stem if path.is_file() else path.name for path in PACKAGE.iterdir()
               if (path.suffix == ".py" and path.stem not in ("__init__", "__main__")) or (path / "__init__.py").is_file()}
    expected = {f"ganlib.{entry}" for entry in entries}
    listed = []
    for cell in readme_package_table():
        names = re.findall(r"`(ganlib(?:\.\w+)*)`", cell)
        assert len(names) == 1, f"README.md's package table: a row's first cell must name one module in backticks, got {cell!r}"
        listed.append(names[0])
    missing, unknown = sorted(expected - set(listed)), sorted(set(listed) - expected)
    assert not missing and not unknown, (f"README.md's package table: missing {missing or 'nothing'}; "
                                         f"lists what is not directly under ganlib/: {unknown or 'nothing'}")


def test_top_level_files_are_short_and_few():
    files = sorted(PACKAGE.glob("*.py")) + sorted(PACKAGE.glob("*/__init__.py"))
    long_files = [f"{path.relative_to(ROOT)}: {n} lines" for path in files
                  if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not long_files, f"files over {MAX_LINES} lines (split them by concept):\n" + "\n".join(long_files)
    top_level = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top_level) <= MAX_TOP_LEVEL_MODULES, (
        f"{len(top_level)} modules directly in ganlib/ (at most {MAX_TOP_LEVEL_MODULES}): {', '.join(top_level)}")
