"""The video call as the informador drives it: waiting room, link/PIN, admission, the live call,
its chat, documents, devices and stats, hang-up and teardown.

Owns every ``CallSession``. A session is *pre-created* (tracks, peer connection, gathered offer) while
the citizen waits, so admitting only sends the ready offer (signaling-protocol.md). At most one session
is prepared ahead: each one opens the camera and the microphone. aiortc is imported lazily by
``console.call`` (start-up must not load it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import time
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QObject, QSize, pyqtSignal
from PyQt6.QtGui import QImage

from console import log
from console.call.config import MediaSelection, SessionOptions
from console.call.devices import AudioDevice, CameraDevice
from console.call.rest_signaling import RestSignaling
from console.call.session import CallSession, close_sessions
from console.call.state import CallState
from console.domain.appointment import Appointment, Status
from console.domain.document import Document
from console.i18n import _
from console.services.interpreter import InterpreterService
from console.services.screenshare import ScreenShareService
from console.services.tasks import spawn
from console.sync.api import BackendApi
from console.sync.calls import CallApi
from console.sync.errors import ApiError, Offline, StaleVersion
from console.sync.events import ServerEvent

if TYPE_CHECKING:
    from console.call.local_media import LocalMedia
    from console.call.messages import MarkMessage
    from console.screenshare.capture import ShareSource
    from console.services.screenshare import Surface


def _problem(exc: BaseException) -> str:
    if isinstance(exc, Offline):
        return _("The server cannot be reached. Check the network and try again.")
    if isinstance(exc, ApiError):
        return exc.message or exc.code
    return str(exc) or type(exc).__name__


class CallService(QObject):
    """Signals:
    waiting_changed(dict): appointment id → epoch seconds since the citizen waits
    action_done(str, str): appointment id, what happened (user-facing)
    action_failed(str, str): appointment id, why it failed (user-facing)
    call_started(Appointment): a citizen was admitted; the call panel should show
    call_state_changed(CallState)
    call_ended(Appointment, str): the call is over (either side); ask the outcome
    call_closed(): the informador finished with the call (outcome chosen): hide the panel
    remote_frame(QImage), local_frame(QImage): converted off the GUI thread
    chat_received(str, datetime): the citizen's text, to be shown as plain text
    stats_updated(CallStats)
    notice(str): facts about devices and the connection (user-facing)
    documents_changed(list[Document])
    document_saved(str, str): path, sha256
    devices_listed(list, list, list): microphones, speakers, cameras
    remote_media_changed(bool, bool): the citizen's microphone / camera switches
    """

    waiting_changed = pyqtSignal(dict)
    action_done = pyqtSignal(str, str)
    action_failed = pyqtSignal(str, str)
    call_started = pyqtSignal(object)
    call_state_changed = pyqtSignal(object)
    call_ended = pyqtSignal(object, str)
    call_closed = pyqtSignal()
    remote_frame = pyqtSignal(QImage)
    local_frame = pyqtSignal(QImage)
    chat_received = pyqtSignal(str, datetime)
    stats_updated = pyqtSignal(object)
    notice = pyqtSignal(str)
    documents_changed = pyqtSignal(list)
    document_saved = pyqtSignal(str, str)
    devices_listed = pyqtSignal(list, list, list)
    remote_media_changed = pyqtSignal(bool, bool)

    def __init__(
        self,
        api: BackendApi,
        parent: QObject | None = None,
        selection: MediaSelection | None = None,
        options: SessionOptions | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._calls = CallApi(api)
        self.selection = selection or MediaSelection()
        self._stored_devices: tuple[str, str, str] | None = None
        self.session_options = options or SessionOptions()
        self.staff_id: int | None = None
        self.waiting: dict[str, float] = {}
        self._admitting: set[str] = set()  # its in_call push may overtake the admit answer
        self._live: set[str] = set()  # a citizen.waiting event came: the citizen's page is open now
        self._appointments: dict[str, Appointment] = {}
        self._signaling: dict[str, RestSignaling] = {}
        # A third party (interpreter, translator) relayed by this console: console/services/interpreter.py.
        self.interpreter = InterpreterService(self)
        self._preparing: dict[str, asyncio.Task[CallSession]] = {}
        self.sessions: dict[str, CallSession] = {}  # appointment id → prepared or live session
        # Prepared sessions being closed. Closed once: the citizen's arrival and the admission may both
        # drop the same one while it closes, and a second close deleted the deleted QObject again.
        self._closing: set[CallSession] = set()
        self.active: Appointment | None = None
        self.active_session: CallSession | None = None
        self.documents: list[Document] = []
        self.call_started_at: float | None = None  # time.monotonic() of the admission
        self._video_size: QSize | None = None
        self._stopped = False
        # Screen sharing and guidance in the live call (console/services/screenshare.py).
        self.screenshare = ScreenShareService(self)

    # -- what the agenda knows -------------------------------------------------------------------
    def set_staff(self, staff_id: int | None) -> None:
        self.staff_id = staff_id

    def set_appointments(self, appointments: list[Appointment]) -> None:
        for a in appointments:
            self._appointments[a.id] = a
        self._sync_waiting([a for a in appointments])

    def update_appointment(self, appointment: Appointment) -> None:
        self._appointments[appointment.id] = appointment
        self._sync_waiting([appointment])

    def _sync_waiting(self, appointments: list[Appointment]) -> None:
        changed = False
        for a in appointments:
            if a.status == Status.WAITING and a.id not in self.waiting:
                self.waiting[a.id] = _epoch(a.updated_at)
                changed = True
            elif a.status != Status.WAITING and a.id in self.waiting:
                del self.waiting[a.id]
                self._drop_prepared(a.id)
                changed = True
        if changed:
            self.waiting_changed.emit(dict(self.waiting))
            self._prepare_next()

    def on_server_event(self, event: ServerEvent) -> None:
        """Routed by the composition root from the console's one SSE stream."""
        appointment_id = event.data.get("appointment_id")
        if not isinstance(appointment_id, str) or self.interpreter.on_server_event(event):
            return
        if event.type == "citizen.waiting":
            self._live.add(appointment_id)
            self.waiting.setdefault(appointment_id, time.time())
            self.waiting_changed.emit(dict(self.waiting))
            self._prepare_next()
        elif event.type == "citizen.left":
            self._live.discard(appointment_id)
            if self.waiting.pop(appointment_id, None) is not None:
                self.waiting_changed.emit(dict(self.waiting))
            self._drop_prepared(appointment_id)
            self._prepare_next()
        elif event.type == "signal":
            signaling = self._signaling.get(appointment_id)
            if signaling is not None:
                signaling.deliver(event.data.get("message"))
        elif event.type == "document" and self.active is not None and appointment_id == self.active.id:
            raw = event.data.get("document")
            if isinstance(raw, dict):
                try:
                    self._add_document(Document.from_json(raw))
                except (KeyError, TypeError, ValueError) as exc:
                    log.sync.warning("malformed document event: %s", exc)

    # -- link, PIN ------------------------------------------------------------------------------
    async def send_link(self, appointment_id: str) -> str | None:
        try:
            url = await self._calls.send_link(appointment_id)
        except (Offline, ApiError) as exc:
            self.action_failed.emit(
                appointment_id, _("The link was not sent: {problem}").format(problem=_problem(exc))
            )
            return None
        self.action_done.emit(appointment_id, _("A new link was sent to the citizen by SMS and e-mail."))
        return url

    async def send_pin(self, appointment_id: str) -> bool:
        try:
            await self._calls.send_pin(appointment_id)
        except ApiError as exc:
            if exc.status == 429:
                message = _(
                    "Too many PINs sent for this appointment (at most 3 every 10 minutes). "
                    "Wait a few minutes and try again."
                )
            else:
                message = _("The PIN was not sent: {problem}").format(problem=_problem(exc))
            self.action_failed.emit(appointment_id, message)
            return False
        except Offline as exc:
            self.action_failed.emit(
                appointment_id, _("The PIN was not sent: {problem}").format(problem=_problem(exc))
            )
            return False
        self.action_done.emit(appointment_id, _("A new PIN was sent to the citizen by SMS."))
        return True

    # -- sessions -------------------------------------------------------------------------------
    def _is_mine(self, appointment_id: str) -> bool:
        a = self._appointments.get(appointment_id)
        # Colleagues of the same office see the same waiting citizens: only prepare our own.
        return a is not None and (a.staff_id is None or a.staff_id == self.staff_id)

    def _prepare_next(self) -> None:
        """Keep one session prepared for the citizen most likely to be admitted next: one whose page is
        open now (a live citizen.waiting event) before one the agenda merely lists as waiting."""
        if self._stopped or self.active is not None or self._admitting:
            return
        mine = sorted(
            (aid not in self._live, since, aid) for aid, since in self.waiting.items() if self._is_mine(aid)
        )
        target = mine[0][2] if mine else None
        current = next(iter(self._preparing), None) or next(iter(self.sessions), None)
        if target is None or current == target:
            return
        if current is not None:
            if current not in self._live and target in self._live:
                self._drop_prepared(current)  # calls back here once it is closed
            return
        self._start_preparing(target)

    def _start_preparing(self, appointment_id: str) -> asyncio.Task[CallSession]:
        task = self._preparing.get(appointment_id)
        if task is None:
            task = asyncio.ensure_future(self._prepare(appointment_id))
            self._preparing[appointment_id] = task
            task.add_done_callback(functools.partial(self._prepared, appointment_id))
        return task

    def _prepared(self, appointment_id: str, task: asyncio.Task[CallSession]) -> None:
        self._preparing.pop(appointment_id, None)
        if task.cancelled():
            self._prepare_next()
            return
        exc = task.exception()
        if exc is not None:
            log.sync.warning("call for %s not prepared: %s", appointment_id, exc)

    async def _prepare(self, appointment_id: str) -> CallSession:
        if self._stored_devices is not None:
            names, self._stored_devices = self._stored_devices, None
            await self.use_stored_devices(*names)
        ice = await self._calls.ice_servers(appointment_id)
        signaling = RestSignaling(appointment_id, lambda m: self._calls.signal(appointment_id, m))
        call_id = f"{appointment_id.replace('-', '')[:16]}-{uuid.uuid4().hex[:12]}"
        session = CallSession(
            call_id,
            signaling,
            ice_servers=ice,
            media=self.selection,
            options=self.session_options,
            # Idle until an interpreter joins; in every offer so joining needs no renegotiation.
            extra_sources=self.interpreter.party_tracks(appointment_id),
            parent=self,
        )
        self._signaling[appointment_id] = signaling
        self.sessions[appointment_id] = session
        session.notice.connect(self.notice)
        try:
            await session.prepare()
        except BaseException:
            self._forget(appointment_id, session)
            raise
        if self._stopped:
            await session.close()
            self._forget(appointment_id, session)
            raise RuntimeError("the console is quitting")
        log.sync.info("call for %s prepared (offer ready)", appointment_id)
        return session

    def _forget(self, appointment_id: str, session: CallSession) -> None:
        if self.sessions.get(appointment_id) is session:
            del self.sessions[appointment_id]
            self._signaling.pop(appointment_id, None)
            self.interpreter.forget(appointment_id)
        session.deleteLater()

    def _drop_prepared(self, appointment_id: str) -> None:
        """The citizen left before being admitted: release the camera and microphone."""
        if appointment_id in self._admitting or (
            self.active is not None and self.active.id == appointment_id
        ):
            return
        task = self._preparing.pop(appointment_id, None)
        session = self.sessions.get(appointment_id)
        if task is not None:
            task.cancel()
        if session is not None and session not in self._closing:
            self._closing.add(session)
            spawn(self._close_prepared(appointment_id, session))

    async def _close_prepared(self, appointment_id: str, session: CallSession) -> None:
        try:
            await session.close()
        finally:
            self._closing.discard(session)
            self._forget(appointment_id, session)
            self._prepare_next()

    # -- admission ------------------------------------------------------------------------------
    async def admit(self, appointment_id: str) -> bool:
        if self.active is not None:
            self.action_failed.emit(
                appointment_id, _("Finish the current call before admitting someone else.")
            )
            return False
        # Another waiting citizen's prepared session holds the camera: release it first.
        for other in [a for a in self.sessions if a != appointment_id]:
            self._drop_prepared(other)
        self._admitting.add(appointment_id)
        try:
            return await self._admit(appointment_id)
        finally:
            self._admitting.discard(appointment_id)

    async def _admit(self, appointment_id: str) -> bool:
        try:
            task = self._start_preparing(appointment_id)
            session = await asyncio.shield(task)
            current = await self._api.appointment(appointment_id)
            try:
                admitted = await self._calls.admit(appointment_id, current.version)
            except StaleVersion as exc:
                # Someone else touched the appointment (notes, a status round trip). Admit only if the
                # citizen is still waiting; otherwise the informador must look first.
                fresh = Appointment.from_json(exc.current)
                if fresh.status != Status.WAITING:
                    raise
                admitted = await self._calls.admit(appointment_id, fresh.version)
        except (Offline, ApiError, OSError, RuntimeError) as exc:
            if isinstance(exc, StaleVersion):
                message = _(
                    "The appointment was changed by someone else and the citizen is no longer waiting."
                )
            else:
                message = _("The citizen could not be admitted: {problem}").format(problem=_problem(exc))
            self.action_failed.emit(appointment_id, message)
            return False
        self._appointments[admitted.id] = admitted
        self._activate(admitted, session)
        try:
            await session.start()
        except Exception as exc:  # noqa: BLE001 - the offer did not go out: say so, keep the panel
            self.notice.emit(_("The call could not start: {problem}").format(problem=_problem(exc)))
            await session.close(CallState.FAILED, "the offer could not be sent")
        spawn(self._load_documents(admitted.id))
        return True

    def _activate(self, appointment: Appointment, session: CallSession) -> None:
        self.active, self.active_session = appointment, session
        self.documents = []
        self.call_started_at = time.monotonic()
        if self._video_size is not None:
            session.set_remote_video_size(self._video_size)
        session.remote_video_frame.connect(self.remote_frame)
        session.local_video_frame.connect(self.local_frame)
        session.chat_received.connect(self.chat_received)
        session.stats_updated.connect(self.stats_updated)
        session.remote_media_changed.connect(self.remote_media_changed)
        session.error.connect(lambda message: log.sync.info("call: %s", message))
        session.state_changed.connect(self._on_state_changed)
        self.screenshare.attach(session)
        self.action_done.emit(appointment.id, _("The citizen was admitted."))
        self.call_started.emit(appointment)
        self.call_state_changed.emit(session.state)

    def _on_state_changed(self, state: CallState) -> None:
        self.call_state_changed.emit(state)
        session, appointment = self.active_session, self.active
        if state.is_final and session is not None and appointment is not None:
            self.call_ended.emit(appointment, session.end_reason)

    # -- during the call ------------------------------------------------------------------------
    async def send_chat(self, text: str) -> bool:
        if self.active_session is None or self.active_session.state.is_final:
            return False
        try:
            await self.active_session.send_chat(text)
            self.interpreter.send_chat(text)
        except ValueError:
            self.notice.emit(_("A chat message has 1 to 4000 characters."))
            return False
        return True

    def set_mic_muted(self, muted: bool) -> None:
        if self.active_session is not None:
            self.active_session.set_mic_muted(muted)

    async def set_camera_enabled(self, enabled: bool) -> None:
        if self.active_session is not None:
            await self.active_session.set_camera_enabled(enabled)

    def set_remote_video_size(self, size: QSize) -> None:
        self._video_size = size
        if self.active_session is not None:
            self.active_session.set_remote_video_size(size)

    async def start_screen_share(self, source: ShareSource) -> bool:
        return await self.screenshare.start(source)

    async def stop_screen_share(self) -> None:
        await self.screenshare.stop()

    def send_pointer(self, surface: Surface, x: float, y: float, visible: bool = True) -> None:
        self.screenshare.send_pointer(surface, x, y, visible)

    def send_mark(self, draft: MarkMessage) -> MarkMessage | None:
        return self.screenshare.send_mark(draft)

    def clear_marks(self, surface: Surface) -> None:
        self.screenshare.clear_marks(surface)

    def network_changed(self) -> None:
        if self.active_session is not None:
            self.active_session.network_changed()

    async def hang_up(self) -> None:
        session = self.active_session
        if session is None:
            return
        try:
            await session.hang_up("the informador hung up")
        except Exception as exc:  # noqa: BLE001 - closed anyway (finally); the bye may not have gone out
            log.sync.warning("hang-up: %s", exc)

    def finish(self) -> None:
        """The informador is done with the ended call (the outcome went through the status flow)."""
        session, appointment = self.active_session, self.active
        if session is not None and not session.state.is_final:
            return
        self.active = self.active_session = None
        self.call_started_at = None
        self.documents = []
        if session is not None and appointment is not None:
            self._forget(appointment.id, session)
        self.call_closed.emit()
        self._prepare_next()

    # -- documents ------------------------------------------------------------------------------
    async def _load_documents(self, appointment_id: str) -> None:
        try:
            docs = await self._calls.documents(appointment_id)
        except (Offline, ApiError) as exc:
            self.notice.emit(_("The documents could not be loaded: {problem}").format(problem=_problem(exc)))
            return
        if self.active is not None and self.active.id == appointment_id:
            for doc in docs:
                self._add_document(doc)

    def _add_document(self, doc: Document) -> None:
        if any(d.id == doc.id for d in self.documents):
            return
        self.documents.append(doc)
        self.documents_changed.emit(list(self.documents))

    async def upload(self, path: Path) -> Document | None:
        if self.active is None:
            return None
        try:
            doc = await self._calls.upload(self.active.id, path)
        except (Offline, ApiError, OSError, ValueError) as exc:
            self.notice.emit(_("The document was not sent: {problem}").format(problem=_problem(exc)))
            return None
        self._add_document(doc)
        self.notice.emit(_("Document sent: {name}").format(name=doc.name))
        return doc

    async def download(self, document_id: str, target: Path) -> str | None:
        try:
            digest = await self._calls.download(document_id, target)
        except (Offline, ApiError, OSError) as exc:
            self.notice.emit(_("The document was not saved: {problem}").format(problem=_problem(exc)))
            return None
        expected = next((d.sha256 for d in self.documents if d.id == document_id), digest)
        if digest != expected:
            self.notice.emit(_("The saved document does not match its checksum. Download it again."))
            return None
        self.document_saved.emit(str(target), digest)
        return digest

    # -- devices --------------------------------------------------------------------------------
    async def list_devices(self) -> None:
        from console.call import devices

        def work() -> tuple[list[AudioDevice], list[AudioDevice], list[CameraDevice]]:
            return devices.microphones(), devices.speakers(), devices.list_cameras()

        mics, speakers, cameras = await asyncio.get_running_loop().run_in_executor(None, work)
        self.devices_listed.emit(mics, speakers, cameras)

    def remember_devices(self, microphone: str, speaker: str, camera: str) -> None:
        """The devices chosen in Settings, by name: resolved when the next call is prepared, so the
        console never opens the audio library at start-up (it costs ~40 ms, BASELINES)."""
        self._stored_devices = (microphone, speaker, camera)

    async def use_stored_devices(self, microphone: str, speaker: str, camera: str) -> None:
        """Selects the devices chosen in Settings, by name ("" = the system default). A stored device
        that is not plugged in now falls back to the default, and the informador is told."""
        from console.call import devices

        def work() -> tuple[list[AudioDevice], list[AudioDevice], list[CameraDevice]]:
            return devices.microphones(), devices.speakers(), devices.list_cameras()

        mics, speakers, cameras = await asyncio.get_running_loop().run_in_executor(None, work)
        missing: list[str] = []

        def pick(name: str, found: Sequence[AudioDevice] | Sequence[CameraDevice]) -> Any:
            if not name:
                return None
            match = next((d for d in found if d.name == name), None)
            if match is None:
                missing.append(name)
            return match

        chosen = (pick(microphone, mics), pick(speaker, speakers), pick(camera, cameras))
        if missing:
            self.notice.emit(
                _("Not connected now, using the default instead: {devices}").format(
                    devices=", ".join(missing)
                )
            )
        await self.set_devices(*chosen)

    async def set_devices(
        self, microphone: AudioDevice | None, speaker: AudioDevice | None, camera: CameraDevice | None
    ) -> None:
        """Used by the next call; switched live in the current one (no renegotiation: the sent tracks
        are switchable proxies)."""
        old = self.selection
        self.selection = dataclasses.replace(old, microphone=microphone, speaker=speaker, camera=camera)
        session = self.active_session or next(iter(self.sessions.values()), None)
        media = session.local_media if session is not None else None
        if media is None:
            return
        media.selection = self.selection
        await _switch_devices(media, old, self.selection, self.notice.emit)

    # -- stop -----------------------------------------------------------------------------------
    async def shutdown(self) -> None:
        """Hang up the live call and close every prepared one: peer connections, tracks, device streams
        and worker threads (STYLE convention 16)."""
        self._stopped = True
        await self.screenshare.close()
        for task in list(self._preparing.values()):
            task.cancel()
        if self._preparing:
            await asyncio.gather(*self._preparing.values(), return_exceptions=True)
        await close_sessions(list(self.sessions.values()))
        for signaling in list(self._signaling.values()):
            await signaling.close()


