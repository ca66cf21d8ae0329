"""Signalling over the backend relay: send = ``POST /calls/{id}/signal``, receive = the console's own SSE
stream (``signal`` events), routed here by the call service. No second stream is opened.

The transport moves JSON text only; :class:`~console.call.session.CallSession` validates every message
(``parse_signal``) and reports refused ones through its ``error`` signal, so a malformed relay event
is logged here and passed on for the session to refuse with a reason.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from console.call.signaling import Signaling, SignalingClosed

log = logging.getLogger("videoatencio.call")

_CLOSED = object()


class SignalingSendFailed(ConnectionError):
    """The backend did not take a message (offline, or refused it); the message is lost."""


class RestSignaling(Signaling):
    """The console's end for one appointment.

    ``post(message)`` sends one decoded message (off the GUI thread: ``BackendApi``'s worker) and may
    raise anything; failures become :class:`SignalingSendFailed`. ``deliver(payload)`` is called on the
    loop thread with the ``message`` of each ``signal`` event for this appointment.
    """

    def __init__(self, appointment_id: str, post: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        self.appointment_id = appointment_id
        self._post = post
        self._inbox: asyncio.Queue[object] = asyncio.Queue()
        self._send_lock = asyncio.Lock()  # one POST at a time: candidates must follow their answer
        self.closed = False
        self.sent = 0
        self.received = 0

    async def send(self, text: str) -> None:
        if self.closed:
            raise SignalingClosed("signalling is closed")
        message = json.loads(text)  # our own encoder produced it: always a JSON object
        async with self._send_lock:
            if self.closed:
                raise SignalingClosed("signalling is closed")
            try:
                await self._post(message)
            except Exception as exc:  # Offline, ApiError (422 from the relay), executor shut down
                log.warning("signalling %s: %s not sent: %s", self.appointment_id, message.get("type"), exc)
                raise SignalingSendFailed(str(exc)) from exc
            self.sent += 1

    def deliver(self, payload: object) -> None:
        """One relayed message from the event stream; whatever it is, the session validates it."""
        if self.closed:
            return
        if isinstance(payload, str):
            text = payload
        else:
            try:
                text = json.dumps(payload)
            except (TypeError, ValueError) as exc:
                log.warning("signalling %s: undecodable relay payload: %s", self.appointment_id, exc)
                text = "null"  # refused by the session with a reason, like any other bad message
        if not isinstance(payload, dict):
            log.warning("signalling %s: relay payload is not an object", self.appointment_id)
        self.received += 1
        self._inbox.put_nowait(text)

    async def receive(self) -> str:
        if self.closed:
            raise SignalingClosed("signalling is closed")
        item = await self._inbox.get()
        if item is _CLOSED:
            self._inbox.put_nowait(_CLOSED)
            raise SignalingClosed("signalling is closed")
        assert isinstance(item, str)
        return item

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._inbox.put_nowait(_CLOSED)
