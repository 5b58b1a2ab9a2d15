"""Every notebook opens in Colab: a badge and a setup cell first, generated from pyproject.toml.

The setup cell must do nothing outside Colab (strict nbval, local runs) and, inside Colab, fetch and
install the repository named in pyproject.toml, stop with a clear message when either fails, and be safe
to run twice. These tests run the cell's code with ``subprocess.run`` replaced by a stand-in that records
the commands (no pip, git or network); make test-colab (tools/colab_check.py) runs it for real, in Colab's
package versions.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = sorted((ROOT / "notebooks" / "exercises").glob("[0-9][0-9]_*.ipynb"))
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ganlib"]
REPOSITORY, BRANCH = CONFIG["repository"].rstrip("/").removesuffix(".git"), CONFIG["branch"]


def cells_of(path: Path) -> list[nbformat.NotebookNode]:
    return nbformat.read(path, as_version=4).cells


class FakeCommands:
    """Stands in for ``subprocess.run``: records each command and answers with the given exit code."""

    def __init__(self, clone_fails: bool = False, pip_fails: bool = False) -> None:
        self.commands: list[list[str]] = []
        self.clone_fails, self.pip_fails = clone_fails, pip_fails

    def __call__(self, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        self.commands.append(list(command))
        failed = (self.clone_fails and "clone" in command) or (self.pip_fails and "pip" in command)
        if failed:
            return subprocess.CompletedProcess(command, 1, "", "fatal: repository not found")
        return subprocess.CompletedProcess(command, 0, "Obtaining file:///content/ganlib\nSuccessfully installed ganlib-0.1.0\n", "")


def run_setup_cell(source: str, in_colab: bool, monkeypatch: pytest.MonkeyPatch, commands: FakeCommands,
                   existing: set[str] = frozenset()) -> list[str]:
    """Execute the setup cell's code with or without ``google.colab`` among the loaded modules; ``existing``
    are the folders that already exist. Returns the folders it moved into."""
    if in_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the cell may add the clone to sys.path
    monkeypatch.setattr(subprocess, "run", commands)
    monkeypatch.setattr(os.path, "isdir", lambda path: path in existing)
    moved: list[str] = []
    monkeypatch.setattr(os, "chdir", moved.append)
    exec(compile(source, "setup-cell", "exec"), {"__name__": "__main__"})
    return moved


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


@pytest.mark.parametrize("path", NOTEBOOKS + EXERCISES, ids=lambda p: p.parent.name + "/" + p.stem)
def test_setup_cell_does_nothing_outside_colab(path: Path, monkeypatch, capsys) -> None:
    before, commands = list(sys.path), FakeCommands()
    moved = run_setup_cell(cells_of(path)[1].source, in_colab=False, monkeypatch=monkeypatch, commands=commands)
    assert commands.commands == [] and moved == [], "outside Colab the setup cell must run no command"
    assert capsys.readouterr() == ("", ""), "outside Colab the setup cell must print nothing (strict nbval)"
    assert sys.path == before


@pytest.mark.parametrize("path", NOTEBOOKS + EXERCISES, ids=lambda p: p.parent.name + "/" + p.stem)
def test_setup_cell_installs_the_repository_inside_colab(path: Path, monkeypatch, capsys) -> None:
    commands = FakeCommands()
    moved = run_setup_cell(cells_of(path)[1].source, in_colab=True, monkeypatch=monkeypatch, commands=commands)
    clone, install = commands.commands
    assert clone[:2] == ["git", "clone"] and REPOSITORY in clone and clone[clone.index("--branch") + 1] == BRANCH
    target = clone[-1]
    assert install == [sys.executable, "-m", "pip", "install", "-e", target], "the clone (with its data/) is installed, pip's output kept"
    assert sys.path[0] == target, "ganlib is importable from the clone without restarting the runtime"
    folder = "notebooks/exercises" if path.parent.name == "exercises" else "notebooks"
    assert moved == [f"{target}/{folder}"], "the notebook runs in its own folder of the clone"
    assert capsys.readouterr().out == "Successfully installed ganlib-0.1.0\n", "pip's last line, which Colab reads"


def test_setup_cell_can_run_twice(monkeypatch, capsys) -> None:
    source, commands = cells_of(NOTEBOOKS[0])[1].source, FakeCommands()
    run_setup_cell(source, in_colab=True, monkeypatch=monkeypatch, commands=commands)
    target = commands.commands[0][-1]
    again = FakeCommands()  # sys.path stays as the first run left it
    run_setup_cell(source, in_colab=True, monkeypatch=monkeypatch, commands=again, existing={target})
    assert [command[:2] for command in again.commands] == [[sys.executable, "-m"]], "the clone is there: no second clone"
    assert sys.path.count(target) == 1


@pytest.mark.parametrize("failing", ["clone", "pip"])
def test_setup_cell_stops_with_a_clear_message(failing: str, monkeypatch) -> None:
    commands = FakeCommands(clone_fails=failing == "clone", pip_fails=failing == "pip")
    with pytest.raises(SystemExit) as stop:
        run_setup_cell(cells_of(NOTEBOOKS[0])[1].source, in_colab=True, monkeypatch=monkeypatch, commands=commands)
    message = str(stop.value)
    assert REPOSITORY in message and "repository not found" in message, "names the repository and passes on the cause"
    if failing == "clone":
        assert "make badges" in message and BRANCH in message, "tells a fork how to point the notebooks at itself"
        assert len(commands.commands) == 1, "nothing is installed after a failed clone"


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
