"""`make run`'s HTML site: an index with a table of contents, and pages linked to their neighbours.

Uses the outputs stored in two notebooks (`make run` executes them); only a one-cell notebook is executed here,
to check what a kernel start prints.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "benchmarks" / "notebooks.py")
site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site)


def test_index_lists_every_notebook_with_its_sections_and_pages_link_to_each_other(tmp_path: Path) -> None:
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))[:2]
    notebooks = [nbformat.read(path, as_version=4) for path in paths]
    pages = [site.to_html(notebook) for notebook in notebooks]
    entries = [(p.stem, site.title_of(nb), 1.0, site.sections_of(page)) for p, nb, page in zip(paths, notebooks, pages)]
    site.write_index(entries, tmp_path)
    index = (tmp_path / "index.html").read_text()

    for (name, title, _, sections), page, notebook in zip(entries, pages, notebooks):
        assert f'href="{name}.html"' in index and title in index
        headings = [line[3:].strip() for cell in notebook.cells if cell.cell_type == "markdown"
                    for line in cell.source.splitlines() if line.startswith("## ")]
        assert len([s for s in sections if s[0] == 2]) == len(headings) >= 3, name
        for _, anchor, _ in sections:
            assert f'id="{anchor}"' in page
        assert all(f'href="{name}.html#{anchor}"' in index for level, anchor, _ in sections if level == 2)

    first = site.with_navigation(pages[0], None, entries[1][:2])
    body = first[first.index("<body"):]
    nav = re.search(r"<nav.*?</nav>", body, re.S).group(0)
    assert 'href="index.html"' in nav and f'href="{entries[1][0]}.html"' in nav


def test_a_page_renders_its_formulas_offline_in_a_real_browser(tmp_path: Path) -> None:
    """A page of the site, served on 127.0.0.1 with every other request refused: MathJax (copied beside the
    pages) typesets the formulas, no raw ``$$`` is left, and the page asks nothing of the network."""
    import http.server
    import threading
    from functools import partial

    from _chromium import browser, require_chromium

    require_chromium()
    notebook = nbformat.read(ROOT / "notebooks" / "05_gan.ipynb", as_version=4)
    (tmp_path / "05_gan.html").write_text(site.to_html(notebook), encoding="utf-8")
    site.copy_mathjax(tmp_path)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    refused: list[str] = []
    try:
        with browser(refused) as context:
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{server.server_port}/05_gan.html")
            page.wait_for_function("() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 "
                                   "&& document.querySelectorAll('.MathJax_Display').length > 0", timeout=60_000)
            displayed = page.evaluate("document.querySelectorAll('.MathJax_Display').length")
            inline = page.evaluate("document.querySelectorAll('span.MathJax').length")
            errors = page.evaluate("document.querySelectorAll('.MathJax_Error, .merror').length")
            text = page.evaluate("document.body.innerText")
    finally:
        server.shutdown()
    assert displayed >= 5 and inline >= 50, (displayed, inline)
    assert errors == 0
    assert "$$" not in text and "\\mathbb" not in text and "\\frac" not in text
    assert refused == [], f"the page asked the network for {refused}"


def test_executing_a_notebook_prints_no_kernel_warning(tmp_path: Path, capfd) -> None:
    """`make run` executes nine notebooks: each kernel start must not print ipykernel's warning about unencrypted
    TCP sockets (the kernel writes to the file descriptor it inherits, so capture at that level)."""
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")]), path)
    notebook, _, error = site.execute(path)
    assert error is None and notebook.cells[0].outputs[0]["text"] == "42\n"
    assert "without encryption" not in capfd.readouterr().err


def test_an_error_a_cell_displays_fails_the_run(tmp_path: Path) -> None:
    """IPython prints, rather than raises, an error of a display: the cell succeeds with a traceback as its output
    (as LivePanel did under ipywidgets 7, with IPython 7.34). `make run` and `make test-colab` must call that a failure."""
    broken = "class Broken:\n    def _repr_html_(self):\n        raise AttributeError('no view')\nBroken()"
    cells = [nbformat.v4.new_code_cell(broken)]
    expected = nbformat.v4.new_code_cell("raise ValueError('meant')", metadata={"tags": ["raises-exception"]})
    path = tmp_path / "displays.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    _, _, error = site.execute(path)  # newer IPythons fail the cell itself; 7.34, Colab's, only shows the error
    assert error is not None and error.endswith("AttributeError: no view")
    nbformat.write(nbformat.v4.new_notebook(cells=[expected]), path)
    assert site.execute(path)[2] is None, "a cell tagged raises-exception is meant to show its error"
