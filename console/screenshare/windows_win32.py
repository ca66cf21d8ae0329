"""Windows application windows through user32/dwmapi (ctypes): see
:mod:`console.screenshare.window_list`. Not exercised by the test suite (no Windows machine here)."""

from __future__ import annotations

import ctypes
import os
from typing import Any

from console.screenshare.capture import Region
from console.screenshare.window_list import MIN_SIZE, AppWindow, WindowGone, WindowPlace, overlapping

_P = ctypes.c_void_p


class Win32Finder:
    """Visible, un-owned, non-tool top-level windows in Z order (EnumWindows is top-most first); the
    rectangle is DWM's extended frame bounds (GetWindowRect adds the invisible resize borders).
    Physical pixels: mss makes the process per-monitor DPI aware, as Qt 6 does."""

    GW_OWNER = 4
    GWL_EXSTYLE = -20
    WS_EX_TOOLWINDOW = 0x00000080
    DWMWA_EXTENDED_FRAME_BOUNDS = 9
    DWMWA_CLOAKED = 14
    PROCESS_QUERY_LIMITED_INFORMATION = 0x1000

    def __init__(self, own_pid: int | None = None) -> None:
        from ctypes import wintypes

        self._own_pid = os.getpid() if own_pid is None else own_pid
        self._wt = wintypes
        windll: Any = getattr(ctypes, "WinDLL")  # noqa: B009 - absent on other platforms (mypy)
        self._user32 = windll("user32", use_last_error=True)
        self._dwm = windll("dwmapi")
        self._kernel32 = windll("kernel32", use_last_error=True)
        u = self._user32
        self._enum_proc = getattr(ctypes, "WINFUNCTYPE")(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)  # noqa: B009
        u.EnumWindows.argtypes = [self._enum_proc, wintypes.LPARAM]
        for fn in ("IsWindow", "IsWindowVisible", "IsIconic", "GetWindowTextLengthW"):
            getattr(u, fn).argtypes = [wintypes.HWND]
        u.GetWindow.argtypes = [wintypes.HWND, wintypes.UINT]
        u.GetWindow.restype = wintypes.HWND
        u.GetWindowLongW.argtypes = [wintypes.HWND, ctypes.c_int]
        u.GetWindowLongW.restype = ctypes.c_long
        u.GetWindowTextW.argtypes = [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int]
        u.GetWindowThreadProcessId.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.DWORD)]
        u.GetWindowRect.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.RECT)]
        self._dwm.DwmGetWindowAttribute.argtypes = [wintypes.HWND, wintypes.DWORD, _P, wintypes.DWORD]
        self._kernel32.OpenProcess.restype = wintypes.HANDLE
        self._kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
        self._kernel32.QueryFullProcessImageNameW.argtypes = [
            wintypes.HANDLE, wintypes.DWORD, wintypes.LPWSTR, ctypes.POINTER(wintypes.DWORD)
        ]  # fmt: skip
        self._kernel32.CloseHandle.argtypes = [wintypes.HANDLE]

    def close(self) -> None:
        pass

    def _z_order(self) -> list[int]:
        handles: list[int] = []

        def collect(hwnd: int, _param: int) -> bool:
            handles.append(int(hwnd or 0))
            return True

        self._user32.EnumWindows(self._enum_proc(collect), 0)
        return handles

    def _visible_rect(self, hwnd: int) -> Region | None:
        wt = self._wt
        rect = wt.RECT()
        if self._dwm.DwmGetWindowAttribute(
            hwnd, self.DWMWA_EXTENDED_FRAME_BOUNDS, ctypes.byref(rect), ctypes.sizeof(rect)
        ) != 0 and not self._user32.GetWindowRect(hwnd, ctypes.byref(rect)):
            return None
        return Region(rect.left, rect.top, rect.right - rect.left, rect.bottom - rect.top)

    def _shown(self, hwnd: int) -> bool:
        u = self._user32
        if not u.IsWindowVisible(hwnd) or u.IsIconic(hwnd):
            return False
        cloaked = ctypes.c_int(0)
        self._dwm.DwmGetWindowAttribute(
            hwnd, self.DWMWA_CLOAKED, ctypes.byref(cloaked), ctypes.sizeof(cloaked)
        )
        return cloaked.value == 0  # cloaked: on another virtual desktop, or a suspended UWP app

    def _pid(self, hwnd: int) -> int:
        pid = self._wt.DWORD(0)
        self._user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        return int(pid.value)

    def _app(self, pid: int) -> str:
        k = self._kernel32
        handle = k.OpenProcess(self.PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            return ""
        try:
            size = self._wt.DWORD(1024)
            buf = ctypes.create_unicode_buffer(size.value)
            if not k.QueryFullProcessImageNameW(handle, 0, buf, ctypes.byref(size)):
                return ""
            return os.path.splitext(os.path.basename(buf.value))[0]
        finally:
            k.CloseHandle(handle)

    def _title(self, hwnd: int) -> str:
        n = self._user32.GetWindowTextLengthW(hwnd)
        buf = ctypes.create_unicode_buffer(n + 1)
        self._user32.GetWindowTextW(hwnd, buf, n + 1)
        return buf.value.strip()

    def _is_app_window(self, hwnd: int) -> bool:
        u = self._user32
        return (
            self._shown(hwnd)
            and not u.GetWindow(hwnd, self.GW_OWNER)
            and not (u.GetWindowLongW(hwnd, self.GWL_EXSTYLE) & self.WS_EX_TOOLWINDOW)
        )

    def windows(self) -> list[AppWindow]:
        out: list[AppWindow] = []
        for hwnd in self._z_order():
            if not self._is_app_window(hwnd) or (pid := self._pid(hwnd)) == self._own_pid:
                continue
            title, region = self._title(hwnd), self._visible_rect(hwnd)
            if title and region is not None and region.width >= MIN_SIZE and region.height >= MIN_SIZE:
                out.append(AppWindow(hwnd, title, self._app(pid), region))
        return out

    def locate(self, handle: int) -> WindowPlace:
        if not self._user32.IsWindow(handle):
            raise WindowGone(handle)
        if not self._shown(handle):
            return WindowPlace(None)
        region = self._visible_rect(handle)
        if region is None:
            return WindowPlace(None)
        above: list[Region] = []
        for hwnd in self._z_order():
            if hwnd == handle:
                break
            if self._shown(hwnd) and (r := self._visible_rect(hwnd)) is not None:
                above.append(r)
        return WindowPlace(region, overlapping(region, above))
