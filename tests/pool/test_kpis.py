"""KPIs against the seeded day, computed here independently from the raw tables (plain SQL, not the
backend's code), and the CSV export with its formula-injection guard."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections import defaultdict
from datetime import datetime

import pytest

from tests.backend.support import client


def _ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _expected(db_path, day: str) -> dict:
    """Per office code: the documented definitions (backend/pool/kpis.py docstring, docs/API.md)."""
    con = sqlite3.connect(db_path)
    try:
        rows = con.execute(
            "SELECT o.code, a.status, a.outcome, a.start, r.waiting_since, r.admitted_at, r.ended_at,"
            " r.identification_failures, r.interpreter"
            " FROM appointment a JOIN office o ON o.id = a.office_id"
            " LEFT JOIN call_record r ON r.appointment_id = a.id"
        ).fetchall()
    finally:
        con.close()
    acc: dict[str, dict] = defaultdict(lambda: {"served": 0, "no_shows": 0, "resolved": 0, "idf": 0,
                                                  "interp": 0, "waits": [], "calls": []})  # fmt: skip
    for code, status, outcome, start, since, admitted, ended, idf, interp in rows:
        # Seeded offices are all Europe/Madrid; starts are stored as naive UTC, the day is 09-14 local.
        if not start.startswith(day):
            continue
        a = acc[code]
        if status == "completed":
            a["served"] += 1
            a["resolved"] += outcome == "resolved"
            a["interp"] += bool(interp)
        elif status == "no_show":
            a["no_shows"] += 1
        a["idf"] += idf or 0
        if since and admitted:
            a["waits"].append((_ts(admitted) - _ts(since)).total_seconds())
        if admitted and ended:
            a["calls"].append((_ts(ended) - _ts(admitted)).total_seconds())
    return acc


def test_kpis_match_the_seeded_day(fresh_backend):
    day = fresh_backend.day.isoformat()
    expected = _expected(fresh_backend.data_dir / "videoatencio.db", day)
    with client(fresh_backend, "laia") as laia:
        report = laia.get("/supervisor/kpis", params={"day": day}).json()
    assert report["day"] == day
    assert {o["code"] for o in report["offices"]} == {"GIR", "EBR", "BCN", "VIT"}
    for office in report["offices"]:
        e = expected[office["code"]]
        assert office["served"] == e["served"] > 0
        assert office["no_shows"] == e["no_shows"]
        assert office["resolved_first_contact"] == e["resolved"]
        assert office["identification_failures"] == e["idf"]
        assert office["avg_wait_s"] == pytest.approx(sum(e["waits"]) / len(e["waits"]), abs=0.06)
        assert office["avg_call_s"] == pytest.approx(sum(e["calls"]) / len(e["calls"]), abs=0.06)
        assert office["interpreter_share"] == pytest.approx(e["interp"] / e["served"], abs=1e-4)
    total = report["total"]
    assert total["served"] == sum(e["served"] for e in expected.values())
    assert sum(t["served"] for t in report["tramits"]) == total["served"]
    assert sum(t["no_shows"] for t in report["tramits"]) == total["no_shows"]
    # One office only.
    with client(fresh_backend, "laia") as laia:
        vit = laia.get("/supervisor/kpis", params={"day": day, "office_id": 4}).json()
        assert [o["code"] for o in vit["offices"]] == ["VIT"] and vit["total"]["served"] == expected["VIT"][
            "served"
        ]
        assert laia.get("/supervisor/kpis", params={"office_id": 99}).status_code == 404


def test_csv_export_is_escaped_and_guarded(fresh_backend):
    db = fresh_backend.data_dir / "videoatencio.db"
    con = sqlite3.connect(db)
    try:
        # An office name a spreadsheet would run as a formula, with a comma and a quote for the escaping.
        con.execute(
            "UPDATE office SET name = ? WHERE code = 'EBR'", ('=HYPERLINK("http://x","Tortosa, Ebre")',)
        )
        con.execute("UPDATE office SET name = ? WHERE code = 'GIR'", ("@SUM(A1:A9)",))
        con.commit()
    finally:
        con.close()
    day = fresh_backend.day.isoformat()
    with client(fresh_backend, "laia") as laia:
        r = laia.get("/supervisor/kpis.csv", params={"day": day})
        report = laia.get("/supervisor/kpis", params={"day": day}).json()
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:4] == ["day", "scope", "code", "name"]
    by_code = {row[2]: row for row in rows[1:] if row[1] == "office"}
    assert by_code["EBR"][3] == '\'=HYPERLINK("http://x","Tortosa, Ebre")'
    assert by_code["GIR"][3] == "'@SUM(A1:A9)"
    assert int(by_code["BCN"][4]) == next(o for o in report["offices"] if o["code"] == "BCN")["served"]
    tramit_rows = [row for row in rows if row[1] == "tramit"]
    assert len(tramit_rows) == len(report["tramits"])
    assert rows[-1][1] == "total" and int(rows[-1][4]) == report["total"]["served"]
    # No cell in the whole file starts like a formula.
    assert not [
        c for row in rows for c in row if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not c[1:2].isdigit())
    ]
