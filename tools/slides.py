"""Build reveal.js slide decks of the notebooks that open offline, for teaching from a projector.

    python tools/slides.py                           # every notebook -> build/slides/ (make slides)
    python tools/slides.py --output DIR NB.ipynb ... # chosen notebooks, another folder

The decks show the outputs stored in the notebooks (nothing is executed). Open
``build/slides/index.html``, or a deck directly; press S for the speaker view. The folder is
self-contained: reveal.js and MathJax are copied next to the decks from npm packages (fetched once with
``npm pack`` into ~/.cache/ganlib/npm and checked against the hashes below), so no page loads anything
from the network. Copy the whole folder to take it to the lecture hall.

Where slides begin (one rule, applied at build time; the notebooks need no slide metadata):

* a markdown cell with a ``#`` or ``##`` heading starts a new slide, one with a ``###`` heading (and
  none higher) a sub-slide, shown below it (navigate with the down arrow);
* a code cell tagged ``solution`` is a fragment: it appears on the next click, after the exercise;
* the Colab badge and setup cells are skipped;
* every other cell continues the current slide;
* a cell whose metadata already sets ``slideshow.slide_type`` (e.g. from JupyterLab's property
  inspector) keeps it: ``slide``, ``subslide``, ``fragment``, ``skip``, ``notes`` or ``-``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
CACHE = Path(os.environ.get("GANLIB_NPM_CACHE", Path.home() / ".cache" / "ganlib" / "npm"))

# npm package -> version, the registry's integrity hash, and which files of its tarball the decks need.
VENDOR = {
    "reveal.js": (
        "4.6.1",
        "sha512-1CW0auaXNPmwmvQ7TwpszwVxMi2Xr5cTS3J3EBC/HHgbPF32Dn7aiu/LKWDOGjMbaDwKQiGmfqcoGQ74HUHCMw==",
        {"package/dist/": "reveal.js/dist/", "package/plugin/notes/": "reveal.js/plugin/notes/", "package/LICENSE": "reveal.js/LICENSE"},
    ),
    "mathjax": (
        "3.2.2",
        "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        {"package/es5/tex-svg-full.js": "mathjax/tex-svg-full.js", "package/LICENSE": "mathjax/LICENSE"},
    ),
}
REVEAL_URL_PREFIX, MATHJAX_URL = "reveal.js", "mathjax/tex-svg-full.js"  # relative to the decks
SKIPPED_TAGS = {"colab-badge", "colab-setup"}


def heading_level(markdown: str) -> int | None:
    """The highest level (1 for ``#``) of the headings in a markdown cell, outside code fences."""
    levels, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and (match := re.match(r"(#{1,6})\s", line)):
            levels.append(len(match.group(1)))
    return min(levels, default=None)


def slide_type(cell: nbformat.NotebookNode) -> str:
    """The reveal.js role of a cell under the rule in this module's docstring."""
    explicit = cell.metadata.get("slideshow", {}).get("slide_type")
    if explicit:
        return explicit
    tags = set(cell.metadata.get("tags", []))
    if tags & SKIPPED_TAGS:
        return "skip"
    if "solution" in tags:
        return "fragment"
    level = heading_level(cell.source) if cell.cell_type == "markdown" else None
    if level is not None and level <= 2:
        return "slide"
    if level == 3:
        return "subslide"
    return "-"


def with_slide_metadata(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the notebook whose every cell carries ``slideshow.slide_type``."""
    notebook = nbformat.from_dict(notebook)  # a deep copy
    notebook.metadata.pop("widgets", None)  # no widget manager in a deck: widgets show their static PNG
    for cell in notebook.cells:
        cell.metadata.setdefault("slideshow", {})["slide_type"] = slide_type(cell)
    return notebook


def integrity_of(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode("ascii")


def fetch(package: str, version: str, integrity: str) -> Path:
    """The package's tarball from the npm registry, cached and checked against its hash."""
    tarball = CACHE / f"{package}-{version}.tgz"
    if not tarball.exists():
        if shutil.which("npm") is None:
            sys.exit(f"make slides needs npm once, to fetch {package}@{version}: install Node.js's npm "
                     f"(Debian: apt-get install npm), or put {tarball.name} from the npm registry in {CACHE}/")
        CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["npm", "pack", f"{package}@{version}", "--pack-destination", str(CACHE)],
                              capture_output=True, text=True)
        if done.returncode != 0 or not tarball.exists():
            sys.exit(f"npm pack {package}@{version} failed:\n{done.stderr.strip()}")
    if integrity_of(tarball) != integrity:
        tarball.unlink()
        sys.exit(f"{tarball} does not match the pinned hash of {package}@{version}; removed it, run again")
    return tarball


def install_vendor(output: Path) -> None:
    """Copy reveal.js and MathJax next to the decks, unless this version is there already."""
    stamp, wanted = output / ".vendor", " ".join(f"{name}@{spec[0]}" for name, spec in VENDOR.items())
    if stamp.exists() and stamp.read_text() == wanted:
        return
    for package, (version, integrity, files) in VENDOR.items():
        with tarfile.open(fetch(package, version, integrity)) as archive:
            for member in archive.getmembers():
                target = next((dest + member.name[len(src):] for src, dest in files.items()
                               if member.isfile() and member.name.startswith(src)), None)
                if target:
                    (output / target).parent.mkdir(parents=True, exist_ok=True)
                    (output / target).write_bytes(archive.extractfile(member).read())
    stamp.write_text(wanted)


def exporter():
    from nbconvert import SlidesExporter

    return SlidesExporter(
        template_name="ganlib_slides",
        extra_template_basedirs=[str(TEMPLATES)],
        reveal_url_prefix=REVEAL_URL_PREFIX,
        mathjax_url=MATHJAX_URL,
        reveal_theme="white",
        reveal_transition="none",
        reveal_number="c/t",
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def title_of(notebook: nbformat.NotebookNode, fallback: str) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and (match := re.search(r"^# (.+)$", cell.source, re.MULTILINE)):
            return match.group(1).strip()
    return fallback


def write_index(decks: list[tuple[str, str]], output: Path) -> None:
    rows = "\n".join(f'<li><a href="{html.escape(file)}">{html.escape(title)}</a></li>' for file, title in decks)
    (output / "index.html").write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ganlib slides</title>
<style>body {{ font-family: sans-serif; max-width: 44em; margin: 3em auto; line-height: 1.5; }}</style></head>
<body><h1>Generative models from first principles: slides</h1>
<p>Arrow keys move between slides (down for sub-slides), S opens the speaker view, Esc the overview.</p>
<ol>
{rows}
</ol></body></html>
""", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "slides")
    args = parser.parse_args()

    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    args.output.mkdir(parents=True, exist_ok=True)
    install_vendor(args.output)
    slides, decks = exporter(), []
    for path in paths:
        notebook = with_slide_metadata(nbformat.read(path, as_version=4))
        body, _ = slides.from_notebook_node(notebook, resources={"metadata": {"name": path.stem}})
        target = args.output / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        decks.append((target.name, title_of(notebook, path.stem)))
        count = sum(cell.metadata["slideshow"]["slide_type"] == "slide" for cell in notebook.cells)
        print(f"{target.name}: {count} slides")
    write_index(decks, args.output)
    print(f"slide decks in {args.output}/ (open index.html; they work offline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
