"""Join tokens, PINs and citizen session tokens: generation with `secrets`, hashed storage, comparison."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PIN_DIGITS = 6


def new_join_token() -> str:
    return secrets.token_urlsafe(24)  # 192 random bits (≥128 required), URL-safe for /c/{token}


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    # sha256 is enough: the token has ≥128 random bits, nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def pin_hmac(key: bytes, appointment_id: str, pin: str) -> str:
    # Bound to the appointment, so a row copied to another appointment is worthless.
    msg = f"{appointment_id}\x00{pin}".encode("utf-8", "surrogatepass")
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def looks_like_pin(value: str) -> bool:
    return len(value) == PIN_DIGITS and value.isascii() and value.isdigit()
