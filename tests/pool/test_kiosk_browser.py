"""The walk-in kiosk in Debian's Chromium: language → tràmit → ticket → admitted → ended → wiped
(storage empty, DOM back to the language screen, media stopped, the ticket's token refused)."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Page

from backend.pool.seed import demo_kiosk_token
from tests.backend.support import client
from tests.helpers.browser import wait_js

pytestmark = pytest.mark.browser
TABLET = {"width": 1024, "height": 768}


def _open(browser: Browser, server) -> tuple[Page, list[str]]:
    context = browser.new_context(viewport=TABLET, locale="ca-ES")
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


def _assert_wiped(page: Page, server, token: str) -> None:
    wait_js(page, "['end', 'language'].includes(document.body.dataset.screen)")
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
        r = jordi.post(f"/pool/walkin/{ticket['id']}/take")
        assert r.status_code == 200, r.text
        appt = r.json()["appointment"]
        r = jordi.post(f"/appointments/{appt['id']}/admit", json={"version": appt["version"]})
        assert r.status_code == 200, r.text
        wait_js(page, "document.body.dataset.screen === 'call'")
        appt = r.json()
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
