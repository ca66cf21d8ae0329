"""API latency at a fixed request rate (DESIGN.md: p99 < 50 ms at 500 req/s on 2 cores, SQLite, auth).

`hey` (Debian's package) holds the rate: `-c` workers each limited to `-q` requests/s, so the load is
open-ended like real traffic rather than a closed loop that slows down with the server. The anchor,
measured in the same run against the same process, is `/api/v1/health`: no auth, no database, so the
gap between the rows is what auth, validation and SQLite cost.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path

READY = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    total: int


def ensure_hey() -> str:
    path = shutil.which("hey")
    if path:
        return path
    subprocess.run(["apt-get", "install", "-y", "-qq", "hey"], check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("hey")
    if not found:
        raise SystemExit("hey is not installed and could not be installed")
    return found


def start_backend(data_dir: Path, day: date, workers: int) -> tuple[subprocess.Popen[str], str]:
    cmd = [
        sys.executable,
        "-m",
        "backend",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--database-url",
        f"sqlite:///{data_dir / 'bench.db'}",
        "--seed-demo",
        "--day",
        day.isoformat(),
    ]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        m = READY.search(line)
        if m:
            return proc, m.group(1)
    proc.kill()
    raise SystemExit("backend did not start")


def login(url: str) -> str:
    req = urllib.request.Request(
        f"{url}/api/v1/auth/login",
        data=json.dumps({"username": "marta", "password": "demo"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return str(json.load(resp)["access_token"])


def run_hey(hey: str, name: str, url: str, rate: int, seconds: int, token: str | None) -> Result:  # noqa: PLR0917
    workers = 50
    cmd = [hey, "-z", f"{seconds}s", "-c", str(workers), "-q", str(max(1, rate // workers))]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True).stdout

    def grab(pattern: str) -> float:
        m = re.search(pattern, out)
        return float(m.group(1)) if m else float("nan")

    statuses = {int(c): int(n) for c, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)}
    total = sum(statuses.values())
    return Result(
        name=name,
        rps=grab(r"Requests/sec:\s+([\d.]+)"),
        p50_ms=grab(r"50% in ([\d.]+) secs") * 1000,
        p99_ms=grab(r"99% in ([\d.]+) secs") * 1000,
        max_ms=grab(r"Slowest:\s+([\d.]+) secs") * 1000,
        non_2xx=total - sum(n for c, n in statuses.items() if 200 <= c < 300),
        total=total,
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args(argv)
    hey = ensure_hey()
    day = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_backend(Path(tmp), day, args.workers)
        try:
            token = login(url)
            # Warm-up so first-request costs (imports, prepared statements) do not count.
            run_hey(hey, "warm-up", f"{url}/api/v1/health", 100, 2, None)
            results = [
                run_hey(
                    hey,
                    "GET /health (anchor: no auth, no DB)",
                    f"{url}/api/v1/health",
                    args.rate,
                    args.seconds,
                    None,
                ),
                run_hey(hey, "GET /me (auth)", f"{url}/api/v1/me", args.rate, args.seconds, token),
                run_hey(
                    hey,
                    "GET /appointments?day (auth+validation+SQLite)",
                    f"{url}/api/v1/appointments?day={day.isoformat()}",
                    args.rate,
                    args.seconds,
                    token,
                ),
            ]
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    print(f"target {args.rate} req/s for {args.seconds} s, {args.workers} server worker(s); goal p99 < 50 ms")
    header = ("request", "req/s", "p50 ms", "p99 ms", "max ms", "non-2xx")
    print(f"| {header[0]:<48} | " + " | ".join(f"{h:>7}" for h in header[1:]) + " |")
    print(f"|{'-' * 50}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|")
    for r in results:
        print(
            f"| {r.name:<48} | {r.rps:>7.0f} | {r.p50_ms:>7.1f} | {r.p99_ms:>7.1f} | {r.max_ms:>7.1f} "
            f"| {r.non_2xx:>7} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
