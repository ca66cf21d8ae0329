"""A bare aiortc "citizen": the answerer side of the signalling protocol, without Qt or a browser.

It plays the browser's role (``call.js``) for tests that need a Python far end: it answers offers,
replaces its peer connection when an offer carries a higher ``pc_generation``, optionally strips the
candidates from its answer and trickles them afterwards (to exercise late remote candidates in aiortc),
echoes nothing by itself, and records what it receives.

Run as ``python -m tests.call.citizen_peer`` it speaks JSON lines on stdin/stdout, so a test can run it
inside a network namespace (``ip netns exec``) while signalling stays on the pipes, out of the blocked path.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcconfiguration import RTCBundlePolicy

from console.call.media import (
    ConnectionTap,
    SwitchableAudioTrack,
    SwitchableVideoTrack,
    TestPatternTrack,
    ToneTrack,
    read_frame_counter,
)
from console.call.messages import (
    ChatMessage,
    IceCandidate,
    SignalingError,
    SignalMessage,
    encode_channel_message,
    parse_channel_message,
    parse_signal,
)
from console.call.signaling import Signaling, SignalingClosed


class CitizenPeer:
    def __init__(
        self,
        signaling: Signaling,
        *,
        trickle: bool = True,
        trickle_delay: float = 0.0,
        size: tuple[int, int] = (640, 480),
    ) -> None:
        self.signaling = signaling
        self.trickle = trickle
        self.trickle_delay = trickle_delay
        self.video = SwitchableVideoTrack(TestPatternTrack(size[0], size[1], 30))
        self.audio = SwitchableAudioTrack(ToneTrack(660))
        self.pc: Any = None
        self.channel: Any = None
        self.generation = 0
        self.call_id = ""
        self.video_frames = 0
        self.audio_frames = 0
        self.counters: list[int] = []
        self.chat: list[str] = []
        self.generations_seen: list[int] = []
        self.connection_states: list[str] = []
        self.bye = False
        self.errors: list[str] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._run_task: asyncio.Task[None] | None = None
        self.last_media = 0.0
        # Frames on the offer's "party" transceivers (a third party relayed by the console): 4th and 5th.
        self.party_video_sizes: list[tuple[int, int]] = []
        self.party_audio_frames = 0

    def start(self) -> None:
        self._run_task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while True:
            try:
                text = await self.signaling.receive()
            except SignalingClosed:
                return
            try:
                await self.handle(parse_signal(text))
            except SignalingError as exc:
                self.errors.append(str(exc))

    async def handle(self, msg: SignalMessage) -> None:
        if msg.type == "offer":
            if msg.pc_generation <= self.generation:
                raise SignalingError(f"stale offer {msg.pc_generation}")
            await self._answer(msg)
        elif msg.type == "bye":
            self.bye = True
            await self._close_pc()

    async def _answer(self, msg: SignalMessage) -> None:
        await self._close_pc()
        self.call_id, self.generation = msg.call_id, msg.pc_generation
        self.generations_seen.append(msg.pc_generation)
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.pc = pc

        @pc.on("track")  # type: ignore[untyped-decorator]
        def on_track(track: Any) -> None:
            index = next(i for i, t in enumerate(pc.getTransceivers()) if t.receiver.track is track)
            self._spawn(self._consume(track, party=index >= 3))

        @pc.on("connectionstatechange")  # type: ignore[untyped-decorator]
        def on_state() -> None:
            self.connection_states.append(f"{msg.pc_generation}:{pc.connectionState}")

        await pc.setRemoteDescription(RTCSessionDescription(msg.sdp, "offer"))
        # After setRemoteDescription: created before, aiortc gives the channel its own SCTP transport
        # that the offer's bundle then closes, and the answer goes out with no candidates at all.
        self.channel = pc.createDataChannel("chat", ordered=True, negotiated=True, id=0)

        @self.channel.on("message")  # type: ignore[untyped-decorator]
        def on_message(data: str) -> None:
            m = parse_channel_message(data)
            if isinstance(m, ChatMessage):
                self.chat.append(m.text)

        pc.addTrack(ConnectionTap(self.audio))  # reuses the offer's transceivers, making them sendrecv
        pc.addTrack(ConnectionTap(self.video))
        await pc.setLocalDescription(await pc.createAnswer())
        sdp = pc.localDescription.sdp
        if not self.trickle:
            await self._send(SignalMessage("answer", self.call_id, self.generation, sdp=sdp))
            return
        lines = sdp.split("\r\n")
        cands = [ln[2:] for ln in lines if ln.startswith("a=candidate:")]
        stripped = "\r\n".join(
            ln for ln in lines if not ln.startswith(("a=candidate:", "a=end-of-candidates"))
        )
        await self._send(SignalMessage("answer", self.call_id, self.generation, sdp=stripped))
        if self.trickle_delay:
            await asyncio.sleep(self.trickle_delay)  # a deliberately late candidate
        for c in cands:
            cand = IceCandidate(c, "0", 0)
            await self._send(SignalMessage("candidate", self.call_id, self.generation, candidate=cand))
        await self._send(SignalMessage("end-of-candidates", self.call_id, self.generation))

    async def _consume(self, track: Any, party: bool = False) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if party:
                if track.kind == "video":
                    self.party_video_sizes.append((frame.width, frame.height))
                else:
                    self.party_audio_frames += 1
                continue
            self.last_media = time.monotonic()
            if track.kind == "video":
                self.video_frames += 1
                counter = read_frame_counter(frame)
                if counter is not None:
                    self.counters.append(counter)
            else:
                self.audio_frames += 1

    def send_chat(self, text: str) -> None:
        self.channel.send(encode_channel_message(ChatMessage(uuid.uuid4().hex[:12], text, datetime.now(UTC))))

    async def hang_up(self) -> None:
        """Leave the call like the page's hang-up button: a bye, then the connection closes."""
        await self._send(SignalMessage("bye", self.call_id, self.generation, reason="left"))
        await self._close_pc()

    async def request_renegotiation(self) -> None:
        await self._send(SignalMessage("renegotiate", self.call_id, self.generation, reason="test"))

    async def _send(self, msg: SignalMessage) -> None:
        await self.signaling.send(msg.encode())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _close_pc(self) -> None:
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.pc is not None:
            await self.pc.close()

    async def close(self) -> None:
        if self._run_task is not None:
            self._run_task.cancel()
            await asyncio.gather(self._run_task, return_exceptions=True)
        await self._close_pc()
        self.video.source.stop()
        self.audio.source.stop()
        self.video.stop()
        self.audio.stop()
        await self.signaling.close()

    def report(self) -> dict[str, Any]:
        return {
            "video_frames": self.video_frames,
            "audio_frames": self.audio_frames,
            "last_counter": self.counters[-1] if self.counters else None,
            "since_media": time.monotonic() - self.last_media if self.last_media else None,
            "generation": self.generation,
            "connection_states": self.connection_states,
            "chat": self.chat,
            "bye": self.bye,
            "errors": self.errors,
        }


