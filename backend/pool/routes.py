"""Presence, the pool (list, take, take-next) and the supervisor's board, reassignment and KPIs."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import audit
from backend.appointments import TERMINAL, to_json
from backend.deps import Caller, Services, ServicesDep
from backend.errors import ApiError
from backend.models import Appointment, Office, Staff, utcnow
from backend.pool import kpis as kpi
from backend.pool import service as svc
from backend.pool.config import PoolSettings
from backend.pool.models import CallRecord, Presence, WalkIn
from backend.schemas import MAX_INT, IsoDay
from backend.security import AccessClaims

router = APIRouter(tags=["pool"])

PresenceState = Literal["available", "in_call", "wrap_up", "away", "offline"]
Kind = Literal["appointment", "walkin"]
ItemId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[0-9A-Za-z-]+$")]


def pool_settings(request: Request) -> PoolSettings:
    settings: PoolSettings = request.app.state.pool_settings
    return settings


PoolSettingsDep = Annotated[PoolSettings, Depends(pool_settings)]


class PresenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: PresenceState
    appointment_id: Annotated[str, Field(pattern=r"^[0-9a-f-]{36}$")] | None = None


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Kind
    id: Annotated[str, Field(min_length=1, max_length=36, pattern=r"^[0-9A-Za-z-]+$")]
    staff_id: Annotated[int, Field(ge=1, le=MAX_INT)] | None = Field(
        default=None, description="The informador to give it to; null puts it back in the pool"
    )


def require_supervisor(claims: AccessClaims) -> None:
    if claims.role not in ("supervisor", "admin"):
        raise ApiError(403, "forbidden", "Only supervisors and administrators can do this")


def _staff(session: Session, claims: AccessClaims) -> Staff:
    staff = session.get(Staff, claims.staff_id)
    if staff is None or not staff.active:
        raise ApiError(401, "not_authenticated", "Unknown staff member")
    return staff


def _office_code(session: Session, office_id: int | None) -> str:
    if office_id is None:
        return ""
    return session.scalar(select(Office.code).where(Office.id == office_id)) or ""


def publish_pool(services: Services, change: str, item: dict[str, Any]) -> None:
    # office_id None: the pool is interterritorial, every office's informadors may take from it.
    services.bus.publish("pool.updated", None, {"change": change, "item": svc.public_item(item)})


def publish_appointment(services: Services, session: Session, appt: Appointment) -> None:
    from backend.routes.appointments import zone

    office = session.get(Office, appt.office_id)
    services.bus.publish(
        "appointment.updated",
        appt.office_id,
        {"appointment": to_json(appt, zone(office.timezone if office else "Europe/Madrid"))},
    )


# -- presence ----------------------------------------------------------------------------------------


@router.put("/presence", responses={401: {}, 422: {}})
def put_presence(
    body: PresenceIn, claims: Caller, services: ServicesDep, cfg: PoolSettingsDep
) -> dict[str, Any]:
    """The console's heartbeat and state changes; pushed as presence.updated when something changed."""
    with services.db.write() as s:
        staff = _staff(s, claims)
        row, changed = svc.set_presence(s, staff.id, body.state, body.appointment_id, cfg.presence_timeout_s)
        result = svc.presence_json(
            staff, row, _office_code(s, staff.office_id), cfg.presence_timeout_s, utcnow()
        )
    if changed:
        services.bus.publish("presence.updated", result["office_id"], {"presence": result})
    return result


# -- pool ----------------------------------------------------------------------------------------------


@router.get("/pool", responses={401: {}})
def get_pool(claims: Caller, services: ServicesDep) -> dict[str, Any]:
    """Informadors: what they may take (language and skill match). Supervisors: everything."""
    with services.db.read() as s:
        staff = _staff(s, claims)
        items = svc.pool_items(s) if claims.role != "informador" else svc.next_candidates(s, staff)
    return {"items": items, "server_time": utcnow().isoformat()}


def _after_take(services: Services, taken: dict[str, Any], staff_id: int) -> dict[str, Any]:
    with services.db.read() as s:
        appt = s.get(Appointment, taken["appointment_id"])
        assert appt is not None
        publish_appointment(services, s, appt)
        from backend.routes.appointments import zone

        office = s.get(Office, appt.office_id)
        result = {**taken, "appointment": to_json(appt, zone(office.timezone if office else "Europe/Madrid"))}
    item = {"kind": taken["kind"], "id": taken["id"], "appointment_id": taken["appointment_id"]}
    publish_pool(services, "taken", {**item, "taken_by": staff_id})
    if taken["kind"] == "walkin":
        services.bus.publish(
            "walkin.taken", result["appointment"]["office_id"], {**item, "taken_by": staff_id}
        )
    return result


