"""Every third-party module the course imports is declared directly, in a group installed where the import runs.

Where code runs decides which dependency groups it can count on (tests/test_packaging.py describes them):

    ganlib/                              runtime                  pip install ganlib
    notebooks/, tools/, benchmarks/      runtime + course         make run, make lab, make student, ...
    tests/                               runtime + course + test  make test

Imports are read with ``ast``, wherever they are: at the top, inside functions, ``try`` blocks and
``if TYPE_CHECKING:``. A module is mapped to the distributions that install it with
``importlib.metadata.packages_distributions()``. A module that only arrives as a dependency of a dependency
(IPython through ipykernel, PIL through matplotlib) must be declared all the same: the dependency may drop it,
and its floor would be nobody's to test. The standard library and the repository's own modules are exempt.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import tomllib
from collections.abc import Iterator
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
# Each place: the files of its code, and the groups installed where it runs. The last group is the one the place
# adds: a module that only this place imports is declared there.
PLACES = {
    "ganlib": (["ganlib/**/*.py"], ("runtime",)),
    "notebooks": (["notebooks/*.ipynb", "notebooks/exercises/*.ipynb"], ("runtime", "course")),
    "tools": (["tools/**/*.py"], ("runtime", "course")),
    "benchmarks": (["benchmarks/**/*.py"], ("runtime", "course")),
    "tests": (["tests/**/*.py"], ("runtime", "course", "test")),
}
# The repository's own modules: ganlib, and the scripts of these folders, which import each other by putting
# their folder on sys.path (tests/test_readme_results.py imports benchmarks/quality.py).
LOCAL_MODULES = {"ganlib"} | {path.stem for folder in ("notebooks", "tools", "benchmarks", "tests")
                              for path in (ROOT / folder).rglob("*.py")}

# Where a module needed by each group is declared (tests/test_packaging.py keeps the files in step).
DECLARED_IN = {
    "runtime": "pyproject.toml's [project] dependencies, requirements.txt, environment.yml",
    "course": "pyproject.toml's optional course, requirements.txt, environment.yml",
    "test": "pyproject.toml's optional test, requirements-test.txt, environment.yml",
}

def normalise(name: str) -> str:
    """A distribution's name as pip compares names (PEP 503): ``jupyter_client`` is ``jupyter-client``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def declared_groups() -> dict[str, set[str]]:
    """pyproject.toml's groups (``runtime`` is [project] dependencies) as sets of normalised names."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = {"runtime": project["dependencies"], **project["optional-dependencies"]}
    return {group: {normalise(re.match(r"[A-Za-z0-9._-]+", requirement).group(0)) for requirement in listed}
            for group, listed in requirements.items()}


@cache
def distributions() -> dict[str, set[str]]:
    """The installed distributions that provide each top-level module, by normalised name."""
    return {module: set(map(normalise, names)) for module, names in packages_distributions().items()}


def imported_modules(source: str) -> set[str]:
    """The top-level modules that ``source`` imports absolutely, anywhere in it (``a`` for ``import a.b``)."""
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:  # level > 0: a relative, so local, import
            modules.add(node.module.split(".")[0])
    return modules


def cell_python(source: str) -> str:
    """A notebook cell as plain Python: IPython turns ``%magic`` and ``!command`` lines into calls."""
    return TransformerManager().transform_cell(source)


def sources(patterns: list[str]) -> Iterator[tuple[str, str]]:
    """``(where, Python source)`` for each file that matches the patterns, and for each code cell of a notebook."""
    for path in (path for pattern in patterns for path in sorted(ROOT.glob(pattern))):
        where = str(path.relative_to(ROOT))
        if path.suffix != ".ipynb":
            yield where, path.read_text(encoding="utf-8")
            continue
        for number, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"], start=1):
            if cell["cell_type"] == "code":
                source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                yield f"{where}, cell {number}", cell_python(source)


def undeclared(where: str, source: str, groups: tuple[str, ...]) -> list[str]:
    """What ``source`` imports that no distribution of ``groups`` provides, each with the fix: declare it in
    the last of ``groups``, the one that the place adds."""
    available = set().union(*(declared_groups()[group] for group in groups))
    declare_in = f"the {groups[-1]} group ({DECLARED_IN[groups[-1]]})"
    problems = []
    for module in sorted(imported_modules(source) - sys.stdlib_module_names - LOCAL_MODULES):
        providers = distributions().get(module, set())
        if not providers:
            problems.append(f"{where}: imports {module}, which no installed distribution provides: drop the import, "
                            f"or install the distribution that provides it and declare it in {declare_in}")
        elif not providers & available:
            problems.append(f"{where}: imports {module}, from {' or '.join(sorted(providers))}, not declared in "
                            f"{' or '.join(groups)}: declare it in {declare_in}, its floor the version tests/colab/ pins")
    return problems


@pytest.mark.parametrize("place", PLACES)
def test_every_imported_module_is_declared_where_it_runs(place):
    patterns, groups = PLACES[place]
    problems = [problem for where, source in sources(patterns) for problem in undeclared(where, source, groups)]
    assert not problems, "\n".join(problems)


# -------------------------------------------------------------------------------- the check itself can fail

SYNTHETIC = """
from typing import TYPE_CHECKING

import json
import numpy as np
from ganlib.device import get_device
from . import sibling

if TYPE_CHECKING:
    from IPython.display import HTML


def load():
    try:
        import pytest
    except ImportError:
        pytest = None
"""


def test_an_undeclared_import_is_found_wherever_it_is():
    """IPython (under TYPE_CHECKING, and brought only by ipykernel) and pytest (in a function's try) are not
    runtime dependencies; the standard library, numpy and the repository's own modules are fine."""
    assert imported_modules(SYNTHETIC) == {"typing", "json", "numpy", "ganlib", "IPython", "pytest"}
    problems = undeclared("ganlib/example.py", SYNTHETIC, ("runtime",))
    assert [problem.split(",")[0] for problem in problems] == ["ganlib/example.py: imports IPython",
                                                               "ganlib/example.py: imports pytest"]
    assert all("declare it in the runtime group (pyproject.toml's [project] dependencies" in problem for problem in problems)
    assert undeclared("tests/example.py", SYNTHETIC, ("runtime", "course", "test")) == []


def test_a_module_that_nothing_installs_is_found():
    (problem,) = undeclared("tools/example.py", "import no_such_module_anywhere", ("runtime", "course"))
    assert problem.startswith("tools/example.py: imports no_such_module_anywhere, which no installed distribution")


def test_notebook_magics_are_not_read_as_python():
    cell = "%matplotlib inline\n!pip list\nfiles = !ls\nimport scipy.stats"
    assert imported_modules(cell_python(cell)) == {"scipy"}
