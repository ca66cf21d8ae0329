"""A task that follows the staff event bus: it keeps the call records (KPI facts) from appointment status
changes, ends walk-in tickets whose appointment closed, and sweeps stale presence to offline.

Following the bus, instead of hooking every route that changes a status, keeps the other features'
routes untouched; the times come from the event's appointment.updated_at, not from when we saw it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.appointments import TERMINAL
from backend.deps import Services
from backend.events import Scope, StreamClosed, Subscription
from backend.models import Appointment, Office, Staff, utcnow
from backend.pool import service as svc
from backend.pool.config import PoolSettings
from backend.pool.identification import identification_failures
from backend.pool.kiosk import end_walkin_for
from backend.pool.models import CallRecord, Presence

log = logging.getLogger("backend.pool")


def _record_of(s: Session, row: Appointment) -> CallRecord:
    """The appointment's call record, created if missing. Others create it too (the interpreter joining,
    the kiosk): on PostgreSQL two inserts can meet, so the insert sits in a savepoint and the loser
    reads the winner's row."""
    rec = s.get(CallRecord, row.id)
    if rec is not None:
        return rec
    rec = CallRecord(
        appointment_id=row.id,
        office_id=row.office_id,
        tramit_code=row.tramit_code,
        walk_in=False,
        identification_failures=0,
        interpreter=False,
    )
    try:
        with s.begin_nested():
            s.add(rec)
        return rec
    except IntegrityError:
        found = s.get(CallRecord, row.id, populate_existing=True)
        if found is None:
            raise
        return found


class PoolFollower:
    def __init__(self, services: Services, cfg: PoolSettings) -> None:
        self.services = services
        self.cfg = cfg
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        sub = self.services.bus.subscribe(Scope(office_ids=None))
        self._task = asyncio.get_running_loop().create_task(self._run(sub))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self, sub: Subscription) -> None:
        next_sweep = 0.0
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    event = await sub.get(self.cfg.sweep_interval_s)
                except StreamClosed:
                    return
                try:
                    if event is not None and event.type == "appointment.updated":
                        appt = event.data.get("appointment") or {}
                        await asyncio.to_thread(self.record, appt)
                    elif event is not None and event.type == "checklist.updated":
                        # Identification failures counted live (the supervisor's KPI), not at the end.
                        await asyncio.to_thread(self.count_identification, event.data.get("appointment_id"))
                    if loop.time() >= next_sweep:
                        next_sweep = loop.time() + self.cfg.sweep_interval_s
                        await asyncio.to_thread(self.sweep)
                except Exception:  # a bad row must not stop the follower; the KPIs just miss it
                    log.exception("pool follower failed on %s", event.type if event else "sweep")
        finally:
            sub.close()

    def record(self, appt: dict[str, Any]) -> None:
        status, appt_id = appt.get("status"), appt.get("id")
        if not isinstance(appt_id, str) or status not in ("waiting", "in_call", *TERMINAL):
            return
        try:
            at = datetime.fromisoformat(str(appt.get("updated_at")))
        except ValueError:
            at = utcnow()
        ended: dict[str, Any] | None = None
        with self.services.db.write() as s:
            row = s.get(Appointment, appt_id)
            if row is None:
                return
            rec = _record_of(s, row)
            if status == "waiting" and rec.admitted_at is None:
                rec.waiting_since = rec.waiting_since or at
            elif status == "in_call" and rec.admitted_at is None:
                rec.admitted_at, rec.staff_id = at, row.staff_id
            elif status in TERMINAL:
                if rec.admitted_at is not None and rec.ended_at is None:
                    rec.ended_at = at
                rec.outcome = row.outcome
                ended = end_walkin_for(s, appt_id, status)
            # PIN voids have no event of their own: they are counted at the next status change.
            rec.identification_failures = identification_failures(s, row)
        if ended is not None:
            from backend.pool.routes import publish_pool

            publish_pool(self.services, "removed", ended)
            self.services.bus.publish("walkin.ended", ended["office_id"], ended)

    def count_identification(self, appt_id: object) -> None:
        if not isinstance(appt_id, str):
            return
        with self.services.db.write() as s:
            row = s.get(Appointment, appt_id)
            if row is None:
                return
            rec = _record_of(s, row)
            rec.identification_failures = identification_failures(s, row)

    def sweep(self) -> None:
        """Presence not refreshed within the timeout becomes offline, and the boards hear about it."""
        now = utcnow()
        cutoff = now - timedelta(seconds=self.cfg.presence_timeout_s)
        changed: list[dict[str, Any]] = []
        with self.services.db.write() as s:
            stale = s.scalars(
                select(Presence).where(Presence.state != "offline", Presence.updated_at < cutoff)
            )
            for row in stale:
                row.state, row.since, row.appointment_id = "offline", now, None
                staff = s.get(Staff, row.staff_id)
                if staff is None:
                    continue
                code = s.scalar(select(Office.code).where(Office.id == staff.office_id)) or ""
                # updated_at stays old: a later heartbeat is then recognised as a change.
                changed.append(svc.presence_json(staff, row, code, self.cfg.presence_timeout_s, now))
        for p in changed:
            self.services.bus.publish("presence.updated", p["office_id"], {"presence": p})
