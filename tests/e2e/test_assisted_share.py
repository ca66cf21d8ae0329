"""Assisted processing tied to screen sharing, every part real: the backend process, the console
(composition root, call and wizard services, the tràmit wizard; offscreen, aiortc) and Debian's
Chromium as the citizen (fake screen for getDisplayMedia).

The informador opens the tràmit wizard's assisted steps, sends the portal link by chat, asks the
citizen to share → the citizen's page shows the prompt (Catalan, an alert dialog, axe-clean) → "Not
now" shows "declined" in the wizard → asked again, the citizen clicks Share (a real click, which
getDisplayMedia needs) → the console paints the citizen's screen and the wizard says "sharing" →
"Point at step 2" writes that step on the citizen's shared screen and selects the pointer tool.
"""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt

from console.call.config import MediaSelection
from console.call.state import CallState
from console.domain.appointment import Status
from console.services.screenshare import STEP_LABEL_ID
from tests.call.helpers import wait_until
from tests.e2e.support import (
    admit_connected,
    console_sees_waiting,
    into_pin_window,
    join_waiting_room,
    page_until,
    send_link_and_pin,
)
from tests.e2e.test_video_call import SHOTS

pytestmark = pytest.mark.browser

PROMPT_VISIBLE = (
    "(() => { const p = document.querySelector('#screenshare .ss-request'); return !!p && !p.hidden; })()"
)
# Red (mark colour) pixels on the overlay of the visible share stage, in the strip where the step label
# is written (from 0.02, 0.02 of the shared picture): the label as the citizen sees it.
RED_IN_LABEL = """(async () => {
  const { contentRect } = await import('/static/js/guidance.js');
  const stage = [...document.querySelectorAll('#screenshare .ss-stage')].find((s) => !s.hidden);
  if (!stage) return -1;
  const video = stage.querySelector('video'), canvas = stage.querySelector('canvas');
  const r = contentRect(video), dpr = window.devicePixelRatio || 1;
  const x = Math.round((r.x + 0.02 * r.w) * dpr), y = Math.round((r.y + 0.02 * r.h) * dpr);
  const d = canvas.getContext('2d').getImageData(x, y, Math.round(300 * dpr), Math.round(22 * dpr)).data;
  let red = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 180 && d[i + 1] < 80 && d[i + 3] > 200) red++;
  return red;
})()"""


