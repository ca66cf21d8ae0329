"""``CallSession``: one video call with a citizen, wrapping aiortc's ``RTCPeerConnection``.

Life cycle (STYLE convention 16):

1. ``await prepare()`` while the citizen waits: local tracks, the peer connection, the data channel and
   the offer, including ICE gathering (aiortc gathers inside ``setLocalDescription``: ~3 ms with host
   candidates, but up to 5 s per unreachable STUN/TURN server, which is why it happens *before* admit).
2. ``await start()`` on admit: sends the ready offer. The browser answers at once and trickles its
   candidates (aioice pairs candidates added after ``connect()`` has started).
3. Media, chat, stats. A media gap → ``RECONNECTING``; a short blackout recovers on the same peer
   connection; a longer one (or the browser asking, or ``network_changed()``) → a *new* peer connection
   with ``pc_generation + 1`` over the same signalling (aiortc has no ICE restart), keeping chat and state.
4. ``await hang_up()`` / ``await close()``: peer connection, tracks, device streams, worker threads and
   signalling are closed in ``finally`` blocks, whatever failed before; both are idempotent.

aiortc/av are imported lazily (inside methods) so importing this module costs only Qt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from PyQt6.QtCore import QObject, QSize, pyqtSignal
from PyQt6.QtGui import QImage

from console.call.config import IceServer, MediaSelection, SessionOptions
from console.call.messages import (
    MAX_CHAT_CHARS,
    ChatMessage,
    GuidanceMessage,
    MediaStateMessage,
    PingMessage,
    PointerMessage,
    ShareMessage,
    SignalingError,
    SignalMessage,
    encode_channel_message,
    parse_channel_message,
    parse_signal,
)
from console.call.rendering import FrameRenderer
from console.call.signaling import Signaling, SignalingClosed
from console.call.state import CallState, can_transition
from console.call.stats import CallStats, StatsTracker

if TYPE_CHECKING:
    from console.call.local_media import LocalMedia

log = logging.getLogger("videoatencio.call")


@dataclass(frozen=True, slots=True)
class ChatEntry:
    direction: Literal["in", "out"]
    message: ChatMessage


class _Generation:
    """One peer connection and what hangs off it. A call has one at a time."""

    def __init__(self, number: int, pc: Any, channel: Any) -> None:
        self.number = number
        self.pc = pc
        self.channel = channel
        self.tasks: set[asyncio.Task[None]] = set()
        self.remote_description_set = False
        self.pending_candidates: list[Any] = []  # RTCIceCandidate | None, until the answer is applied
        self.offer_sdp = ""
        self.closed = False

    def spawn(self, coro: Any, name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(f"call-gen{self.number}-{name}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            for task in list(self.tasks):
                task.cancel()
            if self.tasks:
                await asyncio.gather(*self.tasks, return_exceptions=True)
        finally:
            await self.pc.close()


class CallSession(QObject):
    """One call, console side (the offerer).

    Signals:
        state_changed(CallState)
        remote_video_frame(QImage): converted off the GUI thread, scaled to ``remote_video_size``.
        local_video_frame(QImage): the self view.
        chat_received(str, datetime): plain text (show it as plain text) and the sender's timestamp.
        remote_media_changed(bool, bool): the citizen's microphone / camera switches.
        stats_updated(CallStats): about once a second.
        error(str): a refused message or a failed operation; the call goes on unless the state says not.
        notice(str): non-fatal, user-facing facts ("No microphone found: …").
        remote_screen_frame(QImage): the citizen's shared screen (console/screenshare), scaled to
            ``set_remote_screen_size``.
        guidance_received(GuidanceMessage): a validated pointer/mark/clear-marks/share-started/stopped.
    """

    state_changed = pyqtSignal(object)
    remote_video_frame = pyqtSignal(QImage)
    local_video_frame = pyqtSignal(QImage)
    chat_received = pyqtSignal(str, datetime)
    remote_media_changed = pyqtSignal(bool, bool)
    stats_updated = pyqtSignal(object)
    error = pyqtSignal(str)
    notice = pyqtSignal(str)
    remote_screen_frame = pyqtSignal(QImage)
    guidance_received = pyqtSignal(object)

    def __init__(
        self,
        call_id: str,
        signaling: Signaling,
        *,
        ice_servers: Sequence[IceServer],
        media: MediaSelection | None = None,
        options: SessionOptions | None = None,
        sources: tuple[Any, Any] | None = None,
        extra_sources: Sequence[Any] = (),
        parent: QObject | None = None,
    ) -> None:
        """``sources``: (audio, video) tracks to send instead of opening the devices (the interpreter's
        connection sends relayed tracks; console/call/relay.py). ``extra_sources``: long-lived tracks sent
        on extra sendrecv transceivers after the screen one, in every offer (a third party's media);
        what arrives on them goes to ``extra_observers``."""
        super().__init__(parent)
        self.call_id = call_id
        self._signaling = signaling
        self._ice_servers = tuple(ice_servers)  # explicit, even if empty: never aiortc's default Google STUN
        self._selection = media or MediaSelection()
        self.options = options or SessionOptions()
        self._state = CallState.IDLE
        self._gen: _Generation | None = None
        self._media: LocalMedia | None = None
        self._sources = sources
        self._extra_sources = tuple(extra_sources)
        self.extra_observers: list[Callable[[int, Any], None]] = []  # (extra index, decoded frame)
        self.audio_observers: list[Callable[[Any], None]] = []  # each decoded remote audio frame
        # What this connection sends of the informador's own camera/microphone (relayed to a third party).
        self.local_video_observers: list[Callable[[Any], None]] = []
        self.local_audio_observers: list[Callable[[Any], None]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._receive_task: asyncio.Task[None] | None = None
        self._closing = False
        self._closed = asyncio.Event()
        self._renegotiating = False
        self._outbox: list[str] = []
        self._stats = StatsTracker()
        self._last_media = 0.0
        self._drop_noticed: float | None = None
        self._reneg_started: float | None = None
        self._video_times: list[float] = []
        self.renderer = FrameRenderer("remote", self)
        self.self_view = FrameRenderer("local", self)
        self.renderer.frame_ready.connect(self.remote_video_frame)
        self.self_view.frame_ready.connect(self.local_video_frame)
        self.self_view.target_size = QSize(320, 180)
        self.chat_history: list[ChatEntry] = []
        self.renegotiations = 0
        # Why each new peer connection was made, (monotonic time, reason): for the logs and diagnosis.
        self.renegotiation_reasons: list[tuple[float, str]] = []
        self.end_reason = ""
        self.remote_mic = True
        self.remote_camera = True
        self.remote_video_frames = 0
        self.remote_audio_frames = 0
        self.last_remote_video_size: tuple[int, int] | None = None
        self.timings: dict[str, float] = {}  # time.monotonic() of milestones, for benchmarks and logs
        self.video_observers: list[Callable[[Any], None]] = []  # called with each decoded av.VideoFrame
        self.last_stats: CallStats | None = None
        # Screen sharing (console/screenshare): the slot feeding the screen transceiver, the citizen's share.
        self._screen_slot: Any = None
        self.screen_renderer = FrameRenderer("screen", self)
        self.screen_renderer.frame_ready.connect(self.remote_screen_frame)
        self.screen_observers: list[Callable[[Any], None]] = []  # each decoded frame of the citizen's share
        self.remote_screen_frames = 0
        self.last_remote_screen_size: tuple[int, int] | None = None
        self.remote_sharing: ShareMessage | None = None  # the citizen's share-started, while it lasts
        self.local_sharing: ShareMessage | None = None

    # --- public API ----------------------------------------------------------------------------------

    @property
    def state(self) -> CallState:
        return self._state

    @property
    def pc_generation(self) -> int:
        return self._gen.number if self._gen else 0

    @property
    def peer_connection(self) -> Any:
        """The current ``RTCPeerConnection`` (tests, diagnostics); replaced on renegotiation."""
        return self._gen.pc if self._gen else None

    @property
    def local_media(self) -> LocalMedia | None:
        return self._media

    @property
    def mic_muted(self) -> bool:
        return self._media.mic_muted if self._media else False

    @property
    def camera_enabled(self) -> bool:
        return self._media.camera_enabled if self._media else True

    async def prepare(self) -> None:
        """Build everything up to a ready offer; call it while the citizen waits."""
        if self._state is not CallState.IDLE:
            raise RuntimeError(f"prepare() in state {self._state.value}")
        self._set_state(CallState.PREPARING)
        self.timings["prepare"] = time.monotonic()
        from console.call.local_media import LocalMedia

        try:
            if self._sources is None:
                self._media = LocalMedia(self._selection, self.notice.emit)
                await self._media.start()
                assert self._media.video is not None
                self._media.video.on_frame = self._on_local_frame
            if self.options.screen_transceiver:
                from console.screenshare.track import ScreenSlot

                self._screen_slot = ScreenSlot()
            self._gen = await self._new_generation(1)
        except BaseException:
            await self.close(CallState.FAILED, "preparing the call failed")
            raise
        self.timings["ready"] = time.monotonic()
        self._set_state(CallState.READY)

    async def start(self) -> None:
        """Admit: send the prepared offer and start listening to the citizen."""
        if self._state is not CallState.READY or self._gen is None:
            raise RuntimeError(f"start() in state {self._state.value}")
        self.timings["admit"] = time.monotonic()
        self._set_state(CallState.CONNECTING)
        self._receive_task = self._spawn(self._receive_loop(), "receive")
        self._spawn(self._watch_loop(), "watch")
        await self._send(SignalMessage("offer", self.call_id, self._gen.number, sdp=self._gen.offer_sdp))

    async def send_chat(self, text: str) -> ChatMessage:
        """Send a chat line (queued while reconnecting, delivered once the channel reopens)."""
        text = text.strip()
        if not text or len(text) > MAX_CHAT_CHARS:
            raise ValueError(f"chat text must be 1-{MAX_CHAT_CHARS} characters")
        msg = ChatMessage(uuid.uuid4().hex[:16], text, datetime.now(UTC))
        self.chat_history.append(ChatEntry("out", msg))
        self._channel_send(encode_channel_message(msg))
        return msg

    def set_mic_muted(self, muted: bool) -> None:
        if self._media is not None:
            self._media.set_mic_muted(muted)
            self._send_media_state()

    async def set_camera_enabled(self, enabled: bool) -> None:
        if self._media is not None:
            await self._media.set_camera_enabled(enabled)
            self._send_media_state()

    @property
    def screen_slot(self) -> Any:
        """The ``ScreenSlot`` the screen transceiver sends (None before ``prepare`` or when disabled)."""
        return self._screen_slot

    def share_screen(self, track: Any, width: int, height: int) -> None:
        """Send ``track`` (a ``ScreenShareTrack``) on the screen transceiver and announce it; replaces
        (and stops) a running share. No renegotiation: the transceiver exists from the first offer."""
        if self._screen_slot is None:
            raise RuntimeError("this call has no screen transceiver (prepare() first)")
        old = self._screen_slot.attach(track)
        if old is not None and old is not track:
            old.stop()
        self.local_sharing = ShareMessage(True, width, height)
        self._channel_send(encode_channel_message(self.local_sharing))

    def stop_screen_share(self) -> None:
        """Stop sending the screen (idempotent) and tell the citizen."""
        old = self._screen_slot.detach() if self._screen_slot is not None else None
        if old is not None:
            old.stop()
        if self.local_sharing is not None:
            self.local_sharing = None
            self._channel_send(encode_channel_message(ShareMessage(False)))

    def send_guidance(self, msg: GuidanceMessage) -> None:
        """Send a pointer/mark/clear-marks message. Pointer moves are dropped while the channel is not
        open (a stale pointer is useless); marks are queued like chat."""
        text = encode_channel_message(msg)
        gen = self._gen
        if isinstance(msg, PointerMessage) and (gen is None or gen.channel.readyState != "open"):
            return
        self._channel_send(text)

    def set_remote_screen_size(self, size: QSize) -> None:
        """Scale the citizen's shared screen to this before it reaches the GUI (off the GUI thread)."""
        self.screen_renderer.target_size = size

    def set_remote_video_size(self, size: QSize) -> None:
        """Scale remote frames to this (the view's pixel size); conversion happens off the GUI thread."""
        self.renderer.target_size = size

    def network_changed(self) -> None:
        """The local network changed (new address/interface): the old ICE pair is dead, renegotiate now."""
        if self._state in (CallState.CONNECTED, CallState.RECONNECTING, CallState.CONNECTING):
            self._spawn(self.renegotiate("network changed"), "renegotiate")

    async def renegotiate(self, reason: str) -> None:
        """Replace the peer connection (``pc_generation + 1``) over the same signalling."""
        if self._closing or self._renegotiating or self._gen is None:
            return
        if self.renegotiations >= self.options.max_renegotiations:
            await self.close(CallState.FAILED, "the connection could not be re-established")
            return
        self._renegotiating = True
        try:
            log.info("call %s: renegotiating (%s)", self.call_id, reason)
            if self._state is not CallState.RECONNECTING:
                self._set_state(CallState.RECONNECTING)
            self.renegotiations += 1
            self.renegotiation_reasons.append((time.monotonic(), reason))
            old, number = self._gen, self._gen.number + 1
            self._gen = None
            try:
                await old.close()  # first: its senders must stop reading the shared local tracks
            finally:
                self._stats.reset()
            gen = await self._new_generation(number)
            if self._closing:
                await gen.close()
                return
            self._gen = gen
            self._reneg_started = time.monotonic()
            await self._send(SignalMessage("offer", self.call_id, gen.number, sdp=gen.offer_sdp))
        finally:
            self._renegotiating = False

    async def hang_up(self, reason: str = "hang-up") -> None:
        """Tell the citizen (best effort, bounded) and close everything."""
        try:
            if not self._closing and self._gen is not None and self._state is not CallState.READY:
                with contextlib.suppress(SignalingClosed, TimeoutError):
                    await asyncio.wait_for(
                        self._send(SignalMessage("bye", self.call_id, self._gen.number, reason=reason)),
                        self.options.bye_timeout,
                    )
        finally:
            await self.close(CallState.ENDED, reason)

    async def close(self, final: CallState = CallState.ENDED, reason: str = "closed") -> None:
        """Release everything. Idempotent; concurrent callers wait for the first one to finish."""
        if self._closing:
            await self._closed.wait()
            return
        self._closing = True
        self.end_reason = reason
        me = asyncio.current_task()
        try:
            tasks = [t for t in self._tasks if t is not me]
            for t in tasks:
                t.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            try:
                if self._gen is not None:
                    await self._gen.close()
            finally:
                try:
                    if self._media is not None:
                        self._media.close()
                finally:
                    try:
                        self.renderer.close()
                        self.self_view.close()
                        self.screen_renderer.close()
                        if self._screen_slot is not None:
                            share = self._screen_slot.detach()
                            if share is not None:
                                share.stop()
                            self._screen_slot.stop()
                    finally:
                        # Relay tracks handed to this session are its own (console/call/relay.py).
                        for track in (*(self._sources or ()), *self._extra_sources):
                            track.stop()
                        try:
                            await self._signaling.close()
                        finally:
                            self._closed.set()
                            self._set_state(final)

    # --- peer connection --------------------------------------------------------------------------

    async def _new_generation(self, number: int) -> _Generation:
        from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection
        from aiortc.rtcconfiguration import RTCBundlePolicy
        from aiortc.rtcrtpsender import RTCRtpSender

        if self._sources is not None:
            audio_source, video_source = self._sources
        else:
            assert self._media is not None and self._media.audio is not None
            audio_source, video_source = self._media.audio, self._media.video
        config = RTCConfiguration(
            iceServers=[RTCIceServer(list(s.urls), s.username, s.credential) for s in self._ice_servers],
            # One transport for audio, video and data: one ICE/DTLS handshake, fewer checks to wait for.
            bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
        )
        from console.call.media import ConnectionTap

        pc = RTCPeerConnection(config)
        pc.addTransceiver(ConnectionTap(audio_source, self._on_local_audio), direction="sendrecv")
        video = pc.addTransceiver(ConnectionTap(video_source), direction="sendrecv")
        if self.options.video_codec:
            caps = RTCRtpSender.getCapabilities("video").codecs
            preferred = [c for c in caps if c.mimeType == self.options.video_codec]
            video.setCodecPreferences(preferred + [c for c in caps if c not in preferred])
        screen = None
        if self._screen_slot is not None:
            screen = pc.addTransceiver(ConnectionTap(self._screen_slot), direction="sendrecv")
            if self.options.screen_codec:
                caps = RTCRtpSender.getCapabilities("video").codecs
                preferred = [c for c in caps if c.mimeType == self.options.screen_codec]
                screen.setCodecPreferences(preferred + [c for c in caps if c not in preferred])
        extras = [pc.addTransceiver(ConnectionTap(t), direction="sendrecv") for t in self._extra_sources]
        # Video waits 0.5 s at most for a lost packet, not for 512 newer ones (console/call/jitter.py).
        from console.call import jitter

        for transceiver in pc.getTransceivers():
            if transceiver.kind == "video":
                jitter.install(transceiver.receiver)
        # Negotiated id 0 on both sides: no in-band open handshake, and trivially recreated per generation.
        channel = pc.createDataChannel("chat", ordered=True, negotiated=True, id=0)
        gen = _Generation(number, pc, channel)

        @pc.on("track")
        def on_track(track: Any) -> None:
            if screen is not None and track is screen.receiver.track:
                gen.spawn(self._consume_screen(gen, track), "screen")
                return
            for index, extra in enumerate(extras):
                if track is extra.receiver.track:
                    gen.spawn(self._consume_extra(index, track), f"extra{index}")
                    return
            consume = self._consume_video if track.kind == "video" else self._consume_audio
            gen.spawn(consume(gen, track), track.kind)

        @pc.on("connectionstatechange")
        def on_state() -> None:
            self._on_pc_state(gen)

        @channel.on("open")
        def on_open() -> None:
            self._on_channel_open(gen)

        @channel.on("message")
        def on_message(data: str | bytes) -> None:
            self._on_channel_message(data)

        await pc.setLocalDescription(await pc.createOffer())  # gathers here
        gen.offer_sdp = pc.localDescription.sdp
        return gen

    def _on_pc_state(self, gen: _Generation) -> None:
        state = gen.pc.connectionState
        log.info("call %s gen %d: connection %s", self.call_id, gen.number, state)
        if gen is not self._gen or self._closing:
            return
        if state == "connected":
            self.timings.setdefault("connected", time.monotonic())
            self._last_media = time.monotonic()
            self._drop_noticed = self._reneg_started = None
            if self._state in (CallState.CONNECTING, CallState.RECONNECTING):
                self._set_state(CallState.CONNECTED)
        elif state == "failed":
            # ICE consent expired (~30 s of silence) or DTLS failed: only a new connection can help.
            self._spawn(self.renegotiate("connection failed"), "renegotiate")

    async def _consume_video(self, gen: _Generation, track: Any) -> None:
        from aiortc.mediastreams import MediaStreamError

        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            now = time.monotonic()
            self._last_media = now
            self.remote_video_frames += 1
            self.timings.setdefault("first_remote_video", now)
            self.last_remote_video_size = (frame.width, frame.height)
            self._video_times.append(now)
            for observer in self.video_observers:
                observer(frame)
            self.renderer.submit(frame)

    async def _consume_screen(self, gen: _Generation, track: Any) -> None:
        from aiortc.mediastreams import MediaStreamError

        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            self._last_media = time.monotonic()
            self.remote_screen_frames += 1
            self.last_remote_screen_size = (frame.width, frame.height)
            for observer in self.screen_observers:
                observer(frame)
            if self.remote_sharing is not None:  # frames after share-stopped are the browser's last ones
                self.screen_renderer.submit(frame)

    async def _consume_extra(self, index: int, track: Any) -> None:
        # Always drained, even with no observer: aiortc queues undelivered frames without bound.
        from aiortc.mediastreams import MediaStreamError

        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            for observer in self.extra_observers:
                observer(index, frame)

    async def _consume_audio(self, gen: _Generation, track: Any) -> None:
        from aiortc.mediastreams import MediaStreamError

        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            now = time.monotonic()
            self._last_media = now
            self.remote_audio_frames += 1
            self.timings.setdefault("first_remote_audio", now)
            for observer in self.audio_observers:
                observer(frame)
            if self._media is not None and self._media.speaker is not None:
                self._media.speaker.play(frame)

    def _on_local_audio(self, frame: Any) -> None:
        for observer in self.local_audio_observers:
            observer(frame)

    def _on_local_frame(self, frame: Any) -> None:
        for observer in self.local_video_observers:
            observer(frame)
        if self.receivers(self.local_video_frame) > 0:  # only convert when a self view is connected
            self.self_view.submit(frame)

    # --- signalling ---------------------------------------------------------------------------------

    async def _send(self, msg: SignalMessage) -> None:
        await self._signaling.send(msg.encode())

    async def _receive_loop(self) -> None:
        while not self._closing:
            try:
                text = await self._signaling.receive()
            except SignalingClosed:
                if not self._closing:
                    self.error.emit(
                        "Signalling closed: the call continues, but cannot recover from a network change."
                    )
                return
            try:
                await self.handle_signal(text)
            except SignalingError as exc:
                log.warning("call %s: refused signalling message: %s", self.call_id, exc)
                self.error.emit(f"Refused signalling message: {exc}")
            except Exception as exc:  # one bad message must never end the receive loop
                log.exception("call %s: error handling a signalling message", self.call_id)
                self.error.emit(f"Refused signalling message: internal error {exc!r}")

    async def handle_signal(self, raw: str | bytes | dict[str, Any]) -> None:
        """Validate and apply one signalling message. Raises :class:`SignalingError` if refused;
        the session is unchanged in that case."""
        msg = parse_signal(raw)
        if msg.call_id != self.call_id:
            raise SignalingError(
                f"{msg.type}: message for call {msg.call_id!r}, this is call {self.call_id!r}"
            )
        gen = self._gen
        if msg.type == "bye":
            self._spawn(self.close(CallState.ENDED, msg.reason or "the citizen hung up"), "bye")
            return
        if gen is None:
            raise SignalingError(f"{msg.type}: no peer connection (renegotiation in progress); ignored")
        if msg.type == "offer":
            raise SignalingError("offer: the console makes the offers; an offer from the citizen is refused")
        if msg.pc_generation != gen.number:
            which = "stale" if msg.pc_generation < gen.number else "unknown"
            raise SignalingError(
                f"{msg.type}: {which} pc_generation {msg.pc_generation}; the current one is {gen.number}"
            )
        if msg.type == "renegotiate":
            self._spawn(self.renegotiate(f"the citizen asked: {msg.reason or 'no reason'}"), "renegotiate")
        elif msg.type == "answer":
            await self._apply_answer(gen, msg)
        elif msg.type == "candidate":
            assert msg.candidate is not None
            await self._add_candidate(gen, self._to_rtc_candidate(msg))
        else:  # end-of-candidates
            await self._add_candidate(gen, None)

    async def _apply_answer(self, gen: _Generation, msg: SignalMessage) -> None:
        from aiortc import RTCSessionDescription

        if gen.remote_description_set or gen.pc.signalingState != "have-local-offer":
            raise SignalingError(f"answer: generation {gen.number} already has an answer")
        assert msg.sdp is not None
        try:
            await gen.pc.setRemoteDescription(RTCSessionDescription(sdp=msg.sdp, type="answer"))
        except Exception as exc:  # noqa: BLE001
            # aiortc's SDP parser raises assorted errors, even AssertionError, on SDP it cannot use (seen
            # with "m=x"); it parses before changing state, so the pc stays in have-local-offer.
            raise SignalingError(f"answer: aiortc could not apply the SDP: {exc!r}") from None
        gen.remote_description_set = True
        self.timings.setdefault("answer_applied", time.monotonic())
        pending, gen.pending_candidates = gen.pending_candidates, []
        for cand in pending:
            await self._add_candidate(gen, cand)

    def _to_rtc_candidate(self, msg: SignalMessage) -> Any:
        from aiortc.sdp import candidate_from_sdp

        assert msg.candidate is not None
        try:
            cand = candidate_from_sdp(msg.candidate.candidate.split(":", 1)[1])
        except (ValueError, IndexError) as exc:
            raise SignalingError(f"candidate: cannot parse {msg.candidate.candidate[:60]!r}: {exc}") from None
        cand.sdpMid = msg.candidate.sdp_mid
        cand.sdpMLineIndex = msg.candidate.sdp_mline_index
        return cand

    async def _add_candidate(self, gen: _Generation, cand: Any) -> None:
        if not gen.remote_description_set:
            gen.pending_candidates.append(cand)  # a candidate may overtake its answer on some relays
            return
        try:
            await gen.pc.addIceCandidate(cand)
        except ValueError as exc:  # e.g. after end-of-candidates
            raise SignalingError(f"candidate: refused by ICE: {exc}") from None
        if cand is not None:
            self.timings.setdefault("first_remote_candidate", time.monotonic())

    # --- data channel --------------------------------------------------------------------------------

    def _on_channel_open(self, gen: _Generation) -> None:
        if gen is not self._gen:
            return
        self.timings.setdefault("channel_open", time.monotonic())
        self._send_media_state()
        if self.local_sharing is not None:  # a new generation: tell the citizen we are still sharing
            gen.channel.send(encode_channel_message(self.local_sharing))
        outbox, self._outbox = self._outbox, []
        for text in outbox:
            self._channel_send(text)

    def _channel_send(self, text: str) -> None:
        gen = self._gen
        if gen is not None and gen.channel.readyState == "open":
            gen.channel.send(text)
        else:
            self._outbox.append(text)

    def _send_media_state(self) -> None:
        gen = self._gen
        if gen is not None and gen.channel.readyState == "open" and self._media is not None:
            gen.channel.send(
                encode_channel_message(MediaStateMessage(not self.mic_muted, self.camera_enabled))
            )

    def _on_channel_message(self, data: str | bytes) -> None:
        try:
            msg = parse_channel_message(data)
        except SignalingError as exc:
            log.warning("call %s: refused data-channel message: %s", self.call_id, exc)
            self.error.emit(f"Refused chat message: {exc}")
            return
        if isinstance(msg, ChatMessage):
            if any(e.message.id == msg.id for e in self.chat_history[-200:]):
                return  # resent after a reconnect; already shown
            self.chat_history.append(ChatEntry("in", msg))
            self.chat_received.emit(msg.text, msg.sent_at)
        elif isinstance(msg, MediaStateMessage):
            self.remote_mic, self.remote_camera = msg.mic, msg.camera
            self.remote_media_changed.emit(msg.mic, msg.camera)
        elif isinstance(msg, PingMessage):
            if not msg.pong:
                self._channel_send(encode_channel_message(PingMessage(msg.t, pong=True)))
        else:  # screen-share guidance (console/screenshare)
            if isinstance(msg, ShareMessage):
                self.remote_sharing = msg if msg.started else None
            self.guidance_received.emit(msg)

    # --- watchdog + stats -------------------------------------------------------------------------------

    async def _watch_loop(self) -> None:
        opts = self.options
        tick = min(0.25, opts.media_timeout / 4)
        next_stats = time.monotonic() + opts.stats_interval
        while not self._closing:
            await asyncio.sleep(tick)
            now = time.monotonic()
            self._check_media(now)
            if now >= next_stats:
                next_stats = now + opts.stats_interval
                await self._collect_stats(now)

    def _check_media(self, now: float) -> None:
        opts = self.options
        if self._renegotiating:
            return
        if self._state is CallState.CONNECTED and now - self._last_media > opts.media_timeout:
            log.info("call %s: no media for %.1f s", self.call_id, now - self._last_media)
            self._drop_noticed = now
            self._set_state(CallState.RECONNECTING)
        elif self._state is CallState.RECONNECTING:
            if self._drop_noticed is not None and now - self._last_media < opts.media_timeout / 2:
                self._drop_noticed = None  # media resumed on the same connection
                self._set_state(CallState.CONNECTED)
                return
            since = self._reneg_started or self._drop_noticed
            if since is not None and now - since > opts.renegotiate_after:
                self._spawn(self.renegotiate("no media"), "renegotiate")

    async def _collect_stats(self, now: float) -> None:
        gen = self._gen
        if gen is None or self._state not in (CallState.CONNECTED, CallState.RECONNECTING):
            return
        try:
            report = await gen.pc.getStats()
        except (AttributeError, KeyError, RuntimeError) as exc:  # pc closing underneath us
            log.debug("getStats failed: %s", exc)
            return
        self._video_times = [t for t in self._video_times if now - t <= 1.0]
        stats = self._stats.update(
            report,
            now,
            video_fps=len(self._video_times),
            video_size=self.last_remote_video_size,
            generation=gen.number,
        )
        self.last_stats = stats
        self.stats_updated.emit(stats)

    # --- helpers -------------------------------------------------------------------------------

    def _set_state(self, new: CallState) -> None:
        if new is self._state or not can_transition(self._state, new):
            return
        log.info("call %s: %s -> %s", self.call_id, self._state.value, new.value)
        self._state = new
        self.state_changed.emit(new)

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        task.set_name(f"call-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log.error("call %s: background task %s failed: %r", self.call_id, task.get_name(), exc)
            self.error.emit(f"Internal error in the call ({task.get_name()}): {exc}")


async def close_sessions(sessions: Sequence[CallSession]) -> None:
    """For ``QApplication.aboutToQuit``: close every live call, whatever fails."""
    await asyncio.gather(*(s.hang_up("the console quit") for s in sessions), return_exceptions=True)
