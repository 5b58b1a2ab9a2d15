"""The course's Python environment: one cached virtual environment per set of requirements, and a small
``.venv`` in each clone that runs that clone's ganlib. ``make`` calls this; it needs nothing but Python.

    python tools/venv.py          # what the course needs (make run, make lab)
    python tools/venv.py --test   # the same, plus the test tools (make test)

How it is laid out:

* The packages (PyTorch and the rest, several GB) are installed once, into
  ``VENV_ROOT/<key>`` (default ``~/.cache/ganlib/venvs``), where the key is a hash of requirements.txt and of
  ``TORCH_INDEX_URL``. A second clone, or CI, with the same requirements reuses it. The test tools of
  requirements-test.txt are added to it by ``--test``. ganlib itself is never installed there.
* Each clone gets its own ``.venv``: a virtual environment without packages of its own whose site-packages
  holds two path files, one that adds the cached environment's packages and one that puts this clone first
  for ``import ganlib``. So ``.venv/bin/python`` always runs the ganlib of the clone it sits in, even when
  several clones share one cached environment. Its ``share/`` points at the cached one's, where JupyterLab
  finds its application and the widgets' front end.

The first build prints how much it will download and shows pip's progress. ``TORCH_INDEX_URL`` (for example
PyTorch's CPU-only index, see the README) installs torch and torchvision from that index first.

A cached environment counts only once its last step has written ``.complete`` in it; a failed or interrupted
build is removed. The only folders this script ever deletes are cached environments (named by the 16-digit
hash, directly inside ``VENV_ROOT``) and this clone's own ``.venv``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
TEST_REQUIREMENTS = ROOT / "requirements-test.txt"
DEFAULT_VENV_ROOT = Path.home() / ".cache" / "ganlib" / "venvs"
COMPLETE = ".complete"  # written last, when every package of requirements.txt is installed
KEY = re.compile(r"[0-9a-f]{16}")
# Measured on Linux x86-64 with PyPI's wheels (CUDA libraries included) and with PyTorch's CPU-only wheels.
SIZE_NOTE = {
    "default": "about 3 GB to download and 6 GB on disk on Linux, most of it PyTorch's CUDA libraries "
    "(a CPU-only machine does not need them: see the README's TORCH_INDEX_URL)",
    "cpu": "about 0.5 GB to download and 1.5 GB on disk",
}


def key_of(requirements: Path, torch_index_url: str) -> str:
    """The cached environment's name: 16 hex digits of a hash of what it is built from."""
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(torch_index_url.encode())
    return digest.hexdigest()[:16]


