"""Execute the course notebooks headless and print each one's wall time against its budget.

    python benchmarks/notebooks.py --output build   # executed copies + an HTML site (make run)
    python benchmarks/notebooks.py --inplace        # refresh the outputs stored in notebooks/ (make execute)
    python benchmarks/notebooks.py                  # timings only (make bench)

The HTML site: one page per notebook, each with links to the contents and to the previous and next
notebook, and ``index.html``, the table of contents: every notebook with its sections (``#`` and ``##``
headings), linked to their anchors. The site renders offline: its formulas are typeset by a copy of
MathJax in ``mathjax/`` next to the pages (from the ``jupyter-server-mathjax`` package of the course's
environment), and the pages load nothing from the network.

A notebook's budget in seconds lives in its own metadata, under ``ganlib.budget_seconds``.
Exits with status 1 when any cell fails.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert.preprocessors import CoalesceStreamsPreprocessor
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def kernel_config() -> Config:
    """Encrypt the kernel's local sockets where jupyter_client offers it (its ``transport_encryption``): recent
    ipykernels warn at every start of a kernel whose TCP sockets are not, once per notebook in this output."""
    if "transport_encryption" not in KernelManager.class_trait_names():
        return Config()
    return Config({"KernelManager": {"transport_encryption": "auto"}})  # "auto": only where the kernel supports it


def execute(path: Path) -> tuple[nbformat.NotebookNode, float, str | None]:
    """Run every cell of one notebook with the notebooks folder as working directory."""
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.pop("widgets", None)  # state of an earlier run's widgets, if any
    client = NotebookClient(
        notebook,
        timeout=1800,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        record_timing=False,  # keep the stored notebooks free of per-cell timestamps
        store_widget_state=False,  # widget outputs carry their own static PNG; no second copy in metadata
        config=kernel_config(),
    )
    start = time.perf_counter()
    try:
        client.execute()
        error = None
    except CellExecutionError as failure:
        error = ANSI_COLOUR.sub("", str(failure).strip().splitlines()[-1])
    error = error or displayed_error(notebook)
    elapsed = time.perf_counter() - start
    notebook, _ = CoalesceStreamsPreprocessor().preprocess(notebook, {})  # one output per stream, however it was flushed
    return notebook, elapsed, error


ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def displayed_error(notebook: nbformat.NotebookNode) -> str | None:
    """The first error shown in a cell that ran to its end: IPython prints, rather than raises, an error of a
    display (an object whose ``_repr_*_`` fails), so the cell succeeds while its output is a traceback. Cells
    tagged ``raises-exception`` are meant to show one."""
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code, start=1):
        if "raises-exception" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                return f"code cell {number} shows {output.ename}: {output.evalue}"
    return None


# MathJax 2, as the page template configures it, from the mathjax/ folder beside the pages. Its web fonts
# load when the site is served over HTTP; opened from disk, the browser typesets with local fonts instead.
MATHJAX_URL = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
MATHJAX_FONTS = """<script type="text/x-mathjax-config">
MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null}});
</script>
"""
REQUIRE_JS = re.compile(r'<script src="[^"]*require[^"]*\.js"></script>\s*')  # for JavaScript outputs; ours have none
# The Colab badge is an image on colab.research.google.com; offline pages show the link as a badge of their own.
REMOTE_BADGE = re.compile(r'<img alt="([^"]*)" src="https://colab\.research\.google\.com/[^"]*"\s*/?>')
LOCAL_BADGE = (r'<span style="display: inline-block; padding: 0.15em 0.6em; border-radius: 0.3em; background: #f9ab00; '
               r'color: #1a1a1a; font: bold 0.85em sans-serif;">\1</span>')


def to_html(notebook: nbformat.NotebookNode) -> str:
    """The page of one notebook, loading MathJax from ``mathjax/`` beside it and nothing from the network."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab", mathjax_url=MATHJAX_URL).from_notebook_node(notebook)
    body = REMOTE_BADGE.sub(LOCAL_BADGE, REQUIRE_JS.sub("", body, count=1))
    return body.replace(f'<script src="{MATHJAX_URL}">', MATHJAX_FONTS + f'<script src="{MATHJAX_URL}">', 1)


def copy_mathjax(output: Path) -> Path:
    """Copy MathJax (the ``jupyter-server-mathjax`` package's copy) to ``output/mathjax`` and return that folder."""
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    if not (source / "MathJax.js").exists():
        raise FileNotFoundError(f"no MathJax.js in {source}: reinstall the course environment (rm -rf .venv; make run).")
    return Path(shutil.copytree(source, output / "mathjax", dirs_exist_ok=True))


