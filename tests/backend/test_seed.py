"""Demo seed: deterministic per day, realistic and consistent with the catalogue."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend.catalogue_loader import CatalogueError, load_catalogue
from backend.db import Database
from backend.migrate import upgrade_head
from backend.models import Appointment, Office, Staff, Tramit
from backend.seed import seed_demo

DAY = date(2026, 11, 24)
MADRID = ZoneInfo("Europe/Madrid")
# The pilot tràmits of DESIGN.md: crema (burning), deposit refunds, habitability cards, traffic fines.
PILOT_CODES = {"autoritzacio-crema", "devolucio-fiances", "cedula-habitabilitat", "consulta-sancions-transit"}


def _seeded(path, day=DAY) -> Database:
    db = Database(f"sqlite:///{path}")
    upgrade_head(db.engine)
    result = seed_demo(db, day)
    assert result.seeded and result.appointments > 0
    return db


def _booked():
    """The day's booked appointments; walk-ins (backend/pool: kiosk tickets seeded "waiting now" when
    the day is today) have their own test."""
    from backend.pool.models import WalkIn

    return select(Appointment).where(Appointment.id.not_in(select(WalkIn.appointment_id)))


def _snapshot(db):
    with db.read() as s:
        return [
            (a.id, a.staff_id, a.tramit_code, a.level, a.start, a.citizen_name, a.citizen_phone, a.status)
            for a in s.scalars(_booked().order_by(Appointment.start, Appointment.id))
        ]


def test_seed_is_deterministic_and_realistic(tmp_path):
    a, b = _seeded(tmp_path / "a.db"), _seeded(tmp_path / "b.db")
    other = _seeded(tmp_path / "c.db", date(2026, 11, 25))
    try:
        assert _snapshot(a) == _snapshot(b)
        assert [r[5] for r in _snapshot(a)] != [r[5] for r in _snapshot(other)]
        with a.read() as s:
            assert [o.code for o in s.scalars(select(Office).order_by(Office.id))] == [
                "GIR",
                "EBR",
                "BCN",
                "VIT",
            ]
            vit = s.scalar(select(Office).where(Office.code == "VIT"))
            assert vit is not None and (vit.recording_policy, vit.max_concurrent_calls) == ("with_consent", 2)
            staff = {st.username: st for st in s.scalars(select(Staff))}
            assert set(staff) == {"marta", "pau", "jordi", "nerea", "laia", "admin"}
            levels = {t.code: t.levels for t in s.scalars(select(Tramit))}
            appts = list(s.scalars(_booked()))
        per_staff = Counter(x.staff_id for x in appts if x.staff_id is not None)
        informadors = {staff[u].id for u in ("marta", "pau", "jordi", "nerea")}
        assert set(per_staff) == informadors
        assert all(10 <= n <= 14 for n in per_staff.values()), per_staff
        pool = [x for x in appts if x.pool]
        assert pool and all(x.staff_id is None for x in pool)
        assert {x.office_id for x in pool} == {1, 2, 3, 4}
        for x in appts:
            local = x.start.astimezone(MADRID)
            assert local.date() == DAY and time(9) <= local.time() < time(14)
            assert x.level in levels[x.tramit_code]
            assert re.fullmatch(r"\+34 6\d\d \d{3} \d{3}", x.citizen_phone)
            assert (x.outcome is not None) == (x.status == "completed")
        statuses = Counter(x.status for x in appts)
        assert statuses["completed"] and statuses["no_show"] and statuses["confirmed"]
        assert {"ca", "es", "eu"} <= {x.language for x in appts}
        assert len({x.tramit_code for x in appts}) >= 8
        # Re-seeding an existing database leaves its data alone (a restarted server keeps its state).
        assert not seed_demo(a, DAY).seeded
        assert _snapshot(a) == _snapshot(b)
    finally:
        for db in (a, b, other):
            db.dispose()


def test_catalogue_loader_reads_the_documented_shape(tmp_path):
    path = tmp_path / "tramits.toml"
    path.write_text(
        """
[[tramit]]
code = "targeta-discapacitat"
source = "catalogue"
category = "social"
levels = ["informativa", "assistida", "atesa"]
identification_level = "full"
portal_url = "https://example.org/t"
names = { ca = "Targeta", es = "Tarjeta", eu = "Txartela", en = "Card" }
[[tramit.required_documents]]
code = "dni"
names = { ca = "DNI", es = "DNI", eu = "NAN", en = "ID" }
""",
        encoding="utf-8",
    )
    [entry] = load_catalogue(path)
    assert entry.code == "targeta-discapacitat" and entry.levels == ["informativa", "assistida", "atesa"]
    assert entry.required_documents[0].names.eu == "NAN"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[tramit]]\ncode = "x"\n', "tramit #1 (x)"),
        ("not toml [", "line 1"),
        ("", "no [[tramit]] entries"),
    ],
)
def test_catalogue_loader_errors_name_the_problem(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(CatalogueError, match=re.escape(message)):
        load_catalogue(path)


def test_real_catalogue_loads():
    from backend.catalogue_loader import DEFAULT_CATALOGUE, FALLBACK_CATALOGUE, catalogue_path

    assert catalogue_path() == DEFAULT_CATALOGUE == catalogue_path(demo=True)
    entries = load_catalogue(DEFAULT_CATALOGUE)
    assert len(entries) == 33
    assert {e.code for e in entries if e.source == "pilot"} == PILOT_CODES
    assert len(load_catalogue(FALLBACK_CATALOGUE)) == 8


def test_missing_catalogue_fails_loudly_except_in_the_demo(tmp_path, monkeypatch, caplog):
    from backend import catalogue_loader

    monkeypatch.setattr(catalogue_loader, "DEFAULT_CATALOGUE", tmp_path / "gone.toml")
    with pytest.raises(CatalogueError, match=r"gone\.toml not found: the full tràmit catalogue is required"):
        catalogue_loader.catalogue_path()
    # `backend seed` (the real catalogue load) refuses instead of loading 8 tràmits.
    from backend.__main__ import main

    with pytest.raises(CatalogueError, match="full tràmit catalogue is required"):
        main(["seed", "--data-dir", str(tmp_path), "--database-url", f"sqlite:///{tmp_path / 'real.db'}"])
    # The demo still starts, saying so in the log.
    assert catalogue_loader.catalogue_path(demo=True) == catalogue_loader.FALLBACK_CATALOGUE
    assert "the demo uses the small fallback catalogue" in caplog.text
    db = _seeded(tmp_path / "demo.db")
    with db.read() as s:
        assert len(s.scalars(select(Tramit)).all()) == 8
