"""Call set-up benchmark: admit → first remote frame, aiortc console ↔ Chromium citizen, on loopback.

Printed beside the anchor measured in the same run: two RTCPeerConnections in one Chromium page with
trickle ICE (the browser's own best case). Then a ~10 s 720p call: CPU and the GUI-thread stall
(lateness of a 10 ms Qt PreciseTimer).

    .venv/bin/python -m benchmarks.call_setup [--runs 12] [--call-seconds 10]

Both sides are "warm" before the clock starts, as in the product: the console has prepared its peer
connection, tracks and offer while the citizen waited; the citizen page has its camera/microphone
and a pre-built peer connection (the device check in the waiting room). The Chromium pair likewise
has both streams and both peer connections before its clock starts.
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

from benchmarks.common import cpu_seconds

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PAIR_PAGE = """<!doctype html><meta charset="utf-8">
<video id="a" autoplay muted></video><video id="b" autoplay muted></video>
<script>
window.runPair = async () => {
  const opts = { audio: true, video: { width: 1280, height: 720 } };
  const sa = await navigator.mediaDevices.getUserMedia(opts);
  const sb = await navigator.mediaDevices.getUserMedia(opts);
  const cfg = { iceServers: [], bundlePolicy: "max-bundle" };
  const a = new RTCPeerConnection(cfg), b = new RTCPeerConnection(cfg);
  sa.getTracks().forEach((t) => a.addTrack(t, sa));
  sb.getTracks().forEach((t) => b.addTrack(t, sb));
  a.createDataChannel("chat", { negotiated: true, id: 0 });
  b.createDataChannel("chat", { negotiated: true, id: 0 });
  const firstFrame = (pc, el) => new Promise((resolve) => {
    pc.ontrack = (e) => {
      if (e.track.kind !== "video") return;
      el.srcObject = new MediaStream([e.track]);
      el.requestVideoFrameCallback(() => resolve(performance.now()));
    };
  });
  const fa = firstFrame(a, document.getElementById("a")), fb = firstFrame(b, document.getElementById("b"));
  await new Promise((r) => setTimeout(r, 300));  // same settle time as the citizen page gets
  const t0 = performance.now();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);   // trickle both ways
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  const connected = new Promise((r) => {
    const f = () => a.connectionState === "connected" && r(performance.now());
    a.onconnectionstatechange = f;
    f();
  });
  const [tb, ta, tc] = await Promise.all([fb, fa, connected]);
  a.close(); b.close(); sa.getTracks().concat(sb.getTracks()).forEach((t) => t.stop());
  return { answerer_first_frame: tb - t0, offerer_first_frame: ta - t0, connected: tc - t0 };
};
</script>"""


def _median(xs: list[float]) -> str:
    return f"{statistics.median(xs):7.0f}" if xs else "      –"


def _range(xs: list[float]) -> str:
    return f"{min(xs):.0f}–{max(xs):.0f}" if xs else "–"


async def console_runs(context_factory: Any, base_url: str, runs: int) -> dict[str, list[float]]:
    from console.call.config import MediaSelection, SessionOptions
    from console.call.session import CallSession
    from console.call.signaling import memory_pair
    from console.call.state import CallState
    from tests.helpers.browser import open_citizen_page

    out: dict[str, list[float]] = {"connected": [], "console_first_frame": [], "browser_first_frame": []}
    for _ in range(runs):
        context = await context_factory()
        console_end, citizen_end = memory_pair()
        session = CallSession(
            "bench",
            console_end,
            ice_servers=[],
            media=MediaSelection(width=1280, height=720, synthetic_video=True, synthetic_audio=True),
            options=SessionOptions(),
        )
        page, bridge = await open_citizen_page(context, base_url, citizen_end, "?w=1280&h=720")
        try:
            first_frame = asyncio.Event()
            session.video_observers.append(lambda _f, ev=first_frame: ev.set())
            await session.prepare()
            await asyncio.sleep(0.3)  # let both sides settle, as a citizen sits in the waiting room
            t0 = time.time()
            await session.start()
            await first_frame.wait()
            await page.wait_for_function("window.__test.firstFrameAt !== null", timeout=10_000)
            first_browser = await page.evaluate("performance.timeOrigin + window.__test.firstFrameAt")
            admit = session.timings["admit"]
            assert session.state in (CallState.CONNECTED, CallState.CONNECTING)
            out["connected"].append((session.timings.get("connected", float("nan")) - admit) * 1000)
            out["console_first_frame"].append((session.timings["first_remote_video"] - admit) * 1000)
            out["browser_first_frame"].append(first_browser - t0 * 1000)
        finally:
            await session.hang_up()
            await bridge.close()
            await context.close()
    return out


async def pair_runs(context_factory: Any, runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"connected": [], "answerer_first_frame": [], "offerer_first_frame": []}
    for _ in range(runs):
        context = await context_factory()
        # A URL on 127.0.0.1 is a secure context (getUserMedia); the route serves it with no server.
        await context.route(
            "http://127.0.0.1:9/pair", lambda route: route.fulfill(body=PAIR_PAGE, content_type="text/html")
        )
        page = await context.new_page()
        await page.goto("http://127.0.0.1:9/pair")
        r = await page.evaluate("window.runPair()")
        for k, values in out.items():
            values.append(r[k])
        await context.close()
    return out


async def call_load(context_factory: Any, base_url: str, seconds: float) -> dict[str, float]:
    """A 720p call with the remote video drawn in a VideoWidget; CPU and GUI-thread lateness."""
    import psutil

    from benchmarks.common import GuiLagProbe
    from console.call.config import MediaSelection
    from console.call.session import CallSession
    from console.call.signaling import memory_pair
    from console.call.video_widget import VideoWidget
    from tests.helpers.browser import open_citizen_page

    context = await context_factory()
    console_end, citizen_end = memory_pair()
    session = CallSession(
        "load",
        console_end,
        ice_servers=[],
        media=MediaSelection(width=1280, height=720, fps=30, synthetic_video=True, synthetic_audio=True),
    )
    widget = VideoWidget()
    widget.resize(960, 540)
    widget.show()
    session.remote_video_frame.connect(widget.set_image)
    widget.display_size_changed.connect(session.set_remote_video_size)
    session.set_remote_video_size(widget.size())
    page, bridge = await open_citizen_page(context, base_url, citizen_end, "?w=1280&h=720")
    probe = GuiLagProbe()
    proc = psutil.Process()
    browser_procs = [
        p for p in psutil.process_iter(["name", "cmdline"]) if "chromium" in (p.info["name"] or "")
    ]
    enough_frames = asyncio.Event()
    session.video_observers.append(lambda _f: session.remote_video_frames >= 30 and enough_frames.set())
    try:
        await session.prepare()
        await session.start()
        await enough_frames.wait()
        await asyncio.sleep(2)  # past the first keyframes and encoder start-up
        frames0, painted0 = session.remote_video_frames, widget.frames_painted
        cpu0 = proc.cpu_times()
        bcpu0 = cpu_seconds(browser_procs)
        t0 = time.perf_counter()
        probe.start()
        await asyncio.sleep(seconds)
        probe.stop()
        dt = time.perf_counter() - t0
        cpu1 = proc.cpu_times()
        bcpu1 = cpu_seconds(browser_procs)
        browser_fps = await page.evaluate("window.__call.lastStats ? window.__call.lastStats.fps : 0")
        size = session.last_remote_video_size
        return {
            "seconds": dt,
            "python_cpu": 100 * ((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)) / dt,
            "chromium_cpu": 100 * (bcpu1 - bcpu0) / dt,
            "recv_fps": (session.remote_video_frames - frames0) / dt,
            "painted_fps": (widget.frames_painted - painted0) / dt,
            "browser_fps": float(browser_fps or 0),
            "lag_p99": probe.p99,
            "lag_max": probe.max,
            "recv_w": float(size[0]) if size else 0.0,
            "recv_h": float(size[1]) if size else 0.0,
            "dropped": float(session.renderer.dropped),
        }
    finally:
        await session.hang_up()
        await bridge.close()
        await context.close()
        widget.close()


async def main_async(args: argparse.Namespace) -> None:
    from tests.helpers.browser import launch_chromium, serve_static

    with serve_static() as base_url, tempfile.TemporaryDirectory() as home:
        async with launch_chromium(Path(home)) as browser:
            factory = browser.new_context
            await pair_runs(factory, 1)  # warm-up: first getUserMedia/codec start in this browser
            await console_runs(factory, base_url, 1)
            # Interleave the two so both see the same machine conditions.
            console: dict[str, list[float]] = {}
            pair: dict[str, list[float]] = {}
            for _ in range(args.runs):
                for k, v in (await console_runs(factory, base_url, 1)).items():
                    console.setdefault(k, []).extend(v)
                for k, v in (await pair_runs(factory, 1)).items():
                    pair.setdefault(k, []).extend(v)
            load = await call_load(factory, base_url, args.call_seconds)

    n = args.runs
    print(f"\nCall set-up on loopback, n={n} each, interleaved, ms (median, min–max)")
    print("| path | connected | first remote frame (receiver side) | first frame on the other side |")
    print("|---|---|---|---|")
    print(
        f"| aiortc console ↔ Chromium citizen: admit → | {_median(console['connected'])} "
        f"({_range(console['connected'])}) | console: {_median(console['console_first_frame'])} "
        f"({_range(console['console_first_frame'])}) | browser: {_median(console['browser_first_frame'])} "
        f"({_range(console['browser_first_frame'])}) |"
    )
    print(
        f"| Chromium ↔ Chromium (trickle), createOffer → | {_median(pair['connected'])} "
        f"({_range(pair['connected'])}) | answerer: {_median(pair['answerer_first_frame'])} "
        f"({_range(pair['answerer_first_frame'])}) | offerer: {_median(pair['offerer_first_frame'])} "
        f"({_range(pair['offerer_first_frame'])}) |"
    )
    goal = statistics.median(console["console_first_frame"])
    anchor = statistics.median(pair["answerer_first_frame"])
    verdict = "MET" if goal < 1000 and goal <= anchor else "NOT MET"
    print(f"\nGoal (< 1000 ms, ≤ the Chromium pair): console {goal:.0f} vs pair {anchor:.0f} ms → {verdict}")
    print(
        f"\n720p call for {load['seconds']:.1f} s "
        "(console sends a 1280x720@30 test pattern, draws the remote video):"
    )
    print(
        "| Python CPU % | Chromium CPU % (all processes) | received fps (size) | painted fps | browser fps "
        "| GUI lag p99 / max (ms) | frames dropped by the renderer |"
    )
    print("|---|---|---|---|---|---|---|")
    size = f"{load['recv_w']:.0f}x{load['recv_h']:.0f}"
    lag = f"{load['lag_p99']:.1f} / {load['lag_max']:.1f}"
    print(
        f"| {load['python_cpu']:.0f} | {load['chromium_cpu']:.0f} | {load['recv_fps']:.1f} ({size}) "
        f"| {load['painted_fps']:.1f} | {load['browser_fps']:.0f} | {lag} | {load['dropped']:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--call-seconds", type=float, default=10.0)
    args = parser.parse_args()
    if args.runs < 10:
        print("note: fewer than 10 runs; the issue asks for a median of at least 10", file=sys.stderr)

    import qasync
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # closing the benchmark's video widget must not stop the loop
    loop = qasync.QEventLoop(app, already_running=False)
    asyncio.set_event_loop(loop)
    loop.run_until_complete(main_async(args))


if __name__ == "__main__":
    main()
