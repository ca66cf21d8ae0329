"""Fixtures for the screen-sharing tests: a static server that also serves tests/screenshare/pages."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.call.conftest import closing, loopback_ice  # noqa: F401  (fixtures reused as-is)
from tests.helpers.browser import STATIC_DIR, PageSignaling, _Handler

PAGES = Path(__file__).with_name("pages")


class _ShareHandler(_Handler):
    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if clean.startswith("/ss/"):
            return str(PAGES / Path(clean[len("/ss/") :]).name)
        return super().translate_path(path)


@contextlib.contextmanager
def serve() -> Iterator[str]:
    handler = functools.partial(_ShareHandler, directory=str(STATIC_DIR))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="test-ss-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="session")
def ss_server() -> Iterator[str]:
    with serve() as url:
        yield url


async def open_share_page(context: Any, base_url: str, signaling: Any) -> tuple[Any, PageSignaling]:
    page = await context.new_page()
    await page.set_viewport_size({"width": 1000, "height": 1400})
    bridge = PageSignaling(page, signaling)
    await bridge.attach()
    await page.goto(f"{base_url}/ss/share.html")
    await page.wait_for_function("window.__ready !== undefined")
    await page.evaluate("window.__ready")
    bridge.start()
    return page, bridge
