"""Demo data: offices, staff (password "demo") and a realistic, deterministic day of appointments."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from backend import audit
from backend.catalogue_loader import catalogue_path, load_catalogue, upsert_catalogue
from backend.db import Database
from backend.models import Appointment, Office, Staff, Tramit
from backend.security import hash_password

MADRID = ZoneInfo("Europe/Madrid")

OFFICES = [
    # id, code, name, recording policy, max concurrent calls, languages
    (1, "GIR", "OAC Girona", "never", 4, ["ca", "es", "en"]),
    (2, "EBR", "OAC Terres de l'Ebre (Tortosa)", "never", 3, ["ca", "es"]),
    (3, "BCN", "OAC Barcelona Aragó", "never", 6, ["ca", "es", "en"]),
    (4, "VIT", "Vitoria-Gasteiz", "with_consent", 2, ["eu", "es"]),
]

STAFF = [
    # id, username, full name, role, office id, languages
    (1, "marta", "Marta Puig i Serra", "informador", 1, ["ca", "es", "en"]),
    (2, "pau", "Pau Ferré Galceran", "informador", 2, ["ca", "es"]),
    (3, "jordi", "Jordi Vilaró Casals", "informador", 3, ["ca", "es", "en"]),
    (4, "nerea", "Nerea Etxeberria Agirre", "informador", 4, ["eu", "es"]),
    (5, "laia", "Laia Soler Bosch", "supervisor", 3, ["ca", "es", "en"]),
    (6, "admin", "Administrador", "admin", None, ["ca", "es"]),
]

DEMO_PASSWORD = "demo"

# (given names, family names, preferred languages): one pool per community the offices serve.
_CATALAN = (
    [
        "Montserrat",
        "Jordi",
        "Núria",
        "Joan",
        "Mercè",
        "Pere",
        "Anna",
        "Oriol",
        "Roser",
        "Arnau",
        "Laia",
        "Ramon",
    ],
    ["Puigdemont", "Vidal", "Ferrer", "Casals", "Roca", "Bosch", "Pujol", "Soler", "Serra", "Font", "Vilà"],
    ["ca", "ca", "ca", "es"],
)
_SPANISH = (
    ["María", "José", "Carmen", "Antonio", "Lucía", "Manuel", "Isabel", "Francisco", "Elena", "David"],
    ["García", "Martínez", "López", "Sánchez", "Pérez", "Gómez", "Fernández", "Ruiz", "Jiménez", "Moreno"],
    ["es"],
)
_BASQUE = (
    ["Aitor", "Itziar", "Iñaki", "Miren", "Gorka", "Amaia", "Unai", "Ane", "Jon", "Leire"],
    ["Etxeberria", "Goikoetxea", "Uriarte", "Zubizarreta", "Arrieta", "Olabarria", "Iturbe", "Mendizabal"],
    ["eu", "eu", "es"],
)
_MOROCCAN = (
    ["Fatima", "Mohamed", "Youssef", "Khadija", "Hassan", "Samira", "Rachid", "Naima"],
    ["El Amrani", "Benali", "Ouahbi", "Chakir", "El Idrissi", "Bouzid"],
    ["ar", "ar", "es", "ca"],
)
_PAKISTANI = (
    ["Muhammad", "Ayesha", "Imran", "Saima", "Bilal", "Nadia", "Asif"],
    ["Khan", "Hussain", "Ahmed", "Iqbal", "Raza", "Butt"],
    ["ur", "ur", "en"],
)
_LATAM = (
    ["Valentina", "Camila", "Santiago", "Mateo", "Daniela", "Alejandro", "Gabriela", "Luis Fernando"],
    ["Rodríguez", "Quispe", "Mamani", "Vargas", "Castillo", "Rojas", "Herrera", "Mendoza"],
    ["es"],
)
# Office code → weighted communities.
_COMMUNITIES = {
    "GIR": [(_CATALAN, 6), (_SPANISH, 2), (_MOROCCAN, 2), (_LATAM, 1), (_PAKISTANI, 1)],
    "EBR": [(_CATALAN, 6), (_SPANISH, 2), (_MOROCCAN, 2), (_LATAM, 1)],
    "BCN": [(_CATALAN, 4), (_SPANISH, 3), (_PAKISTANI, 2), (_LATAM, 2), (_MOROCCAN, 1)],
    "VIT": [(_BASQUE, 6), (_SPANISH, 3), (_LATAM, 1), (_MOROCCAN, 1)],
}
_OUTCOMES = ["resolved", "resolved", "resolved", "pending_documents", "referred", "unresolved"]
_NOTES = {
    "resolved": "Tràmit presentat; justificant enviat per correu.",
    "pending_documents": "Falta el certificat d'empadronament; el portarà la setmana vinent.",
    "referred": "Derivat a serveis socials del municipi.",
    "unresolved": "La persona no disposava d'identificació digital.",
}


def today_madrid() -> date:
    return datetime.now(MADRID).date()


@dataclass(frozen=True)
class SeedResult:
    seeded: bool
    appointments: int
    day: date


def _citizen(rng: random.Random, office_code: str) -> tuple[str, str, str | None, str]:
    pools, weights = zip(*_COMMUNITIES[office_code], strict=True)
    given, family, langs = rng.choices(pools, weights=weights)[0]
    if given is _CATALAN[0] or given is _SPANISH[0] or given is _BASQUE[0]:
        first, second = rng.sample(family, 2)  # two surnames, as on a Spanish ID card
        name = f"{rng.choice(given)} {first} {second}"
    else:
        name = f"{rng.choice(given)} {rng.choice(family)}"
    language = rng.choice(langs)
    phone = f"+34 6{rng.randint(0, 99):02d} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}"
    email = None
    if rng.random() < 0.6:
        local = name.split()[0].lower().translate(str.maketrans("àáèéíïòóúüñç", "aaeeiioouunc"))
        email = f"{local}.{rng.randint(10, 99)}@example.org"
    return name, phone, email, language


def _day_for_staff(
    rng: random.Random,
    day: date,
    tz: ZoneInfo,
    office: Office,
    *,
    staff_id: int | None,
    tramits: list[Tramit],
    count_range: tuple[int, int],
    start_time: time,
    end_time: time,
    done_before: int,
) -> list[Appointment]:
    out: list[Appointment] = []
    cursor = datetime.combine(day, start_time, tz)
    end = datetime.combine(day, end_time, tz)
    target = rng.randint(*count_range)
    while len(out) < target and cursor < end:
        duration = rng.choice([20, 20, 25, 30])
        tramit = rng.choice(tramits)
        level = rng.choice(tramit.levels)
        name, phone, email, language = _citizen(rng, office.code)
        index = len(out)
        if index < done_before:
            status = rng.choice(["completed", "completed", "completed", "no_show"])
        else:
            status = rng.choice(["scheduled", "confirmed", "confirmed", "confirmed", "cancelled"])
            if status == "cancelled" and rng.random() < 0.6:
                status = "confirmed"
        outcome = rng.choice(_OUTCOMES) if status == "completed" else None
        appt_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        out.append(
            Appointment(
                id=appt_id,
                office_id=office.id,
                staff_id=staff_id,
                pool=staff_id is None,
                tramit_code=tramit.code,
                level=level,
                start=cursor,
                duration_min=duration,
                citizen_name=name,
                citizen_phone=phone,
                citizen_email=email,
                citizen_birth_date=demo_birth_date(appt_id, day),
                language=language,
                status=status,
                version=1,
                outcome=outcome,
                notes=_NOTES[outcome] if outcome else "",
            )
        )
        cursor += timedelta(minutes=duration + rng.choice([0, 0, 5, 10]))
    return out


def demo_birth_date(appointment_id: str, day: date) -> date:
    """An adult's plausible date of birth (18 to 85 years old on `day`), fixed per appointment.

    Drawn from its own generator keyed by the appointment id, so adding it left the rest of the
    demo agenda (names, times, tràmits) exactly as it was for a given day.
    """
    rng = random.Random(f"birth-{appointment_id}")
    return day - timedelta(days=rng.randint(18 * 365 + 5, 85 * 365))


def demo_appointments(session: Session, day: date) -> list[Appointment]:
    """Deterministic for a given day (and catalogue): the same seed gives the same agenda."""
    rng = random.Random(f"videoatencio-demo-{day.isoformat()}")
    tramits = list(session.scalars(select(Tramit).order_by(Tramit.code)))
    offices = {o.id: o for o in session.scalars(select(Office).order_by(Office.id))}
    informadors = session.scalars(select(Staff).where(Staff.role == "informador").order_by(Staff.id))
    appts: list[Appointment] = []
    for staff in informadors:
        assert staff.office_id is not None
        office = offices[staff.office_id]
        tz = ZoneInfo(office.timezone)
        appts += _day_for_staff(
            rng, day, tz, office, staff_id=staff.id, tramits=tramits,
            count_range=(10, 14), start_time=time(9), end_time=time(14), done_before=4,
        )  # fmt: skip
        # Pool appointments of the same office, for the shared interterritorial pool.
        appts += _day_for_staff(
            rng, day, tz, office, staff_id=None, tramits=tramits,
            count_range=(2, 4), start_time=time(9, 30), end_time=time(13, 30), done_before=1,
        )  # fmt: skip
    return appts


def seed_demo(
    db: Database, day: date | None = None, catalogue: Path | None = None, reset: bool = False
) -> SeedResult:
    """Creates the demo offices, staff, catalogue and one day of appointments.

    Idempotent: a database that already has staff is left alone (a restarted server keeps its data)
    unless reset=True, which replaces that day's appointments.
    """
    day = day or today_madrid()
    entries = load_catalogue(catalogue_path(catalogue, demo=True))
    with db.write() as s:
        upsert_catalogue(s, entries)
        has_staff = (s.scalar(select(func.count()).select_from(Staff)) or 0) > 0
        if has_staff and not reset:
            return SeedResult(seeded=False, appointments=0, day=day)
        if not has_staff:
            for oid, code, name, policy, max_calls, langs in OFFICES:
                s.add(
                    Office(
                        id=oid,
                        code=code,
                        name=name,
                        timezone="Europe/Madrid",
                        recording_policy=policy,
                        max_concurrent_calls=max_calls,
                        languages=langs,
                    )
                )
            s.flush()
            demo_hash = hash_password(DEMO_PASSWORD)  # one Argon2 run, shared: all demo users use "demo"
            skills = [e.code for e in entries]
            for sid, username, full_name, role, office_id, langs in STAFF:
                s.add(
                    Staff(
                        id=sid,
                        username=username,
                        full_name=full_name,
                        role=role,
                        office_id=office_id,
                        password_hash=demo_hash,
                        languages=langs,
                        skills=skills if role == "informador" else [],
                    )
                )
            s.flush()
        else:
            tz = MADRID
            lo = datetime.combine(day, time(0), tz)
            s.execute(
                delete(Appointment).where(Appointment.start >= lo, Appointment.start < lo + timedelta(days=1))
            )
        appts = demo_appointments(s, day)
        s.add_all(appts)
        # Kiosks, presence, the day's call records (KPIs) and, today, walk-ins waiting (backend/pool).
        from backend.pool.seed import seed_pool

        seed_pool(s, day, appts)
        audit.append(
            s,
            "seed.demo",
            object_type="database",
            object_id="demo",
            actor_staff_id=None,
            data={"day": day.isoformat(), "appointments": len(appts)},
        )
    return SeedResult(seeded=True, appointments=len(appts), day=day)
