"""Background-task errors nobody awaited reach the excepthook; aiortc's known close race does not."""

from __future__ import annotations

import asyncio
import sys

from aiortc.exceptions import InvalidStateError

from console.app import install_loop_exception_handler
from tests.call.test_quirks import RTCPeerConnection


def _run_orphan(coro_factory) -> list[BaseException]:
    seen: list[BaseException] = []
    previous = sys.excepthook
    sys.excepthook = lambda _t, exc, _tb: seen.append(exc)
    loop = asyncio.new_event_loop()
    try:
        install_loop_exception_handler(loop)

        async def main() -> None:
            task = asyncio.ensure_future(coro_factory())
            await asyncio.wait([task])
            # What asyncio does for a task whose exception nobody retrieved, when it is collected:
            loop.call_exception_handler(
                {
                    "message": "Task exception was never retrieved",
                    "exception": task.exception(),
                    "future": task,
                }
            )

        loop.run_until_complete(main())
    finally:
        loop.close()
        sys.excepthook = previous
    return seen


def test_other_background_errors_reach_the_excepthook():
    async def broken() -> None:
        raise RuntimeError("lost work")

    seen = _run_orphan(broken)
    assert [str(e) for e in seen] == ["lost work"]


def test_aiortc_close_race_is_not_shown_as_an_error():
    seen = _run_orphan(RTCPeerConnection(InvalidStateError("RTCIceTransport is closed")).connect)
    assert seen == []
