"""The agenda as a table model over `list[Appointment]`, plus its sort/filter proxy."""

from __future__ import annotations

import enum
import html
import time
from typing import Any

from PyQt6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PyQt6.QtGui import QColor, QFont

from console import formatting, i18n
from console.domain.appointment import Appointment
from console.domain.catalogue import Tramit
from console.i18n import N_, _, ngettext
from console.labels import language_name, level_name, status_name

AppointmentRole = Qt.ItemDataRole.UserRole + 1  # the Appointment dataclass
SyncStateRole = Qt.ItemDataRole.UserRole + 2  # "pending" | "conflict" | None
SortRole = Qt.ItemDataRole.UserRole + 3  # a key that sorts naturally (time as a datetime)

AnyIndex = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    TIME = 0
    CITIZEN = 1
    TRAMIT = 2
    LEVEL = 3
    LANGUAGE = 4
    STATUS = 5


HEADERS = {
    Column.TIME: N_("Time"),
    Column.CITIZEN: N_("Citizen"),
    Column.TRAMIT: N_("Procedure"),
    Column.LEVEL: N_("Level"),
    Column.LANGUAGE: N_("Language"),
    Column.STATUS: N_("Status"),
}

# (background, text) per status and per theme (console/resources.py THEMES): waiting stands out,
# finished ones recede. Every pair is at least 4.5:1 in the light theme and 7:1 in high contrast
# (tests/console/test_agenda_model.py computes the ratios).
STATUS_COLOURS = {
    "light": {
        "scheduled": ("#eceff1", "#37474f"),
        "confirmed": ("#e3f2fd", "#0d47a1"),
        "waiting": ("#ffe8a3", "#5d4100"),
        "in_call": ("#d4f4dc", "#1b5e20"),
        "completed": ("#f1f1f1", "#595959"),
        "no_show": ("#fde0de", "#8e1b13"),
        "cancelled": ("#f1f1f1", "#595959"),
        "pending": ("#fff4e0", "#7a4a00"),
        "conflict": ("#ffd9d6", "#a11a0f"),
    },
    # On black, like the rest of the high-contrast theme; the waiting room in its yellow accent.
    "high_contrast": {
        "scheduled": ("#000000", "#ffffff"),
        "confirmed": ("#000000", "#9cc3ff"),
        "waiting": ("#ffe600", "#000000"),
        "in_call": ("#000000", "#7dff8e"),
        "completed": ("#000000", "#d9d9d9"),
        "no_show": ("#000000", "#ffb3ab"),
        "cancelled": ("#000000", "#d9d9d9"),
        "pending": ("#000000", "#ffc870"),
        "conflict": ("#000000", "#ffb3ab"),
    },
}
# The text of a finished appointment's other cells, on the theme's surface (white / black).
TERMINAL_TEXT = {"light": "#5f6b76", "high_contrast": "#d9d9d9"}
SURFACE = {"light": "#ffffff", "high_contrast": "#000000"}


