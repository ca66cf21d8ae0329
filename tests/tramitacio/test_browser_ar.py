"""The citizen's page in Arabic (Debian's Chromium): the summary to sign and the post-call summary show
the catalogue's Spanish names with the one sentence that says why, and the code typed in Arabic-Indic
digits signs. Screenshots go to /tmp/tramitacio-ar-*.png."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, Page

from backend.tramitacio.texts import TEXTS
from tests.citizen.conftest import Citizen, CitizenBackend
from tests.helpers.browser import shot_and_axe
from tests.tramitacio.conftest import (
    VALID_FORM,
    admit_when_waiting,
    attended_appointment,
    check_documents,
    identify,
    latest_otp,
    pdf_bytes,
    put_draft,
    upload,
    url,
)

pytestmark = pytest.mark.browser
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def shot(page: Page, name: str) -> None:
    shot_and_axe(page, f"/tmp/tramitacio-ar-{name}.png", name)


def join_in_arabic(cb: CitizenBackend, page: Page, c: Citizen) -> dict[str, str]:
    """Through the page in Arabic (ids, not labels); admitted by the informador. The citizen headers."""
    page.goto(c.url)
    page.select_option("#language", "ar")
    page.click("#devices-continue")
    page.fill("#pin", c.pin)
    with page.expect_response(lambda r: r.url.endswith("/citizen/session")) as info:
        page.click("#pin-submit")
    assert info.value.status == 200
    headers = {"Authorization": f"Bearer {info.value.json()['citizen_token']}"}
    page.locator("#step-waiting").wait_for()
    admit_when_waiting(cb, c, page)
    page.locator("#hang-up").wait_for()
    return headers


def test_arabic_page_shows_spanish_names_said_once_and_signs(tb: CitizenBackend, browser: Browser) -> None:
    c = attended_appointment(tb)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ar")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    note = TEXTS["names_in_spanish"]["ar"]
    try:
        ch = join_in_arabic(tb, page, c)
        assert page.evaluate("document.documentElement.dir") == "rtl"
        identify(tb, c)
        assert put_draft(tb, c, 0, VALID_FORM).status_code == 200
        upload(tb, ch, "dni.pdf", pdf_bytes())
        check_documents(tb, c)
        r = httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10)
        assert r.status_code == 200, r.text

        panel = page.locator("#tramitacio")
        panel.locator("#sig-title").wait_for()
        assert panel.locator(".sig-sign .sig-tramit").text_content() == "Petición genérica"
        assert panel.locator(".sig-sign .sig-note").all_text_contents() == [note]
        assert panel.get_by_text("Nombre y apellidos").is_visible()  # the label, in Spanish
        shot(page, "1-summary")

        page.fill("#sig-otp", latest_otp(tb, c.appointment_id).translate(ARABIC_INDIC))
        page.click("#sig-submit")
        panel.locator(".sig-ok").wait_for()
        r = httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=10)
        assert r.status_code == 200, r.text
        page.locator("#sig-registry").wait_for()
        assert page.locator("#sig-registry").text_content() == r.json()["registry_number"]

        r = httpx.post(url(tb, c, "/post-summary"), json={"missing_documents": ["nie"]}, headers=c.staff)
        assert r.status_code == 200, r.text
        post = panel.locator(".sig-post")
        post.wait_for()
        assert (
            post.locator("#sig-post-done").text_content()
            == "قدّم الموظف الإجراء «Petición genérica» نيابةً عنك."
        )
        assert post.locator(".sig-note").all_text_contents() == [note]
        shot(page, "2-post-call")
        assert not [e for e in errors if "call engine" not in e], errors
    finally:
        context.close()
