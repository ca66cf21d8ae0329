"""Unit tests: guidance message validation, capture conversion and geometry, the capture track's
change detection / fps cap / refresh, the slot, and the pointer throttle."""

from __future__ import annotations

import asyncio
import json
import time

import numpy as np
import pytest
from PyQt6.QtCore import QPoint, QRect

from console.call.messages import (
    ClearMarksMessage,
    MarkMessage,
    PointerMessage,
    ShareMessage,
    SignalingError,
    encode_channel_message,
    parse_channel_message,
)
from console.screenshare.capture import Region, ScreenGrabber, bgra_to_frame, fit_size
from console.screenshare.controller import PointerThrottle, make_preview
from console.screenshare.widgets import border_strips, selection_region

# --- messages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "msg",
    [
        PointerMessage("citizen", 0.0, 1.0),
        PointerMessage("informador", 0.5, 0.25, visible=False),
        MarkMessage("m1", "citizen", "arrow", 0.1, 0.2, 0.3, 0.4),
        MarkMessage("m2", "informador", "text", 0.1, 0.2, 0.1, 0.2, "Cliqueu aquí <b>"),
        ClearMarksMessage("citizen"),
        ShareMessage(True, 1920, 1080),
        ShareMessage(False),
    ],
)
def test_guidance_round_trip(msg):
    assert parse_channel_message(encode_channel_message(msg)) == msg


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        ({"type": "pointer", "surface": "citizen", "x": 1.5, "y": 0}, "x must be a number 0..1"),
        ({"type": "pointer", "surface": "citizen", "x": True, "y": 0}, "x must be"),
        ({"type": "pointer", "surface": "citizen", "x": "0.5", "y": 0}, "x must be"),
        ({"type": "pointer", "surface": "desk", "x": 0, "y": 0}, "surface must be"),
        ({"type": "pointer", "surface": "citizen", "x": 0, "y": 0, "colour": "red"}, "unexpected field"),
        ({"type": "pointer", "surface": "citizen", "x": 0, "y": 0, "visible": 1}, "visible must be"),
        ({"type": "mark", "id": "a", "surface": "citizen", "kind": "circle", "x1": 0, "y1": 0, "x2": 1, "y2": 1}, "kind"),  # noqa: E501 - a table reads better unwrapped
        ({"type": "mark", "id": "a b", "surface": "citizen", "kind": "box", "x1": 0, "y1": 0, "x2": 1, "y2": 1}, "id"),  # noqa: E501 - a table reads better unwrapped
        ({"type": "mark", "id": "a", "surface": "citizen", "kind": "box", "x1": 0, "y1": -0.1, "x2": 1, "y2": 1}, "y1"),  # noqa: E501 - a table reads better unwrapped
        ({"type": "mark", "id": "a", "surface": "citizen", "kind": "text", "x1": 0, "y1": 0, "x2": 0, "y2": 0}, "needs text"),  # noqa: E501 - a table reads better unwrapped
        ({"type": "mark", "id": "a", "surface": "citizen", "kind": "box", "x1": 0, "y1": 0, "x2": 1, "y2": 1, "text": "x"}, "only a text"),  # noqa: E501 - a table reads better unwrapped
        ({"type": "mark", "id": "a", "surface": "citizen", "kind": "text", "x1": 0, "y1": 0, "x2": 0, "y2": 0, "text": "a\x1b[31m"}, "printable"),  # noqa: E501 - a table reads better unwrapped
        ({"type": "mark", "id": "a", "surface": "citizen", "kind": "text", "x1": 0, "y1": 0, "x2": 0, "y2": 0, "text": "x" * 201}, "at most 200"),  # noqa: E501 - a table reads better unwrapped
        ({"type": "clear-marks"}, "surface must be"),
        ({"type": "share-started", "width": 0, "height": 10}, "width"),
        ({"type": "share-started", "width": 10, "height": 99999}, "height"),
        ({"type": "share-stopped", "why": "x"}, "unexpected field"),
    ],
)  # fmt: skip
def test_bad_guidance_is_refused(obj, reason):
    with pytest.raises(SignalingError, match=reason):
        parse_channel_message(json.dumps(obj))


def test_nan_coordinates_are_refused():
    with pytest.raises(SignalingError, match="x must be"):
        parse_channel_message('{"type":"pointer","surface":"citizen","x":NaN,"y":0}')


