"""The supervisor board and the informador's pool in a real console against a real backend."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
from PyQt6.QtCore import Qt

from backend.pool.seed import demo_kiosk_token
from console import formatting, i18n, paths
from console.models.board_models import (
    KPIS,
    InformadorsModel,
    KpiModel,
    PoolAppointmentsModel,
    WaitingModel,
    local_time,
)
from console.views.supervisor import SupervisorView

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(autouse=True)
def _env(console_home, collect_on_the_gui_thread, loop_always_running):
    """Console environment (tests/helpers/consoles.py), as tests/console/conftest.py does."""


def _state_of(console, username: str) -> str | None:
    model = console.supervisor.informadors
    for r in range(model.rowCount()):
        if model.row(r).get("username") == username:
            return str(model.row(r)["state"])
    return None


def test_board_follows_presence_of_other_consoles(fresh_backend, consoles, until, qtmodeltester):
    sup = consoles.start(fresh_backend.url)
    consoles.login(sup, "laia")
    until(lambda: sup.supervisor.informadors.rowCount() == 4, what="board informadors")
    # The model tester first: it then checks every change the push makes below (rows, dataChanged, resets).
    service = sup.supervisor
    for model in (service.informadors, service.waiting, service.office_kpis, service.tramit_kpis,
                  service.pool_appointments):  # fmt: skip
        qtmodeltester.check(model)
    assert sup.window.workspace.indexOf(sup.supervisor_view) >= 0
    assert sup.window.workspace.indexOf(sup.pool_view) < 0
    until(lambda: sup.events is not None and sup.events.connected, what="event stream")
    # Another informador's console (plain REST here) changes state: the board follows from the push.
    pau = {"Authorization": f"Bearer {fresh_backend.login('pau')['access_token']}"}
    r = httpx.put(f"{fresh_backend.api}/presence", json={"state": "in_call"}, headers=pau, timeout=10)
    assert r.status_code == 200
    until(lambda: _state_of(sup, "pau") == "in_call", what="pau in a call on the board")
    # A walk-in arrives at a kiosk: the waiting list gets it without a manual refresh.
    before = sup.supervisor.waiting.rowCount()
    tramit = httpx.get(f"{fresh_backend.api}/tramits", headers=pau, timeout=10).json()[0]["code"]
    r = httpx.post(
        f"{fresh_backend.api}/kiosk/{demo_kiosk_token('EBR')}/tickets",
        json={"language": "ca", "tramit_code": tramit},
        timeout=10,
    )
    assert r.status_code == 201
    until(lambda: sup.supervisor.waiting.rowCount() == before + 1, what="walk-in on the board")
    # The seeded walk-in waiting 12 minutes is an alert.
    assert sup.supervisor.waiting.alert_count() >= 1
    sup.supervisor_view._tick()
    assert not sup.supervisor_view.alert_label.isHidden()
    until(lambda: sup.supervisor.office_kpis.rowCount() == 4, what="KPIs")


def test_reassign_and_csv_export_from_the_board(fresh_backend, consoles, until, monkeypatch, tmp_path):
    sup = consoles.start(fresh_backend.url)
    consoles.login(sup, "laia")
    until(lambda: sup.supervisor.waiting.rowCount() >= 3, what="waiting citizens")
    view = sup.supervisor_view
    row = next(
        r
        for r in range(sup.supervisor.waiting.rowCount())
        if sup.supervisor.waiting.row(r)["office_code"] == "BCN"
    )
    item = sup.supervisor.waiting.row(row)
    view.waiting_view.selectRow(row)
    monkeypatch.setattr(SupervisorView, "ask_reassign", classmethod(lambda cls, parent, rows: 3))
    view.reassign_button.click()
    until(
        lambda: any(
            r["appointment_id"] == item["appointment_id"] and r.get("staff_id") == 3
            for r in sup.supervisor.waiting.rows()
        ),
        what="reassigned to jordi",
    )
    target = tmp_path / "kpis.csv"
    monkeypatch.setattr(SupervisorView, "ask_csv_path", classmethod(lambda cls, parent: str(target)))
    view.export_button.click()
    until(target.exists, what="CSV written")
    assert target.read_text().startswith("day,scope,code,name,served")


def start_another(consoles, server_url: str, home: Path):
    """A second console in this process needs its own settings and cache: with the first one's it would
    resume the first one's session instead of showing the login."""
    paths.set_base_dir(home)
    return consoles.start(server_url)


