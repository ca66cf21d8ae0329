"""Outbox through the HTTP gateway to a real local HTTP server; TURN REST API credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from tests.citizen.conftest import CitizenBackend
from tests.helpers.backend_server import BackendProcess, session_day


class _Provider(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], dict[str, Any]]] = []
    fail_next = 0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if _Provider.fail_next:
            _Provider.fail_next -= 1
            self.send_response(503)
        else:
            _Provider.received.append((dict(self.headers), body))
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_http_gateway_delivers_and_turn_credentials(tmp_path: Path) -> None:
    provider = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{provider.server_address[1]}/sms"
    env = {
        "VIDEOATENCIO_SMS_GATEWAY": "http",
        "VIDEOATENCIO_GATEWAY_URL": url,
        "VIDEOATENCIO_GATEWAY_KEY": "k3y",
        "VIDEOATENCIO_TURN_URLS": "turn:turn.example.org:3478?transport=udp",
        "VIDEOATENCIO_TURN_SECRET": "s3cret",
        "VIDEOATENCIO_STUN_URLS": "stun:stun.example.org:3478",
    }
    server = BackendProcess(tmp_path / "b", session_day(), env=env)
    server.start()
    try:
        cb = CitizenBackend(server)
        appt_id, _ = cb.appointment()
        _Provider.fail_next = 1  # the first delivery fails: the message stays in the outbox, not lost
        assert cb.issue_pin(appt_id).status_code == 202
        deadline = time.monotonic() + 5
        while not [m for m in cb.outbox(appt_id) if m["status"] == "failed"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m["error"] for m in cb.outbox(appt_id)] == ["gateway answered HTTP 503"]
        assert cb.issue_pin(appt_id).status_code == 202  # the next delivery run retries the failed one
        deadline = time.monotonic() + 5
        while len(_Provider.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_Provider.received) == 2
        headers, body = _Provider.received[-1]
        assert headers["Authorization"] == "Bearer k3y" and body["channel"] == "sms"
        assert body["to"].startswith("+34") and "PIN" in body["body"]
        assert all(m["status"] == "sent" for m in cb.outbox(appt_id))

        ice = httpx.get(f"{cb.api}/calls/{appt_id}/ice", headers=cb.headers("marta")).json()["ice_servers"]
        assert ice[0] == {"urls": ["stun:stun.example.org:3478"]}
        turn = ice[1]
        expiry, who = turn["username"].split(":")
        assert who == appt_id and 3500 < int(expiry) - time.time() <= 3600
        expected = base64.b64encode(
            hmac.new(b"s3cret", turn["username"].encode(), hashlib.sha1).digest()
        ).decode()
        assert turn["credential"] == expected
    finally:
        server.stop()
        provider.shutdown()
        provider.server_close()
