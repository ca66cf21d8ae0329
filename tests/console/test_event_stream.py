"""The SSE reader against a real backend: stopping it mid-stream ends its thread cleanly.

CI once failed at a test's teardown with "Exception in thread sse-reader" (AttributeError from
http.client): stop() closed the response under the reader's read. pytest turns any exception in
a thread into an error, so each cycle here fails the test if the reader dies that way again.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx

from console.sync.api import BackendApi
from console.sync.events import EventStream
from tests.helpers.backend_server import BackendProcess

CYCLES = 40


def test_stop_during_a_live_stream_ends_the_reader_cleanly(
    backend_server: BackendProcess, arun: Any, qloop: asyncio.AbstractEventLoop
) -> None:
    api = BackendApi(backend_server.url)
    arun(api.login("marta", "demo"))
    marta = backend_server.headers("marta")  # her own presence changes come back on her stream
    done = threading.Event()
    changes = 0

    def keep_changing_presence() -> None:
        # Traffic while the stream is stopped: the reader is then likely to be mid-read.
        nonlocal changes
        with httpx.Client(base_url=backend_server.api, headers=marta, timeout=10) as client:
            while not done.is_set():
                state = "available" if changes % 2 else "away"
                client.put("/presence", json={"state": state}).raise_for_status()
                changes += 1

    traffic = threading.Thread(target=keep_changing_presence, name="presence-traffic")
    traffic.start()
    try:
        for cycle in range(CYCLES):
            connected: asyncio.Future[bool] = qloop.create_future()

            def on_connected(up: bool, fut: asyncio.Future[bool] = connected) -> None:
                if up and not fut.done():
                    fut.set_result(True)

            stream = EventStream(api, qloop, on_event=lambda event: None, on_connected=on_connected)
            stream.start()
            arun(connected, timeout=10)  # "hello" came: the reader is in its read loop
            stream.stop()
            assert not stream.running, f"cycle {cycle}: the reader thread outlived stop()"
    finally:
        done.set()
        traffic.join(10)
        api.shutdown()
    assert changes > 0, "the presence traffic did not run alongside the cycles"