def _staff_id(console, username: str) -> int:
    return next(
        int(r["staff_id"]) for r in console.supervisor.informadors.rows() if r["username"] == username
    )


def test_supervisor_gives_a_booked_pool_appointment_to_an_informador(
    fresh_backend, consoles, until, monkeypatch, tmp_path
):
    api = fresh_backend.api
    # One marta may serve (language and skill: her own pool list says so), of another office than hers.
    mine = httpx.get(f"{api}/pool", headers=fresh_backend.headers("marta"), timeout=10).json()["items"]
    item = next(
        i for i in mine if i["kind"] == "appointment" and not i["waiting_since"] and i["office_code"] != "GIR"
    )
    marta = consoles.start(fresh_backend.url)
    consoles.login(marta, "marta")
    assert marta.agenda_model.row_of(item["appointment_id"]) is None  # another office's: not in her agenda
    sup = start_another(consoles, fresh_backend.url, tmp_path / "laia-home")
    consoles.login(sup, "laia")
    booked = sup.supervisor.pool_appointments
    until(lambda: booked.rowCount() > 0, what="pool appointments on the board")
    view = sup.supervisor_view
    view.tabs.setCurrentWidget(view.pool_tab)
    row = next(r for r in range(booked.rowCount()) if booked.row(r)["id"] == item["id"])
    # Time in the pool's zone and the UI locale, the office and language as the table shows them.
    shown = [booked.data(booked.index(row, c)) for c in range(booked.columnCount())]
    assert shown[0] == formatting.time(local_time(item["start"]))
    assert shown[1:3] == [item["citizen_name"], item["office_code"]]
    SHOTS.mkdir(parents=True, exist_ok=True)
    sup.window.grab().save(str(SHOTS / "supervisor-pool-appointments.png"), "PNG")

    marta_id = _staff_id(sup, "marta")
    offered: list[list[int]] = []

    def choose(cls, parent, rows):
        offered.append([int(r["staff_id"]) for r in rows])
        return marta_id

    monkeypatch.setattr(SupervisorView, "ask_reassign", classmethod(choose))
    view.pool_appointments_view.selectRow(row)
    view.reassign_booked_button.click()
    # Marta's console hears it from the push: the appointment is in her agenda, as hers.
    until(lambda: marta.agenda_model.row_of(item["appointment_id"]) is not None, what="in marta's agenda")
    got = marta.agenda_model.appointments()[marta.agenda_model.row_of(item["appointment_id"])]
    assert got.staff_id == marta_id
    assert marta_id in offered[0]
    # Gone from what is left to give and from everyone's pool.
    until(lambda: all(r["id"] != item["id"] for r in booked.rows()), what="off the pool appointments")
    pool = httpx.get(f"{api}/pool", headers=fresh_backend.headers("laia"), timeout=10).json()["items"]
    assert item["id"] not in {i["id"] for i in pool}
    stored = httpx.get(f"{api}/appointments/{item['appointment_id']}", headers=fresh_backend.headers("laia"))
    assert stored.json()["staff_id"] == marta_id


