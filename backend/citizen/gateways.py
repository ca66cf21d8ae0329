"""Delivery of outbox messages. A Gateway sends one message or raises GatewayError.

An e-mail may carry attachments (the receipt PDF): the http gateway sends them base64-encoded in its
JSON; the log gateway records their name, size and sha256 (the bytes stay in the outbox row)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger("backend.citizen.outbox")


class GatewayError(Exception):
    pass


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """As the outbox row stores it (and the http gateway sends it)."""
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": len(self.data),
            "sha256": self.sha256,
            "data_b64": base64.b64encode(self.data).decode("ascii"),
        }

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Attachment:
        return cls(str(item["filename"]), str(item["content_type"]), base64.b64decode(item["data_b64"]))


@dataclass(frozen=True)
class OutgoingMessage:
    id: int
    channel: str
    to: str
    body: str
    attachments: tuple[Attachment, ...] = field(default=())


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
        for item in message.attachments:
            log.info(
                "outbox #%d attachment %s (%s, %d bytes, sha256 %s)",
                message.id,
                item.filename,
                item.content_type,
                len(item.data),
                item.sha256,
            )


class HttpSmsGateway:
    """POSTs {"id", "channel", "to", "body", "attachments"} as JSON with a bearer key; any 2xx is success.

    Each attachment is {"filename", "content_type", "size", "sha256", "data_b64"} (empty list for SMS)."""

    name = "http"

    def __init__(self, url: str, key: str, timeout_s: float = 10.0) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("the gateway URL must be http(s)")
        self.url = url
        self.key = key
        self.timeout_s = timeout_s

    def send(self, message: OutgoingMessage) -> None:
        payload = json.dumps(
            {
                "id": message.id,
                "channel": message.channel,
                "to": message.to,
                "body": message.body,
                "attachments": [a.to_json() for a in message.attachments],
            }
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
