"""Execute the course notebooks headless and print each one's wall time against its budget.

    python benchmarks/notebooks.py --output build   # executed copies + HTML + index page (make run)
    python benchmarks/notebooks.py --inplace        # refresh the outputs stored in notebooks/ (make execute)
    python benchmarks/notebooks.py                  # timings only (make bench)

A notebook's budget in seconds lives in its own metadata, under ``ganlib.budget_seconds``.
Exits with status 1 when any cell fails.
"""

from __future__ import annotations

import argparse
import html
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


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
    )
    start = time.perf_counter()
    try:
        client.execute()
        error = None
    except CellExecutionError as failure:
        error = str(failure).strip().splitlines()[-1]
    return notebook, time.perf_counter() - start, error


def write_html(notebook: nbformat.NotebookNode, target: Path) -> None:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
    target.write_text(body, encoding="utf-8")


def title_of(notebook: nbformat.NotebookNode) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "untitled"


def write_index(entries: list[tuple[str, str, float]], output: Path) -> None:
    rows = "\n".join(
        f'<li><a href="{html.escape(name)}.html">{html.escape(title)}</a> <small>({seconds:.0f} s)</small></li>'
        for name, title, seconds in entries
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ganlib: generative models from first principles</title>
<style>body {{ font-family: sans-serif; max-width: 44em; margin: 3em auto; line-height: 1.5; }}</style></head>
<body><h1>Generative models from first principles</h1>
<p>The executed notebooks of the course, in order.</p>
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

    failures, entries = 0, []
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
            write_html(notebook, args.output / f"{path.stem}.html")
            entries.append((path.stem, title_of(notebook), seconds))
    if args.output:
        write_index(entries, args.output)
        print(f"executed notebooks and HTML pages in {args.output}/ (open index.html)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
