"""The sliders work in classic Jupyter Notebook 6.5 with ipywidgets 7.7.1: the front end closest to Colab's.

Colab ships ipywidgets 7.7.1 (widgetsnbextension 3.6.10, notebook 6.5.7) and its widget support is built for
that version: in 2022, when ipywidgets 8 broke Colab's widgets, Colab's team told users to go back to 7.7.1.
Colab's own front end cannot run offline; the closest one that can is classic Notebook 6.5 with the
widgetsnbextension 3.6 nbextension, which draws ipywidgets 7's views (jQuery UI sliders, not ipywidgets 8's
noUiSlider). In JupyterLab 4, whose widget extension (jupyterlab_widgets 3) only knows ipywidgets 8's models,
ipywidgets 7 widgets do not display at all, so tests/test_browser.py cannot stand in for Colab.

For each notebook of tests/test_browser.py's EXCERPTS: start classic Notebook on 127.0.0.1 (with a token,
settings in a temporary folder where the widgets nbextension is enabled, serving a temporary folder of the
same excerpts: import cell, pretrained model, its latent sliders), open the notebook in headless Chromium,
check that the widgets nbextension loaded, wait until its widget manager has loaded the new kernel's widgets,
run all cells, check that no cell shows an error and every widget displayed (running the panel's cell again,
at most three times, after a race inside widgetsnbextension's view code, see VIEW_RACE), move a latent slider with
the keyboard and check that the image of its panel changes: its ``src`` and its pixels, compared between
screenshots saved in build/browser/ (classic-*.png). Every request not to 127.0.0.1 is refused.

Runs in `make test-colab` (tools/colab_check.py), whose environment has Colab's versions. Elsewhere (the
course's own environment has no classic Notebook 6) it is skipped, unless GANLIB_COLAB_CHECK is set, as
tools/colab_check.py sets it: then a missing Notebook 6 fails the test.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent  # tests/: the browser helpers shared with JupyterLab's test
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))
from _chromium import browser, require_chromium  # noqa: E402
from test_browser import (  # noqa: E402
    EXCERPTS,
    NOTEBOOKS,
    SHOTS,
    Lab,
    changed_fraction,
    excerpt,
    free_port,
    jupyter_server,
    move_slider,
    private_env,
    shut_down_kernels,
    slider_and_image,
)

# JavaScript run in the classic Notebook page, where `Jupyter.notebook` is the open notebook.
KERNEL_IDLE = """_path => Boolean(window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded
  && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected() && !Jupyter.notebook.kernel_busy)"""

WIDGETS_LOADED = """() => Boolean(window.require && require.defined('nbextensions/jupyter-js-widgets/extension')
  && Jupyter.notebook.kernel && Jupyter.notebook.kernel.widget_manager)"""

ALL_RAN = """() => !Jupyter.notebook.kernel_busy && Jupyter.notebook.get_cells()
  .every(cell => cell.cell_type !== 'code' || typeof cell.input_prompt_number === 'number')"""

VIEWS_DRAWN = """() => Array.from(document.querySelectorAll('.output_subarea.jupyter-widgets-view'))
  .every(output => output.style.display === 'none' || output.querySelector('.jupyter-widgets'))"""

CELL_PROBLEMS = """() => {
  const problems = [];
  Jupyter.notebook.get_cells().forEach((cell, index) => {
    if (cell.cell_type !== 'code') return;
    const expected = ((cell.metadata || {}).tags || []).includes('raises-exception');
    cell.output_area.outputs.forEach(output => {
      if (output.output_type === 'error' && !expected) problems.push(`cell ${index}: ${output.ename}: ${output.evalue}`);
    });
    if (typeof cell.input_prompt_number !== 'number') problems.push(`cell ${index} did not run`);
  });
  // what ipywidgets 7's nbextension (and 8's, or JupyterLab's) writes where a widget should be
  const failures = ['Error displaying widget', 'Failed to display Jupyter Widget', 'Error rendering Jupyter widget',
                    'A Jupyter widget could not be displayed'];
  document.querySelectorAll('.output_subarea').forEach(output => {
    const text = output.textContent;
    if (failures.some(failure => text.includes(failure)) || output.querySelector('.jupyter-widgets-error-widget'))
      problems.push('a widget failed to display: ' + text.trim().slice(0, 300));
    if (output.classList.contains('jupyter-widgets-view') && !output.querySelector('.jupyter-widgets') && output.style.display !== 'none')
      problems.push('a widget output is empty: its view was not drawn');
  });
  return problems;
}"""

# the readout next to a slider: ipywidgets 7's jQuery UI handle carries no aria-valuenow
READOUT = "xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' widget-slider ')][1]//*[contains(@class, 'widget-readout')]"


def version(distribution: str) -> str | None:
    """The installed version of ``distribution``, or None."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def require_classic_notebook() -> None:
    """Skip unless classic Notebook 6 is installed; with GANLIB_COLAB_CHECK set (make test-colab), fail instead."""
    installed = version("notebook")
    if installed and installed.split(".")[0] == "6":
        return
    found = f"notebook {installed}" if installed else "no notebook package"
    message = (f"needs classic Notebook 6.x (found {found}): this test runs in `make test-colab` "
               "(tools/colab_check.py), in an environment with Colab's package versions")
    if os.environ.get("GANLIB_COLAB_CHECK"):
        pytest.fail(f"{message}; GANLIB_COLAB_CHECK is set, so it must run here")
    pytest.skip(message)


