"""KPIs of a small fixed day whose every figure is worked out by hand below, plus one call of that day
driven live through the API (waiting → admit → completed) whose wait and length the follower records.

The day (2031-03-05, Europe/Madrid = UTC+1) is far from the seeded one, so only these rows count.
Rows, with times in UTC (wait = admitted − waiting since, call = ended − admitted):

  GIR g1  T1 completed resolved   wait 360  call  600  id-failures 1  interpreter no
  GIR g2  T2 completed referred   wait  60  call  900  id-failures 0  interpreter no
  GIR g3  T1 no_show              (no call record)
  GIR g4  T2 cancelled            waited, never admitted; id-failures 2
  VIT v1  T1 completed resolved   wait 120  call 1200  id-failures 0  interpreter yes (Arabic)
  VIT v2  T1 no_show              (no call record)
  VIT live T2 completed referred  wait W    call C     (measured)

  GIR:   served 2, no-shows 1, avg wait (360+60)/2 = 210, avg call (600+900)/2 = 750, resolved 1 (0.5),
         id-failures 1+0+2 = 3, interpreter 0/2 = 0
  VIT:   served 2, no-shows 1, avg wait (120+W)/2, avg call (1200+C)/2, resolved 1 (0.5), id-failures 0,
         interpreter 1/2 = 0.5
  T1:    served 2 (g1, v1), no-shows 2, avg wait (360+120)/2 = 240, avg call (600+1200)/2 = 900,
         resolved 2 (1.0), id-failures 1, interpreter 1/2 = 0.5
  T2:    served 2 (g2, live), no-shows 0, avg wait (60+W)/2, avg call (900+C)/2, resolved 0 (0.0),
         id-failures 2, interpreter 0/2 = 0
  total: served 4, no-shows 2, avg wait (540+W)/4, avg call (2700+C)/4, resolved 2 (0.5), id-failures 3,
         interpreter 1/4 = 0.25
  EBR, BCN: nothing (zeros, and no averages or rates).
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime

import pytest

from tests.backend.support import client
from tests.pool.support import database, poll

DAY = "2031-03-05"
T1, T2 = "targeta-discapacitat", "prestacio-pua"
GIR, VIT, MARTA, NEREA = 1, 4, 1, 4


def _ts(hm: str | None) -> str | None:
    return f"{DAY} {hm}:00.000000" if hm else None


# (name, office, staff, tràmit, language, status, outcome, start, waiting since, admitted, ended, idf, interp)
ROWS = [
    ("g1", GIR, MARTA, T1, "ca", "completed", "resolved", "09:00", "08:55", "09:01", "09:11", 1, 0),
    ("g2", GIR, MARTA, T2, "es", "completed", "referred", "09:20", "09:25", "09:26", "09:41", 0, 0),
    ("g3", GIR, MARTA, T1, "ca", "no_show", None, "09:40", None, None, None, None, None),
    ("g4", GIR, MARTA, T2, "ca", "cancelled", None, "10:00", "09:50", None, None, 2, 0),
    ("v1", VIT, NEREA, T1, "ar", "completed", "resolved", "09:00", "08:58", "09:00", "09:20", 0, 1),
    ("v2", VIT, NEREA, T1, "eu", "no_show", None, "09:30", None, None, None, None, None),
]  # fmt: skip


def _insert_day(server) -> str:
    """The fixed rows, and the live appointment (confirmed, VIT, T2); returns the live one's id."""
    live = str(uuid.uuid4())
    with database(server) as con:
        for (
            name,
            office,
            staff,
            tramit,
            lang,
            status,
            outcome,
            start,
            since,
            admitted,
            ended,
            idf,
            interp,
        ) in [
            *ROWS,
            ("live", VIT, NEREA, T2, "es", "confirmed", None, "11:00", None, None, None, None, None),
        ]:
            appt_id = live if name == "live" else str(uuid.uuid4())
            con.execute(
                "INSERT INTO appointment (id, office_id, staff_id, pool, tramit_code, level, start,"
                " duration_min, citizen_name, citizen_phone, citizen_email, language, status, version,"
                " outcome, notes, created_at, updated_at)"
                " VALUES (?, ?, ?, 0, ?, 'informativa', ?, 20, ?, '', NULL, ?, ?, 1, ?, '', ?, ?)",
                (appt_id, office, staff, tramit, _ts(start), f"Fixed {name}", lang, status, outcome,
                 _ts(start), _ts(start)),
            )  # fmt: skip
            if idf is not None:
                con.execute(
                    "INSERT INTO call_record (appointment_id, office_id, staff_id, tramit_code, walk_in,"
                    " waiting_since, admitted_at, ended_at, outcome, identification_failures, interpreter)"
                    " VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
                    (appt_id, office, staff, tramit, _ts(since), _ts(admitted), _ts(ended), outcome, idf,
                     interp),
                )  # fmt: skip
    return live


