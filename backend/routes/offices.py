from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from sqlalchemy import select

from backend.deps import Caller, ServicesDep, office_scope
from backend.errors import ApiError
from backend.models import Office
from backend.schemas import MAX_INT, OfficeOut

router = APIRouter(tags=["offices"])


def office_json(o: Office) -> dict[str, Any]:
    return {
        "id": o.id,
        "code": o.code,
        "name": o.name,
        "timezone": o.timezone,
        "recording_policy": o.recording_policy,
        "max_concurrent_calls": o.max_concurrent_calls,
        "languages": list(o.languages),
    }


@router.get("/offices", response_model=list[OfficeOut])
def list_offices(claims: Caller, services: ServicesDep) -> list[dict[str, Any]]:
    scope = office_scope(claims)
    query = select(Office).order_by(Office.id)
    if scope is not None:
        query = query.where(Office.id.in_(scope))
    with services.db.read() as s:
        return [office_json(o) for o in s.scalars(query)]


@router.get("/offices/{office_id}", response_model=OfficeOut, responses={404: {}})
def get_office(
    office_id: Annotated[int, Path(ge=1, le=MAX_INT)], claims: Caller, services: ServicesDep
) -> dict[str, Any]:
    scope = office_scope(claims)
    with services.db.read() as s:
        office = s.get(Office, office_id)
    if office is None or (scope is not None and office.id not in scope):
        raise ApiError(404, "not_found", "Office not found")
    return office_json(office)
