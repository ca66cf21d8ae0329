"""The supervisor board and the informador's pool in a real console against a real backend."""

from __future__ import annotations

import httpx
import pytest
from PyQt6.QtCore import Qt

from backend.pool.seed import demo_kiosk_token
from console.models.board_models import InformadorsModel, KpiModel, WaitingModel
from console.views.supervisor import SupervisorView


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
    for model in (sup.supervisor.informadors, sup.supervisor.waiting, sup.supervisor.office_kpis):
        qtmodeltester.check(model)
    sup.window.grab().save("/tmp/supervisor-board.png", "PNG")
    sup.supervisor_view.tabs.setCurrentIndex(1)
    sup.window.grab().save("/tmp/supervisor-kpis.png", "PNG")


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


def test_informador_takes_next_and_loses_a_race_clearly(fresh_backend, consoles, until):
    marta = consoles.start(fresh_backend.url)
    consoles.login(marta, "marta")
    assert marta.window.workspace.indexOf(marta.pool_view) >= 0
    marta.window.workspace.setCurrentWidget(marta.pool_view)
    until(lambda: marta.pool.items, what="pool items")
    # Someone else takes the item marta sees first, just before she clicks.
    first = marta.pool.items[0]
    jordi = {"Authorization": f"Bearer {fresh_backend.login('jordi')['access_token']}"}
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
    informadors.set_rows(
        [
            {
                "staff_id": 1,
                "full_name": "<b>Marta</b>",
                "state": "available",
                "languages": ["ca"],
                "since": "2026-11-24T09:00:00+00:00",
                "office_code": "GIR",
            }
        ]
    )
    informadors.apply_presence({"staff_id": 2, "full_name": "Pau", "state": "away", "languages": []})
    informadors.apply_presence({"staff_id": 1, "state": "in_call"})
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
    assert waiting.alert_count() == 1
    # Catalan by default: a no-break space before the per cent sign (console/formatting.py).
    kpis.set_rows([{"name": "OAC", "served": 3, "avg_wait_s": 90.0, "interpreter_share": 0.25}])
    assert kpis.data(kpis.index(0, 3)) == "1:30" and kpis.data(kpis.index(0, 7)) == "25\u00a0%"
    for model in (informadors, waiting, kpis):
        qtmodeltester.check(model)
