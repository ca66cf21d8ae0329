"""./dev bench [name ...]: run the named benchmarks (default: all), each printing its own table."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "startup": "benchmarks.startup",  # console start → agenda shown, idle RSS
    "api": "benchmarks.api_load",  # API p99 at a fixed request rate, /health as the anchor
    "call": "benchmarks.call_setup",  # admit → first remote frame vs two Chromium peers
    "screenshare": "benchmarks.screenshare",  # 1080p Xvfb share: fps, CPU, GUI stall, latency vs Chromium
    "windows": "benchmarks.window_follow",  # following a shared window: list/locate cost vs a grab
    "board": "benchmarks.board",  # supervisor board update latency, 500 informadors + 200 waiting
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        module = importlib.import_module(BENCHMARKS[name])
        module.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