# --- subprocess mode: JSON lines on stdin/stdout ------------------------------------------------------


class _StdioSignaling(Signaling):
    """Signalling over the parent's pipes: {"signal": text} lines both ways."""

    def __init__(self, inbox: asyncio.Queue[str | None]) -> None:
        self._inbox = inbox
        self._closed = False

    async def send(self, text: str) -> None:
        _emit({"signal": text})

    async def receive(self) -> str:
        item = await self._inbox.get()
        if item is None:
            self._closed = True
            raise SignalingClosed("stdin closed")
        return item

    async def close(self) -> None:
        self._closed = True


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def _main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    inbox: asyncio.Queue[str | None] = asyncio.Queue()
    peer = CitizenPeer(_StdioSignaling(inbox))
    peer.start()
    while True:
        line = await reader.readline()
        if not line:
            inbox.put_nowait(None)
            break
        obj = json.loads(line)
        if "signal" in obj:
            inbox.put_nowait(obj["signal"])
        elif obj.get("cmd") == "report":
            _emit({"report": peer.report()})
        elif obj.get("cmd") == "chat":
            peer.send_chat(obj["text"])
        elif obj.get("cmd") == "quit":
            break
    await peer.close()
    _emit({"report": peer.report(), "final": True})


if __name__ == "__main__":
    asyncio.run(_main())
