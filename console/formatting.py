"""Dates, times and numbers as the chosen UI language writes them (QLocale of console.i18n.LOCALES).

Every view and model formats through here, never with strftime or a fixed pattern: the locale follows
the language picked in the settings (ca_ES, es_ES, eu_ES, en_GB), also after a live switch.
"""

from __future__ import annotations

from datetime import date, datetime

from PyQt6.QtCore import QDate, QLocale, QTime

from console import i18n

NBSP = "\u00a0"


def locale(lang: str | None = None) -> QLocale:
    """The QLocale of `lang` (default: the installed UI language)."""
    code = lang or i18n.language()
    return QLocale(i18n.LOCALES.get(code, i18n.LOCALES[i18n.DEFAULT_LANGUAGE]))


def _qtime(when: datetime) -> QTime:
    return QTime(when.hour, when.minute, when.second)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def time(when: datetime, lang: str | None = None) -> str:
    """Hours and minutes in the locale's short time pattern, hours always on two digits so that a
    column of times lines up ("09:05"; ca/es write "9:05" on their own)."""
    pattern = locale(lang).timeFormat(QLocale.FormatType.ShortFormat)
    if "HH" not in pattern and "hh" not in pattern:
        pattern = pattern.replace("H", "HH", 1).replace("h", "hh", 1)
    return locale(lang).toString(_qtime(when), pattern)


def date_short(day: date, lang: str | None = None) -> str:
    """The day with a four-digit year in the locale's order: "24/11/2026", Basque "2026/11/24"."""
    return locale(lang).toString(_qdate(day), date_pattern(lang))


def date_long(day: date, lang: str | None = None) -> str:
    """Weekday and month in words: "dimarts, 24 de novembre del 2026", "Tuesday, 24 November 2026"."""
    return locale(lang).toString(_qdate(day), QLocale.FormatType.LongFormat)


def date_time(when: datetime, lang: str | None = None) -> str:
    """A short date and the time, e.g. for a log line the informador reads."""
    return f"{date_short(when.date(), lang)} {time(when, lang)}"


def date_pattern(lang: str | None = None) -> str:
    """The locale's short date pattern with a four-digit year (for QDateEdit.setDisplayFormat)."""
    pattern = locale(lang).dateFormat(QLocale.FormatType.ShortFormat)
    return pattern if "yyyy" in pattern else pattern.replace("yy", "yyyy")


def number(value: float, decimals: int = 0, lang: str | None = None) -> str:
    """A number with the locale's decimal separator and digit grouping: "1.234,5" / "1,234.5"."""
    return locale(lang).toString(float(value), "f", decimals)


def percent(value: float, decimals: int = 1, lang: str | None = None) -> str:
    """A percentage: "12,5 %" (with a no-break space) in ca/es/eu, "12.5%" in English."""
    code = lang or i18n.language()
    sign = "%" if code == "en" else f"{NBSP}%"
    return number(value, decimals, code) + sign


def bitrate(bits_per_second: float, lang: str | None = None) -> str:
    """A media bitrate in kbit/s or Mbit/s: "850 kbit/s", "1,2 Mbit/s"."""
    if bits_per_second >= 1_000_000:
        return f"{number(bits_per_second / 1_000_000, 1, lang)}{NBSP}Mbit/s"
    return f"{number(bits_per_second / 1000, 0, lang)}{NBSP}kbit/s"
