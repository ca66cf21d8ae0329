"""Screen sharing in the call panel: the "Share screen…" button, the source picker, the "you are
sharing" border with its stop bar, the own-share preview, and the citizen's shared screen as the main
picture (guidance tools, zoom) with the citizen's camera as a thumbnail in its corner, as on the
citizen's page.

A view: it shows what it is handed and emits what the informador asked for; the composition root
connects it to ``CallService`` (``calls.screenshare``). The panel owns it (``panel.screen_share``).
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QEvent, QObject, QRect, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QGuiApplication, QImage, QKeySequence, QScreen, QShortcut
from PyQt6.QtWidgets import QFrame, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from console.call.messages import MarkMessage
from console.call.video_widget import VideoWidget
from console.i18n import _
from console.screenshare.capture import Region, ShareSource
from console.screenshare.widgets import GuidancePanel, GuidanceView, RegionSelector, SharingIndicator
from console.screenshare.window_list import AppWindow
from console.views.share_picker import SharePicker

SHORTCUT = "Ctrl+Shift+S"


def _tool_texts() -> dict[str, tuple[str, str]]:
    """(text, accessible description) per guidance tool; a function so it follows the language."""
    return {
        "pointer": (_("Pointer"), _("Show your pointer on the citizen's screen")),
        "arrow": (_("Arrow"), _("Draw an arrow: drag from its tail to its tip")),
        "box": (_("Box"), _("Draw a box: drag over the area")),
        "highlight": (_("Highlight"), _("Highlight an area: drag over it")),
        "text": (_("Text"), _("Write a short text where you click")),
        "pan": (_("Move"), _("Move the zoomed picture by dragging it")),
    }


def screen_for(region: Region) -> QScreen | None:
    """The screen holding the region's top-left corner (regions are physical px, Qt's are logical)."""
    for screen in QGuiApplication.screens():
        g, dpr = screen.geometry(), screen.devicePixelRatio()
        phys = QRect(round(g.x() * dpr), round(g.y() * dpr), round(g.width() * dpr), round(g.height() * dpr))
        if phys.contains(region.left, region.top):
            return screen
    return QGuiApplication.primaryScreen()


def _logical(region: Region) -> tuple[QRect, QRect]:
    """A shared region in Qt's logical pixels, and the geometry of the screen holding it."""
    screen = screen_for(region)
    dpr = screen.devicePixelRatio() if screen is not None else 1.0
    logical = QRect(
        round(region.left / dpr),
        round(region.top / dpr),
        round(region.width / dpr),
        round(region.height / dpr),
    )
    return logical, screen.geometry() if screen is not None else logical


