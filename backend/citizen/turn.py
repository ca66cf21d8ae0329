"""ICE servers for one call: STUN as configured, TURN with TURN REST API credentials (coturn
`use-auth-secret`): username "<expiry unix>:<appointment id>",
credential base64(HMAC-SHA1(secret, username))."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from backend.citizen.config import CitizenSettings


def turn_credential(secret: str, username: str) -> str:
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def ice_servers(cfg: CitizenSettings, appointment_id: str, now: float | None = None) -> list[dict[str, Any]]:
    """Empty when nothing is configured: aiortc then gathers host candidates only, with no 5 s STUN wait."""
    servers: list[dict[str, Any]] = []
    if cfg.stun_urls:
        servers.append({"urls": list(cfg.stun_urls)})
    if cfg.turn_urls and cfg.turn_secret:
        expiry = int(now if now is not None else time.time()) + cfg.turn_ttl_s
        username = f"{expiry}:{appointment_id}"
        servers.append(
            {
                "urls": list(cfg.turn_urls),
                "username": username,
                "credential": turn_credential(cfg.turn_secret, username),
            }
        )
    return servers
