"""Known aiortc behaviours the console works around, each recognised exactly (never by a broad catch)."""

from __future__ import annotations

from typing import Any

_CONNECT_QUALNAME = "RTCPeerConnection.__connect"


def is_close_race(context: dict[str, Any]) -> bool:
    """True for aiortc's orphan-connect error when a connection is closed while it is still starting.

    WORKAROUND for an aiortc race (traceback in Kludex/uvicorn#840, still present in aiortc 1.16):
    setRemoteDescription() starts ``RTCPeerConnection.__connect()`` with ``ensure_future`` and never
    awaits it. When the connection is closed while that task is still walking its transceivers (a
    hang-up right after the answer, or a renegotiation replacing the connection), the next
    ``iceTransport.start()`` raises ``InvalidStateError("RTCIceTransport is closed")`` inside that
    orphan task, and asyncio reports "Task exception was never retrieved". The connection is being
    closed on purpose, so nothing is lost; every other error still counts.

    ``context`` is what asyncio passes to a loop exception handler.
    """
    exc = context.get("exception")
    if type(exc).__name__ != "InvalidStateError" or str(exc) != "RTCIceTransport is closed":
        return False
    future = context.get("future")
    get_coro = getattr(future, "get_coro", None)
    coro = get_coro() if callable(get_coro) else None
    return getattr(coro, "__qualname__", "") == _CONNECT_QUALNAME
