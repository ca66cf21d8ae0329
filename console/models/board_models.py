"""Table models of the supervisor board: informadors (presence), waiting citizens, KPIs.

Rows are plain dicts as the backend sends them (docs/API.md, "Pool"). Updates touch one row
(dataChanged) instead of resetting the model, so 500 informadors changing state stay cheap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PyQt6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PyQt6.QtGui import QColor, QFont

from console import formatting
from console.i18n import N_, _
from console.labels import language_name
from console.resources import tone_colour

MADRID = ZoneInfo("Europe/Madrid")
AnyIndex = QModelIndex | QPersistentModelIndex
RowRole = Qt.ItemDataRole.UserRole + 1  # the row's dict
AlertRole = Qt.ItemDataRole.UserRole + 2  # True for a long wait

STATE_NAMES = {
    "available": N_("Available"),
    "in_call": N_("In a call"),
    "wrap_up": N_("Wrap-up"),
    "away": N_("Away"),
    "offline": N_("Offline"),
}
# Each state's tone (console/views/tone.py), coloured by the current theme at paint time.
STATE_TONES = {
    "available": "ok",
    "in_call": "info",
    "wrap_up": "note",
    "away": "muted",
    "offline": "muted",
}


def state_name(state: str) -> str:
    return _(STATE_NAMES.get(state, state))


def format_wait(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}"


class _DictTable(QAbstractTableModel):
    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """Override QAbstractItemModel::rowCount."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Override QAbstractItemModel::columnCount."""
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Override QAbstractItemModel::headerData."""
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(self.HEADERS):
            return _(self.HEADERS[section])
        return None

    def row(self, r: int) -> dict[str, Any]:
        return self._rows[r]

    def rows(self) -> list[dict[str, Any]]:
        return list(self._rows)

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = [dict(r) for r in rows]
        self.endResetModel()


class _TramitTable(_DictTable):
    """A table with a column that names the tràmit in the UI language (tramit_name, set by the service
    once the catalogue is known)."""

    TRAMIT_COLUMN = 0

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tramit_name: Callable[[str], str] = lambda code: code

    def relabel_tramits(self) -> None:
        """The catalogue arrived (it loads after the board) or the language changed: repaint names."""
        if self._rows:
            last = len(self._rows) - 1
            self.dataChanged.emit(self.index(0, self.TRAMIT_COLUMN), self.index(last, self.TRAMIT_COLUMN))


class InformadorsModel(_DictTable):
    HEADERS = (N_("Informador"), N_("Office"), N_("Languages"), N_("State"), N_("For"))

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._index: dict[int, int] = {}

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        super().set_rows(rows)
        self._reindex()

    def _reindex(self) -> None:
        self._index = {int(r["staff_id"]): i for i, r in enumerate(self._rows)}

    def row_of(self, staff_id: int) -> int | None:
        return self._index.get(staff_id)

    def apply_presence(self, presence: dict[str, Any]) -> None:
        """One presence.updated event: update that row in place, or append a new informador."""
        if presence.get("role", "informador") != "informador":
            return
        staff_id = int(presence["staff_id"])
        r = self._index.get(staff_id)
        if r is None:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
            self._rows.append(dict(presence))
            self._index[staff_id] = len(self._rows) - 1
            self.endInsertRows()
            return
        self._rows[r].update(presence)
        self.dataChanged.emit(self.index(r, 0), self.index(r, len(self.HEADERS) - 1))

    def tick(self) -> None:
        """The "for" column counts up: repaint it only."""
        if self._rows:
            col = len(self.HEADERS) - 1
            self.dataChanged.emit(self.index(0, col), self.index(len(self._rows) - 1, col))

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data. Names are data, never markup (plain text views)."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, col = self._rows[index.row()], index.column()
        state = str(row.get("state") or "offline")
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return str(row.get("full_name") or row.get("username") or "")
            if col == 1:
                return str(row.get("office_code") or "")
            if col == 2:
                return ", ".join(language_name(x) for x in row.get("languages") or [])
            if col == 3:
                return state_name(state)
            if col == 4:
                return format_wait(time.time() - _epoch(row.get("since"))) if row.get("since") else ""
        if role == Qt.ItemDataRole.ForegroundRole and col == 3:
            return QColor(tone_colour(STATE_TONES.get(state, "muted")))
        if role == Qt.ItemDataRole.FontRole and col == 3:
            font = QFont()
            font.setBold(True)
            return font
        if role == RowRole:
            return dict(row)
        return None


class WaitingModel(_TramitTable):
    HEADERS = (N_("Citizen"), N_("Office"), N_("Procedure"), N_("Language"), N_("Assigned"), N_("Waiting"))
    TRAMIT_COLUMN = 2

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.alert_after_s = 600.0
        self.staff_names: dict[int, str] = {}

    def waiting_s(self, row: dict[str, Any]) -> float:
        since = row.get("waiting_since")
        return time.time() - _epoch(since) if since else 0.0

    def is_alert(self, r: int) -> bool:
        return self.waiting_s(self._rows[r]) >= self.alert_after_s

    def alert_count(self) -> int:
        return sum(1 for r in range(len(self._rows)) if self.is_alert(r))

    def tick(self) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self.HEADERS) - 1))

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return str(row.get("label") or row.get("citizen_name") or "")
            if col == 1:
                return str(row.get("office_code") or "")
            if col == self.TRAMIT_COLUMN:
                code = str(row.get("tramit_code") or "")
                return self.tramit_name(code) or code
            if col == 3:
                return language_name(str(row.get("language") or ""))
            if col == 4:
                staff_id = row.get("staff_id")
                return self.staff_names.get(int(staff_id), str(staff_id)) if staff_id else _("Pool")
            if col == 5:
                return format_wait(self.waiting_s(row))
        alert = self.is_alert(index.row())
        if role == Qt.ItemDataRole.BackgroundRole and alert:
            return QColor("#fde2e1")
        if role == Qt.ItemDataRole.ForegroundRole and alert and col == 5:
            return QColor("#8c1d18")
        if role == Qt.ItemDataRole.ToolTipRole and alert:
            return _("Waiting longer than {minutes} minutes").format(minutes=int(self.alert_after_s // 60))
        if role == RowRole:
            return dict(row)
        if role == AlertRole:
            return alert
        return None


# Every KPI of the report (backend/pool/kpis.py), how it is written, and its name in the UI.
KPI_COUNT, KPI_DURATION, KPI_SHARE = "count", "duration", "share"
KPIS = (
    ("served", N_("Served"), KPI_COUNT),
    ("no_shows", N_("No-shows"), KPI_COUNT),
    ("avg_wait_s", N_("Average wait to admission"), KPI_DURATION),
    ("avg_call_s", N_("Average call length"), KPI_DURATION),
    ("resolved_first_contact_rate", N_("Resolved at first contact"), KPI_SHARE),
    ("identification_failures", N_("Identification failures"), KPI_COUNT),
    ("interpreter_share", N_("Needing an interpreter"), KPI_SHARE),
)
KPI_KINDS = {key: kind for key, _label, kind in KPIS}
KPI_COLUMNS = (
    ("name", N_("Office / procedure")),
    ("served", N_("Served")),
    ("no_shows", N_("No-shows")),
    ("avg_wait_s", N_("Avg. wait")),
    ("avg_call_s", N_("Avg. call")),
    ("resolved_first_contact_rate", N_("Resolved at first contact")),
    ("identification_failures", N_("ID failures")),
    ("interpreter_share", N_("Interpreter")),
)


def kpi_text(key: str, value: float | None) -> str:
    """One KPI figure as the table and the charts write it, in the UI locale (console/formatting.py)."""
    if value is None:
        return "—"
    kind = KPI_KINDS.get(key, KPI_COUNT)
    if kind == KPI_DURATION:
        return format_wait(value)
    if kind == KPI_SHARE:
        return formatting.percent(value * 100, 0)
    return formatting.number(value)


class KpiModel(_TramitTable):
    """Rows of the report's "offices" or "tramits". A tràmit row is named in the UI language once the
    catalogue is known (tramit_name), an office row by its name (table) or code (charts)."""

    HEADERS = tuple(label for _key, label in KPI_COLUMNS)

    def _tramit_label(self, row: dict[str, Any]) -> str:
        code = str(row["tramit_code"])
        name = self.tramit_name(code)
        return name if name and name != code else str(row.get("name") or code)

    def label(self, r: int) -> str:
        """A short name for a chart's axis: the office code, or the tràmit's name."""
        row = self._rows[r]
        if "tramit_code" in row:
            return self._tramit_label(row)
        return str(row.get("code") or row.get("name") or "")

    def figure(self, r: int, key: str) -> float | None:
        value = self._rows[r].get(key)
        return None if value is None else float(value)

    def figures(self, key: str) -> list[tuple[str, float | None]]:
        """(label, value) of every row for one KPI: what a chart draws."""
        return [(self.label(r), self.figure(r, key)) for r in range(len(self._rows))]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        key = KPI_COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "name":
                return self._tramit_label(row) if "tramit_code" in row else str(row.get("name") or "")
            return kpi_text(key, self.figure(index.row(), key))
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == RowRole:
            return dict(row)
        return None


class PoolAppointmentsModel(_TramitTable):
    """Today's pool appointments nobody has taken and whose citizen is not here yet (those who are
    waiting are in the waiting list): the supervisor may give one to an informador ahead of time."""

    HEADERS = (N_("Time"), N_("Citizen"), N_("Office"), N_("Procedure"), N_("Language"))
    TRAMIT_COLUMN = 3

    @staticmethod
    def wanted(item: dict[str, Any]) -> bool:
        """Of the pool's items (GET /pool): appointments, not yet waiting."""
        return item.get("kind") == "appointment" and not item.get("waiting_since")

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override QAbstractItemModel::data. Citizen names are data, never markup (plain text views)."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, col = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return formatting.time(local_time(row["start"])) if row.get("start") else ""
            if col == 1:
                return str(row.get("citizen_name") or "")
            if col == 2:
                return str(row.get("office_code") or "")
            if col == self.TRAMIT_COLUMN:
                code = str(row.get("tramit_code") or "")
                return self.tramit_name(code) or code
            if col == 4:
                return language_name(str(row.get("language") or ""))
        if role == RowRole:
            return dict(row)
        return None


def local_time(iso: str) -> datetime:
    """A backend time in the pool's zone: Europe/Madrid, every office's (backend/pool/service.py)."""
    when = datetime.fromisoformat(iso)
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(MADRID)


_EPOCH_CACHE: dict[str, float] = {}


def _epoch(iso: Any) -> float:
    """ISO time → epoch seconds, cached (the board re-reads the same few hundred times every second)."""
    key = str(iso)
    value = _EPOCH_CACHE.get(key)
    if value is None:
        if len(_EPOCH_CACHE) > 10_000:
            _EPOCH_CACHE.clear()
        value = datetime.fromisoformat(key).timestamp()
        _EPOCH_CACHE[key] = value
    return value
