"""The course as a learner gets it in Google Colab: Colab's package versions, the notebooks' own setup cell,
every notebook, and the sliders in the front end closest to Colab's widgets (make test-colab).

    python tools/colab_check.py            # everything below; exit 1 on the first failure
    python tools/colab_check.py --no-run   # the environment and the install only

1. An environment with exactly Colab's versions (tests/colab/colab-2026-08.txt), plus the tools Colab lacks
   at the floors the course declares (tests/colab/not-in-colab.txt), on Python 3.13 as in Colab where one is
   installed. It is cached under VENV_ROOT (default ~/.cache/ganlib/venvs), keyed by those files, and
   re-checked against them at every run.
2. A clone of this checkout's committed branch (the one pyproject.toml names), in a folder standing in for
   Colab's /content, installed by the setup cell of notebook 00, run as written (with ``google.colab`` loaded,
   the repository's URL replaced by this checkout), twice. Commit before you run it: it tests what is committed. Fails if pip changed any pinned package, or installed anything but ganlib.
3. In the clone: all nine notebooks executed, with the HTML site (benchmarks/notebooks.py, as ``make run``),
   and each exercise version run up to its first stub (nbval, lax: errors fail, outputs are not compared,
   since Colab's packages print other digits and widget reprs).
   A cell whose output is an error (IPython 7.34 prints, rather than raises, a failing display) fails too.
4. In the clone: the slider test in classic Notebook 6.5 with ipywidgets 7.7.1, the front end closest to
   Colab's widget support (tests/colab/test_classic_notebook.py, headless Chromium). JupyterLab shows no
   ipywidgets 7 widget (its widget manager registers only ipywidgets 8's modules), so JupyterLab's slider
   test runs in make test, with ipywidgets 8.

Prints each step's time and, at the end, the versions of the environment.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLAB_DIR = ROOT / "tests" / "colab"
COLAB_PINS = COLAB_DIR / "colab-2026-08.txt"
EXTRA_PINS = COLAB_DIR / "not-in-colab.txt"
COLAB_PYTHON = "3.13"
SETUP_NOTEBOOK = ROOT / "notebooks" / "00_start_here.ipynb"
DEFAULT_VENV_ROOT = Path.home() / ".cache" / "ganlib" / "venvs"
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)")


def canonical(name: str) -> str:
    """A distribution's name as pip compares names (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(*files: Path) -> dict[str, str]:
    """Every ``name==version`` line of the files, by canonical name."""
    found = {}
    for file in files:
        for line in file.read_text().splitlines():
            match = PIN.match(line.strip())
            if match:
                found[canonical(match.group(1))] = match.group(2)
    return found


def find_python() -> str:
    """A Python 3.13, as Colab runs (``COLAB_PYTHON`` in the environment names one), else this Python."""
    candidates = [os.environ.get("COLAB_PYTHON", ""), f"python{COLAB_PYTHON}",
                  *sorted(glob.glob(str(Path.home() / f".pyenv/versions/{COLAB_PYTHON}*/bin/python{COLAB_PYTHON}")))]
    for candidate in filter(None, candidates):
        try:
            done = subprocess.run([candidate, "-c", "import sys, venv; print(sys.version)"], capture_output=True, text=True)
        except OSError:
            continue
        if done.returncode == 0:
            return candidate
    print(f"No Python {COLAB_PYTHON} found (set COLAB_PYTHON): using {sys.version.split()[0]}, not Colab's Python.")
    return sys.executable


