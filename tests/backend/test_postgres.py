"""The same backend on PostgreSQL (tools/postgres.sh): migrations, seed, login, list, PATCH, 409."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from tests.backend.support import assert_envelope, client
from tests.helpers.backend_server import REPO_ROOT

pytestmark = pytest.mark.postgres


def test_backend_on_postgresql(postgres_backend):
    health = httpx.get(f"{postgres_backend.api}/health").json()
    assert health["database"] == "postgresql"
    with client(postgres_backend, "marta") as a, client(postgres_backend, "marta") as b:
        agenda = a.get("/appointments").json()
        assert 10 <= len([x for x in agenda if not x["pool"]]) <= 14
        assert all(x["start"].endswith(("+01:00", "+02:00")) for x in agenda)
        appt = next(x for x in agenda if x["status"] == "confirmed")
        r = a.patch(f"/appointments/{appt['id']}", json={"version": appt["version"], "status": "waiting"})
        assert r.status_code == 200 and r.json()["version"] == appt["version"] + 1
        stale = b.patch(f"/appointments/{appt['id']}", json={"version": appt["version"], "notes": "lost?"})
        assert assert_envelope(stale, 409, "stale_version")["current"] == r.json()
        assert b.get(f"/appointments/{appt['id']}").json()["notes"] == appt["notes"]
        # Text PostgreSQL cannot store is refused as input, not a 500.
        assert_envelope(a.patch(f"/appointments/{appt['id']}", json={"version": 2, "notes": "a\x00b"}), 422)
        assert_envelope(a.get("/appointments", params={"office_id": 3}), 403, "forbidden")
        assert_envelope(a.get("/appointments", params={"day": "2026-13-45"}), 422, "validation_error")
    first = postgres_backend.login("pau")
    with client(postgres_backend) as c:
        assert c.post("/auth/refresh", json={"refresh_token": first["refresh_token"]}).status_code == 200
        assert_envelope(c.post("/auth/refresh", json={"refresh_token": first["refresh_token"]}), 401)
    verify = subprocess.run(
        [sys.executable, "-m", "backend", "verify-audit", "--database-url", postgres_backend.database_url],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verify.returncode == 0 and "audit chain ok" in verify.stdout, verify.stdout + verify.stderr
