"""A widget that paints the latest video ``QImage`` with its aspect ratio kept."""

from __future__ import annotations

from PyQt6.QtCore import QRect, QSize, Qt, pyqtSignal, pyqtSlot
from PyQt6.QtGui import QColor, QImage, QPainter, QPaintEvent, QResizeEvent
from PyQt6.QtWidgets import QSizePolicy, QWidget


class VideoWidget(QWidget):
    """Shows frames from a :class:`~console.call.rendering.FrameRenderer` (connect ``frame_ready`` to
    :meth:`set_image`). Painting only draws a ready ``QImage``: no conversion happens here.

    Signals:
        display_size_changed(QSize): the size frames should be scaled to (device pixels), for the renderer.
    """

    display_size_changed = pyqtSignal(QSize)

    def __init__(self, parent: QWidget | None = None, placeholder: str = "") -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._placeholder = placeholder
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)
        self.frames_painted = 0

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    @pyqtSlot(QImage)
    def set_image(self, image: QImage) -> None:
        self._image = image
        self.update()

    def clear(self, placeholder: str | None = None) -> None:
        """Drop the picture (camera off, call ended) and show ``placeholder`` text instead."""
        self._image = None
        if placeholder is not None:
            self._placeholder = placeholder
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def image_rect(self) -> QRect:
        """Where the current image is drawn: centred, scaled to fit, aspect ratio kept."""
        if self._image is None or self._image.isNull():
            return QRect()
        size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        return QRect(
            (self.width() - size.width()) // 2,
            (self.height() - size.height()) // 2,
            size.width(),
            size.height(),
        )

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor(0, 0, 0))
            if self._image is not None and not self._image.isNull():
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                painter.drawImage(self.image_rect(), self._image)
                self.frames_painted += 1
            if self._placeholder and self._image is None:
                painter.setPen(QColor(230, 230, 230))
                painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._placeholder)
        finally:
            painter.end()

    def resizeEvent(self, event: QResizeEvent | None) -> None:
        super().resizeEvent(event)
        ratio = self.devicePixelRatioF()
        self.display_size_changed.emit(QSize(int(self.width() * ratio), int(self.height() * ratio)))
