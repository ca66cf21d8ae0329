"""Server push: an event bus behind a small interface, plus the SSE wire format.

InProcessEventBus fans out inside one process. A PostgreSQL LISTEN/NOTIFY bus for several instances
can implement the same EventBus protocol: publish() sends NOTIFY, a listener task calls deliver().
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

# Who, beyond an office, must see an event: (type, data) → staff ids (backend/audience.py fills it
# with an appointment's assigned informador, who may belong to another office: the pool).
AudienceResolver = Callable[[str, dict[str, Any]], frozenset[int]]


@dataclass(frozen=True)
class Event:
    type: str
    office_id: int | None  # None: visible to every office (scoping as GET /appointments)
    data: dict[str, Any]
    id: int = 0
    # Staff members who see it whatever their office: whoever serves the appointment it is about.
    staff_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Scope:
    """What a subscriber may see: office_ids None means all offices (supervisor, admin); staff_id also
    admits events naming that staff member in their audience (a pool appointment of another office)."""

    office_ids: frozenset[int] | None
    staff_id: int | None = None

    def allows(self, event: Event) -> bool:
        return (
            self.office_ids is None
            or event.office_id is None
            or event.office_id in self.office_ids
            or (self.staff_id is not None and self.staff_id in event.staff_ids)
        )


_CLOSED = object()


class StreamClosed(Exception):
    """The bus closed (shutdown) or dropped this subscriber (it fell behind)."""


@dataclass(eq=False)
class Subscription:
    scope: Scope
    queue: asyncio.Queue[object]
    dropped: bool = False
    _bus: InProcessEventBus | None = field(default=None, repr=False)

    async def get(self, within_s: float) -> Event | None:
        """The next event; None on timeout; StreamClosed once the bus closed or dropped us."""
        try:
            item = await asyncio.wait_for(self.queue.get(), within_s)
        except TimeoutError:
            return None
        if item is _CLOSED:
            raise StreamClosed
        assert isinstance(item, Event)
        return item

    def close(self) -> None:
        if self._bus is not None:
            self._bus.unsubscribe(self)


class EventBus(Protocol):
    def start(self, loop: asyncio.AbstractEventLoop) -> None: ...
    def subscribe(self, scope: Scope) -> Subscription: ...
    def unsubscribe(self, sub: Subscription) -> None: ...
    def publish(
        self,
        type_: str,
        office_id: int | None,
        data: dict[str, Any],
        staff_ids: Iterable[int] | None = None,
    ) -> None: ...
    def close(self) -> None: ...


class InProcessEventBus:
    """asyncio queues per subscriber, bounded: a subscriber that falls behind is dropped (its stream
    ends and the client reconnects and re-reads the agenda) instead of growing memory."""

    def __init__(self, queue_size: int = 256, audience: AudienceResolver | None = None) -> None:
        self.queue_size = queue_size
        # Set by the app once the database exists; None: office scoping only (the citizen hub).
        self.audience = audience
        self._subs: set[Subscription] = set()
        self._ids = itertools.count(1)
        self._id_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.closed = False

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.closed = False

    @property
    def subscriber_count(self) -> int:
        return len(self._subs)

    def subscribe(self, scope: Scope) -> Subscription:
        sub = Subscription(scope=scope, queue=asyncio.Queue(self.queue_size + 1), _bus=self)
        if self.closed:
            sub.queue.put_nowait(_CLOSED)
        else:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def publish(
        self,
        type_: str,
        office_id: int | None,
        data: dict[str, Any],
        staff_ids: Iterable[int] | None = None,
    ) -> None:
        """Thread-safe: routes run in a worker thread, delivery happens on the event loop.

        staff_ids None: resolved by the audience resolver (if any) from the appointment the event names,
        so every publisher reaches the appointment's informador without knowing about the pool."""
        if staff_ids is None:
            audience = self.audience(type_, data) if self.audience is not None else frozenset()
        else:
            audience = frozenset(staff_ids)
        with self._id_lock:
            event = Event(type=type_, office_id=office_id, data=data, id=next(self._ids), staff_ids=audience)
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.deliver(event)
        else:
            loop.call_soon_threadsafe(self.deliver, event)

    def deliver(self, event: Event) -> None:
        for sub in list(self._subs):
            if not sub.scope.allows(event):
                continue
            # One slot is kept free for the close marker, so a full queue can still be ended.
            if sub.queue.qsize() >= self.queue_size:
                self._drop(sub)
                continue
            sub.queue.put_nowait(event)

    def _drop(self, sub: Subscription) -> None:
        sub.dropped = True
        self._subs.discard(sub)
        sub.queue.put_nowait(_CLOSED)

    def close(self) -> None:
        """Ends every open stream (server shutdown must not wait for clients to hang up)."""
        self.closed = True
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not loop:
                loop.call_soon_threadsafe(self._close_all)
                return
        self._close_all()

    def _close_all(self) -> None:
        for sub in list(self._subs):
            self._subs.discard(sub)
            sub.queue.put_nowait(_CLOSED)


def sse_message(event: str, data: dict[str, Any], id_: int | None = None) -> bytes:
    lines = []
    if id_ is not None:
        lines.append(f"id: {id_}")
    lines.append(f"event: {event}")
    # json.dumps never emits raw newlines, so one data: line is always enough.
    lines.append("data: " + json.dumps(data, separators=(",", ":"), ensure_ascii=False))
    return ("\n".join(lines) + "\n\n").encode("utf-8")


PING = b": ping\n\n"


async def stream(sub: Subscription, hello: dict[str, Any], ping_interval_s: float) -> AsyncIterator[bytes]:
    try:
        yield sse_message("hello", hello)
        while True:
            try:
                event = await sub.get(ping_interval_s)
            except StreamClosed:
                return
            if event is None:
                yield PING
            else:
                yield sse_message(event.type, event.data, event.id)
    finally:
        sub.close()
