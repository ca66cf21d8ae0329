"""Login, refresh-token rotation with reuse detection, logout, and /me."""

from __future__ import annotations

import math
import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend import audit
from backend.deps import Caller, Services, ServicesDep
from backend.errors import ApiError
from backend.models import RefreshToken, Staff, utcnow
from backend.schemas import LoginIn, RefreshIn, StaffOut, TokensOut
from backend.security import (
    AccessClaims,
    issue_access_token,
    new_refresh_token,
    token_digest,
    verify_password,
)

router = APIRouter(tags=["auth"])

_BAD_LOGIN = "Wrong username or password"
_BAD_REFRESH = "Invalid or revoked refresh token"


def staff_json(staff: Staff) -> dict[str, Any]:
    return {
        "id": staff.id,
        "username": staff.username,
        "full_name": staff.full_name,
        "role": staff.role,
        "office_id": staff.office_id,
        "languages": list(staff.languages),
        "skills": list(staff.skills),
    }


def _issue(services: Services, session: Session, staff: Staff, family_id: str) -> dict[str, Any]:
    refresh = new_refresh_token()
    now = utcnow()
    session.add(
        RefreshToken(
            staff_id=staff.id,
            family_id=family_id,
            token_hash=token_digest(refresh),
            created_at=now,
            expires_at=now + timedelta(seconds=services.settings.refresh_token_ttl_s),
        )
    )
    claims = AccessClaims(staff_id=staff.id, role=staff.role, office_id=staff.office_id)
    ttl = services.settings.access_token_ttl_s
    return {
        "access_token": issue_access_token(services.settings.jwt_secret, claims, ttl),
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": ttl,
        "staff": staff_json(staff),
    }


@router.post("/auth/login", response_model=TokensOut, responses={401: {}, 429: {}})
def login(body: LoginIn, request: Request, services: ServicesDep) -> dict[str, Any]:
    ip = request.client.host if request.client else "-"
    limiter = services.login_limiter
    wait = limiter.retry_after(body.username, ip)
    if wait > 0:
        raise ApiError(
            429,
            "rate_limited",
            "Too many failed logins; try again later",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    with services.db.read() as s:
        staff = s.scalar(select(Staff).where(Staff.username == body.username))
    # Unknown and inactive users are verified against a dummy hash: same answer, same time.
    usable = staff is not None and staff.active
    ok = verify_password(staff.password_hash if staff is not None and usable else None, body.password)
    with services.db.write() as s:
        if not ok or staff is None:
            audit.append(
                s,
                "auth.login_failed",
                object_type="login",
                object_id=body.username[:64],
                actor_staff_id=None,
                data={"ip": ip},
            )
            result = None
        else:
            audit.append(
                s,
                "auth.login",
                object_type="staff",
                object_id=str(staff.id),
                actor_staff_id=staff.id,
                data={"ip": ip},
            )
            result = _issue(services, s, staff, str(uuid.uuid4()))
    if result is None:
        limiter.failed(body.username, ip)
        raise ApiError(401, "invalid_credentials", _BAD_LOGIN)
    limiter.succeeded(body.username, ip)
    return result


def _revoke_family(session: Session, family_id: str) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


@router.post("/auth/refresh", response_model=TokensOut, responses={401: {}})
def refresh(body: RefreshIn, services: ServicesDep) -> dict[str, Any]:
    digest = token_digest(body.refresh_token)
    error: ApiError | None = None
    result: dict[str, Any] | None = None
    # The family revocation on reuse must commit, so errors are raised after the transaction.
    with services.db.write() as s:
        row = s.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest))
        staff = s.get(Staff, row.staff_id) if row is not None else None
        if row is None or staff is None:
            error = ApiError(401, "invalid_credentials", _BAD_REFRESH)
        elif row.revoked_at is not None:
            _revoke_family(s, row.family_id)
            audit.append(
                s,
                "auth.refresh_reuse",
                object_type="staff",
                object_id=str(staff.id),
                actor_staff_id=staff.id,
                data={"family_id": row.family_id},
            )
            error = ApiError(401, "invalid_credentials", _BAD_REFRESH)
        elif row.expires_at <= utcnow():
            error = ApiError(401, "token_expired", "Refresh token expired; log in again")
        elif not staff.active:
            _revoke_family(s, row.family_id)
            error = ApiError(401, "invalid_credentials", _BAD_REFRESH)
        else:
            # Conditional update: of two concurrent refreshes with one token, only one wins.
            won = s.execute(
                update(RefreshToken)
                .where(RefreshToken.id == row.id, RefreshToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
            if getattr(won, "rowcount", 0) != 1:
                _revoke_family(s, row.family_id)
                error = ApiError(401, "invalid_credentials", _BAD_REFRESH)
            else:
                result = _issue(services, s, staff, row.family_id)
    if error is not None:
        raise error
    assert result is not None
    return result


@router.post("/auth/logout", status_code=204, responses={204: {"description": "Logged out"}})
def logout(body: RefreshIn, services: ServicesDep) -> Response:
    """Ends the session (the token's whole family); unknown tokens answer the same."""
    with services.db.write() as s:
        row = s.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == token_digest(body.refresh_token))
        )
        if row is not None:
            _revoke_family(s, row.family_id)
            audit.append(
                s,
                "auth.logout",
                object_type="staff",
                object_id=str(row.staff_id),
                actor_staff_id=row.staff_id,
            )
    return Response(status_code=204)


@router.get("/me", response_model=StaffOut)
async def me(claims: Caller, services: ServicesDep) -> dict[str, Any]:
    staff = await services.db.run_read(lambda s: s.get(Staff, claims.staff_id))
    if staff is None or not staff.active:
        raise ApiError(
            401, "not_authenticated", "Account no longer exists", headers={"WWW-Authenticate": "Bearer"}
        )
    return staff_json(staff)
