"""Screen sharing end to end against Debian's Chromium running call.js + screenshare.js.

1. The citizen shares (Chromium's fake screen, ``screen:-3:0``); the console receives the frames on
   the screen transceiver; pointer and marks sent from the console are drawn on the citizen's page.
2. Under a private Xvfb, the console shares a real X screen showing a known colour grid; the
   browser's decoded frames show the grid.
3. The console shares one application window: the browser sees that window only, greyed where
   another window covers it; the share follows it when it moves and ends when it is closed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.call.signaling import memory_pair
from console.call.state import CallState
from console.screenshare.capture import Region, ShareSource
from console.screenshare.controller import ScreenShareController
from console.screenshare.track import CaptureSettings
from console.screenshare.windows_x11 import XcbFinder
from tests.call.helpers import make_session, wait_until
from tests.helpers.browser import launch_chromium
from tests.screenshare.conftest import open_share_page
from tests.screenshare.xscreen import COLOURS, app_windows, grid_points, pattern, xvfb

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SCREENSHARE_SHOTS", "/tmp/screenshare-shots"))


def test_citizen_shares_and_console_guides(arun, browser_context, ss_server, closing, qtbot):
    console_end, citizen_end = memory_pair()
    session = closing(make_session(console_end))
    ctl = ScreenShareController(session)
    shares: list[tuple[bool, int, int]] = []
    ctl.remote_share_changed.connect(lambda on, w, h: shares.append((on, w, h)))
    images = []
    session.remote_screen_frame.connect(images.append)
    errors: list[str] = []
    session.error.connect(errors.append)

    async def scenario():
        page, bridge = await open_share_page(browser_context, ss_server, citizen_end)
        closing(bridge)
        await session.prepare()
        await session.start()
        await wait_until(lambda: session.state is CallState.CONNECTED, what="connected")
        await page.wait_for_function("window.__call.channel && window.__call.channel.readyState === 'open'")
        assert session.remote_screen_frames == 0
        await page.click(".ss-start")  # a real click: getDisplayMedia needs user activation
        await wait_until(lambda: shares and shares[-1][0], what="share-started at the console")
        await wait_until(lambda: session.remote_screen_frames > 15, what="screen frames at the console")
        await wait_until(lambda: len(images) > 3, what="screen frames converted for the view")
        assert session.last_remote_screen_size is not None and session.last_remote_screen_size[0] >= 320
        # The camera still arrives on its own transceiver, beside the screen.
        n = session.remote_video_frames
        await wait_until(lambda: session.remote_video_frames > n + 10, what="camera frames beside the screen")

        ctl.send_pointer("citizen", 0.25, 0.75)
        box = ctl.send_mark("citizen", "box", x1=0.6, y1=0.1, x2=0.9, y2=0.4)
        ctl.send_mark("citizen", "text", x1=0.1, y1=0.1, x2=0.1, y2=0.1, text="Premeu aquí")
        ctl.send_mark("citizen", "arrow", x1=0.3, y1=0.5, x2=0.55, y2=0.3)
        await page.wait_for_function(
            "window.__ui.state.local.marks.length === 3 && window.__ui.state.local.pointer"
        )
        state = await page.evaluate("window.__ui.state")
        assert state["sharing"] is True
        assert state["local"]["pointer"] == {"x": 0.25, "y": 0.75}
        assert {m["kind"] for m in state["local"]["marks"]} == {"box", "text", "arrow"}
        assert next(m for m in state["local"]["marks"] if m["kind"] == "text")["text"] == "Premeu aquí"
        # Drawn, not just stored: the overlay canvas is red on the box's edge and at the pointer.
        edge = await page.evaluate("window.__overlayPixel('local', 0.6, 0.25)")
        ptr = await page.evaluate("window.__overlayPixel('local', 0.25, 0.75)")
        inside = await page.evaluate("window.__overlayPixel('local', 0.75, 0.25)")
        assert edge[0] > 180 and edge[1] < 80 and edge[3] > 200, edge
        assert ptr[0] > 180 and ptr[3] > 150, ptr
        assert inside[3] == 0, inside  # a box is an outline
        SHOTS.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a tmp dir, instant
        await page.screenshot(path=str(SHOTS / "citizen-sharing-with-marks.png"), full_page=True)
        assert box.id in {m["id"] for m in state["local"]["marks"]}

        # A malformed guidance message from the console side never reaches the overlay.
        await page.evaluate(
            """() => window.__call._onChannelMessage(JSON.stringify(
                {type: "mark", id: "x", surface: "citizen", kind: "box", x1: 2, y1: 0, x2: 1, y2: 1}))"""
        )
        assert any("x1" in e for e in await page.evaluate("window.__test.errors"))

        # "Clear marks" on the page clears it there and tells the console.
        cleared = []
        ctl.guidance.connect(cleared.append)
        await page.click(".ss-clear")
        await wait_until(lambda: cleared, what="clear-marks at the console")
        assert await page.evaluate("window.__ui.state.local.marks.length") == 0
        # The citizen stops at any time.
        await page.click(".ss-stop")
        await wait_until(lambda: shares[-1][0] is False, what="share-stopped at the console")
        assert session.remote_sharing is None
        await ctl.close()
        await session.hang_up()

    arun(scenario(), timeout=90)
    assert errors == []


@pytest.mark.xvfb
def test_console_shares_a_real_x_screen_to_chromium(  # noqa: PLR0917 - pytest fixtures
    arun, tmp_path, ss_server, closing, monkeypatch, loopback_ice
):
    console_end, citizen_end = memory_pair()
    session = closing(make_session(console_end))
    ctl = ScreenShareController(session, settings=CaptureSettings(max_fps=15))

    with xvfb() as display, pattern(display, "grid"):
        monkeypatch.setenv("DISPLAY", display)  # mss connects to $DISPLAY; Qt here stays offscreen

        async def scenario():
            # Its own Chromium, not the session's: after other tests had used the session browser, its
            # connection was gone by this test's teardown (seen only in whole-suite runs; cause not
            # found). A browser of its own keeps the test independent of test order.
            async with launch_chromium(tmp_path / "chromium") as browser:
                context = await browser.new_context()
                try:
                    return await share_and_check(context)
                finally:
                    await context.close()

        async def share_and_check(context):
            page, bridge = await open_share_page(context, ss_server, citizen_end)
            closing(bridge)
            await session.prepare()
            await session.start()
            await wait_until(lambda: session.state is CallState.CONNECTED, what="connected")
            await ctl.start_share(ShareSource("monitor", Region(0, 0, 1920, 1080), "Screen 1"))
            await page.wait_for_function(
                "window.__call.remoteSharing && window.__ui.remote.video.videoWidth > 0", timeout=20_000
            )
            size = await page.evaluate(
                "[window.__ui.remote.video.videoWidth, window.__ui.remote.video.videoHeight]"
            )
            # The picture is decoded in the browser; sample the known grid once the encoder ramps up.
            expected = [list(c) for c in COLOURS]
            last = None
            for _ in range(100):
                got = await page.evaluate("p => window.__sampleVideo('remote', p)", grid_points())
                last = got
                if all(
                    max(abs(a - b) for a, b in zip(g, e, strict=True)) <= 40
                    for g, e in zip(got, expected, strict=True)
                ):
                    break
                await page.wait_for_timeout(100)
            else:
                raise AssertionError(f"grid colours not seen: {last}")
            # Pointer over the informador's own share reaches the page's remote overlay.
            ctl.send_pointer("informador", 0.5, 0.5)
            await page.wait_for_function("window.__ui.state.remote.pointer !== null")
            SHOTS.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a tmp dir, instant
            await page.screenshot(path=str(SHOTS / "citizen-sees-informador-screen.png"), full_page=True)
            await ctl.stop_share()
            await page.wait_for_function("window.__call.remoteSharing === null")
            await session.hang_up()
            return size

        size = arun(scenario(), timeout=90)
    assert size == [1920, 1080]
    assert ctl.track is None


@pytest.mark.xvfb
def test_console_shares_a_followed_window_to_chromium(  # noqa: PLR0917 - pytest fixtures
    arun, tmp_path, ss_server, closing, monkeypatch, loopback_ice, qtbot
):
    console_end, citizen_end = memory_pair()
    session = closing(make_session(console_end))
    ctl = ScreenShareController(session, settings=CaptureSettings(max_fps=15))
    moved: list[ShareSource] = []
    errors: list[str] = []
    ctl.source_moved.connect(moved.append)
    ctl.error.connect(errors.append)
    red, blue, grey = [220, 30, 30], [30, 30, 220], [128, 128, 128]

    with xvfb() as display, app_windows(display) as wins:
        monkeypatch.setenv("DISPLAY", display)
        wins.do("open", "a", title="Sol·licitud d'ajut", x=100, y=120, w=600, h=400, rgb=red)
        wins.do("open", "b", title="Agenda", x=500, y=300, w=400, h=300, rgb=blue)
        finder = XcbFinder(display)
        qtbot.waitUntil(lambda: len(finder.windows()) == 2, timeout=10_000)
        window = next(w for w in finder.windows() if w.title.startswith("Sol"))
        finder.close()

        async def sees(page, points, colours, what):
            last = None
            for _ in range(100):
                last = await page.evaluate("p => window.__sampleVideo('remote', p)", points)
                if all(
                    max(abs(a - b) for a, b in zip(g, e, strict=True)) <= 40
                    for g, e in zip(last, colours, strict=True)
                ):
                    return
                await page.wait_for_timeout(100)
            raise AssertionError(f"{what}: saw {last}")

        async def scenario():
            async with launch_chromium(tmp_path / "chromium") as browser:
                context = await browser.new_context()
                try:
                    page, bridge = await open_share_page(context, ss_server, citizen_end)
                    closing(bridge)
                    await session.prepare()
                    await session.start()
                    await wait_until(lambda: session.state is CallState.CONNECTED, what="connected")
                    await ctl.start_share(ShareSource("window", window.region, window.title, window.handle))
                    await page.wait_for_function(
                        "window.__call.remoteSharing && window.__ui.remote.video.videoWidth > 0",
                        timeout=20_000,
                    )
                    size = await page.evaluate(
                        "[window.__ui.remote.video.videoWidth, window.__ui.remote.video.videoHeight]"
                    )
                    # Only the window; where "Agenda" lies over it the citizen sees grey, never blue.
                    await sees(
                        page, [[0.2, 0.2], [0.9, 0.9]], [red, grey], "the window, its covered corner grey"
                    )
                    SHOTS.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a tmp dir, instant
                    await page.screenshot(
                        path=str(SHOTS / "citizen-sees-informador-window.png"), full_page=True
                    )
                    wins.do("move", "a", x=1000, y=600)  # away from "Agenda": all of it shows
                    await wait_until(lambda: bool(moved), what="the share following the window")
                    await sees(page, [[0.2, 0.2], [0.9, 0.9]], [red, red], "the moved window, uncovered")
                    wins.do("close", "a")
                    await wait_until(lambda: ctl.track is None, what="the share ending with the window")
                    await page.wait_for_function("window.__call.remoteSharing === null")
                    await session.hang_up()
                    return size
                finally:
                    await context.close()

        size = arun(scenario(), timeout=90)
    assert size == [600, 400]
    assert moved[-1].region.left == 1000 and moved[-1].window == window.handle
    assert errors == ["The shared window was closed, so sharing stopped."]
