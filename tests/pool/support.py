"""Helpers for the pool tests: kiosk tickets, presence, and informadors added straight into the test
backend's SQLite database (the API has no staff administration; the backend reads staff per request)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx

from backend.pool.seed import demo_kiosk_token
from tests.helpers.backend_server import BackendProcess

OFFICE_IDS = {"GIR": 1, "EBR": 2, "BCN": 3, "VIT": 4}


@contextmanager
def database(server: BackendProcess) -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(server.data_dir / "videoatencio.db", timeout=30)
    try:
        yield con
        con.commit()
    finally:
        con.close()


def ticket(server: BackendProcess, office: str, language: str, tramit: str) -> dict[str, Any]:
    r = httpx.post(
        f"{server.api}/kiosk/{demo_kiosk_token(office)}/tickets",
        json={"language": language, "tramit_code": tramit},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def available(server: BackendProcess, headers: dict[str, str]) -> None:
    """The informador's console says "available" (only a free informador is routed citizens)."""
    r = httpx.put(f"{server.api}/presence", json={"state": "available"}, headers=headers, timeout=10)
    assert r.status_code == 200 and r.json()["state"] == "available", r.text


def add_informador(
    server: BackendProcess, username: str, office: str, languages: list[str], skills: list[str]
) -> int:
    """A new active informador (password "demo", copied from marta's hash); returns the staff id."""
    with database(server) as con:
        (password_hash,) = con.execute("SELECT password_hash FROM staff WHERE username = 'marta'").fetchone()
        cur = con.execute(
            "INSERT INTO staff (username, full_name, role, office_id, password_hash, languages, skills,"
            " active) VALUES (?, ?, 'informador', ?, ?, ?, ?, 1)",
            (
                username,
                f"Test {username}",
                OFFICE_IDS[office],
                password_hash,
                json.dumps(languages),
                json.dumps(skills),
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid


def set_skills(server: BackendProcess, username: str, skills: list[str]) -> None:
    with database(server) as con:
        cur = con.execute("UPDATE staff SET skills = ? WHERE username = ?", (json.dumps(skills), username))
        assert cur.rowcount == 1


def poll(fn: Any, what: str, timeout_s: float = 10.0, interval_s: float = 0.05) -> Any:
    """fn() until it returns something truthy, bounded; AssertionError naming `what` on timeout."""
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval_s)


def waiting_appointments(c: httpx.Client, staff_id: int, n: int) -> list[dict[str, Any]]:
    """n of the staff member's appointments today, moved to the waiting room."""
    mine = [
        a
        for a in c.get("/appointments").json()
        if a["staff_id"] == staff_id and a["status"] in ("scheduled", "confirmed")
    ]
    assert len(mine) >= n, f"only {len(mine)} appointments to move to waiting"
    out = []
    for a in mine[:n]:
        r = c.patch(f"/appointments/{a['id']}", json={"version": a["version"], "status": "waiting"})
        assert r.status_code == 200, r.text
        out.append(r.json())
    return out


def take_race(server: BackendProcess, path: str, tokens: list[str]) -> list[httpx.Response]:
    """Every token POSTs `path` (a take) at once, each on its own connection, released together by a
    barrier: the answers, in the tokens' order."""
    barrier = threading.Barrier(len(tokens))

    def take(token: str) -> httpx.Response:
        with httpx.Client(base_url=server.api, timeout=30) as http:
            barrier.wait()
            return http.post(path, headers={"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(len(tokens)) as pool:
        return list(pool.map(take, tokens))


def take_and_admit(c: httpx.Client, ticket_id: str) -> dict[str, Any]:
    """The informador takes the walk-in and admits the citizen; the admitted appointment."""
    r = c.post(f"/pool/walkin/{ticket_id}/take")
    assert r.status_code == 200, r.text
    appt = r.json()["appointment"]
    r = c.post(f"/appointments/{appt['id']}/admit", json={"version": appt["version"]})
    assert r.status_code == 200, r.text
    admitted: dict[str, Any] = r.json()
    return admitted
