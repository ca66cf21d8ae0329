"""The tràmit wizard's service: drafts kept on disk and on the backend at every step.

Each save writes the draft to the console's data dir first (atomic replace + fsync, so a crash or a
kill loses nothing) marked `pending`, then PUTs it with the version this console last took from the
backend. Offline, it stays pending and `flush()` sends it later. Values the backend refuses as they
stand (a half-typed postal code) stay in the local copy (`refused`) and the rest is sent.

A 409 means the backend holds a version this console never saw (a colleague after a transfer): when
its content differs, theirs wins on screen, mine is written aside as a conflicted copy and `conflict`
tells the informador; nothing is overwritten silently. `restore()` on a fresh instance reads the local
copy and reconciles it with the backend's the same way.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from PyQt6.QtCore import QObject, pyqtSignal

from console import log, paths
from console.services.tasks import spawn
from console.sync.calls import CallApi
from console.sync.errors import ApiError, NotFound, Offline, StaleVersion
from console.sync.tramitacio import TramitacioApi

_FAILED = object()  # WizardService._reported: the call failed and the view was told


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
    refused: dict[str, Any] = field(default_factory=dict)  # typed, refused by the backend: local only

    def entered_form(self) -> dict[str, Any]:
        """What the informador typed, including values the backend cannot hold yet."""
        return {**self.form_data, **self.refused}

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
    """The post-call choices and refused values live only in the console until they are sent."""
    return replace(
        adopted, missing_documents=local.missing_documents, next_steps=local.next_steps, refused=local.refused
    )


def _content(data: dict[str, Any]) -> tuple[Any, ...]:
    """What the informador edits (not the step, status or server-managed lists): equal content from a
    newer version is my own write whose answer was lost, or a state change; not a colleague's edit."""
    return (
        data.get("tramit_code"), data.get("level") or "assistida", dict(data.get("form_data") or {}),
        sorted(data.get("excluded_documents") or ()), sorted(data.get("checked_documents") or ()),
        dict(data.get("assisted") or {}),
    )  # fmt: skip