# --- conversion and geometry ---------------------------------------------------------------------------


@pytest.mark.parametrize(("w", "h"), [(1920, 1080), (1366, 768), (1921, 5), (640, 480)])
def test_bgra_to_frame_is_exact_including_padded_widths(w, h):
    raw = np.random.default_rng(w).integers(0, 256, (h, w, 4), np.uint8)
    frame = bgra_to_frame(raw.tobytes(), w, h)
    assert frame.format.name == "bgra"
    assert np.array_equal(frame.to_ndarray(), raw)


def test_fit_size_caps_keeps_aspect_and_even_sides():
    assert fit_size(1920, 1080, 1920, 1080) == (1920, 1080)
    assert fit_size(3840, 2160, 1920, 1080) == (1920, 1080)
    assert fit_size(2560, 1600, 1920, 1080) == (1728, 1080)
    assert fit_size(1366, 768, 1280, 720) == (1280, 718)
    assert fit_size(801, 601, 1920, 1080) == (800, 600)


def test_region_geometry():
    screen = Region(0, 0, 1920, 1080)
    assert Region.from_corners(500, 400, 100, 50) == Region(100, 50, 400, 350)
    assert Region(1800, 1000, 400, 400).clamped(screen) == Region(1800, 1000, 120, 80)
    assert Region(-10, -10, 101, 101).clamped(screen) == Region(0, 0, 90, 90)
    with pytest.raises(ValueError, match="outside"):
        Region(2000, 0, 100, 100).clamped(screen)


def test_selection_region_maps_logical_to_physical_pixels():
    second = QRect(1920, 0, 1280, 720)  # a second monitor right of the first, logical px
    r = selection_region(QPoint(300, 200), QPoint(100, 100), second, 1.0)
    assert r == Region(2020, 100, 200, 100)
    hidpi = selection_region(QPoint(10, 10), QPoint(111, 61), QRect(0, 0, 1280, 720), 2.0)
    assert hidpi == Region(20, 20, 202, 102)
    # Dragged past the screen's edge: cut at the edge.
    assert selection_region(QPoint(1200, 700), QPoint(1500, 900), QRect(0, 0, 1280, 720), 1.0) == Region(
        1200, 700, 80, 20
    )


def test_border_goes_outside_the_region_where_the_screen_has_room():
    screen = QRect(0, 0, 1920, 1080)
    strips = border_strips(QRect(100, 100, 400, 300), screen, 4)
    assert all(not s.intersects(QRect(100, 100, 400, 300)) for s in strips)
    full = border_strips(screen, screen, 4)
    assert all(screen.contains(s) for s in full)  # a whole monitor: drawn inside (and captured)


def test_preview_is_small_and_detached():
    raw = bytes([0, 0, 255, 255]) * (1920 * 1080)  # BGRA red
    image = make_preview(raw, 1920, 1080)
    del raw
    assert (image.width(), image.height()) == (480, 270)
    assert image.pixelColor(10, 10).red() == 255


# --- the capture track ---------------------------------------------------------------------------------


class FakeScreen:
    """A grab function whose content changes only when told to."""

    def __init__(self, w: int = 1366, h: int = 768) -> None:
        self.w, self.h = w, h
        self.value = 0
        self.grabs = 0

    def __call__(self, region: Region):
        self.grabs += 1
        return bytes([self.value % 256]) * (region.width * region.height * 4), region.width, region.height


def _track(screen, **settings):
    from console.screenshare.track import CaptureSettings, ScreenShareTrack

    grabber = ScreenGrabber(screen)
    return ScreenShareTrack(Region(0, 0, screen.w, screen.h), grabber, CaptureSettings(**settings)), grabber


async def _collect(track, seconds: float, change=None) -> list[float]:
    times: list[float] = []
    end = time.monotonic() + seconds

    async def pull():
        while True:
            await track.recv()
            times.append(time.monotonic())
            if change is not None:
                change()

    task = asyncio.ensure_future(pull())
    await asyncio.sleep(max(0.0, end - time.monotonic()))
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return times


