"""An interpreter or translator invited into the live call (docs/API.md, "Interpreter").

The call service owns the citizen's session; this service asks the backend for a single-use invite
link and, when the interpreter's page is ready (``interpreter.ready`` on the console's event stream),
opens the second connection (console/call/relay.py) that relays media and chat through the console.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QObject, QSize, pyqtSignal
from PyQt6.QtGui import QImage

from console.call.rest_signaling import RestSignaling
from console.i18n import _
from console.services.tasks import spawn
from console.sync.events import ServerEvent

if TYPE_CHECKING:
    from console.call.relay import InterpreterLink
    from console.services.call import CallService

log = logging.getLogger("videoatencio.call")


class InterpreterService(QObject):
    """Signals: link_ready(str): the invite URL to hand over; joined(); left(); chat_received(str);
    video_frame(QImage): the interpreter's video as the console decodes it."""

    link_ready = pyqtSignal(str)
    video_frame = pyqtSignal(QImage)
    joined = pyqtSignal()
    left = pyqtSignal()
    chat_received = pyqtSignal(str)

    def __init__(self, calls: CallService) -> None:
        super().__init__(calls)
        self._calls = calls
        self.party: dict[str, tuple[Any, Any]] = {}  # appointment id → the citizen session's party tracks
        self.link: InterpreterLink | None = None
        self._signaling: RestSignaling | None = None
        self._appointment_id = ""
        self._speaker: Any = None  # the interpreter's voice: a second output stream, mixed by the OS

    def party_tracks(self, appointment_id: str) -> tuple[Any, Any]:
        """For the citizen's session being prepared: its idle party transceivers' sources."""
        from console.call.relay import party_tracks

        self.party[appointment_id] = tracks = party_tracks()
        return tracks

    async def invite(self) -> str | None:
        """A new single-use link for the live call, or None (said through the call service's notice)."""
        appointment = self._calls.active
        if appointment is None or self._calls.active_session is None:
            return None
        try:
            url = await self._calls._calls.invite_interpreter(appointment.id)
        except Exception as exc:  # noqa: BLE001 - Offline or ApiError: told to the informador
            self._calls.notice.emit(_("The interpreter could not be invited: {problem}").format(problem=exc))
            return None
        self.link_ready.emit(url)
        return url

    def on_server_event(self, event: ServerEvent) -> bool:
        """Handles the interpreter's events; False for everything else (the call service's)."""
        appointment_id = event.data.get("appointment_id")
        active = self._calls.active
        if event.type == "signal" and event.data.get("party") == "interpreter":
            if self._signaling is not None and appointment_id == self._appointment_id:
                self._signaling.deliver(event.data.get("message"))
            return True
        if event.type == "interpreter.ready":
            if active is not None and appointment_id == active.id:
                spawn(self._connect(active.id))
            return True
        return False

    async def _connect(self, appointment_id: str) -> None:
        session = self._calls.active_session
        party = self.party.get(appointment_id)
        if session is None or party is None or session.state.is_final:
            return
        if self.link is not None and not self.link.session.state.is_final:
            # The page was reloaded: a fresh connection for it (pc_generation + 1).
            await self.link.session.renegotiate("the interpreter's page reconnected")
            return
        from console.call.relay import InterpreterLink

        api = self._calls._calls
        ice = await api.ice_servers(appointment_id)
        signaling = RestSignaling(appointment_id, lambda m: api.signal(appointment_id, m, to="interpreter"))
        call_id = f"i{appointment_id.replace('-', '')[:15]}-{uuid.uuid4().hex[:12]}"
        link = InterpreterLink(
            session,
            party,
            call_id,
            signaling,
            ice_servers=ice,
            options=self._calls.session_options,
            parent=self,
        )
        self.link, self._signaling, self._appointment_id = link, signaling, appointment_id
        link.chat_received.connect(self.chat_received)
        link.session.remote_video_frame.connect(self.video_frame)
        link.session.set_remote_video_size(QSize(320, 180))
        link.ended.connect(self._ended)
        self._speaker = await self._open_speaker()
        if self._speaker is not None:
            link.session.audio_observers.append(self._speaker.play)
        try:
            await link.start()
        except Exception as exc:  # noqa: BLE001
            log.warning("interpreter connection failed: %s", exc)
            await link.close("the connection could not start")
            return
        self.joined.emit()

    async def _open_speaker(self) -> Any:
        selection = self._calls.selection
        if not selection.play_remote_audio:
            return None
        from console.call.audio import NoAudioDevice, SpeakerSink

        try:  # opening the device blocks: off the loop
            return await asyncio.get_running_loop().run_in_executor(None, SpeakerSink, selection.speaker)
        except NoAudioDevice as exc:
            log.info("interpreter audio not played here: %s", exc)
            return None

    def send_chat(self, text: str) -> None:
        if self.link is not None and not self.link.session.state.is_final:
            self.link.send_chat(text)

    async def drop(self) -> None:
        """The informador ends the interpreter's connection (the citizen's call goes on)."""
        if self.link is not None:
            await self.link.close()

    def forget(self, appointment_id: str) -> None:
        self.party.pop(appointment_id, None)

    def _ended(self) -> None:
        speaker, self._speaker = self._speaker, None
        if speaker is not None:
            speaker.close()
        self.link = self._signaling = None
        self._appointment_id = ""
        self.left.emit()
