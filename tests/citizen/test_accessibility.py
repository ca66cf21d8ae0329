"""Accessibility and right-to-left layout of the citizen pages, in Debian's Chromium.

Every state of the citizen page (device check, PIN entry, PIN error, waiting room, call, end) and the
kiosk's first screen go through axe-core (the copy bundled in the axe-playwright-python package, so
nothing is downloaded at test time) with no serious or critical violation, in Catalan, Arabic and
Urdu, on a phone, a desktop and a desktop at 200% zoom (1280 px at 200% = 640 CSS px: nothing may
scroll sideways and every control must be inside the viewport). Landmarks, labels and live regions are
checked by name, and Arabic/Urdu must be laid out right to left. Screenshots: build/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.citizen.conftest import CitizenBackend
from tests.citizen.test_documents import pdf
from tests.helpers.browser import serious_axe_violations, wait_js

pytestmark = pytest.mark.browser

VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 900},
    "zoom200": {"width": 640, "height": 450},  # a 1280×900 window at 200% zoom
}
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def check_state(page: Page, lang: str, viewport: str, state: str) -> None:
    """axe, zoom/reflow, landmarks and direction for the page as it is now; then a screenshot."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"citizen-{lang}-{viewport}-{state}.png"), full_page=True)
    serious = serious_axe_violations(page)
    assert serious == [], f"{lang}/{viewport}/{state}: {serious}"
    # Reflow (WCAG 1.4.10): no sideways scrolling, every visible control inside the viewport.
    overflow = page.evaluate(
        """() => {
        const width = document.documentElement.clientWidth;
        const out = [];
        if (document.documentElement.scrollWidth > width + 1) out.push('page scrolls sideways');
        for (const el of document.querySelectorAll('button, input, select, a[href], [tabindex="0"]')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
            if (el.classList.contains('skip')) continue;  // the skip link sits off-screen until focused
            if (r.left < -1 || r.right > width + 1) out.push(el.id || el.outerHTML.slice(0, 60));
        }
        return out;
    }"""
    )
    assert overflow == [], f"{lang}/{viewport}/{state}: {overflow}"
    assert page.evaluate("document.documentElement.lang") == lang
    expected_dir = "rtl" if lang in ("ar", "ur") else "ltr"
    assert page.evaluate("getComputedStyle(document.body).direction") == expected_dir


