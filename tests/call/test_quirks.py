"""The aiortc close race is recognised exactly, and only it."""

from __future__ import annotations

import asyncio

import aiortc
import pytest
from aiortc.exceptions import InvalidStateError

from console.call.quirks import is_close_race


def test_predicate_names_aiortcs_real_connect_coroutine():
    # If aiortc renames or reshapes __connect, this fails instead of the filter silently matching nothing.
    connect = aiortc.RTCPeerConnection._RTCPeerConnection__connect  # type: ignore[attr-defined]
    assert connect.__qualname__ == "RTCPeerConnection.__connect"
    assert asyncio.iscoroutinefunction(connect)


def _context(coro_factory, exc: BaseException) -> dict:
    async def run():
        task = asyncio.ensure_future(coro_factory())
        await asyncio.wait([task])
        return {"exception": task.exception(), "future": task}

    return asyncio.run(run())


class RTCPeerConnection:
    """A stand-in whose connect coroutine has aiortc's exact qualname."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    async def __connect(self) -> None:
        raise self.exc

    def connect(self):
        return self.__connect()


def _orphan_connect(exc: BaseException):
    return RTCPeerConnection(exc).connect


def test_close_race_is_recognised():
    exc = InvalidStateError("RTCIceTransport is closed")
    assert is_close_race(_context(_orphan_connect(exc), exc))


@pytest.mark.parametrize(
    "exc",
    [InvalidStateError("RTCDtlsTransport is closed"), RuntimeError("RTCIceTransport is closed")],
)
def test_other_errors_in_connect_still_count(exc):
    assert not is_close_race(_context(_orphan_connect(exc), exc))


def test_same_error_elsewhere_still_counts():
    exc = InvalidStateError("RTCIceTransport is closed")

    async def somewhere_else() -> None:
        raise exc

    assert not is_close_race(_context(somewhere_else, exc))
