"""Sharing an application window on a real X server (private Xvfb): listing, following, blanking.

The windows are real X clients (``xwindows.py``, Qt on xcb) in flat colours; the finder talks to the
X server through libxcb exactly as on an informador's desktop, once on a bare server and once under
a reparenting EWMH window manager (openbox, as a desktop has one), whose frames and client list take
the other code path. The track then grabs the window with mss and its frames are read back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from console.screenshare.capture import Region, ScreenGrabber
from console.screenshare.track import CaptureSettings, ScreenShareTrack
from console.screenshare.window_list import WindowFollower, WindowGone, blank_out, covering
from console.screenshare.windows_x11 import XcbFinder
from tests.screenshare.xscreen import XWindows, app_windows, window_manager, xvfb

pytestmark = pytest.mark.xvfb

RED, BLUE = (220, 30, 30), (30, 30, 220)
GREY = (0x80, 0x80, 0x80)


@pytest.fixture(params=["bare", "openbox"])
def desktop(request: pytest.FixtureRequest) -> Iterator[tuple[str, XWindows, bool]]:
    """(display, windows helper, whether a window manager runs)."""
    managed = request.param == "openbox"
    with xvfb() as display, contextlib.ExitStack() as stack:
        if managed:
            stack.enter_context(window_manager(display))
        with app_windows(display) as wins:
            yield display, wins, managed


def _open_two(wins: XWindows) -> None:
    wins.do("open", "a", title="Sol·licitud d'ajut", x=100, y=120, w=600, h=400, rgb=list(RED))
    wins.do("open", "b", title="Agenda", x=500, y=300, w=400, h=300, rgb=list(BLUE))


def test_windows_are_listed_located_and_followed(desktop, qtbot):
    display, wins, managed = desktop
    _open_two(wins)
    finder = XcbFinder(display)
    try:
        qtbot.waitUntil(lambda: len(finder.windows()) == 2, timeout=10_000)
        listed = finder.windows()
        assert [w.title for w in listed] == ["Agenda", "Sol·licitud d'ajut"]  # top-most first
        assert {w.app for w in listed} == {"xwindows.py"}
        a = listed[1]
        assert (a.region.width, a.region.height) == (600, 400)
        # The window manager may move a window by its frame; the client area is what is shared.
        assert abs(a.region.left - 100) <= 10 and abs(a.region.top - 120) <= 30
        # "b" is above "a" and overlaps it: its rectangle (frame included) is reported.
        place = finder.locate(a.handle)
        assert place.region == a.region
        (above,) = place.above
        (part,) = covering(a.region, [above])  # b reaches past a's right and bottom edges
        assert abs(part.left - 400) <= 10 and abs(part.top - 180) <= 40
        assert (part.left + part.width, part.top + part.height) == (600, 400)

        wins.do("raise", "a")
        qtbot.waitUntil(lambda: finder.locate(a.handle).above == (), timeout=5000)
        wins.do("move", "a", x=300, y=60)
        qtbot.waitUntil(lambda: finder.locate(a.handle).region != a.region, timeout=5000)
        moved = finder.locate(a.handle).region
        assert moved is not None and abs(moved.left - 300) <= 10 and moved.width == 600
        if managed:  # minimising needs a window manager; the window stays known, just unseen
            wins.do("minimize", "a")
            qtbot.waitUntil(lambda: finder.locate(a.handle).region is None, timeout=5000)
            wins.do("show", "a")
            qtbot.waitUntil(lambda: finder.locate(a.handle).region is not None, timeout=5000)
        wins.do("hide", "a")
        qtbot.waitUntil(lambda: finder.locate(a.handle).region is None, timeout=5000)
        assert [w.title for w in finder.windows()] == ["Agenda"]
        wins.do("close", "a")
        with pytest.raises(WindowGone):
            qtbot.waitUntil(lambda: finder.locate(a.handle) is None, timeout=5000)
        # The console never offers its own windows: here, the helper's process plays the console.
        assert XcbFinder(display, own_pid=wins.proc.pid).windows() == []
    finally:
        finder.close()


def _rgb_at(frame, x: float, y: float) -> tuple[int, int, int]:
    img = frame.to_ndarray(format="rgb24")
    h, w = img.shape[:2]
    r, g, b = img[int(y * (h - 1)), int(x * (w - 1))]
    return int(r), int(g), int(b)


def _near(got: tuple[int, int, int], want: tuple[int, int, int], tol: int = 24) -> bool:
    return max(abs(a - b) for a, b in zip(got, want, strict=True)) <= tol


@pytest.fixture
def bare_desktop(qtbot, monkeypatch) -> Iterator[tuple[str, XWindows]]:
    with xvfb() as display, app_windows(display) as wins:
        monkeypatch.setenv("DISPLAY", display)  # mss and the follower's finder connect to $DISPLAY
        yield display, wins


def test_a_shared_window_is_followed_blanked_where_covered_and_ends_when_closed(bare_desktop, arun, qtbot):
    from aiortc.mediastreams import MediaStreamError

    display, wins = bare_desktop
    _open_two(wins)
    finder = XcbFinder(display)
    qtbot.waitUntil(lambda: len(finder.windows()) == 2, timeout=10_000)
    a = next(w for w in finder.windows() if w.title.startswith("Sol"))
    finder.close()

    grabber = ScreenGrabber()
    follower = WindowFollower(a.handle, desktop=lambda: Region(0, 0, 1920, 1080), interval=0.0)
    grabber.add_cleanup(follower.close)
    track = ScreenShareTrack(
        a.region, grabber, CaptureSettings(max_fps=30, refresh_interval=0.05), follow=follower
    )
    moves: list[Region] = []
    hidden: list[bool] = []
    gone: list[bool] = []
    track.on_region = moves.append
    track.on_hidden = hidden.append
    track.on_gone = lambda: gone.append(True)

    async def frame_where(check, what: str, limit: int = 60):
        for _ in range(limit):
            frame = await track.recv()
            if check(frame):
                return frame
        raise AssertionError(f"no frame showed {what}")

    try:
        # "b" covers the bottom-right of "a": grey there for the citizen, never blue.
        frame = arun(frame_where(lambda f: _near(_rgb_at(f, 0.9, 0.9), GREY), "the covered corner greyed"))
        assert (frame.width, frame.height) == (600, 400)
        assert _near(_rgb_at(frame, 0.2, 0.2), RED)
        wins.do("raise", "a")
        arun(frame_where(lambda f: _near(_rgb_at(f, 0.9, 0.9), RED), "the whole window once raised"))
        wins.do("move", "a", x=700, y=500)
        wins.do("resize", "a", w=640, h=360)
        frame = arun(frame_where(lambda f: (f.width, f.height) == (640, 360), "the resized window"))
        assert _near(_rgb_at(frame, 0.5, 0.5), RED) and _near(_rgb_at(frame, 0.95, 0.95), RED)
        assert moves and moves[-1] == Region(700, 500, 640, 360) and track.region == moves[-1]
        # Hidden: the citizen keeps the last picture (refreshed), the console is told.
        wins.do("hide", "a")
        frame = arun(frame_where(lambda f: hidden == [True], "the window hidden"))
        assert _near(_rgb_at(frame, 0.5, 0.5), RED)
        wins.do("show", "a")
        arun(frame_where(lambda f: hidden == [True, False], "the window shown again"))
        wins.do("close", "a")
        with pytest.raises(MediaStreamError):
            arun(frame_where(lambda f: False, "the end of the share", limit=200))
        assert gone == [True] and track.readyState == "ended"
    finally:
        track.stop()
        grabber.close()


def test_blank_out_paints_only_the_covered_parts():
    raw = bytes([10, 20, 30, 255]) * (8 * 4)
    out = blank_out(raw, 8, 4, [Region(6, 2, 5, 5)])  # clipped at the right and bottom edges
    px = [tuple(out[i : i + 4]) for i in range(0, len(out), 4)]
    grey = [(r * 8 + c) for r in range(4) for c in range(8) if px[r * 8 + c] == (0x80, 0x80, 0x80, 0xFF)]
    assert grey == [22, 23, 30, 31]
    assert blank_out(raw, 8, 4, []) is raw  # nothing covered: no copy
    assert covering(Region(100, 100, 50, 50), [Region(0, 0, 10, 10), Region(140, 90, 100, 20)]) == (
        Region(40, 0, 10, 10),
    )


def test_the_service_lists_windows_for_the_picker(bare_desktop, arun, qtbot, monkeypatch):
    from console.services.screenshare import ScreenShareService

    _display, wins = bare_desktop
    _open_two(wins)
    service = ScreenShareService()
    listed: list[object] = []
    service.windows_listed.connect(listed.append)
    arun(service.list_windows())
    assert [w.title for w in listed[-1]] == ["Agenda", "Sol·licitud d'ajut"]
    monkeypatch.delenv("DISPLAY")  # Wayland without XWayland, or no desktop: the picker falls back
    arun(service.list_windows())
    assert listed[-1] is None
