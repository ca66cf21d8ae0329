"""Backend down: the cached agenda, changes made offline, replay, and 409 conflicts kept for the user."""

from __future__ import annotations

from PyQt6.QtCore import Qt

from console.labels import status_name
from console.models.agenda_table import AppointmentRole, Column, SyncStateRole
from tests.console.conftest import client_for
from tests.console.test_agenda_live import first_with_status


def sync_state(console, appointment_id: str) -> str | None:
    row = console.agenda_model.row_of(appointment_id)
    return None if row is None else console.agenda_model.index(row, 0).data(SyncStateRole)


def shown_status(console, appointment_id: str) -> str:
    row = console.agenda_model.row_of(appointment_id)
    return str(console.agenda_model.index(row, 0).data(AppointmentRole).status)


def test_offline_restart_shows_cache_and_offline_change_is_replayed(fresh_backend, consoles, qtbot, until):
    first = consoles.start(fresh_backend.url)
    consoles.login(first)
    expected = [
        (first.agenda_model.index(r, 0).data(AppointmentRole).id, first.agenda_model.index(r, 1).data())
        for r in range(first.agenda_model.rowCount())
    ]
    consoles.stop(first)
    fresh_backend.stop()

    # Restart with the backend down: no password asked, the saved agenda is shown, marked offline.
    second = consoles.start(fresh_backend.url)
    until(lambda: second.agenda_model.rowCount() == len(expected), what="cached agenda")
    model = second.agenda_model
    assert [
        (model.index(r, 0).data(AppointmentRole).id, model.index(r, 1).data())
        for r in range(model.rowCount())
    ] == expected
    assert second.window.stack.currentWidget() is second.window.workspace
    assert second.window.connection.property("state") == "offline"
    assert not second.window.retry.isHidden()
    assert not second.agenda_view.source_note.isHidden()
    assert model.index(0, Column.TRAMIT).data() != model.index(0, 0).data(AppointmentRole).tramit_code

    # A change made offline is shown at once, marked "pending sync", and survives a restart.
    appt = first_with_status(second, "confirmed")
    second.agenda_view.select_appointment(appt.id)
    qtbot.mouseClick(second.agenda_view.detail.action_buttons["waiting"], Qt.MouseButton.LeftButton)
    until(lambda: sync_state(second, appt.id) == "pending", what="pending mark")
    assert shown_status(second, appt.id) == "waiting"
    shown = model.index(model.row_of(appt.id), Column.STATUS).data()
    assert status_name("waiting") in shown and shown.endswith(" ⟳")  # "⏳ Waiting · 0 min ⟳"
    assert "1" in second.window.pending.text()
    consoles.stop(second)

    third = consoles.start(fresh_backend.url)
    until(lambda: sync_state(third, appt.id) == "pending", what="pending mark after restart")
    assert shown_status(third, appt.id) == "waiting"

    # The backend comes back: the health probe notices, the outbox is replayed, nothing is lost.
    fresh_backend.start()
    other = client_for(fresh_backend)
    until(lambda: other.get(appt.id)["status"] == "waiting", what="replayed on the server")
    assert other.get(appt.id)["version"] == appt.version + 1
    until(lambda: sync_state(third, appt.id) is None, what="pending mark cleared")
    until(lambda: third.window.connection.property("state") == "online", what="online again")
    assert third.ctx.session.authenticated
    assert third.window.pending.isHidden()


def test_chained_offline_changes_replay_in_order(fresh_backend, consoles, qtbot, until):
    console = consoles.start(fresh_backend.url)
    consoles.login(console)
    appt = first_with_status(console, "confirmed")
    fresh_backend.stop()
    until(lambda: console.window.connection.property("state") == "offline", what="offline")
    detail = console.agenda_view.detail
    console.agenda_view.select_appointment(appt.id)
    for status in ("waiting", "in_call"):
        qtbot.mouseClick(detail.action_buttons[status], Qt.MouseButton.LeftButton)
        until(lambda s=status: shown_status(console, appt.id) == s, what=f"{status} shown")
    fresh_backend.start()
    other = client_for(fresh_backend)
    until(lambda: other.get(appt.id)["status"] == "in_call", what="both changes replayed")
    assert other.get(appt.id)["version"] == appt.version + 2
    until(lambda: sync_state(console, appt.id) is None, what="synced")


