"""The backend process starts, seeds the demo day and answers the basic routes."""

from __future__ import annotations

import httpx


def test_health_and_agenda(backend_server):
    r = httpx.get(f"{backend_server.api}/health")
    assert r.json() == {"status": "ok", "version": "0.1.0", "database": "sqlite"}
    h = backend_server.headers("marta")
    agenda = httpx.get(f"{backend_server.api}/appointments", headers=h).json()
    assert 10 <= len([a for a in agenda if not a["pool"]]) <= 14
    assert all(a["office_id"] == 1 for a in agenda)
    assert all(a["start"].startswith(backend_server.day.isoformat()) for a in agenda)


def test_restart_keeps_port_and_data(backend_server):
    before = httpx.get(f"{backend_server.api}/health").status_code
    url = backend_server.url
    backend_server.stop()
    try:
        httpx.get(f"{backend_server.api}/health", timeout=2)
        raise AssertionError("backend still answering after stop()")
    except httpx.TransportError:
        pass
    backend_server.start()
    assert backend_server.url == url
    assert before == httpx.get(f"{backend_server.api}/health").status_code == 200
    assert backend_server.login("marta")["staff"]["username"] == "marta"
