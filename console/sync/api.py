"""The REST client (docs/API.md). Blocking requests run on one worker thread, off the GUI thread.

One `requests.Session` and one single-worker executor: the worker serialises use of the Session,
whose thread safety is not documented (psf/requests#2766).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any, TypeVar

import requests

from console import log
from console.domain.appointment import Appointment
from console.domain.catalogue import Tramit
from console.domain.staff import Office, Staff
from console.sync.errors import ApiError, Forbidden, NotAuthenticated, NotFound, Offline, StaleVersion

T = TypeVar("T")

CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 10.0


class Tokens:
    """Access and refresh token; read from several threads, so swapped under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.access = ""
        self.refresh = ""

    def set(self, access: str, refresh: str) -> None:
        with self._lock:
            self.access, self.refresh = access, refresh

    def get(self) -> tuple[str, str]:
        with self._lock:
            return self.access, self.refresh


class BackendApi:
    """Async facade over the backend's REST API.

    `on_refresh_token(token)` is called on the worker thread each time the server hands out a new
    refresh token (they rotate), so the caller can store it before the next request goes out.
    """

    def __init__(self, base_url: str = "", on_refresh_token: Callable[[str], None] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.tokens = Tokens()
        self.on_refresh_token = on_refresh_token
        self._session = requests.Session()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="api")
        self._refresh_lock = threading.Lock()

    # -- plumbing -------------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return f"{self.base_url}/api/v1{path}"

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    def _send(self, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if auth:
            headers["Authorization"] = f"Bearer {self.tokens.get()[0]}"
        try:
            return self._session.request(
                method, self._url(path), headers=headers, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), **kwargs
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Offline(str(exc)) from exc

    def _call(self, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> Any:
        """One request, with one transparent refresh on 401; returns the decoded JSON (or None)."""
        access_before = self.tokens.get()[0]
        resp = self._send(method, path, auth=auth, **kwargs)
        if resp.status_code == 401 and auth and self.tokens.get()[1]:
            self._refresh_sync(access_before)
            resp = self._send(method, path, auth=auth, **kwargs)
        return self._decode(resp)

    @staticmethod
    def _decode(resp: requests.Response) -> Any:
        if resp.status_code < 400:
            if resp.status_code == 204 or not resp.content:
                return None
            return resp.json()
        try:
            body = resp.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        code = str(body.get("code") or resp.status_code)
        message = str(body.get("detail") or resp.reason or "")
        status = resp.status_code
        if status == 409 and isinstance(body.get("current"), dict):
            raise StaleVersion(message, body["current"], body)
        if status == 404:
            raise NotFound(code, message, status, body)
        if status == 403:
            raise Forbidden(code, message, status, body)
        if status == 401:
            raise NotAuthenticated(code, message, status, body)
        raise ApiError(code, message, status, body)

    def _store_tokens(self, data: dict[str, Any]) -> Staff:
        self.tokens.set(str(data["access_token"]), str(data["refresh_token"]))
        if self.on_refresh_token is not None:
            self.on_refresh_token(str(data["refresh_token"]))
        return Staff.from_json(data["staff"])

    def _refresh_sync(self, stale_access: str | None = None) -> Staff | None:
        """Exchange the refresh token for new tokens. Serialised: refresh tokens are single use."""
        with self._refresh_lock:
            access, refresh = self.tokens.get()
            if stale_access is not None and access != stale_access:
                return None  # another thread already refreshed while we waited
            if not refresh:
                raise NotAuthenticated("not_authenticated", "no refresh token", 401)
            resp = self._send("POST", "/auth/refresh", auth=False, json={"refresh_token": refresh})
            data = self._decode(resp)
            log.sync.info("access token refreshed")
            return self._store_tokens(data)

    # -- auth -----------------------------------------------------------------------------------
    async def login(self, username: str, password: str) -> Staff:
        def work() -> Staff:
            resp = self._send(
                "POST", "/auth/login", auth=False, json={"username": username, "password": password}
            )
            return self._store_tokens(self._decode(resp))

        return await self._run(work)

    async def resume(self, refresh_token: str) -> Staff:
        """Log in with a stored refresh token (no password)."""

        def work() -> Staff:
            self.tokens.set("", refresh_token)
            staff = self._refresh_sync()
            assert staff is not None
            return staff

        return await self._run(work)

    def refresh_blocking(self, stale_access: str) -> None:
        """For other threads (the SSE reader) whose request got a 401: refresh on the API worker."""
        try:
            future = self._executor.submit(self._refresh_sync, stale_access)
        except RuntimeError as exc:  # executor shut down: the console is quitting
            raise Offline("shutting down") from exc
        future.result(timeout=CONNECT_TIMEOUT + READ_TIMEOUT)

    async def logout(self) -> None:
        refresh = self.tokens.get()[1]
        self.tokens.set("", "")
        if refresh:
            await self._run(
                lambda: self._call("POST", "/auth/logout", auth=False, json={"refresh_token": refresh})
            )

    # -- resources ------------------------------------------------------------------------------
    async def health(self) -> dict[str, Any]:
        return dict(await self._run(lambda: self._call("GET", "/health", auth=False)))

    async def me(self) -> Staff:
        return Staff.from_json(await self._run(lambda: self._call("GET", "/me")))

    async def office(self, office_id: int) -> Office:
        return Office.from_json(await self._run(lambda: self._call("GET", f"/offices/{office_id}")))

    async def tramits(self) -> list[Tramit]:
        data = await self._run(lambda: self._call("GET", "/tramits"))
        return [Tramit.from_json(item) for item in data]

    async def appointments(self, day: date) -> list[Appointment]:
        data = await self._run(lambda: self._call("GET", "/appointments", params={"day": day.isoformat()}))
        return [Appointment.from_json(item) for item in data]

    async def appointment(self, appointment_id: str) -> Appointment:
        return Appointment.from_json(
            await self._run(lambda: self._call("GET", f"/appointments/{appointment_id}"))
        )

    async def patch_appointment(self, appointment_id: str, version: int, **changes: Any) -> Appointment:
        body = {"version": version, **{k: v for k, v in changes.items() if v is not None}}
        data = await self._run(lambda: self._call("PATCH", f"/appointments/{appointment_id}", json=body))
        return Appointment.from_json(data)

    # -- checklists -----------------------------------------------------------------------------
    async def checklist(self, appointment_id: str) -> dict[str, Any]:
        """GET the run's events, context and facts (docs/API.md, Checklists)."""
        return dict(await self._run(lambda: self._call("GET", f"/appointments/{appointment_id}/checklist")))

    async def post_checklist_events(
        self, appointment_id: str, expected_seq: int, events: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Append events after `expected_seq`; a stale seq raises ApiError 409 with body["current"]."""
        body = {"expected_seq": expected_seq, "events": events}
        path = f"/appointments/{appointment_id}/checklist/events"
        return dict(await self._run(lambda: self._call("POST", path, json=body)))

    async def script_files(self, script_id: str) -> dict[str, str]:
        """The office's current TOML files of a call script ({relative path: text})."""
        data = await self._run(lambda: self._call("GET", f"/scripts/{script_id}"))
        return {str(k): str(v) for k, v in dict(data.get("files") or {}).items()}

    # -- lifecycle ------------------------------------------------------------------------------
    def events_url(self) -> str:
        return self._url("/events")

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._session.close()
