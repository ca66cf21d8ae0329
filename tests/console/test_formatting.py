"""Dates, times and numbers in the locale of the chosen UI language (console/formatting.py), and the
agenda, detail pane and supervisor board using it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from console import formatting, i18n
from console.models.agenda_table import AgendaTableModel, Column
from console.models.board_models import KPI_COLUMNS, KpiModel
from tests.console.test_agenda_model import appointment

DAY = date(2026, 11, 24)  # a Tuesday
AT = datetime(2026, 11, 24, 9, 5, tzinfo=ZoneInfo("Europe/Madrid"))

LONG = {
    "ca": "dimarts, 24 de novembre del 2026",
    "es": "martes, 24 de noviembre de 2026",
    "en": "Tuesday, 24 November 2026",
}


@pytest.fixture
def language():
    before = (i18n._translations, i18n._language)
    yield i18n.install
    i18n._translations, i18n._language = before


@pytest.mark.parametrize("lang", sorted(LONG))
def test_long_date_in_each_language(lang):
    assert formatting.date_long(DAY, lang) == LONG[lang]


def test_basque_long_date_has_its_own_order():
    text = formatting.date_long(DAY, "eu")
    assert "azaroaren" in text and "asteartea" in text and text.startswith("2026")


def test_short_dates_keep_the_locale_order_with_four_digit_years():
    assert formatting.date_short(DAY, "ca") == "24/11/2026"
    assert formatting.date_short(DAY, "en") == "24/11/2026"
    assert formatting.date_short(DAY, "eu") == "2026/11/24"
    assert formatting.date_pattern("eu") == "yyyy/M/d"


def test_times_are_24_hour_and_aligned():
    for lang in i18n.LANGUAGES:
        assert formatting.time(AT, lang) == "09:05", lang


def test_numbers_use_the_locale_decimal_separator():
    assert formatting.number(1234.5, 1, "ca") == "1.234,5"
    assert formatting.number(1234.5, 1, "en") == "1,234.5"
    assert formatting.percent(12.5, 1, "es") == "12,5\u00a0%"
    assert formatting.percent(12.5, 1, "en") == "12.5%"
    assert formatting.bitrate(1_200_000, "eu") == "1,2\u00a0Mbit/s"
    assert formatting.bitrate(850_000, "en") == "850\u00a0kbit/s"


def test_the_same_appointment_renders_per_locale(language, qtbot):
    from console.views.agenda import AgendaView

    model = AgendaTableModel()
    model.set_appointments([appointment(0)])
    view = AgendaView(model)
    qtbot.addWidget(view)
    for lang in ("ca", "en"):
        language(lang)
        view.retranslate()
        view.show_day(DAY)
        assert view.day_title.text() == LONG[lang]
        assert view.date_edit.text() == "24/11/2026"
        assert model.index(0, Column.TIME).data() == "09:00"
        view.detail.show_appointment(appointment(0))
        texts = " ".join(lbl.text() for lbl in view.detail.findChildren(type(view.day_title)))
        assert "09:00–09:20" in texts


def test_kpi_rates_follow_the_locale(language):
    model = KpiModel()
    model.set_rows([{"name": "x", "resolved_first_contact_rate": 0.875}])
    column = next(i for i, (key, _label) in enumerate(KPI_COLUMNS) if key == "resolved_first_contact_rate")
    language("ca")
    assert model.index(0, column).data() == "88\u00a0%"
    language("en")
    assert model.index(0, column).data() == "88%"