@pytest.fixture(scope="module")
def classic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A classic Notebook 6 server on a free loopback port, serving the excerpts, with the widgets nbextension on."""
    require_classic_notebook()
    require_chromium()
    home = tmp_path_factory.mktemp("classic")
    root = home / "notebooks"
    root.mkdir()
    for name in EXCERPTS:
        (root / name).write_text(json.dumps(excerpt(NOTEBOOKS / name)))
    # widgetsnbextension's install enables this in sys.prefix's etc/jupyter/nbconfig; enable it here too, so the
    # test does not depend on that file (the page checks that the extension loaded)
    nbconfig = home / "config" / "nbconfig"
    nbconfig.mkdir(parents=True)
    (nbconfig / "notebook.json").write_text(json.dumps({"load_extensions": {"jupyter-js-widgets/extension": True}}))
    token, port = secrets.token_hex(16), free_port()
    command = [
        sys.executable, "-m", "notebook", "--no-browser",
        "--NotebookApp.ip=127.0.0.1", f"--NotebookApp.port={port}", "--NotebookApp.port_retries=0",
        f"--NotebookApp.token={token}", "--NotebookApp.allow_root=True", f"--NotebookApp.notebook_dir={root}",
        # JupyterLab, when installed, registers itself as a server extension of classic Notebook too: keep the
        # server classic Notebook alone
        "--NotebookApp.nbserver_extensions={'jupyterlab': False}",
    ]  # fmt: skip
    with jupyter_server(command, private_env(home), port, token, root, home / "server.log") as server:
        yield server


# What widgetsnbextension 3.6's widget manager logs once it has asked a new kernel for the widgets it holds: it
# first asks over the "jupyter.widget.control" comm, which a kernel that has not imported ipywidgets yet closes,
# then falls back to asking for the kernel's widget comms (comm_info).
MANAGER_ASKED_KERNEL = 'Failed to fetch ipywidgets through the "jupyter.widget.control" comm channel'


def wait_for_widget_manager(page, console: list[str]) -> None:
    """Wait until classic Notebook's widget manager has loaded the widgets of the notebook's new kernel.

    The manager does this when the kernel connects, and then draws again every output that shows a widget. Cells
    run before it is done can have their widgets counted twice and their views drawn, then removed (the output
    left empty, or a page error "Host is not attached"): both notebooks failed so in the first run from a fresh
    clone. A person reading the page before running it never sees that; a test that runs every cell the moment
    the kernel is idle does. So: wait for the manager's fallback request, then for a comm_info reply of
    our own, which the kernel sends after the manager's.
    """
    deadline = time.monotonic() + 30
    while not any(MANAGER_ASKED_KERNEL in line for line in console):
        if time.monotonic() > deadline:
            pytest.fail("classic Notebook's widget manager did not ask the new kernel for its widgets within 30 s "
                        f"(no console line {MANAGER_ASKED_KERNEL!r}; console: {console[-10:]})")
        page.wait_for_timeout(100)
    page.evaluate("""() => new Promise(done => Jupyter.notebook.kernel.comm_info('jupyter.widget', done))""")


# widgetsnbextension 3.6 now and then draws a panel before one of its children's models is registered (the
# page error names `state_change`, and the panel's output stays empty): a race inside the front end, between
# the models of one display, in 4 of 44 runs of a notebook here (never twice in a row). Running the panel's
# cell again draws a new panel; a fault of the widgets themselves fails every time.
VIEW_RACE = "reading 'state_change'"
EMPTY_VIEW = "a widget output is empty"
RETRIES = 3


def run_cells(page, name: str, run: str) -> list[str]:
    """Run cells (``run``: JavaScript), wait for the kernel and the widget views; the problems the page shows."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate(run)
    page.wait_for_function(ALL_RAN, timeout=180_000, polling=500)
    page.wait_for_function(KERNEL_IDLE, arg=name, timeout=60_000, polling=250)
    try:  # views are drawn asynchronously, after the kernel is done; CELL_PROBLEMS names any left empty
        page.wait_for_function(VIEWS_DRAWN, timeout=30_000, polling=250)
    except PlaywrightTimeout:
        pass
    return page.evaluate(CELL_PROBLEMS)


