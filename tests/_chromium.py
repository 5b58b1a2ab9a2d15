"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright, offline.

Never run `playwright install`: the tests use the system Chromium (apt-get install chromium) and the
`playwright` package from PyPI. Outside CI a missing Chromium or Playwright skips the test with the
command that installs it; with the environment variable CI set (as .ci/run does) it fails instead.
Every request that does not go to 127.0.0.1 (or a local file) is refused and recorded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path(os.environ.get("GANLIB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # a second fence behind the request routing below: no host name resolves except the loopback address
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
INSTALL_HINT = (
    "apt-get install chromium (Debian's, used at /usr/bin/chromium) and "
    ".venv/bin/python -m pip install playwright (never `playwright install`)"
)


def require_chromium() -> None:
    """Skip the calling test when Chromium or Playwright is missing, unless in CI, where that fails it."""
    missing = []
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"Chromium at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright")
    if not missing:
        return
    message = f"browser test needs {' and '.join(missing)}: {INSTALL_HINT}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so this test must run)")
    pytest.skip(message)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("file", "data", "blob", "about") or parts.hostname == "127.0.0.1"


@contextmanager
def browser(refused: list[str], width: int = 1280, height: int = 900) -> Iterator:
    """A fresh headless Chromium context (temporary profile) that refuses non-local requests into ``refused``."""
    from playwright.sync_api import sync_playwright

    def route(request_route) -> None:
        url = request_route.request.url
        if is_local(url):
            request_route.continue_()
        else:
            refused.append(url)
            request_route.abort("blockedbyclient")

    profile = tempfile.mkdtemp(prefix="ganlib-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": width, "height": height},
                service_workers="block",
            )
            context.route("**/*", route)
            context.route_web_socket(lambda url: not is_local(url), lambda ws: (refused.append(ws.url), ws.close()))
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
