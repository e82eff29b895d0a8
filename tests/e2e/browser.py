"""A real headless browser for the web chat tests: Debian's Chromium driven by Playwright (never a
browser Playwright downloads), and the app served by uvicorn on a free loopback port in a thread.

Where no browser is installed the tests are skipped with the reason; `.ci/run` sets
SOLIBOT_REQUIRE_BROWSER=1 (after installing the `chromium` package), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from starlette.applications import Starlette

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"  # gitignored (build/)
REQUIRED = os.environ.get("SOLIBOT_REQUIRE_BROWSER") == "1"


def browser_missing(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} — .ci/run requires the browser tests (SOLIBOT_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def chromium_path() -> str | None:
    """SOLIBOT_CHROMIUM, else Debian's `chromium` (or Ubuntu's `chromium-browser`) on the PATH."""
    named = os.environ.get("SOLIBOT_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch_args() -> list[str]:
    """Chromium refuses its sandbox to root (containers, CI): only then is it turned off."""
    return ["--no-sandbox"] if os.geteuid() == 0 else []


@contextmanager
def chromium() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        browser_missing(f"playwright is not installed ({exc}): pip install -e '.[dev]'")
    path = chromium_path()
    if path is None:
        browser_missing("no Chromium installed (apt-get install chromium), or set SOLIBOT_CHROMIUM")
    assert path is not None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=launch_args())
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThreadServer:
    """The real app behind uvicorn, in a thread of the test process (so the clock can be fixed)."""

    def __init__(self, app: Starlette) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", ws="none", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="webchat-server", daemon=True)

    def __enter__(self) -> ThreadServer:
        self._thread.start()
        until = time.monotonic() + 60
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > until:
                pytest.fail("the web service did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=20)