def _seconds(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


def _drive_live_call(server, appt_id: str) -> tuple[float, float, float, float]:
    """waiting → admit → completed through the API; (wait, call) from the server's own times and as
    measured here around the requests."""
    with client(server, "nerea") as nerea:
        appt = nerea.get(f"/appointments/{appt_id}").json()
        t0 = time.monotonic()
        r = nerea.patch(f"/appointments/{appt_id}", json={"version": appt["version"], "status": "waiting"})
        assert r.status_code == 200, r.text
        waiting = r.json()
        r = nerea.post(f"/appointments/{appt_id}/admit", json={"version": waiting["version"]})
        assert r.status_code == 200, r.text
        t1 = time.monotonic()
        admitted = r.json()
        r = nerea.patch(
            f"/appointments/{appt_id}",
            json={"version": admitted["version"], "status": "completed", "outcome": "referred"},
        )
        assert r.status_code == 200, r.text
        t2 = time.monotonic()
        ended = r.json()
    wait = _seconds(waiting["updated_at"], admitted["updated_at"])
    call = _seconds(admitted["updated_at"], ended["updated_at"])
    return wait, call, t1 - t0, t2 - t0


def test_kpis_of_a_hand_computed_day_with_one_live_call(fresh_backend):
    live = _insert_day(fresh_backend)
    wait, call, wait_bound, call_bound = _drive_live_call(fresh_backend, live)
    # The server's times sit inside what the client measured around the requests.
    assert 0 < wait <= wait_bound and 0 < call <= call_bound, (wait, call, wait_bound, call_bound)

    def report() -> dict | None:
        with client(fresh_backend, "laia") as laia:
            r = laia.get("/supervisor/kpis", params={"day": DAY})
        assert r.status_code == 200, r.text
        body: dict = r.json()
        vit = next(o for o in body["offices"] if o["code"] == "VIT")
        # The follower records the live call from the status events, asynchronously.
        return body if vit["avg_call_s"] is not None and vit["avg_call_s"] != 1200.0 else None

    got = poll(report, "the live call in the KPIs")
    approx = lambda x: pytest.approx(x, abs=0.06)  # noqa: E731 - the API rounds to 0.1 s
    offices = {
        o["code"]: {k: v for k, v in o.items() if k not in ("office_id", "name")} for o in got["offices"]
    }
    nothing = {"served": 0, "no_shows": 0, "avg_wait_s": None, "avg_call_s": None,
               "resolved_first_contact": 0, "resolved_first_contact_rate": None,
               "identification_failures": 0, "interpreter_share": None}  # fmt: skip
    assert offices == {
        "GIR": {"code": "GIR", "served": 2, "no_shows": 1, "avg_wait_s": 210.0, "avg_call_s": 750.0,
                "resolved_first_contact": 1, "resolved_first_contact_rate": 0.5, "identification_failures": 3,
                "interpreter_share": 0.0},
        "VIT": {"code": "VIT", "served": 2, "no_shows": 1, "avg_wait_s": approx((120 + wait) / 2),
                "avg_call_s": approx((1200 + call) / 2), "resolved_first_contact": 1,
                "resolved_first_contact_rate": 0.5, "identification_failures": 0, "interpreter_share": 0.5},
        "EBR": {"code": "EBR", **nothing},
        "BCN": {"code": "BCN", **nothing},
    }  # fmt: skip
    tramits = {t["tramit_code"]: {k: v for k, v in t.items() if k != "name"} for t in got["tramits"]}
    assert tramits == {
        T1: {"tramit_code": T1, "served": 2, "no_shows": 2, "avg_wait_s": 240.0, "avg_call_s": 900.0,
             "resolved_first_contact": 2, "resolved_first_contact_rate": 1.0, "identification_failures": 1,
             "interpreter_share": 0.5},
        T2: {"tramit_code": T2, "served": 2, "no_shows": 0, "avg_wait_s": approx((60 + wait) / 2),
             "avg_call_s": approx((900 + call) / 2), "resolved_first_contact": 0,
             "resolved_first_contact_rate": 0.0, "identification_failures": 2, "interpreter_share": 0.0},
    }  # fmt: skip
    assert got["total"] == {
        "served": 4, "no_shows": 2,
        "avg_wait_s": approx((540 + wait) / 4), "avg_call_s": approx((2700 + call) / 4),
        "resolved_first_contact": 2, "resolved_first_contact_rate": 0.5, "identification_failures": 3,
        "interpreter_share": 0.25,
    }  # fmt: skip
    # One office only: the same figures.
    with client(fresh_backend, "laia") as laia:
        vit = laia.get("/supervisor/kpis", params={"day": DAY, "office_id": VIT}).json()
    assert [o["code"] for o in vit["offices"]] == ["VIT"] and vit["total"]["served"] == 2
    assert {t["tramit_code"]: t["served"] for t in vit["tramits"]} == {T1: 1, T2: 1}
