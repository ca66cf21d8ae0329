from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from sqlalchemy import select

from backend.deps import Caller, ServicesDep
from backend.errors import ApiError
from backend.models import Tramit
from backend.schemas import Text, TramitDetailOut, TramitOut

router = APIRouter(tags=["tramits"])


def tramit_json(t: Tramit) -> dict[str, Any]:
    return {
        "code": t.code,
        "names": dict(t.names),
        "levels": list(t.levels),
        "identification_level": t.identification_level,
        "category": t.category,
        "source": t.source,
        "portal_url": t.portal_url,
        "required_documents": list(t.required_documents),
    }


@router.get("/tramits", response_model=list[TramitOut])
def list_tramits(_claims: Caller, services: ServicesDep) -> list[dict[str, Any]]:
    with services.db.read() as s:
        return [tramit_json(t) for t in s.scalars(select(Tramit).order_by(Tramit.code))]


@router.get("/tramits/{code}", response_model=TramitDetailOut, responses={404: {}})
def get_tramit(
    code: Annotated[Text, Path(min_length=1, max_length=80)], _claims: Caller, services: ServicesDep
) -> dict[str, Any]:
    with services.db.read() as s:
        tramit = s.get(Tramit, code)
    if tramit is None:
        raise ApiError(404, "not_found", "Tràmit not found")
    from backend.tramitacio.schema import schema_from_json

    wizard = schema_from_json(tramit.form_schema).to_json()
    return {
        **tramit_json(tramit),
        "form": {"fields": wizard["fields"], "generic": wizard["generic"]},
        "assisted_steps": wizard["assisted_steps"],
    }
