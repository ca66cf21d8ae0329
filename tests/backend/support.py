"""Small clients for the backend tests: an authenticated httpx client and a threaded SSE reader."""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from tests.helpers.backend_server import BackendProcess


def client(server: BackendProcess, username: str | None = None) -> httpx.Client:
    headers = server.headers(username) if username else {}
    return httpx.Client(base_url=server.api, headers=headers, timeout=10)


def assert_envelope(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text)
    body: dict[str, Any] = r.json()
    assert isinstance(body.get("detail"), str) and body["detail"], body
    assert isinstance(body.get("code"), str), body
    assert isinstance(body.get("errors"), list), body
    if code is not None:
        assert body["code"] == code, body
    return body


@dataclass
class SseEvent:
    event: str
    data: dict[str, Any] | None
    id: str | None


class SseReader:
    """Reads one event stream in a thread; events (and ': ping' comments as event 'ping') go to a queue."""

    def __init__(self, url: str, headers: dict[str, str] | None = None, params: dict[str, str] | None = None):
        self.events: queue.Queue[SseEvent] = queue.Queue()
        self.status: int | None = None
        self.content_type = ""
        self.ended = threading.Event()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._client = httpx.Client(timeout=httpx.Timeout(10, read=30))
        self._url, self._headers, self._params = url, headers or {}, params or {}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._connected.wait(10):
            raise AssertionError("SSE stream did not connect")

    def _run(self) -> None:
        try:
            with self._client.stream("GET", self._url, headers=self._headers, params=self._params) as r:
                self.status = r.status_code
                self.content_type = r.headers.get("content-type", "")
                self._connected.set()
                fields: dict[str, str] = {}
                for line in r.iter_lines():
                    if self._stop.is_set():  # woken at least by the test server's 0.5 s pings
                        break
                    if line == "":
                        if fields:
                            data = json.loads(fields["data"]) if "data" in fields else None
                            self.events.put(SseEvent(fields.get("event", "message"), data, fields.get("id")))
                        fields = {}
                    elif line.startswith(":"):
                        self.events.put(SseEvent("ping", None, None))
                    else:
                        key, _, value = line.partition(":")
                        fields[key] = value[1:] if value.startswith(" ") else value
        except httpx.HTTPError:
            pass
        finally:
            self._connected.set()
            self.ended.set()

    def next(self, event: str | None = None, timeout: float = 5.0) -> SseEvent:
        """The next event (of that type, skipping others); AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {event or 'event'} within {timeout} s")
            try:
                ev = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if event is None or ev.event == event:
                return ev

    def drain(self, seconds: float) -> list[SseEvent]:
        """Everything that arrives within the given time."""
        out: list[SseEvent] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                out.append(self.events.get(timeout=left))
            except queue.Empty:
                break
        return out

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._client.close()
