"""Screen sharing in the live call, as the call panel drives it: the informador's own share, the
citizen's shared screen and the guidance (pointer, marks) on both.

Owned by :class:`~console.services.call.CallService` (``calls.screenshare``); it follows the active
``CallSession`` and owns one :class:`~console.screenshare.controller.ScreenShareController` per call.
Views never touch the controller: they emit, the composition root calls the methods here, and the
signals below come back. mss/av/aiortc load only when a share starts (``console.screenshare``).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Final, Literal

from PyQt6.QtCore import QObject, QSize, pyqtSignal
from PyQt6.QtGui import QImage

from console.call.messages import MAX_MARK_TEXT_CHARS, MarkMessage, ShareRequestMessage
from console.call.state import CallState
from console.i18n import _
from console.screenshare.capture import Region, ShareSource
from console.screenshare.controller import ScreenShareController
from console.screenshare.window_list import AppWindow, WindowListError, open_finder
from console.services.tasks import spawn

if TYPE_CHECKING:
    from console.call.session import CallSession

log = logging.getLogger("videoatencio.screenshare")

Surface = Literal["citizen", "informador"]
MarkKind = Literal["arrow", "box", "highlight", "text"]
# Where the citizen stands on the informador's request to see their screen (assisted processing):
# "" nothing asked, or the share ended; "asked"; "sharing"; "declined" (said no, or cancelled the picker).
ShareRequestState = Literal["", "asked", "sharing", "declined"]
# The assisted-steps label on the citizen's screen: one id, so pointing at the next step replaces it.
STEP_LABEL_ID: Final = "assisted-step"


class ScreenShareService(QObject):
    """Signals:
    sharing_changed(bool, object): the informador's own share started (with its ShareSource) / stopped
    preview_frame(QImage): the informador's own shared screen, small
    own_pointer(float, float, bool): the informador's mouse over its own share
    remote_share_changed(bool, int, int): the citizen started (with size) / stopped sharing
    share_moved(object): the shared window moved or was resized (its ShareSource, updated)
    window_hidden(bool): the shared window was minimised (the citizen keeps its last picture) / is back
    windows_listed(object): the open windows (list of AppWindow), or None where they cannot be listed
    remote_screen_frame(QImage): the citizen's shared screen
    guidance(object): pointer / mark / clear-marks from the citizen's page
    share_request_changed(str): a ShareRequestState, after ``request_citizen_share`` and the answer
    failed(str): a share could not start (user-facing)
    """

    sharing_changed = pyqtSignal(bool, object)
    preview_frame = pyqtSignal(QImage)
    own_pointer = pyqtSignal(float, float, bool)
    remote_share_changed = pyqtSignal(bool, int, int)
    remote_screen_frame = pyqtSignal(QImage)
    share_moved = pyqtSignal(object)
    window_hidden = pyqtSignal(bool)
    windows_listed = pyqtSignal(object)
    guidance = pyqtSignal(object)
    share_request_changed = pyqtSignal(str)
    failed = pyqtSignal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session: CallSession | None = None
        self.controller: ScreenShareController | None = None
        self._screen_size: QSize | None = None
        self.share_request: ShareRequestState = ""
        self._request_id: str | None = None

    @property
    def sharing(self) -> bool:
        return self.controller is not None and self.controller.sharing

    @property
    def remote_sharing(self) -> bool:
        return self.session is not None and self.session.remote_sharing is not None

    # -- following the call -----------------------------------------------------------------------
    def attach(self, session: CallSession) -> None:
        """A call went live: one controller for it (replaces any previous call's)."""
        self.detach()
        self.session = session
        ctl = ScreenShareController(session, self)
        self.controller = ctl
        if self._screen_size is not None:
            session.set_remote_screen_size(self._screen_size)
        ctl.sharing_changed.connect(self._on_sharing_changed)
        ctl.preview_frame.connect(self.preview_frame)
        ctl.own_pointer.connect(self.own_pointer)
        ctl.remote_share_changed.connect(self._on_remote_share)
        ctl.remote_share_changed.connect(self.remote_share_changed)
        ctl.guidance.connect(self._on_guidance)
        ctl.source_moved.connect(self.share_moved)
        ctl.window_hidden.connect(self.window_hidden)
        ctl.error.connect(self.failed)
        session.remote_screen_frame.connect(self.remote_screen_frame)
        session.state_changed.connect(self._on_state)

    def detach(self) -> None:
        """The call is over: stop a running share (its capture thread too) and forget the call."""
        ctl, session = self.controller, self.session
        self.controller = self.session = None
        if session is not None:
            session.remote_screen_frame.disconnect(self.remote_screen_frame)
            session.state_changed.disconnect(self._on_state)
        if ctl is not None:
            spawn(self._close_controller(ctl))
            self.remote_share_changed.emit(False, 0, 0)
        self._set_request("")

    async def _close_controller(self, ctl: ScreenShareController) -> None:
        try:
            await ctl.close()
        finally:
            ctl.deleteLater()

    def _on_state(self, state: CallState) -> None:
        if state.is_final:
            self.detach()

    async def close(self) -> None:
        """Quitting: stop a running share and join its capture thread."""
        ctl = self.controller
        self.detach()
        if ctl is not None:
            await ctl.close()

    # -- the informador's own share ---------------------------------------------------------------
    def monitors(self) -> list[Region]:
        """The monitors (index 0 is the whole desktop). Empty where mss cannot see a screen."""
        from console.screenshare.capture import list_monitors

        try:
            return list_monitors()
        except Exception as exc:  # noqa: BLE001 - no display (offscreen, Wayland without XWayland)
            log.warning("monitors not listed: %s", exc)
            return []

    async def list_windows(self) -> None:
        """List the open windows off the GUI thread (a few ms of X/Win32 calls) → ``windows_listed``."""
        windows = await asyncio.get_running_loop().run_in_executor(None, _list_windows)
        self.windows_listed.emit(windows)

    async def start(self, source: ShareSource) -> bool:
        ctl = self.controller
        if ctl is None or self.session is None or self.session.state.is_final:
            self.failed.emit(_("Screen sharing is only possible during a call."))
            return False
        try:
            await ctl.start_share(source)
        except Exception as exc:  # noqa: BLE001 - no screen to grab, no transceiver: say so, keep the call
            log.warning("share %s failed: %s", source, exc)
            await ctl.stop_share()
            self.failed.emit(
                _("The screen could not be shared: {problem}").format(problem=str(exc) or type(exc).__name__)
            )
            return False
        return True

    async def stop(self) -> None:
        if self.controller is not None:
            await self.controller.stop_share()

    def _on_sharing_changed(self, on: bool) -> None:
        ctl = self.controller
        self.sharing_changed.emit(on, ctl.source if on and ctl is not None else None)

    # -- guidance ---------------------------------------------------------------------------------
    def send_pointer(self, surface: Surface, x: float, y: float, visible: bool = True) -> None:
        if self.controller is not None:
            self.controller.send_pointer(surface, x, y, visible)

    def send_mark(self, draft: MarkMessage) -> MarkMessage | None:
        """Send a mark drawn in a guidance view (its draft id is replaced); returns what was sent."""
        if self.controller is None:
            return None
        return self.controller.send_mark(
            draft.surface, draft.kind, x1=draft.x1, y1=draft.y1, x2=draft.x2, y2=draft.y2, text=draft.text
        )

    def clear_marks(self, surface: Surface) -> None:
        if self.controller is not None:
            self.controller.clear_marks(surface)

    # -- assisted processing: asking for the citizen's screen, pointing at a step ------------------
    def request_citizen_share(self) -> bool:
        """Ask the citizen's page to show its "share your screen" prompt (only the citizen's click can
        start a browser share). The answer comes back as ``share_request_changed``."""
        session = self.session
        if session is None or session.state.is_final:
            self.failed.emit(_("The citizen can only be asked to share during a call."))
            return False
        if self.remote_sharing:
            self._set_request("sharing")
            return True
        self._request_id = uuid.uuid4().hex[:16]
        session.send_guidance(ShareRequestMessage(self._request_id))
        self._set_request("asked")
        return True

    def label_citizen_screen(self, text: str) -> MarkMessage | None:
        """Write ``text`` (a step of the tràmit) at the top-left of the citizen's shared screen, in place
        of the previous step's label. None when the citizen is not sharing."""
        ctl = self.controller
        text = " ".join(text.split())
        if ctl is None or not self.remote_sharing or not text:
            return None
        if len(text) > MAX_MARK_TEXT_CHARS:
            text = text[: MAX_MARK_TEXT_CHARS - 1] + "…"
        return ctl.send_mark("citizen", "text", x1=0.02, y1=0.02, x2=0.02, y2=0.02, text=text,
                             mark_id=STEP_LABEL_ID)  # fmt: skip

    def _set_request(self, state: ShareRequestState) -> None:
        if state != self.share_request:
            self.share_request = state
            self.share_request_changed.emit(state)

    def _on_remote_share(self, on: bool, _width: int, _height: int) -> None:
        if on:
            self._set_request("sharing")
        elif self.share_request == "sharing":
            self._set_request("")

    def _on_guidance(self, msg: object) -> None:
        if isinstance(msg, ShareRequestMessage):
            # Only the page's answer to our latest request counts; a page never asks the console.
            if msg.declined and msg.id == self._request_id and self.share_request == "asked":
                self._set_request("declined")
            return
        self.guidance.emit(msg)

    def set_remote_screen_size(self, size: QSize) -> None:
        self._screen_size = size
        if self.session is not None:
            self.session.set_remote_screen_size(size)


def _list_windows() -> list[AppWindow] | None:
    finder = open_finder()
    if finder is None:
        return None
    try:
        return finder.windows()
    except WindowListError as exc:
        log.warning("windows not listed: %s", exc)
        return None
    finally:
        finder.close()