def test_static_screen_sends_few_frames_but_refreshes(arun):
    screen = FakeScreen()
    track, grabber = _track(screen, max_fps=30, idle_fps=10, idle_after=0.2, refresh_interval=0.25)
    try:
        times = arun(_collect(track, 1.2))
    finally:
        track.stop()
        grabber.close()
    # First frame + a refresh every 0.25 s ≈ 5; at 30 fps it would be ~36.
    assert 3 <= len(times) <= 8, times
    assert track.stats.unchanged > len(times)
    assert screen.grabs >= len(times)


def test_changing_screen_is_capped_at_max_fps(arun):
    screen = FakeScreen(1366, 768)  # padded line width: the strided path is used every frame
    track, grabber = _track(screen, max_fps=20, refresh_interval=5)

    def change():
        screen.value += 1

    try:
        arun(_collect(track, 0.3, change))  # warm-up (thread start, first allocation)
        times = arun(_collect(track, 1.5, change))
    finally:
        track.stop()
        grabber.close()
    fps = (len(times) - 1) / (times[-1] - times[0])
    assert 8 <= fps <= 22, fps  # never above the cap; generous below (2 shared cores)
    assert track.out_size == (1366, 768)


def test_frames_are_downscaled_to_the_cap(arun):
    screen = FakeScreen(2560, 1440)
    track, grabber = _track(screen, max_width=1920, max_height=1080)
    try:
        frame = arun(track.recv())
    finally:
        track.stop()
        grabber.close()
    assert (frame.width, frame.height) == (1920, 1080)
    assert frame.format.name == "yuv420p"


def test_fps_cap_adapts_to_slow_capture_and_recovers():
    from console.screenshare.track import CaptureSettings, ScreenShareTrack

    track = ScreenShareTrack(
        Region(0, 0, 64, 64), ScreenGrabber(FakeScreen(64, 64)), CaptureSettings(max_fps=15)
    )
    try:
        track._adapt(120.0)  # a tick took 120 ms: 0.6 duty allows 5 fps
        assert track.fps_cap == pytest.approx(5.0)
        for _ in range(40):
            track._adapt(5.0)
        assert track.fps_cap == 15.0
        now = time.monotonic()
        track._last_change = now - 5  # still screen: the idle rate applies
        assert track.current_period(now) == pytest.approx(1 / 5.0)
    finally:
        track._grabber.close()


def test_grabber_closes_its_thread_and_stops_the_track(arun):
    import threading

    screen = FakeScreen(64, 64)
    track, grabber = _track(screen)
    arun(track.recv())
    assert any(t.name.startswith("screenshare-capture") for t in threading.enumerate())
    grabber.close()
    grabber.close()  # idempotent
    assert not any(t.name.startswith("screenshare-capture") for t in threading.enumerate())
    from aiortc.mediastreams import MediaStreamError

    with pytest.raises(MediaStreamError):
        arun(track.recv())


def test_slot_waits_while_detached_and_survives_a_share_ending(arun):
    from console.screenshare.track import ScreenSlot

    slot = ScreenSlot()
    screen = FakeScreen(64, 64)
    track, grabber = _track(screen)

    async def scenario():
        pending = asyncio.ensure_future(slot.recv())
        await asyncio.sleep(0.05)
        assert not pending.done()  # nothing shared: waits, never ends the sender
        slot.attach(track)
        pts1 = (await asyncio.wait_for(pending, 5)).pts
        pts2 = (await asyncio.wait_for(slot.recv(), 5)).pts  # a refresh of the still picture
        assert pts2 > pts1 >= 0  # re-stamped on the slot's own clock
        track.stop()  # the share ended by itself
        pending = asyncio.ensure_future(slot.recv())
        await asyncio.sleep(0.05)
        assert not pending.done() and slot.source is None
        slot.stop()
        from aiortc.mediastreams import MediaStreamError

        with pytest.raises(MediaStreamError):
            await asyncio.wait_for(pending, 5)

    try:
        arun(scenario())
    finally:
        grabber.close()


def test_pointer_throttle_limits_rate_and_delivers_the_last_position(qtbot):
    sent: list[PointerMessage] = []
    throttle = PointerThrottle(sent.append, rate=20)
    for i in range(200):
        throttle.push(PointerMessage("citizen", i / 200, 0.5))
    qtbot.waitUntil(lambda: sent and sent[-1].x == pytest.approx(199 / 200), timeout=2000)
    assert len(sent) <= 3
    throttle.stop()
