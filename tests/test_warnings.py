"""A deprecation that ganlib's own call causes fails the test (pyproject.toml's ``filterwarnings``).

A small test file is written and run by pytest in a subprocess, with this repository's pyproject.toml as its
configuration. In it, ``torch.manual_seed`` is made to warn the way a library deprecates a function: at its
caller (``stacklevel=2``). Called by ganlib (``seed_everything``), the warning fails the test; called by the
test itself, it is only reported.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TESTS = '''
import warnings

import pytest
import torch

from ganlib.device import seed_everything


def deprecated(category, monkeypatch):
    """Make torch.manual_seed warn about itself at its caller, as a deprecated library function does."""
    manual_seed = torch.manual_seed

    def warning_manual_seed(seed):
        warnings.warn("manual_seed is going away", category, stacklevel=2)
        return manual_seed(seed)

    monkeypatch.setattr(torch, "manual_seed", warning_manual_seed)


@pytest.mark.parametrize("category", [DeprecationWarning, FutureWarning])
def test_called_by_ganlib(category, monkeypatch):
    deprecated(category, monkeypatch)
    seed_everything(0)


def test_called_by_the_test(monkeypatch):
    deprecated(DeprecationWarning, monkeypatch)
    torch.manual_seed(0)
'''


def test_a_deprecation_caused_by_ganlib_fails_the_test(tmp_path):
    (tmp_path / "test_deprecation.py").write_text(TESTS)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "test_deprecation.py", "-c", str(ROOT / "pyproject.toml"), "--rootdir", ".",
         "-p", "no:cacheprovider", "-q", "-rA"], cwd=tmp_path, env=env, capture_output=True, text=True)
    report = done.stdout
    for category in ("DeprecationWarning", "FutureWarning"):
        assert f"FAILED test_deprecation.py::test_called_by_ganlib[{category}]" in report, report
        assert f"E       {category}: manual_seed is going away" in report, report
    assert "PASSED test_deprecation.py::test_called_by_the_test" in report, report
    assert "2 failed, 1 passed" in report, report