def _epoch(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except (TypeError, ValueError):
        return time.time()


async def _switch_devices(media: LocalMedia, old: MediaSelection, new: MediaSelection, notify: Any) -> None:
    from console.call.audio import MicrophoneTrack, NoAudioDevice, SpeakerSink
    from console.call.media import open_camera

    if (
        new.camera != old.camera
        and media.camera_enabled
        and media.video is not None
        and not new.synthetic_video
    ):
        try:
            track = await asyncio.get_running_loop().run_in_executor(
                None, open_camera, new.camera, new.width, new.height, new.fps
            )
        except OSError as exc:
            notify(_("The camera could not be opened: {problem}").format(problem=str(exc)))
        else:
            media.video.switch(track).stop()
            media.has_camera = True
    if new.microphone != old.microphone and media.audio is not None and not new.synthetic_audio:
        try:
            mic = MicrophoneTrack(new.microphone)
        except NoAudioDevice as exc:
            notify(_("The microphone could not be opened: {problem}").format(problem=str(exc)))
        else:
            media.audio.switch(mic).stop()
            media.has_microphone = True
    if new.speaker != old.speaker and new.play_remote_audio:
        try:
            sink = SpeakerSink(new.speaker)
        except NoAudioDevice as exc:
            notify(_("The speaker could not be opened: {problem}").format(problem=str(exc)))
        else:
            previous, media.speaker = media.speaker, sink
            if previous is not None:
                previous.close()
