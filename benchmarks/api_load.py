"""API latency at a fixed request rate (DESIGN.md: p99 < 50 ms at 500 req/s on 2 cores, SQLite, auth).

The load is open-loop (benchmarks/loadgen.py): requests leave on a fixed schedule and latency counts
from when each was due. The anchor, measured in the same run against the same process, is
`/api/v1/health`: no auth, no database, so the gap between the rows is what auth, validation and
SQLite cost. The generator runs in this process, on the same 2 cores as the server.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import date
from pathlib import Path

from benchmarks.common import login, start_backend
from benchmarks.loadgen import LoadResult, run_load


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args(argv)
    day = date.today()
    rows: list[tuple[str, LoadResult]] = []
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_backend(Path(tmp), day, args.workers)
        try:
            auth = {"Authorization": f"Bearer {login(url)['access_token']}"}
            api = f"{url}/api/v1"
            # Warm-up so first-request costs (imports, statement caches, connections) do not count.
            asyncio.run(run_load(f"{api}/appointments?day={day.isoformat()}", 100, 2, auth))
            for name, target, headers in (
                ("GET /health (anchor: no auth, no DB)", f"{api}/health", None),
                ("GET /me (auth)", f"{api}/me", auth),
                ("GET /appointments?day (auth+validation+SQLite)", f"{api}/appointments?day={day}", auth),
            ):
                rows.append((name, asyncio.run(run_load(target, args.rate, args.seconds, headers))))
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    print(
        f"open-loop {args.rate} req/s for {args.seconds} s, {args.workers} server worker(s); goal p99 < 50 ms"
    )
    header = ("request", "req/s", "p50 ms", "p99 ms", "max ms", "non-2xx")
    print(f"| {header[0]:<48} | " + " | ".join(f"{h:>7}" for h in header[1:]) + " |")
    print(f"|{'-' * 50}|" + "|".join("-" * 9 for _ in header[1:]) + "|")
    for name, r in rows:
        print(
            f"| {name:<48} | {r.rps:>7.0f} | {r.pct(0.5):>7.1f} | {r.pct(0.99):>7.1f} "
            f"| {max(r.latencies_ms, default=float('nan')):>7.1f} | {r.non_2xx:>7} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
