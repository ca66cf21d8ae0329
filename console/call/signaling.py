"""The signalling seam: how a :class:`~console.call.session.CallSession` talks to the citizen's browser.

Production uses a REST (send) + Server-Sent Events (receive) implementation over the backend relay,
written with the backend routes. Tests use :func:`memory_pair`. Implementations move JSON *text*; the
session validates every received message itself (``messages.parse_signal``), so a transport never
needs to trust or understand the content.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import AsyncIterator


class SignalingClosed(ConnectionError):
    """The signalling channel was closed (by either side); no more messages will arrive."""


class Signaling(abc.ABC):
    """One party's end of the signalling channel of one call.

    ``send`` must not reorder messages: candidates must arrive after the answer they belong to.
    """

    @abc.abstractmethod
    async def send(self, text: str) -> None:
        """Send one JSON message. Raises :class:`SignalingClosed` once closed."""

    @abc.abstractmethod
    async def receive(self) -> str:
        """Wait for the next JSON message. Raises :class:`SignalingClosed` once closed."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close this end; idempotent. A pending ``receive`` raises :class:`SignalingClosed`."""

    def __aiter__(self) -> AsyncIterator[str]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str]:
        while True:
            try:
                yield await self.receive()
            except SignalingClosed:
                return


_CLOSED = object()


class MemorySignaling(Signaling):
    """One end of an in-process pair; see :func:`memory_pair`."""

    def __init__(self) -> None:
        self._inbox: asyncio.Queue[object] = asyncio.Queue()
        self.peer: MemorySignaling | None = None
        self.closed = False
        self.sent: list[str] = []  # what this end sent, for tests to inspect

    async def send(self, text: str) -> None:
        if self.closed or self.peer is None or self.peer.closed:
            raise SignalingClosed("signalling is closed")
        self.sent.append(text)
        self.peer._inbox.put_nowait(text)

    def inject(self, text: str) -> None:
        """Deliver ``text`` to this end as if the peer had sent it (tests: malformed input)."""
        self._inbox.put_nowait(text)

    async def receive(self) -> str:
        if self.closed:
            raise SignalingClosed("signalling is closed")
        item = await self._inbox.get()
        if item is _CLOSED:
            self._inbox.put_nowait(_CLOSED)  # later receive() calls fail too
            raise SignalingClosed("signalling is closed")
        assert isinstance(item, str)
        return item

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._inbox.put_nowait(_CLOSED)
        if self.peer is not None and not self.peer.closed:
            self.peer._inbox.put_nowait(_CLOSED)


def memory_pair() -> tuple[MemorySignaling, MemorySignaling]:
    """Two connected in-memory ends (console, citizen). Closing either closes the channel for both."""
    a, b = MemorySignaling(), MemorySignaling()
    a.peer, b.peer = b, a
    return a, b
