"""The checklist service, model and panel against the real backend: both languages, keyboard walk,
engine errors inline, gates on "close as resolved", supervisor override, restart, transfer, offline."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PyQt6.QtCore import Qt

from console.call.state import CallState
from console.domain.appointment import Appointment, Status
from console.models.checklist_model import ChecklistModel, Role
from console.services.checklist import ChecklistService
from console.sync.api import BackendApi
from console.sync.events import ServerEvent
from console.sync.localdb import LocalDb
from console.views.appointment_detail import AppointmentDetail
from console.views.call_panel import CallPanel
from console.views.checklist import ChecklistPanel, OverrideDialog
from tests.checklists.support import (
    ChecklistBackend,
    ChecklistServices,
    appointment_in,
    checklist_panel,
    select_item,
)
from tests.citizen.conftest import Citizen, CitizenBackend
from tests.helpers.identification import override_gate

EXPIRY = (date.today() + timedelta(days=400)).strftime("%d/%m/%Y")


@pytest.fixture(autouse=True)
def _env(console_home: Path, collect_on_the_gui_thread: None, loop_always_running: None) -> None:
    """Console paths in tmp, GC on the GUI thread, the qasync loop seen as running."""


class Services(ChecklistServices):
    """ChecklistServices of several 'consoles' (each its own API client and local file)."""

    def start(self, username: str = "marta", db_name: str = "") -> ChecklistService:
        api = BackendApi(self.cb.server.url)
        staff = self.arun(api.login(username, "demo"))
        db = LocalDb(self.tmp / (db_name or f"{username}-{len(self.parts)}.sqlite3"))
        service = ChecklistService(api, db)
        service.set_user(f"{username}@test", username, staff.role)
        return self.add(service, api, db)


@pytest.fixture
def services(checklist_backend, arun, tmp_path) -> Iterator[Services]:
    made = Services(checklist_backend, arun, tmp_path)
    yield made
    made.stop_all()


def _appointment(cb: ChecklistBackend, language: str = "es") -> Appointment:
    return appointment_in(cb, language)


def _gated_call_panel(qtbot, service: ChecklistService, appointment: Appointment) -> CallPanel:
    """A connected call panel whose gates come from the checklist service, as the console wires it."""
    panel = CallPanel()
    qtbot.addWidget(panel)
    # The provider the composition root gives the agenda's detail pane too (console/app.py _gate_for).
    panel.set_gate_provider(
        lambda a, gate: (not service.blocked_reason(a.id, gate), service.blocked_reason(a.id, gate))
    )
    service.gates_changed.connect(panel.refresh_gates)
    panel.show()
    panel.start_call(appointment)
    panel.set_state(CallState.CONNECTED)
    return panel


def _birth(appointment: Appointment) -> str:
    """The seeded date of birth as the citizen says it (the appointment API gives it to marta's office)."""
    assert appointment.citizen_birth_date, "the seed gives every demo appointment a date of birth"
    return date.fromisoformat(appointment.citizen_birth_date).strftime("%d/%m/%Y")


def _panel(qtbot, service: ChecklistService, appointment: Appointment, arun) -> ChecklistPanel:
    return checklist_panel(qtbot, service, appointment, arun, active=True)


def _server_events(
    cb: ChecklistBackend, appointment_id: str, username: str = "marta"
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = cb.get(appointment_id, username).json()["events"]
    return events


def test_model_passes_qtmodeltester(services, arun, checklist_backend, qtmodeltester):
    service = services.start()
    appointment = _appointment(checklist_backend)
    assert arun(service.open(appointment))
    model = ChecklistModel()
    model.set_run(service.engine(appointment.id), "es", "ca", {"staff_name": "marta"})
    qtmodeltester.check(model)
    first = model.index(0, 0)
    assert first.data(Role.IS_SECTION) and first.data(Role.CITIZEN_LABEL) == "Saludo"
    item = model.index(1, 0)
    assert item.data(Role.ITEM_ID) == "greeting.hello" and item.data(Role.REQUIRED) is True
    assert item.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert service.tick(appointment.id, "greeting.hello") == ""
    model.refresh(service.engine(appointment.id))
    assert item.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    qtmodeltester.check(model)


def test_panel_shows_both_languages_and_walks_by_keyboard(services, arun, checklist_backend, qtbot, until):
    cb = checklist_backend
    service = services.start()
    appointment = _appointment(cb, "es")
    panel = _panel(qtbot, service, appointment, arun)
    assert panel.current_item() is not None and panel.current_item().id == "greeting.hello"
    assert "Buenos días, soy marta" in panel.citizen_text.text()  # the citizen's language
    assert "Bon dia, sóc marta" in panel.staff_text.text()  # the informador's, alongside
    index = panel.list.currentIndex()
    assert index.data(Role.CITIZEN_LABEL) == "Saludo" and index.data(Role.STAFF_LABEL) == "Salutació"

    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Space)  # tick "greeting" (read aloud), move on
    assert service.engine(appointment.id).run.record("greeting.hello").state.value == "done"
    assert panel.current_item().id == "greeting.av_ok"
    qtbot.keyClick(panel.list, Qt.Key.Key_J)
    assert panel.current_item().id == "data_protection.notice"
    qtbot.keyClick(panel.list, Qt.Key.Key_K)
    qtbot.keyClick(panel.list, Qt.Key.Key_Down)
    assert panel.current_item().id == "data_protection.notice"
    qtbot.keyClick(panel.list, Qt.Key.Key_N)
    assert panel.focusWidget() is panel.note
    qtbot.keyClicks(panel.note, "Llegit a poc a poc")
    qtbot.keyClick(panel.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    record = service.engine(appointment.id).run.record("data_protection.notice")
    assert record.note == "Llegit a poc a poc" and record.state.value == "pending"
    until(lambda: service.unsent(appointment.id) == 0, what="events sent")
    assert [(e["action"], e["item_id"]) for e in _server_events(cb, appointment.id)] == [
        ("tick", "greeting.hello"),
        ("note", "data_protection.notice"),
    ]


def test_invalid_dni_shows_the_engine_message_and_records_nothing(
    services, arun, checklist_backend, qtbot, until
):
    service = services.start()
    appointment = _appointment(checklist_backend)
    panel = _panel(qtbot, service, appointment, arun)
    select_item(panel, "identification.document")
    editor = panel._editor
    assert editor is not None
    editor.number.setText("12345678A")  # type: ignore[attr-defined]
    editor.expiry.setText(EXPIRY)  # type: ignore[attr-defined]
    qtbot.keyClick(editor.number, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # type: ignore[attr-defined]
    assert panel.error.isVisible() and "lletra" in panel.error.text().lower(), panel.error.text()
    assert service.engine(appointment.id).run.events == ()
    editor.number.setText("12345678Z")  # type: ignore[attr-defined]
    panel.confirm_editor()
    assert not panel.error.isVisible()
    until(lambda: service.unsent(appointment.id) == 0, what="events sent")
    values = _server_events(checklist_backend, appointment.id)[0]["values"]
    assert values["number"] == "12345678Z" and values["doc_type"] == "dni"


def _verify_pin(cb: ChecklistBackend, appointment_id: str) -> None:
    """The citizen enters the right PIN (the real exchange, as tests/citizen does it)."""
    citizens = CitizenBackend(cb.server)
    citizens.set_start(appointment_id, datetime.now(UTC) + timedelta(minutes=5))
    url = citizens.issue_link(appointment_id)
    assert citizens.issue_pin(appointment_id).status_code == 202
    citizen = Citizen(appointment_id, 0, url.rsplit("/", 1)[1], citizens.latest_pin(appointment_id), {}, url)
    assert citizens.session(citizen).status_code == 200


def _complete_button(detail: AppointmentDetail):
    return detail.action_buttons["completed"]


def test_gates_block_close_as_resolved_until_required_items_are_done(
    services, arun, checklist_backend, qtbot, until
):
    cb = checklist_backend
    service = services.start()
    appointment = _appointment(cb).with_changes(status=Status.IN_CALL)
    assert arun(service.open(appointment))
    detail = AppointmentDetail()
    qtbot.addWidget(detail)
    detail.set_gate_provider(
        lambda a, gate: (not service.blocked_reason(a.id, gate), service.blocked_reason(a.id, gate))
    )
    service.gates_changed.connect(detail.refresh_gates)
    detail.show_appointment(appointment)
    detail.show()
    button = _complete_button(detail)
    assert not button.isEnabled()
    assert detail.gate_note.isVisible()
    assert detail.gate_note.text().startswith("Closing as resolved blocked: missing ")
    assert (
        "Data protection notice" in detail.gate_note.text()
        or "Avís de protecció de dades" in detail.gate_note.text()
    )
    # Another outcome is never blocked.
    detail.outcome.setCurrentIndex(detail.outcome.findData("referred"))
    assert button.isEnabled() and not detail.gate_note.isVisible()
    detail.outcome.setCurrentIndex(detail.outcome.findData("resolved"))
    assert not button.isEnabled()

    _tick_missing(service, cb, appointment, "close_resolved", birth_date=_birth(appointment))
    assert button.isEnabled() and not detail.gate_note.isVisible()
    until(lambda: service.unsent(appointment.id) == 0, what="sent")
    assert cb.get(appointment.id).json()["gates"]["close_resolved"]["allowed"] is True  # the server agrees


def test_supervisor_override_with_reason_is_recorded_and_audited(  # noqa: PLR0917 - fixtures
    services, arun, checklist_backend, qtbot, until, monkeypatch
):
    cb = checklist_backend
    appointment = _appointment(cb)
    informador = services.start("marta")
    panel = _panel(qtbot, informador, appointment, arun)
    assert not panel.override_button.isVisible()  # informadors never see it

    supervisor = services.start("laia")
    panel = _panel(qtbot, supervisor, appointment, arun)
    assert panel.override_button.isVisible()
    reason = "Identity checked in person at the office desk"
    monkeypatch.setattr(
        OverrideDialog, "ask", classmethod(lambda cls, targets, parent=None: ("close_resolved", reason))
    )
    qtbot.mouseClick(panel.override_button, Qt.MouseButton.LeftButton)
    status = supervisor.gate_status(appointment.id, "close_resolved")
    assert status.allowed and status.override is not None and status.override.by == "laia"
    assert "allowed by laia" in panel.gates.text()
    assert reason in panel.gates.text()  # the written reason, not only who
    until(lambda: supervisor.unsent(appointment.id) == 0, what="override sent")
    audited = [json.loads(p) for a, p in cb.audit(appointment.id) if a == "checklist.override"]
    assert audited and audited[0]["data"]["note"] == reason and audited[0]["data"]["role"] == "supervisor"
    # A too short reason is refused with the engine's message, nothing recorded.
    monkeypatch.setattr(
        OverrideDialog, "ask", classmethod(lambda cls, targets, parent=None: ("attended_mode", "ok"))
    )
    qtbot.mouseClick(panel.override_button, Qt.MouseButton.LeftButton)
    assert panel.error.isVisible() and len(supervisor.engine(appointment.id).run.events) == 1


def test_restart_keeps_progress(services, arun, checklist_backend, until):
    appointment = _appointment(checklist_backend)
    first = services.start("marta", "same.sqlite3")
    assert arun(first.open(appointment))
    assert first.tick(appointment.id, "greeting.hello") == ""
    assert first.tick(appointment.id, "data_protection.data_use", {"granted": True}) == ""
    until(lambda: first.unsent(appointment.id) == 0, what="sent")
    before = {k: v.state for k, v in first.engine(appointment.id).run.records.items()}
    services.stop(first)

    # A new console instance (new API client; here with a fresh local file) against the same backend.
    again = services.start("marta")
    assert arun(again.open(appointment))
    after = {k: v.state for k, v in again.engine(appointment.id).run.records.items()}
    assert after == before and after["greeting.hello"].value == "done"
    assert [e.action.value for e in again.engine(appointment.id).run.events] == [
        "tick",
        "tick",
    ]  # no handover


def _second_informador(cb: ChecklistBackend) -> str:
    """Another informador of marta's office (the demo seeds one per office): same password hash."""
    with sqlite3.connect(cb.db_path) as con:
        exists = con.execute("SELECT 1 FROM staff WHERE username = 'marc'").fetchone()
        if not exists:
            con.execute(
                "INSERT INTO staff"
                " (username, full_name, role, office_id, password_hash, languages, skills, active)"
                " SELECT 'marc', 'Marc Vidal', 'informador', office_id, password_hash, languages, skills, 1"
                " FROM staff WHERE username = 'marta'"
            )
    return "marc"


def test_transfer_to_another_informador_keeps_history_and_records_the_handover(
    services, arun, checklist_backend, until
):
    cb = checklist_backend
    appointment = _appointment(cb)
    marta = services.start("marta")
    assert arun(marta.open(appointment))
    assert marta.tick(appointment.id, "greeting.hello") == ""
    assert (
        marta.tick(
            appointment.id,
            "identification.document",
            {"doc_type": "dni", "number": "12345678Z", "expiry": EXPIRY},
        )
        == ""
    )
    until(lambda: marta.unsent(appointment.id) == 0, what="sent")

    colleague = services.start(_second_informador(cb))
    assert arun(colleague.open(appointment))
    run = colleague.engine(appointment.id).run
    assert run.record("identification.document").state.value == "done"
    assert run.record("identification.document").by == "marta"
    handover = run.events[-1]
    assert handover.action.value == "handover" and handover.by == "marc" and handover.values["to"] == "marc"
    assert "marta" in handover.note
    assert colleague.tick(appointment.id, "purpose.confirm") == ""
    until(lambda: colleague.unsent(appointment.id) == 0, what="sent")
    events = _server_events(cb, appointment.id)
    assert [(e["action"], e["by"]) for e in events] == [
        ("tick", "marta"),
        ("tick", "marta"),
        ("handover", "marc"),
        ("tick", "marc"),
    ]
    assert "checklist.handover" in [a for a, _ in cb.audit(appointment.id)]


def test_offline_tick_is_queued_and_replayed_when_the_backend_returns(
    services, arun, checklist_backend, until
):
    cb = checklist_backend
    appointment = _appointment(cb)
    service = services.start()
    assert arun(service.open(appointment))
    cb.server.stop()
    try:
        assert service.tick(appointment.id, "greeting.hello") == ""
        arun(service.flush(appointment.id))
        assert service.unsent(appointment.id) == 1  # kept in the local copy, not lost
    finally:
        cb.server.start()
    arun(service.flush())
    assert service.unsent(appointment.id) == 0
    assert [e["item_id"] for e in _server_events(cb, appointment.id)] == ["greeting.hello"]


def _tick_missing(
    service: ChecklistService,
    cb: ChecklistBackend,
    appointment: Appointment,
    gate: str,
    birth_date: str = "",
) -> None:
    """Ticks what keeps `gate` closed, as the informador would in the panel (the PIN by a real exchange);
    the date of birth typed is `birth_date`, or the run's own."""
    engine = service.engine(appointment.id)
    assert engine is not None
    birth = engine.run.appointment.birth_date
    for item_id in engine.gate_status(gate).missing:
        item = engine.run.item(item_id)
        values: dict[str, object] = {}
        if item.kind.value == "id_document":
            values = {"doc_type": "dni", "number": "12345678Z", "expiry": EXPIRY}
        elif item.kind.value == "data_match":
            born = birth_date or (birth.isoformat() if birth else "17/05/1980")
            values = {"name": appointment.citizen_name, "birth_date": born}
        elif item.kind.value == "consent":
            values = {"granted": True}
        elif item.kind.value == "automatic":
            _verify_pin(cb, appointment.id)
            # What the console's event stream delivers (backend/checklists/facts.py).
            data = {"appointment_id": appointment.id, "fact": "pin_verified", "value": True}
            service.on_server_event(ServerEvent("checklist.fact", data))
            continue
        assert service.tick(appointment.id, item_id, values) == "", item_id


def test_call_panel_gates_sending_documents_and_closing_resolved(
    services, arun, checklist_backend, qtbot, until
):
    cb = checklist_backend
    service = services.start()
    appointment = _appointment(cb, "ca").with_changes(status=Status.IN_CALL)
    assert arun(service.open(appointment))
    panel = _gated_call_panel(qtbot, service, appointment)
    upload, note = panel.documents.upload, panel.documents.gate_note
    assert not upload.isEnabled()
    assert note.isVisible(), note.text()
    assert note.text().startswith("Sending documents with personal data blocked: missing "), note.text()
    assert upload.toolTip() == note.text()
    assert "Identity document" in note.text() or "Document d'identitat" in note.text(), note.text()

    _tick_missing(service, cb, appointment, "send_personal_documents")
    assert upload.isEnabled() and not note.isVisible() and upload.toolTip() == ""
    until(lambda: service.unsent(appointment.id) == 0, what="sent")
    assert cb.upload(appointment.id).status_code == 201  # the backend agrees

    # After the call: "resolved" waits for the rest of the script, other outcomes do not.
    panel.set_state(CallState.ENDED)
    assert panel.end_box.isVisible() and not upload.isEnabled() and not note.isVisible()
    panel.outcome.setCurrentIndex(panel.outcome.findData("resolved"))
    assert not panel.complete.isEnabled()
    assert panel.gate_note.isVisible()
    assert panel.gate_note.text().startswith("Closing as resolved blocked: missing "), panel.gate_note.text()
    assert panel.complete.toolTip() == panel.gate_note.text()
    panel.outcome.setCurrentIndex(panel.outcome.findData("referred"))
    assert panel.complete.isEnabled() and not panel.gate_note.isVisible()
    panel.outcome.setCurrentIndex(panel.outcome.findData("resolved"))
    _tick_missing(service, cb, appointment, "close_resolved")
    assert panel.complete.isEnabled() and not panel.gate_note.isVisible()
    with qtbot.waitSignal(panel.complete_requested) as done:
        qtbot.mouseClick(panel.complete, Qt.MouseButton.LeftButton)
    assert done.args == [appointment.id, "resolved"]


def test_call_panel_sends_on_informativa_only_after_a_supervisors_override(
    services, arun, checklist_backend, qtbot
):
    cb = checklist_backend
    service = services.start()
    appt = cb.appointment(level="informativa")
    appointment = Appointment.from_json(appt).with_changes(status=Status.IN_CALL)
    assert arun(service.open(appointment))
    panel = _gated_call_panel(qtbot, service, appointment)
    upload, note = panel.documents.upload, panel.documents.gate_note
    # No item opens it at this level: the level's own reason is shown.
    assert not upload.isEnabled() and note.isVisible()
    assert "no s'ha identificat" in note.text() or "not been identified" in note.text(), note.text()

    override_gate(
        cb.api, cb.headers("laia"), appointment.id, "laia",
        gate="send_personal_documents", reason="Citizen identified at the desk; sending the form",
    )  # fmt: skip
    # What the console does on the checklist.updated event of the supervisor's post.
    with qtbot.waitSignal(service.gates_changed, timeout=10_000):
        arun(service.refresh(appointment.id))
    assert upload.isEnabled() and not note.isVisible()
    assert cb.upload(appointment.id).status_code == 201
