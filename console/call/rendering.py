"""Decoded video frames → ``QImage`` off the GUI thread, latest frame wins.

With qasync the asyncio loop *is* the GUI thread, so converting a 720p frame to RGB there (2-4 ms) would
steal from painting. :class:`FrameRenderer` converts (and scales to the widget's size) in its own
one-thread executor and emits only the finished ``QImage``; while a conversion is running, newer frames
replace the pending one, so a slow GUI drops frames instead of queueing latency. Painting on a QImage
in a worker thread is allowed by Qt; touching widgets is not.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from typing import Any

from PyQt6.QtCore import QObject, QSize, pyqtSignal
from PyQt6.QtGui import QImage

log = logging.getLogger("videoatencio.call")


def frame_to_qimage(frame: Any, target: QSize | None) -> QImage:
    """Convert an ``av.VideoFrame`` to RGB888, scaled to fit ``target`` with its aspect ratio kept."""
    w, h = frame.width, frame.height
    if target is not None and target.width() > 0 and target.height() > 0:
        scale = min(target.width() / w, target.height() / h, 1.0)  # never upscale: the widget does that
        w, h = max(2, int(w * scale) & ~1), max(2, int(h * scale) & ~1)
    rgb = frame.reformat(width=w, height=h, format="rgb24").to_ndarray()
    if not rgb.flags.c_contiguous:
        # libav pads some line widths (scaled screen shares): to_ndarray gives a strided view, whose
        # non-contiguous buffer QImage refuses. One compact copy.
        rgb = rgb.copy()
    image = QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888)
    return image.copy()  # detach from the numpy buffer before it is freed


class FrameRenderer(QObject):
    """Feeds one video view.

    Signals:
        frame_ready(QImage): emitted on the GUI thread with the newest converted frame.
    """

    frame_ready = pyqtSignal(QImage)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor: concurrent.futures.ThreadPoolExecutor | None = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"call-render-{name}"
        )
        self._pending: Any = None
        self._busy = False
        self.target_size: QSize | None = None
        self.converted = 0
        self.dropped = 0

    def submit(self, frame: Any) -> None:
        """Offer a frame (on the loop thread). Never blocks; may drop an older pending frame."""
        if self._executor is None:
            return
        if self._busy:
            if self._pending is not None:
                self.dropped += 1
            self._pending = frame
            return
        self._start(frame)

    def _start(self, frame: Any) -> None:
        assert self._executor is not None
        self._busy = True
        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(self._executor, frame_to_qimage, frame, self.target_size)
        fut.add_done_callback(self._done)

    def _done(self, fut: asyncio.Future[QImage]) -> None:
        self._busy = False
        if fut.cancelled() or self._executor is None:
            return
        exc = fut.exception()
        if exc is not None:
            log.warning("video frame conversion failed: %s", exc)
        else:
            self.converted += 1
            self.frame_ready.emit(fut.result())
        frame, self._pending = self._pending, None
        if frame is not None:
            self._start(frame)

    def close(self) -> None:
        """Stop converting and join the worker thread (idempotent)."""
        executor, self._executor = self._executor, None
        self._pending = None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
