"""Attended end-to-end with the citizen in Debian's Chromium: the informador (API) fills the form and
asks for a document, the citizen uploads it on their page, reads the summary, types the OTP from the
outbox, the informador submits, the page shows the registry number and downloads the receipt; then the
post-call summary. Screenshots (phone viewport) go to /tmp/tramitacio-*.png."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.citizen.conftest import CitizenBackend
from tests.helpers.browser import shot_and_axe, wait_js
from tests.tramitacio.conftest import (
    VALID_FORM,
    admit_when_waiting,
    attended_appointment,
    check_documents,
    identify,
    latest_otp,
    pdf_bytes,
    pdf_text,
    put_draft,
    url,
)

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def shot(page: Page, name: str) -> None:
    """A screenshot of this state of the tràmit panel, and axe-core on it (WCAG, as every page state)."""
    shot_and_axe(page, f"/tmp/tramitacio-{name}.png", name)


def join(cb: CitizenBackend, page: Page, c) -> None:  # type: ignore[no-untyped-def]
    page.goto(c.url)
    page.get_by_role("button", name="Continua").click()
    page.get_by_label("El PIN de 6 xifres que us hem enviat per SMS").fill(c.pin)
    page.get_by_role("button", name="Entra").click()
    page.get_by_role("heading", name="L'informador us admetrà").wait_for()
    admit_when_waiting(cb, c, page)
    page.get_by_role("button", name="Penja").wait_for()


def test_attended_end_to_end_with_otp_signature(tb: CitizenBackend, browser: Browser, tmp_path: Path) -> None:
    c = attended_appointment(tb)
    context = browser.new_context(viewport=PHONE, locale="ca-ES", accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        join(tb, page, c)
        assert page.locator("#tramitacio").is_hidden()
        identify(tb, c)  # the PIN was entered on the page: the informador completes the checklist

        # The informador fills the form (from what the citizen says) and asks for the DNI.
        r = put_draft(tb, c, 0, VALID_FORM, step="form")
        assert r.status_code == 200, r.text
        r = httpx.post(url(tb, c, "/documents-request"), json={"codes": ["dni"]}, headers=c.staff)
        assert r.status_code == 202, r.text
        page.get_by_role("heading", name="Documents sol·licitats").wait_for()
        assert page.locator("#tramitacio").get_by_text("DNI", exact=True).is_visible()

        # The citizen sends it from their page.
        doc_path = tmp_path / "dni.pdf"
        doc_path.write_bytes(pdf_bytes("DNI 12345678Z"))
        page.set_input_files("#doc-file", str(doc_path))
        page.get_by_role("button", name="Envia el document").click()
        page.locator("#doc-list li").first.wait_for()
        docs = httpx.get(url(tb, c), headers=c.staff, timeout=10).json()["documents"]
        assert [d["name"] for d in docs] == ["dni.pdf"]

        # Not before the informador has checked it: the refusal names the file.
        r = httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10)
        assert r.status_code == 422 and r.json()["code"] == "documents_not_ready", r.text
        assert "dni.pdf" in r.json()["detail"]
        check_documents(tb, c)

        # Summary frozen and pushed; the OTP goes out by SMS.
        r = httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10)
        assert r.status_code == 200, r.text
        bound = r.json()["summary_hash"]
        page.get_by_role("heading", name="Reviseu el resum i signeu").wait_for()
        panel = page.locator("#tramitacio")
        assert panel.get_by_text(bound).is_visible() and panel.get_by_text(docs[0]["sha256"]).is_visible()
        # Citizen text is shown as text: the markup in the subject is not rendered.
        assert panel.get_by_text("Revisió d'una <b>taxa</b>").is_visible()
        assert panel.locator("b").count() == 0
        otp_input = page.get_by_label("Codi de signatura (6 xifres, enviat per SMS)")
        assert otp_input.get_attribute("inputmode") == "numeric"
        assert otp_input.get_attribute("autocomplete") == "one-time-code"
        shot(page, "phone-1-summary")

        otp = latest_otp(tb, c.appointment_id)
        otp_input.fill(f"{(int(otp) + 1) % 1_000_000:06d}")
        page.get_by_role("button", name="Signa").click()
        page.get_by_text("El codi no és correcte. Intents que queden: 4.").wait_for()
        shot(page, "phone-2-wrong-otp")
        page.get_by_label("Codi de signatura (6 xifres, enviat per SMS)").fill(otp)
        page.get_by_role("button", name="Signa").click()
        # In the tràmit panel (the page's hidden live region announces the same words).
        signed = "Signat. Ara l'informador presentarà la vostra sol·licitud."
        page.get_by_role("region", name="La vostra sol·licitud").get_by_text(signed).wait_for()

        # The informador submits: registry number and receipt on the page.
        r = httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=10)
        assert r.status_code == 200, r.text
        number = r.json()["registry_number"]
        page.get_by_role("heading", name="S'ha presentat la vostra sol·licitud").wait_for()
        assert page.locator("#sig-registry").text_content() == number
        with page.expect_download() as info:
            page.get_by_role("button", name="Baixa el justificant (PDF)").click()
        data = Path(info.value.path()).read_bytes()
        text = pdf_text(data, tmp_path)
        assert number in text and docs[0]["sha256"] in text and bound in text
        assert "Justificant de presentació" in text  # the page's language (ca) is the receipt's
        shot(page, "phone-3-receipt")

        # Post-call summary in the citizen's language, then the call ends: it stays readable.
        r = httpx.post(
            url(tb, c, "/post-summary"),
            json={"missing_documents": ["nie"],
                  "next_steps": "Truqueu-nos si no rebeu resposta en un mes."},
            headers=c.staff,
        )  # fmt: skip
        assert r.status_code == 200, r.text
        page.get_by_role("heading", name="Resum de la vostra cita").wait_for()
        identify(tb, c, gate="close_resolved")  # the rest of the checklist, so it may close as resolved
        appt = httpx.get(f"{tb.api}/appointments/{c.appointment_id}", headers=c.staff, timeout=10).json()
        r = httpx.patch(
            f"{tb.api}/appointments/{c.appointment_id}",
            json={"version": appt["version"], "status": "completed", "outcome": "resolved"},
            headers=c.staff,
        )
        assert r.status_code == 200, r.text
        page.get_by_role("heading", name="La trucada ha acabat").wait_for()
        post = page.locator(".sig-post")
        post.wait_for()
        assert number in (post.text_content() or "")
        assert "NIE" in (post.text_content() or "")
        wait_js(page, "document.getElementById('sig-receipt') !== null")
        shot(page, "phone-4-post-call")
        assert not [e for e in errors if "call engine" not in e], errors
    finally:
        context.close()
