"""Give every notebook an "Open in Colab" badge and a Colab setup cell, both written from pyproject.toml.

    python tools/badges.py                       # rewrite every notebook in notebooks/ (make badges)
    python tools/badges.py notebooks/01_*.ipynb  # only these notebooks (or --only 01_, make badges NB=01_)
    python tools/badges.py --check               # change nothing; exit 1 if a notebook is out of date

The repository and branch are named once, in pyproject.toml:

    [tool.ganlib]
    repository = "https://github.com/OWNER/REPO"
    branch = "main"

Each notebook then starts with two cells, found again on the next run by their tags:

1. a markdown cell tagged ``colab-badge``: two badges, "Open In Colab" linking to
   https://colab.research.google.com/github/OWNER/REPO/blob/BRANCH/notebooks/NAME.ipynb and "Open the
   exercises in Colab" linking to the exercise version, ``notebooks/exercises/NAME.ipynb``;
2. a code cell tagged ``colab-setup``: inside Colab only, it clones the repository (so ``data/`` with the
   MNIST subset and the checkpoints comes along), installs ganlib from the clone and makes it importable
   without restarting the runtime. Anywhere else it prints nothing and changes nothing, so strict nbval
   passes and a local run is unaffected.

Running the script again replaces both cells wherever they are, so it is safe to re-run after the
repository or branch changes. Everything else in the notebook is left as it is.

The exercise versions (written by ``tools/student.py``, which calls :func:`with_colab_cells` with
``exercises=True``) get the same two cells: one badge, to themselves, and a setup cell that ends in
``notebooks/exercises``.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat


ROOT = Path(__file__).resolve().parent.parent
BADGE_TAG, SETUP_TAG = "colab-badge", "colab-setup"
CLONE = "/content/ganlib"  # where the setup cell puts the repository inside Colab

SVG = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE = (
    f"[![Open In Colab]({SVG})]({{url}}) &nbsp; [![Open the exercises in Colab]({SVG})]({{exercises_url}})\n\n"
    "The second badge opens **the exercises**: this notebook with every solution left for you to write."
)
EXERCISE_BADGE = (
    f"[![Open the exercises in Colab]({SVG})]({{url}})\n\n"
    "**The exercises**: every solution is a stub for you to write, and the self-check below it tells you when "
    "it is right. The worked version, with every output, is [../{name}](../{name})."
)
SETUP = f"""\
# Setup for Google Colab: fetch the course (ganlib and its data/) and install it. Elsewhere this does nothing.
import os, subprocess, sys

if "google.colab" in sys.modules:
    REPOSITORY, BRANCH, CLONE = "{{repository}}", "{{branch}}", "{CLONE}"
    if not os.path.isdir(CLONE):
        git = ["git", "clone", "--quiet", "--depth", "1", "--branch", BRANCH, REPOSITORY, CLONE]
        clone = subprocess.run(git, capture_output=True, text=True)
        if clone.returncode != 0:
            raise SystemExit(f"Could not clone {{{{REPOSITORY}}}} (branch {{{{BRANCH}}}}): {{{{clone.stderr.strip()}}}}\\n"
                             "Check the address and the network. A fork? Name it under [tool.ganlib] in "
                             "pyproject.toml and run `make badges`.")
    # Colab's own packages satisfy the course, so pip only adds ganlib, upgrades nothing, and needs no restart
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-e", CLONE], capture_output=True, text=True)
    if pip.returncode != 0:
        raise SystemExit(f"Could not install ganlib from {{{{CLONE}}}} (cloned from {{{{REPOSITORY}}}}):\\n{{{{pip.stderr.strip()}}}}")
    print(pip.stdout.strip().splitlines()[-1])  # "Successfully installed ganlib-...": nothing else
    if CLONE not in sys.path:
        sys.path.insert(0, CLONE)  # import ganlib now, without restarting the runtime
    os.chdir(CLONE + "/notebooks{{folder}}")"""


def settings(pyproject: Path = ROOT / "pyproject.toml") -> tuple[str, str]:
    """The repository URL and branch from ``[tool.ganlib]``."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}).get("ganlib", {})
    missing = [key for key in ("repository", "branch") if not config.get(key)]
    if missing:
        sys.exit(f"{pyproject}: set {', '.join(missing)} under [tool.ganlib], e.g. repository = \"https://github.com/OWNER/REPO\"")
    return config["repository"].rstrip("/").removesuffix(".git"), config["branch"]


def colab_url(repository: str, branch: str, notebook: str) -> str:
    """Colab's address for a notebook of a GitHub repository (``notebook``: its path under ``notebooks/``)."""
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", repository)
    if not match:
        sys.exit(f"Colab opens notebooks from GitHub: repository must look like https://github.com/OWNER/REPO, got {repository!r}")
    owner, repo = match.groups()
    return f"https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/notebooks/{notebook}"


def colab_cells(notebook_name: str, repository: str, branch: str, exercises: bool = False) -> list[nbformat.NotebookNode]:
    """The badge cell and the setup cell for a notebook or, with ``exercises``, for its exercise version
    (fixed ids, so a rewrite is deterministic)."""
    exercises_url = colab_url(repository, branch, f"exercises/{notebook_name}")
    if exercises:
        text = EXERCISE_BADGE.format(url=exercises_url, name=notebook_name)
    else:
        text = BADGE.format(url=colab_url(repository, branch, notebook_name), exercises_url=exercises_url)
    badge = nbformat.v4.new_markdown_cell(text, id=BADGE_TAG, metadata={"tags": [BADGE_TAG]})
    setup = nbformat.v4.new_code_cell(
        SETUP.format(repository=repository, branch=branch, folder="/exercises" if exercises else ""),
        id=SETUP_TAG,
        metadata={"tags": [SETUP_TAG]},
    )
    return [badge, setup]


def with_colab_cells(
    notebook: nbformat.NotebookNode, name: str, repository: str, branch: str, exercises: bool = False
) -> nbformat.NotebookNode:
    """The notebook (or, with ``exercises``, its exercise version) with its badge and setup cells (re)written at the top."""
    tagged = {BADGE_TAG, SETUP_TAG}
    old = {tag: cell for cell in notebook.cells for tag in cell.metadata.get("tags", []) if tag in tagged}
    rest = [cell for cell in notebook.cells if not tagged & set(cell.metadata.get("tags", []))]
    badge, setup = colab_cells(name, repository, branch, exercises)
    if SETUP_TAG in old and old[SETUP_TAG].source == setup.source:
        setup.execution_count = old[SETUP_TAG].get("execution_count")  # keep the count of the last run
    notebook.cells = [badge, setup, *rest]
    return notebook


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--only", help="only the notebooks whose file name contains this text (make badges NB=03_)")
    parser.add_argument("--check", action="store_true", help="report out-of-date notebooks and exit 1; write nothing")
    args = parser.parse_args()

    repository, branch = settings()
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    paths = [path for path in paths if not args.only or args.only in path.name]
    stale = []
    for path in paths:
        before = path.read_text(encoding="utf-8")
        notebook = with_colab_cells(nbformat.reads(before, as_version=4), path.name, repository, branch)
        after = nbformat.writes(notebook) + "\n"
        if after == before:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(after, encoding="utf-8")
            print(f"updated {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if args.check and stale:
        print("out of date (run `make badges`): " + ", ".join(p.name for p in stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
