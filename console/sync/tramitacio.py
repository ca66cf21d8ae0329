"""REST calls of the tràmit wizard (docs/API.md, backend/tramitacio), on BackendApi's worker thread
(same Session, same token refresh, same typed errors)."""

from __future__ import annotations

from typing import Any

from console.sync.api import BackendApi


class TramitacioApi:
    def __init__(self, api: BackendApi) -> None:
        self.api = api

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self.api._run(
            lambda: self.api._call(method, path, **kwargs)
        )  # same layer: reuse its worker and refresh

    async def tramit(self, code: str) -> dict[str, Any]:
        return dict(await self._json("GET", f"/tramits/{code}"))

    async def get(self, appointment_id: str) -> dict[str, Any]:
        return dict(await self._json("GET", f"/appointments/{appointment_id}/tramitacio"))

    async def put(self, appointment_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self._json("PUT", f"/appointments/{appointment_id}/tramitacio", json=body))

    async def request_documents(self, appointment_id: str, codes: list[str]) -> None:
        await self._json(
            "POST", f"/appointments/{appointment_id}/tramitacio/documents-request", json={"codes": codes}
        )

    async def send_summary(self, appointment_id: str) -> dict[str, Any]:
        return dict(await self._json("POST", f"/appointments/{appointment_id}/tramitacio/summary"))

    async def submit(self, appointment_id: str) -> dict[str, Any]:
        return dict(await self._json("POST", f"/appointments/{appointment_id}/tramitacio/submit"))

    async def assisted_result(self, appointment_id: str, registry_number: str, notes: str) -> dict[str, Any]:
        body = {"registry_number": registry_number, "notes": notes}
        return dict(
            await self._json("POST", f"/appointments/{appointment_id}/tramitacio/assisted/result", json=body)
        )

    async def post_summary(self, appointment_id: str, missing: list[str], next_steps: str) -> dict[str, Any]:
        body = {"missing_documents": missing, "next_steps": next_steps}
        return dict(
            await self._json("POST", f"/appointments/{appointment_id}/tramitacio/post-summary", json=body)
        )
