"""Today's (or any day's) KPIs per office and per tràmit, and their CSV export.

Definitions (docs/API.md, Pool): the day's appointments are those starting that day in the office's
time zone (walk-ins start when the ticket is taken at the kiosk).
- served: completed appointments; no_shows: no_show appointments;
- avg_wait_s: mean of admitted_at − waiting_since over call records that have both;
- avg_call_s: mean of ended_at − admitted_at over call records that have both;
- resolved_first_contact: completed with outcome "resolved" (one call sufficed); rate = that / served;
- identification_failures: sum over the call records;
- interpreter_share: completed appointments whose call had an interpreter / served.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Appointment, Office, Tramit
from backend.pool.models import CallRecord

COLUMNS = [
    "served",
    "no_shows",
    "avg_wait_s",
    "avg_call_s",
    "resolved_first_contact",
    "resolved_first_contact_rate",
    "identification_failures",
    "interpreter_share",
]


@dataclass
class _Acc:
    served: int = 0
    no_shows: int = 0
    resolved: int = 0
    id_failures: int = 0
    interpreter: int = 0
    waits: list[float] = field(default_factory=list)
    calls: list[float] = field(default_factory=list)

    def add(self, appt: Appointment, rec: CallRecord | None) -> None:
        if appt.status == "completed":
            self.served += 1
            if appt.outcome == "resolved":
                self.resolved += 1
            if rec is not None and rec.interpreter:
                self.interpreter += 1
        elif appt.status == "no_show":
            self.no_shows += 1
        if rec is None:
            return
        self.id_failures += rec.identification_failures
        if rec.waiting_since is not None and rec.admitted_at is not None:
            self.waits.append((rec.admitted_at - rec.waiting_since).total_seconds())
        if rec.admitted_at is not None and rec.ended_at is not None:
            self.calls.append((rec.ended_at - rec.admitted_at).total_seconds())

    def result(self) -> dict[str, Any]:
        def mean(xs: list[float]) -> float | None:
            return round(sum(xs) / len(xs), 1) if xs else None

        return {
            "served": self.served,
            "no_shows": self.no_shows,
            "avg_wait_s": mean(self.waits),
            "avg_call_s": mean(self.calls),
            "resolved_first_contact": self.resolved,
            "resolved_first_contact_rate": round(self.resolved / self.served, 4) if self.served else None,
            "identification_failures": self.id_failures,
            "interpreter_share": round(self.interpreter / self.served, 4) if self.served else None,
        }


def compute(session: Session, day: date, office_id: int | None = None) -> dict[str, Any]:
    offices = {o.id: o for o in session.scalars(select(Office).order_by(Office.id))}
    if office_id is not None:
        offices = {office_id: offices[office_id]} if office_id in offices else {}
    names = {code: n for code, n in session.execute(select(Tramit.code, Tramit.names))}
    per_office: dict[int, _Acc] = {oid: _Acc() for oid in offices}
    per_tramit: dict[str, _Acc] = defaultdict(_Acc)
    total = _Acc()
    for oid, office in offices.items():
        tz = ZoneInfo(office.timezone)
        lo = datetime.combine(day, time(0), tz)
        rows = session.execute(
            select(Appointment, CallRecord)
            .outerjoin(CallRecord, CallRecord.appointment_id == Appointment.id)
            .where(
                Appointment.office_id == oid,
                Appointment.start >= lo,
                Appointment.start < lo + timedelta(days=1),
            )
        ).all()
        for appt, rec in rows:
            for acc in (per_office[oid], per_tramit[appt.tramit_code], total):
                acc.add(appt, rec)
    return {
        "day": day.isoformat(),
        "office_id": office_id,
        "offices": [
            {"office_id": oid, "code": o.code, "name": o.name, **per_office[oid].result()}
            for oid, o in offices.items()
        ],
        "tramits": sorted(
            (
                {
                    "tramit_code": code,
                    "name": (names.get(code) or {}).get("ca") or code,
                    **acc.result(),
                }
                for code, acc in per_tramit.items()
            ),
            key=lambda r: (-r["served"], r["tramit_code"]),
        ),
        "total": total.result(),
    }


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Spreadsheets run cells that start like a formula (CSV injection, OWASP): quote them with '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def to_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 quoting and line ends
    writer.writerow(["day", "scope", "code", "name", *COLUMNS])
    day = report["day"]
    for row in report["offices"]:
        writer.writerow(
            [safe_cell(v) for v in (day, "office", row["code"], row["name"], *(row[c] for c in COLUMNS))]
        )
    for row in report["tramits"]:
        writer.writerow(
            [
                safe_cell(v)
                for v in (day, "tramit", row["tramit_code"], row["name"], *(row[c] for c in COLUMNS))
            ]
        )
    total = report["total"]
    writer.writerow([safe_cell(v) for v in (day, "total", "", "", *(total[c] for c in COLUMNS))])
    return out.getvalue()
