"""Server-Sent Events reader (GET /api/v1/events) on a dedicated thread.

requests reads the stream in blocking calls, so it gets its own thread and its own Session. Events
and connection state reach the GUI thread through `loop.call_soon_threadsafe`. `stop()` shuts the
socket down from the GUI thread, which ends the blocking read at once instead of at the next ping.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

from console import log
from console.sync.api import CONNECT_TIMEOUT, BackendApi
from console.sync.errors import ApiError, Offline

# The server pings every 15 s; a silent stream for longer than this is a dead connection.
READ_TIMEOUT = 40.0


@dataclass(frozen=True, slots=True)
class ServerEvent:
    type: str
    data: dict[str, Any] = field(default_factory=dict)
    id: str | None = None


def parse_sse(lines: Iterable[str]) -> Iterator[ServerEvent]:
    """Turn text/event-stream lines into events (the WHATWG rules we need: id, event, data, comments)."""
    event_type, event_id = "message", None
    data_lines: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r")
        if not line:
            if data_lines:
                text = "\n".join(data_lines)
                try:
                    data = json.loads(text)
                except ValueError:
                    data = {"raw": text}
                yield ServerEvent(event_type, data if isinstance(data, dict) else {"value": data}, event_id)
            event_type, data_lines = "message", []
            continue
        if line.startswith(":"):
            continue  # comment, e.g. ": ping"
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event_type = value
        elif name == "data":
            data_lines.append(value)
        elif name == "id":
            event_id = value


class EventStream:
    """Keeps one SSE connection open, reconnecting with capped exponential backoff.

    `on_event(ServerEvent)` and `on_connected(bool)` are called on the event loop's thread.
    """

    def __init__(
        self,
        api: BackendApi,
        loop: asyncio.AbstractEventLoop,
        on_event: Callable[[ServerEvent], None],
        on_connected: Callable[[bool], None],
        backoff: tuple[float, float] = (0.5, 10.0),
    ) -> None:
        self._api = api
        self._loop = loop
        self._on_event = on_event
        self._on_connected = on_connected
        self._backoff_first, self._backoff_cap = backoff
        self._stop = threading.Event()
        self._wake = threading.Event()  # cuts a backoff wait short (stop, or "retry now")
        self._lock = threading.Lock()
        self._response: requests.Response | None = None
        self._thread: threading.Thread | None = None
        self.last_event_id: str | None = None
        self.connected = False  # written by the reader thread only

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._wake.clear()
        self._thread = threading.Thread(target=self._run, name="sse-reader", daemon=True)
        self._thread.start()

    def reconnect_now(self) -> None:
        """Skip the rest of the current backoff wait (the backend is known to be back)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        with self._lock:
            response = self._response
        if response is not None:
            _abort(response)
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.sync.warning("SSE reader did not stop within %.1f s", timeout)
            self._thread = None

    def _post(self, fn: Callable[..., None], *args: Any) -> None:
        if self._stop.is_set() or self._loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # loop closed during shutdown
            self._loop.call_soon_threadsafe(fn, *args)

    def _run(self) -> None:
        session = requests.Session()
        delay = self._backoff_first
        connected = False
        try:
            while not self._stop.is_set():
                try:
                    for event in self._read_once(session):
                        if event.type == "hello":
                            delay = self._backoff_first
                            if not connected:
                                connected = self.connected = True
                                self._post(self._on_connected, True)
                        self._post(self._on_event, event)
                except (
                    requests.RequestException,
                    ApiError,
                    Offline,
                    OSError,
                    ValueError,
                    TimeoutError,
                ) as exc:
                    if not self._stop.is_set():
                        log.sync.info("event stream lost: %s", exc)
                except AttributeError:
                    # http.client raises this when the response is closed under a read; that
                    # only happens through stop(), so anything else is a real bug to surface.
                    if not self._stop.is_set():
                        raise
                if connected:
                    connected = self.connected = False
                    self._post(self._on_connected, False)
                elif not self._stop.is_set():
                    self._post(self._on_connected, False)
                self._wake.wait(delay)
                self._wake.clear()
                if self._stop.is_set():
                    break
                delay = min(delay * 2, self._backoff_cap)
        finally:
            session.close()

    def _read_once(self, session: requests.Session) -> Iterator[ServerEvent]:
        access = self._api.tokens.get()[0]
        headers = {"Accept": "text/event-stream", "Authorization": f"Bearer {access}"}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        response = session.get(
            self._api.events_url(), headers=headers, stream=True, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)
        )
        with self._lock:
            self._response = response
        try:
            if self._stop.is_set():
                return
            if response.status_code == 401:
                self._api.refresh_blocking(access)  # then reconnect with the new token
                raise ApiError("token_expired", "event stream needed a new access token", 401)
            if response.status_code != 200:
                raise ApiError(str(response.status_code), "event stream refused", response.status_code)
            response.encoding = "utf-8"  # the SSE spec; requests would guess latin-1 for text/*
            for event in parse_sse(response.iter_lines(chunk_size=1024, decode_unicode=True)):
                if event.id is not None:
                    self.last_event_id = event.id
                yield event
        finally:
            with self._lock:
                self._response = None
            response.close()


def _abort(response: requests.Response) -> None:
    """End a blocking read in another thread by shutting the socket down for reading.

    The read then sees end-of-stream and the reader thread closes the response itself. Closing it
    from here instead would race the read: http.client drops its file object under the reader,
    which then dies with AttributeError rather than a clean end (seen on CI).
    """
    try:
        response.raw.shutdown()
    except RuntimeError:
        return  # the connection is already back in the pool: no read is blocked on it
    except (AttributeError, ValueError, OSError):
        # No socket to shut down (already closed, or a raw stream without one): closing is the
        # only way left to end the read, and the reader treats whatever it raises while stopping as the end.
        with contextlib.suppress(OSError):
            response.close()
