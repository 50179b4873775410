"""Browser tests: Debian's Chromium (Playwright's own download does not work here) driving a
live omnishop on a phone-sized screen.

One server per run (a subprocess: its own event loop, its own SQLite file seeded with the
small dataset in ``demo_data``); one browser per run; a fresh phone context per test.
Screenshots land in ``var/screenshots/`` (gitignored; the README points there).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("OMNISHOP_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "var" / "screenshots"
# Without the networking flags Chromium waits on update and sync services it cannot reach.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/140.0 Mobile Safari/537.36"
    ),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


# Where the live shop keeps its SQLite file (set by ``live_server``), for tests that must read
# what the demo "sends" (sign-in codes land in a table, not in a mailbox).
_SHOP_DB: dict[str, Path] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Package scope: the browser and the shop go away when tests/browser is done. Playwright's sync
# API drives its own event loop, which must not outlive these tests: the async tests that follow
# run on pytest-asyncio's loop ("Runner.run() cannot be called from a running event loop").
@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A seeded shop on a free port; its base URL."""
    folder = tmp_path_factory.mktemp("browser-shop")
    _SHOP_DB["path"] = folder / "shop.db"
    port = _free_port()
    env = {
        **os.environ,
        "OMNISHOP_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'shop.db'}",
        "OMNISHOP_SANDBOX_PSP_URL": f"sqlite+aiosqlite:///{folder / 'psp.db'}",
    }
    log = (folder / "server.log").open("w")
    command = [sys.executable, "-m", "tests.browser.server", "--folder", str(folder)]
    proc = subprocess.Popen(  # noqa: S603
        [*command, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                log.flush()
                pytest.fail("the test shop did not start:\n" + (folder / "server.log").read_text())
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the test shop did not answer within 120 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="package")
def shop_db(live_server: str) -> Path:
    """The live shop's SQLite file (read-only use: the server owns the writes)."""
    return _SHOP_DB["path"]


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh phone-sized page (no cookies) pointed at the live shop."""
    context = browser.new_context(base_url=live_server, locale="ru-RU", **PHONE)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG of what the phone shows as ``var/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
