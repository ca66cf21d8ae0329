"""Typed exceptions for the backend's error envelopes (docs/API.md, "Errors")."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Any error answer from the backend: `code` is the machine code, `message` the human one."""

    def __init__(self, code: str, message: str, status: int = 0, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.body = body or {}


class NotFound(ApiError):
    pass


class Forbidden(ApiError):
    pass


class NotAuthenticated(ApiError):
    """401 that a refresh could not fix (bad credentials, revoked refresh token)."""


class StaleVersion(ApiError):
    """409: someone else changed the appointment; `current` is the server's copy (raw JSON)."""

    def __init__(self, message: str, current: dict[str, Any], body: dict[str, Any] | None = None) -> None:
        super().__init__("stale_version", message, 409, body)
        self.current = current


class Offline(Exception):
    """The backend could not be reached (connection refused, DNS, timeout)."""
