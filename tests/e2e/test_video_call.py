"""The video call end to end, every part real: the backend process, the console (composition root and
services, offscreen, aiortc) logged in as marta, and Debian's Chromium as the citizen on the real page.

link + PIN (read from the outbox as the demo does) → device check → PIN → waiting room → the console
sees the citizen waiting → admit → audio and video decoded on both sides → chat both ways → a document
each way (sha256 checked) → hang up from the console → end screen, and everything closed.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from pathlib import Path

import pytest

from console.call.config import MediaSelection
from console.call.state import CallState
from console.domain.appointment import Status
from console.services.demo import DemoService, read_outbox
from tests.call.helpers import call_threads, wait_until
from tests.e2e.support import console_sees_waiting, into_pin_window, join_waiting_room, page_until
from tests.helpers.consoles import client_for
from tests.helpers.identification import override_gate

pytestmark = pytest.mark.browser

# Every RTCPeerConnection the page creates, so the test can read its stats and check it was closed.
TRACK_PCS = """
window.__pcs = [];
const NativePC = window.RTCPeerConnection;
window.RTCPeerConnection = class extends NativePC {
  constructor(...args) { super(...args); window.__pcs.push(this); }
};
"""
PAGE_STATS = """async () => {
  const pc = window.__pcs[window.__pcs.length - 1];
  if (!pc) return null;
  const out = {video: 0, audioSamples: 0, audioEnergy: 0, state: pc.connectionState};
  (await pc.getStats()).forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    if (s.kind === 'video') out.video = Math.max(out.video, s.framesDecoded || 0);
    if (s.kind !== 'audio') return;
    out.audioSamples += s.totalSamplesReceived || 0;
    out.audioEnergy += s.totalAudioEnergy || 0;
  });
  return out;
}"""
SHOTS = Path(os.environ.get("VIDEOATENCIO_SHOTS", "/tmp"))


def _pdf(text: str) -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(text=text)
    return bytes(doc.output())


def test_video_call_end_to_end(fresh_backend, consoles, chromium, arun, until, tmp_path):  # noqa: PLR0917
    console = consoles.start(fresh_backend.url)
    consoles.login(console)
    calls, view, panel = console.ctx.calls, console.agenda_view, console.call_panel
    # No camera or sound card here: the console falls back to the test pattern by itself (and says so);
    # a tone instead of silence lets the browser prove it decoded real audio. 640x360 spares the 2 cores.
    calls.selection = MediaSelection(width=640, height=360, fps=30, synthetic_audio=True)
    notices: list[str] = []
    calls.notice.connect(notices.append)

    appt = next(
        a
        for a in console.agenda_model.appointments()
        if a.status in (Status.SCHEDULED, Status.CONFIRMED) and a.citizen_phone
    )
    # Into the PIN window (30 min before to 60 after the start), as tests/citizen does: no API reschedules.
    db = fresh_backend.data_dir / "videoatencio.db"
    into_pin_window(db, appt.id)

    # The informador sends the link and the PIN from the detail pane.
    assert view.select_appointment(appt.id)
    detail = view.detail
    assert detail.send_link.isEnabled() and detail.send_pin.isEnabled() and not detail.admit.isEnabled()
    detail.send_link.click()
    until(detail.call_result.isVisible, what="link result")
    assert "link" in detail.call_result.text().lower() or "enllaç" in detail.call_result.text().lower()
    detail.send_pin.click()
    until(lambda: "PIN" in detail.call_result.text(), what="PIN result")
    link, pin = DemoService.latest(read_outbox(db, appt.id))
    assert link and pin
    # Sending the informador's document waits for the checklist's send_personal_documents gate: a
    # supervisor's override opens it here (tests/checklists opens it by the identification itself).
    override_gate(
        fresh_backend.api, fresh_backend.headers("laia"), appt.id, "laia",
        gate="send_personal_documents", reason="Identity checked at the desk before the call",
    )  # fmt: skip

    citizen_pdf, staff_pdf = _pdf("DNI de la ciutadana"), _pdf("Resguard de la sol.licitud")
    staff_pdf_path = tmp_path / "resguard.pdf"
    staff_pdf_path.write_bytes(staff_pdf)
    saved = tmp_path / "dni-rebut.pdf"

    async def scenario():
        context = await chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ca-ES")
        try:
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.add_init_script(TRACK_PCS)
            # Device check (fake camera + microphone), PIN, waiting room.
            await join_waiting_room(page, link, pin)

            # The console sees the citizen waiting, marks the row, and prepares the call meanwhile.
            await console_sees_waiting(console, appt.id, "waiting status pushed to the agenda")
            # Its new start time moved the row; the informador selects the citizen again.
            assert view.select_appointment(appt.id)
            await wait_until(detail.admit.isEnabled, 20, "admit enabled")
            row = console.agenda_model.row_of(appt.id)
            assert console.agenda_model.index(row, 5).data().startswith("⏳")
            assert detail.waiting_note.isVisible()
            await wait_until(
                lambda: appt.id in calls.sessions and calls.sessions[appt.id].state is CallState.READY,
                20,
                "session pre-created while the citizen waits",
            )

            detail.admit.click()
            await wait_until(lambda: calls.active_session is not None, 20, "admitted")
            session = calls.active_session
            assert console.window.workspace.currentWidget() is panel
            await wait_until(lambda: session.state is CallState.CONNECTED, 20, "connected")
            assert panel.state_label.text() and panel.hang_up.isEnabled()

            # Audio and video both ways, decoded: aiortc counts frames and the panel paints them; the
            # browser's inbound-rtp counts decoded frames and received audio samples with energy.
            await wait_until(
                lambda: session.remote_video_frames > 30 and session.remote_audio_frames > 50,
                20,
                "citizen media decoded by aiortc",
            )
            await wait_until(lambda: panel.remote_video.frames_painted > 10, 20, "remote video painted")
            await wait_until(lambda: panel.self_view.frames_painted > 3, 20, "self view painted")
            await page_until(
                page,
                f"({PAGE_STATS})().then(s => s && s.video > 30 && s.audioSamples > 48000"
                " && s.audioEnergy > 0)",
                what="console media decoded by Chromium",
            )
            await page_until(page, "document.getElementById('remote-video').videoWidth > 0", what="video")
            assert any("test picture" in n for n in notices), notices

            # Chat both ways; citizen text is plain text in Qt, the console's is text on the page.
            panel.chat.input.setText("Bon dia! <b>text pla</b>")
            panel.chat.send.click()
            await page_until(
                page,
                "document.getElementById('chat-log').textContent.includes('Bon dia! <b>text pla</b>')",
                what="console chat on the page",
            )
            assert await page.evaluate("document.querySelectorAll('#chat-log b').length") == 0
            await page.fill("#chat-input", "Hola, sóc la <i>ciutadana</i>")
            await page.click("#chat-form button[type=submit]")
            await wait_until(
                lambda: any(line.endswith("Hola, sóc la <i>ciutadana</i>") for line in panel.chat.lines()),
                20,
                "citizen chat in the panel",
            )

            # A document each way, with the sha256 checked at the far end.
            await page.set_input_files(
                "#doc-file", files=[{"name": "dni.pdf", "mimeType": "application/pdf", "buffer": citizen_pdf}]
            )
            await page.click("#doc-form button[type=submit]")
            await wait_until(lambda: any(d.uploader == "citizen" for d in calls.documents), 20, "citizen doc")
            assert panel.documents.list.count() == 1
            doc = next(d for d in calls.documents if d.uploader == "citizen")
            panel.download_requested.emit(doc.id, str(saved))  # what the save dialog emits
            await wait_until(saved.exists, 20, "document saved by the console")
            assert hashlib.sha256(saved.read_bytes()).hexdigest() == hashlib.sha256(citizen_pdf).hexdigest()

            panel.upload_requested.emit(str(staff_pdf_path))  # what the open dialog emits
            await page_until(page, "document.querySelector('#doc-list button') !== null", what="doc on page")
            async with page.expect_download() as info:
                await page.click("#doc-list button")
            download = await info.value
            got = await asyncio.to_thread(Path(await download.path()).read_bytes)
            assert hashlib.sha256(got).hexdigest() == hashlib.sha256(staff_pdf).hexdigest()

            # Look at it: the panel and the page in the call.
            await wait_until(lambda: panel.quality.bitrate.text()[:1] not in "—0", 20, "bitrate shown")
            assert panel.grab().save(str(SHOTS / "videoatencio-call-panel.png"))
            await page.screenshot(path=str(SHOTS / "videoatencio-citizen-call.png"))

            # Hang up from the console: the page ends, and everything on both sides is closed.
            pc = session.peer_connection
            media = session.local_media
            panel.hang_up.click()
            await wait_until(lambda: session.state is CallState.ENDED, 20, "ended")
            await page_until(page, "document.body.dataset.step === 'end'", what="end screen")
            await page_until(
                page, "window.__pcs.every(pc => pc.connectionState === 'closed')", what="page pcs closed"
            )
            await page.screenshot(path=str(SHOTS / "videoatencio-citizen-end.png"))
            assert pc.connectionState == "closed"
            assert media is not None and media._closed
            assert media.speaker is None or media.speaker._stream is None
            assert all(t.readyState == "ended" for t in (media.audio, media.video))
            await wait_until(lambda: not call_threads(), 10, f"call threads gone: {call_threads()}")
            assert panel.end_box.isVisible() and not panel.hang_up.isEnabled()
            assert not errors, errors
        finally:
            await context.close()

    arun(scenario(), timeout=90)

    # The outcome goes through the agenda's status flow; the call tab closes. "Resolved" waits for the
    # checklist (nothing of it was ticked here), with the reason shown; another outcome does not.
    panel.outcome.setCurrentIndex(panel.outcome.findData("resolved"))
    until(lambda: not panel.complete.isEnabled() and panel.gate_note.isVisible(), what="resolved gated")
    assert panel.gate_note.text() and panel.complete.toolTip() == panel.gate_note.text()
    panel.outcome.setCurrentIndex(panel.outcome.findData("referred"))
    assert panel.complete.isEnabled()
    panel.complete.click()
    other = client_for(fresh_backend)
    until(lambda: other.get(appt.id)["status"] == "completed", what="completed on the server")
    assert other.get(appt.id)["outcome"] == "referred"
    assert console.window.workspace.indexOf(panel) < 0
    assert appt.id not in calls.sessions and calls.active_session is None
    # Quitting closes what is left: here the session prepared for the next waiting citizen.
    prepared = list(calls.sessions.values())
    consoles.stop(console)
    assert all(s.state.is_final and s.peer_connection.connectionState == "closed" for s in prepared)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("call-")]
