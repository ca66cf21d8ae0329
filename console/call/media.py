"""Local media tracks: synthetic test pattern and tone, camera, and the switchable tracks a call sends.

The peer connection always sends the two :class:`SwitchableVideoTrack` / :class:`SwitchableAudioTrack`
proxies. Camera on/off, mute and device changes swap what feeds a proxy, never the sender's track, so
they survive renegotiation (a new peer connection gets the same proxies) and never need SDP changes.
The proxies re-stamp timestamps, because each source has its own clock and RTP timestamps must not jump
backwards when the source changes.

Imports aiortc/av at module level: only import this module once a call is being prepared.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import math
import platform
import time
from collections.abc import Callable
from typing import Any

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from console.call.devices import CameraDevice, default_camera

log = logging.getLogger("videoatencio.call")

VIDEO_CLOCK = 90_000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK)
AUDIO_RATE = 48_000
AUDIO_SAMPLES = 960  # 20 ms at 48 kHz: one Opus frame
AUDIO_TIME_BASE = fractions.Fraction(1, AUDIO_RATE)

# Frame counter drawn into the test pattern: COUNTER_BITS blocks of COUNTER_BLOCK² luma pixels in the
# top-left corner, white = 1. 16x16 blocks match codec macroblocks, so VP8/H264 keep them readable.
COUNTER_BITS = 24
COUNTER_BLOCK = 16


class _Paced:
    """Wall-clock pacing shared by the synthetic tracks (aiortc's own helper is fixed at 30 fps)."""

    def __init__(self, fps: float) -> None:
        self.period = 1.0 / fps
        self.start: float | None = None
        self.count = 0

    async def tick(self) -> int:
        if self.start is None:
            self.start = time.monotonic()
        else:
            self.count += 1
            wait = self.start + self.count * self.period - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            elif wait < -1.0:  # fell far behind (suspended laptop): skip rather than burst
                self.start = time.monotonic() - self.count * self.period
        return self.count


class TestPatternTrack(MediaStreamTrack):
    """Moving colour bars with a frame counter encoded as pixel blocks (see :func:`read_frame_counter`).

    Used by tests, the demo, and when the console has no camera. Frames are built from a precomputed
    background, so each frame costs one copy plus a few slices (~0.5 ms at 720p).
    """

    kind = "video"
    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, width: int = 1280, height: int = 720, fps: float = 30.0) -> None:
        super().__init__()
        self.width, self.height = width - width % 2, height - height % 2
        self._pace = _Paced(fps)
        yy, xx = np.mgrid[0 : self.height, 0 : self.width]
        self._y = ((xx * 200 // self.width + yy * 40 // self.height) + 16).astype(np.uint8)
        u = np.full((self.height // 2, self.width // 2), 128, np.uint8)
        v = ((np.mgrid[0 : self.height // 2, 0 : self.width // 2][1] * 255) // (self.width // 2)).astype(
            np.uint8
        )
        # yuv420p as one (h*3/2, w) array: the chroma planes follow the luma rows.
        self._uv = np.concatenate([u.ravel(), v.ravel()]).reshape(-1, self.width)
        self.frames_sent = 0

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = await self._pace.tick()
        y = self._y.copy()
        bar = (n * 8) % self.width
        y[:, bar : bar + 48] = 235  # moving bar: motion for the encoder, visible in screenshots
        write_frame_counter(y, n)
        frame = av.VideoFrame.from_ndarray(np.concatenate([y, self._uv]), "yuv420p")
        frame.pts = int(n * self._pace.period * VIDEO_CLOCK)
        frame.time_base = VIDEO_TIME_BASE
        self.frames_sent += 1
        return frame


def write_frame_counter(y: np.ndarray[Any, Any], value: int) -> None:
    row = 0
    for bit in range(COUNTER_BITS):
        x0 = bit * COUNTER_BLOCK
        y[row : row + COUNTER_BLOCK, x0 : x0 + COUNTER_BLOCK] = 235 if (value >> bit) & 1 else 16


def read_frame_counter(frame: av.VideoFrame) -> int | None:
    """The counter written by :class:`TestPatternTrack`, or None if the frame is too small / scaled."""
    if frame.width < COUNTER_BITS * COUNTER_BLOCK:
        return None
    y = frame.reformat(format="gray").to_ndarray()
    value = 0
    for bit in range(COUNTER_BITS):
        x0 = bit * COUNTER_BLOCK
        block = y[4 : COUNTER_BLOCK - 4, x0 + 4 : x0 + COUNTER_BLOCK - 4]
        if float(block.mean()) > 128:
            value |= 1 << bit
    return value


class ToneTrack(MediaStreamTrack):
    """A 440 Hz tone, 48 kHz mono, 20 ms frames: a stand-in microphone for tests and the demo."""

    kind = "audio"

    def __init__(self, frequency: float = 440.0, amplitude: float = 0.2) -> None:
        super().__init__()
        self._pace = _Paced(AUDIO_RATE / AUDIO_SAMPLES)
        self._freq = frequency
        self._amp = amplitude

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = await self._pace.tick()
        t = (np.arange(AUDIO_SAMPLES) + n * AUDIO_SAMPLES) / AUDIO_RATE
        pcm = (np.sin(2 * math.pi * self._freq * t) * self._amp * 32767).astype(np.int16)
        return _audio_frame(pcm, n * AUDIO_SAMPLES)


class SilenceTrack(MediaStreamTrack):
    """Paced silence: keeps the audio m-line alive when there is no microphone (or it failed)."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._pace = _Paced(AUDIO_RATE / AUDIO_SAMPLES)
        self._zeros = np.zeros(AUDIO_SAMPLES, np.int16)

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = await self._pace.tick()
        return _audio_frame(self._zeros, n * AUDIO_SAMPLES)


class BlackVideoTrack(MediaStreamTrack):
    """What the citizen sees with the camera off: black frames at a low rate (cheap to encode)."""

    kind = "video"

    def __init__(self, width: int = 640, height: int = 360, fps: float = 5.0) -> None:
        super().__init__()
        self._pace = _Paced(fps)
        self._frame = av.VideoFrame.from_ndarray(
            np.concatenate(
                [np.full((height, width), 16, np.uint8), np.full((height // 2, width), 128, np.uint8)]
            ),
            "yuv420p",
        )

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        n = await self._pace.tick()
        frame = self._frame
        frame.pts = int(n * self._pace.period * VIDEO_CLOCK)
        frame.time_base = VIDEO_TIME_BASE
        return frame


def _audio_frame(pcm: np.ndarray[Any, Any], pts: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = AUDIO_RATE
    frame.pts = pts
    frame.time_base = AUDIO_TIME_BASE
    return frame


class _SwitchableTrack(MediaStreamTrack):
    """Forwards frames from a replaceable source track and re-stamps them on one monotonic clock."""

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self._source = source
        self._changed = asyncio.Event()
        self.on_frame: Callable[[Any], None] | None = None  # e.g. the self-view renderer

    @property
    def source(self) -> MediaStreamTrack:
        return self._source

    def switch(self, source: MediaStreamTrack) -> MediaStreamTrack:
        """Feed from ``source`` from now on; returns the previous source (the caller stops it)."""
        old, self._source = self._source, source
        self._changed.set()
        return old

    async def _next(self) -> Any:
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            source = self._source
            self._changed.clear()
            recv = asyncio.ensure_future(source.recv())
            changed = asyncio.ensure_future(self._changed.wait())
            try:
                done, _ = await asyncio.wait({recv, changed}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                changed.cancel()
                if not recv.done():
                    recv.cancel()
            if recv in done:
                try:
                    return recv.result()
                except MediaStreamError:
                    if source is self._source:
                        raise  # the live source ended: nothing to fall back to
            # else: the source was switched while waiting; read from the new one

    def stop(self) -> None:
        super().stop()
        self._changed.set()


class SwitchableVideoTrack(_SwitchableTrack):
    kind = "video"

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__(source)
        self._t0: float | None = None

    async def recv(self) -> av.VideoFrame:
        frame: av.VideoFrame = await self._next()
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = now
        frame.pts = int((now - self._t0) * VIDEO_CLOCK)
        frame.time_base = VIDEO_TIME_BASE
        if self.on_frame is not None:
            self.on_frame(frame)
        return frame


class SwitchableAudioTrack(_SwitchableTrack):
    """Audio proxy; ``muted`` sends silence (keeps the stream and the device open for instant unmute)."""

    kind = "audio"

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__(source)
        self.muted = False
        self._samples = 0

    async def recv(self) -> av.AudioFrame:
        frame: av.AudioFrame = await self._next()
        if self.muted:
            frame = _audio_frame(np.zeros(frame.samples, np.int16), 0)
        frame.pts = self._samples
        frame.time_base = fractions.Fraction(1, frame.sample_rate)
        self._samples += frame.samples
        return frame


class ConnectionTap(MediaStreamTrack):
    """What one peer connection sends: reads a long-lived track without owning it.

    aiortc's ``RTCRtpSender`` calls ``track.stop()`` when its RTP loop ends (``rtcrtpsender.py``,
    ``_run_rtp``), i.e. whenever a peer connection closes. Giving each connection a tap keeps the
    switchable tracks, and the devices behind them, alive across renegotiations.
    """

    def __init__(self, source: MediaStreamTrack, on_frame: Callable[[Any], None] | None = None) -> None:
        super().__init__()
        self.kind = source.kind
        self._source = source
        self._on_frame = on_frame  # sees each frame this connection sends (relayed to a third party)

    async def recv(self) -> Any:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self._source.recv()
        if self._on_frame is not None:
            self._on_frame(frame)
        return frame


class CameraTrack(MediaStreamTrack):
    """A real camera through FFmpeg (aiortc's MediaPlayer); stopping it releases the device."""

    kind = "video"

    def __init__(self, player: Any) -> None:
        super().__init__()
        self._player = player
        self._track: MediaStreamTrack = player.video

    async def recv(self) -> Any:
        return await self._track.recv()

    def stop(self) -> None:
        super().stop()
        self._track.stop()  # MediaPlayer stops its reader thread when its last track stops


def camera_options(width: int, height: int, fps: float) -> dict[str, str]:
    return {"video_size": f"{width}x{height}", "framerate": str(int(fps))}


def open_camera(
    device: CameraDevice | None, width: int = 1280, height: int = 720, fps: float = 30
) -> CameraTrack:
    """Open a camera: v4l2 on Linux, avfoundation on macOS, dshow on Windows. **Blocking** (FFmpeg opens
    the device synchronously, up to hundreds of ms): call it in an executor.

    Raises:
        OSError: no camera, busy, or the size/rate is not supported.
    """
    from aiortc.contrib.media import MediaPlayer

    device = device or default_camera()
    if device is None:
        raise OSError(f"no camera found on {platform.system()}")
    options = camera_options(width, height, fps)
    if device.av_format == "avfoundation":
        options["pixel_format"] = "nv12"  # avfoundation's default (uyvy422) is refused by many Macs
    try:
        player = MediaPlayer(device.file, format=device.av_format, options=options)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise OSError(f"cannot open camera {device.name!r}: {exc}") from exc
    if player.video is None:
        raise OSError(f"camera {device.name!r} has no video stream")
    return CameraTrack(player)
