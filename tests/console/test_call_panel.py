"""The call panel, the agenda's waiting marker and call actions, and the signalling transport, with
pytest-qt (no backend: these are the views' and the transport's own behaviour)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from PyQt6.QtCore import Qt

from console.call.rest_signaling import RestSignaling, SignalingSendFailed
from console.call.signaling import SignalingClosed
from console.call.state import CallState
from console.call.stats import CallStats
from console.domain.appointment import Appointment, Status
from console.domain.document import Document
from console.models.agenda_table import AgendaTableModel, Column
from console.services.call import CallService
from console.sync.api import BackendApi
from console.sync.events import ServerEvent
from console.views.appointment_detail import AppointmentDetail
from console.views.call_panel import CallPanel


def appointment(
    status: Status = Status.WAITING, name: str = "Anna <b>Puig</b>", staff_id: int = 1
) -> Appointment:
    return Appointment(
        id="3f1c2d4e-0000-4000-8000-000000000001",
        office_id=1,
        staff_id=staff_id,
        pool=False,
        tramit_code="carnet-jove",
        level="informativa",
        start=datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
        duration_min=20,
        citizen_name=name,
        citizen_phone="+34 600 000 000",
        citizen_email="anna@example.org",
        language="ca",
        status=status,
        version=3,
    )


def stats(loss: float | None = 0.5, rtt: float | None = 40.0) -> CallStats:
    return CallStats(
        outbound_kbps=812.4,
        inbound_kbps=1530.0,
        inbound_loss_pct=loss,
        outbound_loss_pct=None,
        rtt_ms=rtt,
        video_fps_received=30.0,
        video_size_received=(1280, 720),
        pc_generation=1,
    )


@pytest.fixture
def panel(qtbot):
    widget = CallPanel()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_controls_follow_the_call_state(panel):
    assert not panel.hang_up.isEnabled() and not panel.mute.isEnabled() and not panel.chat.send.isEnabled()
    panel.start_call(appointment())
    assert panel.title.text() == "Anna <b>Puig</b>"  # plain text, not markup
    assert panel.title.textFormat() == Qt.TextFormat.PlainText
    for state in (CallState.CONNECTING, CallState.CONNECTED, CallState.RECONNECTING):
        panel.set_state(state)
        assert panel.hang_up.isEnabled() and panel.mute.isEnabled() and panel.camera.isEnabled()
        assert panel.chat.send.isEnabled() and panel.documents.upload.isEnabled()
        assert not panel.end_box.isVisible()
    panel.set_state(CallState.ENDED)
    assert not panel.hang_up.isEnabled() and not panel.chat.input.isEnabled()
    assert not panel.documents.upload.isEnabled()
    assert panel.end_box.isVisible() and panel.complete.isEnabled()


def test_reconnecting_banner(panel):
    panel.start_call(appointment())
    panel.set_state(CallState.CONNECTED)
    assert not panel.banner.isVisible()
    panel.set_state(CallState.RECONNECTING)
    assert panel.banner.isVisible() and "Reconnecting" in panel.state_label.text()
    panel.set_state(CallState.CONNECTED)
    assert not panel.banner.isVisible()


def test_chat_is_plain_text_both_ways(panel, qtbot):
    panel.start_call(appointment())
    panel.set_state(CallState.CONNECTED)
    panel.add_chat(True, "<script>alert(1)</script> <b>hola</b>", datetime(2026, 1, 1, 9, 5, tzinfo=UTC))
    assert panel.chat.lines()[-1].endswith("Citizen: <script>alert(1)</script> <b>hola</b>")
    with qtbot.waitSignal(panel.chat_send_requested, timeout=1000) as sent:
        panel.chat.input.setText("  Bon dia  ")
        qtbot.keyClick(panel.chat.input, Qt.Key.Key_Return)  # keyboard-operable
    assert sent.args == ["Bon dia"]
    assert panel.chat.input.text() == ""
    with qtbot.assertNotEmitted(panel.chat_send_requested):
        panel.chat.send.click()  # empty: nothing to send


def test_mute_and_camera_toggles(panel, qtbot):
    panel.start_call(appointment())
    panel.set_state(CallState.CONNECTED)
    with qtbot.waitSignal(panel.mute_toggled) as muted:
        panel.mute.click()
    assert muted.args == [True] and panel.mute.text() == "Unmute"
    assert panel.mute.accessibleName() == "Unmute"
    with qtbot.waitSignal(panel.camera_toggled) as camera:
        panel.camera.click()
    assert camera.args == [False] and panel.camera.text() == "Camera on"


def test_stats_and_quality_light(panel):
    panel.show_stats(stats())
    assert panel.quality.quality == "good"
    # In the locale (Catalan by default: "." groups thousands, "," is the decimal separator).
    assert panel.quality.bitrate.text() == "1.530 / 812 kbit/s"
    assert panel.quality.loss.text() == "0,5\u00a0%" and panel.quality.rtt.text() == "40 ms"
    panel.show_stats(stats(loss=5.0, rtt=120.0))
    assert panel.quality.quality == "fair"
    panel.show_stats(stats(loss=None, rtt=None))
    assert panel.quality.loss.text() == "—" and panel.quality.rtt.text() == "—"
    panel.show_stats(stats(loss=25.0))
    assert panel.quality.quality == "poor" and "Poor" in panel.quality.light.accessibleName()


def test_documents_and_no_device_state(panel, qtbot):
    panel.start_call(appointment())
    panel.set_state(CallState.CONNECTED)
    doc = Document("d1", "a1", "citizen", "<i>dni</i>.pdf", "ab" * 32, 2048, "application/pdf")
    panel.set_documents([doc])
    item = panel.documents.list.item(0)
    assert item is not None and item.text().startswith("<i>dni</i>.pdf")
    assert not panel.documents.download.isEnabled()
    panel.documents.list.setCurrentRow(0)
    assert panel.documents.download.isEnabled()
    panel.devices.set_devices([], [], [])
    assert panel.devices.note.isVisible() and "No audio device" in panel.devices.note.text()
    assert "test picture" in panel.devices.note.text()
    assert not panel.devices.microphone.isEnabled() and not panel.devices.camera.isEnabled()


def test_detail_pane_waiting_marker_and_call_actions(qtbot):
    detail = AppointmentDetail()
    qtbot.addWidget(detail)
    detail.show()
    waiting = appointment(Status.WAITING)
    detail.show_appointment(waiting)
    detail.set_waiting({waiting.id: time.time() - 185})
    assert detail.waiting_note.isVisible() and "3 minutes" in detail.waiting_note.text()
    assert detail.admit.isEnabled() and detail.send_pin.isEnabled() and detail.send_link.isEnabled()
    with qtbot.waitSignal(detail.admit_requested) as admitted:
        detail.admit.click()
    assert admitted.args == [waiting.id]
    detail.show_call_result(waiting.id, "Too many PINs sent <b>now</b>", True)
    assert detail.call_result.isVisible() and detail.call_result.textFormat() == Qt.TextFormat.PlainText
    detail.set_call_busy(True)
    assert not detail.admit.isEnabled()  # one call at a time
    detail.set_call_busy(False)
    detail.show_appointment(appointment(Status.CONFIRMED))
    assert (
        not detail.admit.isEnabled() and detail.send_link.isEnabled() and not detail.waiting_note.isVisible()
    )
    detail.show_appointment(appointment(Status.IN_CALL))
    assert not detail.send_pin.isEnabled() and not detail.admit.isEnabled()
    detail.show_appointment(appointment(Status.COMPLETED))
    assert not detail.call_box.isVisible()


def test_agenda_marks_waiting_citizens_with_their_waiting_time(qtbot):
    model = AgendaTableModel()
    a = appointment(Status.WAITING)
    model.set_appointments([a])
    assert model.index(0, Column.STATUS).data() == "Waiting"
    model.set_waiting({a.id: time.time() - 125})
    assert model.index(0, Column.STATUS).data() == "⏳ Waiting · 2 min"


def test_call_service_tracks_the_waiting_room_from_events(qapp):
    service = CallService(BackendApi("http://127.0.0.1:9"))
    seen: list[dict[str, float]] = []
    service.waiting_changed.connect(seen.append)
    service.set_staff(99)  # not this appointment's informador: nothing is prepared for it
    service.set_appointments([appointment(Status.CONFIRMED)])
    service.on_server_event(ServerEvent("citizen.waiting", {"appointment_id": appointment().id}))
    assert appointment().id in service.waiting and seen
    assert not service.sessions and not service._preparing
    service.on_server_event(ServerEvent("citizen.left", {"appointment_id": appointment().id}))
    assert service.waiting == {} and seen[-1] == {}
    service.on_server_event(ServerEvent("signal", {"appointment_id": "nobody", "message": {}}))  # ignored
    service.deleteLater()


def test_rest_signaling_moves_text_and_reports_failures(arun):
    posted: list[dict[str, object]] = []

    async def post(message: dict[str, object]) -> None:
        if message.get("type") == "bye":
            raise ConnectionError("backend unreachable")
        posted.append(message)

    async def scenario() -> None:
        signaling = RestSignaling("a1", post)
        await signaling.send(json.dumps({"type": "answer", "call_id": "c", "pc_generation": 1}))
        assert posted == [{"type": "answer", "call_id": "c", "pc_generation": 1}]
        with pytest.raises(SignalingSendFailed):
            await signaling.send(json.dumps({"type": "bye"}))
        signaling.deliver({"type": "offer"})
        signaling.deliver("not json at all")  # passed on: the session refuses it with a reason
        signaling.deliver(["a", "list"])
        assert json.loads(await signaling.receive()) == {"type": "offer"}
        assert await signaling.receive() == "not json at all"
        assert json.loads(await signaling.receive()) == ["a", "list"]
        await signaling.close()
        with pytest.raises(SignalingClosed):
            await signaling.receive()
        with pytest.raises(SignalingClosed):
            await signaling.send("{}")

    arun(scenario())
