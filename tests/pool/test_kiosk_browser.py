"""The walk-in kiosk in Debian's Chromium: language → tràmit → ticket → admitted → ended → wiped
(storage empty, DOM back to the language screen, every camera and microphone track ended, the ticket's
token refused), and the idle wipe of the choosing screens."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Page

from backend.pool.seed import demo_kiosk_token
from tests.backend.support import client
from tests.helpers.backend_server import BackendProcess, session_day
from tests.helpers.browser import wait_js
from tests.pool.support import available, take_and_admit

pytestmark = pytest.mark.browser
TABLET = {"width": 1024, "height": 768}
# Keeps every stream the page gets from getUserMedia, so the test can check that the wipe ended each
# track (a srcObject set to null alone leaves the camera on).
KEEP_MEDIA = """(() => {
  window.__kioskTestStreams = [];
  const devices = navigator.mediaDevices;
  const original = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    window.__kioskTestStreams.push(stream);
    return stream;
  };
})();"""


def _open(browser: Browser, server) -> tuple[Page, list[str]]:
    context = browser.new_context(viewport=TABLET, locale="ca-ES")
    context.add_init_script(KEEP_MEDIA)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server.url}/kiosk/{demo_kiosk_token('BCN')}")
    wait_js(page, "document.body.dataset.ready === '1'")
    return page, errors


def _to_waiting(page: Page, lang: str = "es") -> dict:
    page.click(f"[data-lang={lang}]")
    wait_js(
        page,
        "document.body.dataset.screen === 'tramit' && document.querySelectorAll('[data-tramit]').length > 10",
    )
    page.screenshot(path="/tmp/kiosk-tramit.png")
    with page.expect_response(lambda r: r.url.endswith("/tickets")) as info:
        page.click("[data-tramit] >> nth=0")
    body = info.value.json()
    wait_js(page, "document.body.dataset.screen === 'waiting'")
    wait_js(page, "document.getElementById('ticket-label').textContent.length > 0")
    return body


def _tracks(page: Page) -> list[str]:
    """readyState of every track the page got from getUserMedia."""
    states: list[str] = page.evaluate(
        "window.__kioskTestStreams.flatMap(s => s.getTracks()).map(t => t.kind + ':' + t.readyState)"
    )
    return states


def _assert_wiped(page: Page, server, token: str) -> None:
    wait_js(page, "['end', 'language'].includes(document.body.dataset.screen)")
    tracks = _tracks(page)
    assert all(t.endswith(":ended") for t in tracks), tracks
    state = page.evaluate(
        """() => ({
          session: sessionStorage.length, local: localStorage.length,
          videos: [...document.querySelectorAll('video')].every(v => v.srcObject === null),
          label: document.getElementById('ticket-label').textContent,
          tramits: document.querySelectorAll('[data-tramit]').length,
          lang: document.documentElement.lang,
        })"""
    )
    assert state == {"session": 0, "local": 0, "videos": True, "label": "", "tramits": 0, "lang": "ca"}, state
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{server.api}/citizen/ice", headers=auth, timeout=10).status_code == 401
    assert httpx.get(f"{server.api}/kiosk-ticket", headers=auth, timeout=10).status_code == 401
    wait_js(page, "document.body.dataset.screen === 'language'", timeout_s=15)


def test_kiosk_call_then_wipe(fresh_backend, browser):
    page, errors = _open(browser, fresh_backend)
    page.screenshot(path="/tmp/kiosk-language.png")
    body = _to_waiting(page)
    token, ticket = body["citizen_token"], body["ticket"]
    assert page.evaluate("sessionStorage.length") == 1  # the ticket, so a reload keeps the place in the queue
    page.screenshot(path="/tmp/kiosk-waiting.png")
    with client(fresh_backend, "jordi") as jordi:
        available(fresh_backend, jordi.headers)
        appt = take_and_admit(jordi, ticket["id"])
        wait_js(page, "document.body.dataset.screen === 'call'")
        # The camera and microphone are live during the call (so "ended" below means the wipe did it).
        wait_js(page, "window.__kioskTestStreams.length > 0")
        assert sorted(_tracks(page)) == ["audio:live", "video:live"], _tracks(page)
        r = jordi.patch(
            f"/appointments/{appt['id']}",
            json={"version": appt["version"], "status": "completed", "outcome": "referred"},
        )
        assert r.status_code == 200, r.text
    _assert_wiped(page, fresh_backend, token)
    assert not errors, errors
    page.context.close()


def test_kiosk_cancel_while_waiting_wipes_and_leaves_the_pool(fresh_backend, browser):
    page, errors = _open(browser, fresh_backend)
    body = _to_waiting(page, "ca")
    page.click("#ticket-cancel")
    _assert_wiped(page, fresh_backend, body["citizen_token"])
    with client(fresh_backend, "jordi") as jordi:
        assert body["ticket"]["id"] not in {
            i["id"] for i in jordi.get("/pool").json()["items"] if i["kind"] == "walkin"
        }
        assert jordi.get(f"/appointments/{body['ticket']['appointment_id']}").json()["status"] == "cancelled"
    assert not errors, errors
    page.context.close()


def test_kiosk_default_idle_is_90_seconds(backend_server):
    r = httpx.get(f"{backend_server.api}/kiosk/{demo_kiosk_token('BCN')}", timeout=10)
    assert r.status_code == 200 and r.json()["idle_s"] == 90


def test_kiosk_idle_on_the_tramit_screen_wipes(tmp_path, browser):
    # Shortened by the server's setting; the kiosk page's URL has no say in it.
    server = BackendProcess(tmp_path / "backend", session_day(), env={"VIDEOATENCIO_KIOSK_IDLE_S": "1"})
    server.start()
    try:
        page, errors = _open(browser, server)
        page.click("[data-lang=es]")
        wait_js(page, "document.body.dataset.screen === 'tramit'")
        assert page.evaluate("document.documentElement.lang") == "es"
        wait_js(page, "document.body.dataset.wiped === 'idle'", timeout_s=10)
        state = page.evaluate(
            """() => ({
              screen: document.body.dataset.screen, session: sessionStorage.length,
              local: localStorage.length, tramits: document.querySelectorAll('[data-tramit]').length,
              lang: document.documentElement.lang,
            })"""
        )
        assert state == {"screen": "language", "session": 0, "local": 0, "tramits": 0, "lang": "ca"}, state
        assert _tracks(page) == []  # the choosing screens never open the camera
        assert not errors, errors
        page.context.close()
    finally:
        server.stop()
