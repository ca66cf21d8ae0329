"""Fixtures that drive Debian's Chromium through Playwright (owned by the call work).

- ``chromium``: one browser per session, launched from ``/usr/bin/chromium`` (never ``playwright
  install``) with fake camera/microphone at 30 fps, on the session's qasync loop so tests can mix
  Playwright calls with aiortc in one ``arun``. HOME and XDG dirs point into a temp dir.
- ``browser_context``: a fresh context (profile state, permissions) per test.
- ``static_server``: stdlib HTTP server on 127.0.0.1 serving ``backend/web/static`` at ``/`` and the
  test pages of ``tests/call/pages`` at ``/test/`` (http://127.0.0.1 is a secure context, so
  getUserMedia works).
- :class:`PageSignaling`: bridges a page's ``call.js`` transport to a Python ``Signaling`` end.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http.server
import os
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = ROOT / "backend" / "web" / "static"
TEST_PAGES_DIR = ROOT / "tests" / "call" / "pages"
CHROMIUM = "/usr/bin/chromium"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream=fps=30",  # the fake camera runs at 20 fps otherwise (BASELINES)
    "--autoplay-policy=no-user-gesture-required",
]


def chromium_env(home: Path) -> dict[str, str]:
    """Chromium writes its profile and caches under HOME/XDG: keep them in a temp dir."""
    env = dict(os.environ)
    for name, sub in [("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache")]:
        path = home / sub
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    runtime = home / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env["XDG_RUNTIME_DIR"] = str(runtime)
    return env


class _Handler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if clean.startswith("/test/"):
            return str(TEST_PAGES_DIR / Path(clean[len("/test/") :]).name)
        return super().translate_path(path)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass


@contextlib.contextmanager
def serve_static() -> Iterator[str]:
    """Serve the static dir and the test pages on 127.0.0.1:<free port>; yields the base URL."""
    handler = functools.partial(_Handler, directory=str(STATIC_DIR))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="test-static-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextlib.asynccontextmanager
async def launch_chromium(home: Path, executable: str = CHROMIUM) -> AsyncIterator[Any]:
    """``executable`` may be a wrapper (e.g. ``ip netns exec … /usr/bin/chromium``)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, env=chromium_env(home)
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture(scope="session")
def static_server() -> Iterator[str]:
    with serve_static() as url:
        yield url


@pytest.fixture(scope="session")
def chromium(qloop_session: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    cm = launch_chromium(tmp_path_factory.mktemp("chromium-home"))
    browser = qloop_session.run_until_complete(cm.__aenter__())
    try:
        yield browser
    finally:
        qloop_session.run_until_complete(cm.__aexit__(None, None, None))


@pytest.fixture
def browser_context(chromium: Any, qloop: Any) -> Iterator[Any]:
    context = qloop.run_until_complete(chromium.new_context())
    try:
        yield context
    finally:
        qloop.run_until_complete(context.close())


class PageSignaling:
    """Relays between a test page (``window.__toPython`` / ``window.__deliver``) and a Signaling end.

    Both directions are pumped by one task each, so message order is kept (the answer must reach the
    console before the candidates that follow it).
    """

    def __init__(self, page: Any, signaling: Any) -> None:
        self.page = page
        self.signaling = signaling
        self._outbound: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self.to_console: list[str] = []

    async def attach(self) -> None:
        """Call before the page loads: exposes ``window.__toPython``."""
        await self.page.expose_function("__toPython", self._from_page)

    def start(self) -> None:
        self._tasks = [asyncio.ensure_future(self._pump_out()), asyncio.ensure_future(self._pump_in())]

    def _from_page(self, text: str) -> None:
        self.to_console.append(text)
        self._outbound.put_nowait(text)

    async def _pump_out(self) -> None:
        from console.call.signaling import SignalingClosed

        while True:
            text = await self._outbound.get()
            with contextlib.suppress(SignalingClosed):
                await self.signaling.send(text)

    async def _pump_in(self) -> None:
        from console.call.signaling import SignalingClosed

        with contextlib.suppress(SignalingClosed):
            while True:
                text = await self.signaling.receive()
                await self.page.evaluate("t => window.__deliver(t)", text)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.signaling.close()


async def open_citizen_page(
    context: Any, base_url: str, signaling: Any, query: str = ""
) -> tuple[Any, PageSignaling]:
    """Open ``tests/call/pages/citizen.html`` bridged to ``signaling``; waits until call.js is prepared
    (camera + microphone + warm peer connection), which is when the citizen sits in the waiting room."""
    page = await context.new_page()
    bridge = PageSignaling(page, signaling)
    await bridge.attach()
    await page.goto(f"{base_url}/test/citizen.html{query}")
    await page.wait_for_function("window.__ready !== undefined")
    await page.evaluate("window.__ready")
    bridge.start()
    return page, bridge


# --- Playwright's sync API (tests that drive a page step by step without the qasync loop) ----------
@pytest.fixture(scope="module")
def playwright_sync() -> Iterator[Any]:
    """One sync Playwright per module; a test that needs other flags launches its own browser on it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_sync: Any) -> Iterator[Any]:
    """Debian's Chromium for sync-API tests, one per module, with the same flags as the async one."""
    launched = playwright_sync.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        yield launched
    finally:
        launched.close()


def wait_js(page: Any, expression: str, timeout_s: float = 10) -> None:
    """Polls with evaluate: wait_for_function evaluates strings in the page, which the page's CSP forbids."""
    for _ in range(int(timeout_s * 20)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"not true within {timeout_s} s: {expression}")


def serious_axe_violations(page: Any) -> list[str]:
    """axe-core on the page as it is now (the copy bundled by axe-playwright-python: nothing is
    downloaded at test time); only serious and critical violations, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def shot_and_axe(page: Any, path: str, name: str) -> None:
    """A full-page screenshot of this state at `path`, and axe-core on it (WCAG, as every page state)."""
    page.screenshot(path=path, full_page=True)
    serious = serious_axe_violations(page)
    assert serious == [], f"{name}: {serious}"
