"""`make slides`: a reveal.js deck that loads everything from files beside it, never from a CDN.

Builds the deck of one notebook into a temporary folder (a few seconds; reveal.js and MathJax come
from the npm cache that `make slides` fills, fetched with npm the first time), checks the HTML, then
opens it from file:// in headless Chromium with the network refused.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _chromium import browser, require_chromium

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "01_sampling.ipynb"  # headings of every level, maths, sliders, exercises
CACHE = Path(os.environ.get("GANLIB_NPM_CACHE", Path.home() / ".cache" / "ganlib" / "npm"))
REMOTE = r"(?:https?:)?//"
# every way an HTML page loads something: scripts, style sheets, images, CSS url() and @import, ES imports
LOADS_FROM_NETWORK = [
    re.compile(r"<script[^>]*\ssrc\s*=\s*[\"']?" + REMOTE, re.I),
    re.compile(r"<link[^>]*\shref\s*=\s*[\"']?" + REMOTE, re.I),
    re.compile(r"<img[^>]*\ssrc\s*=\s*[\"']?" + REMOTE, re.I),
    re.compile(r"url\(\s*[\"']?" + REMOTE, re.I),
    re.compile(r"@import\s+[\"']" + REMOTE, re.I),
    re.compile(r"\bimport\b[^;'\"]*[\"']" + REMOTE, re.I),
]
CDNS = ("unpkg.com", "cdnjs", "jsdelivr", "cdn.", "googleapis", "mathjax.org")


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not list(CACHE.glob("reveal.js-*.tgz")) and shutil.which("npm") is None:
        message = "the slides need npm once to fetch reveal.js and MathJax (apt-get install npm)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    output = tmp_path_factory.mktemp("slides")
    done = subprocess.run([sys.executable, "tools/slides.py", "--output", str(output), str(NOTEBOOK)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return output / f"{NOTEBOOK.stem}.slides.html"


def test_deck_uses_the_local_reveal_js_and_mathjax(deck: Path) -> None:
    page = deck.read_text(encoding="utf-8")
    for script in ("reveal.js/dist/reveal.js", "reveal.js/plugin/notes/notes.js", "mathjax/tex-svg-full.js"):
        assert f'src="{script}"' in page, f"the deck does not load {script}"
        assert (deck.parent / script).is_file(), f"{script} was not installed next to the deck"
    assert 'href="reveal.js/dist/reveal.css"' in page and (deck.parent / "reveal.js/dist/theme/white.css").is_file()


def test_deck_loads_nothing_from_the_network(deck: Path) -> None:
    page = deck.read_text(encoding="utf-8")
    found = [match.group(0)[:120] for pattern in LOADS_FROM_NETWORK for match in pattern.finditer(page)]
    assert not found, f"the deck loads from the network: {found}"
    assert not [cdn for cdn in CDNS if cdn in page], "a CDN is named in the deck"


def test_slides_follow_the_headings(deck: Path) -> None:
    page = deck.read_text(encoding="utf-8")
    top = page.split('<div class="slides">', 1)[1]
    slides = re.findall(r"<section\b", top)
    headings = len(re.findall(r"<h[12]\b", top))
    assert len(slides) >= headings >= 5, "each # or ## heading starts a slide"
    assert 'class="fragment"' in top, "solutions appear as fragments"
    assert "colab-badge.svg" not in page and "google.colab" not in page, "the Colab cells are skipped"


def test_deck_opens_offline_in_chromium(deck: Path) -> None:
    require_chromium()
    refused: list[str] = []
    with browser(refused) as context:
        requested: list[str] = []
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(deck.as_uri())
        page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
        page.wait_for_function("() => document.querySelectorAll('mjx-container svg').length > 10", timeout=30_000)
        total = page.evaluate("() => Reveal.getTotalSlides()")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => Reveal.getIndices().h === 1", timeout=10_000)
    assert total >= 5
    assert not errors, f"JavaScript errors in the deck: {errors}"
    assert not refused and all(url.startswith(("file:", "data:")) for url in requested), f"network requests: {refused}"
