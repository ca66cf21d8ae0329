"""macOS application windows through CoreGraphics' window list (ctypes): see
:mod:`console.screenshare.window_list`. Not exercised by the test suite (no macOS machine here)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import Any

from console.screenshare.capture import Region
from console.screenshare.window_list import MIN_SIZE, AppWindow, WindowGone, WindowPlace, overlapping

_P = ctypes.c_void_p
_u32 = ctypes.c_uint32


class _CGPoint(ctypes.Structure):
    _fields_ = [("x", ctypes.c_double), ("y", ctypes.c_double)]


class _CGSize(ctypes.Structure):
    _fields_ = [("width", ctypes.c_double), ("height", ctypes.c_double)]


class _CGRect(ctypes.Structure):
    _fields_ = [("origin", _CGPoint), ("size", _CGSize)]


class QuartzFinder:
    """CGWindowListCopyWindowInfo: on-screen windows front to back, bounds in points (mss's units on
    macOS). Layer 0 only: the menu bar, Dock and overlays live on other layers. A window that is not
    on screen (minimised, hidden app) is listed by CGWindowListCopyWindowInfo(kCGWindowListOptionAll)
    but not by the on-screen list; that tells minimised from closed."""

    ON_SCREEN_ONLY = 1
    EXCLUDE_DESKTOP = 16
    OPTION_ALL = 0
    UTF8 = 0x08000100
    NUMBER_SINT64 = 4

    def __init__(self, own_pid: int | None = None) -> None:
        self._own_pid = os.getpid() if own_pid is None else own_pid
        cf = ctypes.CDLL(ctypes.util.find_library("CoreFoundation") or "CoreFoundation")
        cg = ctypes.CDLL(ctypes.util.find_library("CoreGraphics") or "CoreGraphics")
        self._cf, self._cg = cf, cg
        cg.CGWindowListCopyWindowInfo.restype = _P
        cg.CGWindowListCopyWindowInfo.argtypes = [_u32, _u32]
        cg.CGRectMakeWithDictionaryRepresentation.restype = ctypes.c_bool
        cg.CGRectMakeWithDictionaryRepresentation.argtypes = [_P, ctypes.POINTER(_CGRect)]
        cf.CFArrayGetCount.restype = ctypes.c_long
        cf.CFArrayGetCount.argtypes = [_P]
        cf.CFArrayGetValueAtIndex.restype = _P
        cf.CFArrayGetValueAtIndex.argtypes = [_P, ctypes.c_long]
        cf.CFDictionaryGetValue.restype = _P
        cf.CFDictionaryGetValue.argtypes = [_P, _P]
        cf.CFNumberGetValue.restype = ctypes.c_bool
        cf.CFNumberGetValue.argtypes = [_P, ctypes.c_int, _P]
        cf.CFStringCreateWithCString.restype = _P
        cf.CFStringCreateWithCString.argtypes = [_P, ctypes.c_char_p, _u32]
        cf.CFStringGetCString.restype = ctypes.c_bool
        cf.CFStringGetCString.argtypes = [_P, ctypes.c_char_p, ctypes.c_long, _u32]
        cf.CFRelease.argtypes = [_P]
        self._keys = {
            k: cf.CFStringCreateWithCString(None, k.encode(), self.UTF8)
            for k in ("kCGWindowNumber", "kCGWindowLayer", "kCGWindowBounds", "kCGWindowName",
                      "kCGWindowOwnerName", "kCGWindowOwnerPID")
        }  # fmt: skip

    def close(self) -> None:
        keys, self._keys = self._keys, {}
        for key in keys.values():
            if key:
                self._cf.CFRelease(key)

    def _info(self, options: int) -> list[dict[str, Any]]:
        array = self._cg.CGWindowListCopyWindowInfo(options, 0)
        if not array:
            return []
        try:
            return [
                self._entry(self._cf.CFArrayGetValueAtIndex(array, i))
                for i in range(self._cf.CFArrayGetCount(array))
            ]
        finally:
            self._cf.CFRelease(array)

    def _entry(self, d: int) -> dict[str, Any]:
        cf = self._cf

        def number(key: str) -> int:
            value = cf.CFDictionaryGetValue(d, self._keys[key])
            out = ctypes.c_int64(0)
            if value:
                cf.CFNumberGetValue(value, self.NUMBER_SINT64, ctypes.byref(out))
            return int(out.value)

        def text(key: str) -> str:
            value = cf.CFDictionaryGetValue(d, self._keys[key])
            buf = ctypes.create_string_buffer(1024)
            if value and cf.CFStringGetCString(value, buf, 1024, self.UTF8):
                return buf.value.decode("utf-8", "replace")
            return ""

        rect = _CGRect()
        bounds = cf.CFDictionaryGetValue(d, self._keys["kCGWindowBounds"])
        region = None
        if bounds and self._cg.CGRectMakeWithDictionaryRepresentation(bounds, ctypes.byref(rect)):
            region = Region(
                int(rect.origin.x), int(rect.origin.y), int(rect.size.width), int(rect.size.height)
            )
        return {
            "id": number("kCGWindowNumber"),
            "layer": number("kCGWindowLayer"),
            "pid": number("kCGWindowOwnerPID"),
            "title": text("kCGWindowName"),
            "app": text("kCGWindowOwnerName"),
            "region": region,
        }

    def windows(self) -> list[AppWindow]:
        out = []
        for w in self._info(self.ON_SCREEN_ONLY | self.EXCLUDE_DESKTOP):  # front to back
            r = w["region"]
            if w["layer"] != 0 or w["pid"] == self._own_pid or r is None:
                continue
            if r.width >= MIN_SIZE and r.height >= MIN_SIZE:
                # Window titles need the screen-recording permission; the owner's name always shows.
                out.append(AppWindow(w["id"], w["title"] or w["app"], w["app"], r))
        return out

    def locate(self, handle: int) -> WindowPlace:
        on_screen = [w for w in self._info(self.ON_SCREEN_ONLY | self.EXCLUDE_DESKTOP) if w["layer"] == 0]
        index = next((i for i, w in enumerate(on_screen) if w["id"] == handle), None)
        if index is None:
            if any(w["id"] == handle for w in self._info(self.OPTION_ALL)):
                return WindowPlace(None)  # minimised or hidden
            raise WindowGone(handle)
        region = on_screen[index]["region"]
        if region is None:
            return WindowPlace(None)
        above = [w["region"] for w in on_screen[:index] if w["region"] is not None]
        return WindowPlace(region, overlapping(region, above))