def test_informador_asks_the_citizen_to_share_and_points_at_a_step(
    fresh_backend, consoles, chromium, arun, until
):
    from axe_playwright_python.async_playwright import Axe

    console = consoles.start(fresh_backend.url)
    consoles.login(console)
    calls, agenda, panel = console.ctx.calls, console.agenda_view, console.call_panel
    share_view, share = panel.screen_share, calls.screenshare
    calls.selection = MediaSelection(width=640, height=360, fps=30, synthetic_audio=True)
    candidates = [
        a
        for a in console.agenda_model.appointments()
        if a.status in (Status.SCHEDULED, Status.CONFIRMED) and a.citizen_phone
    ]
    tramits = {a.tramit_code: arun(console.ctx.wizard.tramit(a.tramit_code)) for a in candidates}
    appt = next(
        a
        for a in candidates
        if "assistida" in (tramits[a.tramit_code].get("levels") or [])
        and len(tramits[a.tramit_code].get("assisted_steps") or []) >= 2
        and str(tramits[a.tramit_code].get("portal_url") or "").startswith("https://")
    )
    tramit = tramits[appt.tramit_code]
    db = fresh_backend.data_dir / "videoatencio.db"
    into_pin_window(db, appt.id)
    assert agenda.select_appointment(appt.id)
    detail = agenda.detail
    link, pin = send_link_and_pin(detail, db, appt.id, until)

    # The wizard is open before the call: its screen-sharing actions wait for the call.
    detail.tramit_button.click()
    until(lambda: appt.id in console._wizards, what="the tràmit wizard")
    wizard = console._wizards[appt.id]
    wizard.pages["mode"].assisted.setChecked(True)
    wizard.next()
    page_steps = wizard.pages["assisted_steps"]
    assert wizard.currentPage() is page_steps
    assert page_steps.steps.count() == len(tramit["assisted_steps"])
    assert not page_steps.ask_share.isEnabled() and not page_steps.send_link.isEnabled()
    assert not page_steps.point.isEnabled()
    # The portal link is a real, escaped link that opens in the browser.
    portal = page_steps.portal
    assert portal.textFormat() == Qt.TextFormat.RichText and portal.openExternalLinks()
    assert f'<a href="{tramit["portal_url"]}">' in portal.text()

    async def scenario():
        context = await chromium.new_context(viewport={"width": 1280, "height": 1000}, locale="ca-ES")
        try:
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await join_waiting_room(page, link, pin)
            await console_sees_waiting(console, appt.id)
            session = await admit_connected(console, appt.id)
            await wait_until(page_steps.ask_share.isEnabled, 10, "'Ask to share' enabled by the live call")
            assert page_steps.send_link.isEnabled() and not page_steps.point.isEnabled()

            # The portal link goes to the citizen by chat.
            page_steps.send_link.click()
            url = tramit["portal_url"]
            await page_until(page, f"document.getElementById('chat-log').textContent.includes({url!r})",
                              what="the portal link in the citizen's chat")  # fmt: skip
            # …as a link the citizen can open (a new tab, no opener).
            link_attrs = await page.evaluate(
                "() => [...document.querySelectorAll('#chat-log a')].map((a) => [a.href, a.target, a.rel])"
            )
            assert link_attrs == [[url, "_blank", "noopener noreferrer"]], link_attrs
            # Only http(s) addresses become links, and the rest of a line stays plain text.
            hostile = 'Mira https://a.example/x?q=1&r=2". <img src=x onerror=alert(1)> javascript:alert(1)'
            panel.chat.input.setText(hostile)
            panel.chat.send.click()
            await page_until(
                page, "document.querySelectorAll('#chat-log a').length === 2", what="the 2nd link"
            )
            last = await page.evaluate(
                "() => { const li = document.querySelector('#chat-log li:last-child');"
                " return [li.querySelector('a').href, li.textContent, li.querySelectorAll('img').length]; }"
            )
            assert last == ["https://a.example/x?q=1&r=2", "Informador" + hostile, 0], last

            # Asked, the citizen sees the prompt in their language, and says no: the wizard shows it.
            page_steps.ask_share.click()
            assert page_steps.share_state == "asked"
            assert (
                page_steps.share_hint.text() == "Asked: waiting for the citizen to press Share on their page."
            )
            await page_until(page, PROMPT_VISIBLE, what="the share prompt")
            title = await page.inner_text("#screenshare .ss-request h2")
            assert title == "L'informador us demana que compartiu la pantalla", title
            assert await page.get_attribute("#screenshare .ss-request", "role") == "alertdialog"
            assert await page.inner_text("#screenshare .ss-request-share") == "Comparteix la meva pantalla"
            focused = await page.evaluate("document.activeElement.className")
            assert focused == "ss-request-share", focused
            axe = await Axe().run(page, context="#screenshare .ss-request")
            serious = [v["id"] for v in axe.response["violations"] if v["impact"] in ("serious", "critical")]
            assert serious == [], serious
            await page.screenshot(path=str(SHOTS / "videoatencio-citizen-share-request.png"), full_page=True)
            # The citizen switches the page to Arabic: the prompt follows (right to left).
            await page.select_option("#language", "ar")
            await page_until(page, "document.documentElement.dir === 'rtl'", what="the page in Arabic")
            title = await page.inner_text("#screenshare .ss-request h2")
            assert title == "يطلب منك الموظف مشاركة شاشتك", title
            assert await page.inner_text("#screenshare .ss-request-decline") == "ليس الآن"
            await page.select_option("#language", "ca")
            await page_until(page, "document.documentElement.lang === 'ca'", what="the page in Catalan again")
            assert await page.inner_text("#screenshare .ss-request-decline") == "Ara no"
            await page.click("#screenshare .ss-request-decline")
            await wait_until(lambda: page_steps.share_state == "declined", 10, "'declined' in the wizard")
            assert not await page.evaluate(PROMPT_VISIBLE)
            assert page_steps.ask_share.isEnabled() and not page_steps.point.isEnabled()

            # Asked again; this time the citizen clicks Share: the console gets their screen.
            page_steps.ask_share.click()
            await page_until(page, PROMPT_VISIBLE, what="the share prompt again")
            await page.click("#screenshare .ss-request-share")
            await wait_until(lambda: share_view.remote_sharing, 20, "share-started in the panel")
            await wait_until(lambda: share_view.view.frames_painted > 5, 20, "citizen's screen painted")
            await wait_until(lambda: page_steps.share_state == "sharing", 10, "'sharing' in the wizard")
            assert not await page.evaluate(PROMPT_VISIBLE)
            assert share.share_request == "sharing"
            assert page_steps.share_hint.text().startswith("The citizen is sharing their screen")
            assert await page.evaluate(RED_IN_LABEL) == 0  # nothing written there yet
            assert not page_steps.ask_share.isEnabled()

            # Point at step 2: its text is written on the citizen's screen; the pointer tool is on.
            share_view.guidance.tool_buttons["box"].click()
            page_steps.steps.setCurrentRow(1)
            assert page_steps.point.isEnabled() and page_steps.point.text() == "Point at step 2"
            workspace = console.window.workspace
            workspace.setCurrentWidget(agenda)  # the informador went back to the agenda meanwhile
            assert workspace.currentWidget() is not panel
            page_steps.point.click()
            assert workspace.currentWidget() is panel  # where the mouse now points on their screen
            label = page_steps.steps.item(1).data(Qt.ItemDataRole.UserRole)
            assert label.startswith("2. ") and len(label) > 5
            assert share_view.view.tool == "pointer"
            assert share_view.view.marks[STEP_LABEL_ID].text == label[:200]
            await page_until(page, f"{RED_IN_LABEL}.then((n) => n > 30)", what="the step label on the page")
            assert wizard.grab().save(str(SHOTS / "videoatencio-wizard-assisted-sharing.png"))
            await page.screenshot(path=str(SHOTS / "videoatencio-citizen-step-label.png"), full_page=True)
            # Pointing at step 3 replaces the label (one id), it does not pile up.
            page_steps.steps.setCurrentRow(2)
            page_steps.point.click()
            assert [m.id for m in share_view.view.marks.values()] == [STEP_LABEL_ID]

            # The page refuses a malformed request like the console does.
            refused = await page.evaluate(
                "() => import('/static/js/guidance.js').then((m) => {"
                " try { m.parseGuidance({ type: 'share-request', id: 'not an id!' }); return 'accepted'; }"
                " catch (e) { return e.message; } })"
            )
            assert refused == "share-request: bad id", refused

            panel.hang_up.click()
            await wait_until(lambda: session.state is CallState.ENDED, 20, "ended")
            await wait_until(
                lambda: not page_steps.ask_share.isEnabled(), 10, "'Ask to share' off after the call"
            )
            assert not page_steps.point.isEnabled() and not page_steps.send_link.isEnabled()
            assert not errors, errors
        finally:
            await context.close()

    arun(scenario(), timeout=150)
    # Closed (deleted on close), the wizard's page no longer hears the service: no error afterwards.
    wizard.close()
    until(lambda: appt.id not in console._wizards, what="the wizard closed")
    share.share_request_changed.emit("declined")
    consoles.stop(console)
