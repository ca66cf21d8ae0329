"""The tràmit wizard's service: drafts kept on disk and on the backend at every step.

Each save writes the draft to the console's data dir first (atomic replace + fsync, so a crash or a
kill loses nothing) marked `pending`, then PUTs it with its base version. Offline, it stays pending and
`flush()` sends it later; a 409 rebases on the server's version and retries once (the informador
typing is the one who knows the latest values). `restore()` on a fresh instance reads the local copy
and reconciles it with the backend's.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from PyQt6.QtCore import QObject, pyqtSignal

from console import log, paths
from console.sync.errors import ApiError, NotFound, Offline, StaleVersion
from console.sync.tramitacio import TramitacioApi


class GateInfo(Protocol):
    @property
    def allowed(self) -> bool: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...


class GateProvider(Protocol):
    """What the wizard asks before attended mode (console/services/checklist.py provides it)."""

    def gate_status(self, appointment_id: str, gate: str) -> GateInfo: ...


@dataclass(frozen=True)
class StaticGate:
    allowed: bool
    reasons: tuple[str, ...] = ()


class ClosedGateProvider:
    """Used where no checklist is wired: attended mode stays closed (full identification unknown)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def gate_status(self, appointment_id: str, gate: str) -> GateInfo:
        return StaticGate(False, (self.reason,))


@dataclass(frozen=True)
class WizardDraft:
    appointment_id: str
    tramit_code: str
    level: str = ""  # assistida | atesa ("" until chosen)
    step: str = ""
    form_data: dict[str, Any] = field(default_factory=dict)
    excluded_documents: tuple[str, ...] = ()
    checked_documents: tuple[str, ...] = ()
    requested_documents: tuple[str, ...] = ()
    assisted: dict[str, Any] = field(default_factory=dict)
    missing_documents: tuple[str, ...] = ()
    next_steps: str = ""
    server_version: int = 0
    pending: bool = False
    server: dict[str, Any] = field(default_factory=dict)  # the backend's last answer (status, hashes…)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WizardDraft:
        known = {f for f in cls.__dataclass_fields__}
        clean = {k: v for k, v in data.items() if k in known}
        for key in ("excluded_documents", "checked_documents", "requested_documents", "missing_documents"):
            clean[key] = tuple(clean.get(key) or ())
        return cls(**clean)

    def body(self) -> dict[str, Any]:
        return {
            "version": self.server_version,
            "tramit_code": self.tramit_code,
            "level": self.level or "assistida",
            "step": self.step,
            "form_data": self.form_data,
            "excluded_documents": list(self.excluded_documents),
            "checked_documents": list(self.checked_documents),
            "assisted": self.assisted,
        }

    def adopt(self, server: dict[str, Any]) -> WizardDraft:
        """This draft as the backend now holds it."""
        return replace(
            self,
            tramit_code=str(server.get("tramit_code") or self.tramit_code),
            level=str(server.get("level") or self.level),
            step=str(server.get("step") or self.step),
            form_data=dict(server.get("form_data") or {}),
            excluded_documents=tuple(server.get("excluded_documents") or ()),
            checked_documents=tuple(server.get("checked_documents") or ()),
            requested_documents=tuple(server.get("requested_documents") or ()),
            assisted=dict(server.get("assisted") or {}),
            server_version=int(server.get("version") or 0),
            pending=False,
            server=server,
        )


def _keep_local(adopted: WizardDraft, local: WizardDraft) -> WizardDraft:
    """The post-call choices live only in the console until they are sent."""
    return replace(adopted, missing_documents=local.missing_documents, next_steps=local.next_steps)


