"""The audit log: logins and appointment changes are chained; verification finds tampering."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime

import httpx
import pytest

from backend import audit
from backend.db import Database
from backend.migrate import upgrade_head
from backend.models import AuditEvent
from tests.backend.support import client
from tests.helpers.backend_server import REPO_ROOT


def _verify(database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend", "verify-audit", "--database-url", database_url],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_logins_and_changes_are_audited_and_tampering_is_detected(fresh_backend):
    with client(fresh_backend, "marta") as c:
        appt = c.get("/appointments", params={"status": "confirmed"}).json()[0]
        c.patch(f"/appointments/{appt['id']}", json={"version": appt["version"], "status": "waiting"})
    assert fresh_backend.login("marta")
    with pytest.raises(httpx.HTTPStatusError):
        fresh_backend.login("marta", "wrong")

    db_file = fresh_backend.database_url.removeprefix("sqlite:///")
    con = sqlite3.connect(db_file)
    try:
        rows = con.execute("SELECT action, object_id, payload FROM audit_event ORDER BY id").fetchall()
        actions = [r[0] for r in rows]
        assert actions[0] == "seed.demo"
        assert actions.count("auth.login") >= 2 and "auth.login_failed" in actions
        change = next(r for r in rows if r[0] == "appointment.updated")
        assert change[1] == appt["id"]
        assert json.loads(change[2])["data"]["changes"] == {"status": ["confirmed", "waiting"]}

        ok = _verify(fresh_backend.database_url)
        assert ok.returncode == 0 and "audit chain ok" in ok.stdout, ok.stdout + ok.stderr

        # Someone edits a row behind the application's back.
        forged = change[2].replace('"waiting"', '"completed"')
        con.execute("UPDATE audit_event SET payload = ? WHERE action = 'appointment.updated'", (forged,))
        con.commit()
    finally:
        con.close()
    broken = _verify(fresh_backend.database_url)
    assert broken.returncode == 1 and "BROKEN" in broken.stdout and "hash does not match" in broken.stdout


def _db(tmp_path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'audit.db'}")
    upgrade_head(db.engine)
    with db.write() as s:
        for i in range(5):
            audit.append(
                s, "test.event", object_type="thing", object_id=str(i), actor_staff_id=None, data={"i": i}
            )
    return db


def test_verify_detects_deleted_reordered_and_rewritten_rows(tmp_path):
    db = _db(tmp_path)
    with db.read() as s:
        report = audit.verify_chain(s)
    assert report.ok and report.checked == 5

    with db.write() as s:
        s.query(AuditEvent).filter(AuditEvent.id == 3).delete()
    with db.read() as s:
        report = audit.verify_chain(s)
    assert not report.ok and report.first_bad_id == 4 and "missing" in report.reason

    # Rewriting a row *and* recomputing its hash still breaks the next link.
    db2 = _db(tmp_path / "b")
    with db2.write() as s:
        row = s.get(AuditEvent, 2)
        assert row is not None
        row.payload = row.payload.replace('"i":1', '"i":42')
        row.hash = audit._link(row.prev_hash, row.payload)
    with db2.read() as s:
        report = audit.verify_chain(s)
    assert not report.ok and report.first_bad_id == 3

    # A column edited without touching the payload is caught too.
    db3 = _db(tmp_path / "c")
    with db3.write() as s:
        row = s.get(AuditEvent, 1)
        assert row is not None
        row.at = datetime(2000, 1, 1, tzinfo=UTC)
    with db3.read() as s:
        report = audit.verify_chain(s)
    assert not report.ok and report.first_bad_id == 1 and "at" in report.reason
    for d in (db, db2, db3):
        d.dispose()