class Headings(HTMLParser):
    """The ``<h1>`` and ``<h2>`` of a page: (level, anchor id, text), without the pilcrow links."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[int, str, str]] = []
        self._open: tuple[int, str] | None = None
        self._text: list[str] = []
        self._in_anchor_link = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("h1", "h2") and attributes.get("id"):
            self._open, self._text = (int(tag[1]), attributes["id"]), []
        elif tag == "a" and "anchor-link" in (attributes.get("class") or ""):
            self._in_anchor_link = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._in_anchor_link = False
        elif self._open and tag == f"h{self._open[0]}":
            self.found.append((*self._open, "".join(self._text).strip()))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open and not self._in_anchor_link:
            self._text.append(data)


def sections_of(page: str) -> list[tuple[int, str, str]]:
    parser = Headings()
    parser.feed(page)
    return parser.found


def with_navigation(page: str, previous: tuple[str, str] | None, following: tuple[str, str] | None) -> str:
    """The page with a bar of links to the contents and to the neighbouring notebooks."""
    links = ['<a href="index.html">contents</a>']
    if previous:
        links.insert(0, f'<a href="{html.escape(previous[0])}.html">&larr; {html.escape(previous[1])}</a>')
    if following:
        links.append(f'<a href="{html.escape(following[0])}.html">{html.escape(following[1])} &rarr;</a>')
    bar = ('<nav style="font-family: sans-serif; padding: 0.6em 1em; border-bottom: 1px solid #ddd;">'
           + " &middot; ".join(links) + "</nav>")
    start = page.find(">", page.find("<body")) + 1
    return page[:start] + bar + page[start:]


def title_of(notebook: nbformat.NotebookNode) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "untitled"


def write_index(entries: list[tuple[str, str, float, list[tuple[int, str, str]]]], output: Path) -> None:
    """The table of contents: each notebook, then its ``##`` sections."""
    rows = []
    for name, title, seconds, sections in entries:
        items = "".join(
            f'<li><a href="{html.escape(name)}.html#{html.escape(anchor)}">{html.escape(text)}</a></li>'
            for level, anchor, text in sections if level == 2
        )
        rows.append(
            f'<li><a href="{html.escape(name)}.html">{html.escape(title)}</a> <small>({seconds:.0f} s)</small>'
            + (f"<ul>{items}</ul>" if items else "") + "</li>"
        )
    rows = "\n".join(rows)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ganlib: generative models from first principles</title>
<style>body {{ font-family: sans-serif; max-width: 44em; margin: 3em auto; line-height: 1.5; }}</style></head>
<body><h1>Generative models from first principles</h1>
<p>The executed notebooks of the course, in order, with their sections.</p>
<ol>
{rows}
</ol></body></html>
"""
    (output / "index.html").write_text(page, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, help="write executed notebooks and HTML pages here")
    parser.add_argument("--inplace", action="store_true", help="store the new outputs in notebooks/")
    parser.add_argument("--only", help="run only the notebooks whose file name contains this text")
    args = parser.parse_args()

    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if args.only:
        paths = [p for p in paths if args.only in p.name]
    if not paths:
        print("no notebooks matched", file=sys.stderr)
        return 1
    if args.output:
        args.output.mkdir(parents=True, exist_ok=True)

    failures, entries, pages = 0, [], []
    print(f"{'notebook':<40} {'seconds':>8} {'budget':>7}  status")
    for path in paths:
        notebook, seconds, error = execute(path)
        budget = notebook.metadata.get("ganlib", {}).get("budget_seconds")
        over = budget is not None and seconds > budget
        status = f"FAILED: {error}" if error else ("over budget" if over else "ok")
        print(f"{path.name:<40} {seconds:>8.1f} {budget if budget is not None else '-':>7}  {status}", flush=True)
        failures += error is not None
        if args.inplace and error is None:
            nbformat.write(notebook, path)
        if args.output:
            nbformat.write(notebook, args.output / path.name)
            pages.append(to_html(notebook))
            entries.append((path.stem, title_of(notebook), seconds, sections_of(pages[-1])))
    if args.output:
        for index, (page, entry) in enumerate(zip(pages, entries)):
            previous = entries[index - 1][:2] if index else None
            following = entries[index + 1][:2] if index + 1 < len(entries) else None
            (args.output / f"{entry[0]}.html").write_text(with_navigation(page, previous, following), encoding="utf-8")
        write_index(entries, args.output)
        copy_mathjax(args.output)
        print(f"executed notebooks and an HTML site in {args.output}/ (open index.html)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
