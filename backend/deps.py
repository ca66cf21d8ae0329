"""Request dependencies: the app's services and the authenticated caller."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.db import Database
from backend.errors import ApiError
from backend.events import EventBus
from backend.models import Appointment
from backend.ratelimit import LoginRateLimiter
from backend.security import AccessClaims, TokenError, decode_access_token


@dataclass
class Services:
    settings: Settings
    db: Database
    bus: EventBus
    login_limiter: LoginRateLimiter


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /auth/login")


def _unauthenticated(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def _claims_from(services: Services, token: str | None) -> AccessClaims:
    if not token:
        raise _unauthenticated("not_authenticated", "Missing access token")
    try:
        return decode_access_token(services.settings.jwt_secret, token)
    except TokenError as exc:
        raise _unauthenticated(exc.code, exc.message) from exc


async def current_claims(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AccessClaims:
    """Stateless: the JWT is trusted for 15 min, so no database read (and no Argon2) per request.

    Async on purpose (like get_services): a sync dependency costs a worker-thread hop per request.
    """
    return _claims_from(services, credentials.credentials if credentials else None)


async def current_claims_or_query(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    access_token: Annotated[
        str | None, Query(max_length=4096, description="For EventSource, which cannot set headers")
    ] = None,
) -> AccessClaims:
    token = credentials.credentials if credentials else access_token
    return _claims_from(services, token)


Caller = Annotated[AccessClaims, Depends(current_claims)]
SseCaller = Annotated[AccessClaims, Depends(current_claims_or_query)]


def office_scope(claims: AccessClaims) -> frozenset[int] | None:
    """Offices the caller may see; None means all."""
    if claims.role == "informador":
        return frozenset({claims.office_id}) if claims.office_id is not None else frozenset()
    return None


def may_serve(claims: AccessClaims, appt: Appointment) -> bool:
    """The one office-scope rule for an appointment: in the caller's offices, or held by the caller
    (an informador serves a pool appointment of another office once they took it: interterritorial)."""
    scope = office_scope(claims)
    return scope is None or appt.office_id in scope or appt.staff_id == claims.staff_id


def scoped_appointment(
    session: Session, claims: AccessClaims, appointment_id: uuid.UUID | str
) -> Appointment:
    """The appointment if the caller may serve it. Out of scope answers exactly like missing (404), so
    ids of other offices are not revealed (docs/API.md)."""
    appt = session.get(Appointment, str(appointment_id))
    if appt is None or not may_serve(claims, appt):
        raise ApiError(404, "not_found", "Appointment not found")
    return appt
