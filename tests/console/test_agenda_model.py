"""The agenda table model and its proxy, checked with qtmodeltester and through their Qt API."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PyQt6.QtCore import Qt

from console.domain.appointment import Appointment, Status
from console.domain.catalogue import Tramit
from console.models.agenda_table import (
    AgendaFilterProxy,
    AgendaTableModel,
    AppointmentRole,
    Column,
    SyncStateRole,
)

TZ = ZoneInfo("Europe/Madrid")


def appointment(n: int, status: str = "confirmed", level: str = "informativa", name: str = "") -> Appointment:
    return Appointment(
        id=f"a{n}",
        office_id=1,
        staff_id=1,
        pool=False,
        tramit_code="caca" if n % 2 else "pesca",
        level=level,
        start=datetime(2026, 11, 24, 9, 0, tzinfo=TZ) + timedelta(minutes=20 * n),
        duration_min=20,
        citizen_name=name or f"Ciutadà {n}",
        citizen_phone=f"60000000{n}",
        citizen_email=f"c{n}@example.cat",
        language="ca",
        status=Status(status),
        version=1,
    )


TRAMITS = {
    "caca": Tramit("caca", {"ca": "Llicència de caça", "es": "Licencia de caza"}),
    "pesca": Tramit("pesca", {"ca": "Llicència de pesca recreativa"}),
}


def test_model_passes_modeltester(qtmodeltester):
    model = AgendaTableModel()
    model.set_tramits(TRAMITS)
    model.set_appointments([appointment(n) for n in range(5)])
    qtmodeltester.check(model)
    model.set_sync_states({"a1": "pending", "a2": "conflict"})
    model.update_appointment(appointment(3, "waiting"))
    model.update_appointment(appointment(9))  # new row, inserted in time order
    qtmodeltester.check(model)


def test_proxy_passes_modeltester_while_filtering(qtmodeltester):
    model = AgendaTableModel()
    model.set_appointments([appointment(n, level="atesa" if n % 2 else "informativa") for n in range(6)])
    proxy = AgendaFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.set_level("atesa")
    assert proxy.rowCount() == 3
    proxy.set_text("ciutadà 3")
    assert proxy.rowCount() == 1
    qtmodeltester.check(proxy)


def test_columns_roles_and_sync_marks():
    model = AgendaTableModel()
    model.set_tramits(TRAMITS)
    model.set_appointments([appointment(1), appointment(2, "waiting")])
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert headers == ["Time", "Citizen", "Procedure", "Level", "Language", "Status"]
    assert model.index(0, Column.TIME).data() == "09:20"
    assert model.index(0, Column.TRAMIT).data() == "Llicència de caça"
    assert model.index(0, Column.LEVEL).data() == "Information"
    assert model.index(1, Column.STATUS).data() == "Waiting"
    assert model.index(1, 0).data(AppointmentRole) == appointment(2, "waiting")
    model.set_sync_states({"a1": "pending"})
    assert model.index(0, 0).data(SyncStateRole) == "pending"
    assert model.index(0, Column.STATUS).data() == "Confirmed ⟳"


def test_filter_by_status_and_sort_by_time_descending():
    model = AgendaTableModel()
    model.set_appointments([appointment(n, "waiting" if n in (1, 4) else "scheduled") for n in range(6)])
    proxy = AgendaFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_status("waiting")
    assert [proxy.index(r, Column.TIME).data() for r in range(proxy.rowCount())] == ["09:20", "10:20"]
    proxy.set_status(None)
    proxy.sort(Column.TIME, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, Column.TIME).data() == "10:40"


def test_markup_in_citizen_name_stays_text():
    model = AgendaTableModel()
    model.set_appointments([appointment(1, name="<b>Anna</b> <img src=x>")])
    assert model.index(0, Column.CITIZEN).data() == "<b>Anna</b> <img src=x>"
    tooltip = model.index(0, Column.CITIZEN).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip == "<span>&lt;b&gt;Anna&lt;/b&gt; &lt;img src=x&gt;</span>"