class AgendaTableModel(QAbstractTableModel):
    """One row per appointment, in start order."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Appointment] = []
        self._sync: dict[str, str] = {}
        self._waiting: dict[str, float] = {}  # appointment id → waiting since (epoch seconds)
        self._tramits: dict[str, Tramit] = {}
        self._theme = "light"

    # -- Qt interface ---------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt override
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(Column):
            return _(HEADERS[Column(section)])
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        appointment = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(appointment, column)
        if role == AppointmentRole:
            return appointment
        if role == SyncStateRole:
            return self._sync.get(appointment.id)
        if role == SortRole:
            return self._sort_key(appointment, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(appointment, column)
        if (
            role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole)
            and column == Column.STATUS
        ):
            colours = self._colours(appointment)
            return QColor(colours[0] if role == Qt.ItemDataRole.BackgroundRole else colours[1])
        if role == Qt.ItemDataRole.ForegroundRole and appointment.status.terminal:
            return QColor(TERMINAL_TEXT[self._theme])
        if role == Qt.ItemDataRole.FontRole and column == Column.STATUS and appointment.status == "waiting":
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (Column.TIME, Column.LANGUAGE):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    # -- content --------------------------------------------------------------------------------
    def _display(self, a: Appointment, column: Column) -> str:
        if column == Column.TIME:
            return formatting.time(a.start)
        if column == Column.CITIZEN:
            # The office's pool appointments are listed beside the informador's own (they may take
            # them); without a mark they read as double bookings.
            return _("{citizen} (shared pool)").format(citizen=a.citizen_name) if a.pool else a.citizen_name
        if column == Column.TRAMIT:
            return self.tramit_name(a.tramit_code)
        if column == Column.LEVEL:
            return level_name(a.level)
        if column == Column.LANGUAGE:
            return a.language.upper()
        state = self._sync.get(a.id)
        text = status_name(a.status)
        since = self._waiting.get(a.id) if a.status == "waiting" else None
        if since is not None:  # the waiting room: how long the citizen has been there
            minutes = max(0, int((time.time() - since) // 60))
            text = "⏳ " + ngettext("{status} · {n} min", "{status} · {n} min", minutes).format(
                status=text, n=minutes
            )
        if state == "pending":
            return f"{text} ⟳"
        if state == "conflict":
            return f"{text} ⚠"
        return text

    def _sort_key(self, a: Appointment, column: Column) -> Any:
        if column == Column.TIME:
            return a.start.timestamp()
        return self._display(a, column).casefold()

    def _tooltip(self, a: Appointment, column: Column) -> str | None:
        state = self._sync.get(a.id)
        if column == Column.STATUS and state == "pending":
            return _("Pending sync: saved here, will be sent when the server is back.")
        if column == Column.STATUS and state == "conflict":
            return _("Conflict: someone else changed this appointment. Open it to decide.")
        if column == Column.LANGUAGE:
            return language_name(a.language)
        if column in (Column.CITIZEN, Column.TRAMIT):
            # Long names are elided in the cell. Tooltips guess rich text from the content, so
            # citizen text is escaped inside an explicit rich-text span: markup shows as text.
            return f"<span>{html.escape(self._display(a, column))}</span>"
        return None

    def _colours(self, a: Appointment) -> tuple[str, str]:
        """(background, text) of the status cell in the active theme."""
        colours = STATUS_COLOURS[self._theme]
        state = self._sync.get(a.id)
        if state in ("conflict", "pending"):
            return colours[state]
        return colours.get(a.status, (SURFACE[self._theme], TERMINAL_TEXT[self._theme]))

    @property
    def theme(self) -> str:
        return self._theme

    def set_theme(self, theme: str) -> None:
        """ "light" | "high_contrast" (console.resources.resolve_theme): repaints every row."""
        theme = theme if theme in STATUS_COLOURS else "light"
        if theme == self._theme:
            return
        self._theme = theme
        if self._rows:
            last = self.index(len(self._rows) - 1, len(Column) - 1)
            roles = [Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole]
            self.dataChanged.emit(self.index(0, 0), last, roles)

    def tramit_name(self, code: str) -> str:
        tramit = self._tramits.get(code)
        return tramit.name(i18n.language()) if tramit is not None else code

    # -- updates --------------------------------------------------------------------------------
    def set_appointments(self, appointments: list[Appointment]) -> None:
        self.beginResetModel()
        self._rows = list(appointments)
        self.endResetModel()

    def set_tramits(self, tramits: dict[str, Tramit]) -> None:
        self._tramits = dict(tramits)
        self._changed_column(Column.TRAMIT)

    def set_waiting(self, waiting: dict[str, float]) -> None:
        """Appointment id → epoch seconds since the citizen is in the waiting room (call service)."""
        self._waiting = dict(waiting)
        self._changed_column(Column.STATUS)

    def set_sync_states(self, states: dict[str, str]) -> None:
        changed = {i for i in set(self._sync) | set(states) if self._sync.get(i) != states.get(i)}
        self._sync = dict(states)
        for row, a in enumerate(self._rows):
            if a.id in changed:
                self._changed_row(row)

    def update_appointment(self, appointment: Appointment) -> None:
        """Replace the row of this appointment (rows stay in start order)."""
        for row, a in enumerate(self._rows):
            if a.id == appointment.id:
                if a.start != appointment.start:
                    break  # moved in time: re-insert in order
                self._rows[row] = appointment
                self._changed_row(row)
                return
        else:
            row = None
        if row is not None:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
        at = next(
            (i for i, a in enumerate(self._rows) if (a.start, a.id) > (appointment.start, appointment.id)),
            len(self._rows),
        )
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.insert(at, appointment)
        self.endInsertRows()

    def appointments(self) -> list[Appointment]:
        return list(self._rows)

    def appointment_at(self, row: int) -> Appointment:
        return self._rows[row]

    def row_of(self, appointment_id: str) -> int | None:
        return next((i for i, a in enumerate(self._rows) if a.id == appointment_id), None)

    def _changed_row(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def _changed_column(self, column: Column) -> None:
        if self._rows:
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))


class AgendaFilterProxy(QSortFilterProxyModel):
    """Filters by free text (citizen, procedure, phone, e-mail), status and level; sorts by SortRole."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._status: str | None = None
        self._level: str | None = None
        self.setSortRole(SortRole)
        self.setDynamicSortFilter(True)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_status(self, status: str | None) -> None:
        self.beginFilterChange()
        self._status = status or None
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_level(self, level: str | None) -> None:
        self.beginFilterChange()
        self._level = level or None
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        model = self.sourceModel()
        if model is None:
            return True
        parent = QModelIndex(source_parent)
        a = model.index(source_row, 0, parent).data(AppointmentRole)
        if not isinstance(a, Appointment):
            return True
        if self._status is not None and a.status != self._status:
            return False
        if self._level is not None and a.level != self._level:
            return False
        if self._text:
            tramit = model.index(source_row, Column.TRAMIT, parent).data()
            haystack = " ".join((a.citizen_name, str(tramit), a.citizen_phone, a.citizen_email)).casefold()
            return self._text in haystack
        return True
