"""The informador console's own presence, end to end: a real composed console (marta) reports it from the
call's life cycle (the CallService signals the app listens to, then the real "Complete appointment"
button), and a supervisor's console board and a plain SSE reader both see
available → in a call → wrap-up → available → offline."""

from __future__ import annotations

import httpx
import pytest

from console.call.state import CallState
from console.domain.appointment import Status
from tests.backend.support import SseReader
from tests.helpers.consoles import client_for
from tests.pool.test_console_board import start_another


@pytest.fixture(autouse=True)
def _env(console_home, collect_on_the_gui_thread, loop_always_running):
    """Console environment (tests/helpers/consoles.py), as tests/console/conftest.py does."""


def _row(console, username: str) -> dict:
    return next(r for r in console.supervisor.informadors.rows() if r.get("username") == username)


def test_the_board_follows_an_informadors_console_through_a_call(fresh_backend, consoles, until, tmp_path):
    api = fresh_backend.api
    marta_rest = client_for(fresh_backend, "marta")
    # Away before her console starts, so that its first heartbeat ("available") is a visible change.
    r = httpx.put(f"{api}/presence", json={"state": "away"}, headers=marta_rest.headers, timeout=10)
    assert r.status_code == 200 and r.json()["state"] == "away"

    sup = consoles.start(fresh_backend.url)
    consoles.login(sup, "laia")
    until(lambda: sup.supervisor.informadors.rowCount() == 4, what="board")
    until(lambda: sup.events is not None and sup.events.connected, what="supervisor's event stream")
    assert _row(sup, "marta")["state"] == "away"
    marta_id = int(_row(sup, "marta")["staff_id"])
    on_board: list[str] = []
    sup.supervisor.presence_applied.connect(
        lambda staff_id: on_board.append(_row(sup, "marta")["state"]) if staff_id == marta_id else None
    )
    reader = SseReader(f"{api}/events", headers=fresh_backend.headers("laia"))
    try:
        marta = start_another(consoles, fresh_backend.url, tmp_path / "marta-home")
        consoles.login(marta, "marta")
        until(lambda: on_board == ["available"], what="available on the board")

        # A citizen of her agenda is admitted: the appointment goes in_call (as the admit does)…
        appt_id = next(
            a.id
            for a in marta.agenda_model.appointments()
            if a.status in (Status.SCHEDULED, Status.CONFIRMED)
        )
        version = marta_rest.patch(appt_id, status="waiting", version=marta_rest.get(appt_id)["version"])
        marta_rest.patch(appt_id, status="in_call", version=version["version"])

        def current():
            row = marta.agenda_model.row_of(appt_id)
            return marta.agenda_model.appointments()[row] if row is not None else None

        until(lambda: current() is not None and current().status == Status.IN_CALL, what="in_call pushed")
        calls, panel = marta.ctx.calls, marta.call_panel
        # …and the call service says what it says for a real call: started, ended.
        calls.call_started.emit(current())
        until(lambda: on_board[-1:] == ["in_call"], what="in a call on the board")
        assert marta.pool_view.state.currentData() == "in_call"  # her own state selector says so too
        assert _row(sup, "marta")["appointment_id"] == appt_id  # the board can say with whom
        calls.call_state_changed.emit(CallState.ENDED)
        calls.call_ended.emit(current(), "the citizen hung up")
        until(lambda: on_board[-1:] == ["wrap_up"], what="wrap-up on the board")
        assert marta.pool_view.state.currentData() == "wrap_up"  # her own state selector says so too
        # The informador notes the outcome and completes the appointment: ready for the next citizen.
        assert panel.end_box.isVisibleTo(panel)
        for i in range(panel.outcome.count()):
            panel.outcome.setCurrentIndex(i)
            if panel.complete.isEnabled():
                break
        assert panel.complete.isEnabled()
        panel.complete.click()
        until(lambda: on_board[-1:] == ["available"], what="available again after completing")
        assert marta.pool_view.state.currentData() == "available"  # her own state selector says so too
        until(lambda: marta_rest.get(appt_id)["status"] == "completed", what="appointment completed")

        consoles.stop(marta)  # quitting says goodbye: offline at once, not after the 60 s timeout
        until(lambda: on_board[-1:] == ["offline"], what="offline on the board")
        assert on_board == ["available", "in_call", "wrap_up", "available", "offline"]
        # A plain event-stream reader saw the same sequence.
        seen: list[str] = []
        while seen[-1:] != ["offline"]:
            presence = reader.next("presence.updated").data["presence"]
            if presence["staff_id"] == marta_id:
                seen.append(presence["state"])
        assert seen == on_board
    finally:
        reader.close()
