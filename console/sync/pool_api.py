"""REST calls of the pool and the supervisor board (docs/API.md, "Pool"), on the BackendApi's worker."""

from __future__ import annotations

from datetime import date
from typing import Any

from console.sync.api import BackendApi


class PoolApi:
    """Thin: JSON in and out. Shares the BackendApi's session, tokens, refresh and worker thread."""

    def __init__(self, api: BackendApi) -> None:
        self._api = api

    async def _do(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self._api._run(lambda: self._api._call(method, path, **kwargs))

    async def set_presence(self, state: str, appointment_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"state": state}
        if appointment_id:
            body["appointment_id"] = appointment_id
        return dict(await self._do("PUT", "/presence", json=body))

    async def pool(self) -> list[dict[str, Any]]:
        return list((await self._do("GET", "/pool"))["items"])

    async def take_next(self) -> dict[str, Any]:
        return dict(await self._do("POST", "/pool/take-next"))

    async def take(self, kind: str, item_id: str) -> dict[str, Any]:
        return dict(await self._do("POST", f"/pool/{kind}/{item_id}/take"))

    async def board(self) -> dict[str, Any]:
        return dict(await self._do("GET", "/supervisor/board"))

    async def reassign(self, kind: str, item_id: str, staff_id: int | None) -> dict[str, Any]:
        body = {"kind": kind, "id": item_id, "staff_id": staff_id}
        return dict(await self._do("POST", "/supervisor/reassign", json=body))

    async def kpis(self, day: date | None = None) -> dict[str, Any]:
        params = {"day": day.isoformat()} if day else {}
        return dict(await self._do("GET", "/supervisor/kpis", params=params))

    async def kpis_csv(self, day: date | None = None) -> bytes:
        params = {"day": day.isoformat()} if day else {}

        def work() -> bytes:
            resp = self._api._send("GET", "/supervisor/kpis.csv", params=params)
            if resp.status_code >= 400:
                self._api._decode(resp)
            return resp.content

        return await self._api._run(work)
