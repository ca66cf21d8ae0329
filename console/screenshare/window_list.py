"""The operating system's application windows: listed for the share picker, then followed while shared.

mss grabs screen pixels, so sharing a window means grabbing the rectangle the window occupies *now*:
:class:`WindowFinder` lists the top-level windows (title, application, where they are, in stacking
order) and ``locate`` says where one is at each moment, whether it is minimised, or that it is gone.
What lies *over* the shared window would be grabbed with it (another citizen's file, the console's
agenda), so ``locate`` also returns the rectangles of the windows stacked above it, which the
capture blanks out (:func:`blank_out`).

One finder per platform, all in ctypes over the system's own libraries (no extra dependency):
X11 through libxcb (windows_x11), Windows through user32/dwmapi (windows_win32), macOS through
CoreGraphics' window list (windows_quartz). :func:`open_finder` returns None where none applies
(Wayland without XWayland, the offscreen test platform); the picker then offers the dragged
rectangle instead.

Qt-free. A finder is used from one thread at a time (the capture thread, or a worker for listing).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from console.screenshare.capture import Region

MIN_SIZE = 40  # px: smaller "windows" are docks, tray icons and helper windows, not something to share


@dataclass(frozen=True, slots=True)
class AppWindow:
    """A top-level window as the picker shows it. ``handle`` is the OS's id (X window, HWND, CGWindowID)."""

    handle: int
    title: str
    app: str
    region: Region


@dataclass(frozen=True, slots=True)
class WindowPlace:
    """Where a shared window is now: its rectangle (None while minimised or hidden) and ``above``, the
    rectangles of the windows stacked over it that overlap it (desktop coordinates, like ``region``)."""

    region: Region | None
    above: tuple[Region, ...] = ()


class WindowGone(Exception):
    """The shared window was closed."""


class WindowFinder(Protocol):
    def windows(self) -> list[AppWindow]:
        """Shareable windows, top-most first; the console's own windows are left out."""
        ...

    def locate(self, handle: int) -> WindowPlace:
        """Where the window is now. Raises WindowGone once it no longer exists."""
        ...

    def close(self) -> None: ...


def open_finder(display: str | None = None) -> WindowFinder | None:
    """The finder for this platform, or None where windows cannot be listed (then share a region)."""
    try:
        if sys.platform == "win32":
            from console.screenshare.windows_win32 import Win32Finder

            return Win32Finder()
        if sys.platform == "darwin":
            from console.screenshare.windows_quartz import QuartzFinder

            return QuartzFinder()
        if display or os.environ.get("DISPLAY"):
            from console.screenshare.windows_x11 import XcbFinder

            return XcbFinder(display)
    except (OSError, AttributeError, WindowListError):
        return None
    return None


class WindowListError(Exception):
    """The window system could not be reached (no X server, library missing)."""


def covering(target: Region, above: Sequence[Region]) -> tuple[Region, ...]:
    """The parts of ``target`` that the rectangles ``above`` overlap, relative to ``target``."""
    out: list[Region] = []
    for r in above:
        left, top = max(r.left, target.left), max(r.top, target.top)
        right = min(r.left + r.width, target.left + target.width)
        bottom = min(r.top + r.height, target.top + target.height)
        if right > left and bottom > top:
            out.append(Region(left - target.left, top - target.top, right - left, bottom - top))
    return tuple(out)


def overlapping(target: Region, rects: Sequence[Region]) -> tuple[Region, ...]:
    return tuple(r for r, part in zip(rects, (covering(target, [r]) for r in rects), strict=True) if part)


class WindowFollower:
    """Where a shared window is, for the capture thread: asks the finder at most every ``interval``
    seconds (a window being dragged moves the share 4 times a second; each ask is ~1-8 ms), clamps the
    window to the desktop, and gives the covered parts relative to the clamped rectangle.

    The finder is opened on first use, in the thread that uses it (X connections are not shared
    between threads here), and closed by ``close()`` from that same thread.
    """

    def __init__(
        self,
        handle: int,
        finder: Callable[[], WindowFinder | None] = open_finder,
        desktop: Callable[[], Region] | None = None,
        interval: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.handle = handle
        self._open_finder = finder
        self._desktop = desktop
        self._bounds: Region | None = None
        self.interval = interval
        self._clock = clock
        self._finder: WindowFinder | None = None
        self._asked = -1e9
        self._last: tuple[Region | None, tuple[Region, ...]] = (None, ())

    def place(self) -> tuple[Region | None, tuple[Region, ...]]:
        """(the rectangle to grab or None while the window cannot be seen, covered parts relative to
        it). Raises WindowGone once the window is closed."""
        now = self._clock()
        if now - self._asked < self.interval:
            return self._last
        self._asked = now
        if self._finder is None:
            self._finder = self._open_finder()
            if self._finder is None:
                raise WindowListError("the window system cannot list windows here")
        if self._bounds is None and self._desktop is not None:
            self._bounds = self._desktop()
        place = self._finder.locate(self.handle)
        region = place.region
        if region is not None and self._bounds is not None:
            try:
                region = region.clamped(self._bounds)
            except ValueError:  # moved wholly off the screen
                region = None
        self._last = (region, covering(region, place.above) if region is not None else ())
        return self._last

    def close(self) -> None:
        finder, self._finder = self._finder, None
        if finder is not None:
            finder.close()


# Blanked parts are a flat mid grey: plainly "hidden" to the citizen, cheap to encode.
BLANK_BGRA = (0x80, 0x80, 0x80, 0xFF)


def blank_out(raw: bytes, width: int, height: int, covered: Sequence[Region]) -> bytes:
    """A BGRA grab with the ``covered`` rectangles (relative to the grab) painted grey."""
    if not covered:
        return raw
    import numpy as np

    pixels = np.frombuffer(raw, np.uint8).reshape(height, width, 4).copy()
    for r in covered:
        pixels[max(0, r.top) : r.top + r.height, max(0, r.left) : r.left + r.width] = BLANK_BGRA
    return pixels.tobytes()