def test_a_refused_reassignment_says_why_and_changes_nothing(fresh_backend, consoles, until, monkeypatch):
    sup = consoles.start(fresh_backend.url)
    consoles.login(sup, "laia")
    booked = sup.supervisor.pool_appointments
    until(lambda: booked.rowCount() > 0, what="pool appointments")
    item = booked.row(0)
    # Cancelled behind the board's back (straight in the database: no event, the row is now stale).
    with sqlite3.connect(fresh_backend.data_dir / "videoatencio.db") as con:
        con.execute("UPDATE appointment SET status = 'cancelled' WHERE id = ?", (item["id"],))
    view = sup.supervisor_view
    view.tabs.setCurrentWidget(view.pool_tab)
    view.pool_appointments_view.selectRow(0)
    monkeypatch.setattr(
        SupervisorView, "ask_reassign", classmethod(lambda cls, parent, rows: _staff_id(sup, "marta"))
    )
    view.reassign_booked_button.click()
    status = sup.window.statusBar()
    until(lambda: "cannot be reassigned" in status.currentMessage(), what="the refusal shown")
    assert "cancelled" in status.currentMessage()
    # The stale row goes; the appointment stayed as it was (nobody's, cancelled).
    until(lambda: all(r["id"] != item["id"] for r in booked.rows()), what="stale row dropped")
    stored = httpx.get(
        f"{fresh_backend.api}/appointments/{item['id']}", headers=fresh_backend.headers("laia")
    )
    assert stored.json()["status"] == "cancelled" and stored.json()["staff_id"] is None


@pytest.fixture
def language():
    before = (i18n._translations, i18n._language)
    yield i18n.install
    i18n._translations, i18n._language = before


def test_kpi_charts_per_office_and_tramit_show_every_kpi(fresh_backend, consoles, until, language):
    sup = consoles.start(fresh_backend.url)
    consoles.login(sup, "laia")
    service, view = sup.supervisor, sup.supervisor_view
    until(lambda: service.office_kpis.rowCount() == 4 and service.tramit_kpis.rowCount() > 0, what="KPIs")
    laia = fresh_backend.headers("laia")
    report = httpx.get(f"{fresh_backend.api}/supervisor/kpis", headers=laia, timeout=10).json()
    names = {
        t["code"]: t["names"]["ca"] for t in httpx.get(f"{fresh_backend.api}/tramits", headers=laia).json()
    }
    view.tabs.setCurrentWidget(view.kpis_tab)
    choices = [view.kpi_choice.itemData(i) for i in range(view.kpi_choice.count())]
    assert choices == [key for key, _label, _kind in KPIS]
    assert set(choices) >= {"served", "no_shows", "avg_wait_s", "avg_call_s", "resolved_first_contact_rate",
                            "identification_failures", "interpreter_share"}  # fmt: skip

    def figure(row, key):
        return None if row[key] is None else float(row[key])

    for i, key in enumerate(choices):
        view.kpi_choice.setCurrentIndex(i)
        assert view.office_chart.key == view.tramit_chart.key == key
        # The bars are the backend's figures, office by office and tràmit by tràmit (named in Catalan).
        assert view.office_chart.bars() == [(o["code"], figure(o, key)) for o in report["offices"]]
        assert view.tramit_chart.bars() == [
            (names.get(t["tramit_code"], t["name"]), figure(t, key)) for t in report["tramits"]
        ]
        assert any(v for _label, v in view.office_chart.bars()), f"the seeded day has no {key}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    sup.window.grab().save(str(SHOTS / "supervisor-kpis.png"), "PNG")
    view.tabs.setCurrentIndex(0)
    sup.window.grab().save(str(SHOTS / "supervisor-board.png"), "PNG")
    # Values written in the UI locale: Catalan per cent with a no-break space, English without.
    language("ca")
    view.kpi_choice.setCurrentIndex(choices.index("interpreter_share"))
    shares = [v for _label, v in view.office_chart.bars()]
    texts = view.office_chart.value_texts()
    assert texts == [("—" if v is None else formatting.number(v * 100) + "\u00a0%") for v in shares]
    assert any(t.endswith("\u00a0%") for t in texts)
    assert view.office_chart.title() == "Necessiten intèrpret per oficina"
    view.kpi_choice.setCurrentIndex(choices.index("avg_wait_s"))
    waits = [v for _label, v in view.office_chart.bars()]
    assert view.office_chart.value_texts() == [
        "—" if v is None else f"{int(v) // 60}:{int(v) % 60:02d}" for v in waits
    ]
    language("en")
    view.kpi_choice.setCurrentIndex(choices.index("interpreter_share"))
    assert view.office_chart.value_texts() == [
        "—" if v is None else formatting.number(v * 100, 0, "en") + "%" for v in shares
    ]
    assert view.office_chart.title() == "Needing an interpreter per office"