def _take(
    services: Services, claims: AccessClaims, cfg: PoolSettings, kind: str, item_id: str
) -> dict[str, Any]:
    if claims.role != "informador":
        raise ApiError(403, "forbidden", "Only informadors take citizens from the pool")
    with services.db.write() as s:
        staff = _staff(s, claims)
        svc.check_ready_to_take(s, staff, cfg.presence_timeout_s)
        taken = svc.take(s, staff, kind, item_id)
        audit.append(
            s,
            "pool.taken",
            object_type="appointment",
            object_id=taken["appointment_id"],
            actor_staff_id=staff.id,
            data={"kind": kind, "id": item_id},
        )
    return _after_take(services, taken, claims.staff_id)


@router.post("/pool/{kind}/{item_id}/take", responses={403: {}, 404: {}, 409: {}})
def take_item(
    kind: Kind, item_id: ItemId, claims: Caller, services: ServicesDep, cfg: PoolSettingsDep
) -> dict[str, Any]:
    """Only one informador wins; the others get 409 already_taken saying who took it. Only a free
    informador (presence available, not in a call) may take: 409 not_available / in_a_call."""
    return _take(services, claims, cfg, kind, item_id)


@router.post("/pool/take-next", responses={403: {}, 404: {}, 409: {}})
def take_next(claims: Caller, services: ServicesDep, cfg: PoolSettingsDep) -> dict[str, Any]:
    """The longest-waiting item this informador may take; tries the next one if someone was faster."""
    if claims.role != "informador":
        raise ApiError(403, "forbidden", "Only informadors take citizens from the pool")
    with services.db.read() as s:
        staff = _staff(s, claims)
        # Said first, so a busy informador hears why rather than "nobody is waiting".
        svc.check_ready_to_take(s, staff, cfg.presence_timeout_s)
        candidates = svc.next_candidates(s, staff)
    last: ApiError | None = None
    for item in candidates[:10]:
        try:
            return _take(services, claims, cfg, item["kind"], item["id"])
        except ApiError as exc:
            if exc.code != "already_taken":
                raise
            last = exc
    if last is not None:
        raise last
    raise ApiError(404, "pool_empty", "Nobody is waiting for you in the pool right now")


# -- supervisor ------------------------------------------------------------------------------------------


@router.get("/supervisor/board", responses={403: {}})
def board(claims: Caller, services: ServicesDep, cfg: PoolSettingsDep) -> dict[str, Any]:
    require_supervisor(claims)
    now = utcnow()
    with services.db.read() as s:
        offices = {o.id: o for o in s.scalars(select(Office).order_by(Office.id))}
        presence = {p.staff_id: p for p in s.scalars(select(Presence))}
        in_call = {
            a.staff_id: a.id
            for a in s.scalars(select(Appointment).where(Appointment.status == "in_call"))
            if a.staff_id is not None
        }
        informadors = []
        for st in s.scalars(
            select(Staff).where(Staff.role == "informador", Staff.active.is_(True)).order_by(Staff.id)
        ):
            code = offices[st.office_id].code if st.office_id in offices else ""
            row = svc.presence_json(st, presence.get(st.id), code, cfg.presence_timeout_s, now)
            row["appointment_id"] = row["appointment_id"] or in_call.get(st.id)
            informadors.append(row)
        waiting = _waiting(s, offices, now)
        office_rows = [
            {
                "office_id": o.id,
                "code": o.code,
                "name": o.name,
                "max_concurrent_calls": o.max_concurrent_calls,
                "calls_in_progress": svc.calls_in_progress(s, o.id),
            }
            for o in offices.values()
        ]
    alerts = [
        {
            "type": "long_wait",
            "appointment_id": w["appointment_id"],
            "waiting_s": w["waiting_s"],
            "message": f"{w['label'] or w['citizen_name']} ({w['office_code']}) has waited "
            f"{w['waiting_s'] // 60} min",
        }
        for w in waiting
        if w["waiting_s"] is not None and w["waiting_s"] >= cfg.wait_alert_s
    ]
    return {
        "server_time": now.isoformat(),
        "wait_alert_s": cfg.wait_alert_s,
        "presence_timeout_s": cfg.presence_timeout_s,
        "informadors": informadors,
        "waiting": waiting,
        "alerts": alerts,
        "offices": office_rows,
    }


def _waiting(s: Session, offices: dict[int, Office], now: Any) -> list[dict[str, Any]]:
    """Citizens present and not yet in a call: the pool's, plus those waiting for their own informador."""
    items = [i for i in svc.pool_items(s, now) if i["waiting_since"]]
    seen = {i["appointment_id"] for i in items}
    lo, hi = svc.today_bounds(now)
    walkins = {w.appointment_id: w for w in s.scalars(select(WalkIn).where(WalkIn.status == "taken"))}
    for appt, recorded in s.execute(
        select(Appointment, CallRecord.waiting_since)
        .outerjoin(CallRecord, CallRecord.appointment_id == Appointment.id)
        .where(Appointment.status == "waiting", Appointment.start >= lo - (hi - lo), Appointment.start < hi)
    ):
        if appt.id in seen:
            continue
        w = walkins.get(appt.id)
        since = w.created_at if w is not None else (recorded or appt.updated_at)
        code = offices[appt.office_id].code
        items.append(
            {
                "kind": "walkin" if w is not None else "appointment",
                "id": str(w.id) if w is not None else appt.id,
                "appointment_id": appt.id,
                "office_id": appt.office_id,
                "office_code": code,
                "tramit_code": appt.tramit_code,
                "language": appt.language,
                "citizen_name": appt.citizen_name,
                "label": svc.ticket_label(code, w.number) if w is not None else "",
                "status": appt.status,
                "staff_id": appt.staff_id,
                "waiting_since": svc.iso(since),
                "waiting_s": max(0, int((now - since).total_seconds())),
                "start": svc.iso(appt.start),
            }
        )
    for i in items:
        i.setdefault("staff_id", None)
    items.sort(key=lambda i: i["waiting_since"] or "")
    return items


