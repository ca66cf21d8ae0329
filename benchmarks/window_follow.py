"""What following a shared window costs the capture thread, beside what the capture itself costs.

    .venv/bin/python -m benchmarks.window_follow [--windows 10 40] [--calls 200]

A private Xvfb runs openbox (a reparenting EWMH window manager, as on a desktop) and N application
windows (tests/screenshare/xwindows.py). Measured, each over ``--calls`` calls: listing the windows
for the picker (``windows()``) and locating the shared one with what covers it (``locate()``, asked
every 250 ms while a window is shared). The anchor, in the same run: one mss grab of the shared
window's 800x600 rectangle plus blanking a covered corner, the work every capture tick does anyway.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import percentile


def _timed(fn: Callable[[], Any], calls: int) -> list[float]:
    out = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _row(name: str, ms: list[float]) -> str:
    return f"| {name} | {statistics.median(ms):.2f} | {percentile(ms, 0.95):.2f} | {max(ms):.2f} |"


def run(count: int, calls: int) -> list[str]:
    import mss

    from console.screenshare.capture import Region
    from console.screenshare.window_list import blank_out, covering
    from console.screenshare.windows_x11 import XcbFinder
    from tests.screenshare.xscreen import app_windows, window_manager, xvfb

    rows = []
    with xvfb() as display, window_manager(display):
        finder = XcbFinder(display)
        try:
            with app_windows(display) as wins:
                for i in range(count):
                    x, y = 40 + (i * 37) % 1000, 40 + (i * 23) % 500
                    wins.do(
                        "open", str(i), title=f"Finestra {i}", x=x, y=y, w=800, h=600, rgb=[i % 255, 90, 160]
                    )
                deadline = time.monotonic() + 20
                while len(finder.windows()) < count:  # openbox maps them one by one
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"only {len(finder.windows())} of {count} windows appeared")
                # The bottom-most window: every other one is above it, the worst case for locate().
                target = finder.windows()[-1]
                place = finder.locate(target.handle)
                assert place.region is not None
                region = place.region
                covered = covering(region, place.above)
                rows.append(
                    _row(f"list the windows (picker), {count} windows", _timed(finder.windows, calls))
                )
                rows.append(
                    _row(
                        f"locate the shared window + what covers it, {count} windows ({len(covered)} above)",
                        _timed(lambda: finder.locate(target.handle), calls),
                    )
                )
                with mss.MSS(display=display) as sct:

                    def grab_and_blank() -> None:
                        shot = sct.grab(region.as_mss())
                        blank_out(
                            bytes(shot.raw), shot.width, shot.height, covered[:1] or [Region(0, 0, 100, 100)]
                        )

                    rows.append(
                        _row(
                            "anchor: grab 800x600 + blank one covered part (every tick)",
                            _timed(grab_and_blank, calls),
                        )
                    )
        finally:
            finder.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--windows", type=int, nargs="+", default=[10, 40])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    print("\nFollowing a shared window on X11 (Xvfb + openbox), capture-thread cost per call")
    print("| what | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|")
    for count in args.windows:
        for row in run(count, args.calls):
            print(row, flush=True)
    print("locate() runs every 250 ms while a window is shared; the grab, every tick (15-30 a second).")


if __name__ == "__main__":
    main()