def bin_dir(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin")


def python_of(venv: Path) -> Path:
    return bin_dir(venv) / ("python.exe" if os.name == "nt" else "python")


def site_packages(venv: Path) -> Path:
    """The folder where a virtual environment's own packages (and path files) live, as its Python says."""
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(subprocess.run([str(python_of(venv)), "-c", code], capture_output=True, text=True, check=True).stdout.strip())


def pip(venv: Path, *args: str) -> None:
    """Run pip in ``venv``, its progress shown; stop with pip's message if it fails."""
    command = [str(python_of(venv)), "-m", "pip", *args]
    if subprocess.run(command).returncode != 0:
        sys.exit(f"pip failed: {' '.join(command)}\nFix the cause above and run make again; nothing was kept of this attempt.")


def build(target: Path, torch_index_url: str) -> None:
    """Install requirements.txt into a new environment at ``target``; ``COMPLETE`` is written last."""
    note = SIZE_NOTE["cpu" if "cpu" in torch_index_url else "default"]
    print(f"Creating the course's Python environment (first time only, a few minutes): {note}.\n"
          f"It is kept in {target} and reused by every clone of the course.", flush=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
        if torch_index_url:
            pip(target, "install", "--index-url", torch_index_url, "torch", "torchvision")
        pip(target, "install", "-r", str(REQUIREMENTS))
    except BaseException:
        remove_cached(target)  # failed or interrupted: nothing half-made is kept
        raise
    (target / COMPLETE).write_text("requirements.txt installed\n")


def remove_cached(venv: Path) -> None:
    """Delete a cached environment: only ever a folder named by ``key_of``'s 16 hex digits."""
    if not KEY.fullmatch(venv.name):
        raise RuntimeError(f"refusing to delete {venv}: not a cached environment of the course")
    shutil.rmtree(venv, ignore_errors=True)


def add_test_tools(venv: Path) -> None:
    """Install requirements-test.txt into the cached environment, once per version of that file."""
    marker = venv / f".test-{key_of(TEST_REQUIREMENTS, '')}"
    if not marker.exists():
        print("Adding the test tools (pytest, nbval, playwright) to the environment.", flush=True)
        pip(venv, "install", "-r", str(TEST_REQUIREMENTS))
        marker.write_text("requirements-test.txt installed\n")


def link_clone(clone_venv: Path, shared: Path) -> None:
    """Make ``clone_venv`` a package-less environment that uses ``shared``'s packages and this clone's ganlib."""
    if clone_venv.is_symlink() or clone_venv.is_file():  # an older layout: .venv was a link to the cache
        clone_venv.unlink()
    shared_site = site_packages(shared)
    paths = {
        "ganlib-shared.pth": f"import site; site.addsitedir({str(shared_site)!r})\n",  # its .pth files too
        "ganlib-clone.pth": f"{ROOT}\n",
    }
    try:  # its Python fails to start if the cached environment it was made from is gone
        own_site = site_packages(clone_venv) if python_of(clone_venv).exists() else None
    except subprocess.CalledProcessError:
        own_site = None
    if own_site and all((own_site / name).is_file() and (own_site / name).read_text() == text for name, text in paths.items()):
        return
    if clone_venv.exists():
        shutil.rmtree(clone_venv)  # this clone's own .venv, rebuilt below
    subprocess.run([str(python_of(shared)), "-m", "venv", "--without-pip", str(clone_venv)], check=True)
    own_site = site_packages(clone_venv)
    for name, text in paths.items():
        (own_site / name).write_text(text)
    share = clone_venv / "share"
    if (shared / "share").is_dir() and not share.exists():
        try:
            share.symlink_to(shared / "share", target_is_directory=True)
        except OSError:  # no symbolic links (Windows without developer mode): Jupyter's files stay in the cache
            pass


def check(clone_venv: Path) -> None:
    """Fail unless ``clone_venv``'s Python imports ganlib from this clone."""
    found = subprocess.run([str(python_of(clone_venv)), "-c", "import ganlib; print(ganlib.__file__)"],
                           capture_output=True, text=True).stdout.strip()
    expected = ROOT / "ganlib" / "__init__.py"
    if not found or Path(found).resolve() != expected.resolve():
        sys.exit(f"{clone_venv} imports ganlib from {found or 'nowhere'}, not from {expected}; delete {clone_venv} and run make again")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--test", action="store_true", help="also install the test tools (requirements-test.txt)")
    parser.add_argument("--venv-root", type=Path, default=Path(os.environ.get("VENV_ROOT") or DEFAULT_VENV_ROOT),
                        help="where cached environments live (default: %(default)s, or $VENV_ROOT)")
    parser.add_argument("--print-key", action="store_true", help="print the cached environment's path and stop")
    args = parser.parse_args()

    torch_index_url = os.environ.get("TORCH_INDEX_URL", "")
    key = key_of(REQUIREMENTS, torch_index_url)
    assert KEY.fullmatch(key), key
    shared = args.venv_root.expanduser().resolve() / key
    if args.print_key:
        print(shared)
        return 0
    if not (shared / COMPLETE).exists():
        if shared.exists():  # an interrupted build of an older make
            remove_cached(shared)
        build(shared, torch_index_url)
    if args.test:
        add_test_tools(shared)
    clone_venv = ROOT / ".venv"
    link_clone(clone_venv, shared)
    check(clone_venv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
