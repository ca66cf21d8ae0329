"""PATCH /appointments/{id}: optimistic concurrency, the status state machine, outcomes."""

from __future__ import annotations

import threading

from tests.backend.support import assert_envelope, client


def _first(c, **filters):
    rows = c.get("/appointments", params=filters).json()
    assert rows, filters
    return rows[0]


def test_patch_bumps_version_and_stale_version_is_409_without_overwrite(fresh_backend):
    with client(fresh_backend, "marta") as a, client(fresh_backend, "marta") as b:
        appt = _first(a, status="confirmed")
        r = a.patch(
            f"/appointments/{appt['id']}", json={"version": appt["version"], "notes": "Ha trucat: porta DNI"}
        )
        assert r.status_code == 200, r.text
        updated = r.json()
        assert updated["version"] == appt["version"] + 1
        assert updated["notes"] == "Ha trucat: porta DNI"
        assert updated["updated_at"] > appt["updated_at"]

        # B still holds the old version: refused, told the current state, nothing overwritten.
        stale = b.patch(
            f"/appointments/{appt['id']}", json={"version": appt["version"], "notes": "B's notes"}
        )
        body = assert_envelope(stale, 409, "stale_version")
        assert body["current"] == updated
        assert b.get(f"/appointments/{appt['id']}").json()["notes"] == "Ha trucat: porta DNI"


def test_concurrent_patches_exactly_one_wins(fresh_backend):
    token = fresh_backend.headers("laia")
    with client(fresh_backend, "laia") as c:
        appt = _first(c, status="confirmed")
    results: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def patch(i):
        import httpx

        with httpx.Client(base_url=fresh_backend.api, headers=token, timeout=30) as cc:
            start.wait()
            r = cc.patch(
                f"/appointments/{appt['id']}", json={"version": appt["version"], "notes": f"writer {i}"}
            )
        with lock:
            results.append(r.status_code)

    threads = [threading.Thread(target=patch, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [200] + [409] * 11


def test_full_lifecycle_and_outcome(fresh_backend):
    with client(fresh_backend, "pau") as c:
        appt = _first(c, status="scheduled")
        version = appt["version"]
        for status in ("confirmed", "waiting", "confirmed", "waiting", "in_call"):
            r = c.patch(f"/appointments/{appt['id']}", json={"version": version, "status": status})
            assert r.status_code == 200, r.text
            assert r.json()["status"] == status
            version = r.json()["version"]
        r = c.patch(
            f"/appointments/{appt['id']}",
            json={
                "version": version,
                "status": "completed",
                "outcome": "pending_documents",
                "notes": "Falta NIE",
            },
        )
        assert r.status_code == 200, r.text
        done = r.json()
        assert (done["status"], done["outcome"], done["notes"]) == (
            "completed",
            "pending_documents",
            "Falta NIE",
        )
        # Terminal: no way back.
        back = c.patch(
            f"/appointments/{appt['id']}", json={"version": done["version"], "status": "scheduled"}
        )
        body = assert_envelope(back, 422, "invalid_transition")
        assert body["errors"][0]["field"] == "status"


def test_invalid_transitions_and_outcome_rules(fresh_backend):
    with client(fresh_backend, "nerea") as c:
        appt = _first(c, status="confirmed")
        url, v = f"/appointments/{appt['id']}", appt["version"]
        assert_envelope(c.patch(url, json={"version": v, "status": "in_call"}), 422, "invalid_transition")
        assert_envelope(c.patch(url, json={"version": v, "status": "completed"}), 422, "invalid_transition")
        body = assert_envelope(
            c.patch(url, json={"version": v, "outcome": "resolved"}), 422, "validation_error"
        )
        assert body["errors"] == [{"field": "outcome", "message": body["detail"]}]
        assert c.get(url).json()["version"] == v  # refused patches change nothing
        cancelled = c.patch(url, json={"version": v, "status": "cancelled"}).json()
        assert_envelope(c.patch(url, json={"version": cancelled["version"], "status": "confirmed"}), 422)


def test_noop_patch_keeps_version(fresh_backend):
    with client(fresh_backend, "jordi") as c:
        appt = _first(c)
        r = c.patch(f"/appointments/{appt['id']}", json={"version": appt["version"], "notes": appt["notes"]})
        assert r.status_code == 200 and r.json()["version"] == appt["version"]
