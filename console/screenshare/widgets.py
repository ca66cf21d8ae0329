"""Qt widgets for screen sharing: the guidance view, its tool bar, the region selector and the
"you are sharing" border with its one-click stop bar.

Qt-only (no mss/av/aiortc); widgets never touch the network: they emit signals that the call panel
connects to :class:`~console.screenshare.controller.ScreenShareController`.
"""

from __future__ import annotations

import math

from PyQt6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, pyqtSignal, pyqtSlot
from PyQt6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PyQt6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.call.messages import ClearMarksMessage, MarkMessage, PointerMessage
from console.screenshare.capture import Region

TOOLS = ("pointer", "arrow", "box", "highlight", "text", "pan")
MIN_ZOOM, MAX_ZOOM = 1.0, 8.0
MARK_COLOUR = QColor(228, 0, 58)
HIGHLIGHT_COLOUR = QColor(255, 221, 0, 90)
POINTER_COLOUR = QColor(255, 45, 45, 220)


def paint_marks(
    painter: QPainter,
    target: QRectF,
    marks: list[MarkMessage],
    pointer: tuple[float, float] | None,
    preview: MarkMessage | None = None,
) -> None:
    """Draw marks and the pointer, given in fractions of the picture, onto ``target`` (widget px)."""

    def pt(x: float, y: float) -> QPointF:
        return QPointF(target.x() + x * target.width(), target.y() + y * target.height())

    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for m in [*marks, *([preview] if preview else [])]:
        a, b = pt(m.x1, m.y1), pt(m.x2, m.y2)
        painter.setPen(QPen(MARK_COLOUR, 3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if m.kind == "box":
            painter.drawRect(QRectF(a, b).normalized())
        elif m.kind == "highlight":
            painter.fillRect(QRectF(a, b).normalized(), HIGHLIGHT_COLOUR)
        elif m.kind == "arrow":
            painter.drawLine(a, b)
            angle = math.atan2(b.y() - a.y(), b.x() - a.x())
            head = QPolygonF(
                [b]
                + [
                    QPointF(b.x() - 16 * math.cos(angle + d), b.y() - 16 * math.sin(angle + d))
                    for d in (-0.45, 0.45)
                ]
            )
            painter.setBrush(QBrush(MARK_COLOUR))
            painter.drawPolygon(head)
        elif m.kind == "text" and m.text:
            font = QFont(painter.font())
            font.setBold(True)
            font.setPointSize(12)
            painter.setFont(font)
            box = painter.boundingRect(QRectF(a, QSize(600, 40).toSizeF()), 0, m.text).adjusted(-4, -3, 4, 3)
            painter.fillRect(box, QColor(255, 255, 255, 230))
            painter.drawText(
                box, Qt.AlignmentFlag.AlignCenter, m.text
            )  # plain text: QPainter never parses HTML
    if pointer is not None:
        c = pt(*pointer)
        painter.setPen(QPen(QColor(255, 255, 255), 2))
        painter.setBrush(QBrush(POINTER_COLOUR))
        painter.drawEllipse(c, 9, 9)


class _MarkTextEditor(QLineEdit):
    """The Text tool's in-place editor: ``committed(text)`` on Enter (stripped, ≤ 200 characters, the
    protocol's limit); Esc or clicking away hides it without a mark."""

    committed = pyqtSignal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("markTextEditor")
        self.setMaxLength(200)
        self.setPlaceholderText("Text to show on the screen")
        self.setAccessibleName("Text to show on the screen")
        self.hide()
        self.returnPressed.connect(self._commit)

    def _commit(self) -> None:
        text = self.text().strip()
        self.hide()
        self.committed.emit(text)

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        assert event is not None
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            self.committed.emit("")
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent | None) -> None:
        super().focusOutEvent(event)
        if self.isVisible():
            self.hide()
            self.committed.emit("")


class GuidanceView(QWidget):
    """A shared screen, scaled to fit × zoom, with pan, a live pointer and drawing tools.

    Coordinates on the wire are fractions of the picture (0..1). ``surface`` says whose screen this is
    ("citizen" for the citizen's share, "informador" for the own-share preview).

    Signals:
        pointer_moved(float, float, bool): the mouse over the picture (x, y, inside), unthrottled.
        mark_drawn(object): a finished MarkMessage-shaped draft (id is filled by the controller).
        marks_cleared(): "Clear marks" was used here.
        zoom_changed(float)
    """

    pointer_moved = pyqtSignal(float, float, bool)
    mark_drawn = pyqtSignal(object)
    marks_cleared = pyqtSignal()
    zoom_changed = pyqtSignal(float)

    def __init__(
        self, surface: str = "citizen", parent: QWidget | None = None, placeholder: str = ""
    ) -> None:
        super().__init__(parent)
        self.surface = surface
        self._image: QImage | None = None
        self._source_size: QSize | None = None  # the shared picture's real size (share-started)
        self.zoom = 1.0
        self._centre = QPointF(0.5, 0.5)  # fraction of the picture at the middle of the view
        self.tool = "pointer"
        self.marks: dict[str, MarkMessage] = {}
        self.remote_pointer: tuple[float, float] | None = None
        self._drag_start: QPointF | None = None
        self._drag_now: QPointF | None = None
        self._pan_from: tuple[QPointF, QPointF] | None = None
        self._placeholder = placeholder
        self._draft_ids = 0
        # The Text tool writes in place: a line edit at the click, not a modal dialog (its nested
        # event loop would re-enter the asyncio loop). Enter places the text, Esc drops it.
        self.text_editor = _MarkTextEditor(self)
        self.text_editor.committed.connect(self._place_text)
        self._text_at: tuple[float, float] | None = None
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 135)
        self.frames_painted = 0

    def sizeHint(self) -> QSize:
        return QSize(960, 540)

    # --- picture --------------------------------------------------------------------------------------

    @pyqtSlot(QImage)
    def set_image(self, image: QImage) -> None:
        self._image = image
        self.update()

    def set_source_size(self, width: int, height: int) -> None:
        self._source_size = QSize(width, height) if width > 0 and height > 0 else None
        self.update()

    def clear(self) -> None:
        self._image = None
        self.marks.clear()
        self.remote_pointer = None
        self.update()

    def picture_size(self) -> QSize:
        if self._image is not None and not self._image.isNull():
            return self._image.size()
        return self._source_size or QSize(16, 9)

    def image_rect(self) -> QRectF:
        """Where the whole picture lies in widget coordinates at the current zoom and pan."""
        size = self.picture_size().toSizeF().scaled(self.size().toSizeF(), Qt.AspectRatioMode.KeepAspectRatio)
        w, h = size.width() * self.zoom, size.height() * self.zoom
        return QRectF(self.width() / 2 - self._centre.x() * w, self.height() / 2 - self._centre.y() * h, w, h)

    def to_fraction(self, pos: QPointF) -> tuple[float, float] | None:
        """Widget position → fraction of the picture, or None outside it."""
        r = self.image_rect()
        if r.width() <= 0 or not r.contains(pos):
            return None
        return (pos.x() - r.x()) / r.width(), (pos.y() - r.y()) / r.height()

    def from_fraction(self, x: float, y: float) -> QPointF:
        r = self.image_rect()
        return QPointF(r.x() + x * r.width(), r.y() + y * r.height())

    # --- zoom and pan --------------------------------------------------------------------------------

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the picture point under ``anchor`` (default: the centre) in place."""
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        anchor = anchor or QPointF(self.width() / 2, self.height() / 2)
        r = self.image_rect()
        fx = (anchor.x() - r.x()) / r.width() if r.width() else 0.5
        fy = (anchor.y() - r.y()) / r.height() if r.height() else 0.5
        self.zoom = zoom
        r2 = self.image_rect()
        # Solve for the centre that puts (fx, fy) back under the anchor.
        self._centre = QPointF(
            fx - (anchor.x() - self.width() / 2) / r2.width(),
            fy - (anchor.y() - self.height() / 2) / r2.height(),
        )
        self._clamp_centre()
        self.zoom_changed.emit(self.zoom)
        self.update()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * 1.25)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / 1.25)

    def fit(self) -> None:
        self._centre = QPointF(0.5, 0.5)
        self.set_zoom(1.0)

    def _clamp_centre(self) -> None:
        half = 0.5 / self.zoom  # at zoom z only 1/z of the picture shows: keep the view inside it
        self._centre = QPointF(
            min(1 - half, max(half, self._centre.x())), min(1 - half, max(half, self._centre.y()))
        )

    # --- guidance state ----------------------------------------------------------------------------

    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}")
        self.tool = tool
        self.setCursor(Qt.CursorShape.OpenHandCursor if tool == "pan" else Qt.CursorShape.CrossCursor)

    def apply_guidance(self, msg: object) -> None:
        """Show a pointer/mark/clear-marks message meant for this surface (others are ignored)."""
        if isinstance(msg, PointerMessage) and msg.surface == self.surface:
            self.remote_pointer = (msg.x, msg.y) if msg.visible else None
        elif isinstance(msg, MarkMessage) and msg.surface == self.surface:
            self.marks[msg.id] = msg
        elif isinstance(msg, ClearMarksMessage) and msg.surface == self.surface:
            self.marks.clear()
        else:
            return
        self.update()

    def clear_marks(self) -> None:
        self.marks.clear()
        self.update()
        self.marks_cleared.emit()

    def _ask_text(self, pos: QPointF, frac: tuple[float, float]) -> None:
        self._text_at = frac
        editor = self.text_editor
        editor.clear()
        editor.adjustSize()
        width = max(220, editor.sizeHint().width())
        x = min(max(0, int(pos.x())), max(0, self.width() - width))
        y = min(
            max(0, int(pos.y()) - editor.sizeHint().height() // 2),
            max(0, self.height() - editor.sizeHint().height()),
        )
        editor.setGeometry(x, y, width, editor.sizeHint().height())
        editor.show()
        editor.raise_()
        editor.setFocus()

    def _place_text(self, text: str) -> None:
        frac, self._text_at = self._text_at, None
        self.setFocus()
        if frac is not None and text:
            self.mark_drawn.emit(self._draft(frac, frac, text))

    def _draft(self, a: tuple[float, float], b: tuple[float, float], text: str = "") -> MarkMessage:
        self._draft_ids += 1
        kind = self.tool if self.tool in ("arrow", "box", "highlight", "text") else "box"
        return MarkMessage(f"draft{self._draft_ids}", self.surface, kind, *a, *b, text)  # type: ignore[arg-type]

    # --- events -------------------------------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:
        assert event is not None
        pos = event.position()
        if self._pan_from is not None:
            start, centre = self._pan_from
            r = self.image_rect()
            self._centre = QPointF(
                centre.x() - (pos.x() - start.x()) / r.width(),
                centre.y() - (pos.y() - start.y()) / r.height(),
            )
            self._clamp_centre()
            self.update()
            return
        if self._drag_start is not None:
            self._drag_now = pos
            self.update()
        frac = self.to_fraction(pos)
        if frac is None:
            self.pointer_moved.emit(0.0, 0.0, False)
        else:
            self.pointer_moved.emit(frac[0], frac[1], True)

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        assert event is not None
        pos = event.position()
        if self.tool == "pan" or event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = (pos, QPointF(self._centre))
            return
        if event.button() != Qt.MouseButton.LeftButton or self.to_fraction(pos) is None:
            return
        if self.tool == "text":
            frac = self.to_fraction(pos)
            if frac is not None:
                self._ask_text(pos, frac)
            return
        if self.tool in ("arrow", "box", "highlight"):
            self._drag_start = self._drag_now = pos

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:
        assert event is not None
        if self._pan_from is not None:
            self._pan_from = None
            return
        if self._drag_start is None:
            return
        a = self._clamped_fraction(self._drag_start)
        b = self._clamped_fraction(event.position())
        self._drag_start = self._drag_now = None
        self.update()
        if abs(a[0] - b[0]) + abs(a[1] - b[1]) < 0.005:
            return  # a click, not a drag
        self.mark_drawn.emit(self._draft(a, b))

    def _clamped_fraction(self, pos: QPointF) -> tuple[float, float]:
        r = self.image_rect()
        return (
            min(1.0, max(0.0, (pos.x() - r.x()) / r.width())),
            min(1.0, max(0.0, (pos.y() - r.y()) / r.height())),
        )

    def leaveEvent(self, event: object) -> None:
        self.pointer_moved.emit(0.0, 0.0, False)

    def wheelEvent(self, event: QWheelEvent | None) -> None:
        assert event is not None
        steps = event.angleDelta().y() / 120
        if steps:
            self.set_zoom(self.zoom * (1.25**steps), event.position())

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        assert event is not None
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key == Qt.Key.Key_Minus:
            self.zoom_out()
        elif key == Qt.Key.Key_0:
            self.fit()
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent | None) -> None:
        super().resizeEvent(event)
        self._clamp_centre()

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor(20, 20, 20))
            r = self.image_rect()
            if self._image is not None and not self._image.isNull():
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                painter.drawImage(r, self._image)
                self.frames_painted += 1
            elif self._placeholder:
                painter.setPen(QColor(230, 230, 230))
                painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._placeholder)
            preview = None
            if self._drag_start is not None and self._drag_now is not None:
                preview = self._draft(
                    self._clamped_fraction(self._drag_start), self._clamped_fraction(self._drag_now)
                )
                self._draft_ids -= 1
            paint_marks(painter, r, list(self.marks.values()), self.remote_pointer, preview)
        finally:
            painter.end()


class GuidancePanel(QWidget):
    """Tool bar (pointer, arrow, box, highlight, text, pan; zoom −/+/fit; clear marks) over a view."""

    def __init__(
        self, surface: str = "citizen", parent: QWidget | None = None, placeholder: str = ""
    ) -> None:
        super().__init__(parent)
        self.view = GuidanceView(surface, self, placeholder)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        self.tools = QButtonGroup(self)
        labels = {
            "pointer": "Pointer",
            "arrow": "Arrow",
            "box": "Box",
            "highlight": "Highlight",
            "text": "Text",
            "pan": "Move",
        }
        self.tool_buttons: dict[str, QToolButton] = {}
        for tool, label in labels.items():
            b = QToolButton(self)
            b.setText(label)
            b.setCheckable(True)
            b.setChecked(tool == "pointer")
            b.setObjectName(f"tool-{tool}")
            b.clicked.connect(lambda _=False, t=tool: self.view.set_tool(t))
            self.tools.addButton(b)
            self.tool_buttons[tool] = b
            bar.addWidget(b)
        bar.addStretch(1)
        self.zoom_label = QLabel("100 %", self)
        for text, slot in (("−", self.view.zoom_out), ("+", self.view.zoom_in), ("Fit", self.view.fit)):
            b = QToolButton(self)
            b.setText(text)
            b.clicked.connect(slot)
            bar.addWidget(b)
        bar.addWidget(self.zoom_label)
        self.clear_button = QPushButton("Clear marks", self)
        self.clear_button.clicked.connect(self.view.clear_marks)
        bar.addWidget(self.clear_button)
        self.view.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f} %"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)


def selection_region(a: QPoint, b: QPoint, screen_geometry: QRect, device_pixel_ratio: float) -> Region:
    """A rubber band dragged from ``a`` to ``b`` (widget coordinates of an overlay covering
    ``screen_geometry``, logical px) → a region of the desktop in physical px, as mss wants it."""
    r = Region.from_corners(a.x(), a.y(), b.x(), b.y())
    r = Region(r.left, r.top, max(0, min(r.width, screen_geometry.width() - r.left)), r.height)
    r = Region(r.left, r.top, r.width, max(0, min(r.height, screen_geometry.height() - r.top)))
    dpr = device_pixel_ratio
    return Region(
        round((screen_geometry.x() + r.left) * dpr),
        round((screen_geometry.y() + r.top) * dpr),
        round(r.width * dpr) & ~1,
        round(r.height * dpr) & ~1,
    )


class RegionSelector(QWidget):
    """A frameless window over one screen: drag a rectangle to share it; Esc cancels.

    Translucent where a compositor allows it (WA_TranslucentBackground); on X11 without one the shade
    is opaque but the band still works. Signals: ``selected(Region)``, ``cancelled()``.
    """

    selected = pyqtSignal(object)
    cancelled = pyqtSignal()

    def __init__(
        self,
        screen_geometry: QRect,
        device_pixel_ratio: float = 1.0,
        hint: str = "Drag to choose the part of the screen to share. Esc cancels.",
    ) -> None:
        super().__init__(
            None,
            Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool,
        )
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setGeometry(screen_geometry)  # showFullScreen does nothing without a window manager
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._screen = QRect(screen_geometry)
        self._dpr = device_pixel_ratio
        self._a: QPoint | None = None
        self._b: QPoint | None = None
        self.hint = hint  # the caller passes it translated (this module has no i18n)

    def band(self) -> QRect | None:
        if self._a is None or self._b is None:
            return None
        return QRect(self._a, self._b).normalized()

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        assert event is not None
        self._a = self._b = event.position().toPoint()
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:
        assert event is not None
        if self._a is not None:
            self._b = event.position().toPoint()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:
        assert event is not None
        if self._a is None:
            return
        region = selection_region(self._a, event.position().toPoint(), self._screen, self._dpr)
        self._a = self._b = None
        if region.width >= 16 and region.height >= 16:
            self.selected.emit(region)
            self.close()
        else:
            self.update()  # too small: a stray click; keep selecting

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        assert event is not None
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            self.close()

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        try:
            shade = QPainterPath()
            shade.addRect(QRectF(self.rect()))
            band = self.band()
            if band is not None:
                hole = QPainterPath()
                hole.addRect(QRectF(band))
                shade = shade.subtracted(hole)
            painter.fillPath(shade, QColor(0, 0, 0, 110))
            if band is not None:
                painter.setPen(QPen(MARK_COLOUR, 2))
                painter.drawRect(band)
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(
                self.rect().adjusted(0, 24, 0, 0),
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                self.hint,
            )
        finally:
            painter.end()


def border_strips(region: QRect, screen: QRect, thickness: int = 4) -> list[QRect]:
    """Four strips framing ``region`` just *outside* it where the screen has room (so the border is
    not captured into the share), inside it along screen edges (it is captured there)."""
    t = thickness
    outer = region.adjusted(-t, -t, t, t).intersected(screen)
    return [
        QRect(outer.left(), outer.top(), outer.width(), t),
        QRect(outer.left(), outer.bottom() - t + 1, outer.width(), t),
        QRect(outer.left(), outer.top(), t, outer.height()),
        QRect(outer.right() - t + 1, outer.top(), t, outer.height()),
    ]


class _Strip(QWidget):
    def __init__(self, rect: QRect) -> None:
        super().__init__(
            None,
            Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.Tool
            | Qt.WindowType.WindowTransparentForInput
            | Qt.WindowType.WindowDoesNotAcceptFocus,
        )
        self.setGeometry(rect)
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(self.backgroundRole(), MARK_COLOUR)
        self.setPalette(pal)


class SharingIndicator(QWidget):
    """The visible "you are sharing" frame (four opaque strip windows: no compositor needed) and a
    small floating bar with one-click "Stop sharing". ``stop_requested`` fires on the click."""

    stop_requested = pyqtSignal()

    def __init__(self, region: QRect, screen: QRect, label: str = "You are sharing this screen") -> None:
        super().__init__(
            None,
            Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool,
        )
        self.strips = [_Strip(r) for r in border_strips(region, screen)]
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        self.label = QLabel(label, self)
        self.stop_button = QPushButton("Stop sharing", self)
        self.stop_button.setObjectName("stop-sharing")
        self.stop_button.clicked.connect(self.stop_requested)
        layout.addWidget(self.label)
        layout.addWidget(self.stop_button)
        self.setStyleSheet(
            "SharingIndicator { background: #b00020; } QLabel { color: white; font-weight: 600; }"
            "QPushButton#stop-sharing { background: white; color: #b00020; font-weight: 700;"
            " padding: 4px 10px; }"
        )
        self.adjustSize()
        self.place(region, screen, strips=False)

    def place(self, region: QRect, screen: QRect, strips: bool = True) -> None:
        """Frame ``region`` (again: a shared window moved); the bar goes to its top centre, just above
        it when there is room (then it is not captured)."""
        if strips:
            for strip, rect in zip(self.strips, border_strips(region, screen), strict=True):
                strip.setGeometry(rect)
        x = region.center().x() - self.width() // 2
        y = region.top() - self.height() - 6
        if y < screen.top():
            y = region.top() + 6
        self.move(max(screen.left(), x), y)

    def show_all(self) -> None:
        for s in self.strips:
            s.show()
        self.show()

    def close_all(self) -> None:
        for s in self.strips:
            s.close()
            s.deleteLater()
        self.strips = []
        self.close()