def test_informador_takes_next_and_loses_a_race_clearly(fresh_backend, consoles, until):
    marta = consoles.start(fresh_backend.url)
    consoles.login(marta, "marta")
    assert marta.window.workspace.indexOf(marta.pool_view) >= 0
    marta.window.workspace.setCurrentWidget(marta.pool_view)
    until(lambda: marta.pool.items, what="pool items")
    # Someone else takes the item marta sees first, just before she clicks.
    first = marta.pool.items[0]
    jordi = {"Authorization": f"Bearer {fresh_backend.login('jordi')['access_token']}"}
    # Seeded in wrap-up: only an available informador takes from the pool.
    r = httpx.put(f"{fresh_backend.api}/presence", json={"state": "available"}, headers=jordi, timeout=10)
    assert r.status_code == 200
    r = httpx.post(f"{fresh_backend.api}/pool/{first['kind']}/{first['id']}/take", headers=jordi, timeout=10)
    assert r.status_code == 200, r.text
    marta.pool_view.take_requested.emit(first["kind"], first["id"])
    until(lambda: not marta.pool_view.message.isHidden(), what="race message")
    assert "has just been taken by Jordi" in marta.pool_view.message.text()
    # Take next gets her one she may serve.
    marta.pool_view.take_next.click()
    until(lambda: "is yours now" in marta.pool_view.message.text(), what="taken")
    marta.window.grab().save("/tmp/informador-pool.png", "PNG")


def test_models_pass_the_model_tester(qtmodeltester):
    informadors, waiting, kpis = InformadorsModel(), WaitingModel(), KpiModel()
    booked = PoolAppointmentsModel()
    marta = {
        "staff_id": 1,
        "full_name": "<b>Marta</b>",
        "state": "available",
        "languages": ["ca"],
        "since": "2026-11-24T09:00:00+00:00",
        "office_code": "GIR",
    }
    informadors.set_rows([marta])
    # The tester first, so it sees the inserts, in-place changes and resets that follow.
    for model in (informadors, waiting, kpis, booked):
        qtmodeltester.check(model)
    informadors.apply_presence({"staff_id": 2, "full_name": "Pau", "state": "away", "languages": []})
    informadors.apply_presence({"staff_id": 1, "state": "in_call"})
    informadors.tick()
    assert informadors.rowCount() == 2 and informadors.row(0)["state"] == "in_call"
    assert informadors.data(informadors.index(0, 0), Qt.ItemDataRole.DisplayRole) == "<b>Marta</b>"
    waiting.set_rows(
        [
            {
                "kind": "walkin",
                "id": "1",
                "appointment_id": "a",
                "citizen_name": "X",
                "label": "VIT-001",
                "waiting_since": "2020-01-01T00:00:00+00:00",
                "language": "eu",
            }
        ]
    )
    waiting.tick()
    assert waiting.alert_count() == 1
    # Catalan by default: a no-break space before the per cent sign (console/formatting.py).
    kpis.set_rows([{"name": "OAC", "served": 3, "avg_wait_s": 90.0, "interpreter_share": 0.25}])
    assert kpis.data(kpis.index(0, 3)) == "1:30" and kpis.data(kpis.index(0, 7)) == "25\u00a0%"
    kpis.set_rows([{"tramit_code": "padro", "name": "Padró", "served": 1}])
    kpis.tramit_name = lambda code: "Census" if code == "padro" else code
    kpis.relabel_tramits()
    assert kpis.data(kpis.index(0, 0)) == "Census" and kpis.figures("served") == [("Census", 1.0)]
    booked.set_rows(
        [
            {
                "kind": "appointment",
                "id": "b",
                "start": "2026-11-24T08:30:00+00:00",
                "citizen_name": "<i>Y</i>",
                "office_code": "BCN",
                "tramit_code": "padro",
                "language": "es",
            }
        ]
    )
    booked.relabel_tramits()
    # 08:30 UTC is 09:30 in Madrid, written in the UI locale.
    assert booked.data(booked.index(0, 0)) == "09:30" and booked.data(booked.index(0, 1)) == "<i>Y</i>"