class CallScreenShare(QObject):
    """Signals:
    share_requested(object): a ShareSource to share
    stop_requested()
    windows_wanted(): the picker opened; the open windows go to ``set_windows`` when listed
    pointer_moved(str, float, float, bool): surface, x, y, inside (fractions of the picture)
    mark_drawn(object): a MarkMessage draft drawn on the citizen's screen
    marks_cleared(str): surface
    screen_size_changed(QSize): the citizen's screen display size (frames are scaled to it)
    """

    share_requested = pyqtSignal(object)
    stop_requested = pyqtSignal()
    windows_wanted = pyqtSignal()
    pointer_moved = pyqtSignal(str, float, float, bool)
    mark_drawn = pyqtSignal(object)
    marks_cleared = pyqtSignal(str)
    screen_size_changed = pyqtSignal(QSize)

    def __init__(self, panel: QWidget, remote_video: QWidget) -> None:
        super().__init__(panel)
        self._panel = panel
        self._remote_video = remote_video
        self.monitor_provider: Callable[[], list[Region]] = list  # set by the composition root
        self.sharing = False
        self.window_hidden = False
        self.remote_sharing = False
        self.picker: SharePicker | None = None
        self.selector: RegionSelector | None = None
        self.indicator: SharingIndicator | None = None

        self.share_button = QPushButton(panel)
        self.share_button.setObjectName("shareScreenButton")
        QShortcut(QKeySequence(SHORTCUT), panel, self.share_button.click)
        self.share_button.clicked.connect(self._on_share_clicked)

        # The citizen's screen: main picture with tools; their camera as a thumbnail in its corner.
        self.guidance = GuidancePanel("citizen", panel, _("Waiting for the citizen's screen…"))
        self.guidance.setObjectName("citizenScreen")
        self.view = self.guidance.view
        self.view.setAccessibleName(_("Citizen's shared screen"))
        self.view.setAccessibleDescription(
            _("Draw on it with the tools above. Plus and minus zoom, 0 fits the picture.")
        )
        # GuidancePanel keeps no references to its zoom buttons (−, +, Fit): the tool buttons aside,
        # they are its other tool buttons, in creation order.
        tools = set(self.guidance.tool_buttons.values())
        self._zoom_buttons = [b for b in self.guidance.findChildren(QToolButton) if b not in tools]
        self.camera_thumb = VideoWidget(self.view, _("Citizen's camera"))
        self.camera_thumb.setObjectName("citizenCameraThumb")
        self.camera_thumb.setAccessibleName(_("Citizen's video"))
        self.camera_thumb.setStyleSheet(
            "#citizenCameraThumb { border: 2px solid white; border-radius: 4px; }"
        )
        self.camera_thumb.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.view.installEventFilter(self)
        self.guidance.hide()
        self.view.pointer_moved.connect(lambda x, y, inside: self.pointer_moved.emit("citizen", x, y, inside))
        self.view.mark_drawn.connect(self.mark_drawn)
        self.view.marks_cleared.connect(lambda: self.marks_cleared.emit("citizen"))

        # The informador's own share, small, with where its pointer is.
        self.preview_box = QFrame(panel)
        self.preview_box.setObjectName("ownSharePreview")
        self.preview_title = QLabel(self.preview_box)
        self.preview = GuidanceView("informador", self.preview_box)
        self.preview.setAccessibleName(_("Preview of the screen you are sharing"))
        self.preview.setFixedSize(240, 135)
        self.preview.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a picture, not a control
        box = QVBoxLayout(self.preview_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.preview_title)
        box.addWidget(self.preview)
        self.preview_box.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self.share_button.setText(_("Stop sharing") if self.sharing else _("Share screen…"))
        self.share_button.setAccessibleName(
            _("Stop sharing your screen") if self.sharing else _("Share your screen with the citizen")
        )
        self.share_button.setToolTip(
            (_("Stop sharing your screen") if self.sharing else _("Share your screen with the citizen"))
            + f" ({SHORTCUT})"
        )
        for tool, (text, description) in _tool_texts().items():
            button = self.guidance.tool_buttons[tool]
            button.setText(text)
            button.setAccessibleName(text)
            button.setToolTip(description)
        for button, (text, name) in zip(
            self._zoom_buttons,
            (("−", _("Zoom out")), ("+", _("Zoom in")), (_("Fit"), _("Fit the picture"))),
            strict=False,
        ):
            button.setText(text)
            button.setAccessibleName(name)
            button.setToolTip(name)
        self.guidance.zoom_label.setAccessibleName(_("Zoom"))
        self.guidance.clear_button.setText(_("Clear marks"))
        self.guidance.clear_button.setAccessibleName(_("Clear your marks from the citizen's screen"))
        editor = self.view.text_editor
        editor.setPlaceholderText(_("Text for the citizen's screen, then Enter"))
        editor.setAccessibleName(_("Text for the citizen's screen, then Enter"))
        self.preview_title.setText(
            _("The shared window is minimised: the citizen sees its last picture.")
            if self.window_hidden
            else _("Your shared screen")
        )

    # -- inputs -----------------------------------------------------------------------------------
    def reset(self) -> None:
        """A new call (or the end of one): nothing shared either way."""
        self.set_sharing(False, None)
        self.set_remote_share(False, 0, 0)

    def set_live(self, live: bool) -> None:
        if not live:
            self.reset()
        self.share_button.setEnabled(live)

    def set_sharing(self, on: bool, source: ShareSource | None) -> None:
        """The informador's own share started (with what) or stopped."""
        self.sharing = on
        self.window_hidden = False
        self.retranslate()
        self.preview_box.setVisible(on)
        if not on:
            self.preview.clear()
        if self.indicator is not None:
            self.indicator.close_all()
            self.indicator.deleteLater()
            self.indicator = None
        if on and source is not None:
            self.indicator = self._make_indicator(source.region)

    def move_share(self, source: ShareSource) -> None:
        """The shared window moved or was resized: the border follows it."""
        if self.indicator is not None:
            logical, bounds = _logical(source.region)
            self.indicator.place(logical, bounds)

    def set_window_hidden(self, hidden: bool) -> None:
        self.window_hidden = hidden
        self.retranslate()

    def set_windows(self, windows: list[AppWindow] | None) -> None:
        if self.picker is not None:
            self.picker.set_windows(windows)

    def set_preview(self, image: QImage) -> None:
        self.preview.set_image(image)

    def set_own_pointer(self, x: float, y: float, inside: bool) -> None:
        self.preview.remote_pointer = (x, y) if inside else None
        self.preview.update()

    def set_remote_share(self, on: bool, width: int, height: int) -> None:
        """The citizen started sharing (their screen becomes the main picture) or stopped."""
        if on == self.remote_sharing and (not on or width <= 0):
            return
        self.remote_sharing = on
        if on:
            self.view.set_source_size(width, height)
        else:
            self.view.clear()
            self.view.set_source_size(0, 0)
            self.view.fit()
        self.guidance.setVisible(on)
        self._remote_video.setVisible(not on)
        if on:
            self.view.setFocus()

    def set_remote_screen(self, image: QImage) -> None:
        if self.remote_sharing:
            self.view.set_image(image)

    def set_remote_camera(self, image: QImage) -> None:
        if self.remote_sharing:
            self.camera_thumb.set_image(image)

    def apply_guidance(self, msg: object) -> None:
        self.view.apply_guidance(msg)

    def add_mark(self, mark: MarkMessage | None) -> None:
        """A mark as it was sent (its real id), so the citizen's "clear" and ours agree."""
        if mark is not None:
            self.view.apply_guidance(mark)

    def point_at(self, label: MarkMessage | None) -> None:
        """The wizard's "Point at this step": the step's label as sent, and the pointer tool ready, so
        the informador's next mouse move over the citizen's screen is the live pointer there."""
        if not self.remote_sharing:
            return
        self.add_mark(label)
        self.guidance.tool_buttons["pointer"].click()
        self.view.setFocus()

    # -- slots ------------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        """Keeps the camera thumbnail in the shared screen's bottom-right corner, a fifth of its width."""
        if watched is self.view and event is not None and event.type() == QEvent.Type.Resize:
            area = self.view.size()
            width = max(160, area.width() // 5)
            height = width * 9 // 16
            self.camera_thumb.setGeometry(
                area.width() - width - 10, area.height() - height - 10, width, height
            )
            self.camera_thumb.raise_()
            self.screen_size_changed.emit(area)
        return super().eventFilter(watched, event)

    def _on_share_clicked(self) -> None:
        if self.sharing:
            self.stop_requested.emit()
            return
        self.open_picker()

    def open_picker(self) -> SharePicker:
        if self.picker is not None:
            self.picker.close()
        picker = SharePicker(self.monitor_provider(), self._panel)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.chosen.connect(self._on_chosen)
        picker.destroyed.connect(lambda: setattr(self, "picker", None))
        self.picker = picker
        picker.open()
        self.windows_wanted.emit()
        return picker

    def _on_chosen(self, kind: str, choice: Region | AppWindow | None) -> None:
        if kind == "monitor" and isinstance(choice, Region):
            self.share_requested.emit(ShareSource("monitor", choice))
        elif kind == "window" and isinstance(choice, AppWindow):
            self.share_requested.emit(ShareSource("window", choice.region, choice.title, choice.handle))
        else:
            self.select_region(kind)

    def select_region(self, kind: str) -> RegionSelector:
        """Drag a rectangle over the screen the panel is on; it is shared when released."""
        screen = self._panel.screen() or QGuiApplication.primaryScreen()
        assert screen is not None
        hint = (
            _("Drag over the window to share. The area will not follow the window if it moves. Esc cancels.")
            if kind == "window"
            else _("Drag to choose the part of the screen to share. Esc cancels.")
        )
        selector = RegionSelector(screen.geometry(), screen.devicePixelRatio(), hint)
        selector.selected.connect(lambda region: self.share_requested.emit(ShareSource(kind, region)))
        selector.destroyed.connect(lambda: setattr(self, "selector", None))
        self.selector = selector
        selector.show()
        selector.activateWindow()
        return selector

    def _make_indicator(self, region: Region) -> SharingIndicator:
        logical, bounds = _logical(region)
        indicator = SharingIndicator(logical, bounds, _("You are sharing this screen"))
        indicator.stop_button.setText(_("Stop sharing"))
        indicator.stop_button.setAccessibleName(_("Stop sharing your screen"))
        indicator.stop_requested.connect(self.stop_requested)
        indicator.show_all()
        return indicator
