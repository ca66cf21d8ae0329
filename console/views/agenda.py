"""The agenda screen: day navigation, filters, the appointments table and the detail pane."""

from __future__ import annotations

from datetime import date, timedelta

from PyQt6.QtCore import QDate, QItemSelection, QModelIndex, Qt, pyqtSignal
from PyQt6.QtGui import QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console import formatting
from console.domain.appointment import Appointment, Level, Status
from console.i18n import _, ngettext
from console.labels import level_name, status_name
from console.models.agenda_table import (
    AgendaFilterProxy,
    AgendaTableModel,
    AppointmentRole,
    Column,
    SyncStateRole,
)
from console.views.appointment_detail import AppointmentDetail


class ConflictBanner(QFrame):
    """Shows the first unresolved conflict and lets the informador keep or discard their change.

    Signals:
        resolved: args: outbox entry id, keep mine (bool)
    """

    resolved = pyqtSignal(int, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictBanner")
        self.entry_id = 0
        self.text = QLabel(self)
        self.text.setTextFormat(Qt.TextFormat.PlainText)  # contains the citizen's name
        self.text.setWordWrap(True)
        self.keep = QPushButton(_("Keep mine"), self)
        self.keep.setObjectName("keepMine")
        self.discard = QPushButton(_("Discard mine"), self)
        self.discard.setObjectName("discardMine")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.keep)
        layout.addWidget(self.discard)
        self.keep.clicked.connect(lambda: self.resolved.emit(self.entry_id, True))
        self.discard.clicked.connect(lambda: self.resolved.emit(self.entry_id, False))
        self.hide()

    def show_conflicts(self, conflicts: list[object]) -> None:
        if not conflicts:
            self.hide()
            return
        first = conflicts[0]
        self.entry_id = int(first.entry_id)  # type: ignore[attr-defined]
        current: Appointment = first.current  # type: ignore[attr-defined]
        mine = status_name(str(first.mine.get("status", "")))  # type: ignore[attr-defined]
        text = _(
            "{citizen} ({time}) was changed by someone else while your change was waiting. "
            "Now: {theirs}. Yours: {mine}."
        ).format(
            citizen=current.citizen_name,
            time=formatting.time(current.start),
            theirs=status_name(current.status),
            mine=mine,
        )
        more = len(conflicts) - 1
        if more:
            text += " " + ngettext("({n} more conflict)", "({n} more conflicts)", more).format(n=more)
        self.text.setText(text)
        self.show()


