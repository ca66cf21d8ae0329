"""The agenda against the real backend process: seeded day, status changes, server push."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from PyQt6.QtCore import Qt

from console.domain.appointment import Status
from console.labels import status_name
from console.models.agenda_table import AppointmentRole, Column, SyncStateRole
from tests.console.conftest import client_for


def rows(console) -> list:
    model = console.agenda_model
    return [model.index(r, 0).data(AppointmentRole) for r in range(model.rowCount())]


def first_with_status(console, status: str):
    return next(a for a in rows(console) if a.status == status)


def test_agenda_shows_the_seeded_day(backend_server, consoles):
    console = consoles.start(backend_server.url)
    consoles.login(console)
    server = client_for(backend_server).day(backend_server.day.isoformat())
    model, view = console.agenda_model, console.agenda_view
    assert model.rowCount() == len(server) > 5
    assert model.columnCount() == 6
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in Column] == [
        "Time",
        "Citizen",
        "Procedure",
        "Level",
        "Language",
        "Status",
    ]
    for row, item in enumerate(server):
        assert model.index(row, Column.TIME).data() == datetime.fromisoformat(item["start"]).strftime("%H:%M")
        # Pool appointments (nobody's yet) are marked, so they do not read as double bookings.
        suffix = " (shared pool)" if item["pool"] else ""
        assert model.index(row, Column.CITIZEN).data() == item["citizen_name"] + suffix
        # A waiting citizen's status also says how long they have waited ("⏳ Waiting · 3 min").
        assert status_name(item["status"]) in model.index(row, Column.STATUS).data()
        assert model.index(row, Column.LANGUAGE).data() == item["language"].upper()
    assert any(item["pool"] for item in server) and any(not item["pool"] for item in server)
    # Procedure names come from the catalogue, in the UI language (Catalan by default).
    assert model.index(0, Column.TRAMIT).data() != server[0]["tramit_code"]
    assert view.day == backend_server.day
    assert view.proxy.rowCount() == len(server)
    assert view.table_stack.currentWidget() is view.table
    assert console.window.connection.property("state") == "online"
    # A detail pane shows the selected appointment; citizen text is plain text.
    assert view.detail.appointment is not None
    assert view.detail.title.textFormat() == Qt.TextFormat.PlainText
    # Filters: a citizen's name, a status that some have, then a status that nobody has.
    view.search.setText(server[0]["citizen_name"])
    assert 1 <= view.proxy.rowCount() < len(server)
    view.search.clear()
    present = Counter(i["status"] for i in server)
    common, count = present.most_common(1)[0]
    view.status_filter.setCurrentIndex(view.status_filter.findData(common))
    assert view.proxy.rowCount() == count < len(server)
    assert view.table_stack.currentWidget() is view.table
    nobody = next(s.value for s in Status if s.value not in present)  # the seed never has them all
    view.status_filter.setCurrentIndex(view.status_filter.findData(nobody))
    assert view.status_filter.currentData() == nobody
    assert view.proxy.rowCount() == 0
    assert view.table_stack.currentWidget() is view.empty


def test_day_navigation_shows_an_empty_day(backend_server, consoles, qtbot, until):
    console = consoles.start(backend_server.url)
    consoles.login(console)
    view = console.agenda_view
    qtbot.mouseClick(view.next_day, Qt.MouseButton.LeftButton)
    until(lambda: view.day > backend_server.day, what="next day")
    # The backend seeds one day only: the next one is empty, and the view says so.
    assert client_for(backend_server).day(view.day.isoformat()) == []
    until(lambda: console.agenda_model.rowCount() == 0, what="next day's (no) rows")
    assert view.table_stack.currentWidget() is view.empty
    qtbot.mouseClick(view.prev_day, Qt.MouseButton.LeftButton)
    until(lambda: view.day == backend_server.day and console.agenda_model.rowCount() > 0, what="back")


def test_status_changes_round_trip_with_versions(fresh_backend, consoles, qtbot, until):
    console = consoles.start(fresh_backend.url)
    consoles.login(console)
    other = client_for(fresh_backend)
    view = console.agenda_view
    appt = first_with_status(console, "confirmed")
    assert view.select_appointment(appt.id)
    buttons = view.detail.action_buttons
    assert set(buttons) == {"waiting", "scheduled", "no_show", "cancelled"}  # only allowed transitions

    expected_version = appt.version
    for status in ("waiting", "in_call", "completed"):
        if status == "completed":
            view.detail.outcome.setCurrentIndex(view.detail.outcome.findData("referred"))
        qtbot.mouseClick(view.detail.action_buttons[status], Qt.MouseButton.LeftButton)
        expected_version += 1
        until(lambda s=status: other.get(appt.id)["status"] == s, what=f"server has {status}")
        server = other.get(appt.id)
        assert server["version"] == expected_version
        row = console.agenda_model.row_of(appt.id)
        until(
            lambda r=row, v=expected_version: (
                console.agenda_model.index(r, 0).data(AppointmentRole).version == v
                and console.agenda_model.index(r, 0).data(SyncStateRole) is None
            ),
            what="view caught up",
        )
    assert other.get(appt.id)["outcome"] == "referred"
    assert view.detail.action_buttons == {}  # completed is terminal: nothing more to offer


def test_a_change_by_another_client_reaches_the_view(fresh_backend, consoles, until):
    console = consoles.start(fresh_backend.url)
    consoles.login(console)
    until(lambda: console.events is not None and console.events.connected, what="event stream")
    # A name with accents: the pushed JSON must be read as UTF-8.
    appt = next(a for a in rows(console) if a.status == "confirmed" and not a.citizen_name.isascii())
    other = client_for(fresh_backend)
    other.patch(appt.id, version=appt.version, status="cancelled")
    row = console.agenda_model.row_of(appt.id)
    until(
        lambda: console.agenda_model.index(row, Column.STATUS).data() == status_name("cancelled"),
        what="pushed change shown",
    )
    pushed = console.agenda_model.index(row, 0).data(AppointmentRole)
    assert pushed.version == appt.version + 1
    assert pushed.citizen_name == appt.citizen_name
    # The event carried no date of birth (it also reaches boards); the console keeps the one it had.
    assert appt.citizen_birth_date and pushed.citizen_birth_date == appt.citizen_birth_date


def test_an_expired_access_token_is_refreshed_once_and_the_new_refresh_token_stored(
    backend_server, consoles, memory_keyring, until
):
    console = consoles.start(backend_server.url)
    consoles.login(console)
    api = console.ctx.api
    before = dict(memory_keyring.store)
    api.tokens.set("not-a-valid-jwt", api.tokens.get()[1])  # as if the 15 min access token expired
    rows_before = console.agenda_model.rowCount()
    console.agenda_view.today.click()
    until(lambda: api.tokens.get()[0] != "not-a-valid-jwt", what="access token refreshed")
    until(lambda: memory_keyring.store != before, what="rotated refresh token stored")
    assert console.agenda_model.rowCount() == rows_before
    assert console.window.connection.property("state") == "online"


def test_shutdown_stops_the_event_stream_promptly(backend_server, consoles, until):
    import time

    console = consoles.start(backend_server.url)
    consoles.login(console)
    until(lambda: console.events is not None and console.events.connected, what="event stream")
    started = time.monotonic()
    consoles.stop(console)  # the fixture also checks that no console thread is left
    assert time.monotonic() - started < 2.0
