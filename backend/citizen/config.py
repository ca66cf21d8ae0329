"""Citizen-side settings, read once from the environment (VIDEOATENCIO_*), with safe defaults."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from pathlib import Path

from backend.config import ENV_PREFIX, Settings, default_data_dir, sqlite_path


def _env(name: str, default: str = "") -> str:
    return os.environ.get(ENV_PREFIX + name, default).strip()


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class CitizenSettings:
    pin_key: bytes
    documents_dir: Path
    public_url: str = ""  # base for join links; empty: the request's own base URL
    # Identification limits (DESIGN.md security rules).
    pin_max_failures: int = 5
    pin_valid_before_s: int = 30 * 60
    pin_valid_after_s: int = 60 * 60
    pin_sms_max: int = 3
    pin_sms_window_s: int = 10 * 60
    ip_attempts_max: int = 20
    ip_window_s: float = 10 * 60
    link_attempts_max: int = 10
    link_window_s: float = 10 * 60
    # Failed identifications are answered no sooner than this, so an unknown link and a wrong PIN
    # take the same time whatever the database did.
    failure_floor_s: float = 0.25
    session_ttl_s: int = 4 * 3600
    # Media servers (TURN REST API, coturn `use-auth-secret`).
    stun_urls: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_secret: str = ""
    turn_ttl_s: int = 3600
    # Outbox gateways: "log" (default, DatabaseLogGateway) or "http" (HttpSmsGateway).
    sms_gateway: str = "log"
    email_gateway: str = "log"
    gateway_url: str = ""
    gateway_key: str = field(default="", repr=False)
    gateway_timeout_s: float = 10.0
    max_document_bytes: int = 10 * 1024 * 1024

    @classmethod
    def from_env(cls, settings: Settings) -> CitizenSettings:
        explicit_key = _env("PIN_KEY")
        # Derived from the JWT secret unless given: every instance shares it without new set-up.
        pin_key = (
            explicit_key.encode()
            if explicit_key
            else hmac.new(settings.jwt_secret.encode(), b"videoatencio/pin-hmac/v1", hashlib.sha256).digest()
        )
        docs = _env("DOCUMENTS_DIR")
        if docs:
            documents_dir = Path(docs)
        else:
            db_file = sqlite_path(settings.database_url)
            documents_dir = (db_file.parent if db_file else default_data_dir()) / "documents"
        return cls(
            pin_key=pin_key,
            documents_dir=documents_dir.resolve(),
            public_url=_env("PUBLIC_URL").rstrip("/"),
            ip_attempts_max=int(_env("CITIZEN_IP_ATTEMPTS", "20")),
            link_attempts_max=int(_env("CITIZEN_LINK_ATTEMPTS", "10")),
            failure_floor_s=float(_env("CITIZEN_FAILURE_FLOOR_S", "0.25")),
            stun_urls=_csv(_env("STUN_URLS")),
            turn_urls=_csv(_env("TURN_URLS")),
            turn_secret=_env("TURN_SECRET"),
            turn_ttl_s=int(_env("TURN_TTL_S", "3600")),
            sms_gateway=_env("SMS_GATEWAY", "log") or "log",
            email_gateway=_env("EMAIL_GATEWAY", "log") or "log",
            gateway_url=_env("GATEWAY_URL"),
            gateway_key=_env("GATEWAY_KEY"),
        )