class AgendaView(QWidget):
    """Signals:
    day_requested: arg: date
    status_change_requested: args: appointment id, status, outcome ("" if none)
    conflict_resolution_requested: args: outbox entry id, keep mine
    """

    day_requested = pyqtSignal(object)
    status_change_requested = pyqtSignal(str, str, str)
    conflict_resolution_requested = pyqtSignal(int, bool)

    def __init__(self, model: AgendaTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("agendaView")
        self.model = model
        self.proxy = AgendaFilterProxy(self)
        self.proxy.setSourceModel(model)
        self.day = date.today()
        self._selected_id: str | None = None
        self._offline = False

        # Day navigation
        self.prev_day = QToolButton(self)
        self.prev_day.setText("‹")
        self.prev_day.setToolTip(_("Previous day"))
        self.next_day = QToolButton(self)
        self.next_day.setText("›")
        self.next_day.setToolTip(_("Next day"))
        self.today = QPushButton(_("Today"), self)
        self.date_edit = QDateEdit(self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat(formatting.date_pattern())
        self.date_edit.setAccessibleName(_("Day"))
        self.day_title = QLabel(self)
        self.day_title.setObjectName("dayTitle")
        self.source_note = QLabel(self)
        self.source_note.setObjectName("sourceNote")
        self.source_note.hide()

        # Filters
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Search citizen, procedure, phone…"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(240)
        self.status_filter = QComboBox(self)
        self.status_filter.setAccessibleName(_("Filter by status"))
        self.status_filter.addItem(_("All statuses"), "")
        for status in Status:
            self.status_filter.addItem(status_name(status), str(status))
        self.level_filter = QComboBox(self)
        self.level_filter.setAccessibleName(_("Filter by level"))
        self.level_filter.addItem(_("All levels"), "")
        for level in Level:
            self.level_filter.addItem(level_name(level), str(level))

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.prev_day)
        top.addWidget(self.today)
        top.addWidget(self.next_day)
        top.addWidget(self.date_edit)
        top.addSpacing(12)
        top.addWidget(self.day_title)
        top.addWidget(self.source_note)
        top.addStretch(1)
        top.addWidget(self.search)
        top.addWidget(self.status_filter)
        top.addWidget(self.level_filter)

        self.banner = ConflictBanner(self)

        # Table, or an empty state when there is nothing to show
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setAccessibleName(_("Appointments"))
        # Arrows move between rows; Tab leaves the table for the detail pane (no keyboard trap).
        self.table.setTabKeyNavigation(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.TIME, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        vheader, header = self.table.verticalHeader(), self.table.horizontalHeader()
        assert vheader is not None and header is not None
        vheader.setVisible(False)
        vheader.setDefaultSectionSize(34)
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.TRAMIT, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (Column.TIME, 70),
            (Column.CITIZEN, 210),
            (Column.LEVEL, 170),
            (Column.LANGUAGE, 80),
            (Column.STATUS, 150),
        ):
            self.table.setColumnWidth(column, width)
        self.empty = QLabel(self)
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.table_stack = QStackedWidget(self)
        self.table_stack.addWidget(self.table)
        self.table_stack.addWidget(self.empty)

        self.detail = AppointmentDetail(self)  # its own minimumSizeHint keeps its buttons whole
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table_stack)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

        # Keyboard: the informador's hands are on the keyboard between calls.
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self.search.setFocus)
        QShortcut(QKeySequence("Alt+Left"), self, self.prev_day.click)
        QShortcut(QKeySequence("Alt+Right"), self, self.next_day.click)
        QShortcut(QKeySequence("Alt+Home"), self, self.today.click)

        self._connect_signals()
        self._show_day_title()

    def _connect_signals(self) -> None:
        self.prev_day.clicked.connect(lambda: self.day_requested.emit(self.day - timedelta(days=1)))
        self.next_day.clicked.connect(lambda: self.day_requested.emit(self.day + timedelta(days=1)))
        self.today.clicked.connect(lambda: self.day_requested.emit(date.today()))
        self.date_edit.dateChanged.connect(self._on_date_edit_changed)
        self.search.textChanged.connect(self._on_filter_changed)
        self.status_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.level_filter.currentIndexChanged.connect(self._on_filter_changed)
        self.banner.resolved.connect(self.conflict_resolution_requested)
        self.detail.status_change_requested.connect(self.status_change_requested)
        selection = self.table.selectionModel()
        assert selection is not None
        self.selection = selection
        selection.selectionChanged.connect(self._on_selection_changed)
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.modelReset.connect(self._on_model_reset)
        self.model.dataChanged.connect(self._refresh_detail)
        self.model.rowsInserted.connect(self._update_empty_state)
        self.model.rowsRemoved.connect(self._update_empty_state)
        self.proxy.layoutChanged.connect(self._update_empty_state)

    # -- inputs from the application ----------------------------------------------------------
    def show_day(self, day: date) -> None:
        """The model now holds `day`; update the navigation and the notes around the table."""
        self.day = day
        self.date_edit.blockSignals(True)  # setting it is not a request from the user
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.date_edit.blockSignals(False)
        self._show_day_title()
        self._update_empty_state()

    def set_offline(self, offline: bool) -> None:
        """Offline, everything shown comes from the saved copy: say so next to the date."""
        self._offline = offline
        self.source_note.setText(_("Saved copy (offline)"))
        self.source_note.setVisible(offline)
        self._update_empty_state()

    def show_conflicts(self, conflicts: list[object]) -> None:
        self.banner.show_conflicts(conflicts)

    def _show_day_title(self) -> None:
        self.day_title.setText(formatting.date_long(self.day))

    def retranslate(self) -> None:
        """After a live language change: the day in the new locale (console/retranslate.py)."""
        self.date_edit.setDisplayFormat(formatting.date_pattern())
        self._show_day_title()

    # -- slots ----------------------------------------------------------------------------------
    def _on_date_edit_changed(self, qdate: QDate) -> None:
        day = date(qdate.year(), qdate.month(), qdate.day())
        if day != self.day:
            self.day_requested.emit(day)

    def _on_filter_changed(self) -> None:
        self.proxy.set_text(self.search.text())
        self.proxy.set_status(str(self.status_filter.currentData() or ""))
        self.proxy.set_level(str(self.level_filter.currentData() or ""))
        self._update_empty_state()

    def _update_empty_state(self) -> None:
        if self.proxy.rowCount() > 0:
            self.table_stack.setCurrentWidget(self.table)
            return
        if self.model.rowCount() > 0:
            self.empty.setText(_("No appointment matches the filters."))
        elif self._offline:
            self.empty.setText(_("There is no saved copy of this day. It will load when the server is back."))
        else:
            self.empty.setText(_("No appointments on this day."))
        self.table_stack.setCurrentWidget(self.empty)

    def _on_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        rows = self.selection.selectedRows()
        appointment = rows[0].data(AppointmentRole) if rows else None
        self._selected_id = appointment.id if isinstance(appointment, Appointment) else None
        self._refresh_detail()

    def _remember_selection(self) -> None:
        # A reset clears the selection; the id survives it and is selected again afterwards.
        self._kept_id = self._selected_id

    def _on_model_reset(self) -> None:
        kept = getattr(self, "_kept_id", None)
        self._update_empty_state()
        if kept is not None and self.select_appointment(kept):
            return
        self._selected_id = None
        # Nothing was selected: open the first appointment that still needs something done.
        upcoming = next((a for a in self.model.appointments() if not a.status.terminal), None)
        if upcoming is None or not self.select_appointment(upcoming.id):
            self._refresh_detail()

    def select_appointment(self, appointment_id: str) -> bool:
        row = self.model.row_of(appointment_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectRow(index.row())
        self._selected_id = appointment_id
        self._refresh_detail()
        return True

    def _refresh_detail(self, *args: object) -> None:
        row = self.model.row_of(self._selected_id) if self._selected_id is not None else None
        if row is None:
            self.detail.show_appointment(None)
            return
        index: QModelIndex = self.model.index(row, 0)
        appointment = index.data(AppointmentRole)
        self.detail.show_appointment(
            appointment, self.model.tramit_name(appointment.tramit_code), index.data(SyncStateRole)
        )
