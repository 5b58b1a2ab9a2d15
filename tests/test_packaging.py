"""The four dependency declarations agree, every floor is a version a test runs, and the promised layout exists.

The dependencies come in three groups: *runtime* (what ganlib imports), *course* (JupyterLab, the kernel and
the tools that run the notebooks) and *test* (the test tools). Four files declare them:

    pyproject.toml          [project] dependencies = runtime; optional groups ``course`` and ``test``
    requirements.txt        runtime + course                    (make run, make lab)
    requirements-test.txt   ``-r requirements.txt`` + test      (make test)
    environment.yml         runtime + course + test, for conda (conda-forge names: pytorch for torch)

Every bound is a floor (``>=``), and every floor is a version that a test environment installs: make test-colab
installs exactly the ``==`` pins of tests/colab/ (Colab's own versions, and the tools Colab lacks at their
floor). tests/test_dependencies.py checks that every module the code imports is declared in the right group.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN_FILES = sorted((ROOT / "tests" / "colab").glob("*.txt"))
CONDA_TO_PYPI = {"pytorch": "torch"}  # conda-forge names a few packages differently from PyPI
REQUIREMENT = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<spec>.*)")
FLOOR = re.compile(r">=(?P<version>\d+(?:\.\d+)*)")


def normalise(name: str) -> str:
    """A distribution's name as pip compares names (PEP 503): ``jupyter_client`` and ``Jupyter-Client`` are one."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(requirements: Iterable[str]) -> dict[str, str]:
    """Requirements such as ``"torch>=2.11.0"`` as ``{normalised name: specifier}``; each name once."""
    found = {}
    for requirement in requirements:
        match = REQUIREMENT.fullmatch(requirement.strip())
        assert match, f"cannot parse the requirement {requirement!r}"
        name = normalise(match["name"])
        assert name not in found, f"{name} is declared twice"
        found[name] = match["spec"].replace(" ", "")
    return found


def groups() -> dict[str, dict[str, str]]:
    """pyproject.toml's groups: ``runtime`` ([project] dependencies) and each optional group."""
    project = PYPROJECT["project"]
    optional = {group: declared(requirements) for group, requirements in project["optional-dependencies"].items()}
    return {"runtime": declared(project["dependencies"]), **optional}


def union(*declarations: dict[str, str]) -> dict[str, str]:
    """The declarations together; a name in two of them would be declared twice."""
    return declared(f"{name}{spec}" for declaration in declarations for name, spec in declaration.items())


def requirements_file(name: str) -> tuple[list[str], dict[str, str]]:
    """A pip requirements file: the files it includes with ``-r``, and its own requirements."""
    includes, requirements = [], []
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r"):
            includes.append(line.removeprefix("-r").strip())
        elif line:
            requirements.append(line)
    return includes, declared(requirements)


def environment() -> dict[str, str]:
    """environment.yml's packages, conda's and its pip section's, by PyPI name; ``python`` among them."""
    items = []
    for line in (ROOT / "environment.yml").read_text().split("dependencies:", 1)[1].splitlines():
        item = re.fullmatch(r"\s*-\s+(.+?)\s*", line.split("#")[0])
        if item and item[1] not in ("pip", "pip:", "-e ."):  # pip itself, and ganlib from this folder
            items.append(item[1])
    return {CONDA_TO_PYPI.get(name, name): spec for name, spec in declared(items).items()}


def pins() -> dict[str, str]:
    """The ``name==version`` lines of tests/colab/*.txt, the versions make test-colab installs."""
    found = {}
    for path in PIN_FILES:
        for line in path.read_text().splitlines():
            pin = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line.split("#")[0].strip())
            if pin:
                found[normalise(pin[1])] = pin[2]
    return found


def python_floor() -> str:
    """requires-python's floor, ``"3.11"`` for ``>=3.11``."""
    floor = FLOOR.fullmatch(PYPROJECT["project"]["requires-python"])
    assert floor, "requires-python must be a lower bound only, such as >=3.11"
    return floor["version"]


# ------------------------------------------------------------------------------------- the four declarations

def test_pyproject_has_the_course_and_test_groups():
    assert set(PYPROJECT["project"]["optional-dependencies"]) == {"course", "test"}


def test_requirements_txt_is_runtime_and_course():
    includes, requirements = requirements_file("requirements.txt")
    assert includes == []
    assert requirements == union(groups()["runtime"], groups()["course"])


def test_requirements_test_txt_is_requirements_txt_and_the_test_group():
    includes, requirements = requirements_file("requirements-test.txt")
    assert includes == ["requirements.txt"]
    assert requirements == groups()["test"]


def test_environment_declares_every_group_with_the_same_bounds():
    packages = environment()
    assert packages.pop("python") == PYPROJECT["project"]["requires-python"]
    assert packages == union(*groups().values())


def test_tools_that_no_file_imports_are_declared():
    """tests/test_dependencies.py finds what the code imports; these are run, not imported."""
    assert {"jupyterlab", "ipykernel"} <= set(groups()["course"])
    assert "nbval" in groups()["test"]


# --------------------------------------------------------------------------------- floors that a test runs

def test_bounds_are_lower_bounds_only():
    python_floor()  # asserts that requires-python is one too
    for name, spec in union(*groups().values()).items():
        assert FLOOR.fullmatch(spec), f"{name}{spec}: declare a lower bound only, >=X.Y.Z (Colab brings its own)"


@pytest.mark.parametrize("name", sorted(union(*groups().values())))
def test_every_floor_is_a_version_that_a_test_environment_installs(name):
    spec, pinned = union(*groups().values())[name], pins().get(name)
    assert spec == f">={pinned}", (
        f"{name}{spec}, but tests/colab/ pins {name}=={pinned}: make test-colab installs the pins, so the floor must be "
        f"one of them (Colab's version, or, for a tool Colab lacks, its line in not-in-colab.txt)")


def test_python_floor_is_the_python_that_make_test_runs():
    """make test runs in .venv, the oldest Python a test runs (make test-colab runs Colab's, 3.13)."""
    config = ROOT / ".venv" / "pyvenv.cfg"
    if not config.exists():
        pytest.skip("no .venv yet: make builds it")
    version = re.search(r"^version(?:_info)?\s*=\s*(\d+\.\d+)", config.read_text(), re.MULTILINE)
    assert version, f"{config} names no Python version"
    assert python_floor() == version[1], (
        f"requires-python is >={python_floor()}, but .venv runs Python {version[1]}: declare the Python a test runs")


# ------------------------------------------------------------------------------------------------ the layout

def test_layout_exists():
    for name in ("notebooks", "ganlib", "data", "tests", "benchmarks", "environment.yml", "requirements.txt",
                 "requirements-test.txt", "README.md", "pyproject.toml", "Makefile", ".ci/run", "data/README.md",
                 "data/mnist-5k.npz", "tests/colab"):
        assert (ROOT / name).exists(), name


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_info_command_reports_device_and_data():
    out = subprocess.run([sys.executable, "-m", "ganlib", "info"], capture_output=True, text=True, check=True).stdout
    assert "device" in out and "MNIST subset present" in out


def test_ganlib_imports_nothing_from_mlxtend():
    for path in (ROOT / "ganlib").rglob("*.py"):
        assert "mlxtend" not in path.read_text(), path
