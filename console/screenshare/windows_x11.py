"""X11 application windows through libxcb (ctypes): see :mod:`console.screenshare.window_list`.

Requests are pipelined, so listing 50 windows costs a few round trips (about 1-8 ms here); errors come
back per request instead of through a process-wide Xlib handler, so a window closing mid-list is
just skipped.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from dataclasses import dataclass
from typing import Any

from console.screenshare.capture import Region
from console.screenshare.window_list import (
    MIN_SIZE,
    AppWindow,
    WindowGone,
    WindowListError,
    WindowPlace,
    overlapping,
)

_u8, _u16, _u32, _i16 = ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32, ctypes.c_int16


class _Cookie(ctypes.Structure):
    _fields_ = [("sequence", ctypes.c_uint)]


class _GenericError(ctypes.Structure):
    _fields_ = [("response_type", _u8), ("error_code", _u8), ("sequence", _u16), ("resource_id", _u32)]


class _Screen(ctypes.Structure):
    _fields_ = [
        ("root", _u32),
        ("default_colormap", _u32),
        ("white_pixel", _u32),
        ("black_pixel", _u32),
        ("current_input_masks", _u32),
        ("width_in_pixels", _u16),
        ("height_in_pixels", _u16),
    ]


class _ScreenIterator(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(_Screen)), ("rem", ctypes.c_int), ("index", ctypes.c_int)]


class _InternAtomReply(ctypes.Structure):
    _fields_ = [("response_type", _u8), ("pad0", _u8), ("sequence", _u16), ("length", _u32), ("atom", _u32)]


class _GetPropertyReply(ctypes.Structure):
    _fields_ = [
        ("response_type", _u8),
        ("format", _u8),
        ("sequence", _u16),
        ("length", _u32),
        ("type", _u32),
        ("bytes_after", _u32),
        ("value_len", _u32),
        ("pad0", _u8 * 12),
    ]


class _QueryTreeReply(ctypes.Structure):
    _fields_ = [
        ("response_type", _u8),
        ("pad0", _u8),
        ("sequence", _u16),
        ("length", _u32),
        ("root", _u32),
        ("parent", _u32),
        ("children_len", _u16),
        ("pad1", _u8 * 14),
    ]


class _GetGeometryReply(ctypes.Structure):
    _fields_ = [
        ("response_type", _u8),
        ("depth", _u8),
        ("sequence", _u16),
        ("length", _u32),
        ("root", _u32),
        ("x", _i16),
        ("y", _i16),
        ("width", _u16),
        ("height", _u16),
        ("border_width", _u16),
        ("pad0", _u8 * 2),
    ]


class _TranslateReply(ctypes.Structure):
    _fields_ = [
        ("response_type", _u8),
        ("same_screen", _u8),
        ("sequence", _u16),
        ("length", _u32),
        ("child", _u32),
        ("dst_x", _i16),
        ("dst_y", _i16),
    ]


class _AttributesReply(ctypes.Structure):
    _fields_ = [
        ("response_type", _u8),
        ("backing_store", _u8),
        ("sequence", _u16),
        ("length", _u32),
        ("visual", _u32),
        ("class_", _u16),
        ("bit_gravity", _u8),
        ("win_gravity", _u8),
        ("backing_planes", _u32),
        ("backing_pixel", _u32),
        ("save_under", _u8),
        ("map_is_installed", _u8),
        ("map_state", _u8),
        ("override_redirect", _u8),
        ("colormap", _u32),
        ("all_event_masks", _u32),
        ("your_event_mask", _u32),
        ("do_not_propagate_mask", _u16),
        ("pad0", _u8 * 2),
    ]


_IS_VIEWABLE = 2
_ATOM_ANY = 0
_P = ctypes.c_void_p


def _load_xcb() -> Any:
    name = ctypes.util.find_library("xcb") or "libxcb.so.1"
    lib = ctypes.CDLL(name)
    err_pp = ctypes.POINTER(ctypes.POINTER(_GenericError))
    signatures: dict[str, tuple[Any, list[Any]]] = {
        "xcb_connect": (_P, [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]),
        "xcb_connection_has_error": (ctypes.c_int, [_P]),
        "xcb_disconnect": (None, [_P]),
        "xcb_get_setup": (_P, [_P]),
        "xcb_setup_roots_iterator": (_ScreenIterator, [_P]),
        "xcb_screen_next": (None, [ctypes.POINTER(_ScreenIterator)]),
        "xcb_intern_atom": (_Cookie, [_P, _u8, _u16, ctypes.c_char_p]),
        "xcb_intern_atom_reply": (ctypes.POINTER(_InternAtomReply), [_P, _Cookie, err_pp]),
        "xcb_get_property": (_Cookie, [_P, _u8, _u32, _u32, _u32, _u32, _u32]),
        "xcb_get_property_reply": (ctypes.POINTER(_GetPropertyReply), [_P, _Cookie, err_pp]),
        "xcb_get_property_value": (_P, [ctypes.POINTER(_GetPropertyReply)]),
        "xcb_get_property_value_length": (ctypes.c_int, [ctypes.POINTER(_GetPropertyReply)]),
        "xcb_query_tree": (_Cookie, [_P, _u32]),
        "xcb_query_tree_reply": (ctypes.POINTER(_QueryTreeReply), [_P, _Cookie, err_pp]),
        "xcb_query_tree_children": (ctypes.POINTER(_u32), [ctypes.POINTER(_QueryTreeReply)]),
        "xcb_query_tree_children_length": (ctypes.c_int, [ctypes.POINTER(_QueryTreeReply)]),
        "xcb_get_geometry": (_Cookie, [_P, _u32]),
        "xcb_get_geometry_reply": (ctypes.POINTER(_GetGeometryReply), [_P, _Cookie, err_pp]),
        "xcb_translate_coordinates": (_Cookie, [_P, _u32, _u32, _i16, _i16]),
        "xcb_translate_coordinates_reply": (ctypes.POINTER(_TranslateReply), [_P, _Cookie, err_pp]),
        "xcb_get_window_attributes": (_Cookie, [_P, _u32]),
        "xcb_get_window_attributes_reply": (ctypes.POINTER(_AttributesReply), [_P, _Cookie, err_pp]),
    }
    for fn, (restype, argtypes) in signatures.items():
        f = getattr(lib, fn)
        f.restype, f.argtypes = restype, argtypes
    return lib


_libc = ctypes.CDLL(None)
_libc.free.argtypes = [_P]
_libc.free.restype = None


@dataclass(slots=True)
class _XWindow:
    """What one pass over the X server knows about a client window."""

    window: int
    frame: int  # the root child holding it (the window manager's frame, or itself)
    viewable: bool
    override_redirect: bool
    region: Region | None
    frame_region: Region | None
    title: str
    app: str
    pid: int
    types: tuple[int, ...]


class XcbFinder:
    """X11 windows through libxcb: EWMH's client list when a window manager keeps one, else the
    root's children (the bare X server of a test, or a window manager without EWMH)."""

    def __init__(self, display: str | None = None, own_pid: int | None = None) -> None:
        self._own_pid = os.getpid() if own_pid is None else own_pid
        try:
            self._x = _load_xcb()
        except OSError as exc:
            raise WindowListError(f"libxcb: {exc}") from exc
        screen_num = ctypes.c_int(0)
        self._conn = self._x.xcb_connect(display.encode() if display else None, ctypes.byref(screen_num))
        if not self._conn or self._x.xcb_connection_has_error(self._conn):
            if self._conn:
                self._x.xcb_disconnect(self._conn)
            self._conn = None
            raise WindowListError(f"cannot connect to the X display {display or os.environ.get('DISPLAY')}")
        it = self._x.xcb_setup_roots_iterator(self._x.xcb_get_setup(self._conn))
        for _ in range(screen_num.value):
            self._x.xcb_screen_next(ctypes.byref(it))
        self._root = int(it.data.contents.root)
        self._atoms = self._intern(
            "_NET_CLIENT_LIST_STACKING",
            "_NET_WM_NAME",
            "UTF8_STRING",
            "WM_NAME",
            "WM_CLASS",
            "WM_STATE",
            "_NET_WM_PID",
            "_NET_WM_WINDOW_TYPE",
            "_NET_WM_WINDOW_TYPE_NORMAL",
            "_NET_WM_WINDOW_TYPE_DIALOG",
        )

    def close(self) -> None:
        if self._conn:
            self._x.xcb_disconnect(self._conn)
            self._conn = None

    # -- the protocol, pipelined -------------------------------------------------------------------
    def _conn_ok(self) -> Any:
        if not self._conn or self._x.xcb_connection_has_error(self._conn):
            raise WindowListError("the X connection is closed")
        return self._conn

    def _reply(self, fn: Any, cookie: _Cookie) -> Any:
        """A request's reply (a ctypes struct copy's pointer target), or None if the server sent an
        error (BadWindow: the window went away between the list and this request)."""
        err = ctypes.POINTER(_GenericError)()
        reply = fn(self._conn_ok(), cookie, ctypes.byref(err))
        if err:
            _libc.free(err)
        if not reply:
            return None
        return reply

    def _intern(self, *names: str) -> dict[str, int]:
        conn = self._conn_ok()
        cookies = [(n, self._x.xcb_intern_atom(conn, 0, len(n), n.encode())) for n in names]
        atoms: dict[str, int] = {}
        for name, cookie in cookies:
            reply = self._reply(self._x.xcb_intern_atom_reply, cookie)
            atoms[name] = int(reply.contents.atom) if reply else 0
            if reply:
                _libc.free(reply)
        return atoms

    def _property_request(self, window: int, atom: str, length: int = 1024) -> _Cookie:
        cookie: _Cookie = self._x.xcb_get_property(
            self._conn_ok(), 0, window, self._atoms[atom], _ATOM_ANY, 0, length
        )
        return cookie

    def _property(self, cookie: _Cookie) -> tuple[int, int, bytes] | None:
        """(type, format, value bytes) of a property, or None when the window has none."""
        reply = self._reply(self._x.xcb_get_property_reply, cookie)
        if reply is None:
            return None
        try:
            if reply.contents.type == 0:
                return None
            n = self._x.xcb_get_property_value_length(reply)
            data = ctypes.string_at(self._x.xcb_get_property_value(reply), n) if n > 0 else b""
            return int(reply.contents.type), int(reply.contents.format), data
        finally:
            _libc.free(reply)

    def _take(self, fn: Any, cookie: _Cookie) -> Any:
        """A copy of a fixed-size reply struct (the malloc'd one is freed), or None on an error."""
        reply = self._reply(fn, cookie)
        if reply is None:
            return None
        try:
            return type(reply.contents).from_buffer_copy(reply.contents)
        finally:
            _libc.free(reply)

    def _tree(self, windows: list[int]) -> dict[int, tuple[int, list[int]]]:
        """Each window's (parent, children bottom-most first): one pipelined batch of QueryTree
        requests. A window that is gone is left out."""
        conn = self._conn_ok()
        cookies = [(w, self._x.xcb_query_tree(conn, w)) for w in windows]
        out: dict[int, tuple[int, list[int]]] = {}
        for w, cookie in cookies:
            reply = self._reply(self._x.xcb_query_tree_reply, cookie)
            if reply is None:
                continue
            try:
                n = self._x.xcb_query_tree_children_length(reply)
                ptr = self._x.xcb_query_tree_children(reply)
                out[w] = (int(reply.contents.parent), [int(ptr[i]) for i in range(n)])
            finally:
                _libc.free(reply)
        return out

    @staticmethod
    def _words(value: tuple[int, int, bytes] | None) -> list[int]:
        if value is None or value[1] != 32:
            return []
        data = value[2]
        return [int.from_bytes(data[i : i + 4], sys.byteorder) for i in range(0, len(data) - 3, 4)]

    # -- what windows there are -------------------------------------------------------------------
    def _clients(self) -> list[tuple[int, int]]:
        """(client window, its root-level frame), bottom-most first."""
        stacking = self._words(
            self._property(self._property_request(self._root, "_NET_CLIENT_LIST_STACKING", 4096))
        )
        if stacking:
            # Overlap is judged on the frames (title bar included) holding each client.
            frames = self._frames_of(stacking)
            return [(w, frames.get(w, w)) for w in stacking]
        # No EWMH list: ICCCM's way. Clients carry WM_STATE, as root children (a non-reparenting
        # window manager) or one level down (a reparenting one); with no window manager at all, the
        # root's children are the clients.
        top_level = self._tree([self._root])[self._root][1]
        below = self._tree(top_level)
        candidates = [(w, w) for w in top_level] + [
            (kid, w) for w in top_level for kid in below.get(w, (0, []))[1]
        ]
        cookies = [(pair, self._property_request(pair[0], "WM_STATE", 2)) for pair in candidates]
        with_state = [pair for pair, cookie in cookies if self._property(cookie) is not None]
        order = {w: i for i, w in enumerate(top_level)}
        return sorted(with_state, key=lambda pair: order[pair[1]]) or [(w, w) for w in top_level]

    def _frames_of(self, clients: list[int]) -> dict[int, int]:
        """client → the root child holding it, walking up the parents level by level (pipelined)."""
        frame = {w: w for w in clients}
        pending = list(clients)
        for _ in range(6):  # window managers nest a client two or three levels down
            tree = self._tree(sorted({frame[w] for w in pending}))
            still = []
            for w in pending:
                parent = tree.get(frame[w], (self._root, []))[0]
                if parent not in (self._root, 0):
                    frame[w] = parent
                    still.append(w)
            pending = still
            if not pending:
                break
        return frame

    def _describe(self, pairs: list[tuple[int, int]], details: bool = True) -> list[_XWindow]:
        """Every window's state and place in one pipelined batch; ``details`` adds what only the
        picker needs (title, application, process, type), which following a window does not."""
        conn = self._conn_ok()
        x = self._x
        place_requests = (
            ("attrs", x.xcb_get_window_attributes, x.xcb_get_window_attributes_reply, False),
            ("frame_attrs", x.xcb_get_window_attributes, x.xcb_get_window_attributes_reply, True),
            ("geometry", x.xcb_get_geometry, x.xcb_get_geometry_reply, False),
            ("frame_geometry", x.xcb_get_geometry, x.xcb_get_geometry_reply, True),
        )
        detail_props = (
            ("net_name", "_NET_WM_NAME", 1024), ("name", "WM_NAME", 1024), ("class", "WM_CLASS", 1024),
            ("pid", "_NET_WM_PID", 1), ("types", "_NET_WM_WINDOW_TYPE", 16),
        )  # fmt: skip
        batch = []
        for w, frame in pairs:
            cookies: dict[str, tuple[Any, _Cookie]] = {}
            for key, request, reply, of_frame in place_requests:
                cookies[key] = (reply, request(conn, frame if of_frame else w))
            for key, target in (("position", w), ("frame_position", frame)):
                cookies[key] = (
                    x.xcb_translate_coordinates_reply,
                    x.xcb_translate_coordinates(conn, target, self._root, 0, 0),
                )
            props = (
                {key: self._property_request(w, atom, n) for key, atom, n in detail_props} if details else {}
            )
            batch.append((w, frame, cookies, props))
        out: list[_XWindow] = []
        for w, frame, cookies, props in batch:
            got = {key: self._take(reply, cookie) for key, (reply, cookie) in cookies.items()}
            values = {key: self._property(cookie) for key, cookie in props.items()}
            attrs, fattrs = got["attrs"], got["frame_attrs"]
            if attrs is None:
                continue  # gone while we asked
            net, name, cls = values.get("net_name"), values.get("name"), values.get("class")
            title = net[2].decode("utf-8", "replace") if net else name[2].decode("latin-1") if name else ""
            app = ""
            if cls:  # "instance\0Class\0"
                parts = [p for p in cls[2].split(b"\0") if p]
                app = parts[-1].decode("latin-1") if parts else ""
            pid_words = self._words(values.get("pid"))
            out.append(
                _XWindow(
                    window=w,
                    frame=frame,
                    viewable=attrs.map_state == _IS_VIEWABLE
                    and (fattrs is None or fattrs.map_state == _IS_VIEWABLE),
                    override_redirect=bool(attrs.override_redirect or (fattrs and fattrs.override_redirect)),
                    region=self._region(got["geometry"], got["position"]),
                    frame_region=self._region(got["frame_geometry"], got["frame_position"]),
                    title=title.strip(),
                    app=app,
                    pid=pid_words[0] if pid_words else 0,
                    types=tuple(self._words(values.get("types"))),
                )
            )
        return out

    @staticmethod
    def _region(geometry: Any, position: Any) -> Region | None:
        if geometry is None or position is None:
            return None
        return Region(int(position.dst_x), int(position.dst_y), int(geometry.width), int(geometry.height))

    def _shareable(self, w: _XWindow) -> bool:
        normal = {self._atoms["_NET_WM_WINDOW_TYPE_NORMAL"], self._atoms["_NET_WM_WINDOW_TYPE_DIALOG"]}
        return (
            w.viewable
            and not w.override_redirect
            and bool(w.title)
            and w.pid != self._own_pid
            and (not w.types or any(t in normal for t in w.types))
            and w.region is not None
            and w.region.width >= MIN_SIZE
            and w.region.height >= MIN_SIZE
        )

    def managed(self) -> bool:
        """Whether an EWMH window manager runs: it publishes its client list (empty at first)."""
        return self._property(self._property_request(self._root, "_NET_CLIENT_LIST_STACKING", 1)) is not None

    def windows(self) -> list[AppWindow]:
        described = self._describe(self._clients())
        return [
            AppWindow(w.window, w.title, w.app, w.region)
            for w in reversed(described)  # top-most first, as people see them
            if self._shareable(w) and w.region is not None
        ]

    def locate(self, handle: int) -> WindowPlace:
        described = self._describe(self._clients(), details=False)
        index = next((i for i, w in enumerate(described) if w.window == handle), None)
        if index is None:
            # Window managers drop withdrawn (hidden) windows from their list; only a window the
            # server no longer knows is gone.
            alive = self._take(
                self._x.xcb_get_window_attributes_reply,
                self._x.xcb_get_window_attributes(self._conn_ok(), handle),
            )
            if alive is None:
                raise WindowGone(handle)
            return WindowPlace(None)
        target = described[index]
        if not target.viewable or target.region is None:
            return WindowPlace(None)
        # Managed windows stacked above it (menus and tooltips are override-redirect and fleeting:
        # they usually belong to the shared application itself, so they stay visible).
        above = [
            w.frame_region or w.region
            for w in described[index + 1 :]
            if w.viewable
            and not w.override_redirect
            and w.frame != target.frame
            and (w.frame_region or w.region)
        ]
        return WindowPlace(target.region, overlapping(target.region, [r for r in above if r is not None]))
