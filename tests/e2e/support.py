"""Steps every end-to-end call test takes the same way: the appointment into the PIN window, link and
PIN from the detail pane, the citizen's page into the waiting room, the informador admitting the call.
One copy, so a change to the citizen's page or the admit flow is followed in one place."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from console.call.state import CallState
from console.domain.appointment import Status
from console.services.demo import DemoService, read_outbox
from tests.call.helpers import wait_until


async def page_until(page, expression: str, limit: float = 20.0, what: str = "") -> None:
    """Bounded polling with evaluate: the page's CSP forbids wait_for_function's string evaluation."""
    deadline = time.monotonic() + limit
    while not await page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"page: timed out after {limit} s waiting for {what or expression}")
        await asyncio.sleep(0.05)


def into_pin_window(db: Path, appt_id: str) -> None:
    """The PIN is accepted 30 min before to 60 after the start, as tests/citizen does: no API reschedules."""
    with sqlite3.connect(db) as con:
        start = (datetime.now(UTC) + timedelta(minutes=5)).replace(tzinfo=None).isoformat(sep=" ")
        con.execute("UPDATE appointment SET start = ? WHERE id = ?", (start, appt_id))


def send_link_and_pin(detail: Any, db: Path, appt_id: str, until: Any) -> tuple[str, str]:
    """The informador sends the link and the PIN from the detail pane; both are read from the outbox."""
    detail.send_link.click()
    until(detail.call_result.isVisible, what="link result")
    detail.send_pin.click()
    until(lambda: "PIN" in detail.call_result.text(), what="PIN result")
    return DemoService.latest(read_outbox(db, appt_id))


async def join_waiting_room(page, link: str, pin: str) -> None:
    """The citizen's page: device check (fake camera + microphone), PIN, waiting room."""
    await page.goto(link)
    await page_until(page, "document.getElementById('preview').videoWidth > 0", what="preview")
    await page.click("#devices-continue")
    await page.fill("#pin", pin)
    await page.click("#pin-submit")
    await page_until(page, "document.body.dataset.step === 'waiting'", what="waiting room")


async def console_sees_waiting(
    console: Any, appt_id: str, what: str = "waiting status in the agenda"
) -> None:
    """The citizen.waiting event reached the console and the agenda row shows it."""
    await wait_until(lambda: appt_id in console.ctx.calls.waiting, 20, "citizen.waiting reached the console")
    model = console.agenda_model
    await wait_until(lambda: model.appointments()[model.row_of(appt_id)].status == Status.WAITING, 20, what)


async def admit_connected(console: Any, appt_id: str) -> Any:
    """Selects the waiting citizen, admits the call and waits for it to connect; returns the session."""
    calls, agenda = console.ctx.calls, console.agenda_view
    assert agenda.select_appointment(appt_id)
    await wait_until(agenda.detail.admit.isEnabled, 20, "admit enabled")
    agenda.detail.admit.click()
    await wait_until(lambda: calls.active_session is not None, 20, "admitted")
    session = calls.active_session
    await wait_until(lambda: session.state is CallState.CONNECTED, 20, "connected")
    return session