def step(title: str):
    """Print a step's title now and its time when the returned function is called."""
    print(f"\n== {title}", flush=True)
    start = time.perf_counter()
    return lambda: print(f"   {title}: {time.perf_counter() - start:.0f} s", flush=True)


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a command, its output shown; stop the check if it fails."""
    done = subprocess.run([str(part) for part in command], **kwargs)
    if done.returncode != 0:
        sys.exit(f"make test-colab: failed ({done.returncode}): {' '.join(map(str, command))}")
    return done


def installed(python: Path) -> dict[str, str]:
    """The distributions installed in the environment of ``python``, by canonical name."""
    code = "import importlib.metadata as m, json; print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    found = json.loads(run([python, "-c", code], capture_output=True, text=True).stdout)
    return {canonical(name): version for name, version in found.items()}


def environment(venv_root: Path) -> Path:
    """The cached environment with exactly the pinned versions; its Python."""
    base = find_python()
    version = subprocess.run([base, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True).stdout.strip()
    digest = hashlib.sha256(COLAB_PINS.read_bytes() + EXTRA_PINS.read_bytes() + version.encode()).hexdigest()[:16]
    venv = venv_root.expanduser() / f"colab-{digest}"
    python = venv / "bin" / "python"
    fresh = not (venv / ".complete").exists()
    if fresh:
        if venv.exists():  # a build that did not finish: only ever this colab-<hash> folder of the cache
            shutil.rmtree(venv)
        print(f"Creating the Colab environment {venv} (Python {version}; first time only: a few minutes, "
              "about 3 GB to download)", flush=True)
        run([base, "-m", "venv", venv])
        run([python, "-m", "pip", "install", "--upgrade", "pip"])
    # at every run: put back whatever an earlier run (or a person) changed, then check that it is exact
    run([python, "-m", "pip", "install", "--progress-bar", "off", "-r", COLAB_PINS, "-r", EXTRA_PINS],
        stdout=None if fresh else subprocess.DEVNULL)
    (venv / ".complete").write_text("")
    found = installed(python)
    wrong = {name: (version, found.get(name)) for name, version in pins(COLAB_PINS, EXTRA_PINS).items() if found.get(name) != version}
    if wrong:
        sys.exit(f"make test-colab: the environment does not hold the pinned versions: {wrong}")
    return python


def setup_cell(repository: str, content: Path) -> str:
    """Notebook 00's Colab setup cell, as written, pointed at ``repository`` and a stand-in for /content."""
    cells = json.loads(SETUP_NOTEBOOK.read_text())["cells"]
    (cell,) = [c for c in cells if "colab-setup" in c.get("metadata", {}).get("tags", [])]
    source = "".join(cell["source"])
    match = re.search(r'REPOSITORY, BRANCH, CLONE = "([^"]+)", "([^"]+)", "([^"]+)"', source)
    if not match:
        sys.exit("make test-colab: the setup cell no longer names REPOSITORY, BRANCH and CLONE: update tools/colab_check.py")
    url, _, clone = match.groups()
    return source.replace(f'"{url}"', json.dumps(repository)).replace(f'"{clone}"', json.dumps(str(content / "ganlib")))


def install_as_colab(python: Path, content: Path) -> Path:
    """Run the setup cell twice, as in a Colab notebook; fail if pip changed any pinned package."""
    before = installed(python)
    source = setup_cell(ROOT.as_uri(), content)  # a file:// URL, so that git honours --depth 1 as for GitHub
    program = ("import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')\n"
               f"exec(compile({source!r}, 'setup-cell', 'exec'))\nimport ganlib, os\nprint('ganlib from', ganlib.__file__, 'in', os.getcwd())")
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    for attempt in ("first", "second"):
        done = run([python, "-c", program], capture_output=True, text=True, env=env, cwd=content)
        print(f"   setup cell, {attempt} run:\n" + "".join(f"     {line}\n" for line in done.stdout.splitlines()), end="")
        if not done.stdout.startswith("Successfully installed ganlib-"):
            sys.exit(f"make test-colab: pip installed more than ganlib: {done.stdout.splitlines()[0]}")
    after = installed(python)
    changed = {name: (before.get(name), after.get(name)) for name in pins(COLAB_PINS, EXTRA_PINS) if before.get(name) != after.get(name)}
    if changed:
        sys.exit(f"make test-colab: installing the course changed Colab's packages (before, after): {changed}")
    if set(after) - set(before) - {"ganlib"}:
        sys.exit(f"make test-colab: installing the course added packages Colab lacks: {sorted(set(after) - set(before) - {'ganlib'})}")
    return content / "ganlib"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv-root", type=Path, default=Path(os.environ.get("VENV_ROOT") or DEFAULT_VENV_ROOT))
    parser.add_argument("--no-run", action="store_true", help="build and check the environment and the install only")
    args = parser.parse_args()
    total = time.perf_counter()

    done = step("Colab's packages")
    python = environment(args.venv_root)
    done()

    content = Path(tempfile.mkdtemp(prefix="ganlib-colab-content-"))
    try:
        done = step("the setup cell installs the course")
        clone = install_as_colab(python, content)
        done()
        if not args.no_run:
            env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
            env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # debugpy's note about Python 3.13's frozen modules, per kernel
            done = step("all nine notebooks, and the HTML site (benchmarks/notebooks.py)")
            run([python, "benchmarks/notebooks.py", "--output", content / "build"], cwd=clone, env=env)
            done()
            done = step("each exercise version up to its first stub (nbval, lax)")
            run([python, "-m", "pytest", "notebooks/exercises", "--nbval-lax", "--nbval-current-env",
                 "-p", "no:cacheprovider", "-q"], cwd=clone, env=env)
            done()
            done = step("the sliders in classic Notebook 6.5 with ipywidgets 7.7.1 (headless Chromium)")
            run([python, "-m", "pytest", "tests/colab/test_classic_notebook.py", "-p", "no:cacheprovider", "-q", "-s"],
                cwd=clone, env={**env, "GANLIB_COLAB_CHECK": "1"})
            done()
    finally:
        shutil.rmtree(content, ignore_errors=True)

    versions = installed(python)
    shown = ["python " + subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True).stdout.strip()]
    shown += [f"{name} {versions.get(name)}" for name in pins(COLAB_PINS, EXTRA_PINS) if name in versions]
    print(f"\nmake test-colab passed in {time.perf_counter() - total:.0f} s with: " + ", ".join(shown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