def _refused_fields(exc: ApiError, form: dict[str, Any]) -> set[str]:
    """The form fields a 422 names (empty when the refusal is about something else)."""
    if exc.status != 422:
        return set()
    errors = exc.body.get("errors") if isinstance(exc.body, dict) else None
    fields = {str(e.get("field")) for e in errors or () if isinstance(e, dict)}
    return fields if fields and fields <= set(form) else set()


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

    def write_conflict(self, draft: WizardDraft) -> Path:
        """Keep my version aside (never read back as a draft): the informador can recover it."""
        folder = self.directory / "conflicts"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{self._path(draft.appointment_id).stem}-{time.strftime('%Y%m%d-%H%M%S')}.json"
        with target.open("w", encoding="utf-8") as f:
            json.dump(draft.to_json(), f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        return target

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
    conflict: args: appointment id, path of my conflicted copy (the backend's newer draft was loaded)
    document_ready: args: document id, local path of a downloaded document (to open it)
    failed: a message for the informador
    """

    draft_saved = pyqtSignal(str, bool)
    server_changed = pyqtSignal(str, dict)
    conflict = pyqtSignal(str, str)
    document_ready = pyqtSignal(str, str)
    failed = pyqtSignal(str)

    def __init__(
        self, api: TramitacioApi, files: DraftFiles | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.api = api
        self.files = files or DraftFiles()
        self.drafts: dict[str, WizardDraft] = {}
        self.conflicts: dict[str, str] = {}  # appointment id → my conflicted copy, until seen
        self._tramits: dict[str, dict[str, Any]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._documents: str | None = None

    async def _io(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    def _lock(self, appointment_id: str) -> asyncio.Lock:
        # One save at a time per draft: each PUT carries the version the previous one got back.
        return self._locks.setdefault(appointment_id, asyncio.Lock())

    async def tramit(self, code: str) -> dict[str, Any]:
        """The catalogue entry with its form schema and assisted steps (kept for offline use)."""
        if code not in self._tramits:
            self._tramits[code] = await self.api.tramit(code)
        return self._tramits[code]

    async def restore(self, appointment_id: str, tramit_code: str) -> WizardDraft:
        """The draft after a restart: the local copy, reconciled with the backend when it answers."""
        async with self._lock(appointment_id):
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
                draft = _keep_local(draft.adopt(server), draft)
            elif server is not None and local is not None and local.pending:
                if int(server.get("version") or 0) == local.server_version or _content(server) == _content(
                    local.body()
                ):
                    draft = replace(local, server_version=int(server["version"]), server=server)
                else:
                    draft = await self._conflicted(local, server)
            self.drafts[appointment_id] = draft
            if not draft.pending:
                await self._io(self.files.write, draft)
                return draft
        return await self.save(draft)

    async def _conflicted(self, mine: WizardDraft, server: dict[str, Any]) -> WizardDraft:
        """The backend holds a colleague's newer draft: load it, keep mine aside, say so."""
        path = await self._io(self.files.write_conflict, mine)
        log.sync.warning("wizard draft %s: a newer version is on the backend", mine.appointment_id)
        theirs = replace(mine.adopt(server), refused={})
        self.drafts[mine.appointment_id] = theirs
        await self._io(self.files.write, theirs)
        self.conflicts[mine.appointment_id] = str(path)
        self.conflict.emit(mine.appointment_id, str(path))
        return theirs

    async def save(self, draft: WizardDraft) -> WizardDraft:
        """Local first (pending), then the backend. Returns the draft as it now stands."""
        async with self._lock(draft.appointment_id):
            return await self._save(draft)

    async def _save(self, draft: WizardDraft) -> WizardDraft:
        known = self.drafts.get(draft.appointment_id)
        base = known.server_version if known is not None else draft.server_version
        # Everything typed is kept locally; the backend gets what it can hold.
        typed = draft.entered_form()
        draft = replace(draft, pending=True, server_version=base, form_data=typed, refused={})
        self.drafts[draft.appointment_id] = draft
        await self._io(self.files.write, draft)
        if not draft.level:
            self.draft_saved.emit(draft.appointment_id, True)
            return draft  # nothing the backend can hold yet (no level chosen)
        refused: dict[str, Any] = {}
        for _attempt in range(3):
            sent = replace(draft, form_data={k: v for k, v in typed.items() if k not in refused})
            try:
                server = await self.api.put(draft.appointment_id, sent.body())
            except Offline:
                self.draft_saved.emit(draft.appointment_id, True)
                return draft
            except StaleVersion as exc:
                if _content(exc.current) != _content(sent.body()):
                    theirs = await self._conflicted(draft, exc.current)
                    self.draft_saved.emit(draft.appointment_id, False)
                    self.server_changed.emit(draft.appointment_id, exc.current)
                    return theirs
                # Same content: my own write whose answer was lost, or a state change. Rebase.
                current = int(exc.current.get("version") or 0)
                draft = replace(draft, server_version=current, server=exc.current)
                continue
            except ApiError as exc:
                fields = _refused_fields(exc, typed)
                if fields and not fields <= set(refused):
                    refused.update({k: typed[k] for k in fields})
                    continue
                log.sync.warning("wizard draft refused: %s", exc)
                self.failed.emit(exc.message)
                self.draft_saved.emit(draft.appointment_id, True)
                return draft
            draft = replace(_keep_local(draft.adopt(server), draft), refused=refused)
            break
        else:
            return draft  # still pending: the next save or flush tries again
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
        log.sync.info("wizard drafts flushed: %d", sent)
        return sent

    async def refresh(self, appointment_id: str) -> dict[str, Any]:
        server = await self.api.get(appointment_id)
        self._merge_server(appointment_id, server)
        return server

    def _merge_server(self, appointment_id: str, server: dict[str, Any]) -> None:
        draft = self.drafts.get(appointment_id)
        if draft is not None:
            if not draft.pending and _content(server) == _content(draft.body()):
                self.drafts[appointment_id] = _keep_local(draft.adopt(server), draft)
            else:
                # A colleague's edit: its version is not taken as my base, so my next save meets a 409
                # and the conflict is shown rather than overwritten.
                self.drafts[appointment_id] = replace(draft, server=server)
        self.server_changed.emit(appointment_id, server)

    def on_server_event(self, event_type: str, data: dict[str, Any]) -> None:
        """From the staff event stream: tramitacio.updated (the citizen signed, a colleague saved…) and
        document (the citizen uploaded one: the wizard's list follows while the informador waits)."""
        appointment_id = str(data.get("appointment_id") or "")
        if event_type == "tramitacio.updated" and isinstance(data.get("tramitacio"), dict):
            self._merge_server(appointment_id, data["tramitacio"])
        elif event_type == "document" and appointment_id in self.drafts:
            spawn(self._refresh_quietly(appointment_id))

    async def _refresh_quietly(self, appointment_id: str) -> None:
        try:
            await self.refresh(appointment_id)
        except (Offline, ApiError) as exc:
            log.sync.info("wizard refresh after a document failed: %s", exc)

    async def open_document(self, document_id: str, name: str) -> Path | None:
        """Download a received document to a private temp file for the informador to inspect."""
        if self._documents is None:
            # Private (0700) and removed when the console exits: citizens' papers do not pile up in /tmp.
            self._documents = tempfile.mkdtemp(prefix="videoatencio-docs-")
            atexit.register(shutil.rmtree, self._documents, True)
        key = "".join(ch for ch in document_id if ch.isalnum() or ch == "-")[:64] or "document"
        folder = Path(self._documents) / key
        folder.mkdir(exist_ok=True)
        safe = "".join(ch for ch in name if ch.isalnum() or ch in "-_. ")[:80].strip(" .") or "document"
        target = folder / safe
        if await self._reported(CallApi(self.api.api).download(document_id, target)) is _FAILED:
            return None
        self.document_ready.emit(document_id, str(target))
        return target

    async def _reported(self, coro: Any) -> Any:
        """The awaited result; _FAILED once the failure has been told to the view (failed)."""
        try:
            return await coro
        except Offline:
            self.failed.emit("offline")
        except ApiError as exc:
            self.failed.emit(exc.message)
        return _FAILED

    async def _action(self, appointment_id: str, coro: Any) -> dict[str, Any] | None:
        server = await self._reported(coro)
        if server is _FAILED:
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
