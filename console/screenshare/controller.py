"""``ScreenShareController``: screen sharing and remote guidance for one call.

The call panel creates one per ``CallSession`` and wires widgets to it:

- the informador's own share: ``await start_share(source)`` / ``stop_share()``; ``preview_frame``
  (QImage, ≤ 5 per second, built in the capture thread) for the own-screen preview; the informador's
  mouse position over the shared area goes to the citizen as the live pointer (surface "informador");
- the citizen's share: ``session.remote_screen_frame`` feeds a
  :class:`~console.screenshare.widgets.GuidanceView`; ``remote_share_changed(bool, w, h)`` says when it
  starts/stops;
- guidance: ``send_pointer`` (throttled to ``max_pointer_rate``), ``send_mark``, ``clear_marks``;
  incoming guidance is re-emitted as ``guidance``.

Nothing is recorded: frames go to the encoder and the preview only.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from PyQt6.QtCore import QObject, QPoint, QTimer, pyqtSignal
from PyQt6.QtGui import QCursor, QImage

from console.call.messages import ClearMarksMessage, MarkMessage, PointerMessage, ShareMessage
from console.i18n import _
from console.screenshare.capture import GrabFunction, Region, ScreenGrabber, ShareSource, list_monitors
from console.screenshare.window_list import WindowFinder, WindowFollower, open_finder
from console.services.tasks import spawn

if TYPE_CHECKING:
    from console.call.session import CallSession
    from console.screenshare.track import CaptureSettings, ScreenShareTrack

log = logging.getLogger("videoatencio.screenshare")

Surface = Literal["citizen", "informador"]
MarkKind = Literal["arrow", "box", "highlight", "text"]


def make_preview(raw: bytes, width: int, height: int, max_width: int = 480) -> QImage:
    """A small copy of a BGRA grab for the own-screen preview (worker thread: QImage, no widgets)."""
    image = QImage(raw, width, height, width * 4, QImage.Format.Format_RGB32)
    return image.scaledToWidth(min(max_width, width)).copy()  # fast transform; detach from ``raw``


class PointerThrottle:
    """At most ``rate`` messages a second; the latest position is sent when the window reopens, so the
    pointer always ends where the mouse stopped."""

    def __init__(self, send: Callable[[PointerMessage], None], rate: float = 30.0) -> None:
        self._send = send
        self.period = 1.0 / rate
        self._last = -1e9
        self._pending: PointerMessage | None = None
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)
        self.sent = 0

    def push(self, msg: PointerMessage) -> None:
        now = time.monotonic()
        if now - self._last >= self.period and not self._timer.isActive():
            self._emit(msg, now)
        else:
            self._pending = msg
            if not self._timer.isActive():
                self._timer.start(max(1, int((self._last + self.period - now) * 1000)))

    def _flush(self) -> None:
        msg, self._pending = self._pending, None
        if msg is not None:
            self._emit(msg, time.monotonic())

    def _emit(self, msg: PointerMessage, now: float) -> None:
        self._last = now
        self.sent += 1
        self._send(msg)

    def stop(self) -> None:
        self._timer.stop()
        self._pending = None


class ScreenShareController(QObject):
    """Signals:
    sharing_changed(bool): the informador's own share started/stopped.
    preview_frame(QImage): the informador's own shared screen, small.
    remote_share_changed(bool, int, int): the citizen started (with size) / stopped sharing.
    guidance(object): a pointer/mark/clear-marks message from the citizen's side.
    own_pointer(float, float, bool): the informador's mouse over its own share (for the preview).
    source_moved(object): the shared window moved or was resized (the ShareSource, updated).
    window_hidden(bool): the shared window was minimised (the citizen keeps its last picture) / is back.
    error(str)
    """

    sharing_changed = pyqtSignal(bool)
    preview_frame = pyqtSignal(QImage)
    remote_share_changed = pyqtSignal(bool, int, int)
    guidance = pyqtSignal(object)
    own_pointer = pyqtSignal(float, float, bool)
    source_moved = pyqtSignal(object)
    window_hidden = pyqtSignal(bool)
    error = pyqtSignal(str)

    def __init__(
        self,
        session: CallSession,
        parent: QObject | None = None,
        *,
        settings: CaptureSettings | None = None,
        grab: GrabFunction | None = None,
        max_pointer_rate: float = 30.0,
        preview_interval: float = 0.2,
        cursor: Callable[[], QPoint] = QCursor.pos,
        device_pixel_ratio: float = 1.0,
        window_finder: Callable[[], WindowFinder | None] = open_finder,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self._settings = settings
        self._grab = grab
        self._grabber: ScreenGrabber | None = None
        self.track: ScreenShareTrack | None = None
        self.source: ShareSource | None = None
        self._preview_busy = False
        self._preview_last = 0.0
        self._preview_interval = preview_interval
        self._cursor = cursor
        self._dpr = device_pixel_ratio
        self._window_finder = window_finder
        self._last_own_pointer: tuple[float, float, bool] | None = None
        self.pointer = PointerThrottle(self.session.send_guidance, max_pointer_rate)
        # The informador's own pointer is polled (Qt sees no mouse events outside its windows).
        self._cursor_timer = QTimer(self)
        self._cursor_timer.setInterval(int(1000 / max_pointer_rate))
        self._cursor_timer.timeout.connect(self._poll_cursor)
        session.guidance_received.connect(self._on_guidance)

    @property
    def sharing(self) -> bool:
        return self.track is not None

    async def start_share(self, source: ShareSource) -> None:
        """Share ``source`` (replacing a running share). Imports mss/av/aiortc on first use."""
        from console.screenshare.track import ScreenShareTrack

        await self.stop_share(announce=False)
        self._grabber = ScreenGrabber(self._grab)
        follow = None
        if source.window is not None:
            follow = WindowFollower(source.window, self._window_finder, desktop=_desktop)
            self._grabber.add_cleanup(follow.close)
        track = ScreenShareTrack(source.region, self._grabber, self._settings, follow=follow)
        track.on_grab = self._on_grab
        track.on_region = self._on_window_moved
        track.on_hidden = self.window_hidden.emit
        track.on_gone = self._on_window_gone
        self.track, self.source = track, source
        w, h = track.out_size
        self.session.share_screen(track, w, h)
        self._cursor_timer.start()
        log.info("sharing %s %s as %dx%d", source.kind, source.region, w, h)
        self.sharing_changed.emit(True)

    async def stop_share(self, announce: bool = True) -> None:
        """One-click stop: nothing is sent after this returns. Idempotent."""
        self._cursor_timer.stop()
        if self.track is None:
            return
        self.track = None
        if announce:
            self.session.stop_screen_share()
        grabber, self._grabber = self._grabber, None
        if grabber is not None:
            # Joining the capture thread waits for at most one grab (~2-10 ms): off the GUI thread.
            await asyncio.get_running_loop().run_in_executor(None, grabber.close)
        if announce:
            self.sharing_changed.emit(False)

    def send_pointer(self, surface: Surface, x: float, y: float, visible: bool = True) -> None:
        self.pointer.push(PointerMessage(surface, _clip(x), _clip(y), visible))

    def send_mark(
        self,
        surface: Surface,
        kind: MarkKind,
        *,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        text: str = "",
        mark_id: str | None = None,
    ) -> MarkMessage:
        """``mark_id``: reuse an id to replace that mark on both sides (a new id otherwise)."""
        msg = MarkMessage(
            mark_id or uuid.uuid4().hex[:16], surface, kind, _clip(x1), _clip(y1), _clip(x2), _clip(y2),
            text.strip(),
        )  # fmt: skip
        self.session.send_guidance(msg)
        return msg

    def clear_marks(self, surface: Surface) -> None:
        self.session.send_guidance(ClearMarksMessage(surface))

    async def close(self) -> None:
        self.pointer.stop()
        await self.stop_share()

    # --- internals ------------------------------------------------------------------------------------

    def _on_window_moved(self, region: Region) -> None:
        if self.source is not None:
            self.source = dataclasses.replace(self.source, region=region)
            self.source_moved.emit(self.source)

    def _on_window_gone(self) -> None:
        spawn(self.stop_share())
        self.error.emit(_("The shared window was closed, so sharing stopped."))

    def _on_guidance(self, msg: object) -> None:
        if isinstance(msg, ShareMessage):
            self.remote_share_changed.emit(msg.started, msg.width, msg.height)
        else:
            self.guidance.emit(msg)

    def _on_grab(self, raw: bytes, width: int, height: int) -> None:
        now = time.monotonic()
        grabber = self._grabber
        if grabber is None or self._preview_busy or now - self._preview_last < self._preview_interval:
            return
        if self.receivers(self.preview_frame) == 0:
            return
        self._preview_busy, self._preview_last = True, now
        fut = asyncio.get_running_loop().run_in_executor(grabber.executor, make_preview, raw, width, height)
        fut.add_done_callback(self._preview_done)

    def _preview_done(self, fut: asyncio.Future[QImage]) -> None:
        self._preview_busy = False
        if fut.cancelled() or self.track is None:
            return
        if fut.exception() is not None:
            log.warning("preview failed: %s", fut.exception())
            return
        self.preview_frame.emit(fut.result())

    def _poll_cursor(self) -> None:
        """Send the informador's mouse position over its own share as the citizen-visible pointer."""
        if self.source is None:
            return
        r = self.source.region
        p = self._cursor()
        px, py = p.x() * self._dpr, p.y() * self._dpr
        inside = r.left <= px < r.left + r.width and r.top <= py < r.top + r.height
        x, y = _clip((px - r.left) / r.width), _clip((py - r.top) / r.height)
        state = (round(x, 4), round(y, 4), inside)
        if state == self._last_own_pointer:
            return  # still mouse: nothing to send
        self._last_own_pointer = state
        self.own_pointer.emit(x, y, inside)
        self.send_pointer("informador", x, y, inside)


def _desktop() -> Region:
    """The whole desktop (mss's monitor 0), which a followed window is clamped to."""
    return list_monitors()[0]


def _clip(v: float) -> float:
    return min(1.0, max(0.0, float(v)))