def test_landmarks_labels_and_live_regions(citizen_backend: CitizenBackend, browser: Browser) -> None:
    c = citizen_backend.prepare("marta")
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="ca-ES")
    try:
        page = context.new_page()
        page.goto(c.url)
        wait_js(page, "!document.getElementById('step-devices').hidden")
        assert page.get_by_role("banner").count() == 1
        assert page.get_by_role("main").count() == 1
        assert page.locator("[role=status][aria-live=polite]").count() >= 1  # status messages announced
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea, meter')]
                 .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                               && !el.getAttribute('aria-labelledby'))
                 .map(el => el.id)"""
        )
        assert unlabelled == []
        # The language picker names every language in itself, Arabic and Urdu included.
        options = page.locator("#language option").evaluate_all("os => os.map(o => o.value)")
        assert options == ["ca", "es", "eu", "en", "ar", "ur"]
    finally:
        context.close()


@pytest.mark.parametrize(
    ("lang", "viewport", "informador"),
    [
        ("ca", "desktop", "marta"),
        ("ca", "zoom200", "marta"),
        ("ar", "phone", "marta"),
        ("ar", "desktop", "marta"),
        ("ur", "phone", "marta"),
        ("ur", "zoom200", "marta"),
        # Other offices' appointments: the module's backend has only so many of marta's.
        ("es", "phone", "pau"),
        ("eu", "desktop", "nerea"),
        ("en", "zoom200", "pau"),
    ],
)
def test_every_page_state_passes_axe(
    citizen_backend: CitizenBackend, browser: Browser, lang: str, viewport: str, informador: str
) -> None:
    cb = citizen_backend
    c = cb.prepare(informador)
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale=lang)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(c.url)
        wait_js(page, "document.getElementById('preview').videoWidth > 0")
        check_state(page, lang, viewport, "1-devices")

        page.click("#devices-continue")
        wait_js(page, "!document.getElementById('step-pin').hidden")
        check_state(page, lang, viewport, "2-pin")
        page.fill("#pin", f"{(int(c.pin) + 1) % 1_000_000:06d}")
        page.click("#pin-submit")
        wait_js(page, "document.getElementById('pin-error').textContent.length > 0")
        check_state(page, lang, viewport, "3-pin-error")

        page.fill("#pin", cb.latest_pin(c.appointment_id))
        page.click("#pin-submit")
        wait_js(page, "!document.getElementById('step-waiting').hidden")
        appt = httpx.get(f"{cb.api}/appointments/{c.appointment_id}", headers=c.staff).json()
        for _ in range(50):
            if appt["status"] == "waiting":
                break
            page.wait_for_timeout(100)
            appt = httpx.get(f"{cb.api}/appointments/{c.appointment_id}", headers=c.staff).json()
        wait_js(page, "document.getElementById('info-time').textContent.length > 0")
        check_state(page, lang, viewport, "4-waiting")

        r = httpx.post(
            f"{cb.api}/appointments/{c.appointment_id}/admit",
            json={"version": appt["version"]},
            headers=c.staff,
        )
        assert r.status_code == 200, r.text
        wait_js(page, "!document.getElementById('step-call').hidden")
        check_state(page, lang, viewport, "5-call")

        # The documents box with a document sent, then with an upload the server refused.
        page.set_input_files("#doc-file", {"name": "dni.pdf", "mimeType": "application/pdf", "buffer": pdf()})
        page.click("#doc-form button[type=submit]")
        wait_js(page, "document.querySelectorAll('#doc-list li').length === 1")
        check_state(page, lang, viewport, "5b-document")
        fake = b"%PDF-1.4\n<html><script>alert(1)</script>\n%%EOF"
        page.set_input_files("#doc-file", {"name": "x.pdf", "mimeType": "application/pdf", "buffer": fake})
        page.click("#doc-form button[type=submit]")
        wait_js(page, "document.getElementById('doc-error').textContent.length > 0")
        check_state(page, lang, viewport, "5c-upload-error")

        page.click("#hang-up")
        wait_js(page, "!document.getElementById('step-end').hidden")
        check_state(page, lang, viewport, "6-end")
        assert not errors, errors
    finally:
        context.close()
        # Close the call on the staff side too: the office's concurrent-call limit is per backend.
        appt = httpx.get(f"{cb.api}/appointments/{c.appointment_id}", headers=c.staff).json()
        if appt["status"] == "in_call":
            body = {"version": appt["version"], "status": "completed", "outcome": "referred"}
            httpx.patch(f"{cb.api}/appointments/{c.appointment_id}", json=body, headers=c.staff)


@pytest.mark.parametrize("lang", ["ca", "ur"])
def test_locked_pin_passes_axe(citizen_backend: CitizenBackend, browser: Browser, lang: str) -> None:
    """After the fifth wrong PIN the link is void: that message must be as reachable as any other."""
    c = citizen_backend.prepare("jordi")  # marta's appointments go to the page states above
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale=lang)
    try:
        page = context.new_page()
        page.goto(c.url)
        wait_js(page, "document.getElementById('preview').videoWidth > 0")
        page.click("#devices-continue")
        wait_js(page, "!document.getElementById('step-pin').hidden")
        wrong = f"{(int(c.pin) + 1) % 1_000_000:06d}"
        messages = []
        for _ in range(5):
            page.fill("#pin", wrong)
            with page.expect_response(lambda r: r.url.endswith("/session") and r.request.method == "POST"):
                page.click("#pin-submit")
            wait_js(page, "!document.getElementById('pin-submit').disabled")
            messages.append(page.locator("#pin-error").text_content() or "")
        # The fifth says the PIN is void (ask for a new one), not "try again" like the first four.
        assert messages[0] and messages[4] and messages[4] != messages[0], messages
        check_state(page, lang, "desktop", "3b-pin-locked")
    finally:
        context.close()


def test_kiosk_first_screen_passes_axe(citizen_backend: CitizenBackend, browser: Browser) -> None:
    from backend.pool.seed import demo_kiosk_token

    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="ca-ES")
    try:
        page = context.new_page()
        page.goto(f"{citizen_backend.server.url}/kiosk/{demo_kiosk_token('BCN')}")
        wait_js(page, "document.body.dataset.ready === '1'")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "kiosk-ca-tablet-1-language.png"))
        assert serious_axe_violations(page) == []
    finally:
        context.close()


def _kiosk_axe(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"kiosk-{name}.png"))
    serious = serious_axe_violations(page)
    assert serious == [], f"{name}: {serious}"


def test_kiosk_screens_in_arabic_are_rtl_and_pass_axe(
    citizen_backend: CitizenBackend, browser: Browser
) -> None:
    """Arabic is offered at the kiosk (served with an interpreter): its tràmit and waiting screens run
    right to left with the citizen catalogue and pass axe-core; the ticket is cancelled afterwards."""
    from backend.pool.seed import demo_kiosk_token

    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="ca-ES")
    token = ""
    try:
        page = context.new_page()
        page.goto(f"{citizen_backend.server.url}/kiosk/{demo_kiosk_token('BCN')}")
        wait_js(page, "document.body.dataset.ready === '1'")
        offered = page.evaluate("[...document.querySelectorAll('[data-lang]')].map(b => b.dataset.lang)")
        assert "ar" in offered and "ur" in offered, offered
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.click("[data-lang=ar]")
        wait_js(
            page,
            "document.body.dataset.screen === 'tramit' && document.querySelector('[data-tramit]') !== null",
        )
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
        _kiosk_axe(page, "ar-tablet-2-tramit")
        with page.expect_response(lambda r: r.url.endswith("/tickets")) as info:
            page.click("[data-tramit] >> nth=0")
        token = info.value.json()["citizen_token"]
        wait_js(page, "document.body.dataset.screen === 'waiting'")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        _kiosk_axe(page, "ar-tablet-3-waiting")
        page.click("#ticket-cancel")
        wait_js(page, "['end', 'language'].includes(document.body.dataset.screen)")
        token = ""
    finally:
        context.close()
        if token:  # leave no walk-in in the shared backend's pool
            httpx.post(
                f"{citizen_backend.api}/kiosk-ticket/end", headers={"Authorization": f"Bearer {token}"}
            )


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
EASTERN_ARABIC_INDIC = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.mark.parametrize(("lang", "digits"), [("ar", ARABIC_INDIC), ("ur", EASTERN_ARABIC_INDIC)])
def test_pin_typed_in_arabic_digits_is_sent_as_0_9(
    citizen_backend: CitizenBackend, browser: Browser, lang: str, digits: dict[int, str]
) -> None:
    """A PIN typed on an Arabic or Urdu keyboard (٠-٩ / ۰-۹) reaches the server as 0-9 and opens the
    session; the page in that language, right to left."""
    cb = citizen_backend
    c = cb.prepare("marta")
    context = browser.new_context(viewport=VIEWPORTS["phone"], locale=lang)
    page = context.new_page()
    try:
        page.goto(c.url)
        wait_js(page, "document.getElementById('preview').videoWidth > 0")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        page.click("#devices-continue")
        wait_js(page, "!document.getElementById('step-pin').hidden")
        typed = cb.latest_pin(c.appointment_id).translate(digits)
        page.fill("#pin", typed)
        with page.expect_request(lambda r: r.url.endswith("/session") and r.method == "POST") as sent:
            page.click("#pin-submit")
        assert sent.value.post_data_json["pin"] == cb.latest_pin(c.appointment_id)
        wait_js(page, "!document.getElementById('step-waiting').hidden")
    finally:
        context.close()
        appt = httpx.get(f"{cb.api}/appointments/{c.appointment_id}", headers=c.staff).json()
        if appt["status"] == "waiting":  # leave the shared backend's waiting room as it was
            body = {"version": appt["version"], "status": "cancelled"}
            httpx.patch(f"{cb.api}/appointments/{c.appointment_id}", json=body, headers=c.staff)


def test_signing_code_in_other_digits_is_refused_with_422() -> None:
    """The page converts ٠-٩ and ۰-۹ (js/i18n.js asciiDigits); a client that does not is told so with a
    422 from validation, never a comparison of digits Python would also read as numbers."""
    from pydantic import ValidationError

    from backend.tramitacio.routes import SignatureIn

    assert SignatureIn(otp="123456").otp == "123456"
    for otp in ("١٢٣٤٥٦", "۱۲۳۴۵۶", "１２３４５６"):
        with pytest.raises(ValidationError, match="digits 0-9"):
            SignatureIn(otp=otp)
