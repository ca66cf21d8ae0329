"""What the checklist knows of its call: script texts filled with the tràmit, office and person; the
citizen's language marked when the script falls back; the office's context for runs started offline
(replaced by the server's when it answers); a restart on the same local file with the backend down; and
the console opening the checklist when a call starts (and again, with its progress, after a drop)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from console.domain.appointment import Appointment
from console.domain.catalogue import Tramit
from console.labels import language_name
from console.scripts import IdentificationLevel, RecordingPolicy
from console.services.checklist import ChecklistService
from console.sync.api import BackendApi
from console.sync.localdb import LocalDb
from console.views.checklist import ChecklistPanel
from tests.checklists.support import ChecklistServices, appointment_in, checklist_panel, select_item


@pytest.fixture(autouse=True)
def _env(console_home: Path, collect_on_the_gui_thread: None, loop_always_running: None) -> None:
    """Console paths in tmp, GC on the GUI thread, the qasync loop seen as running."""


class Made(ChecklistServices):
    """Checklist services as a console builds them (session data from the real API), torn down."""

    def login(self, username: str) -> BackendApi:
        api = BackendApi(self.cb.server.url)
        self.arun(api.login(username, "demo"))
        return api

    def service(self, username: str, db_name: str, api: BackendApi | None = None) -> ChecklistService:
        """What Console._on_logged_in and the catalogue signal give the service (while online)."""
        api = api or self.login(username)
        staff = self.arun(api.me())
        office = self.arun(api.office(staff.office_id))
        service = ChecklistService(api, LocalDb(self.tmp / db_name))
        service.set_user(
            f"{username}@test",
            staff.username,
            staff.role,
            office.recording_policy,
            full_name=staff.full_name,
            office_name=office.name,
        )
        return self.add(service, api, service._db)


@pytest.fixture
def made(checklist_backend, arun, tmp_path) -> Iterator[Made]:
    factory = Made(checklist_backend, arun, tmp_path)
    yield factory
    factory.stop_all()


def _catalogue(arun: Callable[..., Any], api: BackendApi) -> dict[str, Tramit]:
    return {t.code: t for t in arun(api.tramits())}


def _panel(qtbot, service: ChecklistService, appointment: Appointment, arun) -> ChecklistPanel:
    return checklist_panel(qtbot, service, appointment, arun, active=False)


def test_script_texts_name_the_tramit_the_office_and_the_person(made, arun, checklist_backend, qtbot):
    service = made.service("marta", "texts.sqlite3")
    service.set_catalogue(_catalogue(arun, service._api))
    appointment = appointment_in(checklist_backend, "es")  # targeta-discapacitat
    panel = _panel(qtbot, service, appointment, arun)
    assert panel.current_item() is not None and panel.current_item().id == "greeting.hello"
    # The person's name from /me, not the login name.
    assert "Buenos días, soy Marta Puig i Serra," in panel.citizen_text.text()
    assert "Bon dia, sóc Marta Puig i Serra," in panel.staff_text.text()
    assert not panel.fallback_note.isVisible()  # Spanish is in the script: nothing to mark

    select_item(panel, "purpose.confirm")
    citizen, staff = panel.citizen_text.text(), panel.staff_text.text()
    assert "«Tarjeta acreditativa de la discapacidad»" in citizen  # the citizen's language
    assert "«Targeta acreditativa de la discapacitat»" in staff  # the informador's
    assert "…" not in citizen and "…" not in staff
    # No bundled text says {office_name} yet; the value an office's script would get is the real one.
    assert panel.model.placeholders["office_name"] == "OAC Girona"
    assert panel.model.staff_placeholders["office_name"] == "OAC Girona"


def test_a_citizen_language_the_script_lacks_is_marked(made, arun, checklist_backend, qtbot):
    service = made.service("marta", "fallback.sqlite3")
    service.set_catalogue(_catalogue(arun, service._api))
    appointment = appointment_in(checklist_backend, "ar")
    panel = _panel(qtbot, service, appointment, arun)
    assert panel.current_item() is not None and panel.current_item().id == "greeting.hello"
    assert panel.citizen_text.text().startswith("Buenos días")  # the chain: ar → es
    assert panel.fallback_note.isVisible()
    assert panel.fallback_note.text() == "(text in {es}: the script has no {ar} version)".format(
        es=language_name("es"), ar=language_name("ar")
    )
    select_item(panel, "purpose.confirm")
    assert panel.fallback_note.isVisible()
    assert "«Tarjeta acreditativa de la discapacidad»" in panel.citizen_text.text()  # same language


def test_restart_on_the_same_local_file_with_the_backend_down_keeps_and_replays_an_unsent_tick(
    made, arun, checklist_backend, until
):
    cb = checklist_backend
    appointment = appointment_in(cb, "ca")
    first = made.service("marta", "same.sqlite3")
    assert arun(first.open(appointment))
    assert first.tick(appointment.id, "greeting.hello") == ""
    until(lambda: first.unsent(appointment.id) == 0, what="first tick sent")
    restarted_api = made.login("marta")  # the next console run's session (refresh token in the keyring)
    cb.server.stop()
    try:
        assert first.tick(appointment.id, "data_protection.data_use", {"granted": True}) == ""
        arun(first.flush(appointment.id))
        assert first.unsent(appointment.id) == 1
        made.stop(first)  # the console quits with the tick unsent

        again = ChecklistService(restarted_api, LocalDb(made.tmp / "same.sqlite3"))
        again.set_user("marta@test", "marta", "informador", "never")
        made.add(again, restarted_api, again._db)
        assert arun(again.open(appointment))  # from the local copy: the backend is down
        run = again.engine(appointment.id).run
        assert run.record("greeting.hello").state.value == "done"
        assert run.record("data_protection.data_use").state.value == "done"
        assert again.unsent(appointment.id) == 1
    finally:
        cb.server.start()
    arun(again.flush())
    assert again.unsent(appointment.id) == 0
    events = cb.get(appointment.id).json()["events"]
    assert [(e["item_id"], e["by"]) for e in events] == [
        ("greeting.hello", "marta"),
        ("data_protection.data_use", "marta"),
    ]


def test_offline_start_uses_the_office_policy_and_cached_levels_then_the_servers_context(
    made, arun, checklist_backend, until
):
    cb = checklist_backend
    # Vitoria-Gasteiz records with consent; titols-nautics needs basic identification.
    appointment = appointment_in(cb, "eu", "nerea", level="assistida", tramit="titols-nautics")
    service = made.service("nerea", "offline-start.sqlite3")
    assert service.recording_policy is RecordingPolicy.WITH_CONSENT
    catalogue = _catalogue(arun, service._api)
    assert catalogue["titols-nautics"].identification_level == "basic"
    # The cached catalogue is older than the server's: there the tràmit needed no identification.
    stale = {**catalogue, "titols-nautics": _replace(catalogue["titols-nautics"], "none")}
    service.set_catalogue(stale)
    cb.server.stop()
    try:
        assert arun(service.open(appointment))
        run = service.engine(appointment.id).run
        assert run.context.recording_policy is RecordingPolicy.WITH_CONSENT  # the office's, not "never"
        assert run.context.identification_level is IdentificationLevel.NONE  # the cache's, not "full"
        assert not run.has_item("identification.data_match")
        assert run.appointment.birth_date is not None  # from the cached appointment
        assert service.tick(appointment.id, "greeting.hello") == ""
        arun(service.flush(appointment.id))
        assert service.unsent(appointment.id) == 1
    finally:
        cb.server.start()
    arun(service.flush())  # what Console._back_online does
    assert service.unsent(appointment.id) == 0
    run = service.engine(appointment.id).run
    server = cb.get(appointment.id, "nerea").json()
    assert run.context.identification_level.value == server["context"]["identification_level"] == "basic"
    assert run.context.recording_policy.value == server["context"]["recording_policy"] == "with_consent"
    assert run.has_item("identification.data_match")
    assert [e["item_id"] for e in server["events"]] == ["greeting.hello"]


def _replace(tramit: Tramit, identification_level: str) -> Tramit:
    data = tramit.to_json()
    data["identification_level"] = identification_level
    return Tramit.from_json(data)


def test_a_call_opens_its_checklist_beside_it_and_a_readmission_keeps_progress(
    consoles, checklist_backend, until
):
    cb = checklist_backend
    console = consoles.start(cb.server.url)
    consoles.login(console, "nerea")
    checklists = console.ctx.checklists
    # What the login gave the checklist service: the office's policy, names, the catalogue's levels.
    assert checklists.recording_policy is RecordingPolicy.WITH_CONSENT
    assert (checklists.full_name, checklists.office_name) == ("Nerea Etxeberria Agirre", "Vitoria-Gasteiz")
    until(lambda: checklists.identification_levels.get("titols-nautics") == "basic", what="catalogue")

    appointment = appointment_in(cb, "es", "nerea")
    assert not console.checklist_dock.isVisible()
    console.ctx.calls.call_started.emit(appointment)  # what CallService emits once the call is admitted
    until(
        lambda: (
            console.checklist_panel.appointment_id == appointment.id and console.checklist_dock.isVisible()
        ),
        what="checklist opened for the call",
    )
    panel = console.checklist_panel
    assert panel.current_item() is not None
    assert "Nerea Etxeberria Agirre" in panel.citizen_text.text()
    assert checklists.tick(appointment.id, "greeting.hello") == ""
    until(lambda: checklists.unsent(appointment.id) == 0, what="tick sent")

    # The call drops; the citizen is admitted again: the same appointment's run, with its progress.
    console.ctx.calls.call_closed.emit()
    console.checklist_dock.hide()
    console.ctx.calls.call_started.emit(appointment)
    until(
        lambda: (
            console.checklist_dock.isVisible()
            and panel.current_item() is not None
            and panel.current_item().id != "greeting.hello"
        ),
        what="checklist shown again, at the first item still pending",
    )
    assert panel.appointment_id == appointment.id
    assert checklists.engine(appointment.id).run.record("greeting.hello").state.value == "done"
