"""A real local HTTP server (http.server in a thread) standing in for an external system that takes
JSON by POST: the submission connector's tramitation system, the SMS/e-mail http gateway. It records
what it received and answers with the status the test sets, so the product's real HTTP client runs."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Reply = Callable[[int], "dict[str, Any] | None"]


class PostStub:
    """What the external system received (headers, parsed JSON body), and the status it answers next."""

    def __init__(self, status: int, reply: Reply) -> None:
        self.status = status
        self.reply = reply
        self.received: list[tuple[dict[str, str], Any]] = []
        # The server thread appends while the test reads; the lock keeps each pair whole.
        self.lock = threading.Lock()

    @property
    def bodies(self) -> list[Any]:
        with self.lock:
            return [body for _, body in self.received]


@contextmanager
def post_stub(path: str, status: int, reply: Reply = lambda _status: None) -> Iterator[tuple[str, PostStub]]:
    """Serves on 127.0.0.1 (a free port) until the block ends; yields the URL of `path` and the stub.
    `reply(status)` is the JSON answer (None: an empty body)."""
    state = PostStub(status, reply)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with state.lock:
                state.received.append((dict(self.headers), json.loads(body)))
                status = state.status
            data = state.reply(status)
            answer = b"" if data is None else json.dumps(data).encode()
            self.send_response(status)
            if data is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}{path}", state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
