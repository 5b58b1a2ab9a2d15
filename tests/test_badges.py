"""Every notebook opens in Colab: a badge and a setup cell first, generated from pyproject.toml.

The setup cell must do nothing outside Colab (strict nbval, local runs) and, inside Colab, fetch and
install the repository named in pyproject.toml. Both are checked by running the cell's code, turned
into plain Python by IPython, against a stand-in for ``get_ipython()`` that records what it would run:
no pip, git or network is involved.
"""

from __future__ import annotations

import re
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ganlib"]
REPOSITORY, BRANCH = CONFIG["repository"].rstrip("/").removesuffix(".git"), CONFIG["branch"]


def cells_of(path: Path) -> list[nbformat.NotebookNode]:
    return nbformat.read(path, as_version=4).cells


class FakeIPython:
    """Records the shell commands and magics a cell would run instead of running them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def system(self, command: str) -> None:
        self.calls.append(("!", command))

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1) -> None:
        self.calls.append(("%" + name, line))

    def run_cell_magic(self, name: str, line: str, cell: str) -> None:
        self.calls.append(("%%" + name, line, cell))

    def getoutput(self, command: str) -> list[str]:
        self.calls.append(("!", command))
        return []


def run_setup_cell(source: str, in_colab: bool, monkeypatch: pytest.MonkeyPatch) -> FakeIPython:
    """Execute the setup cell's code with or without ``google.colab`` among the loaded modules."""
    if in_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the cell may add the clone to sys.path
    shell = FakeIPython()
    exec(TransformerManager().transform_cell(source), {"get_ipython": lambda: shell, "__name__": "__main__"})
    return shell


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_starts_with_the_colab_badge_and_setup_cell(path: Path) -> None:
    cells = cells_of(path)
    badge, setup = cells[0], cells[1]
    url = f"https://colab.research.google.com/github/{REPOSITORY.removeprefix('https://github.com/')}/blob/{BRANCH}/notebooks/{path.name}"
    assert badge.cell_type == "markdown" and "colab-badge" in badge.metadata.get("tags", []), "run `make badges`"
    assert f"]({url})" in badge.source and "colab-badge.svg" in badge.source, f"the badge must link to {url}"
    exercises = url.replace("/notebooks/", "/notebooks/exercises/")
    assert "[![Open the exercises in Colab]" in badge.source and f"]({exercises})" in badge.source, (
        f"a second badge opens the exercise version, {exercises}"
    )
    assert setup.cell_type == "code" and "colab-setup" in setup.metadata.get("tags", []), "run `make badges`"
    assert not setup.outputs, "the setup cell shows nothing outside Colab"
    tags = [tag for cell in cells for tag in cell.metadata.get("tags", [])]
    assert tags.count("colab-badge") == tags.count("colab-setup") == 1


def test_badges_are_up_to_date_with_pyproject() -> None:
    done = subprocess.run([sys.executable, "tools/badges.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_setup_cell_does_nothing_outside_colab(path: Path, monkeypatch, capsys) -> None:
    before = list(sys.path)
    shell = run_setup_cell(cells_of(path)[1].source, in_colab=False, monkeypatch=monkeypatch)
    assert shell.calls == [], "outside Colab the setup cell must run no command or magic"
    assert capsys.readouterr() == ("", ""), "outside Colab the setup cell must print nothing (strict nbval)"
    assert sys.path == before


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_setup_cell_installs_the_repository_inside_colab(path: Path, monkeypatch, capsys) -> None:
    shell = run_setup_cell(cells_of(path)[1].source, in_colab=True, monkeypatch=monkeypatch)
    commands = [" ".join(call[1:]) for call in shell.calls]
    clone = next((c for c in commands if "git clone" in c), None)
    assert clone and REPOSITORY in clone and f"--branch {BRANCH}" in clone, f"no clone of {REPOSITORY}@{BRANCH} in {commands}"
    target = clone.split()[-1]
    assert ("%pip", f"install --quiet -e {target}") in shell.calls, "the clone (with its data/) is installed"
    assert sys.path[0] == target, "ganlib is importable from the clone without restarting the runtime"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_sets_the_device_and_training_scale(path: Path) -> None:
    """The convention of CONTRIBUTING.md: DEVICE and SCALE are set once, at the top of the notebook."""
    code = [c for c in cells_of(path) if c.cell_type == "code" and "colab-setup" not in c.metadata.get("tags", [])]
    assert code, "no code cell after the setup cell"
    first = code[0].source
    device = re.search(r"^(DEVICE|device) = get_device\(\)", first, re.M)
    assert device, "the first code cell sets DEVICE = get_device()"
    assert re.search(rf"^SCALE = .*\b{device.group(1)}\.type == \"cuda\"", first, re.M), (
        'the first code cell sets SCALE = 4 if DEVICE.type == "cuda" else 1, the training-budget multiplier'
    )


def test_check_mode_notices_a_stale_badge(tmp_path: Path) -> None:
    """`badges.py --check` must fail on a notebook whose badge points elsewhere (so the test above can fail)."""
    notebook = nbformat.read(NOTEBOOKS[0], as_version=4)
    notebook.cells[0].source = notebook.cells[0].source.replace(f"/blob/{BRANCH}/", "/blob/some-other-branch/")
    stale = tmp_path / NOTEBOOKS[0].name
    nbformat.write(notebook, stale)
    done = subprocess.run([sys.executable, "tools/badges.py", "--check", str(stale)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1 and stale.name in done.stderr
    subprocess.run([sys.executable, "tools/badges.py", str(stale)], cwd=ROOT, check=True, capture_output=True)
    assert f"/blob/{BRANCH}/notebooks/{stale.name})" in nbformat.read(stale, as_version=4).cells[0].source
