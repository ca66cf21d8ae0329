"""Delivery of outbox messages. A Gateway sends one message or raises GatewayError."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("backend.citizen.outbox")


class GatewayError(Exception):
    pass


@dataclass(frozen=True)
class OutgoingMessage:
    id: int
    channel: str
    to: str
    body: str


class Gateway(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> None: ...


class DatabaseLogGateway:
    """Default: the message stays readable in the outbox table (tests, the demo) and goes to the log.

    The body is not logged: it holds the PIN and the personal link."""

    name = "log"

    def send(self, message: OutgoingMessage) -> None:
        log.info(
            "outbox %s #%d to %s (%d chars) marked sent",
            message.channel,
            message.id,
            _mask(message.to),
            len(message.body),
        )


class HttpSmsGateway:
    """POSTs {"id", "channel", "to", "body"} as JSON with a bearer key; any 2xx is success."""

    name = "http"

    def __init__(self, url: str, key: str, timeout_s: float = 10.0) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("the gateway URL must be http(s)")
        self.url = url
        self.key = key
        self.timeout_s = timeout_s

    def send(self, message: OutgoingMessage) -> None:
        payload = json.dumps(
            {"id": message.id, "channel": message.channel, "to": message.to, "body": message.body}
        ).encode()
        req = urllib.request.Request(
            self.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.key}",
                "Idempotency-Key": f"videoatencio-outbox-{message.id}",
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                status = resp.status
        except urllib.error.HTTPError as exc:
            raise GatewayError(f"gateway answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise GatewayError(f"gateway unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise GatewayError(f"gateway answered HTTP {status}")


def _mask(to: str) -> str:
    return to[:3] + "…" + to[-2:] if len(to) > 6 else "…"
