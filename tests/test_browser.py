"""The sliders work in a real JupyterLab, as a student uses them.

For each notebook below: start JupyterLab on 127.0.0.1 (with a token, settings in a temporary folder,
serving a temporary folder so nothing is saved over the course), open an excerpt of the notebook in
headless Chromium (its import cell, the cell that loads a pretrained generator, and the cell that shows
that generator's latent sliders, all three exactly as the course has them), run all cells, check that no
cell shows an error, move a latent slider with the keyboard and check that the image of its panel
changes: its ``src`` and its pixels, compared between screenshots of the image element saved in
build/browser/. Every request not to 127.0.0.1 is refused.

The excerpt leaves out the notebooks' training runs, which nbval executes in full; a test takes under a
minute. Needs Debian's chromium and the playwright package (see tests/_chromium.py): skipped without
them, except in CI.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from _chromium import browser, require_chromium
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SHOTS = ROOT / "build" / "browser"

# The notebooks whose latent sliders drive a pretrained model, and the first lines of the two cells the
# excerpt runs after the import cell: the one that loads the model and the one that shows its sliders.
EXCERPTS = {
    "06_dcgan.ipynb": ('dcgan = pretrained("dcgan-mnist")', "latent_sliders(dcgan"),
    "05_gan.ipynb": ('gan_mnist = pretrained("gan-mnist")', "latent_sliders(gan_mnist"),
}
LATENT_LABEL = re.compile(r"^z\[\d+\]$")  # the labels of ganlib.widgets.latent_sliders' sliders
KEY_PRESSES = 10  # one slider step each


@dataclass
class Lab:
    """A running Jupyter server (JupyterLab here, classic Notebook in tests/colab/): address, token, served folder."""

    url: str
    token: str
    root: Path


def excerpt(path: Path) -> dict:
    """The notebook at ``path`` cut down to its import cell and the two cells that ``EXCERPTS`` names."""
    notebook = json.loads(path.read_text())
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    setup = [cell for cell in code if "colab-setup" not in cell.get("metadata", {}).get("tags", [])]
    chosen = [setup[0]]
    for start in EXCERPTS[path.name]:
        found = [cell for cell in code if "".join(cell["source"]).lstrip().startswith(start)]
        assert len(found) == 1, f"{path.name}: expected one code cell starting with {start!r}, found {len(found)}"
        chosen += found
    for cell in chosen:
        cell["outputs"], cell["execution_count"] = [], None
    return {**notebook, "cells": chosen}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def private_env(home: Path) -> dict[str, str]:
    """This process's environment (PYTHONPATH included: kernels inherit it) with Jupyter's and IPython's
    settings, data and runtime folders in ``home``, so no user or machine settings leak in or out."""
    return {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
    }


@contextmanager
def jupyter_server(command: list[str], env: dict[str, str], port: int, token: str, root: Path, log_path: Path) -> Iterator[Lab]:
    """Run a Jupyter server (``command``, listening on 127.0.0.1:``port`` and serving ``root``) until it
    answers, then shut it down cleanly at the end: that also stops the kernels it started."""
    with log_path.open("w") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{' '.join(command[1:3])} did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
        yield Lab(url, token, root)
    finally:
        try:
            request = urllib.request.Request(f"{url}/api/shutdown?token={token}", method="POST")
            urllib.request.urlopen(request, timeout=10).close()
            server.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A JupyterLab server on a free loopback port, serving a copy of notebooks/."""
    require_chromium()
    home = tmp_path_factory.mktemp("jupyter")
    root = home / "notebooks"
    root.mkdir()
    for name in EXCERPTS:
        (root / name).write_text(json.dumps(excerpt(NOTEBOOKS / name)))
    # no "get Jupyter news?" prompt over the notebook, and no request for it
    settings = home / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    token, port = secrets.token_hex(16), free_port()
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", "--ServerApp.allow_root=True", f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    with jupyter_server(command, private_env(home), port, token, root, home / "server.log") as server:
        yield server


