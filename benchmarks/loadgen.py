"""An open-loop HTTP/1.1 load generator: requests leave on a fixed schedule, whatever the server does.

Why not hey: `hey -c N -q R` starts N workers whose rate tickers fire together, so the server sees
bursts of N simultaneous requests rather than a steady rate, and the percentiles measure the burst
queue. Here request i is due at t0 + i/rate and is sent on the next idle keep-alive connection (or a
new one); latency is measured from when it was *due*, so a stalled server cannot hide its stall by
slowing the generator down (coordinated omission). The client is a minimal asyncio HTTP/1.1 reader
(status line, headers, Content-Length body), cheap enough to leave the CPU to the server.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from benchmarks.common import percentile


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    @property
    def non_2xx(self) -> int:
        return self.errors + sum(n for code, n in self.statuses.items() if not 200 <= code < 300)


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def request(self, raw: bytes) -> int:
        self.writer.write(raw)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length:
            await self.reader.readexactly(length)
        return status


async def run_load(
    url: str, rate: float, seconds: float, headers: dict[str, str] | None = None
) -> LoadResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    head = [f"GET {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    raw = ("\r\n".join(head) + "\r\n\r\n").encode()

    idle: list[_Conn] = []
    result = LoadResult()
    pending: set[asyncio.Task[None]] = set()

    async def one(due: float) -> None:
        conn = idle.pop() if idle else _Conn(*await asyncio.open_connection(host, port))
        try:
            status = await conn.request(raw)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            result.errors += 1
            conn.writer.close()
            return
        result.latencies_ms.append((time.perf_counter() - due) * 1000)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        idle.append(conn)

    total = int(rate * seconds)
    t0 = time.perf_counter()
    for i in range(total):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(due))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(pending, timeout=30)
    result.seconds = time.perf_counter() - t0
    for conn in idle:
        conn.writer.close()
    return result