def test_conflict_is_kept_shown_and_resolved(fresh_backend, consoles, qtbot, until):
    # Long timers: the console must not reconnect on its own before the other client's change.
    console = consoles.start(fresh_backend.url, probe_interval=3600.0, sse_backoff=(3600.0, 3600.0))
    consoles.login(console)
    appt = first_with_status(console, "confirmed")
    fresh_backend.stop()
    until(lambda: console.window.connection.property("state") == "offline", what="offline")

    console.agenda_view.select_appointment(appt.id)
    qtbot.mouseClick(console.agenda_view.detail.action_buttons["cancelled"], Qt.MouseButton.LeftButton)
    until(lambda: sync_state(console, appt.id) == "pending", what="pending")

    fresh_backend.start()
    other = client_for(fresh_backend)
    other.patch(appt.id, version=appt.version, status="waiting")  # someone else got there first

    qtbot.mouseClick(console.window.retry, Qt.MouseButton.LeftButton)
    banner = console.agenda_view.banner
    until(lambda: not banner.isHidden(), what="conflict banner")
    assert appt.citizen_name in banner.text.text()
    assert sync_state(console, appt.id) == "conflict"
    assert shown_status(console, appt.id) == "waiting"  # the server's truth, with my change kept aside
    assert other.get(appt.id)["status"] == "waiting"

    # Still there after a restart: a conflict is never silently dropped.
    consoles.stop(console)
    console = consoles.start(fresh_backend.url)
    banner = console.agenda_view.banner
    until(lambda: not banner.isHidden() and sync_state(console, appt.id) == "conflict", what="conflict kept")

    qtbot.mouseClick(banner.keep, Qt.MouseButton.LeftButton)  # "keep mine": re-apply on the current version
    until(lambda: other.get(appt.id)["status"] == "cancelled", what="mine re-applied")
    assert other.get(appt.id)["version"] == appt.version + 2
    until(lambda: banner.isHidden() and sync_state(console, appt.id) is None, what="conflict resolved")


def test_discard_mine_drops_the_change_and_keeps_theirs(fresh_backend, consoles, qtbot, until):
    console = consoles.start(fresh_backend.url, probe_interval=3600.0, sse_backoff=(3600.0, 3600.0))
    consoles.login(console)
    appt = first_with_status(console, "confirmed")
    fresh_backend.stop()
    until(lambda: console.window.connection.property("state") == "offline", what="offline")
    console.agenda_view.select_appointment(appt.id)
    qtbot.mouseClick(console.agenda_view.detail.action_buttons["no_show"], Qt.MouseButton.LeftButton)
    fresh_backend.start()
    other = client_for(fresh_backend)
    other.patch(appt.id, version=appt.version, status="cancelled")
    qtbot.mouseClick(console.window.retry, Qt.MouseButton.LeftButton)
    banner = console.agenda_view.banner
    until(lambda: not banner.isHidden(), what="conflict banner")
    qtbot.mouseClick(banner.discard, Qt.MouseButton.LeftButton)
    until(lambda: banner.isHidden() and sync_state(console, appt.id) is None, what="discarded")
    assert shown_status(console, appt.id) == "cancelled"
    assert other.get(appt.id)["status"] == "cancelled"
    assert other.get(appt.id)["version"] == appt.version + 1


def test_offline_day_never_seen_says_there_is_no_saved_copy(fresh_backend, consoles, qtbot, until):
    console = consoles.start(fresh_backend.url)
    consoles.login(console)
    fresh_backend.stop()
    view = console.agenda_view
    until(lambda: console.window.connection.property("state") == "offline", what="offline")
    qtbot.mouseClick(view.next_day, Qt.MouseButton.LeftButton)
    until(lambda: view.table_stack.currentWidget() is view.empty, what="empty state")
    assert "saved copy" in view.empty.text()
    qtbot.mouseClick(view.prev_day, Qt.MouseButton.LeftButton)  # the day seen online is still there
    until(lambda: console.agenda_model.rowCount() > 0, what="cached day")