def run_all_cells(page, name: str, page_errors: list[str]) -> tuple[list[str], int]:
    """Run every cell of the open notebook, and the last (the panel's) again after the front end's view race;
    the problems left, and how many times the last cell ran again."""
    problems = run_cells(page, name, "() => Jupyter.notebook.execute_all_cells()")
    for retry in range(RETRIES):
        race = any(VIEW_RACE in error for error in page_errors)
        if not (problems and race and all(problem.startswith(EMPTY_VIEW) for problem in problems)):
            return problems, retry
        page_errors[:] = [error for error in page_errors if VIEW_RACE not in error]
        problems = run_cells(page, name, "() => Jupyter.notebook.get_cells().slice(-1)[0].execute()")
    return problems, RETRIES


@pytest.mark.parametrize("name", list(EXCERPTS))
def test_a_slider_changes_its_image_in_classic_notebook(name: str, request: pytest.FixtureRequest) -> None:
    """Run the excerpt of ``name`` in classic Notebook, move a latent slider, and see its image change."""
    path = NOTEBOOKS / name
    assert path.exists(), f"notebooks/{name} is missing"
    server = request.getfixturevalue("classic")  # skips here outside make test-colab, or without Chromium
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    SHOTS.mkdir(parents=True, exist_ok=True)
    stem, refused, page_errors, console, started = f"classic-{path.stem}", [], [], [], time.monotonic()

    with browser(refused, height=1600) as context:  # tall enough for a whole panel
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        page.on("console", lambda message: console.append(message.text))
        try:
            page.goto(f"{server.url}/notebooks/{name}?token={server.token}")
            page.wait_for_function(KERNEL_IDLE, arg=name, timeout=120_000, polling=250)
            try:
                page.wait_for_function(WIDGETS_LOADED, timeout=30_000, polling=250)
            except PlaywrightTimeout:
                pytest.fail("the widgets nbextension (jupyter-js-widgets/extension, from widgetsnbextension) did not load")
            wait_for_widget_manager(page, console)
            opened = time.monotonic()

            problems, retries = run_all_cells(page, name, page_errors)
            ran = time.monotonic()
            assert problems == [], f"{name}: cells show errors (page errors: {page_errors})"

            handle, image = slider_and_image(page)
            readout = handle.locator(READOUT)
            value_before, value_after = move_slider(page, handle, image, readout.inner_text, name, stem, kernel_idle=KERNEL_IDLE)
            moved = time.monotonic()

            fraction = changed_fraction(SHOTS / f"{stem}-before.png", SHOTS / f"{stem}-after.png")
            assert fraction > 0.001, f"the image's src changed but only {fraction:.4%} of its pixels did"
            assert page.evaluate(CELL_PROBLEMS) == [], f"{name}: errors after moving the slider"
            assert not page_errors, f"JavaScript errors in classic Notebook: {page_errors}"
        except BaseException:  # pytest.fail raises a BaseException
            page.screenshot(path=SHOTS / f"{stem}-failure.png", full_page=True)
            raise
        finally:
            shut_down_kernels(server)

    versions = ", ".join(f"{package} {version(package)}" for package in ("notebook", "ipywidgets", "widgetsnbextension"))
    print(f"{name} ({versions}): slider {value_before} -> {value_after}; open {opened - started:.1f} s, "
          f"run all {ran - opened:.1f} s (panel cell run again {retries}x after the front end's view race), slider {moved - ran:.1f} s; {fraction:.1%} of the image changed; "
          f"refused {len(refused)} outside request(s): {sorted(set(refused))}")