@router.post("/supervisor/reassign", responses={403: {}, 404: {}, 409: {}, 422: {}})
def reassign(body: ReassignIn, claims: Caller, services: ServicesDep) -> dict[str, Any]:
    """Gives an appointment or a walk-in to an informador, or puts it back in the pool. Audited."""
    require_supervisor(claims)
    with services.db.write() as s:
        target: Staff | None = None
        if body.staff_id is not None:
            target = s.get(Staff, body.staff_id)
            if target is None or target.role != "informador" or not target.active:
                msg = "Choose an active informador"
                raise ApiError(422, "validation_error", msg, errors=[{"field": "staff_id", "message": msg}])
        w: WalkIn | None = None
        if body.kind == "walkin":
            w = s.get(WalkIn, int(body.id)) if body.id.isdigit() and len(body.id) <= 12 else None
            if w is None:
                raise ApiError(404, "not_found", "Ticket not found")
            appt = s.get(Appointment, w.appointment_id)
        else:
            appt = s.get(Appointment, body.id)
        if appt is None:
            raise ApiError(404, "not_found", "Appointment not found")
        if appt.status in TERMINAL or appt.status == "in_call":
            raise ApiError(
                409, "not_reassignable", f"The appointment is {appt.status}; it cannot be reassigned"
            )
        if target is not None:
            _check_reassign_target(s, target, appt, w)
        before = appt.staff_id
        appt.staff_id = target.id if target else None
        if target is None:
            appt.pool = True
        appt.updated_at = utcnow()
        if w is not None:
            w.status, w.taken_by = ("taken", target.id) if target else ("waiting", None)
            w.taken_at = utcnow() if target else None
        s.flush()
        audit.append(
            s,
            "appointment.reassigned",
            object_type="appointment",
            object_id=appt.id,
            actor_staff_id=claims.staff_id,
            data={"kind": body.kind, "from": before, "to": appt.staff_id},
        )
        publish_appointment(services, s, appt)
        result = {"kind": body.kind, "id": body.id, "appointment_id": appt.id, "staff_id": appt.staff_id}
    publish_pool(services, "returned" if target is None else "reassigned", result)
    if w is not None:
        services.bus.publish("walkin.updated", appt.office_id, result)
    return result


def _check_reassign_target(s: Session, target: Staff, appt: Appointment, w: WalkIn | None) -> None:
    """The same rules as taking: the target speaks the language and has the skill; a citizen already
    present (a walk-in, or an appointment in the waiting room) needs room in the target's office."""
    refusal = svc.eligibility_refusal(target, appt.language, appt.tramit_code)
    if refusal is not None:
        raise ApiError(409, "not_eligible", refusal, extra={"staff_id": target.id})
    if w is not None or appt.status == "waiting":
        svc.check_office_limit(s, target.office_id, exclude_appointment=appt.id)


OfficeQuery = Annotated[int | None, Query(ge=1, le=MAX_INT)]
DayQuery = Annotated[IsoDay | None, Query(description="YYYY-MM-DD; default today (Europe/Madrid)")]


def _report(services: Services, day: date | None, office_id: int | None) -> dict[str, Any]:
    with services.db.read() as s:
        if office_id is not None and s.get(Office, office_id) is None:
            raise ApiError(404, "not_found", "Office not found")
        return kpi.compute(s, day or svc.today_bounds()[0].date(), office_id)


@router.get("/supervisor/kpis", responses={403: {}, 404: {}})
def kpis(
    claims: Caller, services: ServicesDep, day: DayQuery = None, office_id: OfficeQuery = None
) -> dict[str, Any]:
    require_supervisor(claims)
    return _report(services, day, office_id)


@router.get(
    "/supervisor/kpis.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, 403: {}, 404: {}},
)
def kpis_csv(
    claims: Caller, services: ServicesDep, day: DayQuery = None, office_id: OfficeQuery = None
) -> Response:
    require_supervisor(claims)
    report = _report(services, day, office_id)
    return Response(
        kpi.to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="videoatencio-kpis-{report["day"]}.csv"',
            "X-Content-Type-Options": "nosniff",
        },
    )
