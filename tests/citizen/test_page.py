"""The citizen page in Debian's Chromium (Playwright, executable_path; never `playwright install`):
link → device check → PIN (read from the outbox, as the demo does) → waiting room → admitted."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, Route

from tests.citizen.conftest import CitizenBackend
from tests.helpers.browser import serious_axe_violations, wait_js
from tests.helpers.identification import override_gate

pytestmark = pytest.mark.browser
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def shot(page: Page, name: str) -> None:
    page.screenshot(path=f"/tmp/citizen-{name}.png", full_page=True)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_link_pin_waiting_room_and_admission(
    citizen_backend: CitizenBackend, browser: Browser, viewport: str
) -> None:
    cb = citizen_backend
    c = cb.prepare("marta")
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="ca-ES")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Console errors other than expected HTTP statuses (the wrong PIN's 401, call.js not landed yet).
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None
        ),
    )
    try:
        response = page.goto(c.url)
        assert response is not None
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert c.join_token not in page.content()  # the token is never echoed into the HTML
        page.get_by_role("heading", name="Comproveu la càmera i el micròfon").wait_for()
        wait_js(page, "document.getElementById('preview').videoWidth > 0")
        assert page.locator("#camera-select option").count() >= 1
        shot(page, f"{viewport}-1-devices")

        page.get_by_role("button", name="Continua").click()
        pin = page.get_by_label("El PIN de 6 xifres que us hem enviat per SMS")
        assert (
            pin.get_attribute("autocomplete") == "one-time-code"
            and pin.get_attribute("inputmode") == "numeric"
        )
        pin.fill("12")
        page.get_by_role("button", name="Entra").click()
        page.get_by_text("El PIN té 6 xifres").wait_for()
        pin.fill(f"{(int(c.pin) + 1) % 1_000_000:06d}")
        page.get_by_role("button", name="Entra").click()
        page.get_by_text("El PIN no és correcte").wait_for()
        shot(page, f"{viewport}-2-pin-error")

        pin.fill(cb.latest_pin(c.appointment_id))
        page.get_by_role("button", name="Entra").click()
        page.get_by_role("heading", name="L'informador us admetrà").wait_for()
        assert page.locator("#info-office").text_content() == "OAC Girona"
        appt = httpx.get(f"{cb.api}/appointments/{c.appointment_id}", headers=c.staff).json()
        for _ in range(50):
            if appt["status"] == "waiting":
                break
            page.wait_for_timeout(100)
            appt = httpx.get(f"{cb.api}/appointments/{c.appointment_id}", headers=c.staff).json()
        assert appt["status"] == "waiting"
        shot(page, f"{viewport}-3-waiting")

        # Language switch keeps the state and persists.
        page.get_by_label("Llengua").select_option("es")
        page.get_by_role("heading", name="El informador le admitirá").wait_for()
        assert page.evaluate("localStorage.getItem('videoatencio.language')") == "es"
        assert page.evaluate("document.documentElement.lang") == "es"

        r = httpx.post(
            f"{cb.api}/appointments/{c.appointment_id}/admit",
            json={"version": appt["version"]},
            headers=c.staff,
        )
        assert r.status_code == 200, r.text
        page.get_by_role("button", name="Colgar").wait_for()
        wait_js(page, "document.getElementById('self-video').videoWidth > 0")
        # A document from the informador shows up with its name as plain text (sending waits for the
        # checklist's send_personal_documents gate: here a supervisor's override opens it).
        override_gate(
            cb.api, cb.headers("laia"), c.appointment_id, "laia",
            gate="send_personal_documents", reason="Identity checked at the desk before the call",
        )  # fmt: skip
        up = httpx.post(
            f"{cb.api}/appointments/{c.appointment_id}/documents",
            files={"file": ("<b>resguard</b>.pdf", _pdf(), "application/pdf")},
            headers=c.staff,
        )
        assert up.status_code == 201
        page.get_by_role("button", name="Descargar").wait_for()
        assert page.locator("#doc-list b").count() == 0
        shot(page, f"{viewport}-4-call")

        page.get_by_role("button", name="Colgar").click()
        page.get_by_role("heading", name="La llamada ha terminado").wait_for()
        shot(page, f"{viewport}-5-end")
        assert not [e for e in errors if "call engine" not in e], errors
    finally:
        context.close()


def test_denied_camera_shows_help(citizen_backend: CitizenBackend, playwright_sync: Playwright) -> None:
    if True:
        # No fake-UI flag and no permission granted: getUserMedia fails (BASELINES step 4).
        b = playwright_sync.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True
        )
        try:
            page = b.new_page(viewport=VIEWPORTS["phone"], locale="ca-ES")
            page.goto(f"{citizen_backend.server.url}/c/{'A' * 32}")
            help_text = page.locator("#device-help")
            help_text.wait_for()
            assert help_text.text_content()
            assert page.get_by_role("button", name="Torna-ho a provar").is_visible()
            shot(page, "phone-0-no-camera")
            assert serious_axe_violations(page) == []
        finally:
            b.close()


def _pdf() -> bytes:
    from tests.citizen.test_documents import pdf

    return pdf()


def test_controls_wait_for_the_first_catalogue(citizen_backend: CitizenBackend, browser: Browser) -> None:
    """On a slow network the first catalogue arrives late: until the page has bound its handlers,
    Continue and the language picker are disabled (a click then did nothing, and a language picked
    then was undone by the late load); once it arrives both work."""
    c = citizen_backend.prepare("pau")
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale="ca-ES")
    held: list[Route] = []

    def hold_the_first(route: Route) -> None:  # the first catalogue waits until the test lets it go
        if held:
            route.continue_()
        else:
            held.append(route)

    context.route("**/c-i18n/**", hold_the_first)
    try:
        page = context.new_page()
        page.goto(c.url)
        for _ in range(200):
            if held:
                break
            page.wait_for_timeout(25)  # Playwright dispatches the route handler while it waits
        assert held, "the page never asked for its catalogue"
        assert page.locator("#devices-continue").is_disabled()
        assert page.locator("#language").is_disabled()
        held[0].continue_()
        page.select_option("#language", "es")  # waits until enabled
        page.click("#devices-continue")
        wait_js(page, "!document.getElementById('step-pin').hidden")
        assert page.evaluate("document.documentElement.lang") == "es"
    finally:
        context.close()
