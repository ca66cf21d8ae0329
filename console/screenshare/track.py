"""The aiortc side of a screen share.

:class:`ScreenShareTrack` turns grabs into frames: each tick it grabs the region in the capture
thread, compares it with the previous grab (a ``bytes ==`` memcmp: ~1 ms for 8 MB, exact, so a blinking
text cursor is never missed), and only converts and sends when something changed, or every
``refresh_interval`` to keep the receiver's picture and watchdog alive. A static screen therefore costs
one grab + one compare per tick and almost no encoding. The frame rate is capped (``max_fps``), falls
to ``idle_fps`` after a second without changes and comes back at once on the next change, and is
lowered further when a grab + convert takes too long for the machine (keeps the capture thread busy
at most ~60 % of the time). The size is capped (``max_width`` x ``max_height``, FAST_BILINEAR).

:class:`ScreenSlot` is what a call's screen transceiver sends: it waits while nothing is shared, so the
sender never ends (aiortc stops a sender for good when its track raises ``MediaStreamError``) and
sharing can start and stop without renegotiation. It re-stamps frames on its own clock, so RTP
timestamps keep rising across several shares.

Imports aiortc/av/numpy at module level: import this module only when sharing starts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from console.call.media import VIDEO_CLOCK, VIDEO_TIME_BASE
from console.screenshare.capture import Region, ScreenGrabber, bgra_to_frame, fit_size, to_yuv
from console.screenshare.window_list import WindowFollower, WindowGone, blank_out

log = logging.getLogger("videoatencio.screenshare")


@dataclass(frozen=True, slots=True)
class CaptureSettings:
    max_width: int = 1920
    max_height: int = 1080
    max_fps: float = 15.0  # the floor at 1080p; text needs sharpness more than motion
    idle_fps: float = 5.0  # polling rate once the screen has been still for idle_after seconds
    idle_after: float = 1.0
    refresh_interval: float = 1.0  # resend the unchanged picture this often
    max_duty: float = 0.6  # share of the capture thread's time a tick may use before fps drops


@dataclass(slots=True)
class CaptureStats:
    ticks: int = 0
    sent: int = 0
    unchanged: int = 0
    last_work_ms: float = 0.0
    max_work_ms: float = 0.0
    fps_cap: float = 0.0


@dataclass(frozen=True, slots=True)
class _Tick:
    """One capture-thread tick: the frame to send (None: nothing new), the raw grab if it changed, how
    long it took, and the rectangle grabbed (None: the followed window could not be seen)."""

    frame: Any
    raw: bytes | None
    work_ms: float
    region: Region | None


class ScreenShareTrack(MediaStreamTrack):
    """Video track of one region of the screen. Stop it to end the share (joins nothing; the grabber's
    owner closes the grabber)."""

    kind = "video"

    def __init__(
        self,
        region: Region,
        grabber: ScreenGrabber,
        settings: CaptureSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
        follow: WindowFollower | None = None,
    ) -> None:
        super().__init__()
        self.region = region
        # A shared window: where it is now, asked in the capture thread each tick (cached there).
        self._follow = follow
        self.hidden = False  # the followed window is minimised or off the screen
        self.settings = settings or CaptureSettings()
        self._grabber = grabber
        self._clock = clock
        self._previous: bytes | None = None
        self._last_frame: Any = None
        self._last_sent = -1e9
        self._last_change = -1e9
        self._next_tick: float | None = None
        self.out_size = self._capped(region.width, region.height)
        self.fps_cap = self.settings.max_fps
        self._work_avg: float | None = None
        self.stats = CaptureStats(fps_cap=self.fps_cap)
        # Called on the loop thread with (raw BGRA, width, height) of each changed grab: the preview.
        self.on_grab: Callable[[bytes, int, int], None] | None = None
        # Called on the loop thread when a followed window moves or resizes, is hidden or shown again,
        # or is closed (the track has then stopped).
        self.on_region: Callable[[Region], None] | None = None
        self.on_hidden: Callable[[bool], None] | None = None
        self.on_gone: Callable[[], None] | None = None

    def _capped(self, width: int, height: int) -> tuple[int, int]:
        """The size frames of a ``width`` x ``height`` grab are sent at (the settings' cap)."""
        return fit_size(width, height, self.settings.max_width, self.settings.max_height)

    def current_period(self, now: float) -> float:
        """Seconds until the next tick: the fps cap, or the idle rate on a still screen."""
        fps = self.fps_cap
        if now - self._last_change > self.settings.idle_after:
            fps = min(fps, self.settings.idle_fps)
        return 1.0 / fps

    def _work(self, region: Region, force: bool) -> _Tick:
        """In the capture thread: locate (a window), grab, blank what covers it, compare, convert."""
        t0 = time.perf_counter()
        covered: tuple[Region, ...] = ()
        if self._follow is not None:
            located, covered = self._follow.place()  # raises WindowGone
            if located is None:  # minimised or off the screen: the citizen keeps the last picture
                frame = self._last_frame if force else None
                return _Tick(frame, None, (time.perf_counter() - t0) * 1000, None)
            region = located
        raw, w, h = self._grabber.grab(region)
        raw = blank_out(raw, w, h, covered)
        changed = raw != self._previous
        frame = None
        if changed or force or self._last_frame is None:
            if changed:
                self._previous = raw
                out_size = self._capped(w, h)
                frame = to_yuv(bgra_to_frame(raw, w, h), *out_size)
            else:
                frame = self._last_frame
        return _Tick(frame, raw if changed else None, (time.perf_counter() - t0) * 1000, region)

    async def recv(self) -> Any:
        loop = asyncio.get_running_loop()
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            now = self._clock()
            if self._next_tick is None:
                self._next_tick = now
            wait = self._next_tick - now
            if wait > 0:
                await asyncio.sleep(wait)
            if self.readyState != "live":
                raise MediaStreamError
            force = self._clock() - self._last_sent >= self.settings.refresh_interval
            try:
                tick = await loop.run_in_executor(self._grabber.executor, self._work, self.region, force)
            except WindowGone:
                log.info("the shared window was closed")
                self.stop()
                if self.on_gone is not None:
                    self.on_gone()
                raise MediaStreamError from None
            except RuntimeError:  # grabber closed under us: the share is over
                self.stop()
                raise MediaStreamError from None
            now = self._clock()
            self._adapt(tick.work_ms)
            self._next_tick = max(self._next_tick + self.current_period(now), now)
            self.stats.ticks += 1
            self._follow_window(tick.region)
            frame, changed_raw = tick.frame, tick.raw
            if changed_raw is not None:
                self._last_change = now
                if self.on_grab is not None:
                    self.on_grab(changed_raw, self.region.width, self.region.height)
            if frame is None:
                self.stats.unchanged += 1
                continue
            self._last_frame = frame
            self._last_sent = now
            self.stats.sent += 1
            return frame

    def _follow_window(self, region: Region | None) -> None:
        """A followed window's news, on the loop thread: hidden/shown, moved/resized."""
        if self._follow is None:
            return
        hidden = region is None
        if hidden != self.hidden:
            self.hidden = hidden
            if self.on_hidden is not None:
                self.on_hidden(hidden)
        if region is not None and region != self.region:
            self.region = region
            self.out_size = self._capped(region.width, region.height)
            if self.on_region is not None:
                self.on_region(region)

    def _adapt(self, work_ms: float) -> None:
        """Lower the cap if ticks eat more than ``max_duty`` of the thread; creep back up when cheap."""
        s = self.settings
        self.stats.last_work_ms = work_ms
        self.stats.max_work_ms = max(self.stats.max_work_ms, work_ms)
        # A moving average: one slow tick (the encoder's threads took both cores) must not halve the rate.
        self._work_avg = work_ms if self._work_avg is None else 0.8 * self._work_avg + 0.2 * work_ms
        affordable = 1000.0 * s.max_duty / max(self._work_avg, 1e-3)
        if affordable < self.fps_cap:
            self.fps_cap = max(2.0, affordable)
        elif self.fps_cap < s.max_fps:
            self.fps_cap = min(s.max_fps, self.fps_cap + 0.5)
        self.stats.fps_cap = self.fps_cap


class ScreenSlot(MediaStreamTrack):
    """The screen transceiver's long-lived source: frames of the current share, or nothing.

    ``attach(track)`` starts feeding from a share, ``detach()`` stops (the caller stops the share's
    track). ``recv`` waits while detached instead of ending, so the RTP sender lives on.
    """

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self._source: MediaStreamTrack | None = None
        self._changed = asyncio.Event()
        self._t0: float | None = None
        self.on_frame: Callable[[Any], None] | None = None  # e.g. the local preview / benchmark

    @property
    def source(self) -> MediaStreamTrack | None:
        return self._source

    def attach(self, source: MediaStreamTrack) -> MediaStreamTrack | None:
        old, self._source = self._source, source
        self._changed.set()
        return old

    def detach(self) -> MediaStreamTrack | None:
        old, self._source = self._source, None
        self._changed.set()
        return old

    async def recv(self) -> Any:
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            source = self._source
            self._changed.clear()
            if source is None:
                await self._changed.wait()
                continue
            recv = asyncio.ensure_future(source.recv())
            changed = asyncio.ensure_future(self._changed.wait())
            try:
                done, _ = await asyncio.wait({recv, changed}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                changed.cancel()
                if not recv.done():
                    recv.cancel()
            if recv not in done:
                continue
            try:
                frame = recv.result()
            except MediaStreamError:
                if source is self._source:
                    self._source = None  # the share ended by itself: wait for the next one
                continue
            now = time.monotonic()
            if self._t0 is None:
                self._t0 = now
            frame.pts = int((now - self._t0) * VIDEO_CLOCK)
            frame.time_base = VIDEO_TIME_BASE
            if self.on_frame is not None:
                self.on_frame(frame)
            return frame

    def stop(self) -> None:
        super().stop()
        self._changed.set()
