"""Password hashing (Argon2id), access JWTs (HS256) and opaque refresh-token material."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are RFC 9106's "low memory" profile (Argon2id, 64 MiB, t=3).
_HASHER = PasswordHasher()
# Verified when the username is unknown, so an unknown user costs the same time as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))

JWT_ALGORITHM = "HS256"
ROLES = ("informador", "supervisor", "admin")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists: pass None for an unknown user."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class AccessClaims:
    staff_id: int
    role: str
    office_id: int | None


class TokenError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def issue_access_token(secret: str, claims: AccessClaims, ttl_s: int) -> str:
    now = int(time.time())
    payload: dict[str, Any] = {
        "sub": str(claims.staff_id),
        "role": claims.role,
        "office_id": claims.office_id,
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(payload, secret, algorithm=JWT_ALGORITHM)


def decode_access_token(secret: str, token: str) -> AccessClaims:
    try:
        payload = jwt.decode(
            token, secret, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "sub", "role"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("token_expired", "Access token expired") from exc
    except jwt.PyJWTError as exc:
        raise TokenError("not_authenticated", "Invalid access token") from exc
    sub, role, office_id = payload.get("sub"), payload.get("role"), payload.get("office_id")
    if not isinstance(sub, str) or not sub.isdigit() or role not in ROLES:
        raise TokenError("not_authenticated", "Invalid access token")
    if office_id is not None and (not isinstance(office_id, int) or isinstance(office_id, bool)):
        raise TokenError("not_authenticated", "Invalid access token")
    return AccessClaims(staff_id=int(sub), role=role, office_id=office_id)


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)  # 256 random bits


def token_digest(token: str) -> str:
    # sha256 (not a KDF) is enough: the token is 256 random bits, there is nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
