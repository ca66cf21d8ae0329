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


def test_proxy_passes_modeltester_while_sorting_and_filtering(qtmodeltester):
    model = AgendaTableModel()
    model.set_tramits(TRAMITS)
    model.set_appointments([appointment(n, level="atesa" if n % 2 else "informativa") for n in range(6)])
    proxy = AgendaFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    # Qt's QAbstractItemModelTester stays attached to the proxy: each sort, filter and source change
    # below is checked as it happens, and its findings are Qt warnings, which fail the test.
    tester = qtmodeltester._qt_tester
    assert tester is not None and tester.model() is proxy

    def times() -> list[str]:
        return [proxy.index(r, Column.TIME).data() for r in range(proxy.rowCount())]

    proxy.sort(Column.TIME, Qt.SortOrder.DescendingOrder)
    assert times() == ["10:40", "10:20", "10:00", "09:40", "09:20", "09:00"]
    proxy.sort(Column.TRAMIT, Qt.SortOrder.AscendingOrder)
    assert [proxy.index(r, Column.TRAMIT).data() for r in range(6)] == ["Llicència de caça"] * 3 + [
        "Llicència de pesca recreativa"
    ] * 3
    proxy.sort(Column.TIME, Qt.SortOrder.DescendingOrder)
    proxy.set_level("atesa")
    assert times() == ["10:40", "10:00", "09:20"]
    proxy.set_text("ciutadà 3")
    assert times() == ["10:00"]
    proxy.set_text("")
    # Source changes while sorted and filtered: a row leaves the filter, a new one enters in order.
    model.update_appointment(appointment(3, level="informativa"))
    assert times() == ["10:40", "09:20"]
    model.update_appointment(appointment(7, level="atesa"))
    assert times() == ["11:20", "10:40", "09:20"]
    proxy.set_status("waiting")
    assert times() == []
    model.update_appointment(appointment(1, "waiting", level="atesa"))
    assert times() == ["09:20"]
    proxy.set_status(None)
    proxy.set_level(None)
    model.set_appointments([appointment(n) for n in range(3)])  # a new day: a model reset
    assert times() == ["09:40", "09:20", "09:00"]
    proxy.sort(-1)  # back to the source order
    assert times() == ["09:00", "09:20", "09:40"]
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


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_status_colours_follow_the_theme_with_enough_contrast():
    """WCAG ratios computed from the colours the model gives: AA (4.5:1) in the light theme, AAA (7:1)
    in high contrast, for every status, the sync marks and the finished rows' other cells."""
    model = AgendaTableModel()
    statuses = [s.value for s in Status]
    model.set_appointments([appointment(n, status) for n, status in enumerate(statuses)])
    model.set_sync_states({"a0": "pending", "a1": "conflict"})
    for theme, minimum in (("light", 4.5), ("high_contrast", 7.0)):
        model.set_theme(theme)
        for row in range(model.rowCount()):
            cell = model.index(row, Column.STATUS)
            bg = cell.data(Qt.ItemDataRole.BackgroundRole).name()
            fg = cell.data(Qt.ItemDataRole.ForegroundRole).name()
            assert contrast(bg, fg) >= minimum, (theme, statuses[row], bg, fg)
            other = model.index(row, Column.CITIZEN).data(Qt.ItemDataRole.ForegroundRole)
            if other is not None:  # finished rows recede, still readable on the theme's surface
                surface = "#ffffff" if theme == "light" else "#000000"
                assert contrast(surface, other.name()) >= minimum, (theme, statuses[row], other.name())
    assert model.index(0, Column.STATUS).data(Qt.ItemDataRole.BackgroundRole).name() == "#000000"


def test_a_theme_change_repaints_the_rows(qtbot):
    model = AgendaTableModel()
    model.set_appointments([appointment(1, "completed")])
    with qtbot.waitSignal(model.dataChanged):
        model.set_theme("high_contrast")
    assert model.theme == "high_contrast"
