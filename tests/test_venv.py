"""tools/venv.py, the environment `make` builds: one cached environment per requirements.txt, a small .venv per
clone that imports that clone's ganlib, no GNU-only tools, and nothing deleted outside what it built.

Each test copies the Makefile and tools/venv.py into a temporary "clone" with an empty requirements.txt and a
one-line ganlib, so building takes seconds and needs no network.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def make_clone(folder: Path, requirements: str = "") -> Path:
    (folder / "tools").mkdir(parents=True)
    shutil.copy(ROOT / "tools" / "venv.py", folder / "tools" / "venv.py")
    shutil.copy(ROOT / "Makefile", folder / "Makefile")
    (folder / "requirements.txt").write_text(requirements)
    (folder / "requirements-test.txt").write_text("-r requirements.txt\n")
    (folder / "ganlib").mkdir()
    (folder / "ganlib" / "__init__.py").write_text(f"CLONE = {folder.name!r}\n")
    return folder


def tool_path(folder: Path) -> str:
    """A PATH with only make, bash and python3: no sha256sum or other coreutils."""
    folder.mkdir()
    python = Path(getattr(sys, "_base_executable", sys.executable))
    for name, target in {"make": shutil.which("make"), "bash": shutil.which("bash"), "python3": str(python)}.items():
        assert target, f"{name} is needed for this test"
        (folder / name).symlink_to(target)
    return str(folder)


def snapshot(folder: Path) -> dict[str, float]:
    """Every path under ``folder`` with its modification time (Python's own __pycache__ aside)."""
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*") if "__pycache__" not in p.parts}


def test_make_venv_needs_no_sha256sum_and_touches_nothing_else(tmp_path: Path) -> None:
    clone, cache = make_clone(tmp_path / "clone"), tmp_path / "cache"
    neighbour = cache / "0123456789abcdef"  # another cached environment, and a file beside them
    neighbour.mkdir(parents=True)
    (neighbour / ".complete").write_text("")
    (cache / "notes.txt").write_text("mine")
    before_cache, before_clone = snapshot(cache), snapshot(clone)
    env = {"PATH": tool_path(tmp_path / "bin"), "HOME": str(tmp_path / "home"), "VENV_ROOT": str(cache)}
    assert shutil.which("sha256sum", path=env["PATH"]) is None
    done = subprocess.run(["make", "venv"], cwd=clone, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Creating the course's Python environment" in done.stdout and "GB" in done.stdout, "the first build says how big it is"
    made = set(snapshot(cache)) - set(before_cache)
    (key,) = {path.split(os.sep)[0] for path in made}
    assert len(key) == 16 and (cache / key / ".complete").exists()
    assert {path: stamp for path, stamp in snapshot(cache).items() if path in before_cache} == before_cache
    assert set(snapshot(clone)) - set(before_clone) == {p for p in snapshot(clone) if p.startswith(".venv")}


def test_each_clone_runs_its_own_ganlib_from_one_cached_environment(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, "VENV_ROOT": str(cache)}
    env.pop("PYTHONPATH", None)
    for name in ("first", "second"):
        clone = make_clone(tmp_path / name)
        done = subprocess.run([sys.executable, "tools/venv.py"], cwd=clone, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert ("Creating" in done.stdout) == (name == "first"), "the second clone reuses the cached environment"
    assert len(list(cache.iterdir())) == 1
    for name in ("first", "second"):
        python = tmp_path / name / ".venv" / "bin" / "python"
        found = subprocess.run([python, "-c", "import ganlib; print(ganlib.CLONE)"], cwd=tmp_path, env=env,
                               capture_output=True, text=True)
        assert found.stdout.strip() == name, found.stderr


def test_an_old_link_to_the_cache_is_replaced_not_followed(tmp_path: Path) -> None:
    """Older Makefiles made .venv a symbolic link into the cache: it must go without harm to what it points at."""
    clone, cache = make_clone(tmp_path / "clone"), tmp_path / "cache"
    old = cache / "fedcba9876543210"
    old.mkdir(parents=True)
    (old / "keep.txt").write_text("still here")
    (clone / ".venv").symlink_to(old)
    env = {**os.environ, "VENV_ROOT": str(cache)}
    done = subprocess.run([sys.executable, "tools/venv.py"], cwd=clone, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (old / "keep.txt").read_text() == "still here" and not (clone / ".venv").is_symlink()


def test_a_failed_build_leaves_nothing_behind(tmp_path: Path) -> None:
    clone, cache = make_clone(tmp_path / "clone", requirements="ganlib-no-such-package==0.0.1\n"), tmp_path / "cache"
    env = {**os.environ, "VENV_ROOT": str(cache), "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path)}
    done = subprocess.run([sys.executable, "tools/venv.py"], cwd=clone, env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "pip failed" in done.stderr
    assert list(cache.iterdir()) == [], "a half-made environment would be taken for a complete one next time"


@pytest.mark.parametrize("url", ["", "https://download.pytorch.org/whl/cpu"])
def test_the_cache_key_covers_requirements_and_the_torch_index(url: str, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("ganlib_venv_tool", ROOT / "tools" / "venv.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("numpy>=2\n")
    key = tool.key_of(requirements, url)
    assert tool.KEY.fullmatch(key)
    assert key != tool.key_of(requirements, url + "x")
    requirements.write_text("numpy>=2.1\n")
    assert key != tool.key_of(requirements, url)


def test_make_run_installs_the_course_and_make_test_adds_the_test_tools() -> None:
    targets = dict(line.split(":", 1) for line in (ROOT / "Makefile").read_text().splitlines()
                   if line[:1].isalpha() and ":" in line and not line.startswith(("export", "SHELL", "PY")))
    assert targets["run"].split() == ["venv"] and targets["lab"].split() == ["venv"]
    assert targets["test"].split() == ["venv-test"]
    course = (ROOT / "requirements.txt").read_text()
    assert all(tool not in course for tool in ("pytest", "nbval", "playwright")), "test tools belong to requirements-test.txt"
