"""Small helpers shared by the call tests."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from console.call.config import MediaSelection, SessionOptions
from console.call.session import CallSession
from console.call.signaling import Signaling


async def wait_until(predicate: Callable[[], bool], limit: float = 10.0, what: str = "") -> None:
    """Bounded polling (aiortc's own tests use the same ``sleepWhile`` pattern), never a fixed sleep."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit} s waiting for {what or predicate}")
        await asyncio.sleep(0.02)


def make_session(signaling: Signaling, call_id: str = "call-1", **options: float) -> CallSession:
    return CallSession(
        call_id,
        signaling,
        ice_servers=[],
        media=MediaSelection(width=640, height=360, synthetic_video=True, synthetic_audio=True),
        options=SessionOptions(**options),  # type: ignore[arg-type]
    )


def call_threads() -> list[str]:
    """Threads a call may leave behind if teardown is broken: our renderers and aiortc's codecs."""
    return sorted(
        t.name
        for t in threading.enumerate()
        if t.name.startswith("call-") or "decoder" in t.name.lower() or "encoder" in t.name.lower()
    )


def live_tasks(baseline: set[asyncio.Task[object]]) -> list[str]:
    """Tasks still running that did not exist at ``baseline`` (taken at the start of the scenario)."""
    return sorted(t.get_name() for t in asyncio.all_tasks() - baseline if not t.done())
