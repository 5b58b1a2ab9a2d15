"""The two dependency lists must agree, and the layout the README promises must exist."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# conda-forge names a few packages differently from PyPI
CONDA_TO_PIP = {"pytorch": "torch"}


def _requirement(line: str) -> tuple[str, str] | None:
    line = line.split("#")[0].strip()
    if not line or line.startswith("-"):
        return None
    match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", line)
    assert match, f"cannot parse requirement {line!r}"
    return match.group(1).lower(), match.group(2).replace(" ", "")


def pip_requirements() -> dict[str, str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return dict(r for r in map(_requirement, lines) if r)


def conda_requirements() -> dict[str, str]:
    found = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("dependencies:", 1)[1].splitlines():
        item = re.fullmatch(r"\s*-\s+(.+)", line)
        if not item or item.group(1).rstrip(":") == "pip":
            continue
        parsed = _requirement(item.group(1))
        if parsed and parsed[0] not in ("python", "-e"):
            name, spec = parsed
            found[CONDA_TO_PIP.get(name, name)] = spec
    return found


def test_requirements_and_environment_declare_the_same_packages_and_bounds():
    assert pip_requirements() == conda_requirements()


def test_requirements_use_lower_bounds_only():
    for name, spec in pip_requirements().items():
        assert spec.startswith(">=") and "," not in spec, f"{name}{spec}: use a lower bound only (Colab brings its own)"


def test_course_packages_are_all_required():
    needed = {"jupyterlab", "torch", "torchvision", "numpy", "scipy", "matplotlib", "ipywidgets", "nbval", "tqdm", "pytest"}
    assert needed <= set(pip_requirements())


def test_layout_exists():
    for name in ("notebooks", "ganlib", "data", "tests", "benchmarks", "environment.yml", "requirements.txt",
                 "README.md", "pyproject.toml", "Makefile", ".ci/run", "data/README.md", "data/mnist-5k.npz"):
        assert (ROOT / name).exists(), name


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_info_command_reports_device_and_data():
    out = subprocess.run([sys.executable, "-m", "ganlib", "info"], capture_output=True, text=True, check=True).stdout
    assert "device" in out and "MNIST subset present" in out


def test_ganlib_imports_nothing_from_mlxtend():
    for path in (ROOT / "ganlib").rglob("*.py"):
        assert "mlxtend" not in path.read_text(), path
