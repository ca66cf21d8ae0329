"""Who must see an event about an appointment besides the staff of the appointment's office.

Office scoping alone is not enough since the interterritorial pool: an informador of office A who took
office B's pool appointment (or walk-in) serves it, so the citizen's signalling, waiting-room and
document events must reach them too. Every event whose data names an appointment (`appointment_id`,
or `appointment.id` in appointment.updated) gets the appointment's assigned staff member as its
audience; Scope.allows() admits it for that staff member whatever their office. Supervisors already
see every office.

The holder is cached per appointment (a signalling exchange publishes dozens of events in a second)
and refreshed from appointment.updated, which every change of holder publishes (take, reassign,
kiosk); entries expire after a few seconds so a change made by another backend process is seen soon.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Any

from sqlalchemy import select

from backend.db import Database
from backend.models import Appointment

log = logging.getLogger("backend.audience")


class AppointmentAudience:
    def __init__(self, db: Database, ttl_s: float = 10.0, max_entries: int = 10_000) -> None:
        self._db = db
        self._ttl_s = ttl_s
        self._max = max_entries
        self._lock = threading.Lock()
        self._holders: OrderedDict[str, tuple[float, int | None]] = OrderedDict()

    def __call__(self, type_: str, data: dict[str, Any]) -> frozenset[int]:
        try:
            return self._resolve(data)
        except Exception:  # a publish must never fail because of the audience: office scoping still holds
            log.exception("audience of %s not resolved", type_)
            return frozenset()

    def _resolve(self, data: dict[str, Any]) -> frozenset[int]:
        appt = data.get("appointment")
        if isinstance(appt, dict) and isinstance(appt.get("id"), str):
            # The new holder, and the previous one too so a reassigned console drops the appointment.
            new = appt.get("staff_id") if isinstance(appt.get("staff_id"), int) else None
            old = self._remember(appt["id"], new)
            return frozenset(x for x in (old, new) if x is not None)
        appointment_id = data.get("appointment_id")
        if not isinstance(appointment_id, str) or len(appointment_id) > 64:
            return frozenset()
        holder = self._holder(appointment_id)
        return frozenset() if holder is None else frozenset({holder})

    def _remember(self, appointment_id: str, staff_id: int | None) -> int | None:
        with self._lock:
            previous = self._holders.pop(appointment_id, None)
            self._store(appointment_id, staff_id)
        return previous[1] if previous is not None else None

    def _store(self, appointment_id: str, staff_id: int | None) -> None:
        self._holders[appointment_id] = (time.monotonic() + self._ttl_s, staff_id)
        while len(self._holders) > self._max:
            self._holders.popitem(last=False)

    def _holder(self, appointment_id: str) -> int | None:
        with self._lock:
            cached = self._holders.get(appointment_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        with self._db.read() as s:
            staff_id = s.scalar(select(Appointment.staff_id).where(Appointment.id == appointment_id))
        with self._lock:
            self._holders.pop(appointment_id, None)
            self._store(appointment_id, staff_id)
        return staff_id
