"""Screen sharing in a real call, every part real: the backend process, the console (composition root,
services, call panel; offscreen, aiortc) and Debian's Chromium on the citizen page (fake screen).

The citizen presses "Share my screen" on the page → the call panel switches to the citizen's screen
(guidance view main, camera thumbnail) and paints its frames → the informador draws a box with the
panel's tool (mouse on the GuidanceView) → the box is drawn on the citizen's page → the citizen stops
→ the panel switches back to the camera. The informador's own share of a real screen needs X (mss):
tests/screenshare covers it under Xvfb; offscreen, tests/console/test_share_controls.py covers the
picker and the button states.
"""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtTest import QTest

from console.call.config import MediaSelection
from console.call.state import CallState
from console.domain.appointment import Status
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

# RGBA of the visible share stage's overlay canvas at a fraction of the picture (what the citizen sees).
OVERLAY_PIXEL = """async ([x, y]) => {
  const { contentRect } = await import('/static/js/guidance.js');
  const stage = [...document.querySelectorAll('#screenshare .ss-stage')].find((s) => !s.hidden);
  if (!stage) return null;
  const video = stage.querySelector('video'), canvas = stage.querySelector('canvas');
  const r = contentRect(video);
  const dpr = window.devicePixelRatio || 1;
  return Array.from(canvas.getContext('2d').getImageData(
    Math.round((r.x + x * r.w) * dpr), Math.round((r.y + y * r.h) * dpr), 1, 1).data);
}"""


def test_citizen_shares_and_informador_draws(fresh_backend, consoles, chromium, arun, until):
    console = consoles.start(fresh_backend.url)
    consoles.login(console)
    calls, agenda, panel = console.ctx.calls, console.agenda_view, console.call_panel
    share = panel.screen_share
    calls.selection = MediaSelection(width=640, height=360, fps=30, synthetic_audio=True)
    appt = next(
        a
        for a in console.agenda_model.appointments()
        if a.status in (Status.SCHEDULED, Status.CONFIRMED) and a.citizen_phone
    )
    db = fresh_backend.data_dir / "videoatencio.db"
    into_pin_window(db, appt.id)
    assert agenda.select_appointment(appt.id)
    detail = agenda.detail
    link, pin = send_link_and_pin(detail, db, appt.id, until)

    async def scenario():
        context = await chromium.new_context(viewport={"width": 1280, "height": 1000}, locale="ca-ES")
        try:
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await join_waiting_room(page, link, pin)
            await console_sees_waiting(console, appt.id)
            session = await admit_connected(console, appt.id)
            await wait_until(lambda: panel.remote_video.frames_painted > 5, 20, "camera painted")
            assert share.share_button.isEnabled() and not share.guidance.isVisible()
            assert panel.remote_video.isVisible()

            # The share UI is mounted in the call view, translated (locale ca-ES → Catalan).
            start_text = await page.inner_text("#screenshare .ss-start")
            assert start_text == "Comparteix la meva pantalla", start_text

            # The citizen shares (Chromium's fake screen): the panel switches to it.
            await page.click("#screenshare .ss-start")
            await wait_until(lambda: share.remote_sharing, 20, "share-started in the panel")
            assert share.guidance.isVisible() and not panel.remote_video.isVisible()
            await wait_until(lambda: share.view.frames_painted > 5, 20, "citizen's screen painted")
            await wait_until(lambda: share.camera_thumb.frames_painted > 3, 20, "camera as a thumbnail")

            # The informador draws a box with the panel's tool; it is drawn on the citizen's page.
            share.guidance.tool_buttons["box"].click()
            assert share.view.tool == "box"
            view = share.view
            a = view.from_fraction(0.3, 0.3).toPoint()
            b = view.from_fraction(0.7, 0.6).toPoint()
            QTest.mousePress(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
            QTest.mouseMove(view, QPoint((a.x() + b.x()) // 2, (a.y() + b.y()) // 2))
            QTest.mouseRelease(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
            assert len(view.marks) == 1
            mark = next(iter(view.marks.values()))
            assert mark.kind == "box" and not mark.id.startswith("draft")
            edge = f"({OVERLAY_PIXEL})([{mark.x1}, {(mark.y1 + mark.y2) / 2}])"
            red_edge = f"{edge}.then(p => p && p[0] > 180 && p[1] < 80 && p[3] > 200)"
            await page_until(page, red_edge, what="box drawn on the page")
            # The informador's pointer (the mouse moved through the box's middle) is there too.
            centre = [(mark.x1 + mark.x2) / 2, (mark.y1 + mark.y2) / 2]
            ptr = f"({OVERLAY_PIXEL})({centre})"
            await page_until(page, f"{ptr}.then(p => p && p[0] > 180 && p[3] > 150)", what="pointer")
            quarter = [mark.x1 + (mark.x2 - mark.x1) / 4, mark.y1 + (mark.y2 - mark.y1) / 4]
            inside = await page.evaluate(f"({OVERLAY_PIXEL})({quarter})")
            assert inside is not None and inside[3] == 0, inside  # an outline, not a fill

            # Look at it: the panel with the citizen's screen and the mark, and the page while sharing.
            assert panel.grab().save(str(SHOTS / "videoatencio-call-panel-citizen-sharing.png"))
            await page.screenshot(path=str(SHOTS / "videoatencio-citizen-sharing.png"), full_page=True)

            # The citizen stops: the panel switches back to the camera.
            await page.click("#screenshare .ss-stop")
            await wait_until(lambda: not share.remote_sharing, 20, "share-stopped in the panel")
            assert panel.remote_video.isVisible() and not share.guidance.isVisible()
            assert view.marks == {}

            panel.hang_up.click()
            await wait_until(lambda: session.state is CallState.ENDED, 20, "ended")
            await page_until(page, "document.body.dataset.step === 'end'", what="end screen")
            assert not share.share_button.isEnabled()
            assert not errors, errors
        finally:
            await context.close()

    arun(scenario(), timeout=120)
    consoles.stop(console)