def shut_down_kernels(lab: Lab) -> None:
    """End the notebook sessions of a finished test, so the next one has the CPU to itself."""
    def call(method: str, path: str):
        request = urllib.request.Request(f"{lab.url}{path}?token={lab.token}", method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    for session in call("GET", "/api/sessions"):
        call("DELETE", f"/api/sessions/{session['id']}")


# JavaScript run in the page; `path` is the notebook's path in the server, `panel(path)` its tab
PANEL = """const panel = path => window.jupyterapp && Array.from(window.jupyterapp.shell.widgets('main'))
  .find(widget => widget.context && widget.context.path === path && widget.content);"""

KERNEL_IDLE = """path => {""" + PANEL + """
  const notebook = panel(path);
  const kernel = notebook && notebook.sessionContext.session && notebook.sessionContext.session.kernel;
  return Boolean(kernel && kernel.status === 'idle' && notebook.content.widgets.length);
}"""

RUN_ALL = """path => {""" + PANEL + """
  window.jupyterapp.shell.activateById(panel(path).id);
  window.ganlibRunAll = undefined;
  window.jupyterapp.commands.execute('notebook:run-all-cells').then(
    done => { window.ganlibRunAll = String(done); }, error => { window.ganlibRunAll = 'error: ' + error; });
}"""

CELL_PROBLEMS = """path => {""" + PANEL + """
  const problems = [];
  panel(path).content.widgets.forEach((cell, index) => {
    const model = cell.model;
    if (model.type !== 'code') return;
    const expected = (model.getMetadata('tags') || []).includes('raises-exception');
    for (let i = 0; i < model.outputs.length; i++) {
      const output = model.outputs.get(i).toJSON();
      if (output.output_type === 'error' && !expected) problems.push(`cell ${index}: ${output.ename}: ${output.evalue}`);
    }
    if (model.executionCount === null) problems.push(`cell ${index} did not run`);
  });
  document.querySelectorAll('.jp-OutputArea-output').forEach(output => {
    if (output.textContent.includes('Error displaying widget')) problems.push('a widget failed to display: ' + output.textContent.trim());
    // jupyterlab_widgets' error box; its reason (e.g. "Module @jupyter-widgets/controls, version ^1.5.0 is not
    // registered" for a kernel with ipywidgets 7) goes to the browser console
    if (output.querySelector('.jupyter-widgets-error-widget')) problems.push('a widget failed to display (see the console errors)');
  });
  return problems;
}"""


def record_console_error(message, errors: list[str]) -> None:
    """Keep the first line of each distinct console error (where jupyterlab_widgets says why a widget is not shown)."""
    if message.type == "error":
        first_line = (message.text.strip().splitlines() or [""])[0]
        if " ".join(first_line.split()) not in errors:
            errors.append(" ".join(first_line.split()))


def slider_and_image(page):
    """A slider's handle and the image of the same panel (the slider's nearest VBox holding an image).

    The handle is noUiSlider's in ipywidgets 8 and jQuery UI's in ipywidgets 7 (classic Notebook, tests/colab/).
    """
    sliders = page.locator(".widget-slider").filter(has=page.locator(".widget-label", has_text=LATENT_LABEL))
    panel_of = "xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' widget-vbox ')][.//img[contains(@class, 'widget-image')]][1]"
    for index in range(sliders.count()):
        slider = sliders.nth(index)
        panel = slider.locator(panel_of)
        if panel.count():
            return slider.locator(".noUi-handle, .ui-slider-handle").first, panel.locator(".widget-image").first
    pytest.fail("no latent slider (labelled z[0], z[1], ...) next to an image was displayed")


def settle(page, image, path: str, quiet: float = 1.0, timeout: float = 60.0, kernel_idle: str = KERNEL_IDLE) -> None:
    """Wait until the kernel is idle and the image has not changed for ``quiet`` seconds.

    ``kernel_idle`` is a JavaScript function of ``path`` that tells whether the notebook's kernel is idle.
    """
    deadline, last, since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < deadline:
        src, idle = image.get_attribute("src"), page.evaluate(kernel_idle, path)
        if src != last or not idle:
            last, since = src, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        page.wait_for_timeout(200)
    pytest.fail(f"the image kept changing or the kernel stayed busy for {timeout:.0f} s after the slider moved")


def move_slider(page, handle, image, read_value: Callable[[], str | None], path: str, stem: str,
                kernel_idle: str = KERNEL_IDLE) -> tuple[str | None, str | None]:
    """Move a slider with the keyboard and wait until its panel's image has changed and settled; its value
    before and after.

    ``handle`` is the slider's handle and ``read_value()`` the value it shows. The image is saved to
    SHOTS/<stem>-before.png and -after.png. Presses right, or left if the slider starts at its maximum.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    image.scroll_into_view_if_needed()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=image.element_handle())
    src_before, value_before = image.get_attribute("src"), read_value()
    image.screenshot(path=SHOTS / f"{stem}-before.png")
    handle.focus()
    for key in ("ArrowRight", "ArrowLeft"):
        for _ in range(KEY_PRESSES):
            handle.press(key)
        if read_value() != value_before:
            break
    assert read_value() != value_before, "the slider did not move with the keyboard"
    try:
        page.wait_for_function("([image, old]) => image.src !== old && image.complete && image.naturalWidth > 0",
                               arg=[image.element_handle(), src_before], timeout=60_000)
    except PlaywrightTimeout:
        pytest.fail(f"{path}: the slider moved ({value_before} -> {read_value()}) but the image's src did not change within 60 s")
    settle(page, image, path, kernel_idle=kernel_idle)  # ipywidgets sends one change at a time: wait for the last redraw
    image.screenshot(path=SHOTS / f"{stem}-after.png")
    assert image.get_attribute("src") != src_before
    return value_before, read_value()


def changed_fraction(before: Path, after: Path) -> float:
    """The fraction of pixels that differ clearly (by more than 16 of 255 in some channel)."""
    a, b = (np.asarray(Image.open(path).convert("RGB"), dtype=np.int16) for path in (before, after))
    if a.shape != b.shape:
        return 1.0
    return float((np.abs(a - b).max(axis=-1) > 16).mean())


@pytest.mark.parametrize("name", list(EXCERPTS))
def test_a_slider_changes_its_image_in_jupyterlab(name: str, request: pytest.FixtureRequest) -> None:
    path = NOTEBOOKS / name
    assert path.exists(), f"notebooks/{name} is missing"
    lab = request.getfixturevalue("lab")  # skips here when Chromium or Playwright is missing (outside CI)
    SHOTS.mkdir(parents=True, exist_ok=True)
    stem, refused, page_errors, console_errors, started = path.stem, [], [], [], time.monotonic()

    with browser(refused, height=1600) as context:  # tall enough for a whole panel
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        page.on("console", lambda message: record_console_error(message, console_errors))
        try:
            page.goto(f"{lab.url}/lab/tree/{name}?reset&token={lab.token}")  # reset: no tabs from earlier tests
            page.wait_for_function(KERNEL_IDLE, arg=name, timeout=120_000, polling=250)
            opened = time.monotonic()

            page.evaluate(RUN_ALL, name)
            page.wait_for_function("() => window.ganlibRunAll !== undefined", timeout=180_000, polling=500)
            page.wait_for_function(KERNEL_IDLE, arg=name, timeout=60_000, polling=250)
            ran = time.monotonic()
            assert page.evaluate(CELL_PROBLEMS, name) == [], f"{name}: cells show errors (page errors: {page_errors}; console errors: {console_errors})"

            handle, image = slider_and_image(page)
            value_before, value_after = move_slider(page, handle, image, lambda: handle.get_attribute("aria-valuenow"), name, stem)
            moved = time.monotonic()
            fraction = changed_fraction(SHOTS / f"{stem}-before.png", SHOTS / f"{stem}-after.png")
            assert fraction > 0.001, f"the image's src changed but only {fraction:.4%} of its pixels did"
            assert page.evaluate(CELL_PROBLEMS, name) == [], f"{name}: errors after moving the slider"
            assert not page_errors, f"JavaScript errors in JupyterLab: {page_errors}"
        except BaseException:  # pytest.fail raises a BaseException
            page.screenshot(path=SHOTS / f"{stem}-failure.png", full_page=True)
            raise
        finally:
            shut_down_kernels(lab)

    print(f"{name}: slider {value_before} -> {value_after}; open {opened - started:.1f} s, run all {ran - opened:.1f} s, slider {moved - ran:.1f} s; "
          f"{fraction:.1%} of the image changed; refused {len(refused)} outside request(s): {sorted(set(refused))}")
