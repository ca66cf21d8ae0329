"""Demo data for the pool: a kiosk per office, presence rows, call records for the day's finished
appointments (so the KPIs are not trivial) and, when seeding today, a few walk-ins waiting now.

Deterministic for a given day: the call records come from a random generator seeded with the day.
Walk-ins are placed relative to the current time (they are "waiting now"), so only today gets them.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.citizen import credentials as cred
from backend.models import Appointment, Office, Staff, Tramit, utcnow
from backend.pool.models import CallRecord, Kiosk, Presence, WalkIn
from backend.pool.service import MADRID, ticket_label

PRESENCE = {"marta": "available", "pau": "away", "jordi": "wrap_up", "nerea": "available"}
# (office code, language, minutes waiting): one of them past the 10-minute alert.
WALKINS = [("VIT", "eu", 3), ("BCN", "ca", 12), ("GIR", "es", 1)]


def demo_kiosk_token(office_code: str) -> str:
    """The demo kiosks' tokens are derived from the office code so the demo and tests can open them."""
    return "demo-kiosk-" + hashlib.sha256(f"videoatencio-kiosk-{office_code}".encode()).hexdigest()[:24]


def call_records(day: date, appts: list[Appointment]) -> list[CallRecord]:
    rng = random.Random(f"videoatencio-calls-{day.isoformat()}")
    out: list[CallRecord] = []
    for a in sorted(appts, key=lambda x: x.id):
        if a.status != "completed":
            continue
        waiting_since = a.start - timedelta(seconds=rng.randint(30, 480))
        admitted_at = a.start + timedelta(seconds=rng.randint(0, 420))
        ended_at = admitted_at + timedelta(seconds=int(a.duration_min * 60 * rng.uniform(0.5, 1.2)))
        out.append(
            CallRecord(
                appointment_id=a.id,
                office_id=a.office_id,
                staff_id=a.staff_id,
                tramit_code=a.tramit_code,
                walk_in=False,
                waiting_since=waiting_since,
                admitted_at=admitted_at,
                ended_at=ended_at,
                outcome=a.outcome,
                identification_failures=rng.choice([0, 0, 0, 0, 1, 2]),
                interpreter=a.language in ("ar", "ur") or rng.random() < 0.08,
            )
        )
    return out


def seed_pool(session: Session, day: date, appts: list[Appointment]) -> None:
    """Called by backend.seed.seed_demo in its transaction, after the day's appointments were added."""
    session.flush()
    offices = {o.code: o for o in session.scalars(select(Office))}
    for code, office in offices.items():
        token_hash = cred.token_hash(demo_kiosk_token(code))
        if session.scalar(select(Kiosk.id).where(Kiosk.token_hash == token_hash)) is None:
            session.add(Kiosk(office_id=office.id, label=f"Kiosk {code}", token_hash=token_hash))
    session.add_all(call_records(day, appts))
    now = utcnow()
    for staff in session.scalars(select(Staff).where(Staff.username.in_(PRESENCE))):
        if session.get(Presence, staff.id) is None:
            session.add(
                Presence(staff_id=staff.id, state=PRESENCE[staff.username], since=now, updated_at=now)
            )
    session.flush()
    if day != now.astimezone(MADRID).date():
        return
    tramits = list(session.scalars(select(Tramit).order_by(Tramit.code)))
    rng = random.Random(f"videoatencio-walkins-{day.isoformat()}")
    kiosks = {k.office_id: k for k in session.scalars(select(Kiosk))}
    for code, language, minutes in WALKINS:
        number = 1  # the office's first ticket of the day (one seeded walk-in per office)
        office, tramit = offices[code], rng.choice(tramits)
        since = now - timedelta(minutes=minutes)
        appt_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        session.add(
            Appointment(
                id=appt_id, office_id=office.id, staff_id=None, pool=True, tramit_code=tramit.code,
                level=tramit.levels[0], start=since, duration_min=20,
                citizen_name=f"Kiosk {ticket_label(code, number)}", citizen_phone="", citizen_email=None,
                language=language, status="waiting", version=1, created_at=since, updated_at=since,
            )
        )  # fmt: skip
        session.flush()
        session.add(
            WalkIn(
                office_id=office.id, kiosk_id=kiosks[office.id].id, number=number, language=language,
                tramit_code=tramit.code, appointment_id=appt_id, status="waiting", created_at=since,
            )
        )  # fmt: skip
        session.add(
            CallRecord(
                appointment_id=appt_id, office_id=office.id, tramit_code=tramit.code, walk_in=True,
                waiting_since=since, identification_failures=0, interpreter=False,
            )
        )  # fmt: skip
    session.flush()
