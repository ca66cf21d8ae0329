"""Screen-share benchmark: a 1920x1080 Xvfb screen shared by the console (mss → aiortc, H.264) to a
Chromium citizen page, beside Chromium sharing the same screen (getDisplayMedia → a second
RTCPeerConnection in the same page) in the same run.

    .venv/bin/python -m benchmarks.screenshare [--seconds 15] [--max-fps 30]

The screen shows tests/screenshare/xpattern.py in "clock" mode: colour blocks, a moving bar, and the
wall-clock time in ms drawn as 24 black/white blocks, repainted every ~8 ms. The receiving page reads
the time back from every presented frame (requestVideoFrameCallback), so "glass-to-glass" latency is
receive-time − drawn-time, both on this machine's clock (it includes Xvfb's repaint, capture, encode,
transport, decode and presentation). GUI stall = lateness of a 10 ms Qt PreciseTimer in the console.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import cpu_seconds, percentile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

READER_JS = """
window.__measure = (video, seconds, points) => new Promise((resolve) => {
  const c = document.createElement("canvas");
  const ctx = c.getContext("2d", { willReadFrequently: true });
  const lat = []; let frames = 0; const t0 = performance.now(); let size = null;
  const f = (now, meta) => {
    frames += 1;
    c.width = video.videoWidth; c.height = video.videoHeight; size = [c.width, c.height];
    ctx.drawImage(video, 0, 0);
    let v = 0;
    points.forEach(([x, y], bit) => {
      const d = ctx.getImageData(Math.floor(x * c.width), Math.floor(y * c.height), 1, 1).data;
      if (d[0] + d[1] + d[2] > 384) v |= 1 << bit;
    });
    const nowMs = Date.now() % (1 << 24);
    let l = (nowMs - v + (1 << 24)) % (1 << 24);
    if (l < 5000) lat.push(l);
    if (performance.now() - t0 < seconds * 1000) video.requestVideoFrameCallback(f);
    else resolve({ frames, fps: frames / ((performance.now() - t0) / 1000), lat, size });
  };
  video.requestVideoFrameCallback(f);
});
"""

ANCHOR_PAGE = """<!doctype html><meta charset="utf-8"><video id="v" autoplay muted playsinline></video>
<button id="go">share</button><script>READER_JS
window.__start = async () => {
  const s = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { max: MAX_FPS },
      width: { max: 1920 }, height: { max: 1080 } }, audio: false });
  const track = s.getVideoTracks()[0]; track.contentHint = "detail";
  const a = new RTCPeerConnection(), b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  const tx = a.addTransceiver(track, { direction: "sendonly" });
  const all = RTCRtpSender.getCapabilities("video").codecs;
  const isH264 = (c) => c.mimeType === "video/H264";
  tx.setCodecPreferences(all.filter(isH264).concat(all.filter((c) => !isH264(c))));
  const got = new Promise((r) => (b.ontrack = (e) => r(e.track)));
  await a.setLocalDescription(); await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(); await a.setRemoteDescription(b.localDescription);
  const v = document.getElementById("v"); v.srcObject = new MediaStream([await got]);
  window.__pcs = [a, b, track];
  return track.label;
};
</script>"""


def _chromium_procs(exclude: set[int] | None = None) -> list[Any]:
    """Chromium processes started by this benchmark (children of this process), minus ``exclude``."""
    import psutil

    out = []
    for p in psutil.Process().children(recursive=True):
        try:
            if "chrom" in p.name() and p.pid not in (exclude or set()):
                out.append(p)
        except Exception:  # noqa: BLE001 - gone already
            continue
    return out


async def console_share(
    browser: Any, base_url: str, seconds: float, max_fps: float, home: str
) -> dict[str, Any]:
    import psutil

    from benchmarks.common import GuiLagProbe
    from console.call.config import MediaSelection
    from console.call.session import CallSession
    from console.call.signaling import memory_pair
    from console.screenshare.capture import Region, ShareSource
    from console.screenshare.controller import ScreenShareController
    from console.screenshare.track import CaptureSettings
    from tests.screenshare.conftest import open_share_page
    from tests.screenshare.xscreen import clock_points

    console_end, citizen_end = memory_pair()
    session = CallSession(
        "bench",
        console_end,
        ice_servers=[],
        media=MediaSelection(width=640, height=360, fps=15, synthetic_video=True, synthetic_audio=True),
    )
    ctl = ScreenShareController(session, settings=CaptureSettings(max_fps=max_fps))
    context = await browser.new_context()
    page, bridge = await open_share_page(context, base_url, citizen_end)
    probe = GuiLagProbe()
    try:
        await session.prepare()
        await session.start()
        while session.state.value != "connected":  # noqa: ASYNC110 - polling a Qt-side state, bounded by the caller
            await asyncio.sleep(0.02)
        await ctl.start_share(ShareSource("monitor", Region(0, 0, 1920, 1080), "Xvfb"))
        await page.wait_for_function("window.__ui.remote.video.videoWidth > 0", timeout=20_000)
        await page.evaluate("() => {" + READER_JS + "}")
        await asyncio.sleep(3)  # bandwidth estimate ramp-up and first keyframes
        proc = psutil.Process()
        browsers = _chromium_procs()
        cpu0, bcpu0, t0 = proc.cpu_times(), cpu_seconds(browsers), time.perf_counter()
        probe.start()
        result = await page.evaluate(
            "([s, p]) => window.__measure(window.__ui.remote.video, s, p)", [seconds, clock_points()]
        )
        probe.stop()
        dt = time.perf_counter() - t0
        cpu1 = proc.cpu_times()
        result["python_cpu"] = 100 * ((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)) / dt
        result["chromium_cpu"] = 100 * (cpu_seconds(browsers) - bcpu0) / dt
        result["lag_max"] = probe.max
        result["lag_p99"] = probe.p99
        assert ctl.track is not None
        result["capture_max_ms"] = ctl.track.stats.max_work_ms
        result["fps_cap"] = ctl.track.fps_cap
        return result
    finally:
        probe.stop()
        await ctl.close()
        await session.hang_up()
        await bridge.close()
        await context.close()


async def chromium_share(display: str, seconds: float, max_fps: float) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS, chromium_env
    from tests.screenshare.xscreen import clock_points

    args = [a for a in CHROMIUM_ARGS if not a.startswith(("--use-fake-ui", "--use-fake-device"))]
    args.append("--auto-select-desktop-capture-source=Entire screen")
    before = {p.pid for p in _chromium_procs()}  # the citizen browser of the console runs: not ours
    with tempfile.TemporaryDirectory() as home:
        env = chromium_env(Path(home))
        env["DISPLAY"] = display
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=args, env=env)
            try:
                context = await browser.new_context()
                await context.grant_permissions(["camera", "microphone"])
                body = ANCHOR_PAGE.replace("READER_JS", READER_JS).replace("MAX_FPS", str(int(max_fps)))
                await context.route(
                    "http://127.0.0.1:9/a", lambda r: r.fulfill(body=body, content_type="text/html")
                )
                page = await context.new_page()
                await page.goto("http://127.0.0.1:9/a")
                await page.click("#go")  # user activation for getDisplayMedia
                label = await page.evaluate("window.__start()")
                await page.wait_for_function("document.getElementById('v').videoWidth > 0", timeout=20_000)
                await asyncio.sleep(3)
                procs = _chromium_procs(before)
                c0, t0 = cpu_seconds(procs), time.perf_counter()
                result = await page.evaluate(
                    "([s, p]) => window.__measure(document.getElementById('v'), s, p)",
                    [seconds, clock_points()],
                )
                result["chromium_cpu"] = 100 * (cpu_seconds(procs) - c0) / (time.perf_counter() - t0)
                result["label"] = label
                return result
            finally:
                await browser.close()


async def main_async(args: argparse.Namespace) -> None:
    from tests.helpers.browser import launch_chromium
    from tests.screenshare.conftest import serve
    from tests.screenshare.xscreen import pattern, xvfb

    with (
        xvfb() as display,
        pattern(display, "clock"),
        serve() as base_url,
        tempfile.TemporaryDirectory() as home,
    ):
        os.environ["DISPLAY"] = display  # mss (console) captures this screen; Qt stays offscreen
        runs_console, runs_chromium = [], []
        async with launch_chromium(Path(home)) as browser:
            for _ in range(args.repeats):
                runs_console.append(await console_share(browser, base_url, args.seconds, args.max_fps, home))
                runs_chromium.append(await chromium_share(display, args.seconds, args.max_fps))

    print(
        f"\n1920x1080 Xvfb screen (clock pattern, repainted ~every 8 ms), {args.seconds:.0f} s windows, cap {args.max_fps:.0f} fps"  # noqa: E501 - table text
    )
    print(
        "| run | sender | received size | fps at the receiver | sender CPU % | Chromium CPU % | GUI stall max (p99) ms | latency p50 / p95 / max ms |"  # noqa: E501 - table text
    )
    print("|---|---|---|---|---|---|---|---|")
    for i, (c, b) in enumerate(zip(runs_console, runs_chromium, strict=True), 1):
        lat_c, lat_b = c["lat"], b["lat"]
        print(
            f"| {i} | console (mss → aiortc H.264) | {c['size'][0]}x{c['size'][1]} | {c['fps']:.1f} | "
            f"{c['python_cpu']:.0f} (Python) | {c['chromium_cpu']:.0f} (receiver) | {c['lag_max']:.1f} ({c['lag_p99']:.1f}) | "  # noqa: E501 - table text
            f"{statistics.median(lat_c):.0f} / {percentile(lat_c, 0.95):.0f} / {max(lat_c):.0f} |"
        )
        print(
            f"| {i} | Chromium getDisplayMedia ({b['label']}) | {b['size'][0]}x{b['size'][1]} | {b['fps']:.1f} | – | "  # noqa: E501 - table text
            f"{b['chromium_cpu']:.0f} (sender+receiver) | – | "
            f"{statistics.median(lat_b):.0f} / {percentile(lat_b, 0.95):.0f} / {max(lat_b):.0f} |"
        )
    c = runs_console[-1]
    ok = c["fps"] >= 15 and c["lag_max"] <= 50 and statistics.median(c["lat"]) < 250
    print(
        f"\nGoal (≥ 15 fps at 1080p, GUI stall ≤ 50 ms, latency < 250 ms), last run: {'MET' if ok else 'NOT MET'}"  # noqa: E501 - table text
    )
    print(
        f"capture thread: slowest tick {c['capture_max_ms']:.1f} ms; adaptive cap at the end {c['fps_cap']:.1f} fps"  # noqa: E501 - table text
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--max-fps", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)

    import qasync
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app, already_running=False)
    asyncio.set_event_loop(loop)
    loop.run_until_complete(main_async(args))


if __name__ == "__main__":
    main()