class DraftFiles:
    """One JSON file per appointment under the data dir; blocking (run off the GUI thread)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or paths.data_dir() / "wizard-drafts"

    def _path(self, appointment_id: str) -> Path:
        safe = "".join(ch for ch in appointment_id if ch.isalnum() or ch == "-")[:64]
        return self.directory / f"{safe}.json"

    def write(self, draft: WizardDraft) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self._path(draft.appointment_id)
        tmp = target.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(draft.to_json(), f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)  # atomic: a kill leaves the old or the new copy, never half of one

    def read(self, appointment_id: str) -> WizardDraft | None:
        try:
            return WizardDraft.from_json(json.loads(self._path(appointment_id).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def all(self) -> list[WizardDraft]:
        if not self.directory.is_dir():
            return []
        drafts = []
        for path in sorted(self.directory.glob("*.json")):
            draft = self.read(path.stem)
            if draft is not None:
                drafts.append(draft)
        return drafts


class WizardService(QObject):
    """Signals:
    draft_saved: args: appointment id, pending (True: only on this computer so far)
    server_changed: args: appointment id, the backend's tràmit JSON (status, registry number…)
    failed: a message for the informador
    """

    draft_saved = pyqtSignal(str, bool)
    server_changed = pyqtSignal(str, dict)
    failed = pyqtSignal(str)

    def __init__(
        self, api: TramitacioApi, files: DraftFiles | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.api = api
        self.files = files or DraftFiles()
        self.drafts: dict[str, WizardDraft] = {}
        self._tramits: dict[str, dict[str, Any]] = {}

    async def _io(self, fn: Any, *args: Any) -> Any:
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    async def tramit(self, code: str) -> dict[str, Any]:
        """The catalogue entry with its form schema and assisted steps (kept for offline use)."""
        if code not in self._tramits:
            self._tramits[code] = await self.api.tramit(code)
        return self._tramits[code]

    async def restore(self, appointment_id: str, tramit_code: str) -> WizardDraft:
        """The draft after a restart: the local copy, reconciled with the backend when it answers."""
        local: WizardDraft | None = await self._io(self.files.read, appointment_id)
        draft = local or WizardDraft(appointment_id, tramit_code)
        try:
            server = await self.api.get(appointment_id)
        except NotFound:
            server = None
        except Offline:
            self.drafts[appointment_id] = draft
            return draft
        if server is not None and (local is None or not local.pending):
            draft = draft.adopt(server)
        elif server is not None and local is not None and local.pending:
            draft = replace(local, server_version=int(server["version"]), server=server)
        self.drafts[appointment_id] = draft
        if draft.pending:
            draft = await self.save(draft)
        else:
            await self._io(self.files.write, draft)
        return draft

    async def save(self, draft: WizardDraft) -> WizardDraft:
        """Local first (pending), then the backend. Returns the draft as it now stands."""
        draft = replace(draft, pending=True)
        self.drafts[draft.appointment_id] = draft
        await self._io(self.files.write, draft)
        if not draft.level:
            self.draft_saved.emit(draft.appointment_id, True)
            return draft  # nothing the backend can hold yet (no level chosen)
        for _attempt in range(2):
            try:
                server = await self.api.put(draft.appointment_id, draft.body())
            except Offline:
                self.draft_saved.emit(draft.appointment_id, True)
                return draft
            except StaleVersion as exc:
                draft = replace(
                    draft, server_version=int(exc.current.get("version") or 0), server=exc.current
                )
                continue
            except ApiError as exc:
                log.sync.warning("wizard draft refused: %s", exc)
                self.failed.emit(exc.message)
                self.draft_saved.emit(draft.appointment_id, True)
                return draft
            draft = _keep_local(draft.adopt(server), draft)
            break
        self.drafts[draft.appointment_id] = draft
        await self._io(self.files.write, draft)
        self.draft_saved.emit(draft.appointment_id, draft.pending)
        if draft.server:
            self.server_changed.emit(draft.appointment_id, draft.server)
        return draft

    async def flush(self) -> int:
        """Send every pending local draft (back online, or at start-up). Returns how many went through."""
        sent = 0
        for draft in await self._io(self.files.all):
            if draft.pending and not (await self.save(draft)).pending:
                sent += 1
        return sent

    async def refresh(self, appointment_id: str) -> dict[str, Any]:
        server = await self.api.get(appointment_id)
        self._merge_server(appointment_id, server)
        return server

    def _merge_server(self, appointment_id: str, server: dict[str, Any]) -> None:
        draft = self.drafts.get(appointment_id)
        if draft is not None and not draft.pending:
            self.drafts[appointment_id] = _keep_local(draft.adopt(server), draft)
        self.server_changed.emit(appointment_id, server)

    def on_server_event(self, event_type: str, data: dict[str, Any]) -> None:
        """tramitacio.updated from the staff event stream (the citizen signed, a colleague saved…)."""
        if event_type == "tramitacio.updated" and isinstance(data.get("tramitacio"), dict):
            self._merge_server(str(data.get("appointment_id")), data["tramitacio"])

    async def _action(self, appointment_id: str, coro: Any) -> dict[str, Any] | None:
        try:
            server = await coro
        except Offline:
            self.failed.emit("offline")
            return None
        except ApiError as exc:
            self.failed.emit(exc.message)
            return None
        if isinstance(server, dict) and "version" in server:
            self._merge_server(appointment_id, server)
            draft = self.drafts.get(appointment_id)
            if draft is not None:
                await self._io(self.files.write, draft)
        return server if isinstance(server, dict) else {}

    async def request_documents(self, appointment_id: str, codes: list[str]) -> bool:
        return await self._action(appointment_id, self._request(appointment_id, codes)) is not None

    async def _request(self, appointment_id: str, codes: list[str]) -> dict[str, Any]:
        await self.api.request_documents(appointment_id, codes)
        return {}

    async def send_for_signature(self, appointment_id: str) -> dict[str, Any] | None:
        return await self._action(appointment_id, self.api.send_summary(appointment_id))

    async def submit(self, appointment_id: str) -> dict[str, Any] | None:
        return await self._action(appointment_id, self.api.submit(appointment_id))

    async def record_assisted_result(
        self, appointment_id: str, number: str, notes: str
    ) -> dict[str, Any] | None:
        return await self._action(appointment_id, self.api.assisted_result(appointment_id, number, notes))

    async def send_post_summary(
        self, appointment_id: str, missing: list[str], next_steps: str
    ) -> dict[str, Any] | None:
        return await self._action(appointment_id, self.api.post_summary(appointment_id, missing, next_steps))
