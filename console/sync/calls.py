"""REST routes of the video call (docs/API.md, "Citizen join, PIN, waiting room and signalling").

Kept beside ``api.py`` rather than in it so the call work does not churn the foundation's client; it
runs every request through the same ``BackendApi`` (its Session, its single worker thread, its token
refresh), so requests stay serialised and off the GUI thread.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from typing import Any

from console.call.config import IceServer
from console.domain.appointment import Appointment
from console.domain.document import Document
from console.sync.api import BackendApi

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024  # the backend's limit; checked here to spare a useless upload


class CallApi:
    """Async facade over the call routes; every method may raise ``Offline`` or an ``ApiError``."""

    def __init__(self, api: BackendApi) -> None:
        self._api = api

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        api = self._api
        return await api._run(lambda: api._call(method, path, **kwargs))

    async def send_link(self, appointment_id: str) -> str:
        data = await self._json("POST", f"/appointments/{appointment_id}/link")
        return str(data["url"])

    async def send_pin(self, appointment_id: str) -> None:
        await self._json("POST", f"/appointments/{appointment_id}/pin")

    async def admit(self, appointment_id: str, version: int) -> Appointment:
        data = await self._json("POST", f"/appointments/{appointment_id}/admit", json={"version": version})
        return Appointment.from_json(data)

    async def ice_servers(self, appointment_id: str) -> list[IceServer]:
        data = await self._json("GET", f"/calls/{appointment_id}/ice")
        out = []
        for item in data.get("ice_servers", []):
            urls = item.get("urls", [])
            out.append(
                IceServer(
                    tuple([urls] if isinstance(urls, str) else urls),
                    item.get("username"),
                    item.get("credential"),
                )
            )
        return out

    async def signal(self, appointment_id: str, message: dict[str, Any], to: str = "citizen") -> None:
        body: dict[str, Any] = {"message": message}
        if to != "citizen":
            body["to"] = to
        await self._json("POST", f"/calls/{appointment_id}/signal", json=body)

    async def invite_interpreter(self, appointment_id: str) -> str:
        data = await self._json("POST", f"/calls/{appointment_id}/interpreter")
        return str(data["url"])

    async def documents(self, appointment_id: str) -> list[Document]:
        data = await self._json("GET", f"/appointments/{appointment_id}/documents")
        return [Document.from_json(d) for d in data]

    async def upload(self, appointment_id: str, path: Path) -> Document:
        """Upload a local file (read on the worker thread, never on the GUI thread)."""
        api = self._api

        def work() -> Any:
            size = path.stat().st_size
            if size > MAX_DOCUMENT_BYTES:
                raise ValueError("The file is larger than 10 MB.")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            with path.open("rb") as f:
                return api._call(
                    "POST",
                    f"/appointments/{appointment_id}/documents",
                    files={"file": (path.name, f, content_type)},
                )

        return Document.from_json(await api._run(work))

    async def download(self, document_id: str, target: Path) -> str:
        """Save a document to ``target`` (written on the worker thread); returns its sha256."""
        api = self._api

        def work() -> str:
            access = api.tokens.get()[0]
            resp = api._send("GET", f"/documents/{document_id}")
            if resp.status_code == 401 and api.tokens.get()[1]:
                api._refresh_sync(access)
                resp = api._send("GET", f"/documents/{document_id}")
            if resp.status_code >= 400:
                api._decode(resp)  # raises the typed error
            data = resp.content
            partial = target.with_name(target.name + ".part")
            partial.write_bytes(data)
            partial.replace(target)  # never leave half a file under the chosen name
            return hashlib.sha256(data).hexdigest()

        return await api._run(work)
