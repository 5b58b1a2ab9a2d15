"""`make run`'s HTML site: an index with a table of contents, and pages linked to their neighbours.

Uses the outputs stored in two notebooks, so nothing is executed here (`make run` executes them).
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
