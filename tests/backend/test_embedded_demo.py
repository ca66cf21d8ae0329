"""The embedded demo can be used for a real call at any hour: one appointment starts soon after it."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta

import httpx

from backend.embedded import start_embedded


def test_demo_has_an_appointment_soon_and_its_pin_works(tmp_path):
    server = start_embedded(tmp_path / "demo")
    try:
        api = f"{server.url}/api/v1"
        token = httpx.post(f"{api}/auth/login", json={"username": "marta", "password": "demo"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        rows = httpx.get(f"{api}/appointments", headers=headers).json()
        soon = [a for a in rows if a["citizen_name"] == "Ciutadana de prova (demo)"]
        assert len(soon) == 1 and soon[0]["status"] == "confirmed"
        starts_in = datetime.fromisoformat(soon[0]["start"]) - datetime.now(UTC)
        assert timedelta(minutes=8) < starts_in <= timedelta(minutes=10)
        appt = soon[0]["id"]
        link = httpx.post(f"{api}/appointments/{appt}/link", headers=headers)
        assert link.status_code == 200, link.text
        assert httpx.post(f"{api}/appointments/{appt}/pin", headers=headers).status_code == 202
        with sqlite3.connect(tmp_path / "demo" / "videoatencio.db") as db:
            query = "SELECT body FROM outbox_message WHERE appointment_id = ?"
            bodies = [b for (b,) in db.execute(query, (appt,))]
        pin = next(m.group(1) for b in bodies if (m := re.search(r"\b(\d{6})\b", b)))
        join_token = link.json()["url"].rsplit("/", 1)[1]
        session = httpx.post(f"{api}/citizen/session", json={"join_token": join_token, "pin": pin})
        assert session.status_code == 200, session.text  # inside the PIN's time window
    finally:
        server.stop()
