"""Server push to citizens: a second event bus (the shared InProcessEventBus class) whose subscribers
each see only their own appointment. Kept apart from the staff bus so citizen-bound messages never
reach staff streams (a supervisor's scope is "all offices").

A bridge task follows the staff bus: an appointment reaching a terminal status ends the citizen's
call ("ended"), and closing the staff bus at shutdown closes the citizen streams too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from backend.appointments import TERMINAL
from backend.events import Event, EventBus, InProcessEventBus, Scope, StreamClosed

log = logging.getLogger("backend.citizen.hub")


@dataclass(frozen=True)
class AppointmentScope(Scope):
    appointment_id: str = ""
    # Which party of the appointment listens: events carry "to" ("citizen" when absent); "ended" is
    # for every party. Keeps the interpreter's signalling and the citizen's apart on one bus.
    party: str = "citizen"

    def allows(self, event: Event) -> bool:
        if event.data.get("appointment_id") != self.appointment_id:
            return False
        return event.type == "ended" or event.data.get("to", "citizen") == self.party


class CitizenHub:
    def __init__(self, staff_bus: EventBus, queue_size: int = 256) -> None:
        self.staff_bus = staff_bus
        self.bus = InProcessEventBus(queue_size)
        self._bridge: asyncio.Task[None] | None = None

    def ensure_started(self) -> None:
        """Called from async routes: binds the bus to the running loop and starts the bridge once."""
        if self._bridge is not None and not self._bridge.done():
            return
        self.bus.start(asyncio.get_running_loop())
        sub = self.staff_bus.subscribe(Scope(office_ids=None))
        self._bridge = asyncio.get_running_loop().create_task(self._follow(sub))

    def publish(self, type_: str, appointment_id: str, data: dict[str, Any] | None = None) -> None:
        """Thread-safe; a no-op before any citizen stream has started (nobody could receive it)."""
        self.bus.publish(type_, None, {"appointment_id": appointment_id, **(data or {})})

    async def _follow(self, sub: Any) -> None:
        try:
            while True:
                try:
                    event = await sub.get(3600.0)
                except StreamClosed:
                    break
                if event is None or event.type != "appointment.updated":
                    continue
                appt = event.data.get("appointment") or {}
                if appt.get("status") in TERMINAL:
                    self.publish("ended", str(appt.get("id")), {"status": appt.get("status")})
        finally:
            sub.close()
            self.bus.close()

    async def aclose(self) -> None:
        self.bus.close()
        if self._bridge is not None:
            self._bridge.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._bridge
