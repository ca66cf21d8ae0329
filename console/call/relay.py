"""The console as the hub of a three-party call: the citizen, the informador and an interpreter.

The console holds one ``CallSession`` with the citizen and a second one with the interpreter's browser
(the same page and protocol as the citizen's). Media the console decodes from one party is pushed into
:class:`RelayTrack` s that the other connection sends; chat is fanned out. docs/API.md, "Interpreter".

Transceiver layout of both offers: audio, video, screen (as before), then one audio and one video
"party" transceiver carrying the third party (the citizen's page shows the interpreter there, the
interpreter's page the citizen). They are in every citizen offer from the start, idle until an
interpreter joins, so joining and leaving need no renegotiation of the citizen's connection.

aiortc is imported lazily by the functions here, like in ``session.py``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QObject, pyqtSignal

from console.call.config import IceServer, SessionOptions
from console.call.signaling import Signaling
from console.call.state import CallState

if TYPE_CHECKING:
    from console.call.session import CallSession

log = logging.getLogger("videoatencio.call")


def relay_track(kind: str, max_queue: int = 0) -> Any:
    """A push-fed track (``push(frame)``): idle (``recv`` waits) until something is pushed. Frames keep
    their timestamps; a short queue drops the oldest so a slow encoder never builds delay."""
    from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

    class RelayTrack(MediaStreamTrack):
        def __init__(self) -> None:
            super().__init__()
            self.kind = kind
            self._frames: collections.deque[Any] = collections.deque(
                maxlen=max_queue or (8 if kind == "audio" else 2)
            )
            self._arrived = asyncio.Event()
            self.pushed = 0

        def push(self, frame: Any) -> None:
            if self.readyState == "live":
                self._frames.append(frame)
                self.pushed += 1
                self._arrived.set()

        def clear(self) -> None:
            self._frames.clear()

        async def recv(self) -> Any:
            while not self._frames:
                if self.readyState != "live":
                    raise MediaStreamError
                self._arrived.clear()
                await self._arrived.wait()
            return self._frames.popleft()

        def stop(self) -> None:
            super().stop()
            self._frames.clear()
            self._arrived.set()

    return RelayTrack()


def party_tracks() -> tuple[Any, Any]:
    """The (audio, video) tracks a citizen session sends on its party transceivers (``extra_sources``)."""
    return relay_track("audio"), relay_track("video")


class InterpreterLink(QObject):
    """The interpreter's connection and the relays tying it to the citizen's session.

    ``citizen`` must have been built with ``extra_sources=party`` (see :func:`party_tracks`). Hanging
    up the citizen's call hangs this one up too; the interpreter leaving ends only this one.

    Signals: chat_received(str): a chat line from the interpreter (already forwarded to the citizen).
    ended(): this connection is over (either side).
    """

    chat_received = pyqtSignal(str)
    ended = pyqtSignal()

    def __init__(
        self,
        citizen: CallSession,
        party: tuple[Any, Any],
        call_id: str,
        signaling: Signaling,
        *,
        ice_servers: Sequence[IceServer],
        options: SessionOptions | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        from console.call.session import CallSession

        self.citizen = citizen
        self._party_audio, self._party_video = party
        mic, cam = relay_track("audio"), relay_track("video")
        citizen_audio, citizen_video = relay_track("audio"), relay_track("video")
        self.session = CallSession(
            call_id,
            signaling,
            ice_servers=ice_servers,
            options=options,
            sources=(mic, cam),
            extra_sources=(citizen_audio, citizen_video),
            parent=self,
        )
        # (list, callback) pairs added to the citizen's session, removed again in _detach.
        self._hooks: list[tuple[list[Any], Any]] = [
            (citizen.local_audio_observers, mic.push),
            (citizen.local_video_observers, cam.push),
            (citizen.audio_observers, citizen_audio.push),
            (citizen.video_observers, citizen_video.push),
        ]
        for observers, hook in self._hooks:
            observers.append(hook)
        self.session.audio_observers.append(self._party_audio.push)
        self.session.video_observers.append(self._party_video.push)
        self._tasks: set[asyncio.Task[Any]] = set()
        citizen.chat_received.connect(self._from_citizen)
        self.session.chat_received.connect(self._from_interpreter)
        citizen.state_changed.connect(self._on_citizen_state)
        self.session.state_changed.connect(self._on_state)
        self._detached = False

    async def start(self) -> None:
        """Offer to the interpreter (their page is listening: it announced itself as ready)."""
        await self.session.prepare()
        await self.session.start()

    def send_chat(self, text: str) -> None:
        """The informador's chat line for the interpreter (the citizen's session sends its own copy)."""
        self._spawn(self.session.send_chat(text))

    async def close(self, reason: str = "the informador ended the interpreter's connection") -> None:
        try:
            await self.session.hang_up(reason)
        finally:
            self._detach()
            if self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _from_citizen(self, text: str, _when: object) -> None:
        if not self._detached:
            self._spawn(self.session.send_chat(text))

    def _from_interpreter(self, text: str, _when: object) -> None:
        if not self._detached:
            self._spawn(self.citizen.send_chat(text))
            self.chat_received.emit(text)

    def _on_citizen_state(self, state: CallState) -> None:
        if state.is_final and not self._detached:
            self._spawn(self.session.hang_up("the call ended"))

    def _on_state(self, state: CallState) -> None:
        if state.is_final:
            self._detach()

    def _detach(self) -> None:
        if self._detached:
            return
        self._detached = True
        for observers, hook in self._hooks:
            if hook in observers:
                observers.remove(hook)
        # The citizen's party transceivers go idle; stale frames must not play when someone rejoins.
        self._party_audio.clear()
        self._party_video.clear()
        for signal, slot in (
            (self.citizen.chat_received, self._from_citizen),
            (self.citizen.state_changed, self._on_citizen_state),
        ):
            with contextlib.suppress(TypeError):  # already disconnected
                signal.disconnect(slot)
        self.ended.emit()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("interpreter relay: %r", task.exception())
